import { describe, expect, it } from "vitest";
import { attributeChange, attributeCommit } from "../../src/attribution/attribute.js";
import { mayBeSquash, readSquash, squashTitleAndClosing } from "../../src/attribution/squash.js";
import { parseTrailers } from "../../src/attribution/trailers.js";
import type { ChangeInput, CommitInput, Evidence, Identity } from "../../src/attribution/types.js";

// Messages shaped as GitHub writes them (trimmed from real histories: Monadical-SAS/cubbi b28c2bd,
// 9c8ddbb, fc819a3; oraios/serena 16d1a30, 0e3f665, 5d417be; Chia-Network/chia-blockchain #20704).

/** Two commits by Cursor's agent with `Made-with: Cursor`, another author credited in the block. */
const CURSOR_SQUASH = `Fix flaky test_maximum_full_file_count by eliminating race condition (#20704)

* Fix flaky test_maximum_full_file_count by eliminating race condition

The test fails intermittently on macOS CI because farm_block_with_spend
polls the mempool with a blind timeout.

Three fixes:

1. Add check_mempool_spend_count_or_fail() that inspects the
   transaction's sent_to field on each poll.

2. Change check_mempool_spend_count to use >= instead of ==.

Made-with: Cursor

* Add pragma: no cover to defensive error-handling paths

Made-with: Cursor

* Apply review suggestions

---------

Co-authored-by: Jane Doe <jane@example.com>
`;

/** Claude Code's footer and co-author in the first section; GitHub repeats the co-author below. */
const CLAUDE_SQUASH = `feat: add Claude Code image support (#16)

* feat: add Claude Code image support

Add a new Cubbi image for Claude Code with:
- Full Claude Code CLI functionality via NPM package
- Secure API key management

🤖 Generated with [Claude Code](https://claude.ai/code)

Co-Authored-By: Claude <noreply@anthropic.com>

* Pre-commit fixes

---------

Co-authored-by: Claude <noreply@anthropic.com>
Co-authored-by: Your Name <you@example.com>
`;

/** Claude Code only in a middle section, with a model and a session, none of it in the block. */
const CLAUDE_MIDDLE_SQUASH = `Add SystemVerilog language server support (#990)

* Add SystemVerilog language server support using slang-langserver

* Add verible-verilog-ls to CI and improve SystemVerilog LS

Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>
Claude-Session: https://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd

* Fix ruff lint errors

---------

Co-authored-by: Michael Panchenko <35432522+MischaPanch@users.noreply.github.com>
`;

/** Agents' co-authors in GitHub's closing block: already the message's trailers. */
const CODEX_COPILOT_SQUASH = `Fix stale lock handling in the Metals client (#1012)

* Fix stale lock handling in the Metals client

Co-authored-by: Codex <noreply@openai.com>

* Address review comments

---------

Co-authored-by: Codex <noreply@openai.com>
Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>
`;

/** A squash whose commits carry no AI marker (nested bullets in a body are not sections). */
const HUMAN_SQUASH = `feat: universal model management for all standard providers (#34)

* fix: add crush plugin support too

* feat: comprehensive model management for all standard providers

- Add universal provider support for model fetching
- Enhance model fetcher with provider-specific authentication:
  * Anthropic: x-api-key header + anthropic-version header
  * Google: x-goog-api-key header

* fix: remove duplicate

Signed-off-by: Mathieu Virbel <mat@example.com>
`;

/** One commit by someone else: one section, closed by GitHub's block. */
const ONE_SECTION_SQUASH = `hooks: extend auto-approve to Claude Code's auto permission mode (#1445)

* hooks: extend auto-approve to Claude Code's auto permission mode

Closes #1386

Made-with: Cursor

---------

Co-authored-by: Michael Panchenko <35432522+MischaPanch@users.noreply.github.com>
`;

/** The blank line before `---------` edited away. */
const EDITED_CLOSE_SQUASH = `Cpp extensions (#1451)

* Add more cpp extensions

* Allow FilenameMatcher to be case insensitive
---------

Co-authored-by: Darin Morrison <darinmorrison@gmail.com>
Co-authored-by: MischaPanch
`;

/** An Aider commit squashed: its subject prefix is in its section's `* ` line. */
const AIDER_SQUASH = `Parse negative durations (#77)

* aider: Parse negative durations in the config

* Add tests for negative durations
`;

describe("readSquash recognises GitHub's squash-merge messages", () => {
  it.each<[string, string, number, string[], boolean]>([
    [
      "Cursor's commits, co-author block",
      CURSOR_SQUASH,
      20704,
      [
        "Fix flaky test_maximum_full_file_count by eliminating race condition",
        "Add pragma: no cover to defensive error-handling paths",
        "Apply review suggestions",
      ],
      true,
    ],
    [
      "Claude Code's first commit",
      CLAUDE_SQUASH,
      16,
      ["feat: add Claude Code image support", "Pre-commit fixes"],
      true,
    ],
    [
      "commits without markers, nested bullets in a body",
      HUMAN_SQUASH,
      34,
      [
        "fix: add crush plugin support too",
        "feat: comprehensive model management for all standard providers",
        "fix: remove duplicate",
      ],
      false,
    ],
    [
      "one section closed by the block",
      ONE_SECTION_SQUASH,
      1445,
      ["hooks: extend auto-approve to Claude Code's auto permission mode"],
      true,
    ],
    [
      "no blank line before the block",
      EDITED_CLOSE_SQUASH,
      1451,
      ["Add more cpp extensions", "Allow FilenameMatcher to be case insensitive"],
      true,
    ],
  ])("%s", (_name, message, number, subjects, closed) => {
    const squash = readSquash(message);
    expect(squash).not.toBeNull();
    expect(squash?.number).toBe(number);
    expect(squash?.sections.map((s) => s.subject)).toEqual(subjects);
    expect(squash?.closed).toBe(closed);
  });

  it("gives each section as a commit message with its own trailer block", () => {
    const sections = readSquash(CURSOR_SQUASH)?.sections ?? [];
    expect(sections.map((s) => parseTrailers(s.message))).toEqual([
      [{ key: "Made-with", value: "Cursor" }],
      [{ key: "Made-with", value: "Cursor" }],
      [],
    ]);
    expect(sections[0]?.message).toMatch(/^Fix flaky test_maximum_full_file_count by eliminating race condition\n\n/);
    expect(sections[0]?.message).toMatch(/\n\nMade-with: Cursor$/);
    // The block is no section's.
    expect(sections[2]?.message).toBe("Apply review suggestions");
  });

  it.each<[string, string]>([
    ["a tight bullet list under a (#N) title", "Bump dependencies (#12)\n\n* eslint 9.1\n* vitest 3.2\n* zod 4.0\n"],
    [
      "a tight list, then a loose one",
      "Bump dependencies (#12)\n\n* eslint 9.1\n* vitest 3.2\n\nAlso:\n\n* zod 4.0\n\n* drizzle 0.44\n",
    ],
    ["loose bullets without a pull request number", "Release 1.2\n\n* Fix the login form\n\n* Fix the logout link\n"],
    [
      "a PR description with `---` rules and bullets",
      "Update the docs (#40)\n\nSummary:\n\n* Explain trailers\n\n---\n\n* Made-with: Cursor is one of them\n\n---\n\nTest plan: read it\n",
    ],
    ["one section without the block", "Fix the parser (#3)\n\n* Fix the parser\n\nMade-with: Cursor\n"],
    ["a body that starts with text", "Fix the parser (#3)\n\nIt broke.\n\n* Fix the parser\n\n* Add a test\n"],
    ["no blank line after the title", "Fix the parser (#3)\n* Fix the parser\n\n* Add a test\n"],
    ["a number that is not a pull request's", "Fix the parser (#0)\n\n* Fix the parser\n\n* Add a test\n"],
    ["no space before the number", "Fix the parser(#3)\n\n* Fix the parser\n\n* Add a test\n"],
    ["an empty item", "Fix the parser (#3)\n\n*  \n\n* Add a test\n"],
    [
      "a rule followed by prose",
      "Fix the parser (#3)\n\n* Fix the parser\n\n---------\n\nThanks to everyone who tested it.\n",
    ],
    ["a title only", "Fix the parser (#3)\n"],
  ])("does not split %s", (_name, message) => {
    expect(readSquash(message)).toBeNull();
  });

  it("ends the message at a NUL byte, as git does", () => {
    expect(readSquash("Fix (#3)\n\n* Fix\n\n* Test\n\0\n* More\n")?.sections.map((s) => s.subject)).toEqual([
      "Fix",
      "Test",
    ]);
    expect(readSquash("Fix (#3)\n\n* Fix\n\0\n* Test\n")).toBeNull();
    expect(readSquash("Fix\0 (#3)\n\n* Fix\n\n* Test\n")).toBeNull();
  });

  it("rules most messages out from the end of their first line", () => {
    expect(mayBeSquash("Fix the parser\n\nIt broke.\n")).toBe(false);
    expect(mayBeSquash("Fix the parser (#3)\n\nIt broke.\n")).toBe(false);
    expect(mayBeSquash("Fix the parser (#3)")).toBe(false);
    expect(mayBeSquash(CURSOR_SQUASH)).toBe(true);
  });

  it("reads a 200,000-section, 2 MB message in linear time", () => {
    const message = `Big (#1)\n\n${"* a\n\nb\n\n".repeat(200_000)}${" ".repeat(1_000_000)}\n---------\n\n`;
    const started = performance.now();
    expect(readSquash(message)?.sections).toHaveLength(200_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

// ---- attribution ---------------------------------------------------------------------------------

const jane: Identity = { name: "Jane Doe", email: "jane@example.com", login: "jane-doe" };
const SHA = "5d417be0c0ffee0c0ffee0c0ffee0c0ffee0c0ff";
const squashCommit = (message: string): CommitInput => ({ sha: SHA, message, author: jane, committer: jane });

/** The evidence as [marker, text, squashed commit or null]. */
const found = (evidence: readonly Evidence[]) => evidence.map((e) => [e.marker, e.text, e.squashed ?? null]);

describe("attribution reads a squash merge's sections as the commits they were", () => {
  it.each<[string, string, string[], Array<[string, string, string | null]>]>([
    [
      "Cursor's `Made-with` in middle sections, counted once",
      CURSOR_SQUASH,
      ["cursor"],
      [
        [
          "cursor/made-with",
          "Made-with: Cursor",
          "Fix flaky test_maximum_full_file_count by eliminating race condition",
        ],
      ],
    ],
    [
      "Claude Code's footer and co-author, repeated in the block: the block's, once",
      CLAUDE_SQUASH,
      ["claude-code"],
      [
        ["claude-code/co-author", "Co-authored-by: Claude <noreply@anthropic.com>", null],
        ["claude-code/footer", "🤖 Generated with [Claude Code](https://claude.ai/code)", null],
      ],
    ],
    [
      "Claude Code's co-author and session in a middle section only",
      CLAUDE_MIDDLE_SQUASH,
      ["claude-code"],
      [
        [
          "claude-code/co-author",
          "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
          "Add verible-verilog-ls to CI and improve SystemVerilog LS",
        ],
        [
          "claude-code/session",
          "Claude-Session: https://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd",
          "Add verible-verilog-ls to CI and improve SystemVerilog LS",
        ],
        // The link is body text of the whole message too (one session all the same).
        ["claude-code/session-link", "https://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd", null],
      ],
    ],
    [
      "Codex and Copilot in the block, Codex repeated in a section: each once",
      CODEX_COPILOT_SQUASH,
      ["codex", "github-copilot"],
      [
        ["codex/co-author", "Co-authored-by: Codex <noreply@openai.com>", null],
        [
          "github-copilot/agent",
          "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
          null,
        ],
      ],
    ],
    [
      "one section closed by the block",
      ONE_SECTION_SQUASH,
      ["cursor"],
      [["cursor/made-with", "Made-with: Cursor", "hooks: extend auto-approve to Claude Code's auto permission mode"]],
    ],
    [
      "Aider's subject prefix on a section",
      AIDER_SQUASH,
      ["aider"],
      [
        [
          "aider/subject",
          "aider: Parse negative durations in the config",
          "aider: Parse negative durations in the config",
        ],
      ],
    ],
    ["commits without markers", HUMAN_SQUASH, [], []],
    ["no blank line before the block, no markers", EDITED_CLOSE_SQUASH, [], []],
  ])("%s", (_name, message, agents, evidence) => {
    const a = attributeCommit(squashCommit(message));
    expect(a.agents).toEqual(agents);
    expect(a.ai).toBe(agents.length > 0);
    expect(found(a.evidence)).toEqual(evidence);
  });

  it("reads GitHub's closing block where a section's `---` line ended the message for git", () => {
    const message =
      "Bump deps and fix lint (#9)\n\n* Bump lodash from 4.17.20 to 4.17.21\n\nBumps lodash.\n\n---\nupdated-dependencies:\n- dependency-name: lodash\n  dependency-type: direct:production\n...\n\nSigned-off-by: dependabot[bot] <support@github.com>\n\n* Fix lint\n\n---------\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n";
    const a = attributeCommit(squashCommit(message));
    expect(a.agents).toEqual(["github-copilot"]);
    expect(found(a.evidence)).toEqual([
      [
        "github-copilot/agent",
        "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
        null,
      ],
    ]);
    // The live merge reads the same block (squashTitleAndClosing), and finds the same.
    expect(attributeCommit(squashCommit(squashTitleAndClosing(message))).evidence).toEqual(a.evidence);
  });

  // astral-sh/uv b73f6cb and 96b889b (trimmed): GitHub squashed the title and the description, whose
  // `---` rules ended the message for git before GitHub's co-author block (git log's %(trailers),
  // which knows no divider, lists the block: scan's jsonl printed it beside "not AI-assisted").
  const RENOVATE_DESCRIPTION = `Update debian Docker tag to v13 (#17695)

This PR contains the following updates:

| Package | Type | Update | Change |
|---|---|---|---|
| debian | container | major | \`bookworm\` → \`trixie\` |

---

### Configuration

📅 **Schedule**: Branch creation - Between 12:00 AM and 03:59 AM, only on
Monday ( * 0-3 * * 1 ) (UTC), Automerge - At any time (no schedule
defined).

---

This PR was generated by [Mend Renovate](https://mend.io/renovate/).

---------

Co-authored-by: renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>
Co-authored-by: Zanie Blue <contact@zanie.dev>
Co-authored-by: Claude Opus 4.5 <noreply@anthropic.com>
`;
  const COPILOT_DESCRIPTION =
    "Add a test for the cache prune lock (#16521)\n\nAdds the missing test.\n\n---\n\n💡 You can make Copilot smarter by setting up custom instructions.\n\n---------\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\nCo-authored-by: zanieb <2586601+zanieb@users.noreply.github.com>\n";

  it.each<[string, string, Array<[string, string, string | null]>]>([
    [
      "uv b73f6cb: Claude credited below a Renovate description",
      RENOVATE_DESCRIPTION,
      [["claude-code/co-author", "Co-authored-by: Claude Opus 4.5 <noreply@anthropic.com>", null]],
    ],
    [
      "uv 96b889b: Copilot's agent credited below its description",
      COPILOT_DESCRIPTION,
      [
        [
          "github-copilot/agent",
          "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
          null,
        ],
      ],
    ],
  ])("reads GitHub's closing block below a description's `---` rule: %s", (_name, message, evidence) => {
    expect(parseTrailers(message)).toEqual([]);
    const a = attributeCommit(squashCommit(message));
    expect(a.ai).toBe(true);
    expect(found(a.evidence)).toEqual(evidence);
    // The live merge reads the message as it is (no sections), and finds the same.
    expect(attributeCommit(squashCommit(squashTitleAndClosing(message))).evidence).toEqual(a.evidence);
  });

  it.each<[string, string]>([
    [
      "a co-author quoted in a description below its `---` rule, no closing block",
      "Document co-authors (#41)\n\n---\n\nGitHub credits a line such as\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    ],
    [
      "a `---------` rule followed by prose, not GitHub's block",
      "Document co-authors (#41)\n\n---\n\nSee below.\n\n---------\n\nClaude Code credits itself so:\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    ],
    [
      "the block under a title without `(#N)`: git's reading stands",
      "Document co-authors\n\n---\n\nSee below.\n\n---------\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    ],
  ])("leaves what is not GitHub's closing block as git reads it: %s", (_name, message) => {
    const a = attributeCommit(squashCommit(message));
    expect(a.ai).toBe(false);
    expect(a.evidence).toEqual([]);
  });

  it.each<[string, string]>([
    [
      "a (#N) title over a tight list, `Made-with` in the body",
      "Explain agent trailers in the docs (#88)\n\n* Add a page\n* Link it\n\nExample:\n\nMade-with: Cursor\n\nSigned-off-by: Jane Doe <jane@example.com>\n",
    ],
    [
      "a co-author quoted above a `---` rule in a human message whose title has no `(#N)`",
      "Document co-authors\n\n* How GitHub credits them\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n* Why we keep them\n\n---\n\nReviewed on the mailing list.\n",
    ],
  ])("leaves a human message as git reads it: %s", (_name, message) => {
    const a = attributeCommit(squashCommit(message));
    expect(a.ai).toBe(false);
    expect(a.evidence).toEqual([]);
  });

  it("finds a middle section's session once", () => {
    expect(attributeCommit(squashCommit(CLAUDE_MIDDLE_SQUASH)).sessions).toEqual([
      {
        agent: "claude-code",
        id: "session_01Vh7QmZ2c8sKxT4pLw9NbRd",
        url: "https://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd",
      },
    ]);
  });

  it("says where the evidence was in the jsonl fields scan prints", () => {
    const [evidence] = attributeCommit(squashCommit(CURSOR_SQUASH)).evidence;
    expect(Object.keys(evidence ?? {})).toEqual(["agent", "marker", "source", "commit", "text", "squashed"]);
    expect(evidence?.source).toBe("trailer");
  });

  it("attributes a backfilled change whose own commits are gone from its squash commit alone", () => {
    const pull: ChangeInput = {
      number: 20704,
      title: "Fix flaky test_maximum_full_file_count by eliminating race condition",
      body: "The test fails intermittently on macOS CI.",
      author: { login: "jane-doe", type: "User" },
      headRef: "fix-flaky-test",
      labels: [],
    };
    expect(attributeChange(pull, []).ai).toBe(false);
    const a = attributeChange(pull, [squashCommit(CURSOR_SQUASH)]);
    expect(a.ai).toBe(true);
    expect(a.agents).toEqual(["cursor"]);
    expect(a.commits).toEqual({ total: 1, ai: 1 });
    expect(found(a.evidence)).toEqual([
      ["cursor/made-with", "Made-with: Cursor", "Fix flaky test_maximum_full_file_count by eliminating race condition"],
    ]);
    expect(a.evidence[0]?.commit).toBe(SHA);
  });
});

describe("squashTitleAndClosing", () => {
  it.each([
    [
      "a squash closed by GitHub's co-author block: the title and the block",
      "Add gift cards (#10)\n\n* Part 1\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\n* Part 2\n\n---------\n\nCo-authored-by: Jane <jane@example.com>\n",
      "Add gift cards (#10)\n\n---------\n\nCo-authored-by: Jane <jane@example.com>\n",
    ],
    [
      "a squash without the block: the title and its last paragraph",
      "Add gift cards (#10)\n\n* Part 1\n\nMade-with: Cursor\n\n* Part 2\n",
      "Add gift cards (#10)\n\n* Part 2\n",
    ],
    [
      "a squash without the block, with a co-author typed in the merge dialog: kept",
      "Add gift cards (#10)\n\n* Part 1\n\n* Part 2\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n",
      "Add gift cards (#10)\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    ],
    [
      "not a squash: as it is",
      "Fix the cart total (#9)\n\nCo-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\n",
      "Fix the cart total (#9)\n\nCo-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\n",
    ],
  ])("%s", (_name, message, expected) => {
    expect(squashTitleAndClosing(message)).toBe(expected);
  });
});
