// The read limits of the attribution engine (src/attribution/limits.ts): how much of each text is
// read, that trailers survive any cap, and that a hostile configuration's work is bounded.
import { describe, expect, it } from "vitest";
import { attributeChange, attributeCommit } from "../../src/attribution/attribute.js";
import { boundText, CUT_MARK, MatchBudget, READ_LIMITS } from "../../src/attribution/limits.js";
import { parseTrailers } from "../../src/attribution/trailers.js";
import type { ChangeInput, CommitInput } from "../../src/attribution/types.js";
import { defaults, parseRepoConfig, type RepoConfig } from "../../src/config/repo-config.js";

const jane = { name: "Jane Doe", email: "jane@example.com" };
const KiB = 1024;
const MB = 1_000_000;
const filler = (n: number) => "lorem ipsum dolor sit amet\n".repeat(Math.ceil(n / 27)).slice(0, n);
const commit = (message: string, n = 1): CommitInput => ({
  sha: n.toString(16).padStart(40, "0"),
  message,
  author: jane,
});
const change = (overrides: Partial<ChangeInput> = {}): ChangeInput => ({
  title: "Add search",
  body: "Adds search.",
  author: { login: "jane-doe", type: "User" },
  headRef: "feature/search",
  labels: [],
  ...overrides,
});

function config(attribution: unknown): RepoConfig {
  const { config, errors } = parseRepoConfig({ attribution });
  expect(errors).toEqual([]);
  return config;
}

/** The largest configuration a repository may write: 10 agents × 48 phrases. */
const hostile = config({
  agents: Array.from({ length: 10 }, (_, a) => ({
    id: `hostile-${a}`,
    text: Array.from({ length: 48 }, (_, i) => `${"a".repeat(150)}${a}-${i}`),
  })),
});
const PHRASES = 480;
const acme = config({ agents: [{ id: "acme", text: ["made by acme agent"], links: ["https://acme.dev/runs/"] }] });

describe("boundText", () => {
  it.each<[string, string, number, string]>([
    ["shorter than the limit", "abcdef", 8, "abcdef"],
    ["exactly the limit", "abcdefgh", 8, "abcdefgh"],
    ["one over: the first ¾ and the last ¼", "abcdefghi", 8, `abcdef${CUT_MARK}hi`],
    ["far over", "0123456789".repeat(10), 8, `012345${CUT_MARK}89`],
    ["an odd limit rounds the head up", "abcdefghij", 5, `abcd${CUT_MARK}j`],
    ["empty", "", 8, ""],
  ])("%s", (_, text, limit, expected) => {
    expect(boundText(text, limit)).toBe(expected);
  });

  it("keeps a 64 KiB message text whole and cuts one character more to its 48 KiB head and 16 KiB tail", () => {
    const limit = READ_LIMITS.messageText;
    expect(boundText("x".repeat(limit), limit)).toHaveLength(limit);
    const cut = boundText(`${"h".repeat(limit)}t`, limit);
    expect(cut).toBe(`${"h".repeat(48 * KiB)}${CUT_MARK}${"h".repeat(16 * KiB - 1)}t`);
  });
});

describe("MatchBudget", () => {
  it.each<[string, number, Array<[number, number]>, number[]]>([
    ["no configured pattern: everything, free", 100, [[1_000, 0]], [1_000]],
    [
      "affordable texts are granted whole",
      100,
      [
        [10, 5],
        [10, 5],
      ],
      [10, 10],
    ],
    [
      "the text that runs out gets a head, the next nothing",
      100,
      [
        [10, 5],
        [30, 5],
        [5, 5],
      ],
      [10, 10, 0],
    ],
    [
      "a text of no length costs nothing",
      10,
      [
        [0, 5],
        [2, 5],
      ],
      [0, 2],
    ],
    [
      "patterns still run where none apply after it is spent",
      10,
      [
        [100, 1],
        [50, 0],
      ],
      [10, 50],
    ],
  ])("%s", (_, limit, texts, granted) => {
    const budget = new MatchBudget(limit);
    expect(texts.map(([length, patterns]) => budget.grant(length, patterns))).toEqual(granted);
  });
});

describe("what the engine reads of a long text", () => {
  const claudeTrailer = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>";
  const footer = "🤖 Generated with [Claude Code](https://claude.com/claude-code)";

  it.each<[string, CommitInput, RepoConfig, { markers: string[]; long: number }]>([
    [
      "a 2 MB body still ends in its trailer block: the trailer counts",
      commit(`Add search\n\n${filler(2 * MB)}\n\n${claudeTrailer}\n`),
      hostile,
      { markers: ["claude-code/co-author"], long: 1 },
    ],
    [
      "a 2 MB body's footer sits in its tail: it is read",
      commit(`Add search\n\n${filler(2 * MB)}\n\n${footer}\n`),
      defaults,
      { markers: ["claude-code/footer"], long: 1 },
    ],
    [
      "a configured phrase in the head of a long body is read",
      commit(`Add search\n\n${filler(1 * KiB)}made by ACME agent\n${filler(2 * MB)}`),
      acme,
      { markers: ["acme/config/text"], long: 1 },
    ],
    [
      "a configured phrase in the middle of a long body is not",
      commit(`Add search\n\n${filler(MB)}made by acme agent\n${filler(MB)}`),
      acme,
      { markers: [], long: 1 },
    ],
    [
      "the same phrase in a body under 64 KiB is read wherever it is",
      commit(`Add search\n\n${filler(40 * KiB)}made by acme agent\n${filler(20 * KiB)}`),
      acme,
      { markers: ["acme/config/text"], long: 0 },
    ],
    [
      "a subject of 1 MB (a message with no blank line) is bounded too; its start still counts",
      commit(`aider: ${filler(MB).replaceAll("\n", " ")}`),
      defaults,
      { markers: ["aider/subject"], long: 1 },
    ],
    [
      "a session link in the first 4 KiB of a 1 MB trailer is read",
      commit(`Fix\n\nAgent-Session: https://acme.dev/runs/r-1 ${"x".repeat(MB)}\n`),
      acme,
      { markers: ["acme/config/link"], long: 1 },
    ],
    [
      "a link past a trailer's first 4 KiB is not",
      commit(`Fix\n\nAgent-Session: ${"x".repeat(5 * KiB)} https://acme.dev/runs/r-1\n`),
      acme,
      { markers: [], long: 1 },
    ],
  ])("%s", (_, input, repo, expected) => {
    const result = attributeChange(change(), [input], repo);
    expect(result.perCommit[0]?.evidence.map((e) => e.marker)).toEqual(expected.markers);
    expect(result.reading.longMessages).toBe(expected.long);
    expect(result.reading.unsearchedMessages).toBe(0);
  });

  it.each<[string, string]>([
    ["a plain trailer block", `${claudeTrailer}\nSigned-off-by: Jane Doe <jane@example.com>`],
    ["a block with a continuation line", `${claudeTrailer}\nLink: https://example.com/a\n  https://example.com/b`],
    [
      "a kernel-style block",
      "Assisted-by: Claude:claude-3-opus coccinelle\nSigned-off-by: Jane Doe <jane@example.com>",
    ],
  ])("trailers of a capped message are those git finds in the whole message: %s", (_, block) => {
    for (const body of [filler(2 * MB), `${filler(MB)}\n---\n${filler(MB)}`]) {
      const message = `Subject\n\n${body}\n\n${block}\n`;
      const capped = attributeCommit(commit(message));
      const short = attributeCommit(commit(`Subject\n\n${block}\n`));
      const trailerEvidence = (r: typeof capped) => r.evidence.filter((e) => e.source === "trailer");
      // After a `---` divider, git reads no trailers at all: the same here, however long the message.
      expect(trailerEvidence(capped)).toEqual(parseTrailers(message).length === 0 ? [] : trailerEvidence(short));
    }
  });

  it("a pull request description over 128 KiB is read at its head and tail", () => {
    const body = `${filler(MB)}\nhttps://app.devin.ai/sessions/4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b`;
    const result = attributeChange(change({ body }), []);
    expect(result.agents).toEqual(["devin"]);
    expect(result.reading).toEqual({
      work: 0,
      longMessages: 0,
      longPullText: true,
      unsearchedMessages: 0,
      unsearchedPullText: false,
    });
  });
});

describe("the matching budget of a pull request", () => {
  it("default configuration: no work drawn from the budget, nothing cut, for an ordinary pull request", () => {
    const commits = Array.from({ length: 250 }, (_, i) => commit(`Step ${i}\n\n${filler(2 * KiB)}\n`, i + 1));
    expect(attributeChange(change(), commits).reading).toEqual({
      work: 0,
      longMessages: 0,
      longPullText: false,
      unsearchedMessages: 0,
      unsearchedPullText: false,
    });
  });

  it("a configuration of 480 phrases over 8 MB of text: work within the budget, what is left out counted, trailers all read", () => {
    const text = `${"a".repeat(99)}0-`.repeat(Math.ceil((2 * MB) / 101));
    const commits = [1, 2, 3].map((n) =>
      commit(`Subject ${n}\n\n${text}\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n`, n),
    );
    const result = attributeChange(change({ body: text }), commits, hostile);
    // Unbounded, this was every character of 8 MB searched by 480 phrases: 3.9 billion.
    const unbounded = PHRASES * (text.length * 4);
    expect(unbounded).toBeGreaterThan(3_800_000_000);
    expect(result.reading.work).toBeGreaterThan(READ_LIMITS.matchWork - PHRASES);
    expect(result.reading.work).toBeLessThanOrEqual(READ_LIMITS.matchWork);
    expect(result.reading).toMatchObject({
      longMessages: 3,
      longPullText: true,
      unsearchedMessages: 3,
      unsearchedPullText: true,
    });
    expect(result.commits).toEqual({ total: 3, ai: 3 });
    expect(result.agents).toEqual(["claude-code"]);
  });

  it("the budget is spent in order: the description first, then the commits; later ones keep every other marker", () => {
    // Each commit body costs 60 KiB × 480 phrases, so the budget reads the first commits whole.
    const body = (n: number) => `${"a".repeat(60 * KiB - 200)}${"a".repeat(150)}${n % 10}-${n % 48} made\n`;
    const commits = Array.from({ length: 12 }, (_, i) =>
      commit(`Step ${i}\n\n${body(i)}\nCo-Authored-By: Claude <noreply@anthropic.com>\n`, i + 1),
    );
    const result = attributeChange(change(), commits, hostile);
    const searched = Math.floor(READ_LIMITS.matchWork / (PHRASES * 60 * KiB));
    // Some commits are searched and some are not, or this test shows nothing.
    expect(searched).toBeGreaterThan(0);
    expect(searched).toBeLessThan(commits.length);
    const configured = result.perCommit.map((c) => c.agents.some((agent) => agent.startsWith("hostile-")));
    expect(configured).toEqual(commits.map((_, i) => i < searched));
    expect(result.perCommit.every((c) => c.agents.includes("claude-code"))).toBe(true);
    expect(result.reading.unsearchedMessages).toBe(12 - searched);
    expect(result.reading.longMessages).toBe(0);
  });
});

describe("a configuration's glob patterns share the budget", () => {
  const claudeTrailer = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>";
  /**
   * 1 agent of ordinary patterns and 9 × 49 e-mail patterns of 200 characters that a wildcard
   * makes as costly as can be (each test runs text × pattern): the most a repository's file may hold.
   */
  const hostile = config({
    agents: [
      { id: "acme", emails: ["*@agents.acme.dev"] },
      ...Array.from({ length: 9 }, (_, a) => ({
        id: `hostile-${a}`,
        emails: Array.from({ length: 49 }, (_, i) => `*${"a".repeat(196)}${a}${i % 10}b`.slice(-200)),
      })),
    ],
  });
  /** Co-authors that the same hands wrote, each different, their e-mails near the cap (320). */
  const strangers = (from: number, count: number) =>
    Array.from(
      { length: count },
      (_, i) => `Co-authored-by: Someone ${from + i} <${"a".repeat(280)}${from + i}@example.com>`,
    ).join("\n");

  it("are tried on each person and trailer while the pull request's budget pays, then not: the work is bounded", () => {
    const byBot = (n: number, message: string) => ({
      ...commit(message, n),
      author: { name: "Bot", email: `run-${n}@agents.acme.dev` },
    });
    const commits = [
      byBot(1, `Add search\n\n${strangers(0, 40)}\n${claudeTrailer}\n`),
      byBot(2, `Add more\n\n${strangers(40, 40)}\n${claudeTrailer}\n`),
      byBot(3, `Add the rest\n\n${claudeTrailer}\n`),
    ];
    const result = attributeChange(change(), commits, hostile);
    // Unbounded, the 80 co-authors × 441 patterns took 3.2 s of CPU here (a commit of 200: 8 s).
    expect(result.reading.work).toBeLessThanOrEqual(READ_LIMITS.matchWork);
    expect(result.reading.work).toBeGreaterThan(READ_LIMITS.matchWork * 0.9);
    expect(result.reading.unsearchedMessages).toBe(3);
    // The budget pays for the first author and co-author (29 million steps), and what is left for
    // the second author's e-mail (1.9 million), not for the third's. The built-in markers read
    // every commit whole.
    expect(result.perCommit.map((c) => c.evidence.map((e) => e.marker))).toEqual([
      ["acme/config/email", "claude-code/co-author"],
      ["acme/config/email", "claude-code/co-author"],
      ["claude-code/co-author"],
    ]);
    // What a budget leaves out is the pass's: the same pull request again (the engine now
    // remembers these people) reads the same.
    expect(attributeChange(change(), commits, hostile)).toEqual(result);
  });

  it("ignoreAuthors is asked only while the budget pays for it", () => {
    const ignoring = config({
      ignoreAuthors: Array.from({ length: 50 }, (_, i) => `*${"a".repeat(197)}${i % 10}b`.slice(-200)),
      agents: [{ id: "acme", emails: ["*@agents.acme.dev"] }],
    });
    const commits = Array.from({ length: 12 }, (_, i) => ({
      ...commit(`Change ${i}\n\n${claudeTrailer}\n`, i + 1),
      author: { name: `Someone ${i}`, email: `${"a".repeat(300)}${i}@example.com` },
    }));
    const result = attributeChange(change(), commits, ignoring);
    expect(result.reading.work).toBeLessThanOrEqual(READ_LIMITS.matchWork);
    expect(result.reading.unsearchedMessages).toBeGreaterThan(0);
    // Nobody is ignored (no pattern matches), and every commit counts by its built-in trailer.
    expect(result.commits).toEqual({ total: 12, ai: 12 });
  });

  it("an ordinary large pull request with a rich configuration stays far within it", () => {
    const rich = config({
      ignoreAuthors: ["*-bot@example.com", "release-*"],
      agents: Array.from({ length: 10 }, (_, a) => ({
        id: `tool-${a}`,
        emails: [`*@tool-${a}.example.com`, `tool-${a}+*@users.noreply.github.com`],
        names: [`Tool ${a} *`],
        trailers: [{ key: `Tool-${a}-Run`, value: "*" }],
      })),
    });
    // 5,000 commits by 60 people, with the trailers a team writes, and a tool's trailer now and then.
    const people = Array.from({ length: 60 }, (_, i) => ({ name: `Person ${i}`, email: `person.${i}@example.com` }));
    const commits = Array.from({ length: 5_000 }, (_, i) => {
      const author = people[(i * 7) % 60] as (typeof people)[number];
      const reviewer = people[(i * 13 + 5) % 60] as (typeof people)[number];
      const tool = i % 50 === 0 ? `\nTool-${i % 10}-Run: run-${i}` : "";
      return {
        ...commit(
          `Change ${i}\n\nWhy it changed.\n\nReviewed-by: ${reviewer.name} <${reviewer.email}>${tool}\nSigned-off-by: ${author.name} <${author.email}>\n`,
          i + 1,
        ),
        author,
      };
    });
    const result = attributeChange(change(), commits, rich);
    expect(result.reading.unsearchedMessages).toBe(0);
    expect(result.commits.ai).toBe(100);
    // 60 people, their trailers and 100 tool trailers, each tried once: about 6% of the budget.
    expect(result.reading.work).toBeLessThan(READ_LIMITS.matchWork * 0.1);
  });
});
