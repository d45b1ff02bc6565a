// An in-memory model of one repository on GitHub — commits with parents, pull requests,
// deployments with statuses, releases, workflow runs, files and check runs — answering the REST
// and GraphQL routes Shipledger uses, so that a history can be played as webhooks in any order
// against consistent API answers. Every call is logged (for API budgets in tests).
//
// The routes are data (`routes()`): the demo serves them over HTTP from a FakeGitHub (`serve`),
// and the tests mount the same table on nock (test/helpers/github-model.ts).
import { createHash } from "node:crypto";

/** A reply: status, body, headers. */
export type Reply = [number, unknown, Record<string, string>?];

export interface ModelRoute {
  method: "GET" | "POST" | "PATCH";
  /** A string is the exact path; a RegExp is tested against the path with its query string. */
  pattern: RegExp | string;
  /** Null: not this model's (another repository's GraphQL query), let the next answer. */
  reply(uri: string, body: unknown): Reply | null;
}

/** Over this many bytes, GitHub's contents API gives a file's size and blob sha, not its content. */
const CONTENTS_INLINE_BYTES = 1024 * 1024;

/** A blob's git object id, as GitHub names it. */
export function blobSha(bytes: Buffer): string {
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * A file as GitHub's contents API describes it by default (JSON: its size, its blob sha, its
 * content in base64; over 1 MB, no content and the encoding "none": the blob has it).
 */
export function contentsFile(path: string, text: string) {
  const bytes = Buffer.from(text, "utf8");
  const inline = bytes.length <= CONTENTS_INLINE_BYTES;
  return {
    type: "file",
    name: path.split("/").at(-1),
    path,
    sha: blobSha(bytes),
    size: bytes.length,
    encoding: inline ? "base64" : "none",
    content: inline ? bytes.toString("base64").replace(/.{60}/g, "$&\n") : "",
  };
}

export interface ModelCommit {
  sha: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; login: string | null };
  /** The author's date. */
  date: string;
  /** The committer's date, when it is not the author's (a rebased or cherry-picked commit). */
  committedDate?: string;
}

export interface ModelPull {
  number: number;
  title: string;
  body: string | null;
  user: { login: string; type: string };
  head: { ref: string; sha: string };
  /** The base branch, and its tip when the model says (GitHub's `base.sha`). */
  base: { ref: string; sha?: string };
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
  assignees?: Array<{ login: string }>;
  /**
   * Its commits are gone (a head branch force-pushed or deleted after the merge): REST's commit
   * list answers 404 and GraphQL's is empty, as GitHub does for some such pull requests.
   */
  commitsGone?: boolean;
  /** "closed" for a pull request closed without merging (a merged one is closed anyway). */
  state?: "open" | "closed";
  closed_at?: string | null;
}

export interface ModelDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  created_at: string;
  statuses: Array<{ state: string; created_at: string }>;
}

export interface ModelRelease {
  id: number;
  tag_name: string;
  sha: string;
  /** Null for a draft. */
  published_at: string | null;
  draft: boolean;
  prerelease: boolean;
  /** The branch (or sha) the tag was created from; default "main". */
  target_commitish?: string;
  /** GitHub's created_at (the listing's order); default published_at. */
  created_at?: string;
}

/** A workflow run as its latest attempt left it; earlier attempts in `attempts`. */
export interface ModelWorkflowRun {
  id: number;
  head_sha: string;
  head_branch: string;
  /** When the latest attempt completed. */
  updated_at: string;
  path: string;
  /** The workflow's name; default "Deploy". */
  name?: string;
  /** What triggered it; default "push". */
  event?: string;
  /** The latest attempt's conclusion; default "success". */
  conclusion?: string;
  /** When the run was created (its first attempt); default updated_at. */
  created_at?: string;
  /** Attempts 1…N-1 of a re-run, oldest first (the latest is the run itself). */
  attempts?: Array<{ conclusion: string; updated_at: string }>;
}

export interface ModelCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status?: string;
  conclusion?: string | null;
  output: { title: string; summary: string };
  app: { id: number } | null;
}

/** Only for parsing query strings. */
const ORIGIN = "https://api.github.com";

/** Bots REST names by a display name, and their login in GraphQL (the app's slug). */
const GRAPH_BOT_LOGINS: Record<string, string> = { Copilot: "copilot-swe-agent" };

export class GitHubModel {
  readonly commits = new Map<string, ModelCommit>();
  readonly pulls = new Map<number, ModelPull>();
  readonly deployments: ModelDeployment[] = [];
  readonly releases: ModelRelease[] = [];
  readonly workflowRuns: ModelWorkflowRun[] = [];
  /** Branch tips by name (the GraphQL history of a branch starts there). */
  readonly branches = new Map<string, string>();
  /** Tags by name → the commit they point at (its files in `filesAt`). */
  readonly tags = new Map<string, string>();
  /** Files on the default branch, by path (e.g. .github/shipledger.yml). */
  readonly files = new Map<string, string>();
  /** Files at a commit that differ from `files` (contents `?ref=<sha>`): commit sha → path → text. */
  readonly filesAt = new Map<string, Map<string, string>>();
  /**
   * Notes refs (`refs/notes/ai`, `refs/notes/agent-trace`): annotated commit sha → note text,
   * served through the Git Data API (matching-refs, commits, trees, blobs) as GitHub serves a
   * pushed notes ref. With `notesFanout`, notes sit in `ab/cdef…` subtrees, as git stores many.
   */
  readonly notes = new Map<string, Map<string, string>>();
  notesFanout = false;
  /** Files on the default branch of the owner's `.github` repository (the organisation-wide config). */
  readonly organisationFiles = new Map<string, string>();
  readonly calls: string[] = [];
  readonly checkRuns: ModelCheckRun[] = [];
  /** Compare answers 422 for these "base...head" pairs. */
  readonly tooLong = new Set<string>();
  /** Commits GitHub no longer has (garbage-collected after a force-push): compare answers 404. */
  readonly gone = new Set<string>();
  /** The GitHub App that creates the check runs (GitHub stamps each run with its app). */
  appId: number | null = null;
  /** The owner's GitHub account id (every delivery's repository.owner.id, and its installation's account). */
  ownerId = 9_100_001;
  /**
   * The GraphQL points budget of the hour (an installation's 5,000): every query is charged its cost
   * as GitHub computes it (#graphqlCost); an empty budget answers RATE_LIMITED.
   */
  readonly graphqlRateLimit = { limit: 5_000, remaining: 5_000, used: 0, resetAt: "2026-11-02T10:00:00Z" };
  #counter = 0;

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly repositoryId: number,
  ) {}

  /** Adds a commit; without `date`, commits are a minute apart from 2026-10-01 in creation order; `committedDate` when the committer's is not the author's. */
  commit(
    sha: string,
    parents: string[],
    message: string,
    author: ModelCommit["author"] = { name: "Mona", email: "mona@example.com", login: "mona" },
    date?: string,
    committedDate?: string,
  ) {
    this.#counter++;
    const at = date ?? new Date(Date.UTC(2026, 9, 1) + this.#counter * 60_000).toISOString();
    this.commits.set(sha, { sha, parents, message, author, date: at, ...(committedDate ? { committedDate } : {}) });
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

  /** A file of the repository as the blob `sha` (GitHub's Git Data API), if one is it. */
  #fileBlob(sha: string) {
    for (const text of [...this.files.values(), ...[...this.filesAt.values()].flatMap((m) => [...m.values()])]) {
      const bytes = Buffer.from(text, "utf8");
      if (blobSha(bytes) === sha) {
        return {
          kind: "blobs" as const,
          body: { sha, size: bytes.length, encoding: "base64", content: bytes.toString("base64") },
        };
      }
    }
    return undefined;
  }

  /** The notes refs as git objects: each ref's commit, its trees and its note blobs, by sha. */
  #notesObjects() {
    const hash = (text: string) => createHash("sha1").update(text).digest("hex");
    const objects = new Map<string, { kind: "commits" | "trees" | "blobs"; body: unknown }>();
    const refs = new Map<string, string>();
    const tree = (entries: { path: string; type: "blob" | "tree"; sha: string; size?: number }[]) => {
      const sha = hash(`tree ${JSON.stringify(entries)}`);
      const body = {
        sha,
        truncated: false,
        tree: entries.map((e) => ({ ...e, mode: e.type === "tree" ? "040000" : "100644" })),
      };
      objects.set(sha, { kind: "trees", body });
      return sha;
    };
    for (const [ref, notes] of this.notes) {
      const top: { path: string; type: "blob" | "tree"; sha: string; size?: number }[] = [];
      const fanned = new Map<string, { path: string; type: "blob"; sha: string; size: number }[]>();
      for (const [commit, text] of [...notes].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const bytes = Buffer.from(text);
        const sha = hash(`blob ${bytes.length}\0${text}`);
        objects.set(sha, {
          kind: "blobs",
          body: { sha, size: bytes.length, encoding: "base64", content: bytes.toString("base64") },
        });
        // GitHub gives a blob entry's size.
        if (!this.notesFanout) top.push({ path: commit, type: "blob", sha, size: bytes.length });
        else {
          const dir = fanned.get(commit.slice(0, 2)) ?? [];
          dir.push({ path: commit.slice(2), type: "blob", sha, size: bytes.length });
          fanned.set(commit.slice(0, 2), dir);
        }
      }
      for (const [dir, entries] of fanned) top.push({ path: dir, type: "tree", sha: tree(entries) });
      const treeSha = tree(top);
      const commitSha = hash(`commit ${ref} ${treeSha}`);
      objects.set(commitSha, {
        kind: "commits",
        body: { sha: commitSha, tree: { sha: treeSha }, parents: [], message: "Notes added by 'git notes add'" },
      });
      refs.set(ref, commitSha);
    }
    return { refs, objects };
  }

  #restCommit(c: ModelCommit) {
    return {
      sha: c.sha,
      commit: {
        message: c.message,
        author: { name: c.author.name, email: c.author.email, date: c.date },
        committer: { date: c.committedDate ?? c.date },
      },
      author: c.author.login ? { login: c.author.login } : null,
      committer: null,
      parents: c.parents.map((sha) => ({ sha })),
    };
  }

  #pullJson(p: ModelPull) {
    return {
      ...p,
      assignees: p.assignees ?? [],
      state: p.merged_at ? "closed" : (p.state ?? "open"),
      merged: Boolean(p.merged_at),
      closed_at: p.merged_at ?? p.closed_at ?? null,
    };
  }

  #pull(number: number): ModelPull {
    const p = this.pulls.get(number);
    if (!p) throw new Error(`no PR ${number}`);
    return p;
  }

  /** The webhook payload GitHub sends when the pull request is opened (before any merge or close). */
  /** An open pull request made of these commits (added to the model, each child of the previous). */
  openPull(
    number: number,
    commits: Array<{
      sha: string;
      message: string;
      author: ModelCommit["author"];
      date?: string;
      committedDate?: string;
    }>,
    options: { title?: string; headRef?: string; createdAt?: string; base?: string; baseTip?: string } = {},
  ): void {
    // The first commit's parent: the commit the branch was made from, when the model has it.
    let parent: string[] = options.base ? [options.base] : [];
    for (const c of commits) {
      this.commit(c.sha, parent, c.message, c.author, c.date, c.committedDate);
      parent = [c.sha];
    }
    const first = commits[0];
    this.pulls.set(number, {
      number,
      title: options.title ?? `Change ${number}`,
      body: null,
      user: { login: first?.author.login ?? "mona", type: "User" },
      head: { ref: options.headRef ?? `branch-${number}`, sha: commits.at(-1)?.sha ?? "" },
      base: { ref: "main", ...(options.baseTip ? { sha: options.baseTip } : {}) },
      commits: commits.map((c) => c.sha),
      merged_at: null,
      merge_commit_sha: null,
      merged_by: null,
      created_at: options.createdAt ?? new Date(0).toISOString(),
      labels: [],
    });
  }

  openedEvent(number: number, installationId: number) {
    const p = this.#pull(number);
    return {
      action: "opened",
      number,
      pull_request: {
        ...this.#pullJson(p),
        state: "open",
        merged: false,
        merged_at: null,
        merge_commit_sha: null,
        merged_by: null,
        closed_at: null,
      },
      repository: this.repositoryJson(),
      sender: p.user,
      installation: { id: installationId },
    };
  }

  /** The webhook payload GitHub sends when the pull request is merged (or closed without merging). */
  closedEvent(number: number, installationId: number) {
    const p = this.#pull(number);
    return {
      action: "closed",
      number,
      pull_request: this.#pullJson(p),
      repository: this.repositoryJson(),
      ...(p.merged_by ? { sender: { login: p.merged_by.login, type: "User" } } : {}),
      installation: { id: installationId },
    };
  }

  repositoryJson() {
    return {
      id: this.repositoryId,
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      default_branch: "main",
      owner: { login: this.owner, id: this.ownerId, type: "Organization" },
      private: false,
    };
  }

  #deployment(id: number): ModelDeployment {
    const d = this.deployments.find((x) => x.id === id);
    if (!d) throw new Error(`no deployment ${id}`);
    return d;
  }

  #deploymentJson(d: ModelDeployment, over: { transient?: boolean; production?: boolean }, updatedAt: string) {
    return {
      id: d.id,
      sha: d.sha,
      ref: d.ref,
      task: "deploy",
      environment: d.environment,
      original_environment: d.environment,
      transient_environment: over.transient ?? false,
      production_environment: over.production ?? false,
      created_at: d.created_at,
      updated_at: updatedAt,
    };
  }

  /** The `deployment` webhook (action created) GitHub sends when a deployment is created. */
  deploymentEvent(id: number, installationId: number, over: { transient?: boolean; production?: boolean } = {}) {
    const d = this.#deployment(id);
    return {
      action: "created",
      deployment: this.#deploymentJson(d, over, d.created_at),
      repository: this.repositoryJson(),
      installation: { id: installationId },
    };
  }

  /** deployment_status webhook for a status of a modelled deployment. */
  statusEvent(
    id: number,
    state: string,
    installationId: number,
    over: { transient?: boolean; production?: boolean } = {},
  ) {
    const d = this.#deployment(id);
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
      deployment: this.#deploymentJson(d, over, status.created_at),
      repository: this.repositoryJson(),
      installation: { id: installationId },
    };
  }

  /** Serves the model over real HTTP from a FakeGitHub. */
  serve(fake: { fallback(handler: (method: string, uri: string, body: unknown) => Reply | null): void }): void {
    const routes = this.routes();
    fake.fallback((method, uri, body) => {
      const path = uri.split("?")[0] ?? "";
      for (const route of routes) {
        if (route.method !== method) continue;
        if (typeof route.pattern === "string" ? route.pattern !== path : !route.pattern.test(uri)) continue;
        const reply = route.reply(uri, body);
        if (reply) return reply;
      }
      return null;
    });
  }

  /** Every route the model answers, in the order they are tried. */
  routes(): ModelRoute[] {
    const base = `/repos/${this.owner}/${this.repo}`;
    const log = (what: string) => this.calls.push(what);
    const notFound: Reply = [404, { message: "Not Found" }];
    const route = (method: ModelRoute["method"], pattern: RegExp | string, reply: ModelRoute["reply"]): ModelRoute => ({
      method,
      pattern,
      reply,
    });
    return [
      route("GET", new RegExp(`^(${base}|/repos/${this.owner}/\\.github)/contents/`), (uri) => {
        const [where, path = ""] = uri.split("?")[0]?.split("/contents/") ?? [];
        const ref = new URLSearchParams(uri.split("?")[1] ?? "").get("ref");
        // The check also asks for the head's .agent-trace/traces.jsonl (src/github/agent-records.ts).
        log(
          decodeURIComponent(path).startsWith(".agent-trace/")
            ? `GET contents ${decodeURIComponent(path)}`
            : `GET config ${where}`,
        );
        const atRef = where === base && ref !== null ? this.filesAt.get(ref)?.get(decodeURIComponent(path)) : undefined;
        const file = atRef ?? (where === base ? this.files : this.organisationFiles).get(decodeURIComponent(path));
        if (file === undefined) return notFound;
        // An ETag, as GitHub gives: a client that sends it back as If-None-Match gets a 304 (FakeGitHub).
        const body = contentsFile(decodeURIComponent(path), file);
        return [200, body, { etag: `"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"` }];
      }),
      route("GET", new RegExp(`^${base}/releases`), (uri) => {
        log("GET releases");
        // Newest created first, as GitHub lists them.
        const list = this.releases
          .map((r, i) => ({ r, i, at: (r.created_at ?? r.published_at) as string }))
          .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.i - a.i)
          .map(({ r, at }) => ({
            ...r,
            target_commitish: r.target_commitish ?? "main",
            created_at: at,
            html_url: `https://github.com/${this.owner}/${this.repo}/releases/tag/${r.tag_name}`,
          }));
        return [200, page(uri, list)];
      }),
      route("GET", new RegExp(`^${base}/git/ref/tags(/|%2F)`), (uri) => {
        const tag = decodeURIComponent(uri.split("/git/ref/")[1] ?? "").replace(/^tags\//, "");
        log(`GET git/ref/tags/${tag}`);
        const release = this.releases.find((r) => r.tag_name === tag);
        return release ? [200, { ref: `refs/tags/${tag}`, object: { type: "commit", sha: release.sha } }] : notFound;
      }),
      route("GET", new RegExp(`^${base}/actions/workflows(\\?|$)`), (uri) => {
        log("GET workflows");
        const workflows = this.#workflows();
        return [200, { total_count: workflows.length, workflows: page(uri, workflows) }];
      }),
      route("GET", new RegExp(`^${base}/actions/workflows/[^/]+/runs`), (uri) => {
        log("GET workflow runs");
        // The workflow by id or file name; filters by branch, status (or conclusion) and creation time.
        const params = new URL(uri, ORIGIN).searchParams;
        const id = decodeURIComponent(/workflows\/([^/]+)\/runs/.exec(uri)?.[1] ?? "");
        const workflow = this.#workflows().find((w) => String(w.id) === id || w.path.split("/").pop() === id);
        const [from, to] = createdRange(params.get("created"));
        const status = params.get("status");
        const runs = [...this.workflowRuns]
          .reverse()
          .map((r) => this.#runJson(r))
          .filter((r) => workflow !== undefined && r.path === workflow.path)
          .filter((r) => !params.get("branch") || r.head_branch === params.get("branch"))
          .filter((r) => !status || status === "completed" || r.conclusion === status)
          .filter((r) => Date.parse(r.created_at) >= from && Date.parse(r.created_at) <= to);
        // GitHub serves at most 1,000 runs of a filtered list (total_count still counts them all).
        const served = params.get("branch") || status || params.get("created") ? runs.slice(0, 1000) : runs;
        return [200, { total_count: runs.length, workflow_runs: page(uri, served) }];
      }),
      route("GET", new RegExp(`^${base}/actions/runs/(\\d+)/attempts/(\\d+)`), (uri) => {
        const [, id, attempt] = /runs\/(\d+)\/attempts\/(\d+)/.exec(uri) ?? [];
        log(`GET workflow run ${id} attempt ${attempt}`);
        const run = this.workflowRuns.find((r) => r.id === Number(id));
        const n = Number(attempt);
        const latest = (run?.attempts?.length ?? 0) + 1;
        if (!run || n < 1 || n > latest) return notFound;
        const earlier = n < latest ? run.attempts?.[n - 1] : undefined;
        return [200, { ...this.#runJson(run), run_attempt: n, ...earlier }];
      }),
      route("GET", new RegExp(`^${base}/compare/([0-9a-f]+)\\.\\.\\.([0-9a-f]+)`), (uri) => {
        const [, b, h] = /compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)/.exec(uri) ?? [];
        const page = Number(new URL(uri, ORIGIN).searchParams.get("page") ?? 1);
        log(`GET compare ${b?.slice(0, 4)}...${h?.slice(0, 4)} p${page}`);
        if (this.tooLong.has(`${b}...${h}`))
          return [422, { message: "Server Error: Sorry, this diff is taking too long to generate." }];
        if (this.gone.has(b as string) || this.gone.has(h as string)) return notFound;
        const result = this.compare(b as string, h as string);
        // Histories that share no commit: GitHub answers 404 too.
        if (
          result.behind_by === this.ancestors(b as string).size &&
          result.ahead_by === this.ancestors(h as string).size
        )
          return [404, { message: `No common ancestor between ${b} and ${h}.` }];
        const slice = result.commits.slice((page - 1) * 250, page * 250);
        return [
          200,
          { ...result, total_commits: result.commits.length, commits: slice.map((c) => this.#restCommit(c)) },
        ];
      }),
      route("GET", new RegExp(`^${base}/git/matching-refs/notes(/|%2F)`), () => {
        log("GET git/matching-refs/notes");
        const body = [...this.#notesObjects().refs].map(([ref, sha]) => ({ ref, object: { sha, type: "commit" } }));
        // With an ETag, as GitHub gives: the same listing asked with it as If-None-Match is a 304 (FakeGitHub).
        return [200, body, { etag: `"${createHash("sha1").update(JSON.stringify(body)).digest("hex")}"` }];
      }),
      route("GET", new RegExp(`^${base}/git/(trees|blobs)/([0-9a-f]{40})`), (uri) => {
        const [, kind = "", sha = ""] = /git\/(trees|blobs)\/([0-9a-f]{40})/.exec(uri) ?? [];
        const recursive = kind === "trees" && new URL(uri, ORIGIN).searchParams.has("recursive");
        log(`GET git/${kind}/${sha.slice(-4)}${recursive ? " recursive" : ""}`);
        const objects = this.#notesObjects().objects;
        const object = objects.get(sha) ?? (kind === "blobs" ? this.#fileBlob(sha) : undefined);
        if (object?.kind !== kind) return notFound;
        if (!recursive) return [200, object.body];
        // The whole tree, its subtrees' entries listed with their paths (`ab/cdef…`), as GitHub does.
        type Entry = { path: string; type: string; sha: string; mode: string };
        const flat: Entry[] = [];
        const walk = (body: unknown, prefix: string) => {
          for (const e of (body as { tree: Entry[] }).tree) {
            flat.push({ ...e, path: `${prefix}${e.path}` });
            if (e.type === "tree") walk(objects.get(e.sha)?.body, `${prefix}${e.path}/`);
          }
        };
        walk(object.body, "");
        return [200, { sha, truncated: false, tree: flat }];
      }),
      route("GET", new RegExp(`^${base}/git/commits/([0-9a-f]{40})`), (uri) => {
        const sha = /git\/commits\/([0-9a-f]{40})/.exec(uri)?.[1] ?? "";
        log(`GET git/commits/${sha.slice(-4)}`);
        const notesCommit = this.#notesObjects().objects.get(sha);
        if (notesCommit?.kind === "commits") return [200, notesCommit.body];
        const c = this.commits.get(sha);
        if (!c) return notFound;
        return [
          200,
          {
            sha,
            message: c.message,
            author: { name: c.author.name, email: c.author.email, date: c.date },
            parents: c.parents.map((p) => ({ sha: p })),
          },
        ];
      }),
      route("GET", new RegExp(`^${base}/pulls/(\\d+)/commits`), (uri) => {
        const n = Number(/pulls\/(\d+)\/commits/.exec(uri)?.[1]);
        log(`GET pulls/${n}/commits`);
        const p = this.pulls.get(n);
        if (!p || p.commitsGone) return notFound;
        return [200, p.commits.map((sha) => this.#restCommit(this.commits.get(sha) as ModelCommit))];
      }),
      route("GET", new RegExp(`^${base}/pulls/(\\d+)/files`), (uri) => {
        const n = Number(/pulls\/(\d+)\/files/.exec(uri)?.[1]);
        log(`GET pulls/${n}/files`);
        const p = this.pulls.get(n);
        return p ? [200, (p.files ?? ["src/index.ts"]).map((filename) => ({ filename }))] : notFound;
      }),
      route("GET", new RegExp(`^${base}/pulls(\\?|$)`), (uri) => {
        // The repository's pull requests by state, most recently updated first (one page of all).
        const state = new URL(uri, ORIGIN).searchParams.get("state") ?? "open";
        const page = Number(new URL(uri, ORIGIN).searchParams.get("page") ?? 1);
        log(`GET pulls?state=${state}&page=${page}`);
        const list = [...this.pulls.values()]
          .map((p) => ({ ...this.#pullJson(p), updated_at: p.merged_at ?? p.closed_at ?? p.created_at }))
          .filter((p) => state === "all" || (state === "closed" ? p.state === "closed" : p.state === "open"))
          .sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
        return [200, page === 1 ? list : []];
      }),
      route("GET", new RegExp(`^${base}/pulls/(\\d+)$`), (uri) => {
        const n = Number(/pulls\/(\d+)$/.exec(uri)?.[1]);
        log(`GET pulls/${n}`);
        const p = this.pulls.get(n);
        return p ? [200, this.#pullJson(p)] : notFound;
      }),
      route("POST", "/graphql", (_uri, body) => {
        const { query, variables } = body as { query: string; variables: Record<string, string | null> };
        // Several models can share one fake GitHub: each answers for its own repository.
        if (variables.owner !== undefined && (variables.owner !== this.owner || variables.repo !== this.repo))
          return null;
        const charge = this.#graphqlCharge(query, variables, log);
        if (charge.refused) return charge.refused;
        const reply = /query (AgentRecordProbe|NoteBlobs)\b/.test(query)
          ? this.#recordsQuery(query, variables, log)
          : /query (BranchHistory|DeploymentStatuses)\b/.test(query)
            ? this.#backfillQuery(query, variables, log)
            : /(?:^|[^\w])pullRequests\(/.test(query)
              ? this.#mergedPulls(query, variables, log)
              : /(?:^|[^\w])pullRequest\(number:/.test(query)
                ? this.#pullConnections(query, variables, log)
                : query.includes("history(")
                  ? this.#history(variables, log)
                  : this.#associatedPulls(query, log);
        // Null: another repository's deployments (several models can share one fake GitHub).
        return reply === null ? null : this.#withRateLimit(reply, query, charge.cost);
      }),
      route("GET", new RegExp(`^${base}/deployments/(\\d+)/statuses`), (uri) => {
        const id = Number(/deployments\/(\d+)\/statuses/.exec(uri)?.[1]);
        log(`GET deployments/${id}/statuses`);
        return [200, this.deployments.find((d) => d.id === id)?.statuses ?? []];
      }),
      route("GET", new RegExp(`^${base}/deployments`), (uri) => {
        const env = new URL(uri, ORIGIN).searchParams.get("environment");
        log(`GET deployments?environment=${env}`);
        const list = this.deployments
          .filter((d) => !env || d.environment === env)
          .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
          .map((d) => ({ ...this.#deploymentJson(d, {}, d.created_at), node_id: this.#deploymentNodeId(d.id) }));
        return [200, page(uri, list)];
      }),
      route("GET", new RegExp(`^${base}/commits/([^/]+)/check-runs`), (uri) => {
        const ref = decodeURIComponent(/commits\/([^/]+)\/check-runs/.exec(uri)?.[1] ?? "");
        const name = new URL(uri, ORIGIN).searchParams.get("check_name");
        log(`GET check-runs ${name ?? ""}`.trim());
        const runs = this.checkRuns.filter((r) => r.head_sha === ref && (!name || r.name === name)).reverse();
        return [200, { total_count: runs.length, check_runs: runs }];
      }),
      route("POST", `${base}/check-runs`, (_uri, body) => {
        const run = body as Omit<ModelCheckRun, "id" | "app">;
        log(`POST check-runs ${run.name}`);
        const tooLarge = outputTooLarge(run);
        if (tooLarge) return tooLarge;
        const created: ModelCheckRun = {
          ...run,
          id: this.checkRuns.length + 1,
          app: this.appId === null ? null : { id: this.appId },
        };
        this.checkRuns.push(created);
        return [201, created];
      }),
      route("PATCH", new RegExp(`^${base}/check-runs/(\\d+)$`), (uri, body) => {
        const id = Number(/check-runs\/(\d+)$/.exec(uri)?.[1]);
        const run = this.checkRuns.find((r) => r.id === id);
        log(`PATCH check-runs ${run?.name ?? id}`);
        if (!run) return notFound;
        const tooLarge = outputTooLarge(body as Partial<ModelCheckRun>);
        if (tooLarge) return tooLarge;
        Object.assign(run, body as Partial<ModelCheckRun>, { id, app: run.app });
        return [200, run];
      }),
    ];
  }

  /** The workflows the runs belong to, one per path (ids from 1, in order of first run). */
  #workflows() {
    const byPath = new Map<string, { id: number; name: string; path: string; state: string }>();
    for (const r of this.workflowRuns) {
      if (!byPath.has(r.path))
        byPath.set(r.path, { id: byPath.size + 1, name: r.name ?? "Deploy", path: r.path, state: "active" });
    }
    return [...byPath.values()];
  }

  #runJson(r: ModelWorkflowRun) {
    return {
      id: r.id,
      name: r.name ?? "Deploy",
      path: r.path,
      head_branch: r.head_branch,
      head_sha: r.head_sha,
      event: r.event ?? "push",
      status: "completed",
      conclusion: r.conclusion ?? "success",
      run_attempt: (r.attempts?.length ?? 0) + 1,
      created_at: r.created_at ?? r.updated_at,
      updated_at: r.updated_at,
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${r.id}`,
      head_repository: { id: this.repositoryId },
    };
  }

  #deploymentNodeId(id: number): string {
    return `DE_${this.repositoryId}_${id}`;
  }

  /** The backfill's GraphQL reads: a branch's history since a time, deployments' statuses by node id. */
  #backfillQuery(query: string, variables: Record<string, unknown>, log: (what: string) => void): Reply | null {
    if (query.includes("query DeploymentStatuses")) {
      const ids = (variables.ids as string[]).filter((id) => id.startsWith(`DE_${this.repositoryId}_`));
      if (ids.length === 0) return null;
      log(`POST graphql deploymentStatuses ×${ids.length}`);
      const first = Number(/statuses\(first: (\d+)\)/.exec(query)?.[1] ?? 100);
      const nodes = ids.map((id) => {
        const d = this.deployments.find((x) => this.#deploymentNodeId(x.id) === id);
        if (!d) return null;
        const statuses = [...d.statuses].reverse();
        return {
          databaseId: d.id,
          statuses: {
            totalCount: statuses.length,
            nodes: statuses.slice(0, first).map((st) => ({
              state: st.state.toUpperCase(),
              createdAt: st.created_at,
              environment: d.environment,
              logUrl: null,
            })),
          },
        };
      });
      return [200, { data: { nodes } }];
    }
    const rev = String(variables.rev ?? "").replace(/^refs\/heads\//, "");
    const tip = this.branches.get(rev) ?? (this.commits.has(rev) ? rev : undefined);
    log(`POST graphql branchHistory${variables.cursor ? " (more)" : ""}`);
    if (tip === undefined) return [200, { data: { repository: { object: null } } }];
    const since = variables.since as string | null;
    const all = this.#ordered(this.ancestors(tip))
      .filter((c) => !since || Date.parse(c.date) >= Date.parse(since))
      .reverse();
    const offset = Number(variables.cursor ?? 0);
    const size = Number(/history\(first: (\d+)/.exec(query)?.[1] ?? 100);
    const nodes = all.slice(offset, offset + size).map((c) => ({
      oid: c.sha,
      message: c.message,
      committedDate: c.committedDate ?? c.date,
      authoredDate: c.date,
      author: { name: c.author.name, email: c.author.email, user: c.author.login ? { login: c.author.login } : null },
      parents: { totalCount: c.parents.length, nodes: c.parents.map((oid) => ({ oid })) },
    }));
    const more = offset + size < all.length;
    return [
      200,
      {
        data: {
          repository: {
            object: {
              oid: tip,
              history: { pageInfo: { hasNextPage: more, endCursor: more ? String(offset + size) : null }, nodes },
            },
          },
        },
      },
    ];
  }

  #history(variables: Record<string, string | null>, log: (what: string) => void): Reply {
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

  #associatedPulls(query: string, log: (what: string) => void): Reply {
    const shas = [...query.matchAll(/object\(oid: "([0-9a-f]{40})"\)/g)].map((m) => m[1] as string);
    log(`POST graphql associatedPullRequests ×${shas.length}`);
    const repository: Record<string, unknown> = {};
    shas.forEach((sha, i) => {
      const nodes = [...this.pulls.values()]
        .filter((p) => p.commits.includes(sha) || p.rebased?.includes(sha) || p.merge_commit_sha === sha)
        .map((p) => ({
          number: p.number,
          state: p.merged_at ? "MERGED" : p.state === "closed" ? "CLOSED" : "OPEN",
          merged: Boolean(p.merged_at),
          mergeCommit: p.merge_commit_sha ? { oid: p.merge_commit_sha } : null,
          baseRefName: p.base.ref,
        }));
      repository[`c${i}`] = { oid: sha, associatedPullRequests: { nodes } };
    });
    return [200, { data: { repository } }];
  }

  // ---- GraphQL: merged pull requests a page at a time (src/github/merged-pulls.ts), a pull request's
  // further commits and files, and the points each query costs.

  /**
   * The points a query costs, as GitHub computes them: each connection needs as many requests as
   * the product of the `first`/`last` of the connections around it; their sum over 100, rounded,
   * at least 1. Also the nodes it may return (the product including its own `first`), which GitHub
   * caps at 500,000. Parses only what Shipledger's queries use (no fragments).
   */
  #graphqlCost(query: string, variables: Record<string, unknown>): { cost: number; nodes: number } {
    let requests = 0;
    let nodes = 0;
    const scopes: number[] = [1];
    let pending: number | null = null;
    const token = /"(?:[^"\\]|\\.)*"|#[^\n]*|[{}]|([A-Za-z_]\w*)\s*\(([^)]*)\)/g;
    for (const m of query.matchAll(token)) {
      const text = m[0];
      const around = scopes.at(-1) ?? 1;
      if (text === "{") {
        if (pending !== null) {
          requests += around;
          nodes += around * pending;
          scopes.push(around * pending);
        } else {
          scopes.push(around);
        }
        pending = null;
      } else if (text === "}") {
        scopes.pop();
        pending = null;
      } else if (m[1] !== undefined) {
        const limit = /(?:^|[\s,(])(?:first|last):\s*(\d+|\$\w+)/.exec(m[2] ?? "")?.[1];
        const value = limit === undefined ? null : limit.startsWith("$") ? variables[limit.slice(1)] : limit;
        pending = value === null || value === undefined ? null : Number(value);
      }
    }
    return { cost: Math.max(1, Math.round(requests / 100)), nodes };
  }

  /**
   * A backfill's agent records (src/github/repository-records.ts): the notes refs with their trees
   * and the traces file at `<branch>:<path>` (AgentRecordProbe), or note blobs by oid (NoteBlobs).
   */
  #recordsQuery(query: string, variables: Record<string, unknown>, log: (what: string) => void): Reply {
    const { refs, objects } = this.#notesObjects();
    if (/query NoteBlobs\b/.test(query)) {
      const repository: Record<string, unknown> = {};
      const asked = [...query.matchAll(/(\w+):\s*object\(oid:\s*"([0-9a-f]{40})"\)/g)];
      log(`POST graphql NoteBlobs ${asked.length}`);
      for (const [, alias = "", oid = ""] of asked) {
        const blob = objects.get(oid);
        const content = (blob?.body as { content?: string } | undefined)?.content;
        repository[alias] =
          blob?.kind === "blobs" && content !== undefined
            ? { oid, text: Buffer.from(content, "base64").toString("utf8"), isTruncated: false }
            : null;
      }
      return [200, { data: { repository } }];
    }
    log("POST graphql AgentRecordProbe");
    const expression = String(variables.traces ?? "");
    const colon = expression.indexOf(":");
    const traces = this.#fileAt(expression.slice(0, colon), expression.slice(colon + 1));
    const nodes = [...refs].map(([ref, oid]) => ({
      name: ref.replace(/^refs\/notes\//, ""),
      target: {
        oid,
        tree: { oid: (objects.get(oid)?.body as { tree?: { sha: string } } | undefined)?.tree?.sha ?? "" },
      },
    }));
    return [
      200,
      {
        data: {
          repository: {
            refs: { nodes },
            traces: traces === undefined ? null : { text: traces, isTruncated: false },
          },
        },
      },
    ];
  }

  /**
   * A file at a revision as git's rev-parse names it (GraphQL's `object(expression:)`): a full ref,
   * or a short name, which is a tag's before a branch's (git's order), or a commit sha.
   */
  #fileAt(revision: string, path: string): string | undefined {
    const branch = (name: string) => (name === "main" ? this.files.get(path) : undefined);
    const commit = (sha: string | undefined) => (sha === undefined ? undefined : this.filesAt.get(sha)?.get(path));
    if (revision.startsWith("refs/heads/")) return branch(revision.slice("refs/heads/".length));
    if (revision.startsWith("refs/tags/")) return commit(this.tags.get(revision.slice("refs/tags/".length)));
    if (this.tags.has(revision)) return commit(this.tags.get(revision));
    return /^[0-9a-f]{40}$/.test(revision) ? commit(revision) : branch(revision);
  }

  /** Charges a query to the budget; refused (RATE_LIMITED, as GitHub: a 200) when the budget cannot pay it. */
  #graphqlCharge(
    query: string,
    variables: Record<string, unknown>,
    log: (what: string) => void,
  ): { cost: number; refused: Reply | null } {
    const { cost, nodes } = this.#graphqlCost(query, variables);
    const budget = this.graphqlRateLimit;
    if (nodes > 500_000) {
      log("POST graphql refused: node limit");
      const message = `This query requests up to ${nodes.toLocaleString("en")} possible nodes which exceeds the maximum limit of 500,000.`;
      return { cost: 0, refused: [200, { errors: [{ type: "MAX_NODE_LIMIT_EXCEEDED", message }] }] };
    }
    if (cost > budget.remaining) {
      log("POST graphql refused: rate limited");
      return {
        cost: 0,
        refused: [
          200,
          { data: null, errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded for installation." }] },
          this.#rateLimitHeaders(),
        ],
      };
    }
    budget.remaining -= cost;
    budget.used += cost;
    return { cost, refused: null };
  }

  #rateLimitHeaders(): Record<string, string> {
    const budget = this.graphqlRateLimit;
    return {
      "x-ratelimit-limit": String(budget.limit),
      "x-ratelimit-remaining": String(budget.remaining),
      "x-ratelimit-used": String(budget.used),
      "x-ratelimit-reset": String(Math.floor(Date.parse(budget.resetAt) / 1000)),
      "x-ratelimit-resource": "graphql",
    };
  }

  /** The answer with its rate-limit headers and, when the query asks for it, its `rateLimit` object. */
  #withRateLimit(reply: Reply, query: string, cost: number): Reply {
    const [status, body, headers] = reply;
    const budget = this.graphqlRateLimit;
    const data = (body as { data?: Record<string, unknown> | null }).data;
    if (data && /(?:^|[^\w])rateLimit\s*\{/.test(query)) {
      data.rateLimit = { cost, remaining: budget.remaining, limit: budget.limit, resetAt: budget.resetAt };
    }
    return [status, body, { ...headers, ...this.#rateLimitHeaders() }];
  }

  /** The pull request's updated_at, as the REST listing gives it (a merge or close is its last update). */
  #updatedAt(p: ModelPull): string {
    return p.merged_at ?? p.closed_at ?? p.created_at;
  }

  /**
   * An account as GraphQL's `Actor`: a bot's login without `[bot]`, its app's slug for the bots REST
   * shows by a display name (the Copilot coding agent: REST's `Copilot`, GraphQL's
   * `copilot-swe-agent`); null for a deleted account (REST's `ghost`).
   */
  #graphActor(user: { login: string; type?: string } | null): { __typename: string; login: string } | null {
    if (user === null || user.login === "ghost") return null;
    const bot = user.type === "Bot" || (user.type === undefined && user.login.endsWith("[bot]"));
    if (bot) return { __typename: "Bot", login: GRAPH_BOT_LOGINS[user.login] ?? user.login.replace(/\[bot\]$/, "") };
    return { __typename: user.type === "Organization" ? "Organization" : "User", login: user.login };
  }

  /**
   * A commit as GraphQL gives it. `author.user` is a `User`: null for a bot's commits (REST names the
   * bot). The model keeps no committer, and its REST answers none either.
   */
  #graphCommit(c: ModelCommit) {
    const login = c.author.login;
    return {
      oid: c.sha,
      message: c.message,
      authoredDate: c.date,
      committedDate: c.committedDate ?? c.date,
      author: {
        name: c.author.name,
        email: c.author.email,
        user: login && !login.endsWith("[bot]") ? { login } : null,
      },
      committer: null,
      parents: { nodes: c.parents.map((oid) => ({ oid })) },
    };
  }

  /** `first` items after `after` of a list, as a GraphQL connection (opaque cursors: the item's index). */
  #connection<T, N>(items: readonly T[], first: number, after: string | null | undefined, node: (item: T) => N) {
    const cursor = (i: number) => Buffer.from(`cursor:v2:${i}`).toString("base64");
    const start = after ? Number(/^cursor:v2:(\d+)$/.exec(Buffer.from(after, "base64").toString())?.[1] ?? -1) + 1 : 0;
    const slice = items.slice(start, start + first);
    return {
      pageInfo: {
        hasNextPage: start + slice.length < items.length,
        endCursor: slice.length === 0 ? null : cursor(start + slice.length - 1),
      },
      nodes: slice.map(node),
    };
  }

  #commitConnection(p: ModelPull, first: number, after: string | null | undefined) {
    return this.#connection(p.commitsGone ? [] : p.commits, first, after, (sha) => ({
      commit: this.#graphCommit(this.commits.get(sha) as ModelCommit),
    }));
  }

  #fileConnection(p: ModelPull, first: number, after: string | null | undefined) {
    return this.#connection(p.files ?? ["src/index.ts"], first, after, (path) => ({ path }));
  }

  /** `first: N` of the named connection in a query (a number, or a variable's value). */
  #first(query: string, name: string, variables: Record<string, unknown>, from = 0): number {
    const args = new RegExp(`${name}\\(([^)]*)\\)`).exec(query.slice(from))?.[1] ?? "";
    const value = /first:\s*(\d+|\$\w+)/.exec(args)?.[1] ?? "100";
    return Number(value.startsWith("$") ? variables[value.slice(1)] : value);
  }

  /** A pull request as `repository.pullRequests` gives it, with the fields merged-pulls.ts asks for. */
  #graphPull(p: ModelPull, query: string, variables: Record<string, unknown>) {
    const merge = p.merge_commit_sha ? this.commits.get(p.merge_commit_sha) : undefined;
    const mergedBy = p.merged_by && { login: p.merged_by.login };
    return {
      number: p.number,
      title: p.title,
      body: p.body ?? "",
      createdAt: p.created_at,
      updatedAt: this.#updatedAt(p),
      mergedAt: p.merged_at,
      headRefName: p.head.ref,
      headRefOid: p.head.sha,
      baseRefName: p.base.ref,
      author: this.#graphActor(p.user),
      mergedBy: this.#graphActor(mergedBy),
      assignees: { nodes: (p.assignees ?? []).slice(0, this.#first(query, "assignees", variables)) },
      labels: { nodes: p.labels.slice(0, this.#first(query, "labels", variables)).map((l) => ({ name: l.name })) },
      mergeCommit: merge
        ? {
            oid: merge.sha,
            message: merge.message,
            authoredDate: merge.date,
            parents: {
              nodes: merge.parents.slice(0, this.#first(query, "parents", variables)).map((oid) => ({ oid })),
            },
          }
        : null,
      commits: this.#commitConnection(p, this.#first(query, "commits", variables), null),
      ...(query.includes("firstCommit:") ? { firstCommit: this.#commitConnection(p, 1, null) } : {}),
      ...(query.includes("files(")
        ? { files: this.#fileConnection(p, this.#first(query, "files", variables), null) }
        : {}),
    };
  }

  /** `repository.pullRequests(states: MERGED, orderBy: UPDATED_AT DESC, first, after)`. */
  #mergedPulls(query: string, variables: Record<string, unknown>, log: (what: string) => void): Reply {
    const first = this.#first(query, "pullRequests", variables);
    const after = (variables.after ?? null) as string | null;
    log(`POST graphql pullRequests first=${first}${after ? "" : " (first page)"}`);
    if (first < 1 || first > 100) {
      const message = `Requesting ${first} records on the \`pullRequests\` connection exceeds the \`first\` limit of 100 records.`;
      return [200, { errors: [{ type: "EXCESSIVE_PAGINATION", message }] }];
    }
    const key = (p: ModelPull) => [Date.parse(this.#updatedAt(p)), p.number] as const;
    // Keyset cursors (updated time, number), as GitHub's: a page is stable while others are merged.
    const cursor = (p: ModelPull) => Buffer.from(JSON.stringify(key(p))).toString("base64");
    const from = after ? (JSON.parse(Buffer.from(after, "base64").toString()) as [number, number]) : null;
    const merged = [...this.pulls.values()]
      .filter((p) => p.merged_at)
      .filter((p) => {
        if (!from) return true;
        const [t, n] = key(p);
        return t < from[0] || (t === from[0] && n < from[1]);
      })
      .sort((a, b) => key(b)[0] - key(a)[0] || b.number - a.number);
    const page = merged.slice(0, first);
    const last = page.at(-1);
    return [
      200,
      {
        data: {
          repository: {
            pullRequests: {
              pageInfo: { hasNextPage: merged.length > page.length, endCursor: last ? cursor(last) : null },
              nodes: page.map((p) => this.#graphPull(p, query, variables)),
            },
          },
        },
      },
    ];
  }

  /**
   * `pullRequest(number: $n) { commits(first, after: $c) files(first, after: $f) }`, aliased or not:
   * listPullCommits' cursor loop, and merged-pulls.ts' follow-ups for several pull requests at once.
   */
  #pullConnections(query: string, variables: Record<string, unknown>, log: (what: string) => void): Reply {
    const repository: Record<string, unknown> = {};
    const errors: unknown[] = [];
    const found = [...query.matchAll(/(?:(\w+):\s*)?pullRequest\(number:\s*\$(\w+)\)\s*\{/g)];
    found.forEach((m, i) => {
      const block = query.slice((m.index ?? 0) + m[0].length, found[i + 1]?.index ?? query.length);
      const alias = m[1] ?? "pullRequest";
      const number = Number(variables[m[2] as string]);
      const p = this.pulls.get(number);
      if (!p) {
        repository[alias] = null;
        errors.push({
          type: "NOT_FOUND",
          path: ["repository", alias],
          message: `Could not resolve to a PullRequest with the number of ${number}.`,
        });
        return;
      }
      const pull: Record<string, unknown> = {};
      const commits = /commits\(first:\s*(\d+),\s*after:\s*\$(\w+)\)/.exec(block);
      if (commits)
        pull.commits = this.#commitConnection(p, Number(commits[1]), variables[commits[2] as string] as string);
      const files = /files\(first:\s*(\d+),\s*after:\s*\$(\w+)\)/.exec(block);
      if (files) pull.files = this.#fileConnection(p, Number(files[1]), variables[files[2] as string] as string);
      repository[alias] = pull;
    });
    log(`POST graphql pullRequest ×${found.length}`);
    return [200, { data: { repository }, ...(errors.length > 0 ? { errors } : {}) }];
  }
}

/** One page of a list, as GitHub pages it (`per_page`, default 30, and `page`). */
function page<T>(uri: string, list: T[]): T[] {
  const params = new URL(uri, ORIGIN).searchParams;
  const size = Number(params.get("per_page") ?? 30);
  const n = Number(params.get("page") ?? 1);
  return list.slice((n - 1) * size, n * size);
}

/** A `created` filter (">=T", "<=T", "A..B") as a range of times (ms). */
function createdRange(created: string | null): [number, number] {
  if (!created) return [-Infinity, Infinity];
  if (created.startsWith(">=")) return [Date.parse(created.slice(2)), Infinity];
  if (created.startsWith("<=")) return [-Infinity, Date.parse(created.slice(2))];
  const [from = "", to = ""] = created.split("..");
  return [from === "*" ? -Infinity : Date.parse(from), to === "*" ? Infinity : Date.parse(to)];
}

/** GitHub's answer to a check run whose summary or text is over 65,535 bytes of UTF-8, if it is. */
function outputTooLarge(run: { output?: { summary?: string; text?: string } | null }): [number, unknown] | null {
  for (const field of ["summary", "text"] as const) {
    const value = run.output?.[field];
    if (typeof value === "string" && Buffer.byteLength(value, "utf8") > 65_535) {
      return [
        422,
        {
          message: `Invalid request.\n\nOnly 65535 characters are allowed; ${Buffer.byteLength(value, "utf8")} were supplied.`,
          documentation_url: "https://docs.github.com/rest/checks/runs",
        },
      ];
    }
  }
  return null;
}
