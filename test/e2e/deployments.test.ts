// Deployment linking end to end over real HTTP: merges and production deployment statuses are
// delivered as signed webhooks to the server process, which reads the repository from a fake
// GitHub and writes the ledger (both dialects).
import { afterAll, beforeAll, expect, it } from "vitest";
import { fateOf } from "../../src/ledger/fates.js";
import { openStore } from "../../src/store/open.js";
import { FakeGitHub } from "../fake-github/server.js";
import {
  type AppProcess,
  appKeyPair,
  eventually,
  fakeGitHubAppEnv,
  sendWebhook,
  startAppProcess,
} from "../helpers/app-process.js";
import { Scenario } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "e2e-deploy-secret";
const APP_ID = 6161;
const keys = appKeyPair();
let github: FakeGitHub;

beforeAll(async () => {
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
});
afterAll(async () => {
  await github.stop();
});

eachDialect("e2e: production deployments", ({ dialect, newDatabaseUrl }) => {
  it("links merged pull requests to the deployment that ships them, and says so on the deployed commit", async () => {
    const sc = new Scenario(`ops-${dialect}`, "api", dialect === "sqlite" ? 9101 : 9102);
    sc.gh.serve(github);
    const d0 = sc.deploy(sc.main, 1);
    sc.merge(1, { ai: true, title: "Add rate limits" });
    sc.merge(2, { title: "Fix typo" });
    const d1 = sc.deploy(sc.main, 5);
    const url = await newDatabaseUrl();
    let app: AppProcess | null = null;
    const store = await openStore(url);
    try {
      app = await startAppProcess({
        ...fakeGitHubAppEnv({
          appId: APP_ID,
          privateKeyPem: keys.privateKeyPem,
          secret: SECRET,
          databaseUrl: url,
          githubHost: github.host,
        }),
        INBOX_POLL_MS: "50",
        INBOX_CONCURRENCY: "1",
      });
      const events: Array<[string, unknown]> = [
        ["deployment_status", sc.gh.statusEvent(d0, "success", 31)],
        ["pull_request", sc.gh.closedEvent(1, 31)],
        ["pull_request", sc.gh.closedEvent(2, 31)],
        ["deployment_status", sc.gh.statusEvent(d1, "success", 31)],
      ];
      let n = 0;
      for (const [event, payload] of events) {
        const id = `${dialect}-dep-${++n}`;
        expect((await sendWebhook(app.url, { id, event, payload, secret: SECRET })).status).toBe(200);
        // One at a time, so that the scenario's order is the order of processing.
        await eventually(async () => (await store.inbox.getDelivery(id))?.status === "done");
      }
      const run = await eventually(async () => sc.gh.checkRuns.find((r) => r.head_sha === sc.main));
      expect(run.output.title).toBe("Shipped 2 changes (1 AI-assisted)");
      expect(run.output.summary).toContain(`[#1](http://${github.host}/ops-${dialect}/api/pull/1)`);

      const [baseline, deployment] = await store.deployments.listDeployments(31, sc.gh.repositoryId);
      expect(baseline?.outcome).toBe("baseline");
      expect(deployment?.outcome).toBe("ship");
      const change = await store.changes.getChange(31, sc.gh.repositoryId, 1);
      const fate = await fateOf(store, 31, change?.id ?? 0);
      expect(fate.shippedBy?.deploymentId).toBe(deployment?.id);
    } finally {
      await app?.kill();
      await store.close();
    }
  });
});
