// The fake GitHub answers GraphQL where an App pointed at it (GHE_HOST) sends it: GitHub Enterprise
// Server's /api/graphql, beside REST's /api/v3.
import { Probot, ProbotOctokit } from "probot";
import { afterEach, expect, it } from "vitest";
import { appKeyPair } from "../helpers/app-process.js";
import { Scenario } from "../helpers/scenario.js";
import { FakeGitHub } from "./server.js";

const APP_ID = 4242;
const keys = appKeyPair();
let github: FakeGitHub | null = null;

afterEach(async () => {
  await github?.stop();
  github = null;
});

it("answers an installation's GraphQL query at /api/graphql from the model it serves", async () => {
  const sc = new Scenario("acme", "shop");
  sc.merge(1, { at: 1 });
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
  sc.gh.serve(github);
  const probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKeyPem,
    baseUrl: `${github.baseUrl}/api/v3`,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  const octokit = await probot.auth(7);
  const answer = await octokit.graphql<{ repository: { pullRequests: { nodes: Array<{ number: number }> } } }>(
    `query($owner: String!, $repo: String!) {
      repository(owner: $owner, name: $repo) { pullRequests(states: MERGED, first: 10) { nodes { number } } }
    }`,
    { owner: "acme", repo: "shop" },
  );
  expect(answer.repository.pullRequests.nodes.map((p) => p.number)).toEqual([1]);
  expect(github.requests.map((r) => `${r.method} ${r.path} ${r.auth}`)).toEqual([
    "POST /app/installations/7/access_tokens jwt",
    "POST /graphql installation:7",
  ]);
});
