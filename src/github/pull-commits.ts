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
    committer: { name?: string; email?: string; date?: string } | null;
  };
  author: { login?: string } | null;
  committer: { login?: string } | null;
  parents?: Array<{ sha: string }>;
}

/** A commit as GitHub's GraphQL API gives it, with the fields GRAPH_COMMIT_FIELDS selects. */
export interface GraphCommit {
  oid: string;
  message: string;
  authoredDate: string | null;
  committedDate: string | null;
  author: GraphGitActor | null;
  committer: GraphGitActor | null;
}

interface GraphGitActor {
  name: string | null;
  email: string | null;
  user: { login: string } | null;
}

/** The fields of a GraphQL `Commit` that commitFromGraph reads. */
export const GRAPH_COMMIT_FIELDS =
  "oid message authoredDate committedDate author { name email user { login } } committer { name email user { login } }";

interface GraphCommitPage {
  repository: {
    pullRequest: {
      commits: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: Array<{ commit: GraphCommit & { parents?: { nodes: Array<{ oid: string } | null> } } } | null>;
      };
    } | null;
  } | null;
}

/**
 * Parents asked of each commit (a merge has two; an octopus merge in a pull request is rare enough
 * to be read by its first few). A nested connection: each page costs GitHub's rate limit 2 points.
 */
const GRAPH_PARENTS = 4;

const COMMITS_QUERY = `query ($owner: String!, $repo: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      commits(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { commit { ${GRAPH_COMMIT_FIELDS} parents(first: ${GRAPH_PARENTS}) { nodes { oid } } } }
      }
    }
  }
}`;

const time = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/**
 * GitHub's no-reply address, `<id>+<login>@users.noreply.github.com`: the id is the account's, the
 * login the one it had when the address was made.
 */
const NOREPLY = /^\d+\+([^@\s]+)@users\.noreply\.github\.com$/i;

/**
 * The login of a commit's author or committer as REST gives it. GraphQL's `GitActor.user` is a
 * `User`, so it is null for an app's bot account (`dependabot[bot]`, `claude[bot]`, `Copilot`),
 * which REST names; those commits carry the bot's no-reply address, which names it too. (For a
 * deleted account whose commits kept its no-reply address, REST gives no login and this one does.)
 */
function graphLogin(actor: GraphGitActor | null): string | null {
  if (actor?.user) return actor.user.login;
  return NOREPLY.exec(actor?.email ?? "")?.[1] ?? null;
}

/** The object ids of a GraphQL connection's nodes (`parents { nodes { oid } }`), nulls left out. */
export function oids(nodes: ReadonlyArray<{ oid: string } | null>): string[] {
  return nodes.filter((n) => n !== null).map((n) => n.oid);
}

/** A GraphQL commit in the shape REST's pulls.listCommits is read into (fromRest). */
export function commitFromGraph(c: GraphCommit): PullCommit {
  return {
    sha: c.oid,
    message: c.message,
    author: { name: c.author?.name ?? "", email: c.author?.email ?? "", login: graphLogin(c.author) },
    committer: { name: c.committer?.name ?? "", email: c.committer?.email ?? "", login: graphLogin(c.committer) },
    authoredAt: time(c.authoredDate),
    committedAt: time(c.committedDate),
  };
}

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
    committedAt: time(c.commit.committer?.date),
    ...(c.parents ? { parents: c.parents.map((p) => p.sha) } : {}),
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
      const c = commitFromGraph(node.commit);
      const parents = node.commit.parents?.nodes;
      if (parents) c.parents = oids(parents);
      if (seen.has(c.sha)) return { commits, complete: false };
      seen.add(c.sha);
      commits.push(c);
    }
    const next = connection.pageInfo.endCursor;
    if (!connection.pageInfo.hasNextPage) return { commits, complete: true };
    if (!next || next === cursor || commits.length >= MAX_PULL_COMMITS) return { commits, complete: false };
    cursor = next;
  }
}
