// What `shipledger scan` reports about a history: counts only, so memory does not grow with the
// number of commits (a map per agent, model and month).

import type { CommitAttribution } from "../attribution/types.js";
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
}

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
