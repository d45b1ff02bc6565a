// Every expectation here was checked against `git interpret-trailers --parse` (git 2.39); the
// parity suite next door re-checks the tricky shapes against the installed git.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTrailers, splitMessage, type Trailer } from "../../src/attribution/trailers.js";
import { propertyParams } from "../helpers/property.js";

type Pair = [key: string, value: string];

function pairs(message: string): Pair[] {
  return parseTrailers(message).map((t) => [t.key, t.value]);
}

const SCISSORS = "# ------------------------ >8 ------------------------";
const CLAUDE = "Claude <noreply@anthropic.com>";

describe("parseTrailers", () => {
  describe("the title is never the trailer block", () => {
    it.each<[string, string, Pair[]]>([
      ["empty message", "", []],
      ["only a title that looks like a trailer", "Co-authored-by: Claude <noreply@anthropic.com>\n", []],
      ["a one-paragraph message", "Fix the login\nCo-authored-by: A <a@b>\nFoo: bar\n", []],
      ["title then block", "Fix the login\n\nCo-authored-by: A <a@b>\n", [["Co-authored-by", "A <a@b>"]]],
      ["no final newline", "S\n\nFoo: bar", [["Foo", "bar"]]],
      ["a leading blank line means no title", "\nFoo: bar\n", [["Foo", "bar"]]],
      ["a comment line can be the title", "# note\n\nFoo: bar\n", [["Foo", "bar"]]],
      ["a #123 title counts as a comment", "#123 fix\nFoo: bar\n", []],
      ["a multi-line title", "Fix\nthe login\n\nFoo: bar\n", [["Foo", "bar"]]],
      ["a whitespace-only line ends the title", "Fix\n \t\nFoo: bar\n", [["Foo", "bar"]]],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("only the last paragraph, and only if it is all trailers or ≥25% with a git trailer", () => {
    it.each<[string, string, Pair[]]>([
      ["trailers in an earlier paragraph are ignored", "S\n\nFoo: a\n\nBar: b\n", [["Bar", "b"]]],
      ["a prose last paragraph hides earlier trailers", "S\n\nFoo: a\n\nThanks!\n", []],
      ["one prose line spoils a block", "S\n\nFoo: a\nsee above\nBar: b\n", []],
      ["trailing blank lines are skipped", "S\n\nFoo: a\n\n\n \n\t\n", [["Foo", "a"]]],
      [
        "Signed-off-by makes 1 trailer in 4 lines enough",
        "S\n\nsome\nprose\nhere\nSigned-off-by: A <a@b>\n",
        [["Signed-off-by", "A <a@b>"]],
      ],
      ["but not 1 in 5", "S\n\nsome\nprose\nhere\nand more\nSigned-off-by: A <a@b>\n", []],
      [
        "2 in 6 with Signed-off-by",
        "S\n\nsome\nprose\nhere\nand more\nSigned-off-by: A <a@b>\nFoo: x\n",
        [
          ["Signed-off-by", "A <a@b>"],
          ["Foo", "x"],
        ],
      ],
      ["the git prefix needs its space", "S\n\nprose\nSigned-off-by:A <a@b>\n", []],
      ["the git prefix is case-sensitive", "S\n\nprose\nsigned-off-by: A <a@b>\n", []],
      [
        "a cherry-pick line counts but is not printed",
        "S\n\nx\ny\nFoo: bar\n(cherry picked from commit abc)\n",
        [["Foo", "bar"]],
      ],
      ["a cherry-pick line alone prints nothing", "S\n\nprose\n(cherry picked from commit abc)\n", []],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("keys and separators", () => {
    it.each<[string, string, Pair[]]>([
      ["case is preserved", "S\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", [["Co-Authored-By", CLAUDE]]],
      ["blanks before the colon", "S\n\nFoo  \t : bar\n", [["Foo", "bar"]]],
      ["no space after the colon, and colons in the value", "S\n\nFoo:bar:baz\n", [["Foo", "bar:baz"]]],
      ["a key with a space is not a key", "S\n\nFoo Bar: x\n", []],
      ["a key with an underscore is not a key", "S\n\nFoo_bar: x\n", []],
      ["a non-ASCII key is not a key", "S\n\nFöo: x\n", []],
      ["a vertical tab is not a blank to git", "S\n\nFoo\v: x\n", []],
      [
        "dashes and digits are key characters",
        "S\n\n-x-: y\n9: z\n---x: w\n",
        [
          ["-x-", "y"],
          ["9", "z"],
          ["---x", "w"],
        ],
      ],
      ["a line starting with a colon is not a trailer", "S\n\n:x\nFoo: y\n", []],
      [
        "a tab before the colon, and an empty value at the very end",
        "S\n\nFoo\t: a\nBar:",
        [
          ["Foo", "a"],
          ["Bar", ""],
        ],
      ],
      ["a long key", `S\n\n${"k".repeat(5000)}: v\n`, [["k".repeat(5000), "v"]]],
      ["an indented key is not a trailer", "S\n\n Foo: a\n", []],
      ["a URL line is a trailer to git", "S\n\nhttps://example.com/x\n", [["https", "//example.com/x"]]],
      [
        "so it can complete a block",
        "S\n\nFoo: a\nhttps://example.com/x\n",
        [
          ["Foo", "a"],
          ["https", "//example.com/x"],
        ],
      ],
      ["even with a blank before the colon", "S\n\nhttp ://a.b\n", [["http", "//a.b"]]],
      ["a URL after words is prose", "S\n\nFoo: a\nsee https://example.com\n", []],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("values and continuation lines", () => {
    it.each<[string, string, Pair[]]>([
      ["trimmed, inner blanks kept", "S\n\nFoo:   a  b  \n", [["Foo", "a  b"]]],
      [
        "empty values",
        "S\n\nFoo:\nBar:   \n",
        [
          ["Foo", ""],
          ["Bar", ""],
        ],
      ],
      ["a no-break space is not trimmed", "S\n\nFoo: y\u00a0\n", [["Foo", "y\u00a0"]]],
      [
        "continuations are joined by one space",
        "S\n\nFoo: a\n  b\n\tc\nBar: d\n",
        [
          ["Foo", "a b c"],
          ["Bar", "d"],
        ],
      ],
      ["a continuation of an empty value", "S\n\nFoo:\n  b\n", [["Foo", "b"]]],
      ["a continuation line before any trailer spoils the block", "S\n\n  b\nFoo: a\n", []],
      ["a whitespace-only line is a paragraph break, not a continuation", "S\n\nFoo: a\n  \n  b\n", []],
      ["a comment between a trailer and its continuation spoils the block", "S\n\nFoo: a\n# c\n  b\n", []],
      [
        "unless a git trailer carries the block; the orphan line is dropped",
        "S\n\nSigned-off-by: x\n# c\n  b\n",
        [["Signed-off-by", "x"]],
      ],
      ["a folded key-like line is part of the value", "S\n\nFoo: a\n  Bar: b\n", [["Foo", "a Bar: b"]]],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("comments, dividers and what git ignores at the end", () => {
    it.each<[string, string, Pair[]]>([
      [
        "comment lines in the block are skipped",
        "S\n\nFoo: a\n# c\nBar: b\n",
        [
          ["Foo", "a"],
          ["Bar", "b"],
        ],
      ],
      ["a commented-out trailer is not a trailer", "S\n\nFoo: a\n#Bar: b\n", [["Foo", "a"]]],
      ["a comment-only block is empty", "S\n\n# Foo: a\n", []],
      ["trailing comments after a blank line", "S\n\nFoo: a\n\n# Please enter the message\n#\n", [["Foo", "a"]]],
      ["--- ends the message", "S\n\nFoo: a\n---\nBar: b\n", [["Foo", "a"]]],
      ["--- with a path", "S\n\nFoo: a\n--- a/x.c\n+++ b/x.c\n", [["Foo", "a"]]],
      ["--- then a tab", "S\n\nFoo: a\n---\t\nBar: b\n", [["Foo", "a"]]],
      ["--- then CRLF", "S\n\nFoo: a\n---\r\nBar: b\n", [["Foo", "a"]]],
      ["---x is text", "S\n\nFoo: a\n---x\n", []],
      ["---- is text", "S\n\nFoo: a\n----\n", []],
      ["--- at the very end, without a newline, is text", "S\n\nFoo: a\n---", []],
      ["an indented --- continues the value", "S\n\nFoo: a\n ---\n", [["Foo", "a ---"]]],
      [
        "a Markdown rule hides the trailers below it",
        "S\n\nBody\n\n---\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
        [],
      ],
      ["the scissors line ends the message", `S\n\nFoo: a\n${SCISSORS}\nBar: b\n`, [["Foo", "a"]]],
      ["a scissors line first leaves nothing", `${SCISSORS}\nS\n\nFoo: a\n`, []],
      [
        "a CRLF scissors line is only a comment",
        `S\r\n\r\nFoo: a\r\n${SCISSORS}\r\nBar: b\r\n`,
        [
          ["Foo", "a"],
          ["Bar", "b"],
        ],
      ],
      // Git 2.39 itself never returns on this one; below the divider it cannot matter.
      ["a scissors line below the divider", `S\n\nFoo: a\n---\n${SCISSORS}\nBar: b\n`, [["Foo", "a"]]],
      ["an old Conflicts: block at the end is ignored", "S\n\nFoo: a\nConflicts:\n\tx.c\n\ty.c\n", [["Foo", "a"]]],
      ["a Conflicts: block followed by text is not", "S\n\nFoo: a\nConflicts:\n\tx.c\nx\n", []],
      // Git only closes its Conflicts state once a run has started, which never happens on line one.
      ["a Conflicts: title keeps later tab lines ignorable", "Conflicts:\nS\n \nFoo: a\n#\n\tb\n", [["Foo", "a"]]],
      [
        "a Conflicts: block mid-block is a trailer",
        "S\n\nConflicts:\n\tx.c\nFoo: a\n",
        [
          ["Conflicts", "x.c"],
          ["Foo", "a"],
        ],
      ],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("line endings and odd bytes", () => {
    it.each<[string, string, Pair[]]>([
      [
        "CRLF",
        "S\r\n\r\nFoo: a\r\nBar: b\r\n",
        [
          ["Foo", "a"],
          ["Bar", "b"],
        ],
      ],
      ["a whitespace+CR line is blank", "S\n\nFoo: y\n \r\nBar: z\n", [["Bar", "z"]]],
      // Git keeps the CR before a fold: `git interpret-trailers --parse` prints "a\r b".
      ["CRLF folded value keeps git's CR", "S\r\n\r\nFoo: a\r\n  b\r\n", [["Foo", "a\r b"]]],
      [
        "a CRLF Conflicts: block is not recognised",
        "S\r\n\r\nFoo: a\r\nConflicts:\r\n\tx.c\r\n",
        [
          ["Foo", "a"],
          ["Conflicts", "x.c"],
        ],
      ],
      ["a NUL ends the message", "S\n\nFoo: a\0b\nBar: c\n", [["Foo", "a"]]],
      ["a NUL line ends it too", "S\n\nFoo: a\n\0Bar: c\n", [["Foo", "a"]]],
      ["a NUL first leaves nothing", "\0S\n\nFoo: a\n", []],
      ["replacement characters are plain text", "S\n\nFoo: \uFFFD(\n\uFFFD: x\n", []],
      [
        "replacement characters in values",
        "S\n\nFoo: \uFFFD(\nBar: \uFFFD\n",
        [
          ["Foo", "\uFFFD("],
          ["Bar", "\uFFFD"],
        ],
      ],
      ["a vertical tab is not a blank line", "S\n\nFoo: a\n\v\nBar: b\n", []],
      ["---\\v is not a divider", "S\n\nFoo: a\n---\v\n", []],
      ["a form feed is not a blank line", "S\n\nFoo: a\n\f\nBar: b\n", []],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("real messages from agents and projects", () => {
    it.each<[string, string, Pair[]]>([
      [
        "Claude Code",
        "Add retry to webhook handler\n\nRetries 5xx responses with backoff.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
        [["Co-Authored-By", "Claude Opus 4.5 <noreply@anthropic.com>"]],
      ],
      [
        "Claude Code footer in the same paragraph spoils the block",
        "Fix typo\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
        [],
      ],
      [
        "Claude Code on the web",
        "Fix flaky test\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nClaude-Session: https://claude.ai/code/session_01AbCdEf\n",
        [
          ["Co-Authored-By", CLAUDE],
          ["Claude-Session", "https://claude.ai/code/session_01AbCdEf"],
        ],
      ],
      [
        "Copilot coding agent squash",
        "Fix flaky test (#42)\n\n* Initial plan\n\n* Fix race in retry\n\nCo-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\nCo-authored-by: octocat <octocat@users.noreply.github.com>\nAgent-Logs-Url: https://github.com/o/r/sessions/0c5a3b1e-6f3e-4b8e-9a55-2f0d1e2c3b4a\n",
        [
          ["Co-authored-by", "Copilot <198982749+Copilot@users.noreply.github.com>"],
          ["Co-authored-by", "octocat <octocat@users.noreply.github.com>"],
          ["Agent-Logs-Url", "https://github.com/o/r/sessions/0c5a3b1e-6f3e-4b8e-9a55-2f0d1e2c3b4a"],
        ],
      ],
      [
        "Linux kernel Assisted-by",
        'mm: fix leak in foo\n\nThe foo path leaks a page on error.\n\nFixes: 0123456789ab ("mm: add foo")\nAssisted-by: claude-code:claude-opus-4-5 coccinelle sparse\nSigned-off-by: Dev One <dev@example.org>\nLink: https://lore.kernel.org/r/1@example.org\n',
        [
          ["Fixes", '0123456789ab ("mm: add foo")'],
          ["Assisted-by", "claude-code:claude-opus-4-5 coccinelle sparse"],
          ["Signed-off-by", "Dev One <dev@example.org>"],
          ["Link", "https://lore.kernel.org/r/1@example.org"],
        ],
      ],
      [
        "kernel block with a folded Fixes line",
        'x: y\n\nBody.\n\nFixes: 0123456789ab ("a very long\n subject line")\nSigned-off-by: A <a@b>\n',
        [
          ["Fixes", '0123456789ab ("a very long subject line")'],
          ["Signed-off-by", "A <a@b>"],
        ],
      ],
      [
        "Codex, Cursor, Amp and Kiro",
        "Feature (#7)\n\n## Summary\n- thing\n\nCo-authored-by: Codex <noreply@openai.com>\nMade-with: Cursor\nAmp-Thread-ID: https://ampcode.com/threads/T-1\nKiro-Session-Id: 42\n",
        [
          ["Co-authored-by", "Codex <noreply@openai.com>"],
          ["Made-with", "Cursor"],
          ["Amp-Thread-ID", "https://ampcode.com/threads/T-1"],
          ["Kiro-Session-Id", "42"],
        ],
      ],
      [
        "Aider",
        "aider: fix parser\n\nCo-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>\n",
        [["Co-authored-by", "aider (anthropic/claude-sonnet-4) <aider@aider.chat>"]],
      ],
      [
        "cherry-picked with sign-off",
        "Fix\n\nSome body text here\n(cherry picked from commit 0123abc)\nSigned-off-by: A <a@b>\n",
        [["Signed-off-by", "A <a@b>"]],
      ],
    ])("%s", (_name, message, expected) => {
      expect(pairs(message)).toEqual(expected);
    });
  });

  describe("hostile input", () => {
    it("a 1 MB message of prose and trailers", () => {
      const prose = "Lorem ipsum dolor sit amet: consectetur adipiscing elit.\n".repeat(18_000);
      const message = `S\n\n${prose}\nCo-authored-by: ${CLAUDE}\n`;
      expect(message.length).toBeGreaterThan(1_000_000);
      expect(pairs(message)).toEqual([["Co-authored-by", CLAUDE]]);
    });

    it("10,000 trailer lines", () => {
      const block = Array.from({ length: 10_000 }, (_, i) => `Key-${i}: value ${i}`).join("\n");
      const trailers = parseTrailers(`S\n\n${block}\n`);
      expect(trailers).toHaveLength(10_000);
      expect(trailers[9_999]).toEqual({ key: "Key-9999", value: "value 9999" });
    });

    it("10,000 trailers with one prose line among them", () => {
      const lines = Array.from({ length: 10_000 }, (_, i) => (i === 5_000 ? "prose" : `Key-${i}: v`));
      expect(parseTrailers(`S\n\n${lines.join("\n")}\n`)).toEqual([]);
    });

    it("100k spaces before a colon", () => {
      expect(pairs(`S\n\nFoo${" ".repeat(100_000)}: bar\n`)).toEqual([["Foo", "bar"]]);
      expect(pairs(`S\n\nFoo${" ".repeat(100_000)}x: bar\n`)).toEqual([]);
    });

    it("100k lines of whitespace", () => {
      expect(pairs(`S\n\nFoo: a\n${" \t\n".repeat(100_000)}`)).toEqual([["Foo", "a"]]);
      expect(pairs(" \n".repeat(100_000))).toEqual([]);
    });

    it("100k continuation lines", () => {
      const trailers = parseTrailers(`S\n\nFoo: a\n${"  b\n".repeat(100_000)}`);
      expect(trailers).toHaveLength(1);
      expect(trailers[0]?.value.length).toBe(1 + 2 * 100_000);
    });

    it("100k comment lines, dividers-that-are-not and key-like prefixes", () => {
      expect(pairs(`S\n\nFoo: a\n${"#\n".repeat(100_000)}`)).toEqual([["Foo", "a"]]);
      expect(pairs(`S\n\n${"---x\n".repeat(100_000)}Foo: a\n`)).toEqual([]);
      expect(pairs(`S\n\n${"a".repeat(500_000)} b: c\n`)).toEqual([]);
      expect(pairs(`S\n\n${"Conflicts:\n\tx\n".repeat(50_000)}`)).toEqual([]);
    });

    it("one 1 MB line, and a message of only newlines", () => {
      expect(pairs(`S\n\nK:${"v".repeat(1_000_000)}`)[0]?.[1].length).toBe(1_000_000);
      expect(pairs("\n".repeat(1_000_000))).toEqual([]);
    });

    it("replacement characters, lone surrogates and NUL bytes", () => {
      const odd = "\uFFFD\uD800 \uDFFF\n".repeat(50_000);
      expect(pairs(`${odd}\nFoo: a \uD800\n`)).toEqual([["Foo", "a \uD800"]]);
      const junk = "\uFFFD\uD800\0\uDFFF".repeat(50_000);
      expect(pairs(`S\n\nFoo: a ${junk}`)).toEqual([["Foo", "a \uFFFD\uD800"]]);
      expect(pairs(`${junk}\n\nFoo: a\n`)).toEqual([]);
    });
  });
});

describe("splitMessage", () => {
  it.each<[string, string, { subject: string; body: string; trailers: Pair[] }]>([
    ["title only", "Fix the login\n", { subject: "Fix the login", body: "", trailers: [] }],
    [
      "title, body and trailers",
      "Fix\n\nBecause.\nReally.\n\nFoo: a\n",
      { subject: "Fix", body: "Because.\nReally.", trailers: [["Foo", "a"]] },
    ],
    ["title and trailers", "Fix\n\nFoo: a\n", { subject: "Fix", body: "", trailers: [["Foo", "a"]] }],
    [
      "a multi-line title is joined like git's %s",
      "Fix\r\n  the login\n\nBody\n",
      { subject: "Fix the login", body: "Body", trailers: [] },
    ],
    [
      "a leading blank line leaves no title",
      "\nFix\n\nFoo: a\n",
      { subject: "", body: "Fix", trailers: [["Foo", "a"]] },
    ],
    ["a #123 title is kept", "#123 fix\n\nFoo: a\n", { subject: "#123 fix", body: "", trailers: [["Foo", "a"]] }],
    [
      "what git ignores after the message joins the body",
      "Fix\n\nBody\n\nFoo: a\n---\n🤖 Generated with Claude Code\n",
      { subject: "Fix", body: "Body\n\n---\n🤖 Generated with Claude Code", trailers: [["Foo", "a"]] },
    ],
    [
      "trailers below a Markdown rule stay in the body",
      "Fix\n\nBody\n\n---\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
      { subject: "Fix", body: "Body\n\n---\n\nCo-Authored-By: Claude <noreply@anthropic.com>", trailers: [] },
    ],
    [
      "a spoiled block stays in the body",
      "Fix\n\nFoo: a\nprose\n",
      { subject: "Fix", body: "Foo: a\nprose", trailers: [] },
    ],
  ])("%s", (_name, message, expected) => {
    const { subject, body, trailers } = splitMessage(message);
    expect({ subject, body, trailers: trailers.map((t): Pair => [t.key, t.value]) }).toEqual(expected);
  });
});

// ---- properties ----

const PROSE = ["Fix the thing", "and more words", "- bullet", "Refs #12", "🤖 émoji"];
const KEYS = ["Co-authored-by", "Assisted-by", "Signed-off-by", "X", "a-1", "-"];
const VALUES = ["Claude <noreply@anthropic.com>", "", "a  b", "x:y", "https://e.com/s", "\uFFFD"];

/** Lines that exercise every rule, so that random messages hit the interesting branches. */
const ruleLine = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...KEYS),
      fc.constantFrom("", " ", "\t"),
      fc.constantFrom("", " "),
      fc.constantFrom(...VALUES),
    )
    .map(([k, a, b, v]) => `${k}${a}:${b}${v}`),
  fc.constantFrom(
    ...PROSE,
    "",
    " ",
    "\t",
    "  continued",
    "\tx: y",
    "# comment",
    "---",
    "--- a/x",
    "---x",
    "https://example.com",
    "Foo Bar: x",
    ":x",
    "(cherry picked from commit abc)",
    "Conflicts:",
    "\tx.c",
    SCISSORS,
    "\0",
    "\uFFFD",
  ),
  fc.string({ maxLength: 6 }),
);
const ruleMessage = fc.array(ruleLine, { maxLength: 14 }).map((lines) => lines.join("\n"));
const anyMessage = fc.oneof(
  ruleMessage,
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(..."\n\r\t :#-aA1\0"), maxLength: 60 }),
);

/** Strict LF text without the two shapes git only recognises with a bare LF. */
const lfMessage = fc
  .array(ruleLine, { maxLength: 14 })
  .map((lines) => lines.join("\n"))
  .filter((m) => !m.includes("\r") && !m.includes("Conflicts:") && !m.includes(SCISSORS));

const KEY_CHARSET = /^[A-Za-z0-9-]+$/;

function withoutCr(trailers: Trailer[]): Trailer[] {
  return trailers.map((t) => ({ key: t.key, value: t.value.replaceAll("\r", "") }));
}

describe("properties", () => {
  it("never throws, and always returns well-formed trailers", () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        for (const { key, value } of parseTrailers(message)) {
          expect(key).toMatch(KEY_CHARSET);
          expect(value).not.toContain("\n");
          expect(value).toBe(value.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, ""));
        }
      }),
      propertyParams({ numRuns: 2000 }),
    );
  });

  it("splitMessage finds the same trailers, and a one-line subject", () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const split = splitMessage(message);
        expect(split.trailers).toEqual(parseTrailers(message));
        expect(split.subject).not.toContain("\n");
      }),
      propertyParams({ numRuns: 1000 }),
    );
  });

  it("CRLF and LF give the same trailers (apart from git's CR before a fold)", () => {
    fc.assert(
      fc.property(lfMessage, (message) => {
        const crlf = parseTrailers(message.replaceAll("\n", "\r\n"));
        expect(withoutCr(crlf)).toEqual(parseTrailers(message));
      }),
      propertyParams({ numRuns: 1000 }),
    );
  });

  it("a prose paragraph inserted after the title changes nothing", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PROSE),
        fc.array(fc.constantFrom(...PROSE), { minLength: 1, maxLength: 3 }),
        ruleMessage,
        (title, paragraph, rest) => {
          const before = parseTrailers(`${title}\n\n${rest}`);
          expect(parseTrailers(`${title}\n\n${paragraph.join("\n")}\n\n${rest}`)).toEqual(before);
        },
      ),
      propertyParams({ numRuns: 1000 }),
    );
  });

  it("a block of well-formed trailers after a prose message comes back as written", () => {
    const trailer = fc.record({
      key: fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/),
      value: fc.string({ unit: fc.constantFrom(..."ab <>@.:/#-é🤖"), maxLength: 20 }).map((v) => v.trim()),
    });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...PROSE), { minLength: 1, maxLength: 4 }),
        fc.array(trailer, { minLength: 1, maxLength: 10 }),
        fc.constantFrom("\n", "\r\n"),
        (prose, trailers, eol) => {
          const message = [...prose, "", ...trailers.map((t) => `${t.key}: ${t.value}`)].join(eol) + eol;
          expect(parseTrailers(message)).toEqual(trailers);
        },
      ),
      propertyParams({ numRuns: 1000 }),
    );
  });

  it("a message without a blank line has no trailers", () => {
    const line = fc.string({ minLength: 1, maxLength: 20 }).filter((l) => !l.includes("\n") && !/^[ \t\r]*$/.test(l));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
        expect(parseTrailers(lines.join("\n"))).toEqual([]);
      }),
      propertyParams({ numRuns: 1000 }),
    );
  });

  it("nothing after a NUL or a --- divider matters", () => {
    fc.assert(
      fc.property(ruleMessage, anyMessage, (message, rest) => {
        const alone = parseTrailers(`${message}\n`);
        expect(parseTrailers(`${message}\n\0${rest}`)).toEqual(alone);
        expect(parseTrailers(`${message}\n---\n${rest}`)).toEqual(alone);
        expect(parseTrailers(`${message}\n--- ${rest}`)).toEqual(alone);
      }),
      propertyParams({ numRuns: 1000 }),
    );
  });

  // Only empty lines: a whitespace-only line ends git's run of ignored lines, so after a final
  // "Conflicts:" line it makes that line a trailer again.
  it("trailing empty and comment lines change nothing", () => {
    fc.assert(
      fc.property(ruleMessage, fc.array(fc.constantFrom("", "# c", "#"), { maxLength: 5 }), (message, tail) => {
        expect(parseTrailers(`${message}\n\n${tail.join("\n")}`)).toEqual(parseTrailers(`${message}\n`));
      }),
      propertyParams({ numRuns: 1000 }),
    );
  });
});
