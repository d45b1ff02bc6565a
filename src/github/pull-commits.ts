import type { ProbotOctokit } from "probot";
import type { PullCommit } from "../attribution/types.js";

export type { PullCommit };

/** REST's pulls.listCommits returns at most this many commits, however it is paged. */
export const REST_COMMIT_CAP = 250;
/** A pull request larger than this is read no further (GitHub itself stops listing at 10,000). */
export const MAX_PULL_COMMITS = 10_000;

interface RestCommit {
  sha: string;
  commit: {
    message: string;
    author: { name?: string; email?: string; date?: string } | null;
    committer: { name?: string; email?: string } | null;
  };
  author: { login?: string } | null;
  committer: { login?: string } | null;
}

interface GraphCommitPage {
  repository: {
    pullRequest: {
      commits: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: Array<{
          commit: {
            oid: string;
            message: string;
            authoredDate: string | null;
            author: { name: string | null; email: string | null; user: { login: string } | null } | null;
            committer: { name: string | null; email: string | null; user: { login: string } | null } | null;
          };
        } | null>;
      };
    } | null;
  } | null;
}

const COMMITS_QUERY = `query ($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      commits(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { commit { oid message authoredDate
          author { name email user { login } }
          committer { name email user { login } } } }
      }
    }
  }
}`;

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

function fromRest(c: RestCommit): PullCommit {
  return {
    sha: c.sha,
    message: c.commit.message,
    author: { name: c.commit.author?.name ?? "", email: c.commit.author?.email ?? "", login: c.author?.login ?? null },
    committer: {
      name: c.commit.committer?.name ?? "",
      email: c.commit.committer?.email ?? "",
      login: c.committer?.login ?? null,
    },
    authoredAt: time(c.commit.author?.date),
  };
}

/**
 * A pull request's commits, oldest first. REST (100 a page) answers up to 250 commits; when it
 * returns exactly that cap there may be more, so the list is read again with GraphQL's cursor
 * pagination, guarded against a cursor that does not move and against repeated commits.
 */
export async function listPullCommits(
  octokit: ProbotOctokit,
  pull: { owner: string; repo: string; number: number },
): Promise<{ commits: PullCommit[]; complete: boolean }> {
  const rest = (await octokit.paginate(octokit.rest.pulls.listCommits, {
    owner: pull.owner,
    repo: pull.repo,
    pull_number: pull.number,
    per_page: 100,
  })) as RestCommit[];
  if (rest.length < REST_COMMIT_CAP) return { commits: rest.map(fromRest), complete: true };

  const commits: PullCommit[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const page: GraphCommitPage = await octokit.graphql(COMMITS_QUERY, { ...pull, cursor });
    const connection = page.repository?.pullRequest?.commits;
    if (!connection) throw new Error(`pull request ${pull.owner}/${pull.repo}#${pull.number} not found via GraphQL`);
    for (const node of connection.nodes) {
      if (!node) continue;
      const c = node.commit;
      if (seen.has(c.oid)) return { commits, complete: false };
      seen.add(c.oid);
      commits.push({
        sha: c.oid,
        message: c.message,
        author: { name: c.author?.name ?? "", email: c.author?.email ?? "", login: c.author?.user?.login ?? null },
        committer: {
          name: c.committer?.name ?? "",
          email: c.committer?.email ?? "",
          login: c.committer?.user?.login ?? null,
        },
        authoredAt: time(c.authoredDate),
      });
    }
    const next = connection.pageInfo.endCursor;
    if (!connection.pageInfo.hasNextPage) return { commits, complete: true };
    if (!next || next === cursor || commits.length >= MAX_PULL_COMMITS) return { commits, complete: false };
    cursor = next;
  }
}
