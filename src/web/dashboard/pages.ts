// The dashboard's pages as HTML: pure renderers, data in, markup out. Every value is escaped
// (html.ts); charts are drawn by /dashboard/assets/dashboard.js from JSON data blocks, and each has
// a table beside it, so that the page reads without JavaScript. Nothing here is per person.

import type { AgentOutcome } from "../../metrics/agent-outcomes.js";
import type { AuditPrecision } from "../../metrics/audit-sample.js";
import type { Report } from "../../metrics/types.js";
import type {
  BackfillRun,
  ChangeRecord,
  DeliverySummary,
  DeploymentRecord,
  RepositoryRecord,
} from "../../store/types.js";
import type { RepositoryFigures } from "./figures.js";
import { type Html, html, jsonBlock } from "./html.js";

// ---- formatting ----------------------------------------------------------------------------------

export const fmt = {
  num: (v: number | null, digits = 2) => (v === null ? "—" : v.toFixed(digits)),
  pct: (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`),
  hours: (v: number | null) => (v === null ? "—" : v < 48 ? `${v.toFixed(1)} h` : `${(v / 24).toFixed(1)} d`),
  day: (t: number) => new Date(t).toISOString().slice(0, 10),
  time: (t: number) => `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`,
};

/** Only web links are links: anything else found in a commit message is shown as text. */
export const safeUrl = (url: string | undefined | null): string | null =>
  url && /^https?:\/\/[^\s"'<>]+$/i.test(url) ? url : null;

// ---- the frame -----------------------------------------------------------------------------------

export interface Frame {
  title: string;
  /** Who is signed in (their login is theirs to see), and the CSRF token of the sign-out form. */
  login?: string;
  csrf?: string | null;
  crumbs?: Array<{ label: string; href?: string }>;
  /** Appended to the assets' addresses (`?v=…`): they are cached for long, so a new one gets a new address. */
  assetVersion?: string;
}

export function page(frame: Frame, body: Html): string {
  const crumbs = frame.crumbs ?? [];
  const v = frame.assetVersion ? `?v=${frame.assetVersion}` : "";
  return String(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Shipledger</title>
<link rel="stylesheet" href="/dashboard/assets/uPlot.min.css${v}">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css${v}">
<script src="/dashboard/assets/uPlot.iife.min.js${v}" defer></script>
<script src="/dashboard/assets/dashboard.js${v}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<nav aria-label="Breadcrumb"><ol>
<li><a href="/dashboard">Shipledger</a></li>
${crumbs.map((c) => (c.href ? html`<li><a href="${c.href}">${c.label}</a></li>` : html`<li aria-current="page">${c.label}</li>`))}
</ol></nav>
${
  frame.login
    ? html`<form method="post" action="/dashboard/logout" class="signout"><span>${frame.login}</span>
<input type="hidden" name="csrf" value="${frame.csrf ?? ""}"><button type="submit">Sign out</button></form>`
    : null
}
</header>
<main id="main">
${body}
</main>
</body>
</html>
`);
}

export function signInPage(returnTo: string): string {
  const href = `/dashboard/login?return_to=${encodeURIComponent(returnTo)}`;
  return page(
    { title: "Sign in" },
    html`<h1>Shipledger</h1>
<p>The dashboard shows the ledger of the organisations you can see on GitHub. Sign in with GitHub to continue.</p>
<p><a class="button" href="${href}">Sign in with GitHub</a></p>`,
  );
}

/** One page for an owner that does not exist and an owner the user may not see: nothing leaks. */
export function notFoundPage(): string {
  return page(
    { title: "Not found" },
    html`<h1>Not found</h1><p>There is no such organisation, repository or page here. <a href="/dashboard">Your organisations</a></p>`,
  );
}

export function messagePage(frame: Frame, title: string, message: string): string {
  return page(frame, html`<h1>${title}</h1><p>${message}</p>`);
}

/**
 * An organisation-wide page (figures, audit sample, status) asked by someone GitHub does not list
 * every repository of it to: those pages cover them all. The repositories they can open instead.
 */
export function partialAccessPage(frame: Frame, owner: string, repositories: string[]): string {
  const base = `/dashboard/o/${encodeURIComponent(owner)}`;
  return page(
    frame,
    html`<h1>${owner}</h1>
<p>The organisation's figures, audit sample and status cover every repository of ${owner} that Shipledger reads, and GitHub does not list all of them to you. You can open the pages of the repositories you can access:</p>
${
  repositories.length === 0
    ? html`<p>GitHub lists none of them to you.</p>`
    : html`<ul class="owners">${repositories.map((name) => html`<li><a href="${base}/r/${encodeURIComponent(name.split("/")[1] ?? "")}">${name}</a></li>`)}</ul>`
}
<p>What GitHub lists to you is read when you sign in: if your access has changed since, or the app was given another repository, <a href="/dashboard/login?return_to=${encodeURIComponent(base)}">sign in again</a>.</p>`,
  );
}

export function organisationsPage(frame: Frame, owners: string[]): string {
  return page(
    frame,
    html`<h1>Your organisations</h1>
${
  owners.length === 0
    ? html`<p>None of the organisations you can see on GitHub has installed Shipledger.</p>`
    : html`<ul class="owners">${owners.map((o) => html`<li><a href="/dashboard/o/${encodeURIComponent(o)}">${o}</a></li>`)}</ul>`
}`,
  );
}

// ---- the period ----------------------------------------------------------------------------------

export interface PeriodView {
  since: number;
  until: number;
  /** 4, 12 or 26 for the presets; null for a custom period. */
  weeks: number | null;
  /** The query string that names this period (weeks=… or since=…&until=…). */
  query: string;
}

function periodForm(action: string, period: PeriodView, extra: Html | null = null): Html {
  const until = fmt.day(period.until - 86_400_000);
  return html`<form method="get" action="${action}" class="period" aria-label="Period">
${extra}
<fieldset><legend>Period</legend>
${[4, 12, 26].map(
  (w) =>
    html`<a href="${action}?weeks=${w}" ${period.weeks === w ? html`aria-current="true" class="current"` : null}>${w} weeks</a> `,
)}
<label>From <input type="date" name="since" value="${fmt.day(period.since)}"></label>
<label>to <input type="date" name="until" value="${until}"></label>
<button type="submit">Show</button>
</fieldset>
<p class="period-line">${fmt.day(period.since)} to ${until} (${fmt.num((period.until - period.since) / (7 * 86_400_000), 1)} weeks), compared with the ${fmt.num((period.until - period.since) / (7 * 86_400_000), 1)} weeks before.</p>
</form>`;
}

// ---- figures -------------------------------------------------------------------------------------

const DEFINITIONS = {
  normalised:
    "Normalised deployments = Σ over engineers of the distinct production deployments in the period that shipped at least one AI-assisted, non-reverted change credited to them, divided by (active engineers × weeks). Active engineers are humans credited with at least one change merged in the scope in the period; bots never count. Splitting one change into ten pull requests shipped together counts once; code that never ships counts nothing.",
  adoption: "The share of active engineer-weeks with at least one AI-assisted production deployment.",
  aiShare: "AI-assisted changes shipped ÷ all changes shipped (reverted, bot and ignored-path changes left out).",
  leadTime: "Median time from a change's first commit to the production deployment that shipped it.",
  failure: "The share of shipped changes reverted or rolled back within the revert window.",
  spend:
    "All the AI spend incurred in the period, in USD: what the agents reported, and tokens priced from the price table (costs.prices, COST_PRICES_FILE) where they reported no cost, which is the estimated part. A session's spend belongs to the changes whose evidence names it, split evenly when several do.",
  costPerDeployment:
    "All the AI spend in the period ÷ the AI-assisted production deployments (Σ|D(e)|, as for normalised deployments). Spending that ships nothing can only raise it.",
  notReached:
    "Spend of sessions whose changes were closed unmerged, merged where nothing deploys, or shipped and then reverted or rolled back within the revert window.",
};

function notes(report: Report): Html {
  return html`${report.withheld ? html`<p class="note withheld" role="note"><strong>Withheld:</strong> ${report.withheld}</p>` : null}
${report.historyNote ? html`<p class="note history" role="note"><strong>Incomplete history:</strong> ${report.historyNote}</p>` : null}`;
}

function figure(
  id: string,
  label: string,
  value: string,
  before: string,
  definition: string | null,
  withheld: boolean,
): Html {
  return html`<div class="figure" data-figure="${id}">
<dt>${label}</dt>
<dd><span class="value" data-value="${id}">${value}</span>${withheld ? html` <span class="why">(withheld: see above)</span>` : null}
<span class="before">previous period: <span data-previous="${id}">${before}</span></span>
${definition ? html`<details><summary>Definition</summary><p>${definition}</p></details>` : null}</dd>
</div>`;
}

/** Said for the previous period while it is worked out (see FiguresCache). */
const WORKING_OUT = "being worked out";

export function headline(report: Report, previous: Report | null): Html {
  const w = report.withheld !== null;
  // A figure of the period, and of the previous one once it is worked out.
  const both = (shown: (r: Report) => string): [string, string] => [
    shown(report),
    previous ? shown(previous) : WORKING_OUT,
  ];
  return html`<section aria-labelledby="figures-h"><h2 id="figures-h">The period's figures</h2>
<dl class="figures">
${figure("normalisedDeployments", "Normalised deployments (AI-assisted production deployments per engineer-week)", ...both((r) => fmt.num(r.normalisedDeployments)), DEFINITIONS.normalised, w)}
${figure("aiChangesShipped", "AI-assisted changes shipped", ...both((r) => String(r.aiChangesShipped)), null, false)}
${figure("changesShipped", "All changes shipped", ...both((r) => String(r.changesShipped)), null, false)}
${figure("aiShare", "AI share of shipped changes", ...both((r) => fmt.pct(r.aiShare)), DEFINITIONS.aiShare, false)}
${figure("adoption", "AI-in-production adoption (engineer-weeks)", ...both((r) => fmt.pct(r.adoption)), DEFINITIONS.adoption, w)}
${figure("activeEngineers", "Active engineers", ...both((r) => String(r.activeEngineers)), null, false)}
${figure("leadTimeAi", "Median lead time, AI-assisted", ...both((r) => fmt.hours(r.medianLeadTimeHours.ai)), DEFINITIONS.leadTime, false)}
${figure("leadTimeOther", "Median lead time, other", ...both((r) => fmt.hours(r.medianLeadTimeHours.other)), null, false)}
${figure("failureAi", "Change failure rate, AI-assisted", ...both((r) => fmt.pct(r.changeFailureRate.ai)), DEFINITIONS.failure, false)}
${figure("failureOther", "Change failure rate, other", ...both((r) => fmt.pct(r.changeFailureRate.other)), null, false)}
</dl>
<p class="small">Not counted: ${report.excluded.bot} bot, ${report.excluded.ignoredPaths} ignored-path and ${report.excluded.reverted} reverted changes. ${report.provisional} counted changes are still inside their revert window.</p>
<p class="small" data-evidence="${report.evidence.basis}">${evidenceSentence(report)}</p>
</section>`;
}

/** How much of the figures rests on circumstantial evidence (branch names, labels, phrases), in words. */
function evidenceSentence(report: Report): string {
  const e = report.evidence;
  const leftOut = `${e.leftOut} changes with circumstantial evidence alone counted as not AI-assisted`;
  const resting = `${e.circumstantialChanges} of the AI-assisted changes shipped (${fmt.pct(e.circumstantialShare)}) rest on circumstantial evidence alone: branch names, labels, phrases; ${fmt.pct(e.circumstantialDeploymentShare)} of the AI-assisted deployments exist only through them`;
  if (e.basis === "explicit") return `Explicit AI evidence only (metric.evidence): ${leftOut}.`;
  if (e.basis === "mixed")
    return `AI evidence counted differs by repository (metric.evidence): ${resting}; ${leftOut}.`;
  return `${resting}.`;
}

const usd = (v: number | null) => (v === null ? "—" : `$${v.toFixed(2)}`);

/**
 * What shipping cost (report.spend, src/spend/compute.ts): the period's AI spend with its estimated
 * part, the cost per AI-assisted production deployment, the spend that did not reach production,
 * and week by week where the spend went. Nothing when the ledger holds no spend. Below the minimum
 * group size only the total is shown, as report.spend gives it: no split, no chart. Never per
 * person, and no session is listed.
 */
export function spendSection(report: Report, previous: Report | null): Html {
  const s = report.spend;
  if (s === null) return html``;
  const w = s.series === null;
  const before = (shown: (spend: NonNullable<Report["spend"]>) => string) =>
    previous === null ? WORKING_OUT : previous.spend === null ? "no spend recorded" : shown(previous.spend);
  const total = (spend: NonNullable<Report["spend"]>) =>
    spend.estimated > 0 ? `${usd(spend.total)} (${usd(spend.estimated)} estimated from tokens)` : usd(spend.total);
  const series = s.series ?? [];
  const weeks = report.series.map((week) => (week.partial ? `${week.week} (${week.days} d)` : week.week));
  const outcomes: Array<{
    label: string;
    key: "reachedProduction" | "didNotReach" | "pending" | "unlinked" | "unattributed";
  }> = [
    { label: "Reached production", key: "reachedProduction" },
    { label: "Did not reach production", key: "didNotReach" },
    { label: "Not in production yet", key: "pending" },
  ];
  // A repository's page holds only its own changes' sessions: no unlinked or unattributed spend.
  if (s.unlinked !== null) outcomes.push({ label: "Sessions no change names", key: "unlinked" });
  if ((s.unattributed ?? 0) > 0) outcomes.push({ label: "Imported without a session", key: "unattributed" });
  return html`<section aria-labelledby="spend-h"><h2 id="spend-h">What shipping cost: AI spend</h2>
<dl class="figures">
${figure("aiSpend", "AI spend in the period", total(s), before(total), DEFINITIONS.spend, false)}
${figure(
  "costPerAiDeployment",
  "Cost per AI-assisted production deployment",
  usd(s.costPerAiDeployment),
  before((p) => usd(p.costPerAiDeployment)),
  DEFINITIONS.costPerDeployment,
  w,
)}
${figure(
  "spendNotReached",
  "Spend that did not reach production",
  usd(s.didNotReach),
  before((p) => usd(p.didNotReach)),
  DEFINITIONS.notReached,
  w,
)}
</dl>
${
  w
    ? html`<p class="note">Only the total is shown: per-engineer figures are withheld for the period, and a split of a small group's spend would be a person's: ${report.withheld ?? ""}</p>`
    : chart(
        "spend",
        "AI spend per week, by where it went (USD)",
        "stacked",
        weeks,
        outcomes.map((o) => ({
          label: o.label,
          values: weeks.map((_, i) => series[i]?.[o.key] ?? 0),
          format: usd,
        })),
      )
}
${s.unpriced.tokens > 0 ? html`<p class="small">${s.unpriced.tokens.toLocaleString("en")} tokens of ${s.unpriced.models.join(", ")} have no price (costs.prices or COST_PRICES_FILE) and are in no figure.</p>` : null}
</section>`;
}

/** A chart (drawn by dashboard.js from its data block) and the same data as a table. */
function chart(
  id: string,
  title: string,
  kind: "line" | "bars" | "stacked",
  weeks: string[],
  series: Array<{ label: string; values: Array<number | null>; format: (v: number | null) => string }>,
): Html {
  const data = { kind, title, weeks, series: series.map((s) => ({ label: s.label, values: s.values })) };
  return html`<figure class="chart-figure" aria-labelledby="${id}-title">
<figcaption id="${id}-title">${title}</figcaption>
<div class="chart" data-chart="${id}" role="img" aria-label="${title}: chart; the table below has the same figures"></div>
${jsonBlock(`${id}-data`, data)}
<details class="chart-table"><summary>Table: ${title}</summary>
<table><thead><tr><th scope="col">Week of</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
<tbody>${weeks.map((week, i) => html`<tr><th scope="row">${week}</th>${series.map((s) => html`<td>${s.format(s.values[i] ?? null)}</td>`)}</tr>`)}</tbody></table>
</details>
</figure>`;
}

export function weeklyCharts(report: Report): Html {
  const weeks = report.series.map((w) => (w.partial ? `${w.week} (${w.days} d)` : w.week));
  const count = (v: number | null) => (v === null ? "—" : String(v));
  return html`<section aria-labelledby="weekly-h"><h2 id="weekly-h">Week by week</h2>
${
  report.withheld
    ? html`<p class="note">Per-engineer figures (normalised deployments, adoption) are withheld for the period: ${report.withheld}</p>`
    : html`<p class="small">A week with fewer active engineers than the minimum group size shows no per-engineer figure.</p>`
}
${chart("normalised", "Normalised deployments per week", "line", weeks, [
  { label: "Normalised deployments", values: report.series.map((w) => w.normalisedDeployments), format: fmt.num },
  { label: "Adoption", values: report.series.map((w) => w.adoption), format: fmt.pct },
])}
${chart("shipped", "Changes shipped per week: AI-assisted and other", "bars", weeks, [
  { label: "AI-assisted", values: report.series.map((w) => w.aiChangesShipped), format: count },
  { label: "Other", values: report.series.map((w) => w.changesShipped - w.aiChangesShipped), format: count },
])}
${chart("share", "AI share of shipped changes per week", "line", weeks, [
  {
    label: "AI share",
    values: report.series.map((w) => (w.changesShipped > 0 ? w.aiChangesShipped / w.changesShipped : null)),
    format: fmt.pct,
  },
])}
</section>`;
}

export function agentsTable(outcomes: AgentOutcome[]): Html {
  return html`<section aria-labelledby="agents-h"><h2 id="agents-h">By agent</h2>
${
  outcomes.length === 0
    ? html`<p>No AI-assisted change shipped in the period.</p>`
    : html`<table class="agents"><caption>AI-assisted changes shipped per agent (a change naming two agents counts for each), alphabetical</caption>
<thead><tr><th scope="col">Agent</th><th scope="col">Shipped, not reverted</th><th scope="col">Reverted or rolled back</th><th scope="col">Reverted share</th></tr></thead>
<tbody>${outcomes.map((o) => html`<tr><th scope="row">${o.agent}</th><td>${o.shipped}</td><td>${o.reverted}</td><td>${fmt.pct(o.revertedShare)}</td></tr>`)}</tbody></table>`
}</section>`;
}

export function repositoriesTable(owner: string, repositories: RepositoryFigures[], query: string): Html {
  return html`<section aria-labelledby="repos-h"><h2 id="repos-h">Repositories</h2>
<table class="repositories"><caption>Each repository's figures for the period, alphabetical (each with its own minimum group size and settings)</caption>
<thead><tr><th scope="col">Repository</th><th scope="col">Active engineers</th><th scope="col">Changes shipped</th><th scope="col">AI-assisted</th><th scope="col">AI share</th><th scope="col">Normalised deployments</th><th scope="col">Change failure rate, AI / other</th></tr></thead>
<tbody>${repositories.map(({ repository, report }) => {
    const name = repository.fullName.split("/")[1] ?? repository.fullName;
    return html`<tr${report.withheld ? html` class="withheld"` : null}>
<th scope="row"><a href="/dashboard/o/${encodeURIComponent(owner)}/r/${encodeURIComponent(name)}?${query}">${repository.fullName}</a>${repository.removedAt !== null ? " (removed)" : null}</th>
<td>${report.activeEngineers}</td><td>${report.changesShipped}</td><td>${report.aiChangesShipped}</td><td>${fmt.pct(report.aiShare)}</td>
<td>${report.withheld ? html`<span class="withheld-why">withheld: ${report.withheld}</span>` : fmt.num(report.normalisedDeployments)}</td>
<td>${fmt.pct(report.changeFailureRate.ai)} / ${fmt.pct(report.changeFailureRate.other)}</td></tr>`;
  })}</tbody></table></section>`;
}

// ---- the pages -----------------------------------------------------------------------------------

export interface ScopePage {
  frame: Frame;
  owner: string;
  action: string;
  period: PeriodView;
  report: Report;
  previous: Report | null;
  agents: AgentOutcome[];
  repositories?: RepositoryFigures[];
  timeline?: TimelineEntry[];
  /** The repository's name on GitHub, for a repository's page. */
  repository?: string;
}

export function scopePage(p: ScopePage): string {
  const audit = `/dashboard/o/${encodeURIComponent(p.owner)}/audit?${p.period.query}${p.repository ? `&repo=${encodeURIComponent(p.repository.split("/")[1] ?? "")}` : ""}`;
  return page(
    p.frame,
    html`<h1>${p.repository ?? p.owner}</h1>
<p class="links"><a href="${audit}">Audit sample</a> · <a href="/dashboard/o/${encodeURIComponent(p.owner)}/status">Status</a></p>
${periodForm(p.action, p.period)}
${notes(p.report)}
${p.previous === null ? html`<p class="note" role="note">The previous period's figures are being worked out: reload the page in a moment to compare.</p>` : null}
${headline(p.report, p.previous)}
${spendSection(p.report, p.previous)}
${weeklyCharts(p.report)}
${agentsTable(p.agents)}
${p.repositories ? repositoriesTable(p.owner, p.repositories, p.period.query) : null}
${p.timeline ? timelineSection(p.timeline) : null}`,
  );
}

export interface TimelineChange {
  change: ChangeRecord | null;
  /**
   * How the report counts it: AI-assisted with the agents credited, on hints alone that the
   * report's basis (explicit evidence only) does not count, or not AI-assisted.
   */
  counted: { ai: "yes"; agents: readonly string[] } | { ai: "hint" } | { ai: "no" };
  row: {
    id: number;
    number: number | null;
    ai: boolean;
    agents: string[];
    revertedAt: number | null;
    rolledBackAt: number | null;
  };
}

export interface TimelineEntry {
  deployment: DeploymentRecord;
  changes: TimelineChange[];
  /** Links on GitHub: the deployed commit's checks (where "Shipledger deployment" is), and each change. */
  checksUrl: string;
  pullUrl: (number: number) => string;
  commitUrl: (sha: string) => string;
}

const OUTCOMES: Record<string, string> = {
  ship: "shipped",
  baseline: "baseline (first recorded: ships nothing)",
  redeploy: "redeploy (ships nothing new)",
  rollback: "rollback (removes changes from production)",
  diverged: "diverged from the previous deployment",
};

function timelineSection(entries: TimelineEntry[]): Html {
  return html`<section aria-labelledby="timeline-h"><h2 id="timeline-h">Production deployments</h2>
${
  entries.length === 0
    ? html`<p>No production deployment in the period.</p>`
    : html`<ol class="timeline" reversed>${entries.map(
        (e) => html`<li class="deployment outcome-${e.deployment.outcome}">
<h3>${fmt.time(e.deployment.succeededAt)}${e.deployment.succeededAtExact ? null : " (at the earliest)"} · <span class="outcome">${OUTCOMES[e.deployment.outcome] ?? e.deployment.outcome}</span></h3>
<p>To <code>${e.deployment.environment}</code> (${e.deployment.source}), commit <a href="${e.commitUrl(e.deployment.sha)}"><code>${e.deployment.sha.slice(0, 7)}</code></a> · <a href="${e.checksUrl}">Shipledger deployment check</a></p>
${
  e.changes.length === 0
    ? null
    : html`<table><caption>Changes this deployment shipped</caption><thead><tr><th scope="col">Change</th><th scope="col">Title</th><th scope="col">AI-assisted</th><th scope="col">Fate</th></tr></thead><tbody>
${e.changes.map(({ change, row, counted }) => {
  const label = row.number !== null ? `#${row.number}` : (change?.mergeCommitSha?.slice(0, 7) ?? "push");
  const href =
    row.number !== null ? e.pullUrl(row.number) : change?.mergeCommitSha ? e.commitUrl(change.mergeCommitSha) : null;
  const fate = [
    row.revertedAt !== null ? `reverted ${fmt.day(row.revertedAt)}` : null,
    row.rolledBackAt !== null ? `rolled back ${fmt.day(row.rolledBackAt)}` : null,
  ].filter(Boolean);
  return html`<tr><th scope="row">${href ? html`<a href="${href}">${label}</a>` : label}</th><td>${change?.title ?? ""}</td>
<td>${
    counted.ai === "yes"
      ? html`yes: ${counted.agents.join(", ")}`
      : counted.ai === "hint"
        ? html`hints only: ${row.agents.join(", ")} (not counted: explicit evidence only)`
        : "no"
  }</td><td>${fate.length ? html`<strong>${fate.join(", ")}</strong>` : "in production"}</td></tr>`;
})}</tbody></table>`
}</li>`,
      )}</ol>`
}</section>`;
}

// ---- the audit sample ----------------------------------------------------------------------------

export interface AuditEntry {
  change: ChangeRecord;
  repository: string;
  pullUrl: string | null;
  mark: { reason: string; markedAt: number } | null;
}

export interface AuditPage {
  frame: Frame;
  owner: string;
  period: PeriodView;
  repository: string | null;
  candidates: number;
  entries: AuditEntry[];
  precision: AuditPrecision;
  report: Report;
  /** Hidden fields that bring the form back to this sample. */
  back: Record<string, string>;
}

interface EvidenceView {
  agent?: string;
  marker?: string;
  source?: string;
  commit?: string;
  text?: string;
  model?: string;
  session?: { agent?: string; id?: string; url?: string };
}

function evidenceList(evidence: unknown[]): Html {
  const items = evidence.filter((e): e is EvidenceView => typeof e === "object" && e !== null);
  if (items.length === 0) return html`<p>No evidence recorded.</p>`;
  return html`<ul class="evidence">${items.map((e) => {
    const url = safeUrl(e.session?.url);
    return html`<li><strong>${e.agent ?? "?"}</strong>: marker <code>${e.marker ?? "?"}</code> in ${e.source ?? "?"}${e.commit ? html` of commit <code>${e.commit.slice(0, 7)}</code>` : null}${e.model ? html`, model ${e.model}` : null}
<br><q>${e.text ?? ""}</q>${e.session ? html`<br>session ${url ? html`<a href="${url}" rel="noreferrer">${e.session.id ?? url}</a>` : (e.session.id ?? "")}` : null}</li>`;
  })}</ul>`;
}

export function auditPage(p: AuditPage): string {
  const action = `/dashboard/o/${encodeURIComponent(p.owner)}/audit`;
  const hidden = (csrf: string) =>
    html`<input type="hidden" name="csrf" value="${csrf}">${Object.entries(p.back).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}`;
  const csrf = p.frame.csrf ?? "";
  return page(
    p.frame,
    html`<h1>Audit sample: ${p.repository ?? p.owner}</h1>
${periodForm(action, p.period, p.repository ? html`<input type="hidden" name="repo" value="${p.repository.split("/")[1] ?? ""}">` : null)}
${notes(p.report)}
<section aria-labelledby="precision-h"><h2 id="precision-h">Precision</h2>
<p class="precision" data-figure="precision"><span class="value">${fmt.pct(p.precision.precision)}</span> of the ${p.precision.sampled} sampled changes were not marked "attribution wrong" (${p.precision.markedWrong} marked).</p>
<details><summary>How the sample is drawn</summary><p>Up to 20 of the ${p.candidates} AI-assisted changes shipped in the period, in the order of a hash of the period, the scope and each change's id: the same period and scope always give the same sample, so marks made by anyone stay on it.</p></details>
</section>
<section aria-labelledby="sample-h"><h2 id="sample-h">Sampled changes</h2>
${
  p.entries.length === 0
    ? html`<p>No AI-assisted change shipped in the period.</p>`
    : html`<ol class="audit">${p.entries.map(
        (e) => html`<li class="audit-entry${e.mark ? " marked" : ""}" id="change-${e.change.id}">
<h3>${e.pullUrl ? html`<a href="${e.pullUrl}">${e.repository}#${e.change.number}</a>` : e.repository}: ${e.change.title}</h3>
<p>Agents: ${e.change.agents.join(", ") || "—"}${e.change.models.length ? html` · models: ${e.change.models.join(", ")}` : null} · ${e.change.commitsAi} of ${e.change.commitsTotal} commits with AI evidence</p>
${evidenceList(e.change.evidence)}
${
  e.mark
    ? html`<p class="mark"><strong>Marked "attribution wrong"</strong> on ${fmt.day(e.mark.markedAt)}: ${e.mark.reason}</p>
<form method="post" action="${action}/mark">${hidden(csrf)}<input type="hidden" name="change" value="${e.change.id}"><input type="hidden" name="verdict" value="unmark"><button type="submit">Remove the mark</button></form>`
    : html`<form method="post" action="${action}/mark" class="mark-form">${hidden(csrf)}<input type="hidden" name="change" value="${e.change.id}"><input type="hidden" name="verdict" value="wrong">
<label for="reason-${e.change.id}">Why is the attribution wrong?</label> <input type="text" id="reason-${e.change.id}" name="reason" maxlength="500" required>
<button type="submit">Mark attribution wrong</button></form>`
}</li>`,
      )}</ol>`
}</section>`,
  );
}

// ---- status --------------------------------------------------------------------------------------

export interface StatusPage {
  frame: Frame;
  owner: string;
  runs: Array<{ run: BackfillRun; repository: string; done: number; remainingMs: number | null }>;
  inbox: { pending: number; failed: number; recent: DeliverySummary[] };
  historyNote: string | null;
  repositories: RepositoryRecord[];
}

export function statusPage(p: StatusPage): string {
  const minutes = (ms: number | null) =>
    ms === null ? "—" : ms < 60_000 ? "under a minute" : `${Math.round(ms / 60_000)} min`;
  return page(
    p.frame,
    html`<h1>Status: ${p.owner}</h1>
<p>Why figures may be incomplete: history not read yet (backfills), and webhook deliveries not processed.</p>
${p.historyNote ? html`<p class="note history" role="note"><strong>Last 4 weeks:</strong> ${p.historyNote}</p>` : null}
<section aria-labelledby="backfill-h"><h2 id="backfill-h">History backfills</h2>
${
  p.runs.length === 0
    ? html`<p>No backfill has run for this organisation's repositories.</p>`
    : html`<table><thead><tr><th scope="col">Repository</th><th scope="col">Kind</th><th scope="col">Phase</th><th scope="col">Window from</th><th scope="col">History read from</th><th scope="col">Progress</th><th scope="col">Time left</th><th scope="col">Pull requests read</th><th scope="col">Error / notes</th></tr></thead><tbody>
${p.runs.map(
  (
    r,
  ) => html`<tr><th scope="row">${r.repository}</th><td>${r.run.kind}</td><td>${r.run.phase}</td><td>${fmt.day(r.run.windowSince)}</td>
<td>${r.run.coveredSince === null ? "—" : fmt.day(r.run.coveredSince)}</td><td><progress max="100" value="${Math.round(r.done * 100)}">${Math.round(r.done * 100)}%</progress> ${Math.round(r.done * 100)}%</td>
<td>${minutes(r.remainingMs)}</td><td>${r.run.pullsRead}</td><td>${r.run.error ?? ""}${r.run.notes.length ? html`<ul>${r.run.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}</td></tr>`,
)}</tbody></table>`
}</section>
<section aria-labelledby="inbox-h"><h2 id="inbox-h">Webhook deliveries</h2>
<p><span data-figure="pending">${p.inbox.pending}</span> waiting or being processed, <span data-figure="failed">${p.inbox.failed}</span> failed for good (an operator can retry them with <code>shipledger inbox retry</code>).</p>
${
  p.inbox.recent.length === 0
    ? null
    : html`<table><caption>Deliveries not done (newest ${p.inbox.recent.length})</caption><thead><tr><th scope="col">Received</th><th scope="col">Event</th><th scope="col">Repository</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead><tbody>
${p.inbox.recent.map(
  (d) =>
    html`<tr><td>${fmt.time(d.receivedAt)}</td><td>${d.event}${d.action ? `.${d.action}` : ""}</td><td>${d.repositoryFullName ?? "—"}</td><td>${d.status}</td><td>${d.attempts}</td><td>${(d.lastError ?? "").slice(0, 300)}</td></tr>`,
)}</tbody></table>`
}</section>
<section aria-labelledby="repos-h"><h2 id="repos-h">Repositories</h2>
<ul>${p.repositories.map((r) => html`<li>${r.fullName}${r.removedAt !== null ? " (removed)" : ""}${r.installedSince !== null ? html` · heard live since ${fmt.day(r.installedSince)}` : null}${r.metricSettings === null ? " · configuration not read yet" : null}</li>`)}</ul>
</section>`,
  );
}
