// A new user's first minutes, end to end over real HTTP: the app is installed on a repository,
// someone opens a pull request with Claude Code commits, and an "AI attribution" check appears.
import { afterAll, beforeAll, expect, it } from "vitest";
import { GitHubModel } from "../../src/demo/github-model.js";
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
import { installationEvent, webhookFixture } from "../helpers/fixtures.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "e2e-check-secret";
const APP_ID = 5151;
const keys = appKeyPair();
let github: FakeGitHub;

beforeAll(async () => {
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
});
afterAll(async () => {
  await github.stop();
});

eachDialect("e2e: the AI attribution check on a new pull request", ({ dialect, newDatabaseUrl }) => {
  it("installs, receives a PR, publishes a readable check, and does not rewrite it on a repeated event", async () => {
    const owner = `acme-${dialect}`;
    const fullName = `${owner}/shop`;
    const repos = new GitHubModel(owner, "shop", dialect === "sqlite" ? 7001 : 7002);
    repos.appId = APP_ID;
    repos.serve(github);
    // The installation's repository listing (the installation handler reads default branches).
    github.route("GET", "/installation/repositories", () => ({
      body: { total_count: 1, repositories: [repos.repositoryJson()] },
    }));
    repos.files.set(".github/shipledger.yml", "attribution:\n  labels: [ai-assisted]\n");
    const head = "e".repeat(40);
    repos.openPull(2, [
      {
        sha: "d".repeat(40),
        author: { name: "Mona Lisa", email: "mona@example.com", login: "mona" },
        message:
          "Add checkout page\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
      },
      { sha: head, author: { name: "Mona Lisa", email: "mona@example.com", login: "mona" }, message: "Fix typo\n" },
    ]);

    const url = await newDatabaseUrl();
    let app: AppProcess | null = null;
    const store = await openStore(url);
    try {
      app = await startAppProcess(
        fakeGitHubAppEnv({
          appId: APP_ID,
          privateKeyPem: keys.privateKeyPem,
          secret: SECRET,
          databaseUrl: url,
          githubHost: github.host,
        }),
      );
      const installation = webhookFixture("installation.created");
      installation.installation.id = 8100;
      installation.installation.account.login = owner;
      expect(
        (
          await sendWebhook(app.url, {
            id: `inst-${dialect}`,
            event: "installation",
            payload: installation,
            secret: SECRET,
          })
        ).status,
      ).toBe(200);

      const pr = installationEvent("pull_request.opened", 8100);
      pr.repository = {
        ...pr.repository,
        id: dialect === "sqlite" ? 7001 : 7002,
        name: "shop",
        full_name: fullName,
        owner: { ...pr.repository.owner, login: owner },
      };
      pr.pull_request.head = { ...pr.pull_request.head, ref: "checkout", sha: head };
      expect(
        (await sendWebhook(app.url, { id: `pr-${dialect}`, event: "pull_request", payload: pr, secret: SECRET }))
          .status,
      ).toBe(200);

      const run = await eventually(async () => repos.checkRuns[0]);
      expect(run).toMatchObject({ name: "AI attribution", head_sha: head, status: "completed", conclusion: "neutral" });
      expect(run.output.title).toBe("AI-assisted: Claude Code — 1 of 2 commits");
      expect(run.output.summary).toContain("| Claude Code | 1 | `claude-opus-4.5` |");
      expect(run.output.summary).toContain(`(http://${github.host}/${fullName}/commit/${"d".repeat(40)})`);

      // Every call was made with the installation's token, never the app's JWT, except the token exchange.
      const calls = github.requests.filter((r) => r.path.includes(`/${owner}/`));
      expect(calls.map((c) => `${c.method} ${c.path.split("?")[0]}`)).toEqual(
        expect.arrayContaining([`GET /repos/${fullName}/pulls/2/commits`, `POST /repos/${fullName}/check-runs`]),
      );
      expect(new Set(calls.map((c) => c.auth))).toEqual(new Set(["installation:8100"]));

      // The same event again (e.g. "edited" with nothing new): no second write.
      pr.action = "edited";
      await sendWebhook(app.url, { id: `pr2-${dialect}`, event: "pull_request", payload: pr, secret: SECRET });
      await eventually(async () => (await store.inbox.getDelivery(`pr2-${dialect}`))?.status === "done");
      expect(repos.checkRuns).toHaveLength(1);
      expect(github.requests.filter((r) => r.method !== "GET" && r.path.includes(`/${owner}/`))).toHaveLength(1);

      const change = await store.changes.getChange(8100, dialect === "sqlite" ? 7001 : 7002, 2);
      expect(change).toMatchObject({ ai: true, agents: ["claude-code"], commitsTotal: 2, commitsAi: 1 });
    } finally {
      await app?.kill();
      await store.close();
    }
  });
});
