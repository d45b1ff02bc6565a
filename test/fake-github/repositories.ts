// A small model of repositories on the fake GitHub: files, pull requests with commits, and the
// check runs the app publishes. Later features extend it with the endpoints they use.
import type { FakeGitHub } from "./server.js";

export interface FakeCommit {
  sha: string;
  message: string;
  author: { name: string; email: string; login?: string | null };
  date?: string;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output: { title: string; summary: string };
  app: { id: number };
}

interface Repository {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  files: Map<string, string>;
  pulls: Map<number, FakeCommit[]>;
  checkRuns: FakeCheckRun[];
}

export class FakeRepositories {
  readonly #repos = new Map<string, Repository>();
  #nextRunId = 1000;

  constructor(
    github: FakeGitHub,
    readonly appId: number,
  ) {
    const repoOf = (params: Record<string, string>) => this.#repos.get(`${params.owner}/${params.repo}`);
    const notFound = { status: 404, body: { message: "Not Found" } };

    github.route("GET", "/installation/repositories", () => ({
      body: {
        total_count: this.#repos.size,
        repositories: [...this.#repos.values()].map((r) => ({
          id: r.id,
          full_name: `${r.owner}/${r.name}`,
          name: r.name,
          private: r.private,
          default_branch: r.defaultBranch,
          owner: { login: r.owner },
        })),
      },
    }));
    github.route("GET", "/repos/:owner/:repo/contents/*", (req) => {
      const file = repoOf(req.params)?.files.get(req.params["*"] ?? "");
      return file === undefined ? notFound : { body: file, headers: { "content-type": "text/plain; charset=utf-8" } };
    });
    github.route("GET", "/repos/:owner/:repo/pulls/:number/commits", (req) => {
      const commits = repoOf(req.params)?.pulls.get(Number(req.params.number));
      if (!commits) return notFound;
      const perPage = Number(req.query.get("per_page") ?? 30);
      const page = Number(req.query.get("page") ?? 1);
      const slice = commits.slice(0, 250).slice((page - 1) * perPage, page * perPage);
      const last = Math.ceil(Math.min(commits.length, 250) / perPage);
      const headers: Record<string, string> =
        page < last
          ? { link: `<${github.baseUrl}/api/v3${req.path}?per_page=${perPage}&page=${page + 1}>; rel="next"` }
          : {};
      return {
        headers,
        body: slice.map((c) => ({
          sha: c.sha,
          commit: {
            message: c.message,
            author: { name: c.author.name, email: c.author.email, date: c.date ?? "2026-11-20T10:00:00Z" },
            committer: { name: c.author.name, email: c.author.email, date: c.date ?? "2026-11-20T10:00:00Z" },
          },
          author: c.author.login ? { login: c.author.login } : null,
          committer: null,
        })),
      };
    });
    github.route("GET", "/repos/:owner/:repo/commits/:ref/check-runs", (req) => {
      const repo = repoOf(req.params);
      if (!repo) return notFound;
      const name = req.query.get("check_name");
      const runs = repo.checkRuns.filter((r) => r.head_sha === req.params.ref && (!name || r.name === name));
      return { body: { total_count: runs.length, check_runs: runs } };
    });
    github.route("POST", "/repos/:owner/:repo/check-runs", (req) => {
      const repo = repoOf(req.params);
      if (!repo) return notFound;
      const body = req.body as Omit<FakeCheckRun, "id" | "app">;
      const run: FakeCheckRun = { ...body, id: this.#nextRunId++, app: { id: this.appId } };
      repo.checkRuns.push(run);
      return { status: 201, body: run };
    });
    github.route("PATCH", "/repos/:owner/:repo/check-runs/:id", (req) => {
      const run = repoOf(req.params)?.checkRuns.find((r) => r.id === Number(req.params.id));
      if (!run) return notFound;
      Object.assign(run, req.body);
      return { body: run };
    });
  }

  add(fullName: string, options: { id: number; defaultBranch?: string; private?: boolean }): void {
    const [owner = "", name = ""] = fullName.split("/");
    this.#repos.set(fullName, {
      id: options.id,
      owner,
      name,
      defaultBranch: options.defaultBranch ?? "main",
      private: options.private ?? false,
      files: new Map(),
      pulls: new Map(),
      checkRuns: [],
    });
  }

  #get(fullName: string): Repository {
    const repo = this.#repos.get(fullName);
    if (!repo) throw new Error(`fake GitHub: no repository ${fullName}`);
    return repo;
  }

  setFile(fullName: string, path: string, text: string): void {
    this.#get(fullName).files.set(path, text);
  }

  setPullCommits(fullName: string, number: number, commits: FakeCommit[]): void {
    this.#get(fullName).pulls.set(number, commits);
  }

  checkRuns(fullName: string): FakeCheckRun[] {
    return this.#get(fullName).checkRuns;
  }
}
