// Merged pull requests a page at a time over GraphQL (src/github/merged-pulls.ts), against the model
// of GitHub on nock: each pull request comes in the shapes REST gives for it (a bot author, a deleted
// one, labels, assignees, a bot merger, commits past the first 100, files when asked), pages follow
// their cursors, a timed-out page is asked again at half the size, and recording a merged pull
// request from a page writes the same ledger rows as recording it from REST, with no call to GitHub.
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaults } from "../../src/config/repo-config.js";
import { type MergedPull, readMergedPullPage } from "../../src/github/merged-pulls.js";
import { listPullCommits } from "../../src/github/pull-commits.js";
import { type ChangeContext, recordMergedPull } from "../../src/ledger/record-merge.js";
import type { Store } from "../../src/store/types.js";
import { API } from "../helpers/github-model.js";
import { Scenario } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const INSTALLATION = 99;
const NOW = Date.UTC(2026, 11, 1);
const OWNER = "acme";
const REPO = "shop";

const DEPENDABOT = {
  name: "dependabot[bot]",
  email: "49699333+dependabot[bot]@users.noreply.github.com",
  login: "dependabot[bot]",
};
const paths = (n: number) => Array.from({ length: n }, (_, i) => `src/module-${String(i).padStart(3, "0")}.ts`);

/** Merged pull requests of every shape the mapping has to get right, and two that are not merged. */
function history() {
  const sc = new Scenario(OWNER, REPO);
  sc.merge(1, { ai: true, at: 1, assignees: ["mona", "hubot"], body: "Adds the cache.\n\nRequested by: @mona" });
  (sc.gh.pulls.get(1) as { labels: Array<{ name: string }> }).labels = [{ name: "ai-assisted" }, { name: "cache" }];
  sc.merge(2, {
    at: 2,
    title: "Bump left-pad from 1.0.0 to 1.0.1",
    user: { login: "dependabot[bot]", type: "Bot" },
    commitAuthor: DEPENDABOT,
    mergedBy: "mergify[bot]",
  });
  sc.merge(3, { at: 3, user: { login: "ghost", type: "User" } });
  sc.merge(4, { at: 4, commits: 250, method: "merge" });
  sc.merge(5, { at: 5, method: "rebase", commits: 3, files: paths(150) });
  // Rebased: its commits were committed after they were written.
  for (const sha of sc.gh.pulls.get(5)?.commits ?? []) {
    const commit = sc.gh.commits.get(sha);
    if (commit) commit.committedDate = new Date(Date.parse(commit.date) + 3_600_000).toISOString();
  }
  sc.merge(6, { at: 6, method: "fast-forward", commits: 2, files: paths(320) });
  sc.merge(7, { at: 7, commits: 180, ai: true, author: "hubot" });
  sc.open(8, { openedAt: 7.5 });
  sc.open(9, { openedAt: 7 });
  sc.close(9, 8);
  sc.merge(10, { at: 9, title: 'Revert "Change 1"', body: "Reverts acme/shop#1\n\nIt broke checkout." });
  return sc;
}

const MERGED = [1, 2, 3, 4, 5, 6, 7, 10];

/**
 * The model's REST files route answers every file on each page; GitHub's gives 100 a page. Mounted
 * ahead of the model, so that the REST reference reads files as GitHub would give them.
 */
function pagedFiles(sc: Scenario) {
  nock(API)
    .persist()
    .get(new RegExp(`^/repos/${OWNER}/${REPO}/pulls/\\d+/files`))
    .query(true)
    .reply((uri) => {
      const url = new URL(uri, API);
      const n = Number(/pulls\/(\d+)\/files/.exec(url.pathname)?.[1]);
      const page = Number(url.searchParams.get("page") ?? 1);
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      sc.gh.calls.push(`GET pulls/${n}/files`);
      const files = sc.gh.pulls.get(n)?.files ?? ["src/index.ts"];
      return [200, files.slice((page - 1) * perPage, page * perPage).map((filename) => ({ filename }))];
    });
}

async function octokitFor(): Promise<ProbotOctokit> {
  const probot = new Probot({
    githubToken: "test",
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  return probot.auth();
}

/** Every page, from the first. */
async function readAll(octokit: ProbotOctokit, options: { pageSize?: number; withFiles: boolean }) {
  const pages = [];
  let after: string | null = null;
  for (;;) {
    const page = await readMergedPullPage(octokit, { owner: OWNER, repo: REPO, after, ...options });
    pages.push(page);
    if (!page.hasNextPage) return pages;
    after = page.endCursor;
  }
}

/** The files of a pull request as record-merge's listPullFiles reads them from REST (3 pages of 100). */
async function restFiles(octokit: ProbotOctokit, number: number) {
  const found: string[] = [];
  for (let page = 1; page <= 3; page++) {
    const { data } = await octokit.rest.pulls.listFiles({
      owner: OWNER,
      repo: REPO,
      pull_number: number,
      per_page: 100,
      page,
    });
    found.push(...data.map((f) => f.filename));
    if (data.length < 100) return { paths: found, complete: true };
  }
  return { paths: found, complete: false };
}

/** The fields of a pull request the app reads (PullRequestLike), as plain data. */
function pullFacts(p: MergedPull["pull"] | Record<string, unknown>) {
  const q = p as MergedPull["pull"];
  return {
    number: q.number,
    title: q.title,
    body: q.body,
    state: q.state,
    merged_at: q.merged_at,
    merge_commit_sha: q.merge_commit_sha,
    merged_by: q.merged_by ? { login: q.merged_by.login } : null,
    created_at: q.created_at,
    user: q.user ? { login: q.user.login, type: q.user.type } : null,
    assignees: (q.assignees ?? []).map((a) => a.login),
    labels: (q.labels ?? []).map((l) => (typeof l === "string" ? l : l.name)),
    head: { ref: q.head.ref, sha: q.head.sha },
    base: { ref: q.base.ref },
  };
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("readMergedPullPage", () => {
  it("gives each merged pull request as REST does: the pull request, all its commits, its merge commit, its files", async () => {
    const sc = history();
    pagedFiles(sc);
    sc.gh.mount();
    const octokit = await octokitFor();

    const page = await readMergedPullPage(octokit, { owner: OWNER, repo: REPO, after: null, withFiles: true });
    // Most recently updated first; the open and the closed-unmerged pull requests are not merged.
    expect(page.pulls.map((p) => p.pull.number)).toEqual([10, 7, 6, 5, 4, 3, 2, 1]);
    expect(page).toMatchObject({ hasNextPage: false, oldestUpdatedAt: Date.parse(sc.T(1)) });

    const { data: listed } = await octokit.rest.pulls.list({ owner: OWNER, repo: REPO, state: "closed" });
    for (const mp of page.pulls) {
      const n = mp.pull.number;
      const { data: rest } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: n });
      expect(pullFacts(mp.pull), `#${n}`).toEqual(pullFacts(rest as unknown as Record<string, unknown>));
      expect(mp.pull.updated_at).toBe(listed.find((p) => p.number === n)?.updated_at);
      // REST lists every commit's parents; the backfill asks only the first commit's (FIRST_PARENTS).
      const restCommits = (await listPullCommits(octokit, { owner: OWNER, repo: REPO, number: n })).commits;
      expect(restCommits[0]?.parents, `#${n} first commit's parents`).toHaveLength(1);
      expect(mp.commits, `#${n} commits`).toEqual(
        restCommits.map((c, i) => (i === 0 ? c : { ...c, parents: undefined })),
      );
      const { data: merge } = await octokit.rest.git.getCommit({
        owner: OWNER,
        repo: REPO,
        commit_sha: rest.merge_commit_sha as string,
      });
      expect(mp.mergeCommit, `#${n} merge commit`).toEqual({
        sha: merge.sha,
        parents: merge.parents.map((p) => p.sha),
        message: merge.message,
        authorDate: merge.author.date,
      });
      expect(mp.files, `#${n} files`).toEqual(await restFiles(octokit, n));
    }

    const byNumber = new Map(page.pulls.map((p) => [p.pull.number, p]));
    // GraphQL's Bot "dependabot" and "mergify" are REST's dependabot[bot] and mergify[bot]; the
    // bot's commits have no GraphQL user, and keep REST's login.
    expect(byNumber.get(2)?.pull).toMatchObject({
      user: { login: "dependabot[bot]", type: "Bot" },
      merged_by: { login: "mergify[bot]" },
    });
    expect(byNumber.get(2)?.commits[0]?.author).toEqual(DEPENDABOT);
    // A deleted author: GraphQL's null is REST's ghost.
    expect(byNumber.get(3)?.pull.user).toEqual({ login: "ghost", type: "User" });
    // No description: GraphQL's "" is REST's null.
    expect(byNumber.get(3)?.pull.body).toBeNull();
    expect(byNumber.get(1)?.pull.labels).toEqual([{ name: "ai-assisted" }, { name: "cache" }]);
    expect(byNumber.get(4)?.commits).toHaveLength(250);
    expect(byNumber.get(4)?.mergeCommit?.parents).toHaveLength(2);
    const rebased = byNumber.get(5)?.commits[0];
    expect(rebased?.committedAt).toBe((rebased?.authoredAt ?? 0) + 3_600_000);
    expect(byNumber.get(5)?.files).toMatchObject({ complete: true });
    expect(byNumber.get(5)?.files?.paths).toHaveLength(150);
    expect(byNumber.get(6)?.files).toMatchObject({ complete: false });
    expect(byNumber.get(6)?.files?.paths).toEqual(paths(300));
  });

  it("completes long commit lists and file lists in follow-ups shared by the whole page", async () => {
    const sc = history();
    sc.gh.mount();
    const octokit = await octokitFor();

    const page = await readMergedPullPage(octokit, { owner: OWNER, repo: REPO, after: null, withFiles: true });
    // First follow-up: #4's and #7's commits after 100, #5's and #6's files after 100; second: #4's
    // commits after 200 and #6's files after 200. #6's files stop at 300.
    expect(sc.gh.calls).toEqual([
      "POST graphql pullRequests first=100 (first page)",
      "POST graphql pullRequest ×4",
      "POST graphql pullRequest ×2",
    ]);
    expect(page.requests).toBe(3);
    // 1 + 100 × 7 connections (commits, labels, assignees, parents, files, and the first commit with
    // its parents) = 701 → 7 points; 1 a follow-up.
    expect(page.rateLimit).toEqual({
      cost: 9,
      remaining: 4991,
      limit: 5000,
      resetAt: Date.parse(sc.gh.graphqlRateLimit.resetAt),
    });
  });

  it("without files: no files are asked for, and a page of 100 costs 6 points", async () => {
    const sc = new Scenario(OWNER, REPO);
    for (let n = 1; n <= 3; n++) sc.merge(n, { at: n, commits: 2 });
    sc.gh.mount();
    const octokit = await octokitFor();
    const page = await readMergedPullPage(octokit, { owner: OWNER, repo: REPO, after: null, withFiles: false });
    expect(page.pulls.map((p) => p.files)).toEqual([undefined, undefined, undefined]);
    expect(page).toMatchObject({ requests: 1, rateLimit: { cost: 6, remaining: 4994 } });
  });

  it("follows cursors page after page, newest-updated first, each merged pull request once", async () => {
    const sc = history();
    sc.gh.mount();
    const octokit = await octokitFor();
    const pages = await readAll(octokit, { pageSize: 3, withFiles: false });
    expect(pages.map((p) => p.pulls.map((mp) => mp.pull.number))).toEqual([
      [10, 7, 6],
      [5, 4, 3],
      [2, 1],
    ]);
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false]);
    expect(pages.map((p) => p.oldestUpdatedAt)).toEqual([sc.T(6), sc.T(3), sc.T(1)].map(Date.parse));
    expect(pages.at(-1)?.endCursor).not.toBeNull();
  });

  it("an empty repository: one empty page", async () => {
    const sc = new Scenario(OWNER, REPO);
    sc.gh.mount();
    const page = await readMergedPullPage(await octokitFor(), {
      owner: OWNER,
      repo: REPO,
      after: null,
      withFiles: true,
    });
    expect(page).toMatchObject({ pulls: [], endCursor: null, hasNextPage: false, oldestUpdatedAt: null, requests: 1 });
  });

  it("an hour's points spent: GitHub's RATE_LIMITED answer is thrown, and nothing is charged for it", async () => {
    const sc = history();
    sc.gh.mount();
    sc.gh.graphqlRateLimit.remaining = 1;
    await expect(
      readMergedPullPage(await octokitFor(), { owner: OWNER, repo: REPO, after: null, withFiles: false }),
    ).rejects.toThrow(/API rate limit exceeded/);
    expect(sc.gh.graphqlRateLimit).toMatchObject({ remaining: 1, used: 0 });
    expect(sc.gh.calls).toEqual(["POST graphql refused: rate limited"]);
  });

  it("a page GitHub times out on is asked again at half the size", async () => {
    const sc = history();
    nock(API).post("/graphql").reply(502, { message: "Server Error" });
    sc.gh.mount();
    const octokit = await octokitFor();
    const page = await readMergedPullPage(octokit, {
      owner: OWNER,
      repo: REPO,
      after: null,
      pageSize: 4,
      withFiles: false,
    });
    expect(page.pulls.map((p) => p.pull.number)).toEqual([10, 7]);
    expect(page.requests).toBe(3); // the one that failed, the page of 2, #7's commits after 100
    expect(sc.gh.calls[0]).toBe("POST graphql pullRequests first=2 (first page)");
  });

  it("halves the page on each time-out, three times at most, then throws", async () => {
    const sc = history();
    nock(API).post("/graphql").times(3).reply(502, { message: "Server Error" });
    sc.gh.mount();
    const page = await readMergedPullPage(await octokitFor(), {
      owner: OWNER,
      repo: REPO,
      after: null,
      withFiles: false,
    });
    // 100 → 50 → 25 → 13: the fourth request is answered.
    expect(sc.gh.calls[0]).toBe("POST graphql pullRequests first=13 (first page)");
    expect(page.pulls.length).toBeGreaterThan(0);

    nock.cleanAll();
    nock(API).post("/graphql").times(4).reply(504, { message: "Gateway Timeout" });
    sc.gh.mount();
    await expect(
      readMergedPullPage(await octokitFor(), { owner: OWNER, repo: REPO, after: null, withFiles: false }),
    ).rejects.toMatchObject({ status: 504 });
  });
});

/**
 * A change and its commits as the ledger holds them, without the row's own id and times (when it
 * was written, and GitHub's updated_at of the reading it was written from).
 */
async function ledgerRow(store: Store, number: number) {
  const change = await store.changes.getChange(INSTALLATION, 4242, number);
  if (!change) return null;
  const { id, updatedAt: _updated, pullUpdatedAt: _read, ...rest } = change;
  return { ...rest, commits: await store.changes.listChangeCommits(id) };
}

eachDialect("recordMergedPull with prefetched data", ({ newStore: emptyStore }) => {
  /** A ledger that knows the installation and its repository. */
  const newStore = async () => {
    const store = await emptyStore();
    await store.installations.upsertInstallation({
      id: INSTALLATION,
      accountId: 9_100_001,
      accountLogin: OWNER,
      accountType: "Organization",
      now: NOW,
    });
    await store.installations.upsertRepositories(
      INSTALLATION,
      [{ id: 4242, fullName: `${OWNER}/${REPO}`, private: false, defaultBranch: "main" }],
      NOW,
    );
    return store;
  };

  it("writes the rows recording from REST writes, and reads nothing from GitHub", async () => {
    const sc = history();
    pagedFiles(sc);
    sc.gh.mount();
    const octokit = await octokitFor();
    const context = (store: Store): ChangeContext => ({
      octokit,
      store,
      now: () => NOW,
      scope: {
        installationId: INSTALLATION,
        repositoryId: 4242,
        owner: OWNER,
        repo: REPO,
        fullName: `${OWNER}/${REPO}`,
        defaultBranch: "main",
      },
      config: defaults,
    });

    // From REST, oldest merge first (as backfill records them).
    const fromRest = await newStore();
    for (const n of MERGED) {
      const { data } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: n });
      await recordMergedPull(context(fromRest), data as never);
    }
    expect(sc.gh.calls.some((c) => c.startsWith("GET git/commits/"))).toBe(true);

    // From one GraphQL page, the same order.
    const fromPage = await newStore();
    const [page] = await readAll(octokit, { withFiles: true });
    const pulls = [...(page?.pulls ?? [])].reverse();
    const before = sc.gh.calls.length;
    for (const mp of pulls) await recordMergedPull(context(fromPage), mp.pull, mp);
    expect(sc.gh.calls.slice(before)).toEqual([]);

    for (const n of MERGED) expect(await ledgerRow(fromPage, n), `#${n}`).toEqual(await ledgerRow(fromRest, n));
    // What the rows say, for the cases that differ most between the two APIs.
    expect(await ledgerRow(fromPage, 2)).toMatchObject({ authorLogin: "dependabot[bot]", authorType: "Bot" });
    expect(await ledgerRow(fromPage, 3)).toMatchObject({ authorLogin: "ghost" });
    expect(await ledgerRow(fromPage, 4)).toMatchObject({ mergeMethod: "merge", commitsTotal: 250 });
    expect(await ledgerRow(fromPage, 5)).toMatchObject({ mergeMethod: "rebase", pathsComplete: true });
    expect(await ledgerRow(fromPage, 6)).toMatchObject({ pathsComplete: false });
  });

  it("without files in the prefetched data, reads only the files", async () => {
    const sc = history();
    pagedFiles(sc);
    sc.gh.mount();
    const octokit = await octokitFor();
    const store = await newStore();
    const [page] = await readAll(octokit, { withFiles: false });
    const mp = page?.pulls.find((p) => p.pull.number === 5) as MergedPull;
    const before = sc.gh.calls.length;
    await recordMergedPull(
      {
        octokit,
        store,
        now: () => NOW,
        scope: {
          installationId: INSTALLATION,
          repositoryId: 4242,
          owner: OWNER,
          repo: REPO,
          fullName: `${OWNER}/${REPO}`,
          defaultBranch: "main",
        },
        config: defaults,
      },
      mp.pull,
      mp,
    );
    expect(sc.gh.calls.slice(before)).toEqual(["GET pulls/5/files", "GET pulls/5/files"]);
    expect(await ledgerRow(store, 5)).toMatchObject({ pathsComplete: true });
  });

  it("the Copilot coding agent's pull request: GraphQL's Bot copilot-swe-agent is REST's Copilot", async () => {
    const sc = new Scenario(OWNER, REPO);
    sc.merge(1, {
      user: { login: "Copilot", type: "Bot" },
      commitAuthor: {
        name: "copilot-swe-agent[bot]",
        email: "198982749+Copilot@users.noreply.github.com",
        login: "Copilot",
      },
      assignees: ["mona", "Copilot"],
      headRef: "copilot/fix-cache",
    });
    sc.gh.mount();
    const octokit = await octokitFor();
    const context = (store: Store): ChangeContext => ({
      octokit,
      store,
      now: () => NOW,
      scope: {
        installationId: INSTALLATION,
        repositoryId: 4242,
        owner: OWNER,
        repo: REPO,
        fullName: `${OWNER}/${REPO}`,
        defaultBranch: "main",
      },
      config: defaults,
    });
    const fromRest = await newStore();
    const { data } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 1 });
    await recordMergedPull(context(fromRest), data as never);
    const fromPage = await newStore();
    const [page] = await readAll(octokit, { withFiles: true });
    const mp = page?.pulls[0] as MergedPull;
    expect(mp.pull.user).toEqual({ login: "Copilot", type: "Bot" });
    await recordMergedPull(context(fromPage), mp.pull, mp);
    expect(await ledgerRow(fromPage, 1)).toEqual(await ledgerRow(fromRest, 1));
    // Credited to the human who assigned it, as an AI-assisted change of the Copilot agent.
    expect(await ledgerRow(fromPage, 1)).toMatchObject({ authorLogin: "Copilot", engineer: "mona", ai: true });
  });
});
