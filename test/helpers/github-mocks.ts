// nock scaffolding for the GitHub REST and GraphQL calls Shipledger makes, with a request log
// so that tests can assert the API budget.
import nock from "nock";
import { contentsFile } from "../../src/demo/github-model.js";

export const API = "https://api.github.com";

export interface Identity {
  name: string;
  email: string;
  login?: string | null;
}

export interface FakeCommit {
  sha: string;
  message: string;
  author?: Identity;
  committer?: Identity;
  date?: string;
}

export const mona: Identity = { name: "Mona Lisa", email: "mona@example.com", login: "mona" };

export function restCommit(c: FakeCommit) {
  const author = c.author ?? mona;
  const committer = c.committer ?? author;
  return {
    sha: c.sha,
    commit: {
      message: c.message,
      author: { name: author.name, email: author.email, date: c.date ?? "2026-11-20T10:00:00Z" },
      committer: { name: committer.name, email: committer.email, date: c.date ?? "2026-11-20T10:00:00Z" },
    },
    author: author.login ? { login: author.login, type: author.login.endsWith("[bot]") ? "Bot" : "User" } : null,
    committer: committer.login ? { login: committer.login } : null,
  };
}

export function graphCommit(c: FakeCommit) {
  const author = c.author ?? mona;
  const committer = c.committer ?? author;
  return {
    commit: {
      oid: c.sha,
      message: c.message,
      authoredDate: c.date ?? "2026-11-20T10:00:00Z",
      committedDate: c.date ?? "2026-11-20T10:00:00Z",
      author: { name: author.name, email: author.email, user: author.login ? { login: author.login } : null },
      committer: {
        name: committer.name,
        email: committer.email,
        user: committer.login ? { login: committer.login } : null,
      },
    },
  };
}

export const sha = (n: number) => n.toString(16).padStart(40, "0");

/** Records every request that reaches a mock, as "METHOD /path". */
export class ApiLog {
  readonly calls: string[] = [];
  record(method: string, path: string) {
    this.calls.push(`${method} ${path.split("?")[0]}`);
  }
  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}

export interface PullMocks {
  scope: nock.Scope;
  log: ApiLog;
  /** Bodies of check runs created or updated. */
  checks: Array<{ method: "POST" | "PATCH"; body: Record<string, unknown> }>;
}

export function githubMock(log = new ApiLog()): PullMocks {
  const scope = nock(API);
  return { scope, log, checks: [] };
}

const CONFIG = ".github/shipledger.yml";

/** `.github/shipledger.yml` of the repository, then of the owner's `.github` repository. */
export function mockConfig(m: PullMocks, owner: string, repo: string, files: { repo?: string; org?: string } = {}) {
  m.scope.get(`/repos/${owner}/${repo}/contents/.github%2Fshipledger.yml`).reply(() => {
    m.log.record("GET", `/repos/${owner}/${repo}/contents/.github/shipledger.yml`);
    return files.repo === undefined ? [404, { message: "Not Found" }] : [200, contentsFile(CONFIG, files.repo)];
  });
  // The organisation's file is read when the repository has none, or its own says `inherit`.
  if (files.repo !== undefined && files.org === undefined) return;
  m.scope.get(`/repos/${owner}/.github/contents/.github%2Fshipledger.yml`).reply(() => {
    m.log.record("GET", `/repos/${owner}/.github/contents/.github/shipledger.yml`);
    return files.org === undefined ? [404, { message: "Not Found" }] : [200, contentsFile(CONFIG, files.org)];
  });
}

/** pulls.listCommits, 100 a page with Link headers, capped at 250 like GitHub's REST API. */
export function mockPullCommits(
  m: PullMocks,
  owner: string,
  repo: string,
  number: number,
  commits: FakeCommit[],
  options: { agentRecords?: boolean } = {},
) {
  const capped = commits.slice(0, 250);
  const pages = Math.max(1, Math.ceil(capped.length / 100));
  const path = `/repos/${owner}/${repo}/pulls/${number}/commits`;
  for (let page = 1; page <= pages; page++) {
    const query = page === 1 ? { per_page: "100" } : { per_page: "100", page: String(page) };
    m.scope
      .get(path)
      .query(query)
      .reply(() => {
        m.log.record("GET", path);
        const headers: Record<string, string> =
          page < pages ? { link: `<${API}${path}?per_page=100&page=${page + 1}>; rel="next"` } : {};
        return [200, capped.slice((page - 1) * 100, page * 100).map(restCommit), headers];
      });
  }
  // Then the check reads the pull request's agent records; a repository has none unless a test says.
  if (options.agentRecords !== false) mockNoAgentRecords(m, owner, repo);
}

/**
 * The pull request's agent records when the repository has none: no notes refs, no
 * .agent-trace/traces.jsonl at the head (src/github/agent-records.ts; two calls).
 */
export function mockNoAgentRecords(m: PullMocks, owner: string, repo: string) {
  const refs = `/repos/${owner}/${repo}/git/matching-refs/notes/`;
  m.scope.get(`/repos/${owner}/${repo}/git/matching-refs/notes%2F`).reply(() => {
    m.log.record("GET", refs);
    return [200, []];
  });
  const traces = `/repos/${owner}/${repo}/contents/.agent-trace%2Ftraces.jsonl`;
  m.scope
    .get(traces)
    .query(true)
    .reply(() => {
      m.log.record("GET", `/repos/${owner}/${repo}/contents/.agent-trace/traces.jsonl`);
      return [404, { message: "Not Found" }];
    });
}

/** The GraphQL continuation for pull requests over REST's 250-commit cap. */
export function mockGraphCommits(m: PullMocks, commits: FakeCommit[]) {
  const pages = Math.ceil(commits.length / 100);
  for (let page = 0; page < pages; page++) {
    m.scope
      .post("/graphql", (body: { variables?: { cursor?: string | null } }) => {
        const cursor = body.variables?.cursor ?? null;
        return cursor === (page === 0 ? null : `cursor-${page}`);
      })
      .reply(() => {
        m.log.record("POST", "/graphql");
        const last = page === pages - 1;
        return [
          200,
          {
            data: {
              repository: {
                pullRequest: {
                  commits: {
                    pageInfo: { hasNextPage: !last, endCursor: last ? `cursor-end` : `cursor-${page + 1}` },
                    nodes: commits.slice(page * 100, (page + 1) * 100).map(graphCommit),
                  },
                },
              },
            },
          },
        ];
      });
  }
}

export function mockExistingRuns(m: PullMocks, owner: string, repo: string, ref: string, runs: unknown[] = []) {
  const path = `/repos/${owner}/${repo}/commits/${ref}/check-runs`;
  m.scope
    .get(path)
    .query(true)
    .reply(() => {
      m.log.record("GET", path);
      return [200, { total_count: runs.length, check_runs: runs }];
    });
}

export function mockCheckCreate(m: PullMocks, owner: string, repo: string) {
  const path = `/repos/${owner}/${repo}/check-runs`;
  m.scope.post(path).reply((_uri, body) => {
    m.log.record("POST", path);
    m.checks.push({ method: "POST", body: body as Record<string, unknown> });
    return [201, { id: 555, ...(body as object) }];
  });
}

export function mockCheckUpdate(m: PullMocks, owner: string, repo: string, id: number) {
  const path = `/repos/${owner}/${repo}/check-runs/${id}`;
  m.scope.patch(path).reply((_uri, body) => {
    m.log.record("PATCH", path);
    m.checks.push({ method: "PATCH", body: body as Record<string, unknown> });
    return [200, { id, ...(body as object) }];
  });
}
