// Reports for a scope (a repository, or an organisation = an installation's account) and a
// period: the ledger query, then the pure computation. Used by the CLI, the HTTP API, /metrics
// and the PR check's context line.

import { explicitAgents } from "../attribution/strength.js";
import { minGroupSizeInForce } from "../config/repo-config.js";
import { classifyStoredEvidence } from "../ledger/classify-evidence.js";
import { sessionKey } from "../model/spend.js";
import { computeSpend, type SessionLink, type SpendFigures, spendFate } from "../spend/compute.js";
import { parsePriceTable, pricer, priceTableSchema } from "../spend/prices.js";
import type { BackfillRun, InstallationRecord, ReportChangeRow, RepositoryRecord, Store } from "../store/types.js";
import { basisOf, computeReport } from "./compute.js";
import type { MetricOptions, Report, RepositoryMetricSettings } from "./types.js";

export const DAY_MS = 86_400_000;
export const DEFAULT_PERIOD_DAYS = 28;

export type ScopeSpec = { repo: string } | { org: string };

export interface ResolvedScope {
  label: string;
  installationId: number;
  repositoryIds?: number[];
  owner: string;
}

export class ScopeNotFoundError extends Error {
  override name = "ScopeNotFoundError";
}

/** An account as a token or a request names it: by a login (current or former), or by its GitHub id. */
export type OwnerRef = { login: string } | { accountId: number };

/** A login that accounts known to this instance have shared (a rename, then the name taken). */
export class AmbiguousOwnerError extends Error {
  override name = "AmbiguousOwnerError";
  constructor(
    readonly login: string,
    /** The installations of the accounts that had it, one per account. */
    readonly installations: InstallationRecord[],
  ) {
    const ids = installations.map((i) => (i.accountId === null ? `unknown (installation ${i.id})` : i.accountId));
    super(
      `the owner "${login}" is ambiguous: ${installations.length} accounts known to this instance have had that login (account ids ${ids.join(", ")}); name the account by its id (id:NUMBER)`,
    );
  }
}

/** Which account an installation belongs to: its id, or (not known yet) the installation itself. */
export const accountKey = (i: InstallationRecord) =>
  i.accountId !== null ? `account:${i.accountId}` : `installation:${i.id}`;

/**
 * The installation of the account an owner names, or null. A login matches the account that has
 * it now and the accounts that had it before (a token keeps reading an account after a rename); a
 * login two accounts have had is refused (AmbiguousOwnerError), never guessed. Of an account's
 * installations, the current one (the newest when all were deleted).
 */
export async function resolveOwner(store: Store, owner: OwnerRef): Promise<InstallationRecord | null> {
  let candidates =
    "login" in owner
      ? await store.installations.findInstallationsByLogin(owner.login)
      : await store.installations.findInstallationsByAccountId(owner.accountId);
  // A deleted installation of unknown account (recorded before account ids were kept, gone since)
  // is a reinstalled account's old installation, not another account.
  if (candidates.some((i) => i.accountId !== null || i.deletedAt === null)) {
    candidates = candidates.filter((i) => i.accountId !== null || i.deletedAt === null);
  }
  const accounts = new Map<string, InstallationRecord[]>();
  for (const installation of candidates) {
    const key = accountKey(installation);
    accounts.set(key, [...(accounts.get(key) ?? []), installation]);
  }
  const chosen = [...accounts.values()].map(
    (installations) =>
      installations.filter((i) => i.deletedAt === null).at(-1) ?? installations.at(-1) ?? installations[0],
  ) as InstallationRecord[];
  if (chosen.length > 1)
    throw new AmbiguousOwnerError("login" in owner ? owner.login : `id:${owner.accountId}`, chosen);
  return chosen[0] ?? null;
}

/** Finds the installation (and repository) a scope names; the same error whether absent or not ours. */
export async function resolveScope(store: Store, spec: ScopeSpec): Promise<ResolvedScope> {
  const login = "org" in spec ? spec.org : (spec.repo.split("/")[0] ?? "");
  return scopeOf(store, spec, await resolveOwner(store, { login }));
}

/** The scope `spec` names within an installation already resolved (null: none). */
export async function scopeOf(
  store: Store,
  spec: ScopeSpec,
  installation: InstallationRecord | null,
): Promise<ResolvedScope> {
  if ("org" in spec) {
    if (!installation) throw new ScopeNotFoundError(`no installation for ${spec.org}`);
    return {
      label: `${installation.accountLogin} (organisation)`,
      installationId: installation.id,
      owner: installation.accountLogin,
    };
  }
  const name = (spec.repo.split("/")[1] ?? "").toLowerCase();
  // By the name given, or by its name alone: every repository of the installation is its
  // account's, whichever of the account's logins the request or the ledger spells it with.
  const repository = installation
    ? ((await store.installations.findRepository(installation.id, spec.repo)) ??
      (await store.installations.listRepositories(installation.id, { includeRemoved: true })).find(
        (r) => r.fullName.split("/")[1]?.toLowerCase() === name,
      ) ??
      null)
    : null;
  if (!installation || !repository) throw new ScopeNotFoundError(`no repository ${spec.repo}`);
  return {
    label: repository.fullName,
    installationId: installation.id,
    repositoryIds: [repository.id],
    owner: installation.accountLogin,
  };
}

export interface Period {
  since: number;
  until: number;
}

/** The default period: the last 28 days up to now. */
export function defaultPeriod(now: number, days = DEFAULT_PERIOD_DAYS): Period {
  return { since: now - days * DAY_MS, until: now };
}

/** A report that would read more changes than its bound allows (the API's API_MAX_REPORT_CHANGES). */
export class ReportTooLargeError extends Error {
  override name = "ReportTooLargeError";
  constructor(
    readonly changes: number,
    readonly limit: number,
  ) {
    super(`the report would read ${changes} changes, more than ${limit}`);
  }
}

/** Bounds on one report's work; none for the CLI, the operator's own. */
export interface ReportBounds {
  /** The most changes it may read; counted first, so that a larger scope is refused before it is read. */
  maxChanges?: number;
}

export async function buildReport(
  store: Store,
  scope: ResolvedScope,
  period: Period,
  options: MetricOptions,
  bounds: ReportBounds = {},
): Promise<Report> {
  const where = {
    installationId: scope.installationId,
    ...(scope.repositoryIds ? { repositoryIds: scope.repositoryIds } : {}),
  };
  if (bounds.maxChanges !== undefined) {
    const changes = await store.reports.countReportChanges(where, period.since, period.until);
    if (changes > bounds.maxChanges) throw new ReportTooLargeError(changes, bounds.maxChanges);
  }
  await classifyStoredEvidence(store, scope.installationId);
  const rows = await store.reports.listReportChanges(where, period.since, period.until, {
    paths: readsPaths(options),
  });
  await withExplicitAgents(store, scope.installationId, rows, options);
  const historyFrom = await historyStart(store, scope);
  const report = computeReport(
    { scope: scope.label, since: period.since, until: period.until, changes: rows, historyFrom },
    options,
  );
  return { ...report, spend: await spendOf(store, scope, period, options, report) };
}

/**
 * Reads, for a report that counts explicit evidence only (for some repositories), which agents the
 * explicit evidence of each change names, where it may be fewer than all it names: changes with
 * explicit evidence that name more than one agent. Their evidence is read by id (a few rows; the
 * report's own query reads no evidence). A change counts for those agents alone (creditedAgents).
 */
export async function withExplicitAgents(
  store: Store,
  installationId: number,
  rows: ReportChangeRow[],
  options: Pick<MetricOptions, "evidence" | "repositories">,
): Promise<void> {
  const mixed = rows.filter(
    (r) =>
      r.ai && r.aiEvidence === "explicit" && r.agents.length > 1 && basisOf(options, r.repositoryId) === "explicit",
  );
  if (mixed.length === 0) return;
  const evidence = await store.reports.listChangeEvidence(
    installationId,
    mixed.map((r) => r.id),
  );
  for (const row of mixed) {
    let named: string[] = [];
    try {
      named = explicitAgents(JSON.parse(evidence.get(row.id) ?? "[]") as unknown[]);
    } catch {
      // Written by this code as JSON: unreadable evidence names no agent.
    }
    row.explicitAgents = named.length > 0 ? named : row.agents;
  }
}

/**
 * The report's AI spend (src/spend/compute.ts): the usage of the period, the changes that name its
 * sessions with their fates now, the prices in force (the instance's, with the organisation's
 * over them). Null when the scope has no spend in the period.
 */
export async function spendOf(
  store: Store,
  scope: ResolvedScope,
  period: Period,
  options: MetricOptions,
  report: Report,
): Promise<SpendFigures | null> {
  const usage = await store.spend.listUsage(scope.installationId, period);
  if (usage.length === 0) return null;
  const keys = [...new Set(usage.flatMap((row) => (row.sessionId === null ? [] : [sessionKey(row.sessionId)])))];
  const facts = await store.spend.listSessionChanges(scope.installationId, keys);
  const windowOf = (repositoryId: number) =>
    options.repositories?.get(repositoryId)?.revertWindowDays ?? options.revertWindowDays;
  const links: SessionLink[] = facts.map((f) => ({
    session: f.sessionKey,
    changeId: f.changeId,
    repositoryId: f.repositoryId,
    fate: spendFate(f, windowOf(f.repositoryId)),
  }));
  const repositoryIds = scope.repositoryIds ? new Set(scope.repositoryIds) : null;
  if (repositoryIds && !links.some((l) => repositoryIds.has(l.repositoryId))) return null;
  const prices = await pricesInForce(store, scope.installationId, options);
  const weeks = report.series.map((w) => w.week);
  const aiDeployments =
    report.withheld === null ? report.series.reduce((sum, w) => sum + (w.aiDeployments ?? 0), 0) : null;
  return computeSpend(
    {
      usage,
      links,
      repositoryIds,
      weeks,
      aiDeployments,
      aiChangesShipped: report.aiChangesShipped,
      withheld: report.withheld !== null,
    },
    prices,
  );
}

/** The prices in force for an installation: its organisation file's, then the instance's for models it does not price. */
export async function pricesInForce(store: Store, installationId: number, options: Pick<MetricOptions, "prices">) {
  const owner = priceTableSchema.safeParse(await store.installations.getInstallationPrices(installationId));
  return pricer(owner.success ? owner.data : undefined, options.prices);
}

/**
 * The instance's metric defaults from its settings (METRIC_*, COST_PRICES_FILE): the price file
 * is read and validated here, so that a bad one stops start-up (or the command) with its field.
 */
export function instanceMetricDefaults(
  settings: Omit<MetricDefaults, "prices"> & { pricesFile: string | null },
  readFile: (path: string) => string,
): MetricDefaults {
  const { pricesFile, ...defaults } = settings;
  if (pricesFile === null) return defaults;
  let text: string;
  try {
    text = readFile(pricesFile);
  } catch (error) {
    throw new Error(
      `COST_PRICES_FILE: cannot read ${pricesFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return { ...defaults, prices: parsePriceTable(text, `COST_PRICES_FILE (${pricesFile})`) };
}

/** Files are read only when some repository's changes can be left out for touching only ignored paths. */
export function readsPaths(options: MetricOptions): boolean {
  return (
    options.ignorePaths.length > 0 ||
    [...(options.repositories?.values() ?? [])].some((settings) => (settings.ignorePaths?.length ?? 0) > 0)
  );
}

/** The rows of `rows` a report on `period` reads: merged in it, or shipped in it (listReportChanges' two reads). */
export function rowsOfPeriod<T extends ReportChangeRow>(rows: readonly T[], period: Period): T[] {
  const inPeriod = (t: number) => t >= period.since && t < period.until;
  return rows.filter((row) => inPeriod(row.mergedAt) || (row.shipped !== null && inPeriod(row.shipped.at)));
}

/**
 * Where the ledger's history of the scope starts: per repository, the earliest window backfilled
 * to its end, or when the app was given the repository (heard live since), whichever is earlier;
 * for the scope, the latest of those (before it, some repository's history is missing).
 */
export async function historyStart(store: Store, scope: ResolvedScope): Promise<number | null> {
  return historyStartOf(
    await store.installations.listRepositories(scope.installationId),
    await store.backfills.listBackfillRuns(scope.installationId),
    scope.repositoryIds,
  );
}

/** historyStart from the installation's live repositories and backfill runs, already read. */
export function historyStartOf(
  live: readonly RepositoryRecord[],
  runs: readonly BackfillRun[],
  repositoryIds?: readonly number[],
): number | null {
  const repositories = live.filter((r) => !repositoryIds || repositoryIds.includes(r.id));
  const covered = new Map(runs.map((run) => [run.repositoryId, run.coveredSince]));
  let latest: number | null = null;
  for (const repository of repositories) {
    const starts = [covered.get(repository.id), repository.installedSince].filter(
      (t): t is number => typeof t === "number",
    );
    if (starts.length === 0) continue;
    const start = Math.min(...starts);
    latest = latest === null ? start : Math.max(latest, start);
  }
  return latest;
}

/** The instance's metric settings (METRIC_* variables): what applies where nothing else is known. */
export type MetricDefaults = Omit<MetricOptions, "now" | "repositories">;

/** METRIC_*'s defaults (src/config/env.ts), for an app built without settings (tests). */
export const INSTANCE_METRIC_DEFAULTS: MetricDefaults = Object.freeze({
  minGroupSize: 5,
  revertWindowDays: 14,
  ignorePaths: [],
  evidence: "any",
});

/**
 * The options of a report on `scope`, from what the app last read of the configuration files:
 * - the minimum group size is the instance's, raised (never lowered) by the organisation's
 *   `.github` repository file and, in a repository report, by the repository's own file
 *   (`metric.minGroupSize`, see minGroupSizeInForce);
 * - each repository's revert window and ignored paths are its own file's (the organisation's only
 *   through `inherit`: src/config/effective-settings.ts); a repository without a file of its own
 *   (or not read yet) takes the instance's. So is its evidence basis (`metric.evidence`), except
 *   that a file that does not set it leaves the instance's (METRIC_EVIDENCE) in force.
 */
export async function reportOptions(
  store: Store,
  scope: ResolvedScope,
  defaults: MetricDefaults,
  now: number,
): Promise<MetricOptions> {
  const installation = await store.installations.getInstallation(scope.installationId);
  // A repository's report needs its own record only; an organisation's, every repository's.
  const only = scope.repositoryIds?.length === 1 ? scope.repositoryIds[0] : undefined;
  const repositories =
    only === undefined
      ? await store.installations.listRepositories(scope.installationId, { includeRemoved: true })
      : [await store.installations.getRepository(scope.installationId, only)].filter((r) => r !== null);
  return optionsFor(scope, { installation, repositories }, defaults, now);
}

/** reportOptions from the installation's record and its repositories', already read (e.g. once for /metrics). */
export function optionsFor(
  scope: ResolvedScope,
  known: { installation: InstallationRecord | null; repositories: readonly RepositoryRecord[] },
  defaults: MetricDefaults,
  now: number,
): MetricOptions {
  const installationMinimum = minGroupSizeInForce(defaults.minGroupSize, known.installation?.minGroupSize);
  const options: MetricOptions = { ...defaults, minGroupSize: installationMinimum, now };
  if (scope.repositoryIds?.length === 1) {
    const own = known.repositories.find((r) => r.id === scope.repositoryIds?.[0])?.metricSettings;
    if (!own) return options;
    return {
      ...options,
      revertWindowDays: own.revertWindowDays,
      ignorePaths: own.ignorePaths,
      minGroupSize: minGroupSizeInForce(installationMinimum, own.minGroupSize),
      ...(own.evidence !== undefined ? { evidence: own.evidence } : {}),
    };
  }
  const settings = new Map<number, RepositoryMetricSettings>();
  for (const repository of known.repositories) {
    const own = repository.metricSettings;
    if (own)
      settings.set(repository.id, {
        revertWindowDays: own.revertWindowDays,
        ignorePaths: own.ignorePaths,
        ...(own.evidence !== undefined ? { evidence: own.evidence } : {}),
      });
  }
  return settings.size > 0 ? { ...options, repositories: settings } : options;
}
