// Builds repository histories on a GitHubModel: pull requests merged by squash, merge commit or
// rebase, direct pushes, and deployments with their statuses.
import { GitHubModel } from "./github-model.js";

const CLAUDE =
  "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n";

export const T = (hours: number) => new Date(Date.UTC(2026, 10, 2, 9) + hours * 3_600_000).toISOString();

export class Scenario {
  readonly gh: GitHubModel;
  main: string;
  #n = 0;
  #deploymentId = 7000;

  constructor(owner = "acme", repo = "shop", repositoryId = 4242) {
    this.gh = new GitHubModel(owner, repo, repositoryId);
    this.main = this.gh.commit(this.#sha(), [], "Initial commit\n");
  }

  #sha(): string {
    this.#n++;
    return `c0ffee${this.#n.toString(16).padStart(34, "0")}`;
  }

  /** Merges pull request `number` into main; returns its merge_commit_sha. */
  merge(
    number: number,
    options: {
      method?: "squash" | "merge" | "rebase";
      title?: string;
      body?: string | null;
      ai?: boolean;
      commits?: number;
      messages?: string[];
      at?: number;
      author?: string;
    } = {},
  ): string {
    const method = options.method ?? "squash";
    const title = options.title ?? `Change ${number}`;
    const count = options.messages?.length ?? options.commits ?? 1;
    const author = {
      name: options.author ?? "Mona",
      email: `${options.author ?? "mona"}@example.com`,
      login: options.author ?? "mona",
    };
    const own: string[] = [];
    let parent = this.main;
    for (let i = 0; i < count; i++) {
      const message = options.messages?.[i] ?? `${title} part ${i + 1}\n${options.ai ? CLAUDE : ""}`;
      parent = this.gh.commit(this.#sha(), [parent], message, author);
      own.push(parent);
    }
    let merge: string;
    const rebased: string[] = [];
    if (method === "squash") {
      merge = this.gh.commit(this.#sha(), [this.main], `${title} (#${number})\n${options.ai ? CLAUDE : ""}`, author);
      this.main = merge;
    } else if (method === "merge") {
      merge = this.gh.commit(
        this.#sha(),
        [this.main, parent],
        `Merge pull request #${number} from acme/branch-${number}\n\n${title}\n`,
        author,
      );
      this.main = merge;
    } else {
      for (const sha of own) {
        const original = this.gh.commits.get(sha);
        this.main = this.gh.commit(this.#sha(), [this.main], original?.message ?? "", author);
        rebased.push(this.main);
      }
      merge = this.main;
    }
    this.gh.pulls.set(number, {
      number,
      title,
      body: options.body ?? null,
      user: { login: author.login, type: "User" },
      head: { ref: `branch-${number}`, sha: parent },
      base: { ref: "main" },
      commits: own,
      rebased,
      merged_at: T(options.at ?? number),
      merge_commit_sha: merge,
      merged_by: { login: "lead" },
      created_at: T((options.at ?? number) - 1),
      labels: [],
    });
    return merge;
  }

  /** A commit pushed straight to main. */
  push(message: string): string {
    this.main = this.gh.commit(this.#sha(), [this.main], message);
    return this.main;
  }

  /** A deployment of `sha` that succeeded at hour `at`; returns its id. */
  deploy(sha: string, at: number, environment = "production", states: string[] = ["success"]): number {
    const id = ++this.#deploymentId;
    this.gh.deployments.push({
      id,
      sha,
      ref: "main",
      environment,
      created_at: T(at - 0.1),
      statuses: states.map((state, i) => ({ state, created_at: T(at + i) })),
    });
    return id;
  }
}
