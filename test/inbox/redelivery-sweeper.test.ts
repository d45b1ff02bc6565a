// The redelivery sweep in the app process: wired by createShipledger only when an interval is set,
// run with the App's JWT (auth() without an installation), never throwing, one at a time.
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RedeliverySweeper } from "../../src/inbox/redelivery-sweeper.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { FakeGitHub } from "../fake-github/server.js";
import { appKeyPair } from "../helpers/app-process.js";
import { loadApp } from "../helpers/probot.js";

const APP_ID = 4343;
const keys = appKeyPair();
const NOW = Date.parse("2026-12-01T12:00:00Z");
let github: FakeGitHub;
let probot: Probot;
let store: Store;

function captureLog() {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (data: unknown, message?: string) => {
    lines.push({ level, message: typeof data === "string" ? data : (message ?? "") });
  };
  return { lines, log: { info: at("info"), warn: at("warn"), debug: at("debug"), error: at("error") } as never };
}

beforeEach(async () => {
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
  probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKeyPem,
    baseUrl: `${github.baseUrl}/api/v3`,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  store = await openStore(":memory:");
});
afterEach(async () => {
  await github.stop();
  await store.close();
});

describe("RedeliverySweeper", () => {
  it("sweeps with the App's JWT and redelivers a failed delivery", async () => {
    github.hookDeliveries.push({
      id: 9,
      guid: "lost",
      delivered_at: new Date(NOW - 60_000).toISOString(),
      redelivery: false,
      duration: 10,
      status: "timed out",
      status_code: 0,
      event: "pull_request",
      action: "closed",
      installation_id: 1,
      repository_id: 2,
    });
    const { lines, log } = captureLog();
    const sweeper = new RedeliverySweeper({ store, auth: (id) => probot.auth(id), log, intervalMs: 600_000 });
    const [report, overlapping] = await Promise.all([sweeper.sweep(NOW), sweeper.sweep(NOW)]);
    expect(overlapping).toBeNull();
    expect(report?.redelivered.map((r) => r.guid)).toEqual(["lost"]);
    expect(github.redeliveries).toEqual([9]);
    expect(github.requests.every((r) => r.auth === "jwt")).toBe(true);
    expect(lines.filter((l) => l.level === "info").map((l) => l.message)).toEqual([
      "redelivery sweep: asked GitHub to redeliver 1 failed delivery",
    ]);
    await sweeper.stop();
  });

  it("never throws: no JWT, or the ledger gone, is one warning and the next interval tries again", async () => {
    const { lines, log } = captureLog();
    const sweeper = new RedeliverySweeper({
      store,
      auth: () => Promise.reject(new Error("no private key")),
      log,
      intervalMs: 600_000,
    });
    expect(await sweeper.sweep(NOW)).toBeNull();
    expect(lines).toEqual([{ level: "warn", message: "redelivery sweep failed: no private key" }]);
  });
});

describe("createShipledger's sweeper", () => {
  it("exists only when RECONCILE_INTERVAL_MS is set above 0", async () => {
    expect((await loadApp({ store })).shipledger.sweeper).toBeNull();
    expect((await loadApp({ store, reconcile: { intervalMs: 0 } })).shipledger.sweeper).toBeNull();
    expect((await loadApp({ store, reconcile: { intervalMs: 600_000 } })).shipledger.sweeper).toBeInstanceOf(
      RedeliverySweeper,
    );
  });
});
