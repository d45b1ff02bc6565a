// An in-memory model of one repository on GitHub — commits with parents, pull requests,
// deployments with statuses, releases — served through nock, so that deployment scenarios can
// play webhooks in any order against consistent API answers. Every call is logged for budgets.
import nock from "nock";

export const API = "https://api.github.com";

export interface ModelCommit {
  sha: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; login: string | null };
  date: string;
}

export interface ModelPull {
  number: number;
  title: string;
  body: string | null;
  user: { login: string; type: string };
  head: { ref: string; sha: string };
  base: { ref: string };
  /** The PR's own commits (as listed by pulls.listCommits). */
  commits: string[];
  /** Files the PR touched (default: one source file). */
  files?: string[];
  /** For a rebase merge: the rebased copies on the base branch (GitHub associates them with the PR). */
  rebased?: string[];
  merged_at: string | null;
  merge_commit_sha: string | null;
  merged_by: { login: string } | null;
  created_at: string;
  labels: Array<{ name: string }>;
}

export interface ModelDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  created_at: string;
  statuses: Array<{ state: string; created_at: string }>;
}

type Reply = [number, unknown, Record<string, string>?];
type ReplyFn = (uri: string, body: unknown) => Reply;
/** The part of nock's interceptor chain the model uses, so it can also be recorded for HTTP serving. */
interface RouteSink {
  persist(): RouteSink;
  get(pattern: RegExp | string): RouteSink;
  post(pattern: RegExp | string): RouteSink;
  reply(fn: ReplyFn): RouteSink;
}

export class GitHubModel {
  readonly commits = new Map<string, ModelCommit>();
  readonly pulls = new Map<number, ModelPull>();
  readonly deployments: ModelDeployment[] = [];
  readonly releases: Array<{
    id: number;
    tag_name: string;
    sha: string;
    published_at: string;
    draft: boolean;
    prerelease: boolean;
  }> = [];
  readonly workflowRuns: Array<{
    id: number;
    head_sha: string;
    head_branch: string;
    updated_at: string;
    path: string;
  }> = [];
  /** Files on the default branch, by path (e.g. .github/shipledger.yml). */
  readonly files = new Map<string, string>();
  readonly calls: string[] = [];
  readonly checkRuns: Array<{ name: string; head_sha: string; output: { title: string; summary: string } }> = [];
  /** Compare answers 422 for these "base...head" pairs. */
  readonly tooLong = new Set<string>();
  #counter = 0;

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly repositoryId: number,
  ) {}

  commit(
    sha: string,
    parents: string[],
    message: string,
    author = { name: "Mona", email: "mona@example.com", login: "mona" },
  ) {
    this.#counter++;
    const date = new Date(Date.UTC(2026, 9, 1) + this.#counter * 60_000).toISOString();
    this.commits.set(sha, { sha, parents, message, author, date });
    return sha;
  }

  /** Commits reachable from `sha` (itself included). */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length) {
      const s = stack.pop() as string;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...(this.commits.get(s)?.parents ?? []));
    }
    return seen;
  }

  /** Oldest first (a topological order: parents before children). */
  #ordered(shas: Set<string>): ModelCommit[] {
    const out: ModelCommit[] = [];
    const done = new Set<string>();
    const visit = (sha: string) => {
      if (done.has(sha) || !shas.has(sha)) return;
      done.add(sha);
      for (const p of this.commits.get(sha)?.parents ?? []) visit(p);
      const c = this.commits.get(sha);
      if (c) out.push(c);
    };
    for (const sha of [...shas].sort()) visit(sha);
    return out;
  }

  compare(base: string, head: string) {
    const a = this.ancestors(base);
    const b = this.ancestors(head);
    const ahead = new Set([...b].filter((s) => !a.has(s)));
    const behind = new Set([...a].filter((s) => !b.has(s)));
    const status =
      ahead.size === 0 && behind.size === 0
        ? "identical"
        : behind.size === 0
          ? "ahead"
          : ahead.size === 0
            ? "behind"
            : "diverged";
    return { status, ahead_by: ahead.size, behind_by: behind.size, commits: this.#ordered(ahead) };
  }

  #restCommit(c: ModelCommit) {
    return {
      sha: c.sha,
      commit: { message: c.message, author: { name: c.author.name, email: c.author.email, date: c.date } },
      author: c.author.login ? { login: c.author.login } : null,
      committer: null,
      parents: c.parents.map((sha) => ({ sha })),
    };
  }

  #pullJson(p: ModelPull) {
    return { ...p, state: p.merged_at ? "closed" : "open", merged: Boolean(p.merged_at) };
  }

  /** The webhook payload GitHub sends when the pull request is merged. */
  closedEvent(number: number, installationId: number) {
    const p = this.pulls.get(number);
    if (!p) throw new Error(`no PR ${number}`);
    return {
      action: "closed",
      number,
      pull_request: this.#pullJson(p),
      repository: this.repositoryJson(),
      installation: { id: installationId },
    };
  }

  repositoryJson() {
    return {
      id: this.repositoryId,
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      default_branch: "main",
      owner: { login: this.owner, type: "Organization" },
      private: false,
    };
  }

  /** deployment_status webhook for a status of a modelled deployment. */
  statusEvent(
    id: number,
    state: string,
    installationId: number,
    over: { transient?: boolean; production?: boolean } = {},
  ) {
    const d = this.deployments.find((x) => x.id === id);
    if (!d) throw new Error(`no deployment ${id}`);
    const status = d.statuses.find((s) => s.state === state) ?? { state, created_at: d.created_at };
    return {
      action: "created",
      deployment_status: {
        id: id * 10,
        state,
        environment: d.environment,
        created_at: status.created_at,
        target_url: "",
        log_url: "",
      },
      deployment: {
        id,
        sha: d.sha,
        ref: d.ref,
        task: "deploy",
        environment: d.environment,
        original_environment: d.environment,
        transient_environment: over.transient ?? false,
        production_environment: over.production ?? false,
        created_at: d.created_at,
        updated_at: status.created_at,
      },
      repository: this.repositoryJson(),
      installation: { id: installationId },
    };
  }

  /** Mounts the model on nock (persisting), answering every route it knows. */
  mount(): nock.Scope {
    return this.#routes(nock(API).persist() as unknown as RouteSink) as unknown as nock.Scope;
  }

  /** Serves the model over real HTTP from a FakeGitHub (for end-to-end tests). */
  serve(fake: { fallback(handler: (method: string, uri: string, body: unknown) => Reply | null): void }): void {
    const routes: Array<{ method: string; pattern: RegExp | string; reply: ReplyFn }> = [];
    let method = "";
    let pattern: RegExp | string = "";
    const recorder: RouteSink = {
      persist: () => recorder,
      get: (p) => ((method = "GET"), (pattern = p), recorder),
      post: (p) => ((method = "POST"), (pattern = p), recorder),
      reply: (fn) => (routes.push({ method, pattern, reply: fn }), recorder),
    };
    this.#routes(recorder);
    fake.fallback((m, uri, body) => {
      const path = uri.split("?")[0] ?? "";
      const route = routes.find(
        (r) => r.method === m && (typeof r.pattern === "string" ? r.pattern === path : r.pattern.test(uri)),
      );
      return route ? route.reply(uri, body) : null;
    });
  }

  #routes(sink: RouteSink): RouteSink {
    const base = `/repos/${this.owner}/${this.repo}`;
    const log = (what: string) => this.calls.push(what);
    return sink
      .persist()
      .get(new RegExp(`^(${base}|/repos/${this.owner}/\\.github)/contents/`))
      .reply((uri) => {
        const [where, path = ""] = uri.split("?")[0]?.split("/contents/") ?? [];
        log(`GET config ${where}`);
        const file = where === base ? this.files.get(decodeURIComponent(path)) : undefined;
        return file === undefined
          ? [404, { message: "Not Found" }]
          : [200, file, { "content-type": "text/plain; charset=utf-8" }];
      })
      .get(new RegExp(`^${base}/releases`))
      .reply(() => {
        log("GET releases");
        return [
          200,
          [...this.releases].reverse().map((r) => ({
            ...r,
            html_url: `https://github.com/${this.owner}/${this.repo}/releases/tag/${r.tag_name}`,
          })),
        ];
      })
      .get(new RegExp(`^${base}/git/ref/tags(/|%2F)`))
      .reply((uri) => {
        const tag = decodeURIComponent(uri.split("/git/ref/")[1] ?? "").replace(/^tags\//, "");
        log(`GET git/ref/tags/${tag}`);
        const release = this.releases.find((r) => r.tag_name === tag);
        return release
          ? [200, { ref: `refs/tags/${tag}`, object: { type: "commit", sha: release.sha } }]
          : [404, { message: "Not Found" }];
      })
      .get(new RegExp(`^${base}/actions/workflows/[^/]+/runs`))
      .reply(() => {
        log("GET workflow runs");
        const runs = [...this.workflowRuns]
          .reverse()
          .map((r) => ({ ...r, status: "completed", conclusion: "success" }));
        return [200, { total_count: runs.length, workflow_runs: runs }];
      })
      .get(new RegExp(`^${base}/compare/([0-9a-f]+)\\.\\.\\.([0-9a-f]+)`))
      .reply((uri) => {
        const [, b, h] = /compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)/.exec(uri) ?? [];
        const page = Number(new URL(uri, API).searchParams.get("page") ?? 1);
        log(`GET compare ${b?.slice(0, 4)}...${h?.slice(0, 4)} p${page}`);
        if (this.tooLong.has(`${b}...${h}`))
          return [422, { message: "Server Error: Sorry, this diff is taking too long to generate." }];
        const result = this.compare(b as string, h as string);
        const slice = result.commits.slice((page - 1) * 250, page * 250);
        return [
          200,
          { ...result, total_commits: result.commits.length, commits: slice.map((c) => this.#restCommit(c)) },
        ];
      })
      .get(new RegExp(`^${base}/git/commits/([0-9a-f]{40})`))
      .reply((uri) => {
        const sha = /git\/commits\/([0-9a-f]{40})/.exec(uri)?.[1] ?? "";
        log(`GET git/commits/${sha.slice(-4)}`);
        const c = this.commits.get(sha);
        if (!c) return [404, { message: "Not Found" }];
        return [
          200,
          {
            sha,
            message: c.message,
            author: { name: c.author.name, email: c.author.email, date: c.date },
            parents: c.parents.map((p) => ({ sha: p })),
          },
        ];
      })
      .get(new RegExp(`^${base}/pulls/(\\d+)/commits`))
      .reply((uri) => {
        const n = Number(/pulls\/(\d+)\/commits/.exec(uri)?.[1]);
        log(`GET pulls/${n}/commits`);
        const p = this.pulls.get(n);
        if (!p) return [404, { message: "Not Found" }];
        return [200, p.commits.map((sha) => this.#restCommit(this.commits.get(sha) as ModelCommit))];
      })
      .get(new RegExp(`^${base}/pulls/(\\d+)/files`))
      .reply((uri) => {
        const n = Number(/pulls\/(\d+)\/files/.exec(uri)?.[1]);
        log(`GET pulls/${n}/files`);
        const p = this.pulls.get(n);
        return p
          ? [200, (p.files ?? ["src/index.ts"]).map((filename) => ({ filename }))]
          : [404, { message: "Not Found" }];
      })
      .get(new RegExp(`^${base}/pulls/(\\d+)$`))
      .reply((uri) => {
        const n = Number(/pulls\/(\d+)$/.exec(uri)?.[1]);
        log(`GET pulls/${n}`);
        const p = this.pulls.get(n);
        return p ? [200, this.#pullJson(p)] : [404, { message: "Not Found" }];
      })
      .post("/graphql")
      .reply((_uri, body) => {
        const { query, variables } = body as { query: string; variables: Record<string, string | null> };
        if (query.includes("history(")) {
          log(`POST graphql history${variables.since ? "" : " (probe)"}`);
          const baseDate = this.commits.get(variables.base as string)?.date ?? null;
          const nodes = this.#ordered(this.ancestors(variables.head as string))
            .filter((c) => !variables.since || c.date >= (variables.since as string))
            .reverse()
            .map((c) => ({
              oid: c.sha,
              message: c.message,
              authoredDate: c.date,
              author: {
                name: c.author.name,
                email: c.author.email,
                user: c.author.login ? { login: c.author.login } : null,
              },
              parents: { nodes: c.parents.map((oid) => ({ oid })) },
            }));
          return [
            200,
            {
              data: {
                repository: {
                  base: baseDate ? { committedDate: baseDate } : null,
                  head: { history: { pageInfo: { hasNextPage: false, endCursor: "end" }, nodes } },
                },
              },
            },
          ];
        }
        const shas = [...query.matchAll(/object\(oid: "([0-9a-f]{40})"\)/g)].map((m) => m[1] as string);
        log(`POST graphql associatedPullRequests ×${shas.length}`);
        const repository: Record<string, unknown> = {};
        shas.forEach((sha, i) => {
          const nodes = [...this.pulls.values()]
            .filter((p) => p.commits.includes(sha) || p.rebased?.includes(sha) || p.merge_commit_sha === sha)
            .map((p) => ({
              number: p.number,
              merged: Boolean(p.merged_at),
              mergeCommit: p.merge_commit_sha ? { oid: p.merge_commit_sha } : null,
              baseRefName: p.base.ref,
            }));
          repository[`c${i}`] = { oid: sha, associatedPullRequests: { nodes } };
        });
        return [200, { data: { repository } }];
      })
      .get(new RegExp(`^${base}/deployments/(\\d+)/statuses`))
      .reply((uri) => {
        const id = Number(/deployments\/(\d+)\/statuses/.exec(uri)?.[1]);
        log(`GET deployments/${id}/statuses`);
        return [200, this.deployments.find((d) => d.id === id)?.statuses ?? []];
      })
      .get(new RegExp(`^${base}/deployments`))
      .reply((uri) => {
        const env = new URL(uri, API).searchParams.get("environment");
        log(`GET deployments?environment=${env}`);
        const list = this.deployments
          .filter((d) => !env || d.environment === env)
          .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
        return [
          200,
          list.map((d) => ({ id: d.id, sha: d.sha, ref: d.ref, environment: d.environment, created_at: d.created_at })),
        ];
      })
      .post(`${base}/check-runs`)
      .reply((_uri, body) => {
        const run = body as { name: string; head_sha: string; output: { title: string; summary: string } };
        log(`POST check-runs ${run.name}`);
        this.checkRuns.push(run);
        return [201, { id: this.checkRuns.length, ...run }];
      });
  }
}
