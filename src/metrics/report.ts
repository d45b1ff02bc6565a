// Reports for a scope (a repository, or an organisation = an installation's account) and a
// period: the ledger query, then the pure computation. Used by the CLI, the HTTP API, /metrics
// and the PR check's context line.

import type { Store } from "../store/types.js";
import { computeReport } from "./compute.js";
import type { MetricOptions, Report } from "./types.js";

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

/** Finds the installation (and repository) a scope names; the same error whether absent or not ours. */
export async function resolveScope(store: Store, spec: ScopeSpec): Promise<ResolvedScope> {
  if ("org" in spec) {
    const installation = await store.findInstallationByAccount(spec.org);
    if (!installation) throw new ScopeNotFoundError(`no installation for ${spec.org}`);
    return {
      label: `${installation.accountLogin} (organisation)`,
      installationId: installation.id,
      owner: installation.accountLogin,
    };
  }
  const [owner = ""] = spec.repo.split("/");
  const installation = await store.findInstallationByAccount(owner);
  const repository = installation ? await store.findRepository(installation.id, spec.repo) : null;
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

export async function buildReport(
  store: Store,
  scope: ResolvedScope,
  period: Period,
  options: MetricOptions,
): Promise<Report> {
  const rows = await store.listReportChanges(
    { installationId: scope.installationId, ...(scope.repositoryIds ? { repositoryIds: scope.repositoryIds } : {}) },
    period.since,
    period.until,
  );
  return computeReport(
    {
      scope: scope.label,
      since: period.since,
      until: period.until,
      changes: rows.map((row) => ({
        id: row.id,
        repositoryId: row.repositoryId,
        repository: row.repository,
        number: row.number,
        engineer: row.engineer,
        botChange: row.botChange,
        ai: row.ai,
        agents: row.agents,
        mergedAt: row.mergedAt,
        firstCommitAt: row.firstCommitAt,
        paths: row.paths,
        pathsComplete: row.pathsComplete,
        shipped:
          row.shippedDeploymentId !== null && row.shippedAt !== null
            ? { deploymentId: row.shippedDeploymentId, at: row.shippedAt }
            : null,
        revertedAt: row.revertedAt,
        rolledBackAt: row.rolledBackAt,
      })),
    },
    options,
  );
}
