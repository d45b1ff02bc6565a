// Backfill for every deployment source: one history on the model of GitHub (served by nock),
// delivered live into one ledger (webhooks as GitHub sends them) and backfilled into another, gives
// the same ledger row by row, for releases, workflow runs (a re-run is a rollback), pushes and GitHub
// deployments. A success before the window is the first one's predecessor, not a baseline that
// ships everything. Deployments' statuses are read in batches (fewer calls), and with a graph of
// the walked branch given, settling asks GitHub for no compare. On both dialects.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { parseRepoConfig, type RepoConfigInput } from "../../src/config/repo-config.js";
import { Scenario as BaseScenario, DEFAULT_START } from "../../src/demo/scenario.js";
import { backfillRepository } from "../../src/ledger/backfill.js";
import { deploymentHistory } from "../../src/ledger/backfill-deployments.js";
import { CommitGraph } from "../../src/ledger/core/commit-graph.js";
import type { LinkContext } from "../../src/ledger/link-deployment.js";
import { backfillContextOf, INSTALLATION, ledgerRows, pushEvent } from "../helpers/backfill-history.js";
import type { Payload } from "../helpers/fixtures.js";
import { GitHubModel } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";
import { type DialectCase, eachDialect } from "../helpers/stores.js";

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

type Scenario = BaseScenario<GitHubModel>;

/** A scenario whose commits are dated by its hours (a merge commit at the merge). */
function scenario(deployments: NonNullable<RepoConfigInput["deployments"]>): Scenario {
  const sc = new BaseScenario<GitHubModel>("acme", "shop", 4242, {
    model: new GitHubModel("acme", "shop", 4242),
    start: DEFAULT_START,
  });
  // JSON is YAML: the app reads the same settings the backfill is given.
  sc.gh.files.set(".github/shipledger.yml", JSON.stringify({ deployments }));
  return sc;
}

const configOf = (sc: Scenario) => parseRepoConfig(JSON.parse(sc.gh.files.get(".github/shipledger.yml") as string));

/** A webhook at a time (ms). */
interface Delivery {
  at: number;
  name: string;
  payload: Payload;
}

// ---- webhooks as GitHub sends them ---------------------------------------------------------------

function releaseEvent(sc: Scenario, id: number, action: "published" | "released"): Delivery {
  const r = sc.gh.releases.find((x) => x.id === id);
  if (!r) throw new Error(`no release ${id}`);
  return {
    at: Date.parse(r.published_at as string),
    name: "release",
    payload: {
      action,
      release: {
        ...r,
        target_commitish: r.target_commitish ?? "main",
        created_at: r.created_at ?? r.published_at,
        html_url: `https://github.com/acme/shop/releases/tag/${r.tag_name}`,
      },
      repository: sc.gh.repositoryJson(),
      installation: { id: INSTALLATION },
    },
  };
}

/** Attempt `attempt` of a run completing (the run's latest attempt unless given). */
function runEvent(sc: Scenario, id: number, attempt?: number): Delivery {
  const r = sc.gh.workflowRuns.find((x) => x.id === id);
  if (!r) throw new Error(`no run ${id}`);
  const latest = (r.attempts?.length ?? 0) + 1;
  const n = attempt ?? latest;
  const state = n === latest ? r : (r.attempts?.[n - 1] as { conclusion: string; updated_at: string });
  return {
    at: Date.parse(state.updated_at),
    name: "workflow_run",
    payload: {
      action: "completed",
      workflow: { id: 1, name: r.name ?? "Deploy", path: r.path },
      workflow_run: {
        id,
        name: r.name ?? "Deploy",
        path: r.path,
        head_branch: r.head_branch,
        head_sha: r.head_sha,
        event: r.event ?? "push",
        status: "completed",
        conclusion: state.conclusion,
        run_attempt: n,
        created_at: r.created_at ?? r.updated_at,
        updated_at: state.updated_at,
        html_url: `https://github.com/acme/shop/actions/runs/${id}`,
        head_repository: { id: sc.gh.repositoryId },
      },
      repository: sc.gh.repositoryJson(),
      installation: { id: INSTALLATION },
    },
  };
}

function statusEvent(sc: Scenario, id: number): Delivery {
  const payload = sc.gh.statusEvent(id, "success", INSTALLATION);
  return { at: Date.parse(payload.deployment_status.created_at), name: "deployment_status", payload };
}

/** Every pull request's merge (or close) in the window. */
function pullEvents(sc: Scenario, since: number): Delivery[] {
  return [...sc.gh.pulls.keys()]
    .map((n) => ({ n, at: Date.parse((sc.gh.pulls.get(n)?.merged_at ?? sc.gh.pulls.get(n)?.closed_at) as string) }))
    .filter(({ at }) => at >= since)
    .map(({ n, at }) => ({ at, name: "pull_request", payload: sc.gh.closedEvent(n, INSTALLATION) }));
}

// ---- the two ledgers -----------------------------------------------------------------------------

/** Delivers `events` (and the window's merges) live, in the order they happened; returns the ledger. */
async function live(newStore: DialectCase["newStore"], sc: Scenario, events: Delivery[], since: number, now: number) {
  const store = await newStore();
  const app = await loadApp({
    store,
    now: () => now,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  const all = [...pullEvents(sc, since), ...events.filter((e) => e.at >= since)];
  all.sort((a, b) => a.at - b.at || (a.name === b.name ? 0 : a.name === "pull_request" ? -1 : 1));
  let n = 0;
  for (const e of all) {
    await app.probot.receive({ id: `live-${++n}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
  }
  expect(await store.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);
  return { store, app };
}

/** The backfill's context for a fresh ledger that heard nothing. */
async function backfillContext(
  newStore: DialectCase["newStore"],
  sc: Scenario,
  app: Awaited<ReturnType<typeof loadApp>>,
  now: number,
): Promise<LinkContext> {
  const { config, errors } = configOf(sc);
  expect(errors).toEqual([]);
  return backfillContextOf(await newStore(), app, sc, now, config);
}

/** The calls GitHub received while `run` ran. */
async function callsDuring<T>(sc: Scenario, run: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const from = sc.gh.calls.length;
  const result = await run();
  return { result, calls: sc.gh.calls.slice(from) };
}

const count = (calls: string[], pattern: RegExp) => calls.filter((c) => pattern.test(c)).length;
const outcomes = (rows: Awaited<ReturnType<typeof ledgerRows>>) =>
  rows.deployments.map((d) => [d.sourceKey, d.outcome, d.shipped]);

eachDialect("ledger: backfill of every deployment source", ({ newStore }) => {
  const since = DEFAULT_START;
  const now = since + 1000 * 3_600_000;

  describe("release", () => {
    it("backfills published releases as live delivery would have; the one before the window is the predecessor", async () => {
      const sc = scenario({ source: "release" });
      sc.merge(90, { at: -60 });
      const v1 = sc.release("v1.0.0", sc.main, -48);
      sc.merge(1, { ai: true, at: 2 });
      sc.merge(2, { method: "merge", at: 3 });
      const rc = sc.release("v1.1.0-rc.1", sc.main, 3.5, { prerelease: true });
      const v11 = sc.release("v1.1.0", sc.main, 4);
      sc.merge(3, { method: "rebase", at: 5, commits: 2 });
      sc.release("v1.2.0", sc.main, 5.5, { draft: true }); // never published: no webhook, no deployment
      // Created three days before the window, published in it: listed among older releases.
      sc.merge(5, { at: 6 });
      const late = sc.release("v1.2.1", sc.main, 7, { createdAt: -72 });
      sc.merge(6, { title: 'Revert "Change 1"', body: "Reverts acme/shop#1", at: 8 });
      const v13 = sc.release("v1.3.0", sc.main, 9);
      sc.gh.mount();

      const events = [v1, v11, late, v13].flatMap((id) => [
        releaseEvent(sc, id, "published"),
        releaseEvent(sc, id, "released"),
      ]);
      events.push(releaseEvent(sc, rc, "published"));
      const { store, app } = await live(newStore, sc, events, since, now);
      const lc = await backfillContext(newStore, sc, app, now);
      const { result } = await callsDuring(sc, () => backfillRepository(lc, { since }));
      expect(result).toMatchObject({ merged: 5, deployments: 3, notes: [] });

      const a = await ledgerRows(store, sc);
      expect(await ledgerRows(lc.store, sc)).toEqual(a);
      expect(outcomes(a)).toEqual([
        [`release:${v11}`, "ship", [1, 2]],
        [`release:${late}`, "ship", [3, 5]],
        [`release:${v13}`, "ship", [6]],
      ]);
    });
  });

  describe("workflow_run", () => {
    it("backfills successful runs and their re-run attempts (a rollback) as live delivery would have", async () => {
      const sc = scenario({ source: "workflow_run", workflow: "deploy.yml" });
      // Before the window: the first run in it is compared with the last of these (GitHub's runs
      // list, by the latest attempt's time: the one re-run later is not it, live or backfilled).
      const older = sc.workflowRun(sc.main, -72);
      const before = sc.workflowRun(sc.main, -48);
      sc.merge(1, { ai: true, at: 2 });
      const first = sc.workflowRun(sc.main, 3);
      sc.merge(2, { method: "merge", at: 4 });
      const failed = sc.workflowRun(sc.main, 4.5, { conclusion: "failure" });
      const tests = sc.workflowRun(sc.main, 4.6, { path: ".github/workflows/test.yml", name: "Test" });
      const other = sc.workflowRun(sc.main, 4.7, { branch: "release" });
      const second = sc.workflowRun(sc.main, 5);
      sc.merge(3, { at: 6 });
      const third = sc.workflowRun(sc.main, 7);
      // The first run re-run: its commit deployed again, a rollback of #2 and #3.
      sc.rerun(first, 8);
      // Failed, then re-run successfully: the second attempt is the deployment.
      sc.rerun(failed, 9);
      // A run from before the window re-run in it: a rollback to what was live before.
      sc.rerun(before, 10);
      sc.gh.mount();

      const events = [
        runEvent(sc, older),
        runEvent(sc, before, 1),
        runEvent(sc, first, 1),
        runEvent(sc, failed, 1),
        runEvent(sc, tests),
        runEvent(sc, other),
        runEvent(sc, second),
        runEvent(sc, third),
        runEvent(sc, first, 2),
        runEvent(sc, failed, 2),
        runEvent(sc, before, 2),
      ];
      const { store, app } = await live(newStore, sc, events, since, now);
      const lc = await backfillContext(newStore, sc, app, now);
      const { result, calls } = await callsDuring(sc, () => backfillRepository(lc, { since }));
      expect(result).toMatchObject({ merged: 3, deployments: 6, notes: [] });

      const a = await ledgerRows(store, sc);
      expect(await ledgerRows(lc.store, sc)).toEqual(a);
      expect(outcomes(a)).toEqual([
        [`workflow_run:${first}`, "ship", [1]],
        [`workflow_run:${second}`, "ship", [2]],
        [`workflow_run:${third}`, "ship", [3]],
        [`workflow_run:${first}.2`, "rollback", []],
        [`workflow_run:${failed}.2`, "ship", []],
        [`workflow_run:${before}.2`, "rollback", []],
      ]);
      expect(a.changes.find((c) => c.number === 3)).toMatchObject({ shippedBy: `workflow_run:${third}` });
      // Only the re-run runs' earlier attempts are read one by one; the test workflow's runs not at all.
      expect(count(calls, /^GET workflow run \d+ attempt/)).toBe(3);
      // The workflows: once for the window, once for the first run's predecessor (its workflow's id,
      // as GitHub names the file: the ledger keeps environments lower-cased).
      expect(count(calls, /^GET workflows$/)).toBe(2);
    });
  });

  describe("push", () => {
    /** Squash and merge-commit merges and direct pushes: each push moves main by one first-parent commit. */
    function pushHistory() {
      const sc = scenario({ source: "push" });
      sc.merge(90, { at: -48 });
      sc.merge(1, { ai: true, at: 2 });
      sc.merge(2, { method: "merge", at: 3, commits: 2 });
      sc.push("Fix the build\n", 4);
      sc.merge(3, { at: 5, ai: true });
      sc.merge(5, { title: 'Revert "Change 1"', body: "Reverts acme/shop#1", at: 6 });
      sc.push("Bump version\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n", 7);
      return sc;
    }

    /** Live knew when each push happened; backfill estimates it by the commit's date (the same here). */
    const asEstimated = (rows: Awaited<ReturnType<typeof ledgerRows>>) => ({
      ...rows,
      deployments: rows.deployments.map((d) => ({ ...d, succeededAtExact: false })),
    });

    it("backfills each first-parent commit of the branch as the push that brought it, as live delivery would have", async () => {
      const sc = pushHistory();
      sc.gh.mount();
      const { store, app } = await live(
        newStore,
        sc,
        sc.pushes.map((p) => pushEvent(sc, p)),
        since,
        now,
      );
      const lc = await backfillContext(newStore, sc, app, now);
      const { result, calls } = await callsDuring(sc, () => backfillRepository(lc, { since }));
      expect(result).toMatchObject({ merged: 4, deployments: 6, notes: [] });

      const a = await ledgerRows(store, sc);
      const b = await ledgerRows(lc.store, sc);
      expect(b).toEqual(asEstimated(a));
      expect(a.deployments.every((d) => d.succeededAtExact)).toBe(true);
      const direct = (i: number) => sc.pushes.filter((p) => Date.parse(p.at) >= since)[i]?.after;
      expect(outcomes(a)).toEqual([
        [expect.stringMatching(/^push:/), "ship", [1]],
        [expect.stringMatching(/^push:/), "ship", [2]],
        [expect.stringMatching(/^push:/), "ship", [direct(2)]],
        [expect.stringMatching(/^push:/), "ship", [3]],
        [expect.stringMatching(/^push:/), "ship", [5]],
        [expect.stringMatching(/^push:/), "ship", [direct(5)]],
      ]);
      // The walk that found the pushes settles them too: no compare call (live made one each).
      expect(result.walkedBranch).toBe(true);
      expect(count(calls, /^GET compare/)).toBe(0);
      expect(count(calls, /^POST graphql branchHistory/)).toBe(1);
    });

    it("differs from live where one push brought several first-parent commits (a rebase merge): one deployment each", async () => {
      const sc = scenario({ source: "push" });
      sc.merge(1, { at: 2 });
      sc.merge(2, { method: "rebase", commits: 2, at: 3, ai: true });
      sc.gh.mount();
      const { store, app } = await live(
        newStore,
        sc,
        sc.pushes.map((p) => pushEvent(sc, p)),
        since,
        now,
      );
      const lc = await backfillContext(newStore, sc, app, now);
      await backfillRepository({ ...lc, ranges: new CommitGraph() }, { since });
      const [r1, r2] = sc.gh.pulls.get(2)?.rebased ?? [];
      const a = await ledgerRows(store, sc);
      const b = await ledgerRows(lc.store, sc);
      // Live: the rebase merge is one push of both copies. Backfill: one push per copy, at the same
      // time; the change ships with the one that brings its last copy (its merge_commit_sha).
      expect(outcomes(a).map(([, outcome, shipped]) => [outcome, shipped])).toEqual([
        ["ship", [1]],
        ["ship", [2]],
      ]);
      expect(outcomes(b)).toEqual([
        [expect.stringMatching(/^push:/), "ship", [1]],
        [`push:${sc.gh.commits.get(r1 as string)?.parents[0]}..${r1}`, "ship", []],
        [`push:${r1}..${r2}`, "ship", [2]],
      ]);
      expect(b.changes).toEqual(a.changes.map((c) => (c.number === 2 ? { ...c, shippedBy: `push:${r1}..${r2}` } : c)));
    });
  });

  describe("deployment", () => {
    it("reads statuses in one GraphQL call per 100 deployments, filters environments as live does, and gives the same rows", async () => {
      const sc = scenario({ source: "deployment" });
      sc.deploy(sc.main, -48);
      sc.merge(1, { ai: true, at: 2 });
      const staging = sc.deploy(sc.main, 2.5, "staging");
      const first = sc.deploy(sc.main, 3);
      sc.merge(2, { method: "merge", at: 4 });
      const preprod = sc.deploy(sc.main, 4.5, "preprod");
      sc.deploy(sc.main, 5, "production", ["failure"]); // never a success: no deployment
      const second = sc.deploy(sc.main, 6, "production", ["in_progress", "success", "inactive"]);
      sc.merge(3, { at: 7 });
      const pr = sc.deploy(sc.main, 7.5, "production", ["success"], "refs/pull/3/merge");
      const third = sc.deploy(sc.main, 8);
      const redeploy = sc.deploy(sc.main, 9);
      sc.gh.mount();

      const events = [staging, first, preprod, second, pr, third, redeploy].map((id) => statusEvent(sc, id));
      const { store, app } = await live(newStore, sc, events, since, now);
      const liveCalls = sc.gh.calls.length;
      const lc = await backfillContext(newStore, sc, app, now);
      const { result, calls } = await callsDuring(sc, () => backfillRepository(lc, { since }));
      expect(result).toMatchObject({ merged: 3, deployments: 4, notes: [] });
      expect(liveCalls).toBeGreaterThan(0);

      const a = await ledgerRows(store, sc);
      expect(await ledgerRows(lc.store, sc)).toEqual(a);
      expect(outcomes(a)).toEqual([
        [`deployment:${first}`, "ship", [1]],
        [`deployment:${second}`, "ship", [2]],
        [`deployment:${third}`, "ship", [3]],
        [`deployment:${redeploy}`, "redeploy", []],
      ]);
      // The listing reads no status one by one: one GraphQL call for the 9 deployments listed (the
      // pull request's ref is never production, its statuses are not read). Before: one REST call each.
      const history = await callsDuring(sc, () => deploymentHistory(lc, since));
      expect(history.result.steps.map((s) => s.key)).toEqual(
        [first, second, third, redeploy].map((id) => `deployment:${id}`),
      );
      expect(history.calls).toEqual(["GET deployments?environment=null", "POST graphql deploymentStatuses ×8"]);
      // The one status read left is live's too: the first deployment's predecessor, looked up on GitHub.
      expect(count(calls, /^GET deployments\/\d+\/statuses/)).toBe(1);
      expect(count(calls, /^GET deployments\?environment=production/)).toBe(1);
      // Four deployments to settle, a few commits in the window: the branch is walked (one call)
      // rather than compared once per deployment.
      expect(result.walkedBranch).toBe(true);
      expect(count(calls, /^GET compare/)).toBe(0);
      expect(count(calls, /^POST graphql branchHistory/)).toBe(1);

      // With the branch walked too (walkBranch), the deployments are settled from it: no compare.
      const walked = await backfillContext(newStore, sc, app, now);
      const graph = new CommitGraph();
      const withWalk = await callsDuring(sc, () => deploymentHistory(walked, since, { graph, walkBranch: true }));
      expect(withWalk.result.graph).toBe(graph);
      expect(count(withWalk.calls, /^POST graphql branchHistory/)).toBe(1);
      const settled = await callsDuring(sc, () => backfillRepository({ ...walked, ranges: graph }, { since }));
      expect(count(settled.calls, /^GET compare/)).toBe(0);
      expect(await ledgerRows(walked.store, sc)).toEqual(a);
    });
  });
});

eachDialect("ledger: backfill's deployment listings", ({ newStore }) => {
  const since = DEFAULT_START;
  const now = since + 5000 * 3_600_000;

  /** A context on a fresh ledger, with no live delivery. */
  async function context(sc: Scenario) {
    sc.gh.mount();
    const app = await loadApp({ store: await newStore(), now: () => now, handlers: defaultHandlers });
    return backfillContext(newStore, sc, app, now);
  }

  it("workflow runs: a window of more than 1,000 runs is read in creation ranges under GitHub's cap", async () => {
    const sc = scenario({ source: "workflow_run", workflow: "deploy.yml" });
    for (let i = 0; i < 1_200; i++) sc.workflowRun(sc.main, i * 2);
    const lc = await context(sc);
    const { result, calls } = await callsDuring(sc, () => deploymentHistory(lc, since));
    expect(result.steps).toHaveLength(1_200);
    expect(new Set(result.steps.map((s) => s.key)).size).toBe(1_200);
    expect(result.steps.map((s) => s.at)).toEqual([...result.steps.map((s) => s.at)].sort((a, b) => a - b));
    expect(count(calls, /^GET workflow runs/)).toBeLessThan(20);
  });

  it("releases: every page, until releases created before the window's lookback", async () => {
    const sc = scenario({ source: "release" });
    // A release a day for 250 days; the window starts at day 100.
    for (let day = 0; day < 250; day++) sc.release(`v${day}`, sc.main, (day - 100) * 24);
    const lc = await context(sc);
    const { result, calls } = await callsDuring(sc, () => deploymentHistory(lc, since));
    expect(result.steps).toHaveLength(150);
    // Newest first, 100 a page: the second page ends at day 50, more than 30 days before the window.
    expect(calls).toEqual(["GET releases", "GET releases"]);
  });

  it("pushes: the branch's first-parent commits in the window, the walk read in pages of 100", async () => {
    const sc = scenario({ source: "push" });
    for (let i = 1; i <= 20; i++) sc.push(`before ${i}\n`, -100 + i);
    for (let n = 1; n <= 120; n++) sc.merge(n, { at: n, method: n % 2 === 0 ? "merge" : "squash" });
    const lc = await context(sc);
    const { result, calls } = await callsDuring(sc, () => deploymentHistory(lc, since));
    // 120 merges in the window, 60 of them merge commits with a branch commit each: 180 commits.
    expect(result.steps).toHaveLength(120);
    expect(result.steps.map((s) => (s.event.payload as { after: string }).after)).toEqual(
      sc.pushes.filter((p) => Date.parse(p.at) >= since).map((p) => p.after),
    );
    expect(calls).toEqual(["POST graphql branchHistory", "POST graphql branchHistory (more)"]);
    expect(result.graph.size).toBe(180);
  });
});
