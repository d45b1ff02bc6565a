// A backfill halted in its deployments phase resumes after the last step it saved, in the steps'
// own order. Two deployments succeeding in the same second with ids of different lengths come
// "deployment:9999" then "deployment:10000" (deployment-order.ts: shorter key first); the cursor
// was compared as text, so the resumed run skipped the second.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { defaults } from "../../src/config/repo-config.js";
import { type BackfillResume, backfillRepository } from "../../src/ledger/backfill.js";
import type { LinkContext } from "../../src/ledger/link-deployment.js";
import { openStore } from "../../src/store/open.js";
import type { BackfillProgress } from "../../src/store/types.js";
import { INSTALLATION } from "../helpers/backfill-history.js";
import { loadApp } from "../helpers/probot.js";
import { Scenario, T } from "../helpers/scenario.js";

const NOW = Date.parse(T(1000));
beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

it("a resumed backfill links every deployment of the window", async () => {
  const sc = new Scenario();
  sc.merge(1, { at: 2 });
  // One release to two production regions, both successful at the same second.
  for (const [id, environment] of [
    [9999, "production-eu"],
    [10000, "production-us"],
  ] as const) {
    sc.gh.deployments.push({
      id,
      sha: sc.main,
      ref: "main",
      environment,
      created_at: T(2.9),
      statuses: [{ state: "success", created_at: T(3) }],
    });
  }
  sc.gh.mount();
  const store = await openStore(":memory:");
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  await store.installations.upsertInstallation({
    id: INSTALLATION,
    accountId: sc.gh.ownerId,
    accountLogin: sc.gh.owner,
    accountType: "Organization",
    now: NOW,
  });
  await store.installations.upsertRepositories(
    INSTALLATION,
    [{ id: sc.gh.repositoryId, fullName: `${sc.gh.owner}/${sc.gh.repo}`, private: false, defaultBranch: "main" }],
    NOW,
  );
  const lc: LinkContext = {
    octokit: await app.probot.auth(INSTALLATION),
    store,
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
  };
  // The lease is lost right after the first deployment step is saved.
  let saved: BackfillProgress | null = null;
  const first = await backfillRepository(
    lc,
    { since: Date.parse(T(0)) },
    {
      save: async (p) => {
        if (p.phase === "deployments" && p.cursor) {
          saved = p;
          return false;
        }
        return true;
      },
    },
  );
  expect(first.outcome).toBe("halted");
  const progress = saved as unknown as BackfillProgress;
  const resume: BackfillResume = {
    phase: "deployments",
    cursor: progress.cursor ?? null,
    pullsRead: first.pullsRead,
    merged: first.merged,
    deployments: first.deployments,
  };
  const second = await backfillRepository(lc, { since: Date.parse(T(0)) }, { resume });
  expect(second.outcome).toBe("done");
  const keys = (await store.deployments.listDeployments(INSTALLATION, sc.gh.repositoryId))
    .map((d) => d.sourceKey)
    .sort();
  expect(keys).toEqual(["deployment:10000", "deployment:9999"]);
  await store.close();
});
