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
import { deliverLive, history, INSTALLATION, ledgerRows } from "../helpers/backfill-history.js";
import { loadApp } from "../helpers/probot.js";
import { T } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.parse(T(1000));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

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
    await deliverLive(app, sc, deployments);
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
    expect(result).toMatchObject({ outcome: "done", merged: 6, deployments: 4, notes: [] });
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
