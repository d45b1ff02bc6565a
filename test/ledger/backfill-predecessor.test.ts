// The first deployment of a backfill window finds its predecessor before the window even when the
// environment has many deployments after it: GitHub's list is read back page by page (it read the
// newest 20 only, so with more later ones the first became a baseline that shipped nothing).
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { backfillRepository } from "../../src/ledger/backfill.js";
import { backfillSetup, ledgerRows } from "../helpers/backfill-history.js";
import { Scenario, T } from "../helpers/scenario.js";

const NOW = Date.parse(T(1000));
beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

it("the first deployment in a busy window ships what was merged since the deployment before the window", async () => {
  const sc = new Scenario();
  sc.deploy(sc.main, -48); // before the window
  const ids: number[] = [];
  for (let i = 1; i <= 25; i++) {
    sc.merge(i, { at: 4 * i });
    ids.push(sc.deploy(sc.main, 4 * i + 1));
  }
  sc.gh.mount();
  const { store, lc } = await backfillSetup(sc, NOW);
  const result = await backfillRepository(lc, { since: Date.parse(T(0)) });
  expect(result).toMatchObject({ outcome: "done", merged: 25, deployments: 25 });
  const rows = await ledgerRows(store, sc);
  const first = rows.deployments.find((d) => d.sourceKey === `deployment:${ids[0]}`);
  // #1 was merged inside the window and shipped by the window's first deployment.
  expect([first?.outcome, first?.shipped]).toEqual(["ship", [1]]);
  await store.close();
});
