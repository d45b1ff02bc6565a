// The daily drift check (backfillRepository with onlyMissing) on a repository whose deployments
// come from pushes. Its walk of the branch takes each first-parent commit as a push of its own
// ("<parent>..<commit>"); live, one push of two commits was one deployment. The drift check took
// those commits' keys as missing and linked them: the live deployment became a redeploy and one
// engineer's one push two production deployments (|D(e)| doubled). Commits a live push covers are
// not missing; a push whose delivery was missed still is.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/repo-config.js";
import { Scenario as BaseScenario, DEFAULT_START } from "../../src/demo/scenario.js";
import { backfillRepository } from "../../src/ledger/backfill.js";
import { backfillSetup, INSTALLATION, pushEvent } from "../helpers/backfill-history.js";
import { GitHubModel } from "../helpers/github-model.js";

const since = DEFAULT_START;
const NOW = since + 30 * 3_600_000;
beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

it("a drift check after live delivery leaves a push of two commits one deployment", async () => {
  const sc = new BaseScenario<GitHubModel>("acme", "shop", 4242, {
    model: new GitHubModel("acme", "shop", 4242),
    start: since,
  });
  const deployments = { source: "push" as const };
  sc.gh.files.set(".github/shipledger.yml", JSON.stringify({ deployments }));
  sc.push("Earlier work\n", -48);
  // Two commits by one engineer, pushed at once: one push, one deployment.
  const a = sc.push("Add the cache\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n", 2);
  const b = sc.push("Tune the cache\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n", 2);
  const [p1, p2] = sc.pushes.splice(-2);
  sc.pushes.push({ before: (p1 as { before: string }).before, after: (p2 as { after: string }).after, at: sc.T(2.1) });
  sc.gh.mount();

  const { config } = parseRepoConfig({ deployments });
  const { store, app, lc } = await backfillSetup(sc, NOW, config);
  const push = sc.pushes.at(-1) as { before: string; after: string; at: string };
  await app.probot.receive({ id: "live-1", name: "push", payload: pushEvent(sc, push).payload as never });
  await app.worker.drain();
  const summary = async () =>
    Promise.all(
      (await store.deployments.listDeployments(INSTALLATION, 4242)).map(async (d) => [
        d.sourceKey,
        d.outcome,
        (await store.changes.changesShippedBy(INSTALLATION, d.id)).map((c) => c.headSha),
      ]),
    );
  const live = await summary();
  expect(live).toEqual([[`push:${push.before}..${b}`, "ship", [a, b]]]);
  // A third commit, pushed on its own; its delivery never arrived.
  const c = sc.push("Document the cache\n", 3);

  // The drift check, a day later.
  const result = await backfillRepository(lc, { since }, { onlyMissing: true });
  expect(result.outcome).toBe("done");
  expect(await summary()).toEqual([...live, [`push:${b}..${c}`, "ship", [c]]]);
  expect(result.missing.deployments).toBe(1);
  await store.close();
});
