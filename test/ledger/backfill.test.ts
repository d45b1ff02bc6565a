// Backfill: one history on a model of GitHub (served by nock), delivered live into one ledger and
// backfilled into another, gives the same ledger row by row: changes with their attribution,
// deployments with what they shipped, fates. The deployment before the window is the baseline's
// predecessor, not a deployment that ships the whole repository. No check run is written for
// history. On both dialects.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { defaults } from "../../src/config/repo-config.js";
import { backfillRepository } from "../../src/ledger/backfill.js";
import type { Store } from "../../src/store/types.js";
import type { Payload } from "../helpers/fixtures.js";
import { loadApp } from "../helpers/probot.js";
import { Scenario, T } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const INSTALLATION = 99;
const NOW = Date.parse(T(1000));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** A quarter-like history in miniature: a deployment before the window, then merges and deployments. */
function history() {
  const sc = new Scenario();
  const before = sc.deploy(sc.main, -48);
  sc.merge(1, { ai: true, at: 2 });
  sc.merge(2, { method: "merge", at: 3 });
  const first = sc.deploy(sc.main, 4);
  sc.merge(3, { method: "rebase", at: 5, commits: 2 });
  sc.merge(5, { method: "squash", at: 5.5, title: "Fix login" });
  const second = sc.deploy(sc.main, 6);
  const redeploy = sc.deploy(sc.main, 7);
  sc.merge(6, { title: 'Revert "Change 1"', body: "Reverts acme/shop#1\n\nIt broke checkout.", at: 8 });
  const third = sc.deploy(sc.main, 9);
  // Merged, not deployed yet: only the pull request listing finds it.
  sc.merge(7, { at: 10, ai: true });
  return { sc, deployments: [first, second, redeploy, third], before };
}

/** Every row a report or a check would read, keyed by what identifies it on GitHub. */
async function ledgerRows(store: Store, sc: Scenario) {
  const deployments = await store.deployments.listDeployments(INSTALLATION, sc.gh.repositoryId);
  const keyOf = new Map(deployments.map((d) => [d.id, d.sourceKey]));
  const changes = [];
  for (const number of [...sc.gh.pulls.keys()].sort((a, b) => a - b)) {
    const c = await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, number);
    if (!c) continue;
    const { id: _id, updatedAt: _updated, shippedDeploymentId, ...rest } = c;
    changes.push({
      ...rest,
      shippedBy: shippedDeploymentId === null ? null : keyOf.get(shippedDeploymentId),
      commits: (await store.changes.listChangeCommits(c.id)).map((k) => k.sha),
    });
  }
  return {
    changes,
    deployments: await Promise.all(
      deployments.map(async ({ id, updatedAt: _u, settledAt: _s, reportedAt: _r, ...d }) => ({
        ...d,
        id: undefined,
        shipped: (await store.changes.changesShippedBy(INSTALLATION, id)).map((c) => c.number),
      })),
    ),
  };
}

eachDialect("ledger: backfill", ({ newStore }) => {
  it("fills a ledger as live delivery of the same history would have, and writes no check run", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();

    // Live: each webhook as GitHub would have sent it, in the order things happened.
    const live = await newStore();
    const app = await loadApp({
      store: live,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    const events: Array<{ at: number; name: string; payload: Payload }> = [];
    for (const [number, pull] of sc.gh.pulls) {
      events.push({
        at: Date.parse(pull.merged_at as string),
        name: "pull_request",
        payload: sc.gh.closedEvent(number, INSTALLATION),
      });
    }
    for (const id of deployments) {
      const payload = sc.gh.statusEvent(id, "success", INSTALLATION);
      events.push({ at: Date.parse(payload.deployment_status.created_at), name: "deployment_status", payload });
    }
    events.sort((a, b) => a.at - b.at || (a.name === b.name ? 0 : a.name === "pull_request" ? -1 : 1));
    let n = 0;
    for (const e of events) {
      await app.probot.receive({ id: `live-${++n}`, name: e.name as never, payload: e.payload });
      await app.worker.drain();
    }
    expect(await live.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);
    const checksLive = sc.gh.checkRuns.length;
    expect(checksLive).toBeGreaterThan(0);

    // Backfill: nothing heard, the window read from GitHub.
    const backfilled = await newStore();
    await backfilled.installations.upsertInstallation({
      id: INSTALLATION,
      accountId: sc.gh.ownerId,
      accountLogin: sc.gh.owner,
      accountType: "Organization",
      now: NOW,
    });
    await backfilled.installations.upsertRepositories(
      INSTALLATION,
      [{ id: sc.gh.repositoryId, fullName: `${sc.gh.owner}/${sc.gh.repo}`, private: false, defaultBranch: "main" }],
      NOW,
    );
    const octokit = await app.probot.auth(INSTALLATION);
    const result = await backfillRepository(
      {
        octokit,
        store: backfilled,
        now: () => NOW,
        scope: {
          installationId: INSTALLATION,
          repositoryId: sc.gh.repositoryId,
          owner: sc.gh.owner,
          repo: sc.gh.repo,
          fullName: `${sc.gh.owner}/${sc.gh.repo}`,
          defaultBranch: "main",
        },
        config: defaults,
        log: app.probot.log,
      },
      { since: Date.parse(T(0)) },
    );
    expect(result).toEqual({ merged: 6, deployments: 4, notes: [] });
    expect(sc.gh.checkRuns.length).toBe(checksLive); // history writes no check run

    const a = await ledgerRows(live, sc);
    const b = await ledgerRows(backfilled, sc);
    expect(b).toEqual(a);
    // The deployment before the window is a predecessor: the first in the window ships #1 and #2 only.
    expect(a.deployments.map((d) => [d.sourceKey, d.outcome, d.shipped])).toEqual([
      [`deployment:${deployments[0]}`, "ship", [1, 2]],
      [`deployment:${deployments[1]}`, "ship", [3, 5]],
      [`deployment:${deployments[2]}`, "redeploy", []],
      [`deployment:${deployments[3]}`, "ship", [6]],
    ]);
    expect(a.changes.find((c) => c.number === 1)).toMatchObject({ ai: true, revertedAt: Date.parse(T(9)) });
    expect(b.changes.find((c) => c.number === 7)).toMatchObject({ ai: true, shippedBy: null });
  });
});
