// Reports as text: a terminal table, CSV, Prometheus exposition and the PR check's one line.

import type { SpendWeek } from "../spend/compute.js";
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
  lines.push(...spendLines(report));
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

const usd = (value: number | null) => (value === null ? "—" : `$${value.toFixed(2)}`);

/** The table's AI spend section (src/spend/compute.ts): nothing when the ledger holds no spend. */
function spendLines(report: Report): string[] {
  const s = report.spend;
  if (s === null) return [];
  const estimated = s.estimated > 0 ? ` (${usd(s.estimated)} estimated from tokens)` : "";
  const rows: string[][] = [
    ["AI spend in the period", `${usd(s.total)}${estimated}`],
    ["  on sessions whose changes reached production and stayed", usd(s.reachedProduction)],
    ["  that did not reach production (never shipped, reverted, rolled back)", usd(s.didNotReach)],
    ["  on changes not in production yet (open, awaiting a deployment)", usd(s.pending)],
  ];
  if (s.unlinked !== null) rows.push(["  on sessions no change names", usd(s.unlinked)]);
  if (s.unattributed !== null) rows.push(["  imported without a session (team level only)", usd(s.unattributed)]);
  rows.push(
    ["Cost per AI-assisted production deployment", usd(s.costPerAiDeployment)],
    ["Cost per AI-assisted change shipped", usd(s.costPerAiChangeShipped)],
  );
  const lines = ["", formatTable(["AI SPEND (USD)", "VALUE"], rows).trimEnd()];
  const split = (title: string, record: Record<string, number> | null) => {
    if (record === null || Object.keys(record).length === 0) return;
    const entries = Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    lines.push(
      "",
      formatTable(
        [title, "AI SPEND (USD)"],
        entries.map(([k, v]) => [k, usd(v)]),
      ).trimEnd(),
    );
  };
  split("AGENT", s.byAgent);
  split("MODEL", s.byModel);
  if (report.withheld) lines.push("", "Note: spend is shown as a total only: the group is too small to split it.");
  if (s.unpriced.tokens > 0) {
    lines.push(
      "",
      `Note: ${s.unpriced.tokens.toLocaleString("en")} tokens of ${s.unpriced.models.join(", ")} have no price (costs.prices or COST_PRICES_FILE) and are in no figure.`,
    );
  }
  return lines;
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
    // AI spend in USD (src/spend/compute.ts): per week where it is spent, and the period's.
    "ai_spend_usd",
    "spend_reached_production_usd",
    "spend_not_reached_usd",
    "spend_pending_usd",
    "spend_unlinked_usd",
    "cost_per_ai_deployment_usd",
  ];
  const spend = report.spend;
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
    ...weekSpend(spend?.series?.find((x) => x.week === w.week) ?? null),
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
    spend?.total ?? "",
    spend?.reachedProduction ?? "",
    spend?.didNotReach ?? "",
    spend?.pending ?? "",
    spend?.unlinked ?? "",
    spend?.costPerAiDeployment ?? "",
  ]);
  return `${[header, ...rows].map((r) => r.map(csvCell).join(",")).join("\n")}\n`;
}

/** A week's spend columns: total, reached, not reached, pending, unlinked (empty when not shown). */
function weekSpend(week: SpendWeek | null): Array<number | string> {
  if (week === null) return ["", "", "", "", ""];
  const total = week.reachedProduction + week.didNotReach + week.pending + week.unlinked + week.unattributed;
  return [Math.round(total * 1e6) / 1e6, week.reachedProduction, week.didNotReach, week.pending, week.unlinked];
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
      "shipledger_ai_changes_left_out",
      "AI-assisted changes shipped that metric.evidence: explicit leaves out, on circumstantial evidence alone; 0 where any evidence counts (last 28 days)",
      (r) => r.evidence.leftOut,
    ],
    [
      "shipledger_evidence_explicit_only",
      "1 where the repository counts explicit evidence only (metric.evidence: explicit), 0 where any evidence counts",
      (r) => (r.evidence.basis === "explicit" ? 1 : 0),
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
  out.push(...spendMetrics(reports));
  // Comments to Prometheus (a line starting with "#" that is not HELP or TYPE), read by whoever looks.
  for (const { repository, changes, limit } of leftOut) {
    out.push(
      `# shipledger: ${repository.replace(/\n/g, " ")} left out: its last 28 days hold ${changes} changes, more than the ${limit} a report may read (API_MAX_REPORT_CHANGES)`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** AI spend per repository and outcome, and what a production deployment cost (only where shown). */
function spendMetrics(reports: Array<{ repository: string; report: Report }>): string[] {
  const out = [
    "# HELP shipledger_ai_spend_usd AI spend of the sessions behind the repository's changes, by their outcome, in USD (last 28 days)",
    "# TYPE shipledger_ai_spend_usd gauge",
  ];
  for (const { repository, report } of reports) {
    const s = report.spend;
    if (s === null) continue;
    const outcomes: Array<[string, number | null]> = [
      ["all", s.total],
      ["reached_production", s.reachedProduction],
      ["not_reached", s.didNotReach],
      ["pending", s.pending],
    ];
    for (const [outcome, value] of outcomes) {
      if (value !== null)
        out.push(`shipledger_ai_spend_usd{repository="${label(repository)}",outcome="${outcome}"} ${value}`);
    }
  }
  const per: Array<[string, string, (s: NonNullable<Report["spend"]>) => number | null]> = [
    [
      "shipledger_ai_cost_per_deployment_usd",
      "AI spend per AI-assisted production deployment, in USD (last 28 days)",
      (s) => s.costPerAiDeployment,
    ],
    [
      "shipledger_ai_cost_per_change_shipped_usd",
      "AI spend per AI-assisted change shipped, in USD (last 28 days)",
      (s) => s.costPerAiChangeShipped,
    ],
  ];
  for (const [name, help, value] of per) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const { repository, report } of reports) {
      const v = report.spend === null ? null : value(report.spend);
      if (v !== null) out.push(`${name}{repository="${label(repository)}"} ${v}`);
    }
  }
  return out;
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
