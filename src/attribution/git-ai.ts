// git-ai authorship notes (Git AI Standard v3.0.0, specs/git_ai_standard_v3.0.0.md in
// https://github.com/git-ai-project/git-ai): one note per commit under `refs/notes/ai`.
//
//   src/main.rs                              ← a path (quoted when it holds spaces)
//     s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-10,15-20   ← an AI session (s_…::t_…)
//     h_31dce776f88375 42-50                 ← a known human (h_…)
//     abcd1234abcd1234 1-50                  ← a legacy AI prompt (16 hex, or 7)
//   ---
//   {"schema_version": "authorship/3.0.0", "prompts": {…}, "sessions": {…}, "humans": {…}}
//
// Session and prompt records carry `agent_id {tool, id, model}`; legacy prompts also count
// `accepted_lines`. Pure: note text in, evidence out.

import { agentForTool, MAX_LINE, type RecordEvidence, recordModel } from "./records.js";
import type { AgentSession, Evidence, LineShare } from "./types.js";

export interface GitAiAgent {
  tool?: string;
  id?: string;
  model?: string;
  /** A legacy prompt's `accepted_lines`. */
  acceptedLines?: number;
  /** A legacy prompt's `messages_url`. */
  url?: string;
}

export interface GitAiNote {
  schemaVersion: string | null;
  /** Attested lines per key (`s_…` session id without its trace, `h_…`, or a legacy hash), over all files. */
  lines: Map<string, number>;
  /** AI sessions and legacy prompts, by key. */
  agents: Map<string, GitAiAgent>;
  /** Known humans, by key. */
  humans: Set<string>;
}

/** Notes longer than this (characters) are read no further: attestations past it are not counted. */
export const MAX_NOTE_LENGTH = 4 * 1024 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 300): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, max) : undefined;

/**
 * The value of the digit at spec[at] (0–9), or something else: -1 past the end. Nothing is read
 * past the end: that would make V8 throw away countRanges's optimised code (once for each place).
 */
function digitAt(spec: string, at: number): number {
  return at < spec.length ? spec.charCodeAt(at) - 0x30 : -1;
}

/**
 * Lines in a range list such as `1-4,9-10,12`; 0 when it is not one: comma-separated parts, each
 * 1–9 ASCII digits or two such numbers joined by `-`, the first at least 1 and the second not below
 * it. Read character by character (no split, no RegExp): a note has one list per attestation line.
 */
export function countRanges(spec: string): number {
  let count = 0;
  const length = spec.length;
  let i = 0;
  for (;;) {
    let from = i;
    let start = 0;
    for (let d = digitAt(spec, i); d >= 0 && d <= 9; d = digitAt(spec, i)) {
      start = start * 10 + d;
      i++;
    }
    if (i === from || i - from > 9) return 0;
    let end = start;
    if (i < length && spec.charCodeAt(i) === 0x2d) {
      from = ++i;
      end = 0;
      for (let d = digitAt(spec, i); d >= 0 && d <= 9; d = digitAt(spec, i)) {
        end = end * 10 + d;
        i++;
      }
      if (i === from || i - from > 9) return 0;
    }
    // A line number past MAX_LINE (as Agent Trace's ranges) is not a file's: the entry is not read.
    if (start < 1 || end < start || end > MAX_LINE) return 0;
    count += end - start + 1;
    if (i === length) return count;
    if (spec.charCodeAt(i) !== 0x2c) return 0;
    i++;
  }
}

/** The key an attestation line names, as the metadata maps key it (a session without its trace id). */
function lookupKey(key: string): string {
  const sep = key.indexOf("::");
  return sep === -1 ? key : key.slice(0, sep);
}

function agentOf(value: unknown): GitAiAgent | null {
  if (!isObject(value)) return null;
  const id = isObject(value.agent_id) ? value.agent_id : {};
  const agent: GitAiAgent = {};
  const tool = str(id.tool, 100);
  const session = str(id.id, 200);
  const model = str(id.model, 100);
  if (tool) agent.tool = tool;
  if (session) agent.id = session;
  if (model) agent.model = model;
  if (typeof value.accepted_lines === "number" && Number.isFinite(value.accepted_lines))
    agent.acceptedLines = Math.min(MAX_LINE, Math.max(0, Math.floor(value.accepted_lines)));
  const url = str(value.messages_url, 500);
  if (url && /^https?:\/\//i.test(url)) agent.url = url;
  return agent;
}

/** Parses one note; null when it is not a git-ai authorship log (no `---` line, or no JSON after it). */
export function parseGitAiNote(text: string): GitAiNote | null {
  const note = text.length > MAX_NOTE_LENGTH ? text.slice(0, MAX_NOTE_LENGTH) : text;
  // The divider is `---` on a line of its own; the attestation section may be empty.
  let attestations: string;
  let json: string;
  if (note.startsWith("---\n")) {
    attestations = "";
    json = note.slice(4);
  } else {
    const divider = note.indexOf("\n---\n");
    if (divider === -1) return null;
    attestations = note.slice(0, divider);
    json = note.slice(divider + 5);
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(json);
  } catch {
    return null;
  }
  if (!isObject(metadata)) return null;
  const lines = new Map<string, number>();
  // Line by line without split: a note is parsed per annotated commit.
  for (let at = 0; at < attestations.length; ) {
    let end = attestations.indexOf("\n", at);
    if (end === -1) end = attestations.length;
    // Entries are indented by two spaces; a path line (no indent) only says which file follows.
    if (attestations.startsWith("  ", at)) {
      const entry = attestations.slice(at, end).trim();
      const space = entry.lastIndexOf(" ");
      if (space > 0) {
        const key = lookupKey(entry.slice(0, space));
        const count = countRanges(entry.slice(space + 1));
        if (count > 0) lines.set(key, (lines.get(key) ?? 0) + count);
      }
    }
    at = end + 1;
  }
  const agents = new Map<string, GitAiAgent>();
  for (const field of ["sessions", "prompts"] as const) {
    const map = metadata[field];
    if (!isObject(map)) continue;
    const keys = Object.keys(map);
    for (let i = 0; i < keys.length && i < 1000; i++) {
      const key = keys[i] as string;
      const agent = agentOf(map[key]);
      if (agent) agents.set(key, agent);
    }
  }
  const humans = new Set(isObject(metadata.humans) ? Object.keys(metadata.humans).slice(0, 1000) : []);
  return { schemaVersion: str(metadata.schema_version, 50) ?? null, lines, agents, humans };
}

/**
 * What a commit's note says: AI when an AI session or prompt attests at least one line (or, in a
 * note without attestations, accepted one); evidence per session; lines AI and known humans attest.
 */
export function gitAiEvidence(commit: string, note: GitAiNote): RecordEvidence {
  let aiLines = 0;
  let humanLines = 0;
  const contributing = new Set<string>();
  for (const [key, count] of note.lines) {
    if (key.startsWith("h_") || note.humans.has(key)) humanLines += count;
    else {
      aiLines += count;
      contributing.add(key);
    }
  }
  if (note.lines.size === 0) {
    for (const [key, agent] of note.agents) if ((agent.acceptedLines ?? 0) > 0) contributing.add(key);
  }
  const evidence: Evidence[] = [];
  const seen = new Set<string>();
  for (const key of contributing) {
    const found = note.agents.get(key);
    const agent = agentForTool(found?.tool);
    const model = recordModel(found?.model);
    const session: AgentSession | undefined = found?.id
      ? { agent, id: found.id, ...(found.url ? { url: found.url } : {}) }
      : undefined;
    const dedupe = `${agent}|${model}|${session?.id}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const lines = note.lines.get(key);
    let text = `git-ai ${found?.tool ?? "unknown tool"}`;
    if (found?.model) text += ` ${found.model}`;
    if (lines) text += ` ${lines} lines`;
    else if (found?.acceptedLines) text += ` ${found.acceptedLines} accepted lines`;
    const e: Evidence = { agent, marker: "git-ai/note", source: "git-ai", commit, text: text.slice(0, 200) };
    if (model) e.model = model;
    if (session) e.session = session;
    evidence.push(e);
  }
  const ai = evidence.length > 0;
  const lines: LineShare | null = note.lines.size > 0 ? { ai: aiLines, mixed: 0, total: aiLines + humanLines } : null;
  return { source: "git-ai", commit, ai, evidence, lines };
}
