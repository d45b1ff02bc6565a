// Parity with the real git: every message here goes through `git interpret-trailers --parse` and
// through parseTrailers, and both must print the same `key: value` lines.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseTrailers } from "../../src/attribution/trailers.js";
import { propertyParams } from "../helpers/property.js";

const home = mkdtempSync(join(tmpdir(), "shipledger-trailers-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

// Only PATH survives, so no GIT_DIR, user or system config reaches git; the cwd is no repository.
const gitEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  XDG_CONFIG_HOME: home,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CEILING_DIRECTORIES: tmpdir(),
  LC_ALL: "C",
};
const gitArgs = ["-c", "core.commentChar=#", "-c", "trailer.separators=:"];

const gitVersion = spawnSync("git", ["--version"], { env: gitEnv, encoding: "utf8" });
const haveGit = gitVersion.status === 0;

function gitParse(message: Buffer): string[] {
  const run = spawnSync("git", [...gitArgs, "interpret-trailers", "--parse"], {
    input: message,
    env: gitEnv,
    cwd: home,
    timeout: 10_000,
  });
  if (run.status !== 0) {
    throw new Error(`git failed (${run.status ?? run.signal}): ${run.stderr?.toString()}`);
  }
  const out = run.stdout.toString("utf8");
  return out === "" ? [] : out.replace(/\n$/, "").split("\n");
}

function ourParse(message: Buffer): string[] {
  // Invalid UTF-8 becomes U+FFFD here, as it would when GitHub's API hands us the message.
  return parseTrailers(message.toString("utf8")).map((t) => `${t.key}: ${t.value}`);
}

const SCISSORS = "# ------------------------ >8 ------------------------";

/**
 * Git 2.39 never returns when the first scissors line sits below a `---` divider
 * (ignore_non_trailer walks past the end of the message). Such messages are left out; the unit
 * tests pin our answer for them.
 */
function hangsGit(text: string): boolean {
  const nul = text.indexOf("\0");
  const cString = nul === -1 ? text : text.slice(0, nul);
  const scissors = cString.indexOf(`\n${SCISSORS}\n`);
  if (scissors === -1) return false;
  const lines = cString.slice(0, scissors + 1).split("\n");
  return lines
    .slice(0, -1)
    .some((line) => line === "---" || (line.startsWith("---") && " \t\r".includes(line.charAt(3))));
}

const tricky: [string, string | Buffer][] = [
  ["plain", "Subject\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"],
  ["only a title", "Co-authored-by: Claude <noreply@anthropic.com>\n"],
  ["title then trailer, no blank", "Subject\nCo-authored-by: A <a@b>\n"],
  ["leading blank line: no title", "\nFoo: bar\n"],
  ["comment title", "# comment\n\nFoo: bar\n"],
  ["#123 title", "#123 fix\n\nFoo: bar\n"],
  ["no final newline", "S\n\nFoo: bar"],
  ["empty", ""],
  ["newline", "\n"],
  ["url line is a trailer", "S\n\nhttps://example.com/x\n"],
  ["url among trailers", "S\n\nSee-also: x\nhttps://example.com/x\nFoo: y\n"],
  ["url after words", "S\n\nsee https://example.com/x\n"],
  ["space before colon", "S\n\nFoo  \t : bar\n"],
  ["no space after colon", "S\n\nFoo:bar:baz\n"],
  ["key with space", "S\n\nFoo Bar: x\n"],
  ["key with underscore", "S\n\nFoo_bar: x\n"],
  ["non-ascii key", "S\n\nFöo: x\n"],
  ["leading dash key", "S\n\n-x-: y\n---x: z\n"],
  ["colon first", "S\n\n:x\nFoo: y\n"],
  ["empty values", "S\n\nFoo:\nBar:   \n"],
  ["continuations", "S\n\nFoo: a\n  b\n\tc\nBar: d\n"],
  ["continuation first", "S\n\n  b\nFoo: a\n"],
  ["continuation of empty value", "S\n\nFoo:\n  b\n"],
  ["comment breaks continuation", "S\n\nSigned-off-by: x\n# c\n  b\n"],
  ["comment inside block", "S\n\nFoo: a\n# c\nBar: b\n"],
  ["comment-only block", "S\n\n# Foo: a\n"],
  ["sob 25% yes", "S\n\na\nb\nc\nSigned-off-by: A <a@b>\n"],
  ["sob 25% no", "S\n\na\nb\nc\nd\nSigned-off-by: A <a@b>\n"],
  ["sob needs space", "S\n\na\nSigned-off-by:A <a@b>\n"],
  ["sob case-sensitive", "S\n\na\nsigned-off-by: A <a@b>\n"],
  ["cherry-pick", "S\n\nx\ny\nFoo: bar\n(cherry picked from commit abc)\n"],
  ["divider", "S\n\nFoo: a\n---\nBar: b\n"],
  ["divider with path", "S\n\nFoo: a\n--- a/x.c\n+++ b/x.c\n"],
  ["divider tab", "S\n\nFoo: a\n---\t\nBar: b\n"],
  ["divider crlf", "S\n\nFoo: a\n---\r\nBar: b\n"],
  ["no divider: ---x", "S\n\nFoo: a\n---x\n"],
  ["no divider: ----", "S\n\nFoo: a\n----\n"],
  ["no divider: --- at eof", "S\n\nFoo: a\n---"],
  ["no divider: ---\\v", "S\n\nFoo: a\n---\v\n"],
  ["markdown rule", "S\n\nBody\n\n---\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n"],
  ["scissors", `S\n\nFoo: a\n${SCISSORS}\nBar: b\n`],
  ["scissors first", `${SCISSORS}\nS\n\nFoo: a\n`],
  ["scissors crlf", `S\r\n\r\nFoo: a\r\n${SCISSORS}\r\nBar: b\r\n`],
  ["conflicts", "S\n\nFoo: a\nConflicts:\n\tx.c\n"],
  ["conflicts then text", "S\n\nFoo: a\nConflicts:\n\tx.c\nx\n"],
  ["conflicts mid", "S\n\nConflicts:\n\tx.c\nFoo: a\n"],
  ["conflicts title", "Conflicts:\nS\n \nFoo: a\n#\n\tb\n"],
  ["conflicts crlf", "S\r\n\r\nFoo: a\r\nConflicts:\r\n\tx.c\r\n"],
  ["crlf", "S\r\n\r\nFoo: a\r\nBar: b\r\n"],
  ["crlf folded", "S\r\n\r\nFoo: a\r\n  b\r\n"],
  ["whitespace blank lines", "S\n  \nFoo: a\n \r\n\t\n"],
  ["vertical tab is text", "S\n\nFoo: a\n\v\n"],
  ["vertical tab after ---", "S\n\nFoo: a\n---\v\n"],
  ["form feed key", "S\n\nFoo\f: a\n"],
  ["nbsp", "S\n\nFoo: y\u00a0\n"],
  ["nul in value", Buffer.from("S\n\nFoo: a\0b\nBar: c\n")],
  ["nul line", Buffer.from("S\n\nFoo: a\n\0Bar: c\n")],
  ["nul first", Buffer.from("\0S\n\nFoo: a\n")],
  [
    "invalid utf-8",
    Buffer.concat([
      Buffer.from("S\n\nFoo: "),
      Buffer.from([0xff, 0xc3, 0x28, 0x0a]),
      Buffer.from("Bar:"),
      Buffer.from([0xe2, 0x82, 0x0a]),
    ]),
  ],
  ["invalid utf-8 in a key", Buffer.concat([Buffer.from("S\n\nF"), Buffer.from([0xff]), Buffer.from(": x\n")])],
  [
    "claude code",
    "Add retry to webhook handler\n\nRetries 5xx responses with backoff.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
  ],
  [
    "claude code one paragraph",
    "Fix typo\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
  ],
  [
    "copilot",
    "Fix flaky test (#42)\n\n* Initial plan\n\n* Fix race\n\nCo-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\nCo-authored-by: octocat <octocat@users.noreply.github.com>\nAgent-Logs-Url: https://github.com/o/r/sessions/0c5a3b1e-6f3e-4b8e-9a55-2f0d1e2c3b4a\n",
  ],
  [
    "kernel",
    'mm: fix leak in foo\n\nThe foo path leaks a page on error.\n\nFixes: 0123456789ab ("mm: add foo")\nAssisted-by: claude-code:claude-opus-4-5 coccinelle sparse\nSigned-off-by: Dev One <dev@example.org>\nLink: https://lore.kernel.org/r/1@example.org\n',
  ],
  [
    "squash with markdown",
    "Feature (#7)\n\n## Summary\n- thing\n\n## Test plan\n- ran it\n\nCo-authored-by: Codex <noreply@openai.com>\n",
  ],
];

// The random corpus: lines that exercise every rule, in shapes close to real messages.
const keys = [
  "Co-authored-by",
  "Co-Authored-By",
  "Assisted-by",
  "Reviewed-by",
  "Claude-Session",
  "Agent-Logs-Url",
  "Made-with",
  "Fixes",
  "Bug",
  "X",
  "a1-",
  "-k",
  "9",
];
const values = [
  "Claude <noreply@anthropic.com>",
  "Copilot <198982749+Copilot@users.noreply.github.com>",
  "claude-code:claude-opus-4-5 coccinelle",
  "https://claude.ai/code/session_01AbC",
  "",
  "a  b",
  "x:y",
  " padded  ",
  "🤖 émoji",
];
const blanks = ["", " ", "\t"];

const trailerLine = fc
  .tuple(
    fc.constantFrom(...keys),
    fc.constantFrom("", "", "", " ", "\t", "  "),
    fc.constantFrom(" ", " ", " ", "", "  ", "\t"),
    fc.constantFrom(...values),
  )
  .map(([k, before, after, v]) => `${k}${before}:${after}${v}`);

const oddLine = fc.constantFrom(
  "Signed-off-by: Dev <dev@example.com>",
  "Signed-off-by:Dev",
  "(cherry picked from commit 0123abc)",
  "https://example.com/path?q=1",
  "http ://a.b",
  "see https://example.com",
  "Note: this is prose with a colon",
  "Foo Bar: x",
  "Foo_bar: x",
  "Föo: x",
  "Foo\v: x",
  ":x",
  "Foo\t\t: x",
  "# comment",
  "#",
  "#Foo: bar",
  "---",
  "--- a/file.c",
  "---x",
  "----",
  "---\t",
  " ---",
  "Conflicts:",
  "\tsrc/a.c",
  SCISSORS,
  "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
  "Foo: a\0b",
  "Foo: \uFFFD\uFFFD",
  "\r",
);

const continuationLine = fc
  .tuple(fc.constantFrom(" ", "\t", "   ", " \t"), fc.constantFrom("more", "", "x: y", "# not a comment"))
  .map(([indent, rest]) => indent + rest);

const proseLine = fc.constantFrom(
  "Fix the webhook retry",
  "This change adds a thing.",
  "Refs #12",
  "and more words here",
  "- bullet",
  "* Initial plan",
);

const anyLine = fc.oneof(
  { weight: 5, arbitrary: trailerLine },
  { weight: 3, arbitrary: oddLine },
  { weight: 2, arbitrary: continuationLine },
  { weight: 2, arbitrary: proseLine },
  { weight: 2, arbitrary: fc.constantFrom(...blanks) },
);

// Mostly trailer lines, so that the 25% and all-trailers rules are both exercised.
const lastParagraph = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: trailerLine },
    { weight: 2, arbitrary: continuationLine },
    { weight: 2, arbitrary: oddLine },
    { weight: 1, arbitrary: proseLine },
  ),
  { minLength: 1, maxLength: 8 },
);

const tail = fc.constantFrom(
  [],
  [],
  [],
  [""],
  ["", "# Please enter the commit message"],
  ["---", "diff --git a/x b/x"],
  ["Conflicts:", "\tsrc/a.c"],
  [SCISSORS, "diff --git a/x b/x"],
  ["", " "],
);

const structured = fc
  .tuple(
    fc.array(proseLine, { minLength: 0, maxLength: 2 }),
    fc.array(fc.array(anyLine, { minLength: 1, maxLength: 4 }), { maxLength: 2 }),
    lastParagraph,
    tail,
  )
  .map(([title, body, last, end]) => [
    ...title,
    ...body.flatMap((paragraph) => ["", ...paragraph]),
    "",
    ...last,
    ...end,
  ]);

const unstructured = fc.array(anyLine, { maxLength: 12 });

const messageArb: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: structured }, { weight: 1, arbitrary: unstructured }),
    fc.constantFrom("\n", "\n", "\r\n", "mixed"),
    fc.boolean(),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([lines, eol, finalEol, seed]) => {
    const text =
      eol === "mixed"
        ? lines.map((line, i) => line + ((i + seed) % 3 === 0 ? "\r\n" : "\n")).join("")
        : lines.join(eol) + (finalEol ? eol : "");
    const bytes = Buffer.from(text, "utf8");
    // Now and then a byte that is not UTF-8 at all.
    return seed === 7
      ? Buffer.concat([
          bytes.subarray(0, bytes.length >> 1),
          Buffer.from([0xff, 0xc3]),
          bytes.subarray(bytes.length >> 1),
        ])
      : bytes;
  });

describe.skipIf(!haveGit)(`parity with ${gitVersion.stdout?.toString().trim() || "git"}`, () => {
  it.each(tricky)("%s", (_name, message) => {
    const input = typeof message === "string" ? Buffer.from(message, "utf8") : message;
    expect(ourParse(input)).toEqual(gitParse(input));
  });

  it("matches git on a seeded random corpus", () => {
    const corpus = fc
      .sample(messageArb, propertyParams({ numRuns: 600 }))
      .filter((m) => !hangsGit(m.toString("latin1")));
    expect(corpus.length).toBeGreaterThan(550);

    const mismatches: { message: string; git: string[]; ours: string[] }[] = [];
    let withTrailers = 0;
    for (const message of corpus) {
      const git = gitParse(message);
      const ours = ourParse(message);
      if (git.length > 0) withTrailers++;
      if (JSON.stringify(git) !== JSON.stringify(ours)) {
        mismatches.push({ message: JSON.stringify(message.toString("utf8")), git, ours });
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The corpus is only useful if a good share of it has trailers and a good share has none.
    expect(withTrailers).toBeGreaterThan(corpus.length / 4);
    expect(withTrailers).toBeLessThan((corpus.length * 3) / 4);
  });
});
