// Agent records beside commit messages: what an Agent Trace record (agent-trace.ts) or a git-ai
// authorship note (git-ai.ts) says of one commit, and how that joins the commit's attribution.
// Pure: the readers (src/cli/record-source.ts, src/github/agent-records.ts) fetch the text.
//
// A record is evidence like a trailer: it names an agent, a model, sessions, and says whether AI
// wrote any of the commit's lines. It adds what a message cannot: the share of lines AI wrote.

import { agentById, DISABLED_BY_CONFIG } from "./agents.js";
import type {
  AgentSession,
  ChangeAttribution,
  CommitAttribution,
  Evidence,
  EvidenceSource,
  LineShare,
} from "./types.js";

export type RecordSource = Extract<EvidenceSource, "agent-trace" | "git-ai">;

/** What the records of one source say of one commit. */
export interface RecordEvidence {
  source: RecordSource;
  /** Full sha of the commit the record describes. */
  commit: string;
  /** The record says AI wrote (or co-wrote) some of the commit. */
  ai: boolean;
  /** One piece per agent, model and session the record names; empty when `ai` is false. */
  evidence: Evidence[];
  /** Lines the record attributes; null when it gives no line ranges. */
  lines: LineShare | null;
}

/** Evidence kept per commit from records (a record of 1,000 conversations is one commit's). */
export const MAX_RECORD_EVIDENCE = 20;

/**
 * The catalogue's id for a tool as records name it (`claude`, `cursor`, `copilot`…), or "generic"
 * for a tool the catalogue does not know (the evidence text still names it).
 */
export function agentForTool(tool: string | undefined): string {
  const name = (tool ?? "").trim().toLowerCase();
  const candidate = TOOL_ALIASES[name] ?? name;
  return candidate !== "" && agentById(candidate) ? candidate : "generic";
}

const TOOL_ALIASES: Record<string, string> = {
  claude: "claude-code",
  "claude code": "claude-code",
  "claude-code": "claude-code",
  copilot: "github-copilot",
  "github-copilot": "github-copilot",
  codex: "codex",
  "codex-cli": "codex",
  cursor: "cursor",
  "cursor-agent": "cursor",
  amp: "amp",
  opencode: "opencode",
  jules: "jules",
  devin: "devin",
  aider: "aider",
  kiro: "kiro",
  openhands: "openhands",
};

/**
 * The largest line number or line count a record may give: no source file has ten million lines,
 * and larger numbers (1e308 is valid JSON) would add up to Infinity.
 */
export const MAX_LINE = 10_000_000;

/**
 * A model id as the engine writes models: lower case, without its provider
 * (`anthropic/claude-opus-4-5-20251101` → `claude-opus-4-5-20251101`).
 */
export function recordModel(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  // Remembered only when of a model id's length: the memo is the process's, and a record's text
  // is anyone's who can push (or open a pull request). Read whole all the same (in linear time):
  // a provider's path may be long (`projects/…/publishers/anthropic/models/claude-opus-4-5@…`).
  if (raw.length > MAX_REMEMBERED_MODEL) return normalisedModel(raw);
  // Records name the same few models again and again.
  if (knownModels.has(raw)) return knownModels.get(raw);
  const model = normalisedModel(raw);
  if (knownModels.size >= MAX_KNOWN_MODELS) knownModels.clear();
  knownModels.set(raw, model);
  return model;
}

const knownModels = new Map<string, string | undefined>();
const MAX_KNOWN_MODELS = 1000;
/** Longest model id remembered (`anthropic/claude-opus-4-5-20251101` is 34 characters). */
const MAX_REMEMBERED_MODEL = 200;

function normalisedModel(raw: string): string | undefined {
  let model = raw.trim().toLowerCase();
  const slash = model.lastIndexOf("/");
  if (slash >= 0) model = model.slice(slash + 1);
  model = model
    .replace(/\s+/g, "-")
    .replace(/[^a-z0-9._:-]/g, "")
    .replace(/^[-.:]+|[-.:]+$/g, "")
    .slice(0, 64);
  return model === "" || model === "unknown" ? undefined : model;
}

/** Adds `share` into `into` (or returns a copy of it). */
export function addLines(into: LineShare | undefined, share: LineShare): LineShare {
  if (!into) return { ...share };
  return { ai: into.ai + share.ai, mixed: into.mixed + share.mixed, total: into.total + share.total };
}

/**
 * A commit's attribution with its records joined: the records' evidence after the message's, AI
 * when either says so, and the records' lines. Records of other commits are left out.
 *
 * `disabled` is `attribution.disableMarkers`: a record's piece whose marker (`git-ai/note`,
 * `agent-trace/record`) or agent is listed is not evidence but an ignored entry, as the engine
 * treats a disabled marker; a record left with no piece adds neither AI nor its lines.
 */
export function withRecords(
  attribution: CommitAttribution,
  records: readonly RecordEvidence[],
  disabled: readonly string[] = [],
): CommitAttribution {
  // The records of the commit, as its reader gives them: kept without a copy.
  const own = records.every((r) => r.commit === attribution.sha)
    ? records
    : records.filter((r) => r.commit === attribution.sha);
  if (own.length === 0) return attribution;
  // An ignored author (attribution.ignoreAuthors) stays ignored: the configuration said so.
  if (attribution.authorIgnored) return attribution;
  const off = disabled.length > 0 ? new Set(disabled) : null;
  const evidence = [...attribution.evidence];
  const ignored = [...attribution.ignored];
  let lines = attribution.lines;
  let ai = attribution.ai;
  for (const record of own) {
    const kept: Evidence[] = [];
    for (const e of record.evidence) {
      if (off === null || (!off.has(e.marker) && !off.has(e.agent))) kept.push(e);
      else if (!ignored.some((i) => i.marker === e.marker && i.text === e.text)) {
        ignored.push({
          marker: e.marker,
          source: e.source,
          ...(e.commit === undefined ? {} : { commit: e.commit }),
          text: e.text,
          reason: DISABLED_BY_CONFIG,
        });
      }
    }
    // Everything the record said was switched off: it is not read at all (nor are its lines).
    if (record.evidence.length > 0 && kept.length === 0) continue;
    if (record.lines) lines = addLines(lines, record.lines);
    if (!record.ai) continue;
    ai = true;
    for (const e of kept) {
      if (evidence.length - attribution.evidence.length >= MAX_RECORD_EVIDENCE) break;
      evidence.push(e);
    }
  }
  const joined = summarise(evidence);
  // Object.assign, not a spread: V8 adds a property the spread's copy lacks (`lines`) several
  // times slower than Object.assign copies.
  return Object.assign(
    {},
    attribution,
    { ai, agents: joined.agents, models: joined.models, sessions: joined.sessions, evidence, ignored },
    lines ? { lines } : null,
  );
}

/**
 * A change's attribution with its commits' records joined (withRecords on each commit, then the
 * change's agents, models, sessions, AI commits and lines again).
 */
export function changeWithRecords(
  change: ChangeAttribution,
  records: ReadonlyMap<string, readonly RecordEvidence[]>,
  disabled: readonly string[] = [],
): ChangeAttribution {
  if (records.size === 0) return change;
  const perCommit = change.perCommit.map((c) => withRecords(c, records.get(c.sha) ?? [], disabled));
  if (perCommit.every((c, i) => c === change.perCommit[i])) return change;
  const own = change.evidence.filter((e) => e.commit === undefined);
  const evidence = [...own, ...perCommit.flatMap((c) => c.evidence)];
  const ownIgnored = change.ignored.filter((i) => i.commit === undefined);
  const ignored = [...ownIgnored, ...perCommit.flatMap((c) => c.ignored)];
  const joined = summarise(evidence);
  let lines: LineShare | undefined;
  for (const c of perCommit) if (c.lines) lines = addLines(lines, c.lines);
  return {
    ...change,
    ai: change.ai || perCommit.some((c) => c.ai),
    agents: joined.agents,
    models: joined.models,
    sessions: joined.sessions,
    evidence,
    ignored,
    perCommit,
    commits: { total: perCommit.length, ai: perCommit.filter((c) => c.ai).length },
    ...(lines ? { lines } : {}),
  };
}

/** Agents and models (sorted) and sessions (by agent and id, first found first) of `evidence`. */
export function summarise(evidence: readonly Evidence[]): {
  agents: string[];
  models: string[];
  sessions: AgentSession[];
} {
  const agents = new Set<string>();
  const models = new Set<string>();
  const sessions = new Map<string, AgentSession>();
  for (const e of evidence) {
    agents.add(e.agent);
    if (e.model !== undefined) models.add(e.model);
    if (!e.session) continue;
    const key = `${e.session.agent}\u0000${e.session.id}`;
    const known = sessions.get(key);
    if (!known) sessions.set(key, { ...e.session });
    else if (known.url === undefined && e.session.url !== undefined) known.url = e.session.url;
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { agents: [...agents].sort(order), models: [...models].sort(order), sessions: [...sessions.values()] };
}
