// compareCommits against a fake compare API that pages as GitHub does, at every page boundary:
// the commits are exact (first and last included) and each page is asked for once.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compareCommits, MAX_RANGE_COMMITS } from "../../src/github/compare.js";

const API = "https://api.github.com";
const RANGE = { owner: "acme", repo: "shop", base: sha(0), head: "" };
const T0 = Date.parse("2026-01-05T00:00:00Z");

function sha(n: number): string {
  return n.toString(16).padStart(40, "0");
}

/** A linear history: base (commit 0) and `n` commits after it, 1..n, one minute apart. */
function history(n: number) {
  const commits = Array.from({ length: n + 1 }, (_, i) => ({
    sha: sha(i),
    message: `change ${i}`,
    date: new Date(T0 + i * 60_000).toISOString(),
    parents: i === 0 ? [] : [sha(i - 1)],
  }));
  return { range: { ...RANGE, head: sha(n) }, ahead: commits.slice(1), all: commits };
}

/** The shas 1..n: what the range holds, oldest first. */
const shas = (n: number) => Array.from({ length: n }, (_, i) => sha(i + 1));

let requests: string[];

/**
 * GitHub's compare: `per_page` honoured up to `maxPerPage` (the REST docs give 100 as the general
 * maximum; the compare API has answered 250, its unpaged size), pages from 1, past the end empty.
 */
function serveCompare(n: number, options: { maxPerPage: number; totalCommits?: number; status?: 422 }) {
  const { ahead } = history(n);
  nock(API)
    .persist()
    .get(`/repos/acme/shop/compare/${sha(0)}...${sha(n)}`)
    .query(true)
    .reply((uri) => {
      const query = new URL(uri, API).searchParams;
      const perPage = Math.min(Number(query.get("per_page") ?? 30), options.maxPerPage);
      const page = Number(query.get("page") ?? 1);
      requests.push(`compare p${page} per_page=${query.get("per_page")}`);
      if (options.status === 422)
        return [422, { message: "Server Error: Sorry, this diff is taking too long to generate." }];
      const slice = ahead.slice((page - 1) * perPage, page * perPage);
      return [
        200,
        {
          status: n === 0 ? "identical" : "ahead",
          ahead_by: n,
          behind_by: 0,
          total_commits: options.totalCommits ?? n,
          commits: slice.map((c) => ({
            sha: c.sha,
            commit: { message: c.message, author: { name: "Ana", email: "ana@example.com", date: c.date } },
            author: { login: "ana" },
            parents: c.parents.map((p) => ({ sha: p })),
          })),
        },
      ];
    });
}

/** GitHub's GraphQL commit history: newest first, `since` inclusive, 100 a page, an offset cursor. */
function serveHistory(n: number) {
  const { all } = history(n);
  nock(API)
    .persist()
    .post("/graphql")
    .reply((_uri, body) => {
      const { variables } = body as { variables: { base: string; since: string | null; cursor: string | null } };
      const offset = Number(variables.cursor ?? 0);
      requests.push(`graphql${variables.since ? "" : " probe"} after ${offset}`);
      const newestFirst = [...all].reverse().filter((c) => !variables.since || c.date >= variables.since);
      const nodes = newestFirst.slice(offset, offset + 100);
      const end = offset + nodes.length;
      return [
        200,
        {
          data: {
            repository: {
              base: { committedDate: all.find((c) => c.sha === variables.base)?.date },
              head: {
                history: {
                  pageInfo: { hasNextPage: end < newestFirst.length, endCursor: String(end) },
                  nodes: nodes.map((c) => ({
                    oid: c.sha,
                    message: c.message,
                    authoredDate: c.date,
                    author: { name: "Ana", email: "ana@example.com", user: { login: "ana" } },
                    parents: { nodes: c.parents.map((oid) => ({ oid })) },
                  })),
                },
              },
            },
          },
        },
      ];
    });
}

const octokit = () =>
  new ProbotOctokit({ auth: { token: "test" }, retry: { enabled: false }, throttle: { enabled: false } });

/** compareCommits, for a range GitHub can compare. */
async function compared(range: typeof RANGE) {
  const result = await compareCommits(octokit(), range);
  if (result === null) throw new Error("not comparable");
  return result;
}

const comparePages = (pages: number, perPage = 250) =>
  Array.from({ length: pages }, (_, i) => `compare p${i + 1} per_page=${perPage}`);

beforeEach(() => {
  requests = [];
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("compareCommits", () => {
  // GitHub answering 250 a page: boundaries at multiples of 250.
  it.each([
    [1, 1],
    [249, 1],
    [250, 1],
    [251, 2],
    [499, 2],
    [500, 2],
    [501, 3],
  ])("%i commits, 250 a page: every commit, oldest first, in %i request(s)", async (n, pages) => {
    serveCompare(n, { maxPerPage: 250 });
    const result = await compared(history(n).range);
    expect(result.commits.map((c) => c.sha)).toEqual(shas(n));
    expect(result.commits[0]?.sha).toBe(sha(1));
    expect(result.commits.at(-1)?.sha).toBe(sha(n));
    expect(result).toMatchObject({ status: "ahead", aheadBy: n, behindBy: 0, via: "compare", complete: true });
    expect(requests).toEqual(comparePages(pages));
  });

  // GitHub capping per_page at 100 (its documented maximum): the same list, in pages of 100.
  it.each([
    [100, 1],
    [101, 2],
    [250, 3],
    [251, 3],
    [300, 3],
    [301, 4],
  ])("%i commits, GitHub capping pages at 100: every commit in %i request(s)", async (n, pages) => {
    serveCompare(n, { maxPerPage: 100 });
    const result = await compared(history(n).range);
    expect(result.commits.map((c) => c.sha)).toEqual(shas(n));
    expect(result.complete).toBe(true);
    expect(requests).toEqual(comparePages(pages));
  });

  it("an identical range: no commits, one request", async () => {
    serveCompare(0, { maxPerPage: 250 });
    const result = await compared(history(0).range);
    expect(result).toEqual({
      status: "identical",
      aheadBy: 0,
      behindBy: 0,
      commits: [],
      via: "compare",
      complete: true,
    });
    expect(requests).toEqual(comparePages(1));
  });

  it(`${MAX_RANGE_COMMITS} commits are read whole; one more is cut there and marked incomplete`, async () => {
    serveCompare(MAX_RANGE_COMMITS, { maxPerPage: 250 });
    const whole = await compared(history(MAX_RANGE_COMMITS).range);
    expect(whole.commits.map((c) => c.sha)).toEqual(shas(MAX_RANGE_COMMITS));
    expect(whole.complete).toBe(true);
    expect(requests).toEqual(comparePages(MAX_RANGE_COMMITS / 250));

    requests = [];
    serveCompare(MAX_RANGE_COMMITS + 1, { maxPerPage: 250 });
    const cut = await compared(history(MAX_RANGE_COMMITS + 1).range);
    expect(cut.commits.map((c) => c.sha)).toEqual(shas(MAX_RANGE_COMMITS));
    expect(cut).toMatchObject({ aheadBy: MAX_RANGE_COMMITS + 1, complete: false });
    expect(requests).toEqual(comparePages(MAX_RANGE_COMMITS / 250));
  });

  it("a page that comes back empty before total_commits ends the read, marked incomplete", async () => {
    serveCompare(300, { maxPerPage: 250, totalCommits: 600 });
    const result = await compared(history(300).range);
    expect(result.commits.map((c) => c.sha)).toEqual(shas(300));
    expect(result.complete).toBe(false);
    expect(requests).toEqual(comparePages(3));
  });

  // The 422 fallback: the probe, then head's history since base's date (base included), 100 a page.
  it.each([
    [99, 1],
    [100, 2],
    [199, 2],
    [200, 3],
    [250, 3],
    [251, 3],
  ])("compare answering 422 on %i commits: the history walk finds every commit in %i page(s)", async (n, pages) => {
    serveCompare(n, { maxPerPage: 250, status: 422 });
    serveHistory(n);
    const result = await compared(history(n).range);
    expect(result.commits.map((c) => c.sha)).toEqual(shas(n));
    expect(result).toMatchObject({ status: "ahead", aheadBy: n, via: "history", complete: true });
    expect(requests).toEqual([
      "compare p1 per_page=250",
      "graphql probe after 0",
      ...Array.from({ length: pages }, (_, i) => `graphql after ${i * 100}`),
    ]);
  });

  it.each([
    ["a commit is gone (garbage-collected after a force-push)", "Not Found"],
    ["the histories share no commit", `No common ancestor between ${sha(0)} and ${sha(5)}.`],
  ])("compare answering 404 when %s: null (not comparable), asked once", async (_, message) => {
    nock(API)
      .get(`/repos/acme/shop/compare/${sha(0)}...${sha(5)}`)
      .query(true)
      .reply(() => {
        requests.push("compare p1");
        return [404, { message }];
      });
    expect(await compareCommits(octokit(), history(5).range)).toBeNull();
    expect(requests).toEqual(["compare p1"]);
  });

  it("compare answering 502: the error is thrown (the delivery is retried)", async () => {
    nock(API)
      .get(`/repos/acme/shop/compare/${sha(0)}...${sha(5)}`)
      .query(true)
      .reply(502, { message: "Server Error" });
    await expect(compareCommits(octokit(), history(5).range)).rejects.toMatchObject({ status: 502 });
  });
});
