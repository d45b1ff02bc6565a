// A backfill halted in its deployments phase resumes after the last step it saved, in the steps'
// own order. Two deployments succeeding in the same second with ids of different lengths come
// "deployment:9999" then "deployment:10000" (deployment-order.ts: shorter key first); the cursor
// was compared as text, so the resumed run skipped the second.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type BackfillResume, backfillRepository } from "../../src/ledger/backfill.js";
import type { BackfillProgress } from "../../src/store/types.js";
import { backfillSetup, INSTALLATION } from "../helpers/backfill-history.js";
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
  const { store, lc } = await backfillSetup(sc, NOW);
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
