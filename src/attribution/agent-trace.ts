// Agent Trace records (the open spec v0.1, https://github.com/cursor/agent-trace): JSON records
// `{version, id, timestamp, vcs{type, revision}, tool{name, version}, files[]{path,
// conversations[]{url, contributor{type, model_id}, ranges[]{start_line, end_line, content_hash,
// contributor}, related[]{type, url}}}, metadata}`, one per line in `.agent-trace/traces.jsonl`
// or as a note under `refs/notes/agent-trace`. Pure: text in, records and evidence out.
//
// Which commit a record describes: the spec says `vcs.revision` is the commit whose lines the
// ranges number, but its reference hook records `git rev-parse HEAD` while the agent edits, that
// is the parent of the commit to come. So a record at revision R written no later than a child C
// of R was committed describes C; any other record at R describes R (TraceIndex).

import { agentForTool, MAX_LINE, MAX_RECORD_EVIDENCE, type RecordEvidence, recordModel } from "./records.js";
import type { AgentSession, Evidence, LineShare } from "./types.js";

export type ContributorType = "human" | "ai" | "mixed" | "unknown";

// Ranges and conversations are always made with every property (model undefined when none): one
// shape each, so that the code reading them, compiled for one shape, is not thrown away at the
// first object of another (a "wrong map" deoptimisation, then a second compilation).
interface TraceRange {
  start: number;
  end: number;
  type: ContributorType;
  model: string | undefined;
}

interface TraceConversation {
  type: ContributorType;
  model: string | undefined;
  sessions: AgentSession[];
  ranges: TraceRange[];
}

/** A trace record as far as attribution reads it. */
export interface TraceRecord {
  id: string;
  /** `vcs.revision` of a git record, lower case; null when the record names none. */
  revision: string | null;
  /** `timestamp` in ms since the epoch; NaN when missing or not a date. */
  timestamp: number;
  /** `tool.name` (and version), as written. */
  tool: string | null;
  agent: string;
  files: { path: string; conversations: TraceConversation[] }[];
  /** A session id from `metadata` (the reference hook writes session_id / conversation_id there). */
  metadataSession: string | null;
}

/** Bounds on what one record, and one file of records, may cost. */
export const TRACE_LIMITS = {
  /** Lines longer than this (characters) are skipped, not parsed. */
  line: 1024 * 1024,
  /** Records read from one file or note. */
  records: 200_000,
  /** Files, conversations per file, ranges per conversation read from one record. */
  files: 1000,
  conversations: 100,
  ranges: 1000,
};

const CONTRIBUTOR_TYPES = new Set<string>(["human", "ai", "mixed", "unknown"]);
const GIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 500): string | undefined =>
  typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, max) : undefined;

const isLine = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_LINE;

const NO_CONTRIBUTOR: { type?: ContributorType; model?: string } = Object.freeze({});

function contributorOf(value: unknown): { type?: ContributorType; model?: string } {
  if (!isObject(value)) return NO_CONTRIBUTOR;
  const who: { type?: ContributorType; model?: string } = {};
  if (typeof value.type === "string" && CONTRIBUTOR_TYPES.has(value.type)) who.type = value.type as ContributorType;
  const model = recordModel(value.model_id);
  if (model) who.model = model;
  return who;
}

/**
 * A link whose session id `new URL()` would read as its last path segment, as it is: a host of
 * ASCII labels ending in a name (no IPv4 form, no port, no punycode), then segments of unreserved
 * characters (none `.` or `..`, nothing percent-encoded), no query, no fragment. Nearly every
 * conversation link is one; any other goes through `new URL()`, which costs more than the rest
 * of the record.
 */
const SIMPLE_URL =
  /^https?:\/\/(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/([A-Za-z0-9_~-][A-Za-z0-9._~-]*)\/?$/i;
const PUNYCODE = /xn--/i;

/** A conversation or related link as a session: http(s) only (the reference hook writes file:// paths). */
export function sessionFromUrl(agent: string, url: unknown): AgentSession | null {
  const text = str(url, 500);
  if (!text) return null;
  const simple = SIMPLE_URL.exec(text);
  if (simple && !PUNYCODE.test(text)) return { agent, id: (simple[1] as string).slice(0, 200), url: text };
  return sessionFromParsedUrl(agent, text);
}

/**
 * sessionFromUrl for any link, read with `new URL()`: the last path segment, or the `id` query
 * parameter, decoded. `text` is the link trimmed and capped.
 */
export function sessionFromParsedUrl(agent: string, text: string): AgentSession | null {
  if (!/^https?:\/\//i.test(text)) return null;
  let id: string;
  try {
    const parsed = new URL(text);
    const segments = parsed.pathname.split("/").filter(Boolean);
    id = segments.at(-1) ?? parsed.host;
    const query = parsed.searchParams.get("id");
    if (query) id = query;
  } catch {
    return null;
  }
  return { agent, id: decodeURIComponentSafe(id).slice(0, 200), url: text };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A JSON value is a record when it is an object with a `files` array. */
type RecordValue = Record<string, unknown> & { files: unknown[] };
const isRecord = (value: unknown): value is RecordValue => isObject(value) && Array.isArray(value.files);

/** `vcs.revision` of a git record (of a record whose `vcs.type` is git or left out), lower case; or null. */
function revisionOf(record: Record<string, unknown>): string | null {
  const vcs = isObject(record.vcs) ? record.vcs : null;
  const raw = vcs && (vcs.type === undefined || vcs.type === "git") ? str(vcs.revision, 100) : undefined;
  return raw && GIT_SHA.test(raw.toLowerCase()) ? raw.toLowerCase() : null;
}

const timestampOf = (record: Record<string, unknown>): number =>
  typeof record.timestamp === "string" ? parseTimestamp(record.timestamp) : Number.NaN;

/** One record from its JSON value; null when it is not a record (no `files` array). */
export function parseTraceRecord(value: unknown): TraceRecord | null {
  return isRecord(value) ? recordFrom(value) : null;
}

function recordFrom(value: RecordValue): TraceRecord {
  const tool = isObject(value.tool) ? value.tool : null;
  const toolName = str(tool?.name, 100);
  const toolVersion = str(tool?.version, 50);
  const agent = agentForTool(toolName);
  const metadata = isObject(value.metadata) ? value.metadata : null;
  const files: TraceRecord["files"] = [];
  // Arrays are read up to their limits by index, not sliced: a copy each would cost as much.
  for (let f = 0; f < value.files.length && f < TRACE_LIMITS.files; f++) {
    const file: unknown = value.files[f];
    if (!isObject(file) || !Array.isArray(file.conversations)) continue;
    const conversations: TraceConversation[] = [];
    for (let k = 0; k < file.conversations.length && k < TRACE_LIMITS.conversations; k++) {
      const c: unknown = file.conversations[k];
      if (!isObject(c)) continue;
      const who = contributorOf(c.contributor);
      const type = who.type ?? "unknown";
      const sessions: AgentSession[] = [];
      const own = sessionFromUrl(agent, c.url);
      if (own) sessions.push(own);
      if (Array.isArray(c.related)) {
        for (let i = 0; i < c.related.length && i < 20; i++) {
          const r: unknown = c.related[i];
          if (!isObject(r) || r.type !== "session") continue;
          const session = sessionFromUrl(agent, r.url);
          if (session && !sessions.some((s) => s.id === session.id)) sessions.push(session);
        }
      }
      const ranges: TraceRange[] = [];
      if (Array.isArray(c.ranges)) {
        for (let i = 0; i < c.ranges.length && i < TRACE_LIMITS.ranges; i++) {
          const r: unknown = c.ranges[i];
          if (!isObject(r)) continue;
          const { start_line: start, end_line: end } = r;
          if (!isLine(start) || !isLine(end) || end < start) continue;
          const over = contributorOf(r.contributor);
          const model = over.model ?? who.model;
          ranges.push({
            start,
            end,
            type: over.type ?? type,
            model: model || undefined,
          });
        }
      }
      conversations.push({ type, model: who.model || undefined, sessions, ranges });
    }
    files.push({ path: str(file.path, 300) ?? "", conversations });
  }
  const metadataSession = str(metadata?.session_id, 200) ?? str(metadata?.conversation_id, 200) ?? null;
  return {
    id: str(value.id, 100) ?? "",
    revision: revisionOf(value),
    timestamp: timestampOf(value),
    tool: toolName ? (toolVersion ? `${toolName} ${toolVersion}` : toolName) : null,
    agent,
    files,
    metadataSession,
  };
}

/**
 * An ISO 8601 date and time without a zone: `2026-01-25T10:00:00`, or with a space (`str()` of a
 * Python datetime) or a lower-case `t`.
 */
const NO_ZONE = /^(\d{4}-\d\d-\d\d)[Tt ](\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?)$/;

/**
 * A record's timestamp in ms. One without a zone is read as UTC, as the spec's examples are
 * written, not in the local time of whichever machine reads it (Date.parse's reading).
 */
function parseTimestamp(text: string): number {
  const local = NO_ZONE.exec(text);
  return Date.parse(local ? `${local[1]}T${local[2]}Z` : text);
}

/**
 * The records of a traces.jsonl file, or of a note: JSON Lines, or one JSON record or array of
 * records. Lines that are not records are counted in `invalid`, not thrown.
 */
export function parseTraceRecords(text: string): { records: TraceRecord[]; invalid: number; unread: number } {
  const records: TraceRecord[] = [];
  const { invalid, unread } = readTraceText(new Lines(text), (value) => {
    records.push(recordFrom(value));
  });
  return { records, invalid, unread };
}

/**
 * A trace file's text: a string (as GitHub gives it), or the file's bytes (as git gives them to
 * `scan`), kept as they are: one byte a byte, where a string holding a single character outside
 * Latin-1 takes two bytes for every character. A line is decoded when it is read.
 */
export type TraceText = string | Buffer;

/** The lines of a TraceText: where each ends, its text, how many are left that hold anything. */
class Lines {
  readonly length: number;

  constructor(private readonly source: TraceText) {
    this.length = source.length;
  }

  /** Where the line that starts at `at` ends (its "\n", or the end of the text). */
  end(at: number): number {
    const end = typeof this.source === "string" ? this.source.indexOf("\n", at) : this.source.indexOf(0x0a, at);
    return end === -1 ? this.length : end;
  }

  text(at: number, end: number): string {
    if (end === at) return ""; // a blank line: nothing to decode
    return typeof this.source === "string" ? this.source.slice(at, end) : this.source.toString("utf8", at, end);
  }

  /** Past the spaces, tabs, carriage returns and line ends from `at` on: blank lines, read as bytes. */
  skipBlank(at: number): number {
    const source = this.source;
    if (typeof source === "string") {
      while (at < this.length) {
        const c = source.charCodeAt(at);
        if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break;
        at++;
      }
    } else {
      while (at < this.length) {
        const c = source[at];
        if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break;
        at++;
      }
    }
    return at;
  }

  /** The first line from `at` on whose text trimmed is not empty: where it starts and ends, and that text. */
  nextFilled(at: number): { at: number; end: number; line: string } | null {
    for (at = this.skipBlank(at); at < this.length; at = this.skipBlank(at)) {
      const end = this.end(at);
      const line = this.text(at, end).trim();
      if (line !== "") return { at, end, line };
      at = end + 1;
    }
    return null;
  }

  /** The lines from `at` on that hold anything but spaces, tabs and carriage returns. */
  linesFrom(at: number): number {
    let count = 0;
    // skipBlank stops only inside a line that holds something: count it, and go past its end.
    for (at = this.skipBlank(at); at < this.length; at = this.skipBlank(this.end(at) + 1)) count++;
    return count;
  }
}

const isJsonValue = (line: string): boolean => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

/**
 * Reads `lines` as parseTraceRecords does, handing each record (a JSON object with a `files`
 * array) to `take` with the line it was read from (`at`, `end`; -1 for one of a JSON array or a
 * pretty-printed record), the first TRACE_LIMITS.records of them.
 */
function readTraceText(
  lines: Lines,
  take: (value: RecordValue, at: number, end: number) => void,
): { records: number; invalid: number; unread: number } {
  let records = 0;
  let invalid = 0;
  // A note may hold one pretty-printed record, or an array of them: the text is then one JSON
  // value, tried whole when it starts with "[", or with "{" on a line that is not a value of its
  // own (JSON Lines) and is followed by others. A first line longer than a line may be is not
  // parsed alone: the whole is tried, as one of any length would be.
  const first = lines.nextFilled(0);
  if (first === null) return { records, invalid, unread: 0 };
  const { line: firstLine } = first;
  if (
    firstLine.startsWith("[") ||
    (firstLine.startsWith("{") &&
      lines.nextFilled(first.end + 1) !== null &&
      (firstLine.length > TRACE_LIMITS.line || !isJsonValue(firstLine)))
  ) {
    // Read whole under 16 million characters: a UTF-8 character of one UTF-16 unit is at most 3
    // bytes (one of two units, 4), and a byte that is not UTF-8 is one character.
    const trimmed = lines.length < 3 * 16e6 ? lines.text(0, lines.length).trim() : "";
    let value: unknown;
    try {
      value = trimmed !== "" && trimmed.length < 16e6 ? JSON.parse(trimmed) : undefined;
    } catch {
      value = undefined; // JSON Lines, then
    }
    if (value !== undefined) {
      const items = Array.isArray(value) ? value : [value];
      let unread = 0;
      for (const item of items) {
        if (!isRecord(item)) invalid++;
        else if (records >= TRACE_LIMITS.records) unread++;
        else {
          take(item, -1, -1);
          records++;
        }
      }
      return { records, invalid, unread };
    }
  }
  let at = first.at;
  while (at < lines.length && records < TRACE_LIMITS.records) {
    at = lines.skipBlank(at);
    if (at >= lines.length) break;
    const end = lines.end(at);
    const line = lines.text(at, end).trim();
    const start = at;
    at = end + 1;
    if (line === "") continue;
    if (line.length > TRACE_LIMITS.line) {
      invalid++;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      invalid++;
      continue;
    }
    if (isRecord(value)) {
      take(value, start, end);
      records++;
    } else invalid++;
  }
  return { records, invalid, unread: lines.linesFrom(at) };
}

/** What a file's cap on records left unread (parseTraceRecords's `unread`), as a phrase for a report. */
export function unreadTraceLines(path: string, lines: number): string {
  const limit = TRACE_LIMITS.records.toLocaleString("en");
  return `${path}: ${lines === 1 ? "1 line" : `${lines} lines`} past the first ${limit} records not read`;
}

/** The number of lines the union of `ranges` covers. */
function covered(ranges: readonly { start: number; end: number }[]): number {
  if (ranges.length === 0) return 0;
  // Most files of a record have one range: nothing to sort.
  if (ranges.length === 1) {
    const only = ranges[0] as { start: number; end: number };
    return Math.max(only.end - only.start + 1, 0);
  }
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let count = 0;
  let start = sorted[0]?.start ?? 0;
  let end = start - 1;
  for (const r of sorted) {
    if (r.start > end + 1) {
      count += end - start + 1;
      start = r.start;
      end = r.end;
    } else if (r.end > end) end = r.end;
  }
  return count + (end - start + 1);
}

const isAi = (type: ContributorType) => type === "ai" || type === "mixed";

/**
 * What `records` (all of one commit) say of it: AI when a conversation or range is `ai` or
 * `mixed`; evidence per agent, model and session; lines as the union of their ranges per file (a
 * line two records cover counts once, as AI when any record says AI wrote it).
 */
export function traceEvidence(commit: string, records: readonly TraceRecord[]): RecordEvidence {
  const byFile = new Map<string, { all: TraceRange[]; ai: TraceRange[]; mixed: TraceRange[] }>();
  const evidence: Evidence[] = [];
  const seen = new Set<string>();
  // Pieces per agent, at most what withRecords keeps of a commit's records: a conversation may name
  // 20 sessions and a model per range, and their product (thousands a conversation, millions in a
  // 16 MB file) must not be built. An agent's first pieces are all kept, so which agents a
  // commit's records name, and what a configuration that switches one off leaves, do not change.
  const perAgent = new Map<string, number>();
  let ai = false;
  for (const record of records) {
    for (const file of record.files) {
      let ranges = byFile.get(file.path);
      if (!ranges) {
        ranges = { all: [], ai: [], mixed: [] };
        byFile.set(file.path, ranges);
      }
      for (const c of file.conversations) {
        // A conversation names a model or two: a list, first found first, costs less than a Set.
        const models: string[] = [];
        let aiHere = c.ranges.length === 0 && isAi(c.type);
        if (aiHere && c.model) models.push(c.model);
        for (const r of c.ranges) {
          ranges.all.push(r);
          if (r.type === "ai") ranges.ai.push(r);
          if (r.type === "mixed") ranges.mixed.push(r);
          if (isAi(r.type)) {
            aiHere = true;
            if (r.model && !models.includes(r.model)) models.push(r.model);
          }
        }
        if (!aiHere) continue;
        ai = true;
        let pieces = perAgent.get(record.agent) ?? 0;
        if (pieces >= MAX_RECORD_EVIDENCE) continue;
        const sessions: (AgentSession | undefined)[] = c.sessions.length > 0 ? c.sessions : [undefined];
        if (c.sessions.length === 0 && record.metadataSession)
          sessions[0] = { agent: record.agent, id: record.metadataSession };
        pairs: for (const model of models.length > 0 ? models : [undefined]) {
          for (const session of sessions) {
            if (pieces >= MAX_RECORD_EVIDENCE) break pairs;
            const key = `${record.agent}|${model}|${session?.id}`;
            if (seen.has(key)) continue;
            seen.add(key);
            pieces++;
            const text = `${record.tool ?? "Agent Trace"}${file.path ? ` ${file.path}` : ""} ${c.type}${model ? ` ${model}` : ""}`;
            const e: Evidence = {
              agent: record.agent,
              marker: "agent-trace/record",
              source: "agent-trace",
              commit,
              text: text.slice(0, 200),
            };
            if (model) e.model = model;
            if (session) e.session = session;
            evidence.push(e);
          }
        }
        perAgent.set(record.agent, pieces);
      }
    }
  }
  let lines: LineShare | null = null;
  for (const ranges of byFile.values()) {
    if (ranges.all.length === 0) continue;
    const aiLines = covered(ranges.ai);
    const share = {
      ai: aiLines,
      mixed: ranges.mixed.length === 0 ? 0 : covered([...ranges.ai, ...ranges.mixed]) - aiLines,
      total: covered(ranges.all),
    };
    lines = lines
      ? { ai: lines.ai + share.ai, mixed: lines.mixed + share.mixed, total: lines.total + share.total }
      : share;
  }
  return { source: "agent-trace", commit, ai, evidence: ai ? evidence : [], lines };
}

/** A commit as TraceIndex matches it: its sha, parents, and when it was committed (ms). */
export interface TraceCommit {
  sha: string;
  parents: readonly string[];
  committedAt: number;
}

/**
 * A record as TraceIndex keeps it until a commit claims it: when it was written, and either its
 * line in the index's text (parsed again when claimed) or, for records that came parsed or from
 * a JSON array, the record itself.
 */
interface IndexedRecord {
  timestamp: number;
  at: number;
  end: number;
  record: TraceRecord | null;
  claimed: boolean;
}

/**
 * Trace records indexed by revision, handed to the commits they describe (see the top of this
 * file). Ask for children before parents (git log's order, newest first): a record a child
 * claims is not given to its parent.
 *
 * Read from a trace file (`read`), it keeps the file's text and, per record, where its line is:
 * a parsed record takes about three times its line's size, and most are never claimed by the
 * commits at hand (a pull request's, a batch of history's). A claimed record is parsed again.
 */
export class TraceIndex {
  private readonly byRevision = new Map<string, IndexedRecord[]>();

  private constructor(private readonly lines: Lines) {}

  /** An index of records already parsed. */
  static of(records: Iterable<TraceRecord>): TraceIndex {
    const index = new TraceIndex(new Lines(""));
    for (const record of records) {
      if (record.revision !== null)
        index.add(record.revision, { timestamp: record.timestamp, at: -1, end: -1, record, claimed: false });
    }
    return index;
  }

  /**
   * The records of a traces.jsonl file (as parseTraceRecords reads it), indexed: with how many
   * records it holds, how many lines were not records, and how many past the cap were not read.
   * The index keeps `text` (a Buffer is not copied: it must not change after).
   */
  static read(text: TraceText): { index: TraceIndex; records: number; invalid: number; unread: number } {
    const index = new TraceIndex(new Lines(text));
    const read = readTraceText(index.lines, (value, at, end) => {
      const revision = revisionOf(value);
      if (revision !== null) {
        const record = at < 0 ? recordFrom(value) : null;
        index.add(revision, { timestamp: timestampOf(value), at, end, record, claimed: false });
      }
    });
    return { index, ...read };
  }

  private add(revision: string, entry: IndexedRecord): void {
    const list = this.byRevision.get(revision);
    if (list) list.push(entry);
    else this.byRevision.set(revision, [entry]);
  }

  get size(): number {
    return this.byRevision.size;
  }

  /** The revisions that records are at. */
  revisions(): IterableIterator<string> {
    return this.byRevision.keys();
  }

  /** The records that describe `commit`: written at its first parent before it was committed, or at it. */
  recordsFor(commit: TraceCommit): TraceRecord[] {
    const found: TraceRecord[] = [];
    const parent = commit.parents[0];
    const atParent = parent === undefined ? undefined : this.byRevision.get(parent);
    if (atParent) {
      for (const entry of atParent) {
        if (!entry.claimed && entry.timestamp <= commit.committedAt) found.push(this.claim(entry));
      }
    }
    for (const entry of this.byRevision.get(commit.sha) ?? []) {
      // Claimed here too: git lists a commit before a child of it when their dates are skewed, and
      // that child must not count the record a second time.
      if (!entry.claimed) found.push(this.claim(entry));
    }
    return found;
  }

  private claim(entry: IndexedRecord): TraceRecord {
    entry.claimed = true;
    if (entry.record !== null) return entry.record;
    // Its line was read as a record when the index was made, and `lines` is the index's own
    // (TraceIndex.read's caller hands its text over): it is one again.
    return recordFrom(JSON.parse(this.lines.text(entry.at, entry.end).trim()) as RecordValue);
  }
}
