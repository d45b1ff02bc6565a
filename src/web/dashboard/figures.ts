// What the dashboard's pages show, read with the reports' own code (src/metrics/report.ts): one
// read of the ledger's rows for the period and the one before it, and from those rows the scope's
// report, the previous period's, and each repository's. An organisation's page costs one query of
// twice the period, not one per repository or per period. The previous period is over: its report
// is kept a few minutes (FiguresCache), and then only the current period is read. bench/report.mjs
// times the organisation's page against buildReport (reading each period on its own, the previous
// one without its agents, measured slower on SQLite than this one read: bench/README.md).

import { classifyStoredEvidence } from "../../ledger/classify-evidence.js";
import { computeReport } from "../../metrics/compute.js";
import {
  historyStartOf,
  type MetricDefaults,
  optionsFor,
  type Period,
  type ResolvedScope,
  readsPaths,
  rowsOfPeriod,
  spendOf,
  withExplicitAgents,
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
  /** The previous period's report; null while it is worked out in the background (see FiguresCache). */
  previous: Report | null;
  /** Each repository's report (an organisation's page): its own settings and minimum group size. */
  repositories: RepositoryFigures[];
  /** The rows the report read (for the timeline and the audit sample). */
  rows: ReportChangeRow[];
  /** The report's options (reportOptions'), for figures computed beside it. */
  options: MetricOptions;
}

/**
 * Reports of past periods, kept for `ttlMs` (a revert can still change one, so not for long), and
 * worked out off the request's path: a page that finds none asks for it (`computeLater`) and shows
 * the period's own figures at once; the comparison is there on the next view.
 */
export class FiguresCache {
  private readonly entries = new Map<string, { at: number; report: Report }>();
  private readonly pending = new Map<string, Promise<void>>();
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
  /** Works out a past period's report once, after the current request; a failure is asked again next view. */
  computeLater(key: string, now: number, compute: () => Promise<Report>): void {
    if (this.pending.has(key)) return;
    const work = (async () => {
      // After the page is sent: SQLite's reads run on this thread.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        this.set(key, await compute(), now);
      } catch {
        // The ledger unavailable for a moment: the next view asks again.
      } finally {
        this.pending.delete(key);
      }
    })();
    this.pending.set(key, work);
  }

  /** Whether a past period's report is being worked out. */
  computing(key: string): boolean {
    return this.pending.has(key);
  }

  /** Settles once every report being worked out is (tests, the benchmark, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending.values()]);
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
  // Rows recorded before their evidence strength was kept are classified before any is read.
  await classifyStoredEvidence(store, scope.installationId);
  const installation = await store.installations.getInstallation(scope.installationId);
  const repositories = await store.installations.listRepositories(scope.installationId, { includeRemoved: true });
  const runs = await store.backfills.listBackfillRuns(scope.installationId);
  const live = repositories.filter((r) => r.removedAt === null);
  const known = { installation, repositories };
  const scopeOptions = optionsFor(scope, known, metric, now);
  const previousPeriod = previousPeriodOf(period);

  // The previous period's report, kept when it was read a moment ago; otherwise one read of both
  // periods (merged or shipped in either), from which each report takes its own rows.
  const where = {
    installationId: scope.installationId,
    ...(scope.repositoryIds ? { repositoryIds: scope.repositoryIds } : {}),
  };
  const historyFrom = historyStartOf(live, runs, scope.repositoryIds);
  // `now` only moves the previous report's provisional count, which the cache's short life bounds.
  const { now: _now, repositories: settings, ...rest } = scopeOptions;
  const key = JSON.stringify([where, previousPeriod, rest, [...(settings ?? [])], historyFrom]);
  const kept = options.cache?.get(key, now);
  const paths = readsPaths(scopeOptions);
  // Each report with its AI spend, as buildReport gives it (null when the ledger holds none).
  const withSpend = async (report: Report, of: Period): Promise<Report> => ({
    ...report,
    spend: await spendOf(store, scope, of, scopeOptions, report),
  });
  const previousOf = (read: ReportChangeRow[]) =>
    withSpend(
      computeReport(
        {
          scope: scope.label,
          since: previousPeriod.since,
          until: previousPeriod.until,
          changes: rowsOfPeriod(read, previousPeriod),
          historyFrom,
        },
        scopeOptions,
      ),
      previousPeriod,
    );
  // With a cache, a past period not kept yet is worked out after the page is sent; without one
  // (a single report, a test) both periods are read at once, in one query.
  const later = kept === undefined && options.cache !== undefined && previousPeriod.until <= now;
  const both = kept === undefined && !later;
  // The rows of [since, until), with the agents their explicit evidence names where that counts.
  const readRows = async (since: number, until: number) => {
    const rows = await store.reports.listReportChanges(where, since, until, { paths });
    await withExplicitAgents(store, scope.installationId, rows, scopeOptions);
    return rows;
  };
  const read = await readRows(both ? previousPeriod.since : period.since, period.until);
  const rows = both ? rowsOfPeriod(read, period) : read;
  const report = await withSpend(
    computeReport(
      { scope: scope.label, since: period.since, until: period.until, changes: rows, historyFrom },
      scopeOptions,
    ),
    period,
  );
  const previous: Report | null = kept ?? (both ? await previousOf(read) : null);
  if (later && options.cache) {
    options.cache.computeLater(key, now, async () =>
      previousOf(await readRows(previousPeriod.since, previousPeriod.until)),
    );
  }
  if (both && previous && previousPeriod.until <= now) options.cache?.set(key, previous, now);

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
