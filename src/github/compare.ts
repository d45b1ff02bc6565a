import type { ProbotOctokit } from "probot";
import type { CompareStatus, Comparison, RangeCommit } from "../deployments/types.js";

// The shapes of a comparison live with the core (src/deployments/types.ts), so that a comparison
// computed from commits already read (src/ledger/core/commit-graph.ts) has the same type.
export type { CompareStatus, Comparison, RangeCommit } from "../deployments/types.js";

/** A range larger than this is read no further (a deployment of 10,000 commits is an import). */
export const MAX_RANGE_COMMITS = 10_000;
const COMPARE_PAGE = 250;

interface CompareCommit {
  sha: string;
  commit: { message: string; author: { name?: string; email?: string; date?: string } | null };
  author: { login?: string } | null;
  parents: Array<{ sha: string }>;
}

const toRange = (c: CompareCommit): RangeCommit => ({
  sha: c.sha,
  message: c.commit.message,
  author: { name: c.commit.author?.name ?? "", email: c.commit.author?.email ?? "", login: c.author?.login ?? null },
  authoredAt: c.commit.author?.date ? Date.parse(c.commit.author.date) : null,
  parents: c.parents.map((p) => p.sha),
});

/**
 * Compares two commits: `status` says how head relates to base and `commits` lists what head has
 * that base has not, every page of it (250 commits a page). GitHub answers 422 when the diff is
 * too large to compute; then the commits are read by walking head's history with GraphQL back to
 * base's commit date. Null when the two cannot be compared: GitHub answers 404 when one of them is
 * gone (garbage-collected after a force-push) or when they share no history ("No common ancestor"),
 * and asking again will not change that.
 */
export async function compareCommits(
  octokit: ProbotOctokit,
  range: { owner: string; repo: string; base: string; head: string },
): Promise<Comparison | null> {
  const basehead = `${range.base}...${range.head}`;
  let first: Awaited<ReturnType<typeof octokit.rest.repos.compareCommitsWithBasehead>>["data"];
  try {
    ({ data: first } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: range.owner,
      repo: range.repo,
      basehead,
      per_page: COMPARE_PAGE,
      page: 1,
    }));
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 422) return walkHistory(octokit, range);
    if (status === 404) return null;
    throw error;
  }
  const commits = (first.commits as unknown as CompareCommit[]).map(toRange);
  const total = Math.min(first.total_commits, MAX_RANGE_COMMITS);
  for (let page = 2; commits.length < total; page++) {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: range.owner,
      repo: range.repo,
      basehead,
      per_page: COMPARE_PAGE,
      page,
    });
    const more = (data.commits as unknown as CompareCommit[]).map(toRange);
    if (more.length === 0) break;
    commits.push(...more);
  }
  return {
    status: first.status as CompareStatus,
    aheadBy: first.ahead_by,
    behindBy: first.behind_by,
    commits: commits.slice(0, MAX_RANGE_COMMITS),
    via: "compare",
    complete: first.total_commits <= MAX_RANGE_COMMITS && commits.length >= first.total_commits,
  };
}

const HISTORY_QUERY = `query ($owner: String!, $repo: String!, $base: GitObjectID!, $head: GitObjectID!, $since: GitTimestamp, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    base: object(oid: $base) { ... on Commit { committedDate } }
    head: object(oid: $head) { ... on Commit {
      history(first: 100, after: $cursor, since: $since) {
        pageInfo { hasNextPage endCursor }
        nodes { oid message authoredDate author { name email user { login } } parents(first: 5) { nodes { oid } } }
      } } }
  }
}`;

interface HistoryPage {
  repository: {
    base: { committedDate?: string } | null;
    head: {
      history?: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: Array<{
          oid: string;
          message: string;
          authoredDate: string | null;
          author: { name: string | null; email: string | null; user: { login: string } | null } | null;
          parents: { nodes: Array<{ oid: string }> };
        }>;
      };
    } | null;
  } | null;
}

/**
 * The 422 fallback: head's history newer than base's commit date, minus base and what it reaches
 * among those commits. An approximation of `base..head` that is exact for the usual linear or
 * merge-commit history of a deployed branch; guarded against a cursor that does not move.
 */
async function walkHistory(
  octokit: ProbotOctokit,
  range: { owner: string; repo: string; base: string; head: string },
): Promise<Comparison> {
  const probe: HistoryPage = await octokit.graphql(HISTORY_QUERY, { ...range, since: null, cursor: null });
  const since = probe.repository?.base?.committedDate ?? null;
  const seen = new Map<string, RangeCommit>();
  let cursor: string | null = null;
  let complete = true;
  for (;;) {
    const page: HistoryPage = await octokit.graphql(HISTORY_QUERY, { ...range, since, cursor });
    const history = page.repository?.head?.history;
    if (!history) throw new Error(`commit ${range.head} not found in ${range.owner}/${range.repo}`);
    for (const n of history.nodes) {
      seen.set(n.oid, {
        sha: n.oid,
        message: n.message,
        author: { name: n.author?.name ?? "", email: n.author?.email ?? "", login: n.author?.user?.login ?? null },
        authoredAt: n.authoredDate ? Date.parse(n.authoredDate) : null,
        parents: n.parents.nodes.map((p) => p.oid),
      });
    }
    if (seen.size >= MAX_RANGE_COMMITS) {
      complete = false;
      break;
    }
    const next = history.pageInfo.endCursor;
    if (!history.pageInfo.hasNextPage || !next || next === cursor) break;
    cursor = next;
  }
  // Remove base and everything it reaches within the walked set.
  const reachedFromBase = new Set<string>();
  const stack = [range.base];
  while (stack.length > 0) {
    const sha = stack.pop() as string;
    if (reachedFromBase.has(sha)) continue;
    reachedFromBase.add(sha);
    for (const parent of seen.get(sha)?.parents ?? []) stack.push(parent);
  }
  const commits = [...seen.values()].filter((c) => !reachedFromBase.has(c.sha)).reverse();
  return {
    status: commits.length === 0 ? "identical" : "ahead",
    aheadBy: commits.length,
    behindBy: 0,
    commits,
    via: "history",
    complete,
  };
}
