// What `shipledger scan` reports about a history: counts only, so memory does not grow with the
// number of commits (a map per agent, model and month).

import { unreadTraceLines } from "../attribution/agent-trace.js";
import type { RecordEvidence } from "../attribution/records.js";
import type { CommitAttribution, LineShare } from "../attribution/types.js";
import type { GitCommit } from "../git/objects.js";
import { formatTable } from "../util/text-table.js";

export interface ScanSummaryJson {
  repository: string;
  revs: string[];
  commits: number;
  merges: number;
  aiAssisted: number;
  /** aiAssisted / commits, rounded to 4 decimals; 0 when there are no commits. */
  aiShare: number;
  /** AI-assisted commits that name at least one agent session. */
  withSessions: number;
  /** Earliest and latest author date seen (ISO, author's offset); null without commits. */
  firstAuthorDate: string | null;
  lastAuthorDate: string | null;
  /** AI-assisted commits per agent; a commit naming two agents counts for both. */
  agents: { agent: string; commits: number }[];
  models: { model: string; commits: number }[];
  /** By the month of the author date, in the author's own time zone. */
  months: { month: string; commits: number; aiAssisted: number }[];
  truncatedCommits: number;
  /** Present when the repository has agent records (git-ai notes, Agent Trace notes or traces.jsonl at HEAD). */
  agentRecords?: AgentRecordsJson;
}

export interface AgentRecordsJson {
  /** Notes under refs/notes/ai and refs/notes/agent-trace, whichever commits they annotate. */
  gitAiNotes: number;
  agentTraceNotes: number;
  /** Records read from .agent-trace/traces.jsonl at HEAD; null without that file. */
  traceFileRecords: number | null;
  traceFileInvalidLines: number;
  traceFileTooLarge: boolean;
  /** Lines of it past the 200,000 records read (TRACE_LIMITS.records), not read. */
  traceFileUnreadLines: number;
  /** Notes larger than 4 MB, skipped unread (a note is a few kilobytes). */
  notesTooLarge: number;
  /** Notes skipped unread past 32 MB of notes in one group of commits read together (record-source.ts). */
  notesOverBudget: number;
  /** Scanned commits with a git-ai note, with Agent Trace records. */
  commitsWithGitAi: number;
  commitsWithAgentTrace: number;
  /** Lines the scanned commits' records attribute: AI, mixed, all recorded. */
  lines: LineShare;
}

export type RecordSourceInfo = Pick<
  AgentRecordsJson,
  "gitAiNotes" | "agentTraceNotes" | "traceFileRecords" | "traceFileTooLarge" | "notesTooLarge" | "notesOverBudget"
> & { traceFileInvalid: number; traceFileUnread: number };

export class ScanSummary {
  commits = 0;
  merges = 0;
  aiAssisted = 0;
  withSessions = 0;
  truncated = 0;
  private readonly agents = new Map<string, number>();
  private readonly models = new Map<string, number>();
  private readonly months = new Map<string, { commits: number; aiAssisted: number }>();
  private lastMonthKey = "";
  private lastMonth: { commits: number; aiAssisted: number } | null = null;
  private first: { at: number; date: string } | null = null;
  private last: { at: number; date: string } | null = null;
  private recordSource: RecordSourceInfo | null = null;
  private readonly recordCounts = { gitAi: 0, agentTrace: 0, lines: { ai: 0, mixed: 0, total: 0 } };

  constructor(
    readonly repository: string,
    readonly revs: readonly string[],
  ) {}

  add(commit: GitCommit, attribution: CommitAttribution): void {
    this.commits++;
    if (commit.parents.length > 1) this.merges++;
    if (commit.truncated) this.truncated++;
    const month = this.monthOf(commit.author.date);
    month.commits++;
    const at = commit.authorTime;
    if (!Number.isNaN(at)) {
      if (this.first === null || at < this.first.at) this.first = { at, date: commit.author.date };
      if (this.last === null || at > this.last.at) this.last = { at, date: commit.author.date };
    }
    if (!attribution.ai) return;
    this.aiAssisted++;
    month.aiAssisted++;
    if (attribution.sessions.length > 0) this.withSessions++;
    for (const agent of attribution.agents) this.agents.set(agent, (this.agents.get(agent) ?? 0) + 1);
    for (const model of attribution.models) this.models.set(model, (this.models.get(model) ?? 0) + 1);
  }

  /** The repository has agent records: the summary reports them. */
  setRecordSource(info: RecordSourceInfo): void {
    this.recordSource = info;
  }

  /** One commit's agent records (called before add, with the records joined to its attribution). */
  addRecords(records: readonly RecordEvidence[]): void {
    const counts = this.recordCounts;
    if (records.some((r) => r.source === "git-ai")) counts.gitAi++;
    if (records.some((r) => r.source === "agent-trace")) counts.agentTrace++;
    for (const r of records) {
      if (!r.lines) continue;
      counts.lines.ai += r.lines.ai;
      counts.lines.mixed += r.lines.mixed;
      counts.lines.total += r.lines.total;
    }
  }

  /** The counts of a date's month: the last month asked for again, as in a history, or a lookup. */
  private monthOf(date: string): { commits: number; aiAssisted: number } {
    if (this.lastMonth !== null && this.lastMonthKey.length === 7 && date.startsWith(this.lastMonthKey))
      return this.lastMonth;
    const key = date.slice(0, 7);
    let month = this.months.get(key);
    if (!month) {
      month = { commits: 0, aiAssisted: 0 };
      this.months.set(key, month);
    }
    this.lastMonthKey = key;
    this.lastMonth = month;
    return month;
  }

  toJSON(): ScanSummaryJson {
    return {
      repository: this.repository,
      revs: [...this.revs],
      commits: this.commits,
      merges: this.merges,
      aiAssisted: this.aiAssisted,
      aiShare: this.commits === 0 ? 0 : Math.round((this.aiAssisted / this.commits) * 10_000) / 10_000,
      withSessions: this.withSessions,
      firstAuthorDate: this.first?.date ?? null,
      lastAuthorDate: this.last?.date ?? null,
      agents: byCount(this.agents).map(([agent, commits]) => ({ agent, commits })),
      models: byCount(this.models).map(([model, commits]) => ({ model, commits })),
      months: [...this.months]
        .sort(([a], [b]) => compare(a, b))
        .map(([month, m]) => ({ month, commits: m.commits, aiAssisted: m.aiAssisted })),
      truncatedCommits: this.truncated,
      ...(this.recordSource
        ? {
            agentRecords: {
              gitAiNotes: this.recordSource.gitAiNotes,
              agentTraceNotes: this.recordSource.agentTraceNotes,
              traceFileRecords: this.recordSource.traceFileRecords,
              traceFileInvalidLines: this.recordSource.traceFileInvalid,
              traceFileTooLarge: this.recordSource.traceFileTooLarge,
              traceFileUnreadLines: this.recordSource.traceFileUnread,
              notesTooLarge: this.recordSource.notesTooLarge,
              notesOverBudget: this.recordSource.notesOverBudget,
              commitsWithGitAi: this.recordCounts.gitAi,
              commitsWithAgentTrace: this.recordCounts.agentTrace,
              lines: { ...this.recordCounts.lines },
            },
          }
        : {}),
    };
  }
}

/** Most commits first, then by name. */
function byCount(map: Map<string, number>): [string, number][] {
  return [...map].sort(([a, x], [b, y]) => y - x || compare(a, b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "-" : `${((part / whole) * 100).toFixed(1)}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The plain-text report: a headline, then tables by agent, model and month. */
export function formatSummary(summary: ScanSummaryJson): string {
  const where = `${summary.repository} (${summary.revs.join(" ")})`;
  if (summary.commits === 0) return `scan: ${where}: no commits\n`;
  const out = [
    `scan: ${where}: ${plural(summary.commits, "commit")}, ${summary.aiAssisted} AI-assisted ` +
      `(${percent(summary.aiAssisted, summary.commits)}), ${plural(summary.merges, "merge")}, ` +
      `${summary.withSessions} with agent session links\n`,
  ];
  if (summary.truncatedCommits > 0) {
    out.push(`scan: ${plural(summary.truncatedCommits, "commit")} had fields too long to read whole\n`);
  }
  const records = summary.agentRecords;
  if (records) {
    const share =
      records.lines.total === 0
        ? ""
        : `; AI wrote ${records.lines.ai} of ${plural(records.lines.total, "recorded line")} (${percent(records.lines.ai, records.lines.total)})` +
          (records.lines.mixed > 0 ? `, ${records.lines.mixed} more mixed` : "");
    out.push(
      `scan: agent records: ${plural(records.commitsWithGitAi, "commit")} with a git-ai note, ` +
        `${records.commitsWithAgentTrace} with Agent Trace records${share}\n`,
    );
    if (records.notesTooLarge > 0) {
      out.push(`scan: ${plural(records.notesTooLarge, "note")} larger than 4 MB not read\n`);
    }
    if (records.notesOverBudget > 0) {
      out.push(
        `scan: ${plural(records.notesOverBudget, "note")} not read: over 32 MB of notes in one group of commits\n`,
      );
    }
    if (records.traceFileUnreadLines > 0) {
      out.push(`scan: ${unreadTraceLines(".agent-trace/traces.jsonl", records.traceFileUnreadLines)}\n`);
    }
    if (records.traceFileTooLarge) out.push(`scan: .agent-trace/traces.jsonl is too large to read\n`);
    else if (records.traceFileInvalidLines > 0) {
      out.push(
        `scan: .agent-trace/traces.jsonl: ${plural(records.traceFileInvalidLines, "line")} not a trace record\n`,
      );
    }
  }
  if (summary.agents.length > 0) {
    out.push(
      `\n${formatTable(
        ["AGENT", "COMMITS", "SHARE"],
        summary.agents.map((a) => [a.agent, String(a.commits), percent(a.commits, summary.commits)]),
      )}`,
    );
  }
  if (summary.models.length > 0) {
    out.push(
      `\n${formatTable(
        ["MODEL", "COMMITS", "SHARE"],
        summary.models.map((m) => [m.model, String(m.commits), percent(m.commits, summary.commits)]),
      )}`,
    );
  }
  out.push(
    `\n${formatTable(
      ["MONTH", "COMMITS", "AI-ASSISTED", "SHARE"],
      summary.months.map((m) => [m.month, String(m.commits), String(m.aiAssisted), percent(m.aiAssisted, m.commits)]),
    )}`,
  );
  return out.join("");
}
