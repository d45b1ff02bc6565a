// An organisation's or a repository's page, built: its figures (figures.ts), the agents' outcomes,
// and for a repository its production deployments. The route (routes.ts) answers with it, and
// bench/report.mjs times it as the route builds it.

import { agentOutcomes } from "../../metrics/agent-outcomes.js";
import { basisOf, countsAsAi, creditedAgents } from "../../metrics/compute.js";
import type { MetricDefaults, ResolvedScope } from "../../metrics/report.js";
import type { MetricOptions } from "../../metrics/types.js";
import type { InstallationRecord, ReportChangeRow, Store } from "../../store/types.js";
import { type FiguresCache, loadFigures } from "./figures.js";
import { type Frame, type PeriodView, scopePage, type TimelineChange, type TimelineEntry } from "./pages.js";

/** The most deployments a repository's timeline lists (the newest). */
const TIMELINE_LIMIT = 200;

export interface ScopeViewContext {
  store: Store;
  /** The instance's metric settings (as for the API): the ledger's per-scope settings refine them. */
  metric: MetricDefaults;
  /** GitHub's web address, for links to pull requests and checks. */
  webUrl: string;
  cache?: FiguresCache;
}

/**
 * The HTML of the page of `scope`: the organisation's (no repositoryIds: with each repository's
 * figures) or one repository's (with its timeline). `frame` is the page's frame without its title
 * and crumbs, which follow from the scope.
 */
export async function scopeViewHtml(
  context: ScopeViewContext,
  installation: InstallationRecord,
  scope: ResolvedScope,
  period: PeriodView,
  now: number,
  frame: Omit<Frame, "title" | "crumbs">,
): Promise<string> {
  const { store, metric, cache } = context;
  const web = context.webUrl.replace(/\/+$/, "");
  const owner = installation.accountLogin;
  const repository = scope.repositoryIds?.length === 1 ? scope.label : null;
  const figures = await loadFigures(store, scope, period, metric, now, {
    repositories: repository === null,
    ...(cache ? { cache } : {}),
  });
  const base = `/dashboard/o/${encodeURIComponent(owner)}`;
  const name = repository?.split("/")[1] ?? "";
  const crumbs = repository
    ? [{ label: owner, href: `${base}?${period.query}` }, { label: scope.label }]
    : [{ label: owner }];
  let timeline: TimelineEntry[] | undefined;
  if (repository && scope.repositoryIds?.[0] !== undefined) {
    const repositoryId = scope.repositoryIds[0];
    const deployments = (await store.deployments.listDeployments(installation.id, repositoryId))
      .filter((d) => d.succeededAt >= period.since && d.succeededAt < period.until)
      .sort((a, b) => b.succeededAt - a.succeededAt || b.id - a.id)
      .slice(0, TIMELINE_LIMIT);
    const ids = new Set(deployments.map((d) => d.id));
    const shippedRows = figures.rows.filter((r) => r.shipped !== null && ids.has(r.shipped.deploymentId));
    const changes = new Map(
      (
        await store.changes.getChanges(
          installation.id,
          shippedRows.map((r) => r.id),
        )
      ).map((c) => [c.id, c]),
    );
    timeline = deployments.map((deployment) => ({
      deployment,
      changes: shippedRows
        .filter((r) => r.shipped?.deploymentId === deployment.id)
        .map((row) => ({ row, change: changes.get(row.id) ?? null, counted: countedAs(row, figures.options) })),
      checksUrl: `${web}/${repository}/commit/${deployment.sha}/checks`,
      pullUrl: (n: number) => `${web}/${repository}/pull/${n}`,
      commitUrl: (sha: string) => `${web}/${repository}/commit/${sha}`,
    }));
  }
  return scopePage({
    frame: { ...frame, title: repository ?? owner, crumbs },
    owner,
    action: repository ? `${base}/r/${encodeURIComponent(name)}` : base,
    period,
    report: figures.report,
    previous: figures.previous,
    agents: agentOutcomes(figures.rows, period, figures.options),
    ...(repository ? { repository, ...(timeline ? { timeline } : {}) } : { repositories: figures.repositories }),
  });
}

/** How the report counts a shipped change (the timeline's "AI-assisted" column). */
function countedAs(row: ReportChangeRow, options: MetricOptions): TimelineChange["counted"] {
  if (!row.ai) return { ai: "no" };
  const basis = basisOf(options, row.repositoryId);
  return countsAsAi(row, basis) ? { ai: "yes", agents: creditedAgents(row, basis) } : { ai: "hint" };
}
