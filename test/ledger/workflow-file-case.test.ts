// A deploy workflow whose file name has capitals (`Deploy.yml`): the ledger keeps environments
// lower-cased ("workflow:<path>"), so its predecessor's runs were asked under another name and the
// first run after the installation became a baseline. The workflow is now found by its path in
// the repository's workflows, whatever the case.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/repo-config.js";
import { Scenario as BaseScenario, DEFAULT_START } from "../../src/demo/scenario.js";
import { backfillRepository } from "../../src/ledger/backfill.js";
import { backfillSetup, ledgerRows } from "../helpers/backfill-history.js";
import { GitHubModel } from "../helpers/github-model.js";

const NOW = DEFAULT_START + 1000 * 3_600_000;
beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

it.each([".github/workflows/deploy.yml", ".github/workflows/Deploy.yml"])(
  "the first run in the window ships what was merged since the run before it (%s)",
  async (path) => {
    const sc = new BaseScenario<GitHubModel>("acme", "shop", 4242, {
      model: new GitHubModel("acme", "shop", 4242),
      start: DEFAULT_START,
    });
    const deployments = { source: "workflow_run", workflow: "Deploy.yml" };
    sc.gh.files.set(".github/shipledger.yml", JSON.stringify({ deployments }));
    sc.workflowRun(sc.main, -48, { path }); // before the window
    sc.merge(1, { at: 2 });
    const first = sc.workflowRun(sc.main, 3, { path });
    sc.gh.mount();
    const { config } = parseRepoConfig(deployments ? { deployments } : {});
    const { store, lc } = await backfillSetup(sc, NOW, config);
    const result = await backfillRepository(lc, { since: DEFAULT_START });
    expect(result).toMatchObject({ outcome: "done", merged: 1, deployments: 1 });
    const rows = await ledgerRows(store, sc);
    const d = rows.deployments.find((x) => x.sourceKey === `workflow_run:${first}`);
    expect([d?.outcome, d?.shipped]).toEqual(["ship", [1]]);
    await store.close();
  },
);
