// Whole-app tests of the "AI attribution" check: webhooks in (trimmed real payloads), GitHub
// mocked with nock, check runs and the ledger out. Each test also holds the API budget.
import { DrizzleQueryError } from "drizzle-orm";
import nock from "nock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { READ_LIMITS } from "../../src/attribution/limits.js";
import type { DeliveryContext, HandlerRegistry } from "../../src/handlers/types.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { githubLinks, visibleText } from "../checks/github-links.js";
import { installationEvent, type Payload, webhookFixture } from "../helpers/fixtures.js";
import {
  type FakeCommit,
  githubMock,
  mockCheckCreate,
  mockCheckUpdate,
  mockConfig,
  mockExistingRuns,
  mockGraphCommits,
  mockPullCommits,
  type PullMocks,
  sha,
} from "../helpers/github-mocks.js";
import { DAY, seedChange, seedRepository } from "../helpers/ledger-seed.js";
import { loadApp, manualClock } from "../helpers/probot.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const OWNER = "Codertocat";
const REPO = "Hello-World";
const INSTALLATION = 31;

const claude = (n: number, subject: string): FakeCommit => ({
  sha: sha(n),
  message: `${subject}\n\nAdds the endpoint and its tests.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n`,
});
const human = (n: number, subject: string): FakeCommit => ({ sha: sha(n), message: `${subject}\n` });

function prEvent(action = "opened", pull: Record<string, unknown> = {}): Payload {
  const payload = installationEvent(`pull_request.${action === "edited" ? "opened" : action}`, INSTALLATION);
  payload.action = action;
  Object.assign(payload.pull_request, pull);
  return payload;
}

/** The body of the first check run created or updated. */
function published(m: PullMocks): Payload {
  const first = m.checks[0];
  if (!first) throw new Error("no check run was published");
  return first.body;
}

/** Mocks one full evaluation: config reads, commit pages, existing runs, and a created check. */
function expectEvaluation(
  m: PullMocks,
  commits: FakeCommit[],
  headSha: string,
  config: { repo?: string; org?: string } = {},
) {
  mockConfig(m, OWNER, REPO, config);
  mockPullCommits(m, OWNER, REPO, 2, commits);
  mockExistingRuns(m, OWNER, REPO, headSha);
  mockCheckCreate(m, OWNER, REPO);
}

describe("PR check: AI attribution", () => {
  let store: Store;
  let deliveries = 0;
  beforeEach(async () => {
    deliveries = 0;
    nock.disableNetConnect();
    store = await openStore(":memory:");
  });
  afterEach(async () => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    await store.close();
    expect(pending).toEqual([]);
  });

  async function run(
    events: Array<{ name: string; payload: Payload }>,
    options: { maxAttempts?: number; settled?: boolean; handlers?: HandlerRegistry; store?: Store } = {},
  ) {
    const clock = manualClock(T0);
    const app = await loadApp({
      store: options.store ?? store,
      now: clock.now,
      random: () => 0,
      handlers: options.handlers ?? defaultHandlers,
      worker: { backoff: { baseMs: 1000, maxMs: 1000, maxAttempts: options.maxAttempts ?? 3 } },
    });
    for (const e of events)
      await app.probot.receive({ id: `d${++deliveries}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
    if (options.settled !== false) {
      // Every delivery was handled for good: an unexpected API call would have left it pending.
      expect(await store.inbox.countDeliveries()).toMatchObject({ pending: 0, processing: 0, failed: 0 });
    }
    return { ...app, clock };
  }

  it("a human's PR with no markers: 'No AI assistance detected', how to mark it, recorded in the ledger", async () => {
    const head = sha(2);
    const m = githubMock();
    expectEvaluation(m, [human(1, "Update README"), human(2, "Fix typo")], head);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "changes", sha: head } }) }]);

    expect(m.checks).toHaveLength(1);
    const check = published(m);
    expect(check).toMatchObject({
      name: "AI attribution",
      head_sha: head,
      status: "completed",
      conclusion: "neutral",
      output: { title: "No AI assistance detected" },
    });
    expect(check.output.summary).toContain("**No AI assistance detected** in 2 commits or the pull request.");
    expect(check.output.summary).toContain("### How to mark AI assistance");
    expect(check.output.summary).toContain("Assisted-by: Claude:claude-opus-4.5");
    // One line of repository context, from the ledger alone (no API call in the budget below).
    expect(check.output.summary).toContain(
      "📈 This repository, last 28 days: no engineer merged a change; no changes shipped.",
    );
    // Budget: 2 config reads + 1 commit page + 2 probes for agent records (notes refs, traces
    // file; src/github/agent-records.ts) + 1 read of existing runs + 1 write.
    expect(m.log.calls).toEqual([
      "GET /repos/Codertocat/Hello-World/contents/.github/shipledger.yml",
      "GET /repos/Codertocat/.github/contents/.github/shipledger.yml",
      "GET /repos/Codertocat/Hello-World/pulls/2/commits",
      "GET /repos/Codertocat/Hello-World/git/matching-refs/notes/",
      "GET /repos/Codertocat/Hello-World/contents/.agent-trace/traces.jsonl",
      "GET /repos/Codertocat/Hello-World/commits/0000000000000000000000000000000000000002/check-runs",
      "POST /repos/Codertocat/Hello-World/check-runs",
    ]);
    const change = await store.changes.getChange(INSTALLATION, 186853002, 2);
    expect(change).toMatchObject({
      ai: false,
      commitsTotal: 2,
      commitsAi: 0,
      state: "open",
      authorLogin: "Codertocat",
    });
    expect(await store.inbox.countDeliveries()).toMatchObject({ done: 1, failed: 0, pending: 0 });
  });

  it("Claude Code trailers: agents, models and evidence per commit", async () => {
    const head = sha(3);
    const m = githubMock();
    expectEvaluation(
      m,
      [claude(1, "Add search endpoint"), human(2, "Tweak docs"), claude(3, "Add search tests")],
      head,
    );
    await run([{ name: "pull_request", payload: prEvent("synchronize", { head: { ref: "changes", sha: head } }) }]);
    const output = published(m).output;
    expect(output.title).toBe("AI-assisted: Claude Code — 2 of 3 commits");
    expect(output.summary).toContain("| Claude Code | 2 | `claude-opus-4.5` |");
    expect(output.summary).toContain(
      "| [0000000](https://github.com/Codertocat/Hello-World/commit/0000000000000000000000000000000000000001) | Add search endpoint | Claude Code | trailer `Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>`<br>message body `🤖 Generated with [Claude Code](https://claude.com/claude-code)` |",
    );
    const change = await store.changes.getChange(INSTALLATION, 186853002, 2);
    expect(change).toMatchObject({ ai: true, agents: ["claude-code"], models: ["claude-opus-4.5"], commitsAi: 2 });
    const commits = await store.changes.listChangeCommits(change?.id ?? 0);
    expect(commits.map((c) => [c.subject, c.ai])).toEqual([
      ["Add search endpoint", true],
      ["Tweak docs", false],
      ["Add search tests", true],
    ]);
    expect(commits[0]?.evidence).toContainEqual(
      expect.objectContaining({ marker: "claude-code/co-author", source: "trailer" }),
    );
  });

  it("a Copilot coding-agent PR: bot author, Agent-Logs-Url session", async () => {
    const head = sha(11);
    const m = githubMock();
    const copilot = {
      name: "copilot-swe-agent[bot]",
      email: "198982749+Copilot@users.noreply.github.com",
      login: "Copilot",
    };
    expectEvaluation(
      m,
      [
        {
          sha: sha(10),
          author: copilot,
          message:
            "Initial plan\n\nAgent-Logs-Url: https://github.com/Codertocat/Hello-World/sessions/0f9e8d7c-6b5a-4321-9876-543210fedcba\n\nCo-authored-by: Codertocat <21031067+Codertocat@users.noreply.github.com>\n",
        },
        {
          sha: sha(11),
          author: copilot,
          message:
            "Fix flaky login test\n\nCo-authored-by: Codertocat <21031067+Codertocat@users.noreply.github.com>\n",
        },
      ],
      head,
    );
    await run([
      {
        name: "pull_request",
        payload: prEvent("opened", {
          user: { login: "Copilot", type: "Bot", id: 198982749 },
          head: { ref: "copilot/fix-flaky-login-test", sha: head },
          body: "Fixes the flaky login test.\n\nFixes #12.",
        }),
      },
    ]);
    const output = published(m).output;
    expect(output.title).toBe("AI-assisted: GitHub Copilot — 2 of 2 commits");
    expect(output.summary).toContain(
      "- [GitHub Copilot: 0f9e8d7c-6b5a-4321-9876-543210fedcba](https://github.com/Codertocat/Hello-World/sessions/0f9e8d7c-6b5a-4321-9876-543210fedcba)",
    );
    expect(output.summary).toContain("Opened by `Copilot`, the GitHub Copilot agent.");
    const change = await store.changes.getChange(INSTALLATION, 186853002, 2);
    expect(change).toMatchObject({ ai: true, botChange: false, agents: ["github-copilot"] });
  });

  it("a Devin PR: the session link in the body makes the change AI-assisted", async () => {
    const head = sha(21);
    const m = githubMock();
    expectEvaluation(m, [human(21, "Add rate limiting")], head);
    await run([
      {
        name: "pull_request",
        payload: prEvent("edited", {
          user: { login: "devin-ai-integration[bot]", type: "Bot", id: 158243242 },
          head: { ref: "devin/1732000000-rate-limit", sha: head },
          body: "Link to Devin run: https://app.devin.ai/sessions/4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b\nRequested by: Codertocat",
        }),
      },
    ]);
    const output = published(m).output;
    expect(output.title).toBe("AI-assisted: Devin — 0 of 1 commit");
    expect(output.summary).toContain(
      "**AI-assisted.** 0 of 1 commit carry AI evidence, and the pull request itself does.",
    );
    expect(output.summary).toContain(
      "[Devin: 4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b](https://app.devin.ai/sessions/4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b)",
    );
    expect(output.summary).toContain("### Pull request evidence");
  });

  it("an Aider commit: author suffix and subject prefix", async () => {
    const head = sha(31);
    const m = githubMock();
    expectEvaluation(
      m,
      [
        {
          sha: head,
          author: { name: "Jane Doe (aider)", email: "jane@example.com" },
          message: "aider: fix off-by-one in pager\n",
        },
      ],
      head,
    );
    await run([{ name: "pull_request", payload: prEvent("reopened", { head: { ref: "fix/pager", sha: head } }) }]);
    expect(published(m).output.title).toBe("AI-assisted: Aider — 1 of 1 commit");
  });

  it("a 300-commit PR: REST's 250 then GraphQL cursor pagination", async () => {
    const commits = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? claude(i + 1, `Step ${i + 1}`) : human(i + 1, `Step ${i + 1}`),
    );
    const head = sha(300);
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    mockPullCommits(m, OWNER, REPO, 2, commits);
    mockGraphCommits(m, commits);
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "big", sha: head } }) }]);
    expect(published(m).output.title).toBe("AI-assisted: Claude Code — 100 of 300 commits");
    expect(m.log.count("GET /repos/Codertocat/Hello-World/pulls/2/commits")).toBe(3);
    expect(m.log.count("POST /graphql")).toBe(3);
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toMatchObject({
      commitsTotal: 300,
      commitsAi: 100,
    });
  });

  it("a list of commits GitHub cut short (a cursor that repeats a commit): the commits read are attributed, never 'superseded'", async () => {
    const commits = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? claude(i + 1, `Step ${i + 1}`) : human(i + 1, `Step ${i + 1}`),
    );
    const head = sha(300);
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    mockPullCommits(m, OWNER, REPO, 2, commits);
    // The second page comes back to a commit of the first: the list stops there, without the head.
    mockGraphCommits(m, [...commits.slice(0, 150), commits[10] as FakeCommit]);
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "big", sha: head } }) }]);
    const check = published(m);
    expect(check.output.title).toBe("AI-assisted: Claude Code — 50 of 150 commits");
    expect(check.output.summary).toContain("Only the first 150 commits could be read");
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toMatchObject({
      attributedSha: head,
      commitsTotal: 150,
    });
  });

  it("an invalid .github/shipledger.yml: the check names the field; attribution still runs with defaults", async () => {
    const head = sha(41);
    const m = githubMock();
    expectEvaluation(m, [claude(41, "Add cache")], head, {
      repo: "attribution:\n  labels: [ai-assisted, 42]\n  lables: [x]\n",
    });
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "cache", sha: head } }) }]);
    const output = published(m).output;
    expect(output.title).toBe("AI-assisted: Claude Code — 1 of 1 commit");
    expect(output.summary).toContain("### ⚠️ Configuration");
    expect(output.summary).toContain("`Codertocat/Hello-World:.github/shipledger.yml` has 2 problems");
    expect(output.summary).toContain("`attribution.labels[1]: expected a string, got 42`");
    expect(output.summary).toContain('`attribution.lables: unknown key; did you mean "labels"?`');
    // The repository's own file was found: the organisation default is not read.
    expect(m.log.count("GET /repos/Codertocat/.github/")).toBe(0);
  });

  it("YAML that does not parse is reported in the check", async () => {
    const head = sha(42);
    const m = githubMock();
    expectEvaluation(m, [human(42, "x")], head, { repo: "attribution: [unclosed\n" });
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }]);
    expect(published(m).output.summary).toMatch(/`\(root\): invalid YAML: [^`]+`/);
  });

  it("the organisation's .github file: its labels count only where a repository's own file takes them (inherit), and the check says where settings came from", async () => {
    const org = "attribution:\n  labels: [made-with-ai]\nmetric:\n  ignorePaths: ['*']\n  periodDays: 14\n";
    const labelled = (n: number, action: string) =>
      prEvent(action, { head: { ref: "x", sha: sha(n) }, labels: [{ name: "made-with-ai" }] });

    // No file of its own: the organisation's label and ignored paths are not applied, and named.
    const m = githubMock();
    expectEvaluation(m, [human(43, "x")], sha(43), { org });
    await run([{ name: "pull_request", payload: labelled(43, "opened") }]);
    const output = published(m).output;
    expect(output.title).toBe("No AI assistance detected");
    expect(output.summary).toContain(
      "Settings: from `Codertocat/.github` (organisation file) for `metric.periodDays`, the defaults otherwise; " +
        "ignored there: `attribution.labels`, `metric.ignorePaths` — only a repository's own file may set these " +
        "(or take them with `inherit: organization`).",
    );
    expect(output.summary).toContain("A pull request label (`ai-assisted`) marks the whole pull request.");
    expect(output.summary).toContain("last 14 days");

    // Its own file opts in: the organisation's label counts. A label names no agent: the change
    // counts as AI-assisted by an unnamed ("Other AI") agent.
    const opted = githubMock();
    expectEvaluation(opted, [human(44, "x")], sha(44), { repo: "inherit: organization\n", org });
    await run([{ name: "pull_request", payload: labelled(44, "synchronize") }]);
    const inherited = published(opted).output;
    expect(inherited.title).toBe("AI-assisted: Other AI — 0 of 1 commit");
    expect(inherited.summary).toContain("- Other AI: label `made-with-ai`");
    expect(inherited.summary).toContain(
      "Settings: from `Codertocat/Hello-World` (repository file), and from `Codertocat/.github` (organisation file) " +
        "for `attribution.labels`, `metric.ignorePaths`, `metric.periodDays` (`inherit: organization`).",
    );
  });

  it("a repository's own file without inherit: the organisation's file is not read, and the check says so", async () => {
    const m = githubMock();
    expectEvaluation(m, [human(47, "x")], sha(47), { repo: "metric:\n  periodDays: 7\n" });
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: sha(47) } }) }]);
    const { summary } = published(m).output;
    expect(summary).toContain("Settings: from `Codertocat/Hello-World` (repository file).");
    expect(m.log.calls.filter((c) => c.includes("/.github/contents"))).toEqual([]);
  });

  it("problems in an inherited organisation file are shown under its own name", async () => {
    const m = githubMock();
    expectEvaluation(m, [human(48, "x")], sha(48), {
      repo: "inherit: organization\nmetric:\n  periodDays: 0\n",
      org: "metric:\n  ignorePaths: [42]\n",
    });
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: sha(48) } }) }]);
    const { summary } = published(m).output;
    expect(summary).toContain(
      "`Codertocat/Hello-World:.github/shipledger.yml` has 1 problem; attribution ran with the defaults for the fields below:\n- `metric.periodDays: expected at least 1, got 0`",
    );
    expect(summary).toContain(
      "`Codertocat/.github:.github/shipledger.yml` has 1 problem; attribution ran with the defaults for the fields below:\n- `metric.ignorePaths[0]: expected a string, got 42`",
    );
  });

  it("remembers the metric settings it read: the repository's, and the organisation's minimum group size", async () => {
    // Six engineers merged in the last 28 days: enough for per-engineer figures under the
    // instance's minimum of 5.
    const repositoryId = (prEvent().repository as { id: number }).id;
    await seedRepository(store, INSTALLATION, OWNER, repositoryId, REPO, T0 - 30 * DAY);
    for (const [i, engineer] of ["ann", "ben", "cy", "di", "eve", "fay"].entries()) {
      await seedChange(store, INSTALLATION, repositoryId, { number: 900 + i, engineer, mergedAt: T0 - (i + 1) * DAY });
    }
    const m = githubMock();
    // No file in the repository: the organisation's raises the minimum to 7, but its revert window
    // and ignored paths are not this repository's (the instance's apply: nothing is recorded).
    expectEvaluation(m, [human(44, "x")], sha(44), {
      org: "metric:\n  minGroupSize: 7\n  ignorePaths: [docs/**]\ndeployments:\n  revertWindowDays: 2\n",
    });
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: sha(44) } }) }]);
    expect((await store.installations.getInstallation(INSTALLATION))?.minGroupSize).toBe(7);
    const [repository] = await store.installations.listRepositories(INSTALLATION);
    expect(repository?.metricSettings).toBeNull();
    expect(published(m).output.summary).toContain("last 28 days: 6 active engineers, too few");

    // Later the repository gets a file of its own, which tries to lower the minimum to 3: its
    // settings are recorded, the organisation's minimum stays, and 7 is still in force.
    const later = githubMock();
    expectEvaluation(later, [human(45, "y")], sha(45), {
      repo: "deployments:\n  revertWindowDays: 30\nmetric:\n  minGroupSize: 3\n",
    });
    await run([{ name: "pull_request", payload: prEvent("synchronize", { head: { ref: "x", sha: sha(45) } }) }]);
    expect((await store.installations.getInstallation(INSTALLATION))?.minGroupSize).toBe(7);
    expect((await store.installations.listRepositories(INSTALLATION))[0]?.metricSettings).toEqual({
      revertWindowDays: 30,
      ignorePaths: [],
      minGroupSize: 3,
    });
    expect(published(later).output.summary).toContain("last 28 days: 6 active engineers, too few");

    // No file anywhere any more: the instance's settings apply again (5), and the figure is shown.
    const none = githubMock();
    expectEvaluation(none, [human(46, "z")], sha(46));
    await run([{ name: "pull_request", payload: prEvent("synchronize", { head: { ref: "x", sha: sha(46) } }) }]);
    expect((await store.installations.getInstallation(INSTALLATION))?.minGroupSize).toBeNull();
    expect((await store.installations.listRepositories(INSTALLATION))[0]?.metricSettings).toBeNull();
    expect(published(none).output.summary).toContain("last 28 days: 0.00 normalised deployments");
  });

  it("a configuration of 480 phrases and 2 MB messages: the matching work is bounded, trailers still count, the check says what was cut", async () => {
    // The largest configuration a repository may write: 10 agents × 48 phrases (28 KB of YAML).
    const phrase = (agent: number, i: number) => `${"a".repeat(40)}${agent}-${i}`;
    const yaml = `attribution:\n  agents:\n${Array.from(
      { length: 10 },
      (_, a) =>
        `    - id: hostile-${a}\n      text:\n${Array.from({ length: 48 }, (_, i) => `        - "${phrase(a, i)}"\n`).join("")}`,
    ).join("")}`;
    // Text on which every phrase's search runs to the end (its anchor, "-", is everywhere).
    const text = `${"a".repeat(39)}0-`.repeat(Math.ceil(2_000_000 / 41));
    const commits: FakeCommit[] = [1, 2, 3].map((n) => ({
      sha: sha(120 + n),
      message: `Add part ${n}\n\n${text}\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n`,
    }));
    const head = sha(123);
    const m = githubMock();
    expectEvaluation(m, commits, head, { repo: yaml });
    // The description's first line holds one of the configured phrases.
    const body = `Built with ${phrase(0, 0)}.\n\n${text}`;
    const lines: Array<{ msg?: string; reading?: Record<string, number | boolean> }> = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const handlers: HandlerRegistry = Object.fromEntries(
      Object.entries(defaultHandlers).map(([event, list]) => [
        event,
        list.map((handler) => (ctx: DeliveryContext) => handler({ ...ctx, log })),
      ]),
    );
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head }, body }) }], {
      handlers,
    });

    const output = published(m).output;
    // Each trailer sits after 2 MB of text: all three commits still count.
    expect(output.title).toBe("AI-assisted: Claude Code, hostile-0 — 3 of 3 commits");
    expect(output.summary).toContain("- hostile-0: PR description `Built with aaaa");
    expect(output.summary).toContain(
      "> 3 commit messages were longer than Shipledger reads and were read only in part: a subject or body longer than 64 KiB only in its first 48 KiB and last 16 KiB",
    );
    expect(output.summary).toContain(
      "> The pull request's title or description is longer than 128 KiB and was read only in its first 96 KiB and last 32 KiB.",
    );
    expect(output.summary).toContain(
      "> The phrases, link prefixes and patterns of this repository's configuration were not all tried on the pull request's title or description and 3 commit messages",
    );

    // The work: characters searched × configured phrases, counted where each search runs.
    // Unbounded, it was 480 phrases over 8 MB of text (3.8 billion); here it stays within the budget.
    const attributed = lines.find((l) => l.msg === "attributed pull request");
    expect(480 * (body.length + 3 * text.length)).toBeGreaterThan(3_800_000_000);
    expect(attributed?.reading).toEqual({
      work: expect.any(Number),
      longMessages: 3,
      longPullText: true,
      unsearchedMessages: 3,
      unsearchedPullText: true,
    });
    expect(attributed?.reading?.work).toBeLessThanOrEqual(READ_LIMITS.matchWork);
    // (Less than the budget charged: an agent's phrases stop at its first match.)
    expect(attributed?.reading?.work).toBeGreaterThan(READ_LIMITS.matchWork / 2);
  });

  it("a commit subject that mentions a team, references issues and commits and holds a URL: shown in the check, none of it linked", async () => {
    const head = sha(141);
    const subject = "Page @org/security-team: #12 GH-34 acme/web#5 acme/web@1a2b3c4 www.evil.example";
    const m = githubMock();
    expectEvaluation(
      m,
      [human(140, subject), human(141, "Follow https://evil.example/login as jane@example.com")],
      head,
    );
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }]);

    const { summary } = published(m).output;
    const rows = summary.split("\n").filter((line: string) => line.startsWith("| [000"));
    expect(rows.map((row: string) => visibleText(row.split(" | ")[1] ?? ""))).toEqual([
      subject,
      "Follow https://evil.example/login as jane@example.com",
    ]);
    expect(summary).toContain("Page &#64;&#8203;org/security-team: &#35;&#8203;12 GH-&#8203;34");
    // Nothing in the whole summary would notify anyone or link anywhere but Shipledger's own links.
    expect(githubLinks(summary)).toEqual([]);
  });

  it("API 500: the inbox retries, and the check is published once GitHub recovers", async () => {
    const head = sha(51);
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    m.scope.get(`/repos/${OWNER}/${REPO}/pulls/2/commits`).query(true).reply(500, { message: "Server Error" });
    const app = await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }], {
      settled: false,
    });
    expect(await store.inbox.getDelivery("d1")).toMatchObject({ status: "pending", attempts: 1 });
    expect(m.checks).toEqual([]);

    // The retry reads no configuration: both files' 404s are a minute old (src/github/config-cache.ts).
    mockPullCommits(m, OWNER, REPO, 2, [claude(51, "Add retry")]);
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
    app.clock.advance(60_000);
    await app.worker.drain();
    expect(await store.inbox.getDelivery("d1")).toMatchObject({ status: "done", attempts: 2 });
    expect(published(m).output.title).toBe("AI-assisted: Claude Code — 1 of 1 commit");
  });

  it("API 500 until the last attempt: a completed check explains it instead of staying silent", async () => {
    const head = sha(52);
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    m.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2/commits`)
      .query(true)
      .reply(503, { message: "Service Unavailable" }, { "x-github-request-id": "CAFE:1" });
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }], {
      maxAttempts: 1,
    });
    const check = published(m);
    expect(check).toMatchObject({
      status: "completed",
      conclusion: "neutral",
      output: { title: "AI attribution could not be evaluated" },
    });
    expect(check.output.summary).toContain("- HTTP status: 503");
    expect(check.output.summary).toContain("- GitHub request id: `CAFE:1`");
    expect(await store.inbox.getDelivery("d1")).toMatchObject({ status: "done" });
  });

  it("a database error on the last attempt: a generic check naming the delivery, never the SQL; the log and the inbox keep it, bounded", async () => {
    const head = sha(131);
    const m = githubMock();
    expectEvaluation(m, [claude(131, "Add export")], head);
    // drizzle's error quotes the statement and every parameter: titles, e-mails, whole messages.
    const query = 'insert into "changes" ("installation_id", "title", "author_login") values (?, ?, ?)';
    const params = [31, "Add export of customer emails", "x".repeat(100_000)];
    const changes = new Proxy(store.changes, {
      get(target, name) {
        if (name === "recordChange") {
          return async () => {
            throw new DrizzleQueryError(query, params, new Error("SQLITE_FULL: database or disk is full"));
          };
        }
        const value = Reflect.get(target, name, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const broken = new Proxy(store, {
      get(target, name) {
        if (name === "changes") return changes;
        const value = Reflect.get(target, name, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const lines: Array<{ msg?: string; error?: { message: string }; cause?: string }> = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const handlers: HandlerRegistry = {
      "pull_request.opened": (defaultHandlers["pull_request.opened"] ?? []).map(
        (handler) => (ctx: DeliveryContext) => handler({ ...ctx, log }),
      ),
    };
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }], {
      maxAttempts: 1,
      settled: false,
      store: broken,
      handlers,
    });

    const check = published(m);
    expect(check).toMatchObject({
      status: "completed",
      conclusion: "neutral",
      output: { title: "AI attribution could not be evaluated" },
    });
    expect(check.output.summary).toBe(
      [
        "**Shipledger could not evaluate this pull request** while recording the pull request in the ledger.",
        "",
        "Shipledger hit an internal error; the details are in the app's log (delivery `d1`).",
        "",
        "Re-run this check; if it keeps failing, the app's operator finds the delivery and its error with `shipledger inbox`.",
        "",
        "<sub>Informational: this check never blocks a merge.</sub>",
      ].join("\n"),
    );
    for (const secret of ["Failed query", "insert into", "customer emails", "xxxx", "SQLITE"]) {
      expect(JSON.stringify(check)).not.toContain(secret);
    }

    // The operator's side: the log has the query and its cause, the inbox the delivery as failed.
    const logged = lines.find((l) => l.msg?.includes("internal error"));
    expect(logged?.error?.message).toContain('Failed query: insert into "changes"');
    expect(logged?.error?.message.length).toBeLessThanOrEqual(2_000);
    expect(logged?.cause).toBe("SQLITE_FULL: database or disk is full");
    const delivery = await store.inbox.getDelivery("d1");
    expect(delivery).toMatchObject({ status: "failed", attempts: 1 });
    expect(delivery?.lastError).toContain("Failed query: insert into");
    expect(delivery?.lastError?.length).toBeLessThanOrEqual(2_000);
  });

  it("API 403: a completed check explaining the missing access, with the status and request id", async () => {
    const head = sha(61);
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    m.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2/commits`)
      .query(true)
      .reply(403, { message: "Resource not accessible by integration" }, { "x-github-request-id": "BEEF:42" });
    mockExistingRuns(m, OWNER, REPO, head);
    mockCheckCreate(m, OWNER, REPO);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }]);
    const output = published(m).output;
    expect(output.title).toBe("AI attribution could not be evaluated");
    expect(output.summary).toContain("while listing the pull request&#39;s commits".replace("&#39;", "'"));
    expect(output.summary).toContain("- Error: `HTTP 403 Resource not accessible by integration");
    expect(output.summary).toContain("- GitHub request id: `BEEF:42`");
    expect(output.summary).toContain("Shipledger lacks access.");
    expect(await store.inbox.getDelivery("d1")).toMatchObject({ status: "done", attempts: 1 });
  });

  it("unchanged output for the same head is not written again; a changed one updates the run in place", async () => {
    const head = sha(71);
    const first = githubMock();
    expectEvaluation(first, [claude(71, "Add feature")], head);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }]);
    const firstRun = published(first);

    const again = githubMock();
    mockConfig(again, OWNER, REPO);
    mockPullCommits(again, OWNER, REPO, 2, [claude(71, "Add feature")]);
    mockExistingRuns(again, OWNER, REPO, head, [
      {
        id: 900,
        name: "AI attribution",
        status: "completed",
        conclusion: "neutral",
        output: firstRun.output,
        app: { id: 1 },
      },
    ]);
    await run([{ name: "pull_request", payload: prEvent("edited", { head: { ref: "x", sha: head } }) }]);
    expect(again.checks).toEqual([]);
    expect(again.log.count("POST") + again.log.count("PATCH")).toBe(0);

    const changed = githubMock();
    mockConfig(changed, OWNER, REPO);
    mockPullCommits(changed, OWNER, REPO, 2, [claude(71, "Add feature")]);
    mockExistingRuns(changed, OWNER, REPO, head, [
      {
        id: 900,
        name: "AI attribution",
        status: "completed",
        conclusion: "neutral",
        output: { title: "old", summary: "old" },
      },
    ]);
    mockCheckUpdate(changed, OWNER, REPO, 900);
    await run([{ name: "pull_request", payload: prEvent("edited", { head: { ref: "x", sha: head } }) }]);
    expect(changed.checks.map((c) => c.method)).toEqual(["PATCH"]);
  });

  it("dependabot's PR is recorded as a bot change, not an engineer's, and not AI-assisted", async () => {
    const head = sha(81);
    const m = githubMock();
    const bot = {
      name: "dependabot[bot]",
      email: "49699333+dependabot[bot]@users.noreply.github.com",
      login: "dependabot[bot]",
    };
    expectEvaluation(
      m,
      [
        {
          sha: head,
          author: bot,
          message: "Bump lodash from 4.17.20 to 4.17.21\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
        },
      ],
      head,
    );
    await run([
      {
        name: "pull_request",
        payload: prEvent("opened", {
          user: { login: "dependabot[bot]", type: "Bot" },
          head: { ref: "dependabot/npm_and_yarn/lodash-4.17.21", sha: head },
        }),
      },
    ]);
    expect(published(m).output.title).toBe("Bot change (dependabot[bot]): no AI assistance detected");
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toMatchObject({ botChange: true, ai: false });
  });

  it("a PR with no commits gets a completed check saying so", async () => {
    const head = sha(91);
    const m = githubMock();
    expectEvaluation(m, [], head);
    await run([{ name: "pull_request", payload: prEvent("opened", { head: { ref: "x", sha: head } }) }]);
    expect(published(m).output.title).toBe("No commits to attribute");
  });

  it("a head that moved on (force-push) while the delivery waited gets a 'superseded' check, and the ledger is left to the newer push", async () => {
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    // Superseded before its agent records are read.
    mockPullCommits(m, OWNER, REPO, 2, [human(101, "new history")], { agentRecords: false });
    // The pull request's head tells a force-push from a list of commits not caught up yet.
    m.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2`)
      .reply(200, { ...prEvent("opened").pull_request, head: { ref: "x", sha: sha(101) } });
    mockExistingRuns(m, OWNER, REPO, sha(100));
    mockCheckCreate(m, OWNER, REPO);
    await run([{ name: "pull_request", payload: prEvent("synchronize", { head: { ref: "x", sha: sha(100) } }) }]);
    expect(published(m).output.title).toBe("Superseded: the pull request's head moved on");
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toBeNull();
  });

  it("a head GitHub does not list yet (its commits lag the push): asked again, and the check published once it does", async () => {
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    // The push's delivery came before GitHub's list of the pull request's commits caught up.
    mockPullCommits(m, OWNER, REPO, 2, [human(110, "first")], { agentRecords: false });
    m.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2`)
      .reply(200, { ...prEvent("opened").pull_request, head: { ref: "x", sha: sha(111) } });
    const app = await run(
      [{ name: "pull_request", payload: prEvent("synchronize", { head: { ref: "x", sha: sha(111) } }) }],
      { settled: false },
    );
    expect(m.checks).toEqual([]);
    expect(await store.inbox.getDelivery("d1")).toMatchObject({ status: "pending", attempts: 1 });

    mockPullCommits(m, OWNER, REPO, 2, [human(110, "first"), claude(111, "second")]);
    mockExistingRuns(m, OWNER, REPO, sha(111));
    mockCheckCreate(m, OWNER, REPO);
    app.clock.advance(60_000);
    await app.worker.drain();
    expect(await store.inbox.getDelivery("d1")).toMatchObject({ status: "done", attempts: 2 });
    expect(published(m)).toMatchObject({
      head_sha: sha(111),
      output: { title: "AI-assisted: Claude Code — 1 of 2 commits" },
    });
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toMatchObject({
      attributedSha: sha(111),
      ai: true,
    });
  });

  it("a head GitHub still does not list on the last attempt: a completed check says so", async () => {
    const m = githubMock();
    mockConfig(m, OWNER, REPO);
    mockPullCommits(m, OWNER, REPO, 2, [human(120, "first")], { agentRecords: false });
    m.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2`)
      .reply(200, { ...prEvent("opened").pull_request, head: { ref: "x", sha: sha(121) } });
    mockExistingRuns(m, OWNER, REPO, sha(121));
    mockCheckCreate(m, OWNER, REPO);
    await run([{ name: "pull_request", payload: prEvent("synchronize", { head: { ref: "x", sha: sha(121) } }) }], {
      maxAttempts: 1,
    });
    expect(published(m)).toMatchObject({
      head_sha: sha(121),
      conclusion: "neutral",
      output: { title: "AI attribution could not be evaluated" },
    });
    expect(published(m).output.summary).toContain("does not list this commit among the commits of #2 yet");
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toBeNull();
  });

  it("a label the configuration counts, added after the pull request was opened, updates its check; another label asks nothing", async () => {
    const head = sha(140);
    const m = githubMock();
    expectEvaluation(m, [human(140, "Add search")], head);
    const opened = prEvent("opened", { head: { ref: "x", sha: head }, labels: [] });
    const labeled = (label: string, labels: string[]) => {
      const payload = prEvent("opened", { head: { ref: "x", sha: head }, labels: labels.map((name) => ({ name })) });
      return { ...payload, action: "labeled", label: { name: label } };
    };
    const sized = labeled("size/S", ["size/S"]);
    const marked = labeled("AI-Assisted", ["size/S", "AI-Assisted"]);
    // The labelled delivery: the commits, the notes refs asked again (the traces file's 404 at this
    // head is believed), and the run updated. The other label's: no call at all.
    mockPullCommits(m, OWNER, REPO, 2, [human(140, "Add search")], { agentRecords: false });
    m.scope.get(`/repos/${OWNER}/${REPO}/git/matching-refs/notes%2F`).reply(200, []);
    mockExistingRuns(m, OWNER, REPO, head, [
      { id: 900, name: "AI attribution", status: "completed", conclusion: "neutral", output: { title: "old" } },
    ]);
    mockCheckUpdate(m, OWNER, REPO, 900);
    // One at a time: the configuration read for the first is the labelled deliveries' too (cached).
    const app = await run([{ name: "pull_request", payload: opened }]);
    for (const payload of [sized, marked]) {
      await app.probot.receive({ id: `d${++deliveries}`, name: "pull_request", payload });
      await app.worker.drain();
    }
    expect(await store.inbox.countDeliveries()).toMatchObject({ pending: 0, processing: 0, failed: 0, done: 3 });
    expect(m.checks.map((c) => [c.method, (c.body.output as { title: string }).title])).toEqual([
      ["POST", "No AI assistance detected"],
      ["PATCH", "AI-assisted: Other AI — 0 of 1 commit"],
    ]);
    expect(await store.changes.getChange(INSTALLATION, 186853002, 2)).toMatchObject({ ai: true });
  });

  it("check_run and check_suite 'Re-run' evaluate the pull request again", async () => {
    const suite = webhookFixture("check_suite.rerequested");
    suite.installation = { id: INSTALLATION };
    const head: string = suite.check_suite.head_sha;
    const m = githubMock();
    m.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2`)
      .reply(200, { ...prEvent("opened").pull_request, head: { ref: "changes", sha: head } });
    expectEvaluation(m, [claude(1, "a"), { ...human(2, "b"), sha: head }], head);
    await run([{ name: "check_suite", payload: suite }]);
    expect(published(m).output.title).toBe("AI-assisted: Claude Code — 1 of 2 commits");

    // A check_run re-run of a fork's PR: the payload lists no pull requests, so they are looked up.
    const runEvent = installationEvent("check_run.rerequested", INSTALLATION);
    runEvent.check_run.name = "AI attribution";
    runEvent.check_run.head_sha = head;
    runEvent.repository = prEvent("opened").repository;
    const m2 = githubMock();
    m2.scope
      .get(`/repos/${OWNER}/${REPO}/commits/${head}/pulls`)
      .reply(200, [{ number: 2, state: "open", head: { sha: head } }]);
    m2.scope
      .get(`/repos/${OWNER}/${REPO}/pulls/2`)
      .reply(200, { ...prEvent("opened").pull_request, head: { ref: "changes", sha: head } });
    expectEvaluation(m2, [claude(1, "a"), { ...human(2, "b"), sha: head }], head);
    await run([{ name: "check_run", payload: runEvent }]);
    expect(m2.checks).toHaveLength(1);
  });
});
