// Reports as text: a terminal table, CSV, Prometheus exposition and the PR check's one line.

import { formatTable } from "../util/text-table.js";
import type { Report } from "./types.js";

const num = (value: number | null, digits = 2) => (value === null ? "—" : value.toFixed(digits));
const pct = (value: number | null) => (value === null ? "—" : `${(value * 100).toFixed(1)}%`);
const hours = (value: number | null) => (value === null ? "—" : `${value.toFixed(1)} h`);

export function formatReportTable(report: Report): string {
  const lines = [
    `Shipledger report: ${report.scope}, ${report.since} → ${report.until} (${num(report.weeks, 1)} weeks)`,
    "",
    formatTable(
      ["FIGURE", "VALUE"],
      [
        ["Normalised deployments (AI-assisted prod deployments per engineer-week)", num(report.normalisedDeployments)],
        ["Active engineers", String(report.activeEngineers)],
        ["AI-in-production adoption (engineer-weeks)", pct(report.adoption)],
        ["AI-assisted changes shipped", String(report.aiChangesShipped)],
        ["All changes shipped", String(report.changesShipped)],
        ["AI share of shipped changes", pct(report.aiShare)],
        [
          "Median lead time, AI-assisted / other",
          `${hours(report.medianLeadTimeHours.ai)} / ${hours(report.medianLeadTimeHours.other)}`,
        ],
        [
          "Change failure rate, AI-assisted / other",
          `${pct(report.changeFailureRate.ai)} / ${pct(report.changeFailureRate.other)}`,
        ],
        [
          "Not counted: bot / ignored paths / reverted",
          `${report.excluded.bot} / ${report.excluded.ignoredPaths} / ${report.excluded.reverted}`,
        ],
        ...evidenceRows(report),
      ],
    ).trimEnd(),
  ];
  if (report.withheld) lines.push("", `Note: ${report.withheld}`);
  if (report.historyNote) lines.push("", `Note: ${report.historyNote}`);
  const agents = Object.entries(report.byAgent).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (agents.length > 0) {
    lines.push(
      "",
      formatTable(
        ["AGENT", "AI-ASSISTED CHANGES SHIPPED"],
        agents.map(([a, n]) => [a, String(n)]),
      ).trimEnd(),
    );
  }
  if (report.series.length > 0) {
    lines.push(
      "",
      formatTable(
        ["WEEK", "ACTIVE ENGINEERS", "AI DEPLOYMENTS", "AI CHANGES", "CHANGES", "NORMALISED", "ADOPTION"],
        report.series.map((w) => [
          w.week,
          String(w.activeEngineers),
          w.aiDeployments === null ? "—" : String(w.aiDeployments),
          String(w.aiChangesShipped),
          String(w.changesShipped),
          num(w.normalisedDeployments),
          pct(w.adoption),
        ]),
      ).trimEnd(),
    );
  }
  return `${lines.join("\n")}\n`;
}

const BASIS_LABEL = { any: "any", explicit: "explicit only", mixed: "differs by repository" } as const;

/** The table's lines on how much rests on circumstantial evidence (branch names, labels, phrases). */
function evidenceRows(report: Report): string[][] {
  const e = report.evidence;
  const rows = [["AI evidence counted (metric.evidence)", BASIS_LABEL[e.basis]]];
  if (e.basis !== "explicit") {
    rows.push(
      [
        "AI-assisted changes shipped on circumstantial evidence alone",
        `${e.circumstantialChanges} (${pct(e.circumstantialShare)})`,
      ],
      [
        "Share of AI-assisted deployments resting on circumstantial evidence alone",
        pct(e.circumstantialDeploymentShare),
      ],
    );
  }
  if (e.basis !== "any") rows.push(["Circumstantial-only changes counted as not AI-assisted", String(e.leftOut)]);
  return rows;
}

const csvCell = (value: unknown) => {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The weekly series as CSV, one row per week, with the period's totals in the last row. */
export function formatReportCsv(report: Report): string {
  const header = [
    "scope",
    "week",
    "active_engineers",
    "ai_deployments",
    "ai_changes_shipped",
    "changes_shipped",
    "normalised_deployments",
    "adoption",
    // The period's alone (in the total row): how much rests on circumstantial evidence.
    "evidence_basis",
    "circumstantial_ai_changes",
    "circumstantial_deployment_share",
    "circumstantial_left_out",
  ];
  const rows = report.series.map((w) => [
    report.scope,
    w.week,
    w.activeEngineers,
    w.aiDeployments,
    w.aiChangesShipped,
    w.changesShipped,
    w.normalisedDeployments,
    w.adoption,
    "",
    "",
    "",
    "",
  ]);
  rows.push([
    report.scope,
    "total",
    report.activeEngineers,
    "",
    report.aiChangesShipped,
    report.changesShipped,
    report.normalisedDeployments,
    report.adoption,
    report.evidence.basis,
    report.evidence.circumstantialChanges,
    report.evidence.circumstantialDeploymentShare,
    report.evidence.leftOut,
  ]);
  return `${[header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n")}\n`;
}

const label = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** A repository /metrics leaves out: its period holds more changes than a report may read. */
export interface LeftOutRepository {
  repository: string;
  changes: number;
  limit: number;
}

/** Prometheus text exposition: the figures of each repository over the period. */
export function formatPrometheus(
  reports: Array<{ repository: string; report: Report }>,
  leftOut: readonly LeftOutRepository[] = [],
): string {
  const metrics: Array<[string, string, (r: Report) => number | null]> = [
    [
      "shipledger_normalised_deployments",
      "AI-assisted production deployments per active engineer-week (last 28 days)",
      (r) => r.normalisedDeployments,
    ],
    ["shipledger_active_engineers", "Engineers credited with a merged change (last 28 days)", (r) => r.activeEngineers],
    [
      "shipledger_ai_changes_shipped",
      "AI-assisted changes shipped to production and not reverted (last 28 days)",
      (r) => r.aiChangesShipped,
    ],
    [
      "shipledger_changes_shipped",
      "Changes shipped to production and not reverted (last 28 days)",
      (r) => r.changesShipped,
    ],
    ["shipledger_ai_share", "Share of shipped changes that were AI-assisted (last 28 days)", (r) => r.aiShare],
    [
      "shipledger_ai_changes_circumstantial",
      "AI-assisted changes shipped and counted on circumstantial evidence alone: branch names, labels, phrases (last 28 days)",
      (r) => r.evidence.circumstantialChanges,
    ],
    [
      "shipledger_ai_deployments_circumstantial_share",
      "Share of AI-assisted production deployments that only circumstantial evidence makes (last 28 days)",
      (r) => r.evidence.circumstantialDeploymentShare,
    ],
    [
      "shipledger_adoption",
      "Share of active engineer-weeks with an AI-assisted production deployment (last 28 days)",
      (r) => r.adoption,
    ],
  ];
  const out: string[] = [];
  for (const [name, help, value] of metrics) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const { repository, report } of reports) {
      const v = value(report);
      // A withheld or undefined figure is left out rather than reported as 0.
      if (v !== null) out.push(`${name}{repository="${label(repository)}"} ${v}`);
    }
  }
  // Comments to Prometheus (a line starting with "#" that is not HELP or TYPE), read by whoever looks.
  for (const { repository, changes, limit } of leftOut) {
    out.push(
      `# shipledger: ${repository.replace(/\n/g, " ")} left out: its last 28 days hold ${changes} changes, more than the ${limit} a report may read (API_MAX_REPORT_CHANGES)`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** One line of repository context for the PR check (our own words: shown as is). */
export function formatContextLine(report: Report, days = 28): string {
  const shipped =
    report.aiShare === null
      ? "no changes shipped"
      : `${report.changesShipped} changes shipped, ${pct(report.aiShare)} AI-assisted${report.evidence.basis === "any" ? "" : " (explicit evidence only)"}`;
  const figure =
    report.normalisedDeployments !== null
      ? `${num(report.normalisedDeployments)} normalised deployments (AI-assisted production deployments per engineer-week)`
      : report.activeEngineers === 0
        ? "no engineer merged a change"
        : `${report.activeEngineers} active engineers, too few for per-engineer figures`;
  return `This repository, last ${days} days: ${figure}; ${shipped}.`;
}
