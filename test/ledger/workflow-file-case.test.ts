// A deploy workflow whose file name has capitals (`Deploy.yml`): the ledger keeps environments
// lower-cased ("workflow:<path>"), so its predecessor's runs were asked under another name and the
// first run after the installation became a baseline. The workflow is now found by its path in
// the repository's workflows, whatever the case.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { parseRepoConfig } from "../../src/config/repo-config.js";
import { Scenario as BaseScenario, DEFAULT_START } from "../../src/demo/scenario.js";
import { backfillRepository } from "../../src/ledger/backfill.js";
import { openStore } from "../../src/store/open.js";
import { INSTALLATION, ledgerRows } from "../helpers/backfill-history.js";
import { GitHubModel } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";

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
      [{ id: sc.gh.repositoryId, fullName: "acme/shop", private: false, defaultBranch: "main" }],
      NOW,
    );
    const { config } = parseRepoConfig(deployments ? { deployments } : {});
    const result = await backfillRepository(
      {
        octokit: await app.probot.auth(INSTALLATION),
        store,
        now: () => NOW,
        scope: {
          installationId: INSTALLATION,
          repositoryId: 4242,
          owner: "acme",
          repo: "shop",
          fullName: "acme/shop",
          defaultBranch: "main",
        },
        config,
        log: app.probot.log,
      },
      { since: DEFAULT_START },
    );
    expect(result).toMatchObject({ outcome: "done", merged: 1, deployments: 1 });
    const rows = await ledgerRows(store, sc);
    const d = rows.deployments.find((x) => x.sourceKey === `workflow_run:${first}`);
    expect([d?.outcome, d?.shipped]).toEqual(["ship", [1]]);
    await store.close();
  },
);
