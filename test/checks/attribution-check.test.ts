import { DrizzleQueryError } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { attributeChange } from "../../src/attribution/attribute.js";
import type { CommitInput } from "../../src/attribution/types.js";
import {
  renderAttributionCheck,
  renderFailureCheck,
  SUMMARY_LIMIT,
  settingsLine,
} from "../../src/checks/attribution-check.js";
import { escapeMarkdown } from "../../src/checks/markdown.js";
import { settingsFor } from "../../src/config/effective-settings.js";
import { defaults, parseRepoConfig, writtenFields } from "../../src/config/repo-config.js";
import { describeGitHubError } from "../../src/util/github-errors.js";

const mona = { name: "Mona Lisa", email: "mona@example.com", login: "mona" };
const sha = (n: number) => n.toString(16).padStart(40, "0");

function render(commits: CommitInput[], pr: Partial<Parameters<typeof attributeChange>[0]> = {}) {
  const change = {
    number: 7,
    title: "Add search",
    body: null,
    author: { login: "mona", type: "User" },
    headRef: "feature/search",
    labels: [],
    ...pr,
  };
  const attribution = attributeChange(change, commits, defaults);
  return renderAttributionCheck({
    repository: "acme/shop",
    webUrl: "https://github.com",
    change: { number: 7, authorLogin: change.author.login, headRef: change.headRef },
    attribution,
    subjects: new Map(commits.map((c) => [c.sha, c.message.split("\n")[0] ?? ""])),
    config: defaults,
    configSource: null,
    configErrors: [],
    notes: [],
  });
}

describe("check summary: how strong the evidence is", () => {
  it("says a verdict rests on hints alone (a branch name, a footer phrase)", () => {
    const run = render(
      [
        {
          sha: sha(1),
          author: mona,
          message: "Add search\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
        },
      ],
      { headRef: "claude/add-search" },
    );
    expect(run.output.summary).toContain(
      "Evidence: circumstantial only (branch names, labels or phrases); no trailer, agent identity, session or record of authorship names the agent.",
    );
  });

  it("says it rests on explicit evidence when a trailer names the agent", () => {
    const run = render([
      { sha: sha(1), author: mona, message: "Add search\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n" },
    ]);
    expect(run.output.summary).toContain(
      "Evidence: explicit (1 of 1 piece names the agent in a trailer, an identity, a session link or a record of authorship).",
    );
  });

  it("says nothing of strength when nothing was found", () => {
    const run = render([{ sha: sha(1), author: mona, message: "Add search\n" }]);
    expect(run.output.summary).not.toContain("Evidence:");
  });
});

describe("check summary", () => {
  it("matches the snapshot of a representative pull request", async () => {
    const run = render(
      [
        {
          sha: sha(1),
          author: mona,
          message:
            "Add search endpoint\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nClaude-Session: https://claude.ai/code/session_01AbCdEf\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n",
        },
        { sha: sha(2), author: mona, message: "Fix pagination\n\nAssisted-by: Cursor:gpt-5 ripgrep\n" },
        { sha: sha(3), author: mona, message: "Update changelog\n\nAssisted-by: Jane Doe <jane@example.com>\n" },
        { sha: sha(4), author: mona, message: "Tidy | pipes, `ticks` and <b>html</b> @acme/team\n" },
      ],
      { labels: ["ai-assisted"] },
    );
    expect(run.output.title).toBe("AI-assisted: Claude Code, Cursor, Other AI — 2 of 4 commits");
    await expect(`# ${run.output.title}\n\n${run.output.summary}\n`).toMatchFileSnapshot(
      "__snapshots__/representative-pr.md",
    );
  });

  it("says which squashed commit of a squash merge held the evidence", () => {
    const { output } = render([
      {
        sha: sha(1),
        author: mona,
        message:
          "Add search (#7)\n\n* Add the search endpoint\n\nMade-with: Cursor\n\n* Fix pagination\n\n---------\n\nCo-authored-by: Jane Doe <jane@example.com>\n",
      },
    ]);
    const [row] = output.summary.split("\n").filter((l) => l.startsWith("| [0"));
    expect(row).toContain("| Cursor | trailer `Made-with: Cursor` (squashed commit `Add the search endpoint`) |");
  });

  it("shows untrusted text as text: no markdown, HTML or mentions get through", () => {
    expect(escapeMarkdown("[click](https://evil) <img src=x> @org/team | `x`")).toBe(
      "&#91;click&#93;&#40;https:&#8203;//evil&#41; &#60;img src=x&#62; &#64;&#8203;org/team &#124; &#96;x&#96;",
    );
    expect(escapeMarkdown("line1\nline2\r\n\tend")).toBe("line1 line2 end");
  });

  // Rows of ~257 bytes: 249 fit beside the rest of the summary (a few characters of which take
  // more than a byte) and the room kept for the note.
  it.each([
    [249, 249, null],
    [250, 249, "1 more commit"],
    [300, 249, "51 more commits"],
    [2_000, 249, "1751 more commits"],
    [10_000, 249, "9751 more commits"],
  ])("a %i-commit PR stays under GitHub's 65,535 bytes: %i rows, cut between rows", (n, shown, more) => {
    const commits = Array.from({ length: n }, (_, i) => ({
      sha: sha(i + 1),
      author: mona,
      message: `${"Refactor the very long module name ".repeat(3)}${i}\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n`,
    }));
    const { output } = render(commits);
    expect(Buffer.byteLength(output.summary, "utf8")).toBeLessThanOrEqual(SUMMARY_LIMIT);
    const rows = output.summary.split("\n").filter((l) => l.startsWith("| [0"));
    // The first commits, in order, each row whole.
    expect(rows.map((row) => /^\| \[(\w{7})\]/.exec(row)?.[1])).toEqual(
      Array.from({ length: shown }, (_, i) => sha(i + 1).slice(0, 7)),
    );
    for (const row of rows) expect(row).toMatch(/ \| Claude Code \| .+ \|$/);
    const note = `_…and ${more} not shown (GitHub limits a check summary to 65,535 bytes); ${n} of all ${n} carry AI evidence._`;
    expect(output.summary.split("\n").filter((l) => l.includes("not shown"))).toEqual(more === null ? [] : [note]);
    // What follows the table is still there: the footer is never cut.
    expect(output.summary.endsWith("tokens, prompts and commits are never counted.</sub>")).toBe(true);
  });

  it("a failure check says what failed, the status, the request id and what to do", () => {
    const run = renderFailureCheck(
      { status: 404, requestId: "AB:CD", message: "Not Found" },
      "listing the pull request's commits",
      "d-1",
    );
    expect(run).toEqual({
      conclusion: "neutral",
      output: {
        title: "AI attribution could not be evaluated",
        summary: [
          "**Shipledger could not evaluate this pull request** while listing the pull request's commits.",
          "",
          "- Error: `HTTP 404 Not Found (GitHub request id AB:CD)`",
          "- HTTP status: 404",
          "- GitHub request id: `AB:CD`",
          "",
          "GitHub could not find what Shipledger asked for; the pull request or its branch may have been deleted. Push again or re-run this check.",
          "",
          "<sub>Informational: this check never blocks a merge.</sub>",
        ].join("\n"),
      },
    });
  });

  it.each<[string, unknown, string[]]>([
    [
      "drizzle's failed query (SQL and parameters)",
      new DrizzleQueryError('select * from "changes" where "title" = ?', ["secret roadmap"], new Error("SQLITE_BUSY")),
      ["Failed query", "select", "secret roadmap"],
    ],
    [
      "a Postgres error",
      Object.assign(new Error('relation "changes" does not exist'), { code: "42P01" }),
      ["relation"],
    ],
    ["a programming error", new TypeError("Cannot read properties of undefined (reading 'sha')"), ["TypeError", "sha"]],
    ["a thrown string", "ECONNREFUSED 10.0.0.5:5432", ["ECONNREFUSED", "10.0.0.5"]],
  ])("an internal error (%s) is published as a generic message naming the delivery", (_, error, hidden) => {
    const run = renderFailureCheck(describeGitHubError(error), "recording the pull request in the ledger", "a1b2-c3");
    expect(run.output.summary).toContain(
      "Shipledger hit an internal error; the details are in the app's log (delivery `a1b2-c3`).",
    );
    for (const text of hidden) expect(JSON.stringify(run)).not.toContain(text);
  });

  it.each<[string, unknown, string]>([
    ["403", { status: 403, message: "Resource not accessible by integration" }, "HTTP 403 Resource not accessible"],
    ["422", { status: 422, message: "Validation Failed" }, "HTTP 422 Validation Failed"],
    ["502", { status: 502, message: "Bad Gateway" }, "HTTP 502 Bad Gateway"],
  ])("GitHub's own answer (%s) is shown as it was", (_, error, shown) => {
    const run = renderFailureCheck(describeGitHubError(error), "listing the pull request's commits", "d-1");
    expect(run.output.summary).toContain(`- Error: \`${shown}`);
    expect(run.output.summary).not.toContain("internal error");
  });
});

describe("describeGitHubError", () => {
  it.each<[string, unknown, { status: number | null; max: number; hidden?: string }]>([
    ["a 1 MB message is cut to 2,000 characters", new Error("x".repeat(1_000_000)), { status: null, max: 2_000 }],
    [
      "a token is redacted, even near the cut",
      new Error(`${"y".repeat(1_990)} token ghp_${"A".repeat(36)}`),
      { status: null, max: 2_000, hidden: "ghp_AAAA" },
    ],
    [
      "drizzle's error has no status: it is internal",
      new DrizzleQueryError("select 1", [], undefined),
      { status: null, max: 2_000 },
    ],
    ["GitHub's RequestError keeps its status", { status: 404, message: "Not Found" }, { status: 404, max: 2_000 }],
  ])("%s", (_, error, expected) => {
    const failure = describeGitHubError(error);
    expect(failure.status).toBe(expected.status);
    expect(failure.message.length).toBeLessThanOrEqual(expected.max);
    if (expected.hidden) expect(failure.message).not.toContain(expected.hidden);
  });
});

describe("where the settings came from", () => {
  const file = (source: string, yaml: string) => ({
    source: `${source}:.github/shipledger.yml`,
    config: parseRepoConfig(parse(yaml)).config,
    written: writtenFields(parse(yaml)),
  });
  const line = (own: string | null, org: string | null) =>
    settingsLine(
      settingsFor({
        own: own === null ? null : file("acme/shop", own),
        organisation: org === null ? null : file("acme/.github", org),
      }),
      "acme/shop",
    );

  it.each<[string, string | null, string | null, string]>([
    ["no file anywhere", null, null, "Settings: the defaults (no `.github/shipledger.yml` here or in `acme/.github`)."],
    ["its own file", "metric:\n  periodDays: 7\n", null, "Settings: from `acme/shop` (repository file)."],
    [
      "the organisation's file, partly ignored",
      null,
      "metric:\n  minGroupSize: 8\n  ignorePaths: ['*']\ndeployments:\n  source: release\n",
      "Settings: from `acme/.github` (organisation file) for `metric.minGroupSize`, the defaults otherwise; ignored there: `deployments.source`, `metric.ignorePaths` — only a repository's own file may set these (or take them with `inherit: organization`).",
    ],
    [
      "the organisation's file, wholly ignored",
      null,
      "attribution:\n  trustGenericTrailers: true\n",
      "Settings: the defaults; `acme/.github` (organisation file) sets nothing a repository takes without opting in; ignored there: `attribution.trustGenericTrailers` — only a repository's own file may set these (or take them with `inherit: organization`).",
    ],
    [
      "inherit, and the organisation has no file",
      "inherit: organization\n",
      null,
      "Settings: from `acme/shop` (repository file); it says `inherit: organization`, but `acme/.github` has no `.github/shipledger.yml`.",
    ],
    [
      "inherit, with nothing to add",
      "inherit: organization\nmetric:\n  periodDays: 7\n",
      "metric:\n  periodDays: 30\n",
      "Settings: from `acme/shop` (repository file); `acme/.github` (organisation file) adds nothing to it.",
    ],
  ])("%s", (_, own, org, expected) => {
    expect(line(own, org)).toBe(expected);
  });
});
