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
 * base's commit date. Null when GitHub answers 404: one of them is gone (garbage-collected after a
 * force-push), they share no history ("No common ancestor"), or, for a moment, a commit just pushed
 * is not found yet (the caller asks again while it may).
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
 * merge-commit history of a deployed branch; guarded against a cursor that does not move. When
 * head's history does not reach base (a rollback to an older commit, or a history that went
 * another way), base's history is walked back to head's date: reaching head, head is behind;
 * otherwise the two diverged.
 */
async function walkHistory(
  octokit: ProbotOctokit,
  range: { owner: string; repo: string; base: string; head: string },
): Promise<Comparison> {
  const forward = await readHistory(octokit, range);
  // Remove base and everything it reaches within the walked set.
  const reachedFromBase = reachedWithin(forward.seen, range.base);
  const commits = [...forward.seen.values()].filter((c) => !reachedFromBase.has(c.sha)).reverse();
  let status: CompareStatus = commits.length === 0 ? "identical" : "ahead";
  if (forward.complete && !reaches(forward.seen, range.base)) {
    const backward = await readHistory(octokit, { ...range, base: range.head, head: range.base });
    status = backward.complete && reaches(backward.seen, range.head) ? "behind" : "diverged";
    if (status === "behind" && commits.length > 0) status = "diverged";
  }
  return {
    status,
    aheadBy: commits.length,
    behindBy: 0,
    commits,
    via: "history",
    complete: forward.complete,
  };
}

/** Head's history back to base's commit date (at most MAX_RANGE_COMMITS commits), by sha. */
async function readHistory(
  octokit: ProbotOctokit,
  range: { owner: string; repo: string; base: string; head: string },
): Promise<{ seen: Map<string, RangeCommit>; complete: boolean }> {
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
  return { seen, complete };
}

/** Whether a walked history holds `sha` or a commit whose parent it is. */
function reaches(seen: Map<string, RangeCommit>, sha: string): boolean {
  if (seen.has(sha)) return true;
  for (const commit of seen.values()) if (commit.parents.includes(sha)) return true;
  return false;
}

/** `sha` and every commit it reaches within a walked history. */
function reachedWithin(seen: Map<string, RangeCommit>, sha: string): Set<string> {
  const reached = new Set<string>();
  const stack = [sha];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (reached.has(next)) continue;
    reached.add(next);
    for (const parent of seen.get(next)?.parents ?? []) stack.push(parent);
  }
  return reached;
}
