import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeCommit } from "../../src/attribution/attribute.js";
import { splitMessage, type Trailer } from "../../src/attribution/trailers.js";
import { commitRecord } from "../../src/cli/scan-batch.js";
import { commitLine } from "../../src/cli/scan-json.js";
import { DEFAULT_ATTRIBUTION_OPTIONS } from "../../src/config/attribution-defaults.js";
import type { GitCommit } from "../../src/git/objects.js";
import { gitLogTrailers } from "../../src/git/trailers.js";
import { propertyParams } from "../helpers/property.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const PARENT = "89abcdef0123456789abcdef0123456789abcdef";

function commit(message: string, name = "Ann Lee", email = "ann@example.com", parents = [PARENT]): GitCommit {
  const date = "2025-03-01T10:00:00+01:00";
  return {
    sha: SHA,
    parents,
    author: { name, email, date },
    committer: { name: "GitHub", email: "noreply@github.com", date },
    authorTime: Date.parse(date),
    message,
    truncated: false,
  };
}

/** The line commitLine writes must be exactly JSON.stringify of the documented record. */
function expectSameAsStringify(c: GitCommit, options = DEFAULT_ATTRIBUTION_OPTIONS) {
  const split = splitMessage(c.message);
  const attribution = attributeCommit(c, options, split);
  const line = commitLine(c, split.trailers, attribution);
  expect(line).toBe(JSON.stringify(commitRecord(c, split.trailers, attribution)));
  return JSON.parse(line) as Record<string, unknown>;
}

describe("scan --format jsonl lines", () => {
  it.each([
    ["a human commit", commit("Fix the cache\n\nSigned-off-by: Ann Lee <ann@example.com>\n")],
    ["a root commit", commit("Initial commit\n", "Ann", "ann@example.com", [])],
    ["a merge", commit("Merge branch 'x'\n", "Ann", "ann@example.com", [PARENT, SHA])],
    [
      "Claude Code with its footer and session",
      commit(
        "Add retries\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n" +
          "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n" +
          "Claude-Session: https://claude.ai/code/session_01AbCdEf\n",
      ),
    ],
    ["a human Assisted-by (ignored evidence)", commit("Tidy\n\nAssisted-by: Jane Doe <jane@example.com>\n")],
    ["quotes, backslashes and control characters", commit('Say "hi"\\n\t\u0001\n\nFoo: a "b" \\ c\n', 'Ann "A"')],
    ["a lone surrogate and U+2028", commit("Odd \ud800 \u2028 text\n\nBar: \udc00x\n", "Zoë \ud83e")],
    ["emoji and non-Latin text", commit("修正 🚀\n\nReviewed-by: 山田 <yamada@example.jp>\n", "Łukasz")],
    [
      "a GitHub squash with Cursor in a section (evidence.squashed)",
      commit('Retry "webhooks" (#41)\n\n* Retry "webhooks" \\ 🚀\n\nMade-with: Cursor\n\n* Tidy\n'),
    ],
  ])("writes %s as JSON.stringify of its record would", (_, c) => {
    expectSameAsStringify(c);
  });

  it("writes the flags that only some commits carry", () => {
    const truncated = { ...commit("Long\n"), truncated: true };
    expect(expectSameAsStringify(truncated).truncated).toBe(true);
    const options = { attribution: { ...DEFAULT_ATTRIBUTION_OPTIONS.attribution, ignoreAuthors: ["ann@*"] } };
    expect(expectSameAsStringify(commit("Bot-ish\n"), options).authorIgnored).toBe(true);
  });

  it("matches JSON.stringify for any text in any field", () => {
    const text = fc.oneof(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), fc.string());
    fc.assert(
      fc.property(text, text, text, text, (name, email, subject, value) => {
        expectSameAsStringify(
          commit(`${subject}\n\nAssisted-by: ${value}\nCo-authored-by: ${name} <${email}>\n`, name, email),
        );
      }),
      propertyParams({ numRuns: 300 }),
    );
  });

  it("writes trailer keys as they are: the parser finds only letters, digits and '-' in them", () => {
    // Keys are not escaped (scan-json.ts): whatever precedes a colon, only a safe key is found.
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom('a"b', "a\\b", "a\tb", "--- ", "x\u0001"));
    fc.assert(
      fc.property(text, text, (key, value) => {
        const message = `Subject\n\n${key}: ${value}\n${key}:${value}\n`;
        const line = expectSameAsStringify(commit(message));
        const keys = [...(line.trailers as Trailer[]), ...gitLogTrailers(message)].map((t) => t.key);
        for (const k of keys) expect(k).toMatch(/^[A-Za-z0-9-]+$/);
      }),
      propertyParams({ numRuns: 500 }),
    );
  });
});
