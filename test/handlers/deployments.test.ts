// Deployment linking scenarios through the webhook handlers, against an in-memory model of the
// repository on GitHub (served by nock). Each pitfall in PRODUCT.md has a scenario here.
import fc from "fast-check";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { changesRolledBackBy, fateOf } from "../../src/ledger/fates.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import type { Payload } from "../helpers/fixtures.js";
import { API } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";
import { propertyParams } from "../helpers/property.js";
import { Scenario, T } from "../helpers/scenario.js";

const INSTALLATION = 99;
const NOW = Date.parse(T(1000));
type Event = { name: string; payload: Payload };

/** What the ledger says: each deployment's outcome and first-shipped changes; each change's fate. */
async function ledgerView(store: Store, sc: Scenario) {
  const deployments = await store.deployments.listDeployments(INSTALLATION, sc.gh.repositoryId);
  const label = (c: { number: number | null; mergeCommitSha: string | null }) =>
    c.number !== null ? `#${c.number}` : `push ${c.mergeCommitSha?.slice(-4)}`;
  const view: Record<string, unknown> = {};
  for (const d of deployments) {
    view[d.sourceKey] = {
      outcome: d.outcome,
      shipped: (await store.changes.changesShippedBy(INSTALLATION, d.id)).map(label).sort(),
      rolledBack: (await changesRolledBackBy(store, INSTALLATION, d.id)).map(label).sort(),
    };
  }
  const fates: Record<string, unknown> = {};
  const keyOf = new Map(deployments.map((d) => [d.id, d.sourceKey]));
  for (const number of sc.gh.pulls.keys()) {
    const change = await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, number);
    if (!change) continue;
    const fate = await fateOf(store, INSTALLATION, change.id);
    // The materialised columns that reports read agree with the joins.
    expect({
      shippedDeploymentId: change.shippedDeploymentId,
      shippedAt: change.shippedAt,
      revertedAt: change.revertedAt,
      rolledBackAt: change.rolledBackAt,
    }).toEqual({
      shippedDeploymentId: fate.shippedBy?.deploymentId ?? null,
      shippedAt: fate.shippedBy?.at ?? null,
      revertedAt: fate.revertedBy?.at ?? null,
      rolledBackAt: fate.rolledBackBy?.at ?? null,
    });
    fates[`#${number}`] = {
      shippedBy: fate.shippedBy ? keyOf.get(fate.shippedBy.deploymentId) : null,
      reverted: fate.revertedBy !== null,
      rolledBackBy: fate.rolledBackBy ? keyOf.get(fate.rolledBackBy.deploymentId) : null,
    };
  }
  return { deployments: view, changes: fates };
}

describe("deployment linking", () => {
  let store: Store;
  let deliveries = 0;
  /** Deliveries that failed in an earlier play() of the test (on purpose). */
  const failedBefore = new Set<number | string>();
  beforeEach(async () => {
    nock.disableNetConnect();
    store = await openStore(":memory:");
    failedBefore.clear();
  });
  afterEach(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await store.close();
  });

  /** One GitHub answer that fails (a 502), before the model answers the rest. */
  type Failure = { method: "GET" | "POST"; path: RegExp };

  /**
   * Delivers `events` to a fresh app on `target`, each processed before the next arrives; with
   * `together`, all arrive first and the worker takes them at once (several in parallel).
   */
  async function play(sc: Scenario, events: Event[], target: Store = store, fail?: Failure, together = false) {
    nock.cleanAll();
    const failure = fail
      ? nock(API)
          .intercept(fail.path, fail.method)
          .reply(502, { message: "Server Error" }, { "x-github-request-id": "F00D:1" })
      : null;
    sc.gh.mount();
    const app = await loadApp({
      store: target,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    for (const e of events) {
      await app.probot.receive({ id: `e${++deliveries}`, name: e.name as never, payload: e.payload });
      if (!together) await app.worker.drain();
    }
    if (together) await app.worker.drain();
    const failed = await target.inbox.listDeliveries({ statuses: ["failed", "pending"] });
    const failures = failed.filter((d) => !failedBefore.has(d.id)).map((d) => `${d.event}: ${d.lastError}`);
    // With a failure planned, it was met and failed exactly one delivery; otherwise none failed.
    if (failure) expect(failure.isDone()).toBe(true);
    expect(failures.length).toBe(fail ? 1 : 0);
    for (const d of failed) failedBefore.add(d.id);
  }

  /** The ledger that `events` make on a store of their own (another arrival order, a reference). */
  async function ledgerOf(sc: Scenario, events: Event[]) {
    const other = await openStore(":memory:");
    try {
      await play(sc, events, other);
      return await ledgerView(other, sc);
    } finally {
      await other.close();
    }
  }

  const closed = (sc: Scenario, n: number): Event => ({
    name: "pull_request",
    payload: sc.gh.closedEvent(n, INSTALLATION),
  });
  const success = (sc: Scenario, id: number, state = "success"): Event => ({
    name: "deployment_status",
    payload: sc.gh.statusEvent(id, state, INSTALLATION),
  });

  it("first deployment is a baseline; the next ships exactly the changes in between", async () => {
    const sc = new Scenario();
    sc.merge(1);
    const d1 = sc.deploy(sc.main, 10);
    sc.merge(2, { ai: true });
    sc.merge(3);
    const d2 = sc.deploy(sc.main, 20);
    await play(sc, [closed(sc, 1), success(sc, d1), closed(sc, 2), closed(sc, 3), success(sc, d2)]);
    expect(await ledgerView(store, sc)).toEqual({
      deployments: {
        [`deployment:${d1}`]: { outcome: "baseline", shipped: [], rolledBack: [] },
        [`deployment:${d2}`]: { outcome: "ship", shipped: ["#2", "#3"], rolledBack: [] },
      },
      changes: {
        "#1": { shippedBy: null, reverted: false, rolledBackBy: null },
        "#2": { shippedBy: `deployment:${d2}`, reverted: false, rolledBackBy: null },
        "#3": { shippedBy: `deployment:${d2}`, reverted: false, rolledBackBy: null },
      },
    });
    // The check on the deployed commit says what shipped.
    const run = sc.gh.checkRuns.find((r) => r.head_sha === sc.main);
    expect(run?.name).toBe("Shipledger deployment");
    expect(run?.output.title).toBe("Shipped 2 changes (1 AI-assisted)");
    expect(run?.output.summary).toContain("[#2](https://github.com/acme/shop/pull/2)");
    expect(sc.gh.checkRuns[0]?.output.title).toBe("Baseline: first production deployment recorded");
  });

  it("budget: a deployment whose changes are all known costs ceil(K/250) compare pages and one check write", async () => {
    const sc = new Scenario();
    const d1 = sc.deploy(sc.main, 1);
    for (let n = 1; n <= 300; n++) sc.merge(n, { at: 2 });
    const d2 = sc.deploy(sc.main, 5);
    await play(sc, [success(sc, d1), ...Array.from({ length: 300 }, (_, i) => closed(sc, i + 1))]);
    sc.gh.calls.length = 0;
    await play(sc, [success(sc, d2)]);
    // The range holds 300 squash commits: 2 compare pages; config reads are the only other calls.
    expect(sc.gh.calls).toEqual([
      "GET config /repos/acme/shop",
      "GET config /repos/acme/.github",
      expect.stringMatching(/^GET compare .*p1$/),
      expect.stringMatching(/^GET compare .*p2$/),
      "POST check-runs Shipledger deployment",
    ]);
    expect((await ledgerView(store, sc)).deployments[`deployment:${d2}`]).toMatchObject({ outcome: "ship" });
    const shipped = await store.changes.changesShippedBy(
      INSTALLATION,
      (await store.deployments.listDeployments(INSTALLATION, 4242))[1]?.id ?? 0,
    );
    expect(shipped).toHaveLength(300);
  });

  it("redeploying the same commit ships nothing new", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1);
    const d1 = sc.deploy(sc.main, 10);
    const again = sc.deploy(sc.main, 11);
    await play(sc, [success(sc, d0), closed(sc, 1), success(sc, d1), success(sc, again)]);
    const view = await ledgerView(store, sc);
    expect(view.deployments[`deployment:${again}`]).toEqual({ outcome: "redeploy", shipped: [], rolledBack: [] });
    expect(view.changes["#1"]).toMatchObject({ shippedBy: `deployment:${d1}` });
    expect(sc.gh.checkRuns.at(-1)?.output.title).toBe("Redeploy: nothing new shipped");
  });

  it("rollback V1→V2→V3→V1 ships nothing and rolls back the changes of V2 and V3", async () => {
    const sc = new Scenario();
    sc.merge(1);
    const v1 = sc.main;
    const d1 = sc.deploy(v1, 1);
    sc.merge(2);
    const d2 = sc.deploy(sc.main, 2);
    sc.merge(3);
    const d3 = sc.deploy(sc.main, 3);
    const back = sc.deploy(v1, 4);
    await play(sc, [
      closed(sc, 1),
      closed(sc, 2),
      closed(sc, 3),
      success(sc, d1),
      success(sc, d2),
      success(sc, d3),
      success(sc, back),
    ]);
    const view = await ledgerView(store, sc);
    expect(view.deployments[`deployment:${back}`]).toEqual({
      outcome: "rollback",
      shipped: [],
      rolledBack: ["#2", "#3"],
    });
    expect(view.changes).toEqual({
      "#1": { shippedBy: null, reverted: false, rolledBackBy: null },
      "#2": { shippedBy: `deployment:${d2}`, reverted: false, rolledBackBy: `deployment:${back}` },
      "#3": { shippedBy: `deployment:${d3}`, reverted: false, rolledBackBy: `deployment:${back}` },
    });
    expect(sc.gh.checkRuns.at(-1)?.output.title).toBe("Rollback: 2 changes rolled back");
  });

  it("a deployment_status before the pull request's closed event links the same way (the PR is learnt from GitHub)", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1, { ai: true });
    const d1 = sc.deploy(sc.main, 2);
    await play(sc, [success(sc, d0), success(sc, d1), closed(sc, 1)]);
    const view = await ledgerView(store, sc);
    expect(view.changes["#1"]).toEqual({ shippedBy: `deployment:${d1}`, reverted: false, rolledBackBy: null });
    expect(sc.gh.calls).toContain("POST graphql associatedPullRequests ×1");
    expect((await store.changes.getChange(INSTALLATION, 4242, 1))?.ai).toBe(true);
  });

  it("an inactive status after the success is the same past success, not a new deployment", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1, "production", ["success", "inactive"]);
    sc.merge(1);
    const d1 = sc.deploy(sc.main, 5);
    await play(sc, [success(sc, d0), success(sc, d0, "inactive"), closed(sc, 1), success(sc, d1)]);
    const view = await ledgerView(store, sc);
    expect(Object.keys(view.deployments)).toEqual([`deployment:${d0}`, `deployment:${d1}`]);
    expect(view.changes["#1"]).toMatchObject({ shippedBy: `deployment:${d1}` });
  });

  it("an inactive status seen without its success still counts, at the time it succeeded", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1);
    const d1 = sc.deploy(sc.main, 5, "production", ["success", "inactive"]);
    await play(sc, [success(sc, d0), closed(sc, 1), success(sc, d1, "inactive")]);
    const [, second] = await store.deployments.listDeployments(INSTALLATION, 4242);
    expect(second).toMatchObject({ succeededAt: Date.parse(T(5)), succeededAtExact: true, outcome: "ship" });
  });

  it("staging, transient and Actions job environments are not production", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1);
    const staging = sc.deploy(sc.main, 2, "staging");
    const review = sc.deploy(sc.main, 3, "pr-1-review-app");
    const testJob = sc.deploy(sc.main, 4, "test");
    const transient = {
      name: "deployment_status",
      payload: sc.gh.statusEvent(review, "success", INSTALLATION, { transient: true }),
    };
    await play(sc, [success(sc, d0), closed(sc, 1), success(sc, staging), transient, success(sc, testJob)]);
    const view = await ledgerView(store, sc);
    expect(Object.keys(view.deployments)).toEqual([`deployment:${d0}`]);
    expect(view.changes["#1"]).toMatchObject({ shippedBy: null });
  });

  it("compare answering 422 falls back to walking the history with GraphQL", async () => {
    const sc = new Scenario();
    const base = sc.main;
    const d0 = sc.deploy(base, 1);
    sc.merge(1);
    sc.merge(2, { method: "merge", commits: 2 });
    const d1 = sc.deploy(sc.main, 5);
    sc.gh.tooLong.add(`${base}...${sc.main}`);
    await play(sc, [success(sc, d0), closed(sc, 1), closed(sc, 2), success(sc, d1)]);
    expect((await ledgerView(store, sc)).deployments[`deployment:${d1}`]).toEqual({
      outcome: "ship",
      shipped: ["#1", "#2"],
      rolledBack: [],
    });
    expect(sc.gh.calls.filter((c) => c.startsWith("POST graphql history"))).toHaveLength(2);
  });

  it("compare answering 422 for a rollback: the history walk does not reach the previous commit, and it is still a rollback", async () => {
    const sc = new Scenario();
    sc.merge(1);
    const v1 = sc.main;
    const d1 = sc.deploy(v1, 1);
    sc.merge(2);
    const d2 = sc.deploy(sc.main, 2);
    const back = sc.deploy(v1, 3);
    sc.gh.tooLong.add(`${sc.main}...${v1}`);
    await play(sc, [closed(sc, 1), closed(sc, 2), success(sc, d1), success(sc, d2), success(sc, back)]);
    const view = await ledgerView(store, sc);
    expect(view.deployments[`deployment:${back}`]).toEqual({ outcome: "rollback", shipped: [], rolledBack: ["#2"] });
  });

  it.each(["garbage-collected", "still there"])(
    "compare answering 404 (main rewritten; the previous production commit %s): the deployment is a new baseline and the next ones link",
    async (old) => {
      const sc = new Scenario();
      sc.merge(1);
      const before = sc.main;
      const d0 = sc.deploy(before, 1);
      // Main is rewritten and force-pushed (a secret scrubbed from the history): no common ancestor.
      sc.main = sc.gh.commit("f0".padEnd(40, "1"), [], "Rewritten history\n");
      if (old === "garbage-collected") sc.gh.gone.add(before);
      sc.merge(2, { ai: true });
      const d1 = sc.deploy(sc.main, 3);
      const rewritten = sc.main;
      sc.merge(4);
      const d2 = sc.deploy(sc.main, 5);
      await play(sc, [closed(sc, 1), success(sc, d0), closed(sc, 2), success(sc, d1), closed(sc, 4), success(sc, d2)]);
      expect((await ledgerView(store, sc)).deployments).toEqual({
        [`deployment:${d0}`]: { outcome: "baseline", shipped: [], rolledBack: [] },
        [`deployment:${d1}`]: { outcome: "baseline", shipped: [], rolledBack: [] },
        [`deployment:${d2}`]: { outcome: "ship", shipped: ["#4"], rolledBack: [] },
      });
      const run = sc.gh.checkRuns.find((r) => r.head_sha === rewritten);
      expect(run?.output.title).toBe("Baseline: not comparable with the previous production deployment");
      expect(run?.output.summary).toContain(`with the previous production commit \`${before.slice(0, 7)}\``);
    },
  );

  it("compare answering 404 for a moment (a commit not on every replica yet): asked again on the next attempt, the deployment ships what it brought", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1, { ai: true });
    const fresh = sc.main;
    const d1 = sc.deploy(fresh, 2);
    // GitHub does not find the new commit the first time it is asked, and does after.
    const has = sc.gh.gone.has.bind(sc.gh.gone);
    let asked = 0;
    sc.gh.gone.has = (sha: string) => (sha === fresh ? asked++ === 0 : has(sha));
    nock.cleanAll();
    sc.gh.mount();
    const app = await loadApp({
      store,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { baseMs: 0, maxAttempts: 3 } },
    });
    for (const e of [success(sc, d0), closed(sc, 1), success(sc, d1)]) {
      await app.probot.receive({ id: `e${++deliveries}`, name: e.name as never, payload: e.payload });
      await app.worker.drain();
    }
    expect(asked).toBeGreaterThan(1);
    expect((await ledgerView(store, sc)).deployments).toEqual({
      [`deployment:${d0}`]: { outcome: "baseline", shipped: [], rolledBack: [] },
      [`deployment:${d1}`]: { outcome: "ship", shipped: ["#1"], rolledBack: [] },
    });
    const [status] = (await store.inbox.listDeliveries({ statuses: ["done"] })).filter((d) => d.attempts === 2);
    expect(status?.event).toBe("deployment_status");
  });

  it.each(["squash", "merge", "rebase"] as const)(
    "a %s merge is shipped by the deployment that contains it",
    async (method) => {
      const sc = new Scenario();
      const d0 = sc.deploy(sc.main, 1);
      sc.merge(1, { method, commits: 3 });
      const d1 = sc.deploy(sc.main, 2);
      await play(sc, [success(sc, d0), closed(sc, 1), success(sc, d1)]);
      const change = await store.changes.getChange(INSTALLATION, 4242, 1);
      expect(change?.mergeMethod).toBe(method);
      expect((await ledgerView(store, sc)).changes["#1"]).toMatchObject({ shippedBy: `deployment:${d1}` });
      // The PR's own commits are not separate changes.
      expect((await ledgerView(store, sc)).deployments[`deployment:${d1}`]).toMatchObject({ shipped: ["#1"] });
    },
  );

  it("a revert PR marks the change reverted once the revert ships", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1, { title: "Add cache", ai: true });
    const d1 = sc.deploy(sc.main, 2);
    sc.merge(2, { title: 'Revert "Add cache"', body: "Reverts acme/shop#1" });
    const before = [success(sc, d0), closed(sc, 1), success(sc, d1), closed(sc, 2)];
    await play(sc, before);
    expect((await ledgerView(store, sc)).changes["#1"]).toMatchObject({ reverted: false });
    const d2 = sc.deploy(sc.main, 3);
    await play(sc, [success(sc, d2)]);
    expect((await ledgerView(store, sc)).changes["#1"]).toMatchObject({
      reverted: true,
      shippedBy: `deployment:${d1}`,
    });
  });

  it("a revert of some of a change's commits (git revert <sha>) is partial and undoes nothing; all of them, or its merge commit (git revert -m 1), undo it", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1, { method: "merge", commits: 3, ai: true, at: 2 });
    sc.merge(2, { method: "merge", commits: 2, at: 3 });
    const m3 = sc.merge(3, { method: "merge", commits: 2, at: 4 });
    sc.merge(4, { method: "squash", commits: 2, at: 5 });
    const d1 = sc.deploy(sc.main, 6);
    const own = (n: number) => sc.gh.pulls.get(n)?.commits ?? [];
    const revert = (sha: string) => `Revert "x"\n\nThis reverts commit ${sha}.\n`;
    // A bisect found #1's second commit: it alone is backed out; the rest of #1 stays in production.
    sc.merge(5, { title: 'Revert "Change 1 part 2"', messages: [revert(own(1)[1] as string)], at: 7 });
    // Every commit of #2 reverted, one by one: #2 is undone.
    sc.merge(6, { title: "Back out change 2", messages: own(2).toReversed().map(revert), at: 8 });
    // #3's merge commit reverted against its first parent: the whole of #3.
    const parent = sc.gh.commits.get(m3)?.parents[0] as string;
    const mainline = `Revert "Merge pull request #3"\n\nThis reverts commit ${m3}, reversing\nchanges made to ${parent}.\n`;
    sc.merge(7, { title: 'Revert "Merge pull request #3"', messages: [mainline], at: 9 });
    // One of #4's commits, from its author's local branch: its squash stays in production.
    sc.merge(8, { title: 'Revert "Change 4 part 1"', messages: [revert(own(4)[0] as string)], at: 10 });
    const d2 = sc.deploy(sc.main, 11);
    const merges = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => closed(sc, n));
    await play(sc, [success(sc, d0), ...merges.slice(0, 4), success(sc, d1), ...merges.slice(4), success(sc, d2)]);
    expect((await ledgerView(store, sc)).changes).toMatchObject({
      "#1": { shippedBy: `deployment:${d1}`, reverted: false },
      "#2": { shippedBy: `deployment:${d1}`, reverted: true },
      "#3": { shippedBy: `deployment:${d1}`, reverted: true },
      "#4": { shippedBy: `deployment:${d1}`, reverted: false },
    });
  });

  it('a hand-made revert named only by its title (Revert "<title>") reverts the latest change of that title', async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1, { title: "Add cache", at: 2 });
    sc.merge(2, { title: "Add cache", at: 3, ai: true }); // the same title again: this one is undone
    sc.merge(3, { title: "Tune timeouts", at: 4 });
    const d1 = sc.deploy(sc.main, 5);
    sc.merge(4, { title: 'Revert "Add cache"', at: 6, headRef: "undo-cache" });
    const d2 = sc.deploy(sc.main, 7);
    const events = [success(sc, d0), closed(sc, 1), closed(sc, 2), closed(sc, 3), success(sc, d1), closed(sc, 4)];
    await play(sc, [...events, success(sc, d2)]);
    const view = await ledgerView(store, sc);
    expect(view.changes).toMatchObject({
      "#1": { shippedBy: `deployment:${d1}`, reverted: false },
      "#2": { shippedBy: `deployment:${d1}`, reverted: true },
      "#3": { reverted: false },
    });
    // The same ledger whatever order the events arrive in (the revert before what it reverts).
    expect(await ledgerOf(sc, [closed(sc, 4), success(sc, d2), ...events.slice(0, 5).reverse()])).toEqual(view);
  });

  it("a direct push with no pull request is a change of its own, and git revert commits are recognised", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    const hotfix = sc.push("Hotfix: raise timeout\n");
    sc.push(`Revert "Hotfix: raise timeout"\n\nThis reverts commit ${hotfix}.\n`);
    const d1 = sc.deploy(sc.main, 2);
    await play(sc, [success(sc, d0), success(sc, d1)]);
    const fix = await store.changes.getPushChange(INSTALLATION, 4242, hotfix);
    expect(fix).toMatchObject({ kind: "push", number: null, mergeMethod: "direct", title: "Hotfix: raise timeout" });
    const fate = await fateOf(store, INSTALLATION, fix?.id ?? 0);
    expect(fate.shippedBy?.sha).toBe(sc.main);
    expect(fate.revertedBy).not.toBeNull();
  });

  it.each(["squash", "merge", "rebase"] as const)(
    "a production deployment of a pull request's branch before it merges (%s) ships nothing; the first after the merge does",
    async (method) => {
      const sc = new Scenario();
      const d0 = sc.deploy(sc.main, 1);
      // A "deploy this branch" bot sends the open pull request's head to production.
      const head = sc.open(1, { openedAt: 2, commits: 3, ai: true });
      const early = sc.deploy(head, 3, "production", ["success"], "branch-1");
      await play(sc, [success(sc, d0), success(sc, early)]); // GitHub says the pull request is open
      sc.merge(1, { method, at: 5, ai: true });
      const d2 = sc.deploy(sc.main, 6);
      await play(sc, [closed(sc, 1), success(sc, d2)]);
      const view = await ledgerView(store, sc);
      expect(view.changes).toEqual({ "#1": { shippedBy: `deployment:${d2}`, reverted: false, rolledBackBy: null } });
      expect(view.deployments[`deployment:${early}`]).toMatchObject({ shipped: [], rolledBack: [] });
      expect(view.deployments[`deployment:${d2}`]).toMatchObject({ shipped: ["#1"], rolledBack: [] });
      // None of the open pull request's commits became a change of its own (a "direct push").
      for (const sha of sc.gh.pulls.get(1)?.commits ?? []) {
        expect(await store.changes.getPushChange(INSTALLATION, 4242, sha)).toBeNull();
      }

      // The same events in another order: the merge known before the branch's deployment arrives
      // (GitHub then says merged, and the ledger already holds the change).
      expect(await ledgerOf(sc, [closed(sc, 1), success(sc, d2), success(sc, early), success(sc, d0)])).toEqual(view);
    },
  );

  it("the predecessor looked up on GitHub is never a deployment of a pull request's ref", async () => {
    const sc = new Scenario();
    sc.deploy(sc.main, 1); // before the app was installed: the ledger never hears of it
    sc.merge(1, { ai: true, at: 2 });
    // A pull_request workflow deployed #2's test merge (refs/pull/2/merge: main with #2 on top) to
    // the production environment; the app ignores it, and so must the look-up on GitHub.
    const head = sc.open(2, { openedAt: 3 });
    const testMerge = sc.gh.commit("beef".padEnd(40, "0"), [sc.main, head], `Merge ${head} into ${sc.main}\n`);
    const preview = sc.deploy(testMerge, 4, "production", ["success"], "refs/pull/2/merge");
    const d1 = sc.deploy(sc.main, 5);
    await play(sc, [closed(sc, 1), success(sc, preview), success(sc, d1)]);
    const view = await ledgerView(store, sc);
    // Compared with the deployment before it, d1 ships #1 (from the test merge, it was a "rollback").
    expect(view.deployments).toEqual({ [`deployment:${d1}`]: { outcome: "ship", shipped: ["#1"], rolledBack: [] } });
    expect(view.changes["#1"]).toEqual({ shippedBy: `deployment:${d1}`, reverted: false, rolledBackBy: null });
  });

  it("a fast-forward merge of a branch deployed before the merge was shipped by that deployment: it is the merged commit", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    const head = sc.open(1, { openedAt: 2, commits: 2, ai: true });
    const early = sc.deploy(head, 3, "production", ["success"], "branch-1");
    await play(sc, [success(sc, d0), success(sc, early)]);
    sc.merge(1, { method: "fast-forward", at: 5, ai: true });
    sc.push("Bump version\n", 6);
    const d2 = sc.deploy(sc.main, 7);
    await play(sc, [closed(sc, 1), success(sc, d2)]);
    expect((await ledgerView(store, sc)).changes["#1"]).toEqual({
      shippedBy: `deployment:${early}`,
      reverted: false,
      rolledBackBy: null,
    });
  });

  it.each(["squash", "merge"] as const)(
    "a branch deployed again after its %s ships nothing of the change: its merge commit is not in it",
    async (method) => {
      const sc = new Scenario();
      const d0 = sc.deploy(sc.main, 1);
      const head = sc.open(1, { openedAt: 2, commits: 2 });
      sc.merge(1, { method, at: 3 });
      const again = sc.deploy(head, 4, "production", ["success"], "branch-1");
      const d2 = sc.deploy(sc.main, 5);
      await play(sc, [success(sc, d0), closed(sc, 1), success(sc, again), success(sc, d2)]);
      expect((await ledgerView(store, sc)).changes["#1"]).toEqual({
        shippedBy: `deployment:${d2}`,
        reverted: false,
        rolledBackBy: null,
      });
    },
  );

  describe("a GitHub error half-way through linking loses nothing", () => {
    const compare = (base: string, head: string): Failure => ({
      method: "GET",
      path: new RegExp(`/compare/${base}\\.\\.\\.${head}`),
    });
    const checkWrite: Failure = { method: "POST", path: /\/check-runs$/ };

    /** Merges #1 (AI) and #2 between three deployments; returns their ids and the full ledger. */
    async function threeDeployments() {
      const sc = new Scenario();
      const d0 = sc.deploy(sc.main, 1);
      const base = sc.main;
      sc.merge(1, { ai: true });
      const d1 = sc.deploy(sc.main, 2);
      const middle = sc.main;
      sc.merge(2);
      const d2 = sc.deploy(sc.main, 3);
      const expected = await ledgerOf(sc, [
        closed(sc, 1),
        closed(sc, 2),
        success(sc, d0),
        success(sc, d1),
        success(sc, d2),
      ]);
      sc.gh.checkRuns.length = 0; // the reference run's
      return { sc, d0, d1, d2, base, middle, expected };
    }

    it("a compare that fails: the delivery fails, and its redelivery links the deployment in full", async () => {
      const { sc, d0, d1, d2, base, middle, expected } = await threeDeployments();
      await play(sc, [closed(sc, 1), closed(sc, 2), success(sc, d0)]);
      await play(sc, [success(sc, d1)], store, compare(base, middle));
      expect((await ledgerView(store, sc)).changes["#1"]).toMatchObject({ shippedBy: null });
      await play(sc, [success(sc, d1), success(sc, d2)]);
      expect(await ledgerView(store, sc)).toEqual(expected);
      // Each deployment got its check run once it was linked.
      expect(sc.gh.checkRuns.map((r) => r.head_sha)).toEqual([base, middle, sc.main]);
    });

    it("a deployment whose delivery failed is linked when the next one of its environment arrives first", async () => {
      const { sc, d0, d1, d2, base, middle, expected } = await threeDeployments();
      await play(sc, [closed(sc, 1), closed(sc, 2), success(sc, d0)]);
      await play(sc, [success(sc, d1)], store, compare(base, middle));
      await play(sc, [success(sc, d2)]); // before d1's delivery is retried (or if it never is)
      expect(await ledgerView(store, sc)).toEqual(expected);
      expect(sc.gh.checkRuns.map((r) => r.head_sha)).toEqual([base, sc.main]);
      // d1's retry finds it linked, and writes its check run.
      await play(sc, [success(sc, d1)]);
      expect(sc.gh.checkRuns.map((r) => r.head_sha)).toEqual([base, sc.main, middle]);
      expect(await ledgerView(store, sc)).toEqual(expected);
    });

    it("two deliveries of one deployment at once (a status and its inactive, a release's two events) write one check run", async () => {
      const { sc, d0, d1, d2, base, middle, expected } = await threeDeployments();
      await play(sc, [closed(sc, 1), closed(sc, 2), success(sc, d0)]);
      await play(
        sc,
        [success(sc, d1), success(sc, d1, "inactive"), success(sc, d2), success(sc, d2)],
        store,
        undefined,
        true,
      );
      expect(await ledgerView(store, sc)).toEqual(expected);
      expect(sc.gh.checkRuns.map((r) => r.head_sha).sort()).toEqual([base, middle, sc.main].sort());
    });

    it.each(["the late one", "the one after it"])(
      "re-linking the deployment after a late one fails: a redelivery of %s finishes it",
      async (which) => {
        const { sc, d0, d1, d2, middle, expected } = await threeDeployments();
        await play(sc, [closed(sc, 1), closed(sc, 2), success(sc, d0), success(sc, d2)]);
        // d1 arrives late: it links, then d2 must be compared with it again, and that fails.
        await play(sc, [success(sc, d1)], store, compare(middle, sc.main));
        const pending = await store.deployments.findDeployment(INSTALLATION, sc.gh.repositoryId, `deployment:${d2}`);
        expect(pending).toMatchObject({ settledAt: null, previousSha: sc.gh.deployments[0]?.sha });
        await play(sc, [success(sc, which === "the late one" ? d1 : d2)]);
        expect(await ledgerView(store, sc)).toEqual(expected);
      },
    );

    it("a check run that cannot be written: the redelivery writes it", async () => {
      const { sc, d0, d1, middle } = await threeDeployments();
      await play(sc, [closed(sc, 1), success(sc, d0)]);
      await play(sc, [success(sc, d1)], store, checkWrite);
      expect(sc.gh.checkRuns.filter((r) => r.head_sha === middle)).toEqual([]);
      await play(sc, [success(sc, d1)]);
      expect(sc.gh.checkRuns.filter((r) => r.head_sha === middle).map((r) => r.output.title)).toEqual([
        "Shipped 1 change (1 AI-assisted)",
      ]);
      // And a third delivery changes nothing.
      await play(sc, [success(sc, d1)]);
      expect(sc.gh.checkRuns.filter((r) => r.head_sha === middle)).toHaveLength(1);
    });
  });

  it("a merge into a branch that is not deployable is recorded but never shipped", async () => {
    const sc = new Scenario();
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1);
    const pull = sc.gh.pulls.get(1);
    if (pull) pull.base.ref = "release-1.x";
    const d1 = sc.deploy(sc.main, 2);
    await play(sc, [success(sc, d0), closed(sc, 1), success(sc, d1)]);
    expect(await store.changes.getChange(INSTALLATION, 4242, 1)).toMatchObject({ state: "merged", deployable: false });
    expect((await ledgerView(store, sc)).changes["#1"]).toMatchObject({ shippedBy: null });
  });

  it("property: every arrival order of a scenario's events yields the same ledger", async () => {
    const sc = new Scenario();
    sc.merge(1, { ai: true });
    const d1 = sc.deploy(sc.main, 10);
    sc.merge(2);
    sc.merge(3, { method: "merge", commits: 2 });
    const d2 = sc.deploy(sc.main, 20);
    sc.merge(4, { method: "rebase", commits: 2 });
    const d3 = sc.deploy(sc.main, 30);
    const back = sc.deploy(sc.gh.pulls.get(3)?.merge_commit_sha ?? "", 40);
    const redeploy = sc.deploy(sc.main, 50);
    const events = [
      closed(sc, 1),
      closed(sc, 2),
      closed(sc, 3),
      closed(sc, 4),
      success(sc, d1),
      success(sc, d2),
      success(sc, d3),
      success(sc, back),
      success(sc, redeploy),
    ];
    const expected = await ledgerOf(sc, events);
    expect(expected.deployments[`deployment:${back}`]).toMatchObject({ outcome: "rollback", rolledBack: ["#4"] });

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        async (order) => {
          expect(await ledgerOf(sc, order)).toEqual(expected);
        },
      ),
      propertyParams({ numRuns: 25 }),
    );
  });

  describe("other deployment sources", () => {
    it("push: every push to the configured branch ships what it adds, compared with the branch's previous tip", async () => {
      const sc = new Scenario();
      sc.gh.files.set(".github/shipledger.yml", "deployments:\n  source: push\n");
      const before = sc.main;
      sc.merge(1, { ai: true });
      const afterFirst = sc.main;
      sc.merge(2);
      const pushEvent = (from: string, to: string, at: number): Event => ({
        name: "push",
        payload: {
          ref: "refs/heads/main",
          before: from,
          after: to,
          deleted: false,
          compare: "https://github.com/acme/shop/compare/x...y",
          head_commit: { id: to, timestamp: T(at) },
          repository: { ...sc.gh.repositoryJson(), pushed_at: Date.parse(T(at)) / 1000 },
          installation: { id: INSTALLATION },
        },
      });
      const tagPush: Event = {
        name: "push",
        payload: { ...pushEvent(before, afterFirst, 3).payload, ref: "refs/tags/v1" },
      };
      await play(sc, [
        closed(sc, 1),
        pushEvent(before, afterFirst, 1),
        tagPush,
        closed(sc, 2),
        pushEvent(afterFirst, sc.main, 2),
      ]);
      const view = await ledgerView(store, sc);
      expect(Object.values(view.deployments)).toEqual([
        { outcome: "ship", shipped: ["#1"], rolledBack: [] },
        { outcome: "ship", shipped: ["#2"], rolledBack: [] },
      ]);
      // The file read for these events is remembered for reports run from the ledger.
      const [repository] = await store.installations.listRepositories(INSTALLATION);
      expect(repository?.metricSettings).toEqual({ revertWindowDays: 14, ignorePaths: [] });
    });

    it("the organisation's file does not choose a repository's deployments, unless the repository's own file takes it (inherit)", async () => {
      const events = (sc: Scenario, d1: number, d2: number) => [
        closed(sc, 1),
        success(sc, d1),
        closed(sc, 2),
        success(sc, d2),
      ];
      const organisation = "deployments:\n  source: release\n  revertWindowDays: 1\nmetric:\n  ignorePaths: ['*']\n";

      // No file of its own: GitHub deployments, as by default; nothing of the organisation's is recorded.
      const sc = new Scenario();
      sc.gh.organisationFiles.set(".github/shipledger.yml", organisation);
      sc.merge(1);
      const d1 = sc.deploy(sc.main, 10);
      sc.merge(2, { ai: true });
      const d2 = sc.deploy(sc.main, 20);
      await play(sc, events(sc, d1, d2));
      expect((await ledgerView(store, sc)).deployments).toEqual({
        [`deployment:${d1}`]: { outcome: "baseline", shipped: [], rolledBack: [] },
        [`deployment:${d2}`]: { outcome: "ship", shipped: ["#2"], rolledBack: [] },
      });
      expect((await store.installations.listRepositories(INSTALLATION))[0]?.metricSettings).toBeNull();

      // `inherit: organization`: releases are its deployments, and the organisation's settings its own.
      const opted = new Scenario();
      opted.gh.files.set(".github/shipledger.yml", "inherit: organization\n");
      opted.gh.organisationFiles.set(".github/shipledger.yml", organisation);
      opted.merge(1);
      const e1 = opted.deploy(opted.main, 10);
      opted.merge(2, { ai: true });
      const e2 = opted.deploy(opted.main, 20);
      const other = await openStore(":memory:");
      try {
        await play(opted, events(opted, e1, e2), other);
        expect((await ledgerView(other, opted)).deployments).toEqual({});
        expect((await other.installations.listRepositories(INSTALLATION))[0]?.metricSettings).toEqual({
          revertWindowDays: 1,
          ignorePaths: ["*"],
        });
      } finally {
        await other.close();
      }
    });

    it("release: a published release ships what its tag adds; drafts and prereleases do not count", async () => {
      const sc = new Scenario();
      sc.gh.files.set(".github/shipledger.yml", "deployments:\n  source: release\n");
      sc.gh.releases.push({
        id: 1,
        tag_name: "v1.0.0",
        sha: sc.main,
        published_at: T(1),
        draft: false,
        prerelease: false,
      });
      sc.merge(1, { ai: true });
      sc.gh.releases.push({
        id: 2,
        tag_name: "v1.1.0-rc.1",
        sha: sc.main,
        published_at: T(2),
        draft: false,
        prerelease: true,
      });
      sc.merge(2);
      sc.gh.releases.push({
        id: 3,
        tag_name: "v1.1.0",
        sha: sc.main,
        published_at: T(3),
        draft: false,
        prerelease: false,
      });
      const release = (id: number): Event => {
        const r = sc.gh.releases.find((x) => x.id === id);
        return {
          name: "release",
          payload: {
            action: "published",
            release: { ...r, target_commitish: "main", html_url: "https://github.com/acme/shop/releases" },
            repository: sc.gh.repositoryJson(),
            installation: { id: INSTALLATION },
          },
        };
      };
      await play(sc, [closed(sc, 1), closed(sc, 2), release(2), release(3)]);
      const view = await ledgerView(store, sc);
      // v1.1.0 is compared with v1.0.0 (the previous published release, found on GitHub).
      expect(view.deployments).toEqual({ "release:3": { outcome: "ship", shipped: ["#1", "#2"], rolledBack: [] } });
    });

    it("release: a prerelease promoted to a release reaches production at its promotion, not at its publication", async () => {
      const sc = new Scenario();
      sc.gh.files.set(".github/shipledger.yml", "deployments:\n  source: release\n");
      sc.gh.releases.push({
        id: 1,
        tag_name: "v1.0.0",
        sha: sc.main,
        published_at: T(1),
        draft: false,
        prerelease: false,
      });
      sc.merge(1, { ai: true, at: 2 });
      // Published as a prerelease at hour 3, promoted (the box unticked) eight days later.
      sc.gh.releases.push({
        id: 2,
        tag_name: "v1.1.0",
        sha: sc.main,
        published_at: T(3),
        draft: false,
        prerelease: false,
      });
      const release = (action: string, prerelease: boolean, updatedAt: string): Event => ({
        name: "release",
        payload: {
          action,
          release: {
            ...sc.gh.releases.find((x) => x.id === 2),
            prerelease,
            updated_at: updatedAt,
            target_commitish: "main",
            html_url: "https://github.com/acme/shop/releases/tag/v1.1.0",
          },
          repository: sc.gh.repositoryJson(),
          installation: { id: INSTALLATION },
        },
      });
      // GitHub's events: published and prereleased at the publication; edited and released at the promotion.
      await play(sc, [
        closed(sc, 1),
        release("published", true, T(3)),
        release("prereleased", true, T(3)),
        release("edited", false, T(195)),
        release("released", false, T(195)),
      ]);
      const view = await ledgerView(store, sc);
      expect(view.deployments).toEqual({ "release:2": { outcome: "ship", shipped: ["#1"], rolledBack: [] } });
      const [deployment] = await store.deployments.listDeployments(INSTALLATION, sc.gh.repositoryId);
      expect(deployment?.succeededAt).toBe(Date.parse(T(195)));
      expect((await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 1))?.shippedAt).toBe(Date.parse(T(195)));
    });

    it("workflow_run: a successful run of the configured workflow on the branch is a production deployment", async () => {
      const sc = new Scenario();
      sc.gh.files.set(".github/shipledger.yml", "deployments:\n  source: workflow_run\n  workflow: Deploy*\n");
      sc.gh.workflowRuns.push({
        id: 500,
        head_sha: sc.main,
        head_branch: "main",
        updated_at: T(1),
        path: ".github/workflows/deploy.yml",
      });
      sc.merge(1);
      const run = (id: number, sha: string, at: number, over: Record<string, unknown> = {}): Event => ({
        name: "workflow_run",
        payload: {
          action: "completed",
          workflow_run: {
            id,
            name: "Deploy production",
            path: ".github/workflows/deploy.yml",
            head_branch: "main",
            head_sha: sha,
            event: "push",
            status: "completed",
            conclusion: "success",
            updated_at: T(at),
            run_started_at: T(at - 0.1),
            html_url: "https://github.com/acme/shop/actions/runs/1",
            head_repository: { id: sc.gh.repositoryId },
            ...over,
          },
          workflow: { name: over.name ?? "Deploy production", path: over.path ?? ".github/workflows/deploy.yml" },
          repository: sc.gh.repositoryJson(),
          installation: { id: INSTALLATION },
        },
      });
      await play(sc, [
        closed(sc, 1),
        run(501, sc.main, 2, { conclusion: "failure" }),
        run(502, sc.main, 3, { name: "Test", path: ".github/workflows/test.yml" }),
        run(503, sc.main, 4),
      ]);
      expect((await ledgerView(store, sc)).deployments).toEqual({
        "workflow_run:503": { outcome: "ship", shipped: ["#1"], rolledBack: [] },
      });

      // #2 ships with run 504; then run 503 is re-run (attempt 2): the old commit is deployed again,
      // a rollback that takes #2 out of production. A repeated delivery of that attempt changes nothing.
      const first = sc.main;
      sc.merge(2);
      await play(sc, [closed(sc, 2), run(504, sc.main, 6)]);
      const rerun = run(503, first, 8, { run_attempt: 2 });
      await play(sc, [rerun, rerun]);
      const view = await ledgerView(store, sc);
      expect(view.deployments).toEqual({
        "workflow_run:503": { outcome: "ship", shipped: ["#1"], rolledBack: [] },
        "workflow_run:504": { outcome: "ship", shipped: ["#2"], rolledBack: [] },
        "workflow_run:503.2": { outcome: "rollback", shipped: [], rolledBack: ["#2"] },
      });
      expect(view.changes["#2"]).toMatchObject({ rolledBackBy: "workflow_run:503.2" });
    });
  });

  it("several production environments (a monorepo's services, or regions) are separate chains; a change counts once", async () => {
    const sc = new Scenario();
    const eu0 = sc.deploy(sc.main, 1, "production-eu");
    const us0 = sc.deploy(sc.main, 1.5, "production-us");
    sc.merge(1, { ai: true });
    const eu1 = sc.deploy(sc.main, 3, "production-eu");
    const us1 = sc.deploy(sc.main, 4, "production-us");
    await play(sc, [success(sc, us0), success(sc, eu0), closed(sc, 1), success(sc, us1), success(sc, eu1)]);
    const view = await ledgerView(store, sc);
    expect(view.deployments[`deployment:${eu1}`]).toMatchObject({ outcome: "ship", shipped: ["#1"] });
    // The US deployment ships it too, but it was already in production: not counted again.
    expect(view.deployments[`deployment:${us1}`]).toMatchObject({ outcome: "ship", shipped: [] });
    expect(view.changes["#1"]).toMatchObject({ shippedBy: `deployment:${eu1}` });
  });

  it("installed after earlier deployments: the first one seen is compared with GitHub's previous successful deployment", async () => {
    const sc = new Scenario();
    sc.merge(1);
    sc.deploy(sc.main, 1); // before the installation: never delivered
    sc.merge(2, { ai: true });
    const seen = sc.deploy(sc.main, 2);
    await play(sc, [closed(sc, 2), success(sc, seen)]);
    const view = await ledgerView(store, sc);
    expect(view.deployments[`deployment:${seen}`]).toEqual({ outcome: "ship", shipped: ["#2"], rolledBack: [] });
    expect(sc.gh.calls).toContain("GET deployments?environment=production");
  });
});
