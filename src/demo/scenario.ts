// Builds repository histories on a GitHubModel: pull requests merged by squash, merge commit or
// rebase (or opened, or closed unmerged), direct pushes, deployments with their statuses, releases
// and workflow runs (re-run too). Every move of main is a push, kept in `pushes`. Times are hours
// from the scenario's start.
import { GitHubModel, type ModelCommit } from "./github-model.js";

const CLAUDE =
  "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n";

const HOUR_MS = 3_600_000;
/** The tests' fixed start: 2026-11-02 09:00 UTC. */
export const DEFAULT_START = Date.UTC(2026, 10, 2, 9);

/** Hour `hours` after the tests' fixed start, as an ISO time. */
export const T = (hours: number) => new Date(DEFAULT_START + hours * HOUR_MS).toISOString();

type Person = ModelCommit["author"];

export interface PullOptions {
  /** How GitHub merged it; "fast-forward": the branch merged locally and pushed as it is. */
  method?: "squash" | "merge" | "rebase" | "fast-forward";
  title?: string;
  body?: string | null;
  /** Adds Claude Code's footer and co-author trailer to every commit. */
  ai?: boolean;
  commits?: number;
  messages?: string[];
  /** Merge time (hours); default: the PR number. Opening is an hour earlier unless `openedAt`. */
  at?: number;
  openedAt?: number;
  /** Login of the author of the commits (and of the PR, unless `user`). */
  author?: string;
  /** The commits' author identity, when not `author`'s (an agent's bot account, "Name (aider)"…). */
  commitAuthor?: Person;
  /** The PR's author account, e.g. { login: "Copilot", type: "Bot" }. */
  user?: { login: string; type: string };
  assignees?: string[];
  files?: string[];
  headRef?: string;
  /** Who merged it (default "lead"). */
  mergedBy?: string;
}

export interface ScenarioOptions<M extends GitHubModel> {
  /** The model to build on (default: a new GitHubModel). */
  model?: M;
  /**
   * Time of hour 0 (ms since the epoch). Given, commits are dated too: a pull request's commits
   * an hour apart, the last at its opening; merge commits at the merge. Without it, commits are
   * dated by the model (a minute apart in creation order) and T() is the tests' fixed start.
   */
  start?: number;
  /** The sha of the n-th commit (default: `c0ffee…n`, easy to read in tests). */
  sha?: (n: number) => string;
}

/** A push to main: the branch moved from `before` to `after` at `at` (ISO time). */
export interface ScenarioPush {
  before: string;
  after: string;
  at: string;
}

export class Scenario<M extends GitHubModel = GitHubModel> {
  readonly gh: M;
  #main = "";
  /** Every push to main, in order (a merge on GitHub is one push, whatever its commits). */
  readonly pushes: ScenarioPush[] = [];
  readonly #start: number | null;
  readonly #shaOf: (n: number) => string;
  #n = 0;
  #deploymentId = 7000;
  #releaseId = 100;
  #runId = 500;

  constructor(owner = "acme", repo = "shop", repositoryId = 4242, options: ScenarioOptions<M> = {}) {
    this.gh = options.model ?? (new GitHubModel(owner, repo, repositoryId) as M);
    this.#start = options.start ?? null;
    this.#shaOf = options.sha ?? ((n) => `c0ffee${n.toString(16).padStart(34, "0")}`);
    this.main = this.gh.commit(this.#sha(), [], "Initial commit\n", undefined, this.#date(-24 * 30));
  }

  /** Main's tip; setting it moves the model's branch too. */
  get main(): string {
    return this.#main;
  }

  set main(sha: string) {
    this.#main = sha;
    this.gh.branches.set("main", sha);
  }

  /** Main moved to its current tip at `at`: one push. */
  #pushed(before: string, at: string): void {
    this.pushes.push({ before: before || "0".repeat(40), after: this.main, at });
  }

  /** Hour `hours` of the scenario as an ISO time. */
  T(hours: number): string {
    return new Date((this.#start ?? DEFAULT_START) + hours * HOUR_MS).toISOString();
  }

  #date(hours: number): string | undefined {
    return this.#start === null ? undefined : this.T(hours);
  }

  #sha(): string {
    this.#n++;
    return this.#shaOf(this.#n);
  }

  #person(login: string): Person {
    return { name: login === "mona" ? "Mona" : login, email: `${login}@example.com`, login };
  }

  /** Commits on a branch off main: the pull request's own commits, the last one at `openedAt`. */
  #branch(number: number, options: PullOptions, openedAt: number): string[] {
    const title = options.title ?? `Change ${number}`;
    const count = options.messages?.length ?? options.commits ?? 1;
    const author = options.commitAuthor ?? this.#person(options.author ?? "mona");
    const own: string[] = [];
    let parent = this.main;
    for (let i = 0; i < count; i++) {
      const message = options.messages?.[i] ?? `${title} part ${i + 1}\n${options.ai ? CLAUDE : ""}`;
      parent = this.gh.commit(this.#sha(), [parent], message, author, this.#date(openedAt - (count - 1 - i)));
      own.push(parent);
    }
    return own;
  }

  #record(number: number, options: PullOptions, own: string[], openedAt: number) {
    const login = options.author ?? "mona";
    this.gh.pulls.set(number, {
      number,
      title: options.title ?? `Change ${number}`,
      body: options.body ?? null,
      user: options.user ?? { login, type: "User" },
      head: { ref: options.headRef ?? `branch-${number}`, sha: own.at(-1) ?? this.main },
      base: { ref: "main" },
      commits: own,
      rebased: [],
      merged_at: null,
      merge_commit_sha: null,
      merged_by: null,
      created_at: this.T(openedAt),
      labels: [],
      ...(options.files ? { files: options.files } : {}),
      ...(options.assignees ? { assignees: options.assignees.map((a) => ({ login: a })) } : {}),
    });
  }

  /** Merges pull request `number` into main; returns its merge_commit_sha. */
  merge(number: number, options: PullOptions = {}): string {
    const method = options.method ?? "squash";
    const title = options.title ?? `Change ${number}`;
    const at = options.at ?? number;
    const openedAt = options.openedAt ?? at - 1;
    const author = options.commitAuthor ?? this.#person(options.author ?? "mona");
    // A pull request opened earlier (`open`) merges the commits it has; any other gets a branch now.
    const opened = this.gh.pulls.get(number);
    const wasOpen = opened !== undefined && !opened.merged_at;
    const own = wasOpen ? [...opened.commits] : this.#branch(number, options, openedAt);
    const tip = own.at(-1) ?? this.main;
    const before = this.main;
    let merge: string;
    const rebased: string[] = [];
    if (method === "squash") {
      merge = this.gh.commit(
        this.#sha(),
        [this.main],
        `${title} (#${number})\n${options.ai ? CLAUDE : ""}`,
        author,
        this.#date(at),
      );
      this.main = merge;
    } else if (method === "fast-forward") {
      merge = tip;
      this.main = tip;
    } else if (method === "merge") {
      merge = this.gh.commit(
        this.#sha(),
        [this.main, tip],
        `Merge pull request #${number} from acme/branch-${number}\n\n${title}\n`,
        author,
        this.#date(at),
      );
      this.main = merge;
    } else {
      for (const sha of own) {
        const original = this.gh.commits.get(sha);
        this.main = this.gh.commit(this.#sha(), [this.main], original?.message ?? "", author, this.#date(at));
        rebased.push(this.main);
      }
      merge = this.main;
    }
    this.#pushed(before, this.T(at));
    if (!wasOpen) this.#record(number, options, own, openedAt);
    const pull = this.gh.pulls.get(number);
    if (pull) {
      Object.assign(pull, {
        rebased,
        merged_at: this.T(at),
        merge_commit_sha: merge,
        merged_by: { login: options.mergedBy ?? "lead" },
      });
    }
    return merge;
  }

  /** Opens pull request `number` (commits on its branch, not merged); returns its head sha. */
  open(number: number, options: PullOptions & { openedAt: number }): string {
    const own = this.#branch(number, options, options.openedAt);
    this.#record(number, options, own, options.openedAt);
    return own.at(-1) ?? this.main;
  }

  /** Closes an open pull request without merging it. */
  close(number: number, at: number): void {
    const pull = this.gh.pulls.get(number);
    if (!pull) throw new Error(`no PR ${number}`);
    pull.state = "closed";
    pull.closed_at = this.T(at);
  }

  /** A commit pushed straight to main. */
  push(message: string, at?: number): string {
    const before = this.main;
    this.main = this.gh.commit(
      this.#sha(),
      [this.main],
      message,
      undefined,
      at === undefined ? undefined : this.#date(at),
    );
    this.#pushed(before, at === undefined ? (this.gh.commits.get(this.main)?.date as string) : this.T(at));
    return this.main;
  }

  /** A release of `sha` published at hour `at` (tagged from main); returns its id. */
  release(
    tag: string,
    sha: string,
    at: number,
    options: { draft?: boolean; prerelease?: boolean; createdAt?: number } = {},
  ): number {
    const id = ++this.#releaseId;
    this.gh.releases.push({
      id,
      tag_name: tag,
      sha,
      published_at: options.draft ? null : this.T(at),
      draft: options.draft ?? false,
      prerelease: options.prerelease ?? false,
      created_at: this.T(options.createdAt ?? at),
    });
    return id;
  }

  /** A run of the deploy workflow on `sha` that completed at hour `at` (started a tenth of an hour before); returns its id. */
  workflowRun(
    sha: string,
    at: number,
    options: { path?: string; name?: string; branch?: string; event?: string; conclusion?: string } = {},
  ): number {
    const id = ++this.#runId;
    this.gh.workflowRuns.push({
      id,
      head_sha: sha,
      head_branch: options.branch ?? "main",
      path: options.path ?? ".github/workflows/deploy.yml",
      name: options.name ?? "Deploy",
      event: options.event ?? "push",
      conclusion: options.conclusion ?? "success",
      created_at: this.T(at - 0.1),
      updated_at: this.T(at),
    });
    return id;
  }

  /** Run `id` re-run: a new attempt that completed at hour `at` (the same commit, deployed again). */
  rerun(id: number, at: number, conclusion = "success"): number {
    const run = this.gh.workflowRuns.find((r) => r.id === id);
    if (!run) throw new Error(`no workflow run ${id}`);
    run.attempts = [...(run.attempts ?? []), { conclusion: run.conclusion ?? "success", updated_at: run.updated_at }];
    run.conclusion = conclusion;
    run.updated_at = this.T(at);
    return run.attempts.length + 1;
  }

  /** A deployment of `sha` (from `ref`) that succeeded at hour `at`; returns its id. */
  deploy(sha: string, at: number, environment = "production", states: string[] = ["success"], ref = "main"): number {
    const id = ++this.#deploymentId;
    this.gh.deployments.push({
      id,
      sha,
      ref,
      environment,
      created_at: this.T(at - 0.1),
      statuses: states.map((state, i) => ({ state, created_at: this.T(at + i) })),
    });
    return id;
  }
}
