import { describe, expect, it } from "vitest";
import { countRanges, gitAiEvidence, parseGitAiNote } from "../../src/attribution/git-ai.js";
import { MAX_LINE } from "../../src/attribution/records.js";
import { gitAiHumanNote, gitAiLegacyNote, gitAiSessionsNote } from "../fixtures/records/examples.js";

const BASE = "7734793b756b3921c88db5375a8c156e9532447b";

/** `count` texts of fewer than `parts` pieces of `alphabet` each, from a fixed seed (a linear congruential generator). */
function* randomTexts(alphabet: readonly string[], seed: number, count: number, parts: number): Generator<string> {
  let state = seed;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  for (let i = 0; i < count; i++) {
    let text = "";
    for (let k = random(parts); k > 0; k--) text += alphabet[random(alphabet.length)];
    yield text;
  }
}

describe("countRanges", () => {
  it.each([
    ["42", 1],
    ["19-222", 204],
    ["1,2,19-222,300", 207],
    ["1-4,9-10,12,14,16", 9],
    ["5-1", 0],
    ["0", 0],
    ["1, 2", 0],
    ["", 0],
    // Past MAX_LINE (10 million, as Agent Trace's ranges) a number is not a file's line.
    ["1-10000000", 10_000_000],
    ["1-10000001", 0],
    ["5,10000001", 0],
  ])("%s → %i", (spec, count) => expect(countRanges(spec)).toBe(count));

  it("reads every list as the split-and-RegExp reading did", () => {
    const reference = (spec: string): number => {
      let count = 0;
      for (const part of spec.split(",")) {
        const match = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part);
        if (!match) return 0;
        const start = Number(match[1]);
        const end = match[2] === undefined ? start : Number(match[2]);
        if (start < 1 || end < start || end > MAX_LINE) return 0;
        count += end - start + 1;
      }
      return count;
    };
    const alphabet = ["0", "1", "2", "9", "-", ",", " ", "x", "\n", "٣", "1234567890", "999999999"];
    for (const spec of randomTexts(alphabet, 17, 20000, 12)) {
      expect(countRanges(spec), JSON.stringify(spec)).toBe(reference(spec));
    }
    for (const spec of ["1-999999999", "0001-0002", "1-", "-1", ",1", "1,,2", "12-3", "3-3", "1000000000"]) {
      expect(countRanges(spec), spec).toBe(reference(spec));
    }
  });
});

describe("git-ai notes", () => {
  it.each([
    {
      name: "sessions format (§1.2.5): two sessions, a known human",
      note: gitAiSessionsNote(BASE),
      ai: true,
      lines: { ai: 73, mixed: 0, total: 82 },
      evidence: [
        { agent: "cursor", model: "claude-sonnet-4-5-20250514", session: "6ef2299e-a67f-432b-aa80-3d2fb4d28999" },
        { agent: "claude-code", model: "claude-sonnet-4-5-20250514", session: "conv_abc123def456" },
      ],
    },
    {
      name: "legacy format (§1.2.6): prompts by 16-hex keys, quoted path",
      note: gitAiLegacyNote(BASE),
      ai: true,
      lines: { ai: 73, mixed: 0, total: 73 },
      evidence: [
        { agent: "cursor", model: "claude-4.5-opus", session: "6ef2299e-a67f-432b-aa80-3d2fb4d28999" },
        { agent: "cursor", model: "claude-3-sonnet", session: "a1b2c3d4-e5f6-7890-abcd-ef1234567890" },
      ],
    },
    {
      name: "a human-only note: not AI",
      note: gitAiHumanNote(BASE),
      ai: false,
      lines: { ai: 0, mixed: 0, total: 12 },
      evidence: [],
    },
    {
      name: "no attestations: legacy prompts' accepted lines say AI",
      note: `---\n${JSON.stringify({
        schema_version: "authorship/3.0.0",
        base_commit_sha: BASE,
        prompts: {
          abcd1234abcd1234: { agent_id: { tool: "codex", id: "t-1", model: "gpt-5-codex" }, accepted_lines: 3 },
        },
      })}`,
      ai: true,
      lines: null,
      evidence: [{ agent: "codex", model: "gpt-5-codex", session: "t-1" }],
    },
    {
      name: "an unknown tool is an AI agent all the same",
      note: `a.py\n  s_0123456789abcd::t_0123456789abcd 1-3\n---\n${JSON.stringify({
        schema_version: "authorship/3.0.0",
        base_commit_sha: BASE,
        prompts: {},
        sessions: { s_0123456789abcd: { agent_id: { tool: "windsurf", id: "w-9", model: "swe-1" } } },
      })}`,
      ai: true,
      lines: { ai: 3, mixed: 0, total: 3 },
      evidence: [{ agent: "generic", model: "swe-1", session: "w-9" }],
    },
  ])("$name", ({ note, ai, lines, evidence }) => {
    const parsed = parseGitAiNote(note);
    expect(parsed?.schemaVersion).toBe("authorship/3.0.0");
    const found = gitAiEvidence("f".repeat(40), parsed ?? (null as never));
    expect(found).toMatchObject({ source: "git-ai", ai, lines });
    expect(found.evidence.map((e) => ({ agent: e.agent, model: e.model, session: e.session?.id }))).toEqual(evidence);
    for (const e of found.evidence)
      expect(e).toMatchObject({ marker: "git-ai/note", source: "git-ai", commit: "f".repeat(40) });
  });

  it("says no more than ten million accepted lines: 1e308 is valid JSON", () => {
    const note = `---\n${JSON.stringify({
      schema_version: "authorship/3.0.0",
      prompts: { p0000000000000001: { agent_id: { tool: "codex" }, accepted_lines: 1e308 } },
    })}`;
    const found = gitAiEvidence("f".repeat(40), parseGitAiNote(note) ?? (null as never));
    expect(found.evidence.map((e) => e.text)).toEqual(["git-ai codex 10000000 accepted lines"]);
  });

  it("reads attestations, text and order as it did", () => {
    const note = `a.ts\n  s_1::t_1 1-4,6\n\tnot indented\n  h_9 2-3\r\n  \n  s_2 x\nb c.ts\n  s_2::t_9 10-12\n  s_1 7\n---\n${JSON.stringify(
      {
        schema_version: "authorship/3.0.0",
        sessions: {
          s_1: { agent_id: { tool: "Cursor", id: "one", model: "Claude-X" } },
          s_2: { agent_id: { tool: "aider", id: "two" } },
        },
        prompts: { p0000000000000001: { agent_id: { tool: "codex" }, accepted_lines: 9 } },
        humans: { h_9: {} },
      },
    )}`;
    const parsed = parseGitAiNote(note) ?? (null as never);
    expect([...parsed.lines]).toEqual([
      ["s_1", 6],
      ["h_9", 2],
      ["s_2", 3],
    ]);
    const found = gitAiEvidence("f".repeat(40), parsed);
    expect(found.lines).toEqual({ ai: 9, mixed: 0, total: 11 });
    expect(found.evidence.map((e) => [e.text, e.model ?? null, e.session?.id ?? null])).toEqual([
      ["git-ai Cursor Claude-X 6 lines", "claude-x", "one"],
      ["git-ai aider 3 lines", null, "two"],
    ]);
  });

  it("counts attestation lines as the split-by-line reading did", () => {
    /** Before its line loop: the section split on newlines. */
    const reference = (attestations: string) => {
      const lines = new Map<string, number>();
      for (const line of attestations.split("\n")) {
        if (!line.startsWith("  ")) continue;
        const entry = line.trim();
        const space = entry.lastIndexOf(" ");
        if (space <= 0) continue;
        const named = entry.slice(0, space);
        const key = named.includes("::") ? named.slice(0, named.indexOf("::")) : named;
        const count = countRanges(entry.slice(space + 1));
        if (count > 0) lines.set(key, (lines.get(key) ?? 0) + count);
      }
      return [...lines];
    };
    const alphabet = ["\n", "  ", " ", "\r", "\t", "s_1", "h_2", "::t_3", "1-4", "7", ",", "x", "src/a.ts"];
    for (const section of randomTexts(alphabet, 29, 5000, 16)) {
      const parsed = parseGitAiNote(`${section}\n---\n{}`);
      expect([...(parsed?.lines ?? [])], JSON.stringify(section)).toEqual(reference(section));
    }
  });

  it.each([
    ["no divider", "src/a.rs\n  abcd1234abcd1234 1-2\n"],
    ["no JSON after it", "src/a.rs\n---\nnot json"],
    ["JSON that is not an object", "---\n[1]"],
    ["a note of another tool", "Reviewed-by: someone"],
  ])("is not a git-ai note: %s", (_, text) => {
    expect(parseGitAiNote(text)).toBeNull();
  });
});
