import { describe, expect, it } from "vitest";
import { parseTraceRecords, traceEvidence } from "../../src/attribution/agent-trace.js";
import { attributeChange, attributeCommit } from "../../src/attribution/attribute.js";
import { gitAiEvidence, parseGitAiNote } from "../../src/attribution/git-ai.js";
import { agentForTool, changeWithRecords, recordModel, withRecords } from "../../src/attribution/records.js";
import { gitAiSessionsNote, humanRecord, specExampleRecord } from "../fixtures/records/examples.js";

const SHA = "a".repeat(40);
const OTHER = "b".repeat(40);
const person = { name: "Dev", email: "dev@example.com" };
const trailerCommit = {
  sha: SHA,
  message: "Fix parser\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
  author: person,
};
const plainCommit = { sha: OTHER, message: "Tidy", author: person };
const trace = (sha: string, record: unknown) => traceEvidence(sha, parseTraceRecords(JSON.stringify(record)).records);
const note = (sha: string) => gitAiEvidence(sha, parseGitAiNote(gitAiSessionsNote(sha)) ?? (null as never));

describe("agentForTool and recordModel", () => {
  it.each([
    ["claude", "claude-code"],
    ["Cursor", "cursor"],
    ["copilot", "github-copilot"],
    ["codex", "codex"],
    ["windsurf", "generic"],
    [undefined, "generic"],
  ])("tool %s → %s", (tool, agent) => expect(agentForTool(tool)).toBe(agent));
  it.each([
    ["anthropic/claude-opus-4-5-20251101", "claude-opus-4-5-20251101"],
    ["GPT-4o", "gpt-4o"],
    ["unknown", undefined],
    [42, undefined],
    // A provider's long path (over the 200 characters remembered) is read whole all the same.
    [
      `projects/${"p".repeat(200)}/locations/global/publishers/anthropic/models/claude-opus-4-5@20251101`,
      "claude-opus-4-520251101",
    ],
  ])("model %s → %s", (raw, model) => expect(recordModel(raw)).toBe(model));
});

describe("withRecords", () => {
  it("adds a record's agent, model, sessions and lines after the message's evidence", () => {
    const joined = withRecords(attributeCommit(trailerCommit), [note(SHA)]);
    expect(joined.ai).toBe(true);
    expect(joined.agents).toEqual(["claude-code", "cursor"]);
    expect(joined.models).toContain("claude-sonnet-4-5-20250514");
    expect(joined.sessions.map((s) => s.id)).toEqual(["6ef2299e-a67f-432b-aa80-3d2fb4d28999", "conv_abc123def456"]);
    expect(joined.evidence[0]?.source).toBe("trailer");
    expect(joined.lines).toEqual({ ai: 73, mixed: 0, total: 82 });
  });

  it("makes a commit with no marker AI-assisted when its record says so", () => {
    const joined = withRecords(attributeCommit(plainCommit), [trace(OTHER, specExampleRecord(OTHER))]);
    expect(joined).toMatchObject({ ai: true, agents: ["cursor"], lines: { ai: 42, mixed: 0, total: 42 } });
  });

  it("keeps the attribution's properties in their order, lines last when it had none", () => {
    const plain = attributeCommit(plainCommit);
    const joined = withRecords(plain, [trace(OTHER, specExampleRecord(OTHER))]);
    expect(Object.keys(joined)).toEqual([...Object.keys(plain), "lines"]);
    const again = withRecords(joined, [trace(OTHER, humanRecord(OTHER))]);
    expect(Object.keys(again)).toEqual(Object.keys(joined));
    expect(again.lines).toEqual({ ai: 42, mixed: 0, total: 46 });
    expect(Object.keys(withRecords(plain, [note(OTHER)]))).toEqual([...Object.keys(plain), "lines"]);
  });

  it("a human-only record adds lines, not AI; another commit's record adds nothing", () => {
    const plain = attributeCommit(plainCommit);
    expect(withRecords(plain, [trace(OTHER, humanRecord(OTHER))])).toMatchObject({ ai: false, lines: { total: 4 } });
    expect(withRecords(plain, [note(SHA)])).toBe(plain);
  });
});

describe("changeWithRecords", () => {
  it("recounts the change: AI commits, agents, sessions, lines", () => {
    const change = attributeChange(
      { title: "Parser", body: null, author: { login: "dev" }, headRef: "fix/parser", labels: [] },
      [trailerCommit, plainCommit],
    );
    expect(change.commits).toEqual({ total: 2, ai: 1 });
    const joined = changeWithRecords(
      change,
      new Map([
        [SHA, [note(SHA)]],
        [OTHER, [trace(OTHER, specExampleRecord(OTHER))]],
      ]),
    );
    expect(joined.commits).toEqual({ total: 2, ai: 2 });
    expect(joined.agents).toEqual(["claude-code", "cursor"]);
    expect(joined.sessions.map((s) => s.id)).toContain("67890");
    expect(joined.lines).toEqual({ ai: 115, mixed: 0, total: 124 });
    expect(changeWithRecords(change, new Map())).toBe(change);
  });
});
