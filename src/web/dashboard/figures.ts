// What the dashboard's pages show, read with the reports' own code (src/metrics/report.ts): the
// ledger's rows for the period, read as buildReport reads them, and from those rows the scope's
// report and each repository's (one read, not one per repository); and the previous period's
// report, from a narrower read of its rows (no agents: only its headline figures are shown). The
// previous period is over: its report is kept a few minutes (FiguresCache), and then only the
// current period is read. bench/report.mjs times the organisation's page against buildReport.

import { computeReport } from "../../metrics/compute.js";
import {
  historyStartOf,
  type MetricDefaults,
  optionsFor,
  type Period,
  type ResolvedScope,
  readsPaths,
} from "../../metrics/report.js";
import type { MetricOptions, Report } from "../../metrics/types.js";
import type { InstallationRecord, ReportChangeRow, RepositoryRecord, Store } from "../../store/types.js";

export interface RepositoryFigures {
  repository: RepositoryRecord;
  report: Report;
}

export interface ScopeFigures {
  installation: InstallationRecord | null;
  period: Period;
  /** The period of the same length just before. */
  previousPeriod: Period;
  report: Report;
  /** The previous period's report, for its headline figures: read without agents, its byAgent is empty. */
  previous: Report;
  /** Each repository's report (an organisation's page): its own settings and minimum group size. */
  repositories: RepositoryFigures[];
  /** The rows the report read (for the timeline and the audit sample). */
  rows: ReportChangeRow[];
  /** The report's options (reportOptions'), for figures computed beside it. */
  options: MetricOptions;
}

/** Reports of past periods, kept for `ttlMs` (a revert can still change one, so not for long). */
export class FiguresCache {
  private readonly entries = new Map<string, { at: number; report: Report }>();
  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxEntries = 200,
  ) {}
  get(key: string, now: number): Report | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now - entry.at < this.ttlMs) return entry.report;
    this.entries.delete(key);
    return undefined;
  }
  set(key: string, report: Report, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { at: now, report });
    // The oldest entries go first (a Map iterates in insertion order).
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}

/** The period of the same length that ends where `period` starts. */
export function previousPeriodOf(period: Period): Period {
  return { since: period.since - (period.until - period.since), until: period.since };
}

export async function loadFigures(
  store: Store,
  scope: ResolvedScope,
  period: Period,
  metric: MetricDefaults,
  now: number,
  options: { repositories?: boolean; cache?: FiguresCache } = {},
): Promise<ScopeFigures> {
  const installation = await store.installations.getInstallation(scope.installationId);
  const repositories = await store.installations.listRepositories(scope.installationId, { includeRemoved: true });
  const runs = await store.backfills.listBackfillRuns(scope.installationId);
  const live = repositories.filter((r) => r.removedAt === null);
  const known = { installation, repositories };
  const scopeOptions = optionsFor(scope, known, metric, now);
  const previousPeriod = previousPeriodOf(period);

  // The period's rows, read as buildReport reads them; the previous period's report, kept when it
  // was computed a moment ago, or else from its own read without the agents (its per-agent counts
  // are not shown), which costs less than reading both periods' rows in full.
  const where = {
    installationId: scope.installationId,
    ...(scope.repositoryIds ? { repositoryIds: scope.repositoryIds } : {}),
  };
  const historyFrom = historyStartOf(live, runs, scope.repositoryIds);
  const paths = readsPaths(scopeOptions);
  // `now` only moves the previous report's provisional count, which the cache's short life bounds.
  const { now: _now, repositories: settings, ...rest } = scopeOptions;
  const key = JSON.stringify([where, previousPeriod, rest, [...(settings ?? [])], historyFrom]);
  const kept = options.cache?.get(key, now);
  // Both reads asked at once: on PostgreSQL (a pool) the database works on one while this process
  // takes in the other; on SQLite they take turns. The previous period's rows are let go as soon as
  // its report is computed.
  const readPrevious = async () => {
    const before = await store.reports.listReportChanges(where, previousPeriod.since, previousPeriod.until, {
      paths,
      agents: false,
    });
    return computeReport({ scope: scope.label, ...previousPeriod, changes: before, historyFrom }, scopeOptions);
  };
  const [rows, previous] = await Promise.all([
    store.reports.listReportChanges(where, period.since, period.until, { paths }),
    kept ?? readPrevious(),
  ]);
  if (!kept && previousPeriod.until <= now) options.cache?.set(key, previous, now);
  const report = computeReport(
    { scope: scope.label, since: period.since, until: period.until, changes: rows, historyFrom },
    scopeOptions,
  );

  const perRepository: RepositoryFigures[] = [];
  if (options.repositories) {
    const byRepository = new Map<number, ReportChangeRow[]>();
    for (const row of rows) {
      let list = byRepository.get(row.repositoryId);
      if (list === undefined) {
        list = [];
        byRepository.set(row.repositoryId, list);
      }
      list.push(row);
    }
    for (const repository of repositories) {
      const own = byRepository.get(repository.id);
      // A removed repository is listed while the period has changes of it.
      if (repository.removedAt !== null && own === undefined) continue;
      const repositoryScope: ResolvedScope = {
        label: repository.fullName,
        installationId: scope.installationId,
        repositoryIds: [repository.id],
        owner: scope.owner,
      };
      perRepository.push({
        repository,
        report: computeReport(
          {
            scope: repository.fullName,
            since: period.since,
            until: period.until,
            changes: own ?? [],
            historyFrom: historyStartOf(live, runs, [repository.id]),
          },
          optionsFor(repositoryScope, known, metric, now),
        ),
      });
    }
    perRepository.sort((a, b) => a.repository.fullName.localeCompare(b.repository.fullName));
  }
  return {
    installation,
    period,
    previousPeriod,
    report,
    previous,
    repositories: perRepository,
    rows,
    options: scopeOptions,
  };
}
