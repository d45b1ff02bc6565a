// The deployment check's spend line: the AI spend of the agent sessions behind the AI-assisted
// changes a deployment shipped, shared with the other changes that name the same sessions, and
// shown only when the repository's group, and the authors of the deployment's changes with spend,
// are at least the minimum group size.

import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import type { UsagePointRecord } from "../../src/model/spend.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { loadApp } from "../helpers/probot.js";
import { Scenario, T } from "../helpers/scenario.js";

const INSTALLATION = 99;
const NOW = Date.parse(T(30));
let store: Store;
let deliveries = 0;

beforeEach(async () => {
  nock.disableNetConnect();
  store = await openStore(":memory:");
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store.close();
});

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`.padStart(20, "0");
function point(sessionId: string, over: Partial<UsagePointRecord> & { value: number }): UsagePointRecord {
  const at = Date.parse(T(5));
  return {
    installationId: INSTALLATION,
    series: `${sessionId}:${over.measure ?? "costUsd"}:${over.model ?? ""}`,
    startNs: ns(at),
    timeNs: ns(at),
    agent: "claude-code",
    sessionId,
    sessionKey: sessionId.toLowerCase(),
    model: "claude-sonnet-4-5",
    measure: "costUsd",
    temporality: "delta",
    at,
    source: "otlp",
    receivedAt: at,
    ...over,
  };
}

/** Five engineers merge; #1 (ana, session A), #3 (ben, session C) and #2 (eve, sessions A and B) are AI-assisted. */
async function play(minGroupSize: number) {
  const sc = new Scenario();
  const d1 = sc.deploy(sc.main, 10);
  sc.merge(1, {
    author: "ana",
    messages: ["Add the cart\n\nClaude-Session: https://claude.ai/code/session_01SessionAaaa"],
  });
  sc.merge(3, { author: "ben", messages: ["Fix the totals\n\nAgent-Session: c-9"] });
  for (const [n, author] of [
    [4, "cy"],
    [5, "dee"],
  ] as const)
    sc.merge(n, { author });
  const d2 = sc.deploy(sc.main, 20);
  sc.merge(2, {
    author: "eve",
    at: 21,
    messages: ["Tune the cart\n\nClaude-Session: https://claude.ai/code/session_01SessionAaaa\nAgent-Session: b-7"],
  });
  sc.gh.mount();
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
    api: {
      tokens: [],
      metric: {
        minGroupSize,
        revertWindowDays: 14,
        ignorePaths: [],
        prices: { "gemini-2.5-pro": { input: 1, output: 10 } },
      },
    },
  });
  const receive = async (name: string, payload: unknown) => {
    await app.probot.receive({ id: `d${++deliveries}`, name: name as never, payload: payload as never });
    await app.worker.drain();
  };
  await receive("deployment_status", sc.gh.statusEvent(d1, "success", INSTALLATION));
  for (const n of [1, 3, 4, 5, 2]) await receive("pull_request", sc.gh.closedEvent(n, INSTALLATION));
  await store.spend.recordUsagePoints([
    point("session_01SessionAaaa", { value: 6 }), // named by #1 and #2: $3 each
    point("b-7", { value: 2 }), // #2 only
    point("c-9", { value: 5 }), // #3 (ben) only
    // Gemini tokens in session A, priced by the instance: 1e6·$1 + 1e5·$10 = $2, estimated; $1 to #1.
    point("session_01SessionAaaa", { agent: "gemini", model: "gemini-2.5-pro", measure: "input", value: 1e6 }),
    point("session_01SessionAaaa", { agent: "gemini", model: "gemini-2.5-pro", measure: "output", value: 1e5 }),
  ]);
  await receive("deployment_status", sc.gh.statusEvent(d2, "success", INSTALLATION));
  return sc.gh.checkRuns.find((r) => r.name === "Shipledger deployment" && r.output.title.startsWith("Shipped"));
}

it("says what the sessions behind the deployment's AI-assisted changes cost, their shared spend split", async () => {
  // #1's half of session A ($3 + $1 of Gemini tokens, estimated) and #3's session C ($5), by two authors.
  const run = await play(2);
  expect(run?.output.title).toBe("Shipped 4 changes (2 AI-assisted)");
  expect(run?.output.summary).toContain(
    "AI spend of the sessions behind this deployment: $9.00 ($1.00 of it estimated from tokens).",
  );
});

it("says nothing of spend when the deployment's changes with spend have fewer authors than the minimum", async () => {
  // The repository's five engineers meet the minimum, but this deployment's spend is two people's.
  const run = await play(5);
  expect(run?.output.title).toBe("Shipped 4 changes (2 AI-assisted)");
  expect(run?.output.summary).not.toContain("AI spend");
});

it("says nothing of spend when the repository's group is below the minimum", async () => {
  const run = await play(50);
  expect(run?.output.title).toBe("Shipped 4 changes (2 AI-assisted)");
  expect(run?.output.summary).not.toContain("AI spend");
});
