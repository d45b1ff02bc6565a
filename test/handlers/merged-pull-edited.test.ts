// A merged pull request edited afterwards (a typo in its description) or re-run is recorded as its
// merge was: a squash-merged change whose explicit evidence is in its squash commit alone (the
// co-author GitHub's merge dialog adds) stays AI-assisted on explicit evidence, and
// `metric.evidence: explicit` still counts it. Re-recorded from its commits alone, it had lost it.
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

it("keeps a squash-merged change's explicit grade when the merged pull request is edited", async () => {
  const sc = new Scenario();
  const d0 = sc.deploy(sc.main, 1);
  // Commits without AI evidence, a `claude/` branch (circumstantial); the squash commit carries
  // Claude Code's co-author trailer (ai: true puts it there; `messages` keep it off the commits).
  sc.merge(2, { ai: true, messages: ["Fix the typo"], author: "mona", headRef: "claude/fix-typo" });
  const d1 = sc.deploy(sc.main, 10);
  sc.gh.mount();
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  const closed = sc.gh.closedEvent(2, INSTALLATION);
  const events: Array<{ name: string; payload: Payload }> = [
    { name: "deployment_status", payload: sc.gh.statusEvent(d0, "success", INSTALLATION) },
    { name: "pull_request", payload: closed },
    { name: "deployment_status", payload: sc.gh.statusEvent(d1, "success", INSTALLATION) },
  ];
  let id = 0;
  const deliver = async (e: { name: string; payload: Payload }) => {
    await app.probot.receive({ id: `e${++id}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
  };
  for (const e of events) await deliver(e);
  const strength = async () => (await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 2))?.aiEvidence;
  expect(await strength()).toBe("explicit"); // from the squash commit's Co-Authored-By

  // Someone fixes a typo in the merged pull request's description.
  await deliver({
    name: "pull_request",
    payload: { ...closed, action: "edited", changes: { body: { from: "" } } } as Payload,
  });
  expect(await store.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);

  const scope = await resolveScope(store, { repo: "acme/shop" });
  const options = await reportOptions(
    store,
    scope,
    { ...INSTANCE_METRIC_DEFAULTS, minGroupSize: 1, evidence: "explicit" },
    NOW,
  );
  const report = await buildReport(store, scope, { since: Date.parse(T(0)), until: NOW }, options);
  expect(await strength()).toBe("explicit");
  expect(report.aiChangesShipped).toBe(1);
});

it("keeps a squash-merged change AI-assisted when the merged pull request is edited (no hint either)", async () => {
  const sc = new Scenario();
  const d0 = sc.deploy(sc.main, 1);
  sc.merge(2, { ai: true, messages: ["Fix the typo"], author: "mona" });
  const d1 = sc.deploy(sc.main, 10);
  sc.gh.mount();
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  const closed = sc.gh.closedEvent(2, INSTALLATION);
  let id = 0;
  const deliver = async (e: { name: string; payload: Payload }) => {
    await app.probot.receive({ id: `e${++id}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
  };
  await deliver({ name: "deployment_status", payload: sc.gh.statusEvent(d0, "success", INSTALLATION) });
  await deliver({ name: "pull_request", payload: closed });
  await deliver({ name: "deployment_status", payload: sc.gh.statusEvent(d1, "success", INSTALLATION) });
  const row = async () => {
    const c = await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 2);
    return { ai: c?.ai, aiEvidence: c?.aiEvidence };
  };
  expect(await row()).toEqual({ ai: true, aiEvidence: "explicit" });
  await deliver({
    name: "pull_request",
    payload: { ...closed, action: "edited", changes: { body: { from: "" } } } as Payload,
  });
  expect(await row()).toEqual({ ai: true, aiEvidence: "explicit" });
});

it("keeps a merged change's attribution when an update from before the merge is processed after it", async () => {
  // GitHub sends `synchronize` then, seconds later, `closed`; the worker runs two deliveries of an
  // installation at once and retries a failed one later, so the update may be recorded last.
  const sc = new Scenario();
  const d0 = sc.deploy(sc.main, 1);
  sc.merge(2, { ai: true, messages: ["Fix the typo"], author: "mona" });
  const d1 = sc.deploy(sc.main, 10);
  sc.gh.mount();
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  const closed = sc.gh.closedEvent(2, INSTALLATION);
  let id = 0;
  const deliver = async (e: { name: string; payload: Payload }) => {
    await app.probot.receive({ id: `e${++id}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
  };
  await deliver({ name: "deployment_status", payload: sc.gh.statusEvent(d0, "success", INSTALLATION) });
  await deliver({ name: "pull_request", payload: closed });
  await deliver({ name: "deployment_status", payload: sc.gh.statusEvent(d1, "success", INSTALLATION) });
  const row = async () => {
    const c = await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 2);
    return { state: c?.state, ai: c?.ai, aiEvidence: c?.aiEvidence, shipped: c?.shippedDeploymentId !== null };
  };
  expect(await row()).toEqual({ state: "merged", ai: true, aiEvidence: "explicit", shipped: true });

  // The push's delivery, as GitHub sent it before the merge (same head), recorded last.
  const pull = closed.pull_request as Record<string, unknown>;
  await deliver({
    name: "pull_request",
    payload: {
      ...closed,
      action: "synchronize",
      pull_request: { ...pull, state: "open", merged: false, merged_at: null, merged_by: null, closed_at: null },
    } as Payload,
  });
  expect(await store.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);
  expect(await row()).toEqual({ state: "merged", ai: true, aiEvidence: "explicit", shipped: true });
});
