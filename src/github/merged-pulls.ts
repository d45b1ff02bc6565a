// A repository's merged pull requests, a page at a time, for a history backfill: one GraphQL query
// answers a page of pull requests with their commits, merge commit and (when asked) files, where
// REST needs a list page plus several calls per pull request. Each is shaped as REST gives it, so
// that the use cases record from it what they record from REST or a webhook.
//
// Shapes differ between the two APIs, and the differences are mapped here:
// - an app's bot is `__typename: "Bot"` with its login *without* `[bot]` (`dependabot`), where
//   REST says `dependabot[bot]`, type "Bot"; the Copilot coding agent is `copilot-swe-agent`
//   there, where REST says `Copilot`;
// - a deleted author is `author: null`, where REST gives GitHub's placeholder account, `ghost`;
// - an empty description is `body: ""`, where REST gives null;
// - a commit's author account is a `User`, null for a bot (see commitFromGraph).

import type { ProbotOctokit } from "probot";
import type { PullRequestLike } from "../changes/from-pull.js";
import {
  commitFromGraph,
  GRAPH_COMMIT_FIELDS,
  type GraphCommit,
  MAX_PULL_COMMITS,
  oids,
  type PullCommit,
} from "./pull-commits.js";

export interface MergedPull {
  /** The PR in the REST shape the rest of the app reads (PullRequestLike from src/changes/from-pull.ts) plus updated_at. */
  pull: PullRequestLike & { updated_at: string };
  /** Its commits, oldest first, every page of them (up to MAX_PULL_COMMITS, as listPullCommits does), in the PullCommit shape listPullCommits returns. */
  commits: PullCommit[];
  /** The merge commit as recordMergedPull needs it (null when GitHub gives none). */
  mergeCommit: { sha: string; parents: string[]; message: string; authorDate: string | null } | null;
  /** Files touched, only when asked (withFiles), capped like record-merge's listPullFiles (300). */
  files?: { paths: string[]; complete: boolean };
}

export interface MergedPullPage {
  /** Every merged PR of the page (the caller filters by merged_at). */
  pulls: MergedPull[];
  endCursor: string | null;
  hasNextPage: boolean;
  /** updated_at (ms) of the page's last (oldest-updated) PR, null for an empty page. */
  oldestUpdatedAt: number | null;
  /**
   * GitHub's rateLimit { cost remaining resetAt limit } of the page's query, when given: `cost` is the
   * points of all the page's queries (follow-ups included), the rest as the last of them left it.
   */
  rateLimit: { cost: number; remaining: number; limit: number; resetAt: number } | null;
  /** HTTP requests this page cost (the page + any follow-ups for long commit lists or files). */
  requests: number;
}

/**
 * Pull requests a page by default. Each brings up to 100 commits with their whole messages and
 * 100 files: 100 keep a page far below GitHub's 500,000-node limit (about 26,000 nodes) and cost
 * 6 to 7 points (the files one, the first commit with its parents two); a page that GitHub's
 * ten-second timeout cuts is asked again smaller.
 */
export const DEFAULT_PAGE_SIZE = 100;
/** A page GitHub times out on is asked again at half the size, up to this many times (100 → 13). */
const MAX_HALVINGS = 3;
/** Files read per pull request, as record-merge's listPullFiles reads them (3 pages of 100). */
export const MAX_PULL_FILES = 300;
/** Pull requests whose further commits or files one follow-up query reads. */
const FOLLOW_UP_BATCH = 50;

type GraphActor = { __typename: string; login: string } | null;

interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: Array<T | null>;
}

interface GraphPull {
  number: number;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  headRefName: string;
  headRefOid: string;
  baseRefName: string;
  author: GraphActor;
  mergedBy: GraphActor;
  assignees: { nodes: Array<{ login: string } | null> };
  labels: { nodes: Array<{ name: string } | null> } | null;
  mergeCommit: {
    oid: string;
    message: string;
    authoredDate: string | null;
    parents: { nodes: Array<{ oid: string } | null> };
  } | null;
  commits: Connection<{ commit: GraphCommit }>;
  /** The first commit again, with its parents (FIRST_PARENTS). */
  firstCommit?: {
    nodes: Array<{ commit: { oid: string; parents: { nodes: Array<{ oid: string } | null> } } } | null>;
  } | null;
  files?: Connection<{ path: string }> | null;
}

interface GraphRateLimit {
  cost: number;
  remaining: number;
  limit: number;
  resetAt: string;
}

interface PageAnswer {
  repository: { pullRequests: Connection<GraphPull> } | null;
  rateLimit?: GraphRateLimit | null;
}

const COMMITS = `pageInfo { hasNextPage endCursor } nodes { commit { ${GRAPH_COMMIT_FIELDS} } }`;
/**
 * The parents of a pull request's first commit: the commit its branch was made from, at which an
 * Agent Trace hook may have written the record of that first commit (repository-records.ts). The
 * others are taken as a linear branch; asking every commit's parents would cost GitHub's rate limit
 * a point per pull request, this a point per fifty.
 */
const FIRST_PARENTS = "firstCommit: commits(first: 1) { nodes { commit { oid parents(first: 2) { nodes { oid } } } } }";
const FILES = "pageInfo { hasNextPage endCursor } nodes { path }";
const RATE_LIMIT = "rateLimit { cost remaining limit resetAt }";

function pageQuery(withFiles: boolean): string {
  return `query ($owner: String!, $repo: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $repo) {
    pullRequests(states: MERGED, orderBy: {field: UPDATED_AT, direction: DESC}, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number title body createdAt updatedAt mergedAt headRefName headRefOid baseRefName
        author { __typename login }
        mergedBy { __typename login }
        assignees(first: 10) { nodes { login } }
        labels(first: 100) { nodes { name } }
        mergeCommit { oid message authoredDate parents(first: 2) { nodes { oid } } }
        commits(first: 100) { ${COMMITS} }
        ${FIRST_PARENTS}${withFiles ? `\n        files(first: 100) { ${FILES} }` : ""}
      }
    }
  }
  ${RATE_LIMIT}
}`;
}

/** What a pull request of the page still needs after its first 100 commits (and files). */
interface Pending {
  number: number;
  commits: { cursor: string } | null;
  files: { cursor: string } | null;
}

/**
 * One query for the further commits and files of several pull requests: an alias per pull
 * request (`p0: pullRequest(number: $n0) { commits(first: 100, after: $c0) … files(…, after: $f0) }`).
 */
function followUpQuery(pending: readonly Pending[]): { query: string; variables: Record<string, string | number> } {
  const declared: string[] = [];
  const blocks: string[] = [];
  const variables: Record<string, string | number> = {};
  pending.forEach((p, i) => {
    declared.push(`$n${i}: Int!`);
    variables[`n${i}`] = p.number;
    const parts: string[] = [];
    if (p.commits) {
      declared.push(`$c${i}: String`);
      variables[`c${i}`] = p.commits.cursor;
      parts.push(`commits(first: 100, after: $c${i}) { ${COMMITS} }`);
    }
    if (p.files) {
      declared.push(`$f${i}: String`);
      variables[`f${i}`] = p.files.cursor;
      parts.push(`files(first: 100, after: $f${i}) { ${FILES} }`);
    }
    blocks.push(`    p${i}: pullRequest(number: $n${i}) { ${parts.join(" ")} }`);
  });
  const query = `query ($owner: String!, $repo: String!, ${declared.join(", ")}) {
  repository(owner: $owner, name: $repo) {
${blocks.join("\n")}
  }
  ${RATE_LIMIT}
}`;
  return { query, variables };
}

/** Bots REST names by a display name instead of their app's slug (GraphQL's login). */
const REST_BOT_LOGINS: Record<string, string> = { "copilot-swe-agent": "Copilot" };

/**
 * A GraphQL actor as REST names it: a bot's login with its `[bot]` (the Copilot coding agent:
 * `Copilot`), GitHub's `ghost` for a deleted account.
 */
function restUser(actor: GraphActor): { login: string; type: string } {
  if (actor === null) return { login: "ghost", type: "User" };
  if (actor.__typename === "Bot") return { login: REST_BOT_LOGINS[actor.login] ?? `${actor.login}[bot]`, type: "Bot" };
  return { login: actor.login, type: actor.__typename };
}

function restPull(p: GraphPull): MergedPull["pull"] {
  return {
    number: p.number,
    title: p.title,
    body: p.body === "" ? null : p.body,
    state: "closed",
    merged: p.mergedAt !== null,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommit?.oid ?? null,
    // REST's merged_by may be null; no placeholder account is invented for it.
    merged_by: p.mergedBy === null ? null : { login: restUser(p.mergedBy).login },
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    user: restUser(p.author),
    assignees: p.assignees.nodes.filter((a) => a !== null).map((a) => ({ login: a.login })),
    labels: (p.labels?.nodes ?? []).filter((l) => l !== null).map((l) => ({ name: l.name })),
    head: { ref: p.headRefName, sha: p.headRefOid },
    base: { ref: p.baseRefName },
  };
}

/** A pull request being assembled: its commits and files as read so far, and what is left to read. */
class Assembly {
  readonly commits: PullCommit[] = [];
  readonly #seen = new Set<string>();
  readonly paths: string[] = [];
  commitCursor: string | null = null;
  fileCursor: string | null = null;
  filesComplete = true;

  constructor(readonly number: number) {}

  addCommits(connection: Connection<{ commit: GraphCommit }>): void {
    const before = this.commitCursor;
    this.commitCursor = null;
    for (const node of connection.nodes) {
      if (!node) continue;
      const commit = commitFromGraph(node.commit);
      // As listPullCommits: a commit seen twice means the cursor went round; stop there.
      if (this.#seen.has(commit.sha)) return;
      this.#seen.add(commit.sha);
      this.commits.push(commit);
    }
    const next = connection.pageInfo.endCursor;
    if (connection.pageInfo.hasNextPage && next && next !== before && this.commits.length < MAX_PULL_COMMITS) {
      this.commitCursor = next;
    }
  }

  addFiles(connection: Connection<{ path: string }> | null | undefined): void {
    if (!connection) return;
    const before = this.fileCursor;
    this.fileCursor = null;
    for (const node of connection.nodes) if (node && this.paths.length < MAX_PULL_FILES) this.paths.push(node.path);
    const next = connection.pageInfo.endCursor;
    const more = connection.pageInfo.hasNextPage;
    if (more && next && next !== before && this.paths.length < MAX_PULL_FILES) this.fileCursor = next;
    else this.filesComplete = !more;
  }

  pending(): Pending | null {
    if (this.commitCursor === null && this.fileCursor === null) return null;
    return {
      number: this.number,
      commits: this.commitCursor === null ? null : { cursor: this.commitCursor },
      files: this.fileCursor === null ? null : { cursor: this.fileCursor },
    };
  }
}

/** True for the answers GitHub gives a query that took too long: worth asking again for less. */
function isTimeout(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  if (status === 502 || status === 504) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /timed? ?out|timeout|something went wrong while executing your query/i.test(message);
}

const toRateLimit = (r: GraphRateLimit | null | undefined): MergedPullPage["rateLimit"] =>
  r ? { cost: r.cost, remaining: r.remaining, limit: r.limit, resetAt: Date.parse(r.resetAt) } : null;

/**
 * One page of the repository's merged pull requests, most recently updated first, each with all its
 * commits (up to MAX_PULL_COMMITS), its merge commit and, with `withFiles`, its files (up to 300).
 * Pull requests with more than 100 commits or files are completed by follow-up queries, one for the
 * whole page at a time. A page that GitHub times out on (502, 504, or a timeout error) is asked
 * once more at half the size; the smaller page's cursor continues from there.
 */
export async function readMergedPullPage(
  octokit: ProbotOctokit,
  args: { owner: string; repo: string; after: string | null; pageSize?: number; withFiles: boolean },
): Promise<MergedPullPage> {
  const { owner, repo, withFiles } = args;
  let first = Math.max(1, Math.min(100, args.pageSize ?? DEFAULT_PAGE_SIZE));
  let requests = 0;
  let answer: PageAnswer;
  for (;;) {
    requests++;
    try {
      answer = await octokit.graphql<PageAnswer>(pageQuery(withFiles), { owner, repo, first, after: args.after });
      break;
    } catch (error) {
      if (requests > MAX_HALVINGS || first === 1 || !isTimeout(error)) throw error;
      first = Math.ceil(first / 2);
    }
  }
  const connection = answer.repository?.pullRequests;
  if (!connection) throw new Error(`repository ${owner}/${repo} not found via GraphQL`);
  const rateLimit = toRateLimit(answer.rateLimit);

  const nodes = connection.nodes.filter((n): n is GraphPull => n !== null);
  const assemblies = nodes.map((node) => {
    const a = new Assembly(node.number);
    a.addCommits(node.commits);
    const first = node.firstCommit?.nodes[0]?.commit;
    const oldest = a.commits[0];
    if (first && oldest?.sha === first.oid) oldest.parents = oids(first.parents.nodes);
    if (withFiles) a.addFiles(node.files);
    return a;
  });

  for (;;) {
    const pending = assemblies.map((a) => a.pending()).filter((p): p is Pending => p !== null);
    if (pending.length === 0) break;
    for (let start = 0; start < pending.length; start += FOLLOW_UP_BATCH) {
      const batch = pending.slice(start, start + FOLLOW_UP_BATCH);
      const { query, variables } = followUpQuery(batch);
      requests++;
      const more = await octokit.graphql<{
        repository: Record<string, Pick<GraphPull, "commits" | "files"> | null> | null;
        rateLimit?: GraphRateLimit | null;
      }>(query, { owner, repo, ...variables });
      const spent = toRateLimit(more.rateLimit);
      if (rateLimit && spent) Object.assign(rateLimit, { ...spent, cost: rateLimit.cost + spent.cost });
      batch.forEach((p, i) => {
        const a = assemblies.find((x) => x.number === p.number) as Assembly;
        const pull = more.repository?.[`p${i}`];
        if (!pull) throw new Error(`pull request ${owner}/${repo}#${p.number} not found via GraphQL`);
        if (p.commits) a.addCommits(pull.commits);
        if (p.files) a.addFiles(pull.files);
      });
    }
  }

  const pulls = nodes.map((node, i): MergedPull => {
    const a = assemblies[i] as Assembly;
    const merge = node.mergeCommit;
    return {
      pull: restPull(node),
      commits: a.commits,
      mergeCommit: merge
        ? {
            sha: merge.oid,
            parents: oids(merge.parents.nodes),
            message: merge.message,
            authorDate: merge.authoredDate,
          }
        : null,
      ...(withFiles ? { files: { paths: a.paths, complete: a.filesComplete } } : {}),
    };
  });
  const last = nodes.at(-1);
  return {
    pulls,
    endCursor: connection.pageInfo.endCursor,
    hasNextPage: connection.pageInfo.hasNextPage,
    oldestUpdatedAt: last ? Date.parse(last.updatedAt) : null,
    rateLimit,
    requests,
  };
}
