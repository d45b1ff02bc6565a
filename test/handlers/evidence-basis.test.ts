// metric.evidence end to end: merges and deployments delivered as webhooks to the app, the ledger
// they make, and the report read from it, with hints counted (any) and not (explicit).
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { buildReport, INSTANCE_METRIC_DEFAULTS, reportOptions, resolveScope } from "../../src/metrics/report.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import type { Payload } from "../helpers/fixtures.js";
import { loadApp } from "../helpers/probot.js";
import { Scenario, T } from "../helpers/scenario.js";

const INSTALLATION = 99;
const NOW = Date.parse(T(1000));

let store: Store;
beforeEach(async () => {
  nock.disableNetConnect();
  store = await openStore(":memory:");
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await store.close();
});

/**
 * Three engineers' pull requests shipped by one deployment: mona's with Claude Code's trailers,
 * ben's on a `claude/` branch alone, cy's without AI; the repository's file as given.
 */
async function ship(configFile: string | null) {
  const sc = new Scenario();
  if (configFile !== null) sc.gh.files.set(".github/shipledger.yml", configFile);
  const d0 = sc.deploy(sc.main, 1);
  sc.merge(2, { ai: true, author: "mona" });
  sc.merge(3, { author: "ben", headRef: "claude/fix-typo" });
  sc.merge(4, { author: "cy" });
  const d1 = sc.deploy(sc.main, 10);
  sc.gh.mount();
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  const events: Array<{ name: string; payload: Payload }> = [
    { name: "deployment_status", payload: sc.gh.statusEvent(d0, "success", INSTALLATION) },
    ...[2, 3, 4].map((n) => ({ name: "pull_request", payload: sc.gh.closedEvent(n, INSTALLATION) })),
    { name: "deployment_status", payload: sc.gh.statusEvent(d1, "success", INSTALLATION) },
  ];
  let id = 0;
  for (const e of events) {
    await app.probot.receive({ id: `e${++id}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
  }
  expect(await store.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);
  const strengths = await Promise.all(
    [2, 3, 4].map(async (n) => (await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, n))?.aiEvidence),
  );
  const scope = await resolveScope(store, { repo: "acme/shop" });
  const options = await reportOptions(store, scope, { ...INSTANCE_METRIC_DEFAULTS, minGroupSize: 1 }, NOW);
  const report = await buildReport(store, scope, { since: Date.parse(T(0)), until: NOW }, options);
  return { strengths, report };
}

it.each([
  {
    name: "no file: hints count, and the report says how much rests on them",
    file: null,
    expected: {
      changesShipped: 3,
      aiChangesShipped: 2,
      byAgent: { "claude-code": 2 },
      evidence: {
        basis: "any",
        circumstantialChanges: 1,
        circumstantialShare: 0.5,
        circumstantialDeployments: 1, // ben's deployment exists for the figure through his branch name alone
        circumstantialDeploymentShare: 0.5,
        leftOut: 0,
      },
    },
  },
  {
    name: "metric.evidence: explicit: ben's change ships as another change",
    file: "metric:\n  evidence: explicit\n",
    expected: {
      changesShipped: 3,
      aiChangesShipped: 1,
      aiShare: 1 / 3,
      byAgent: { "claude-code": 1 },
      evidence: {
        basis: "explicit",
        circumstantialChanges: 0,
        circumstantialShare: 0,
        circumstantialDeployments: 0,
        circumstantialDeploymentShare: 0,
        leftOut: 1,
      },
    },
  },
])("$name", async ({ file, expected }) => {
  const { strengths, report } = await ship(file);
  // What the handlers wrote: the strength of each change's evidence, beside the evidence.
  expect(strengths).toEqual(["explicit", "circumstantial", null]);
  expect(report).toMatchObject(expected);
  expect(report.normalisedDeployments).toBeCloseTo(expected.aiChangesShipped / (3 * report.weeks), 10);
});
