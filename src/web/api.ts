// The reports over HTTP, on the app's own server (Probot v14 addHandler):
//   GET /api/v1/report?repo=OWNER/NAME | org=OWNER [&since=DATE][&until=DATE]  → JSON
//   GET /metrics                                                                → Prometheus text
// Both need a bearer token from API_TOKENS; each token reads only the accounts it names (by
// account id, or by a login the account has or had: a login that two accounts have had is
// refused as ambiguous, 409), and a scope it may not read answers exactly like one that does not exist.
// The work a token can start is bounded: a few reports at once (per token and for the process,
// beyond that 429/503 with Retry-After), a report reads at most API_MAX_REPORT_CHANGES changes
// (beyond that 422), and /metrics is computed at most once per METRICS_CACHE_SECONDS per scope.

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApiLimits, type ApiToken, DEFAULT_API_LIMITS } from "../config/env.js";
import { formatPrometheus, type LeftOutRepository } from "../metrics/format.js";
import {
  AmbiguousOwnerError,
  accountKey,
  buildReport,
  defaultPeriod,
  type MetricDefaults,
  type OwnerRef,
  optionsFor,
  type Period,
  ReportTooLargeError,
  reportOptions,
  resolveOwner,
  ScopeNotFoundError,
  type ScopeSpec,
  scopeOf,
} from "../metrics/report.js";
import { TextCache } from "../ops/text-cache.js";
import { GateFullError, WorkGate } from "../ops/work-gate.js";
import type { InstallationRecord, Store } from "../store/types.js";
import { parseDateParam } from "../util/date-param.js";

export interface ApiDeps {
  store: Store;
  tokens: ApiToken[];
  now: () => number;
  /** The instance's metric settings; the ledger's record of each installation's and repository's refine them. */
  metric: MetricDefaults;
  /** Bounds on the work tokens can ask for; DEFAULT_API_LIMITS where unset. */
  limits?: Partial<ApiLimits>;
}

/** What /metrics is cached under: the token's scope (whatever it names), never its secret. */
const scopeKey = (token: ApiToken) => JSON.stringify({ ...token, token: undefined });

/** Reports refused for the work in flight are worth asking again this many seconds later. */
const RETRY_AFTER_SECONDS = 5;

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The token presented, compared in constant time with each configured one. */
function authenticate(req: IncomingMessage, tokens: ApiToken[]): ApiToken | null {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return null;
  const presented = digest(match[1]);
  let found: ApiToken | null = null;
  for (const t of tokens) if (timingSafeEqual(presented, digest(t.token))) found = t;
  return found;
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json") {
  res
    .writeHead(status, { "content-type": type, "cache-control": "no-store" })
    .end(type === "application/json" ? `${JSON.stringify(body)}\n` : String(body));
}

class BadRequest extends Error {}

function readScope(query: URLSearchParams): ScopeSpec {
  const repo = query.get("repo");
  const org = query.get("org");
  if (repo && org) throw new BadRequest("give either repo or org, not both");
  if (repo) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) throw new BadRequest("repo: expected OWNER/NAME");
    return { repo };
  }
  if (org) {
    if (!/^[A-Za-z0-9-]+$/.test(org)) throw new BadRequest("org: expected an organisation or user login");
    return { org };
  }
  throw new BadRequest("repo or org is required");
}

function readPeriod(query: URLSearchParams, now: number): Period {
  const fallback = defaultPeriod(now);
  const until = query.has("until") ? parseDateParam("until", query.get("until") ?? "") : fallback.until;
  const since = query.has("since")
    ? parseDateParam("since", query.get("since") ?? "")
    : until - (fallback.until - fallback.since);
  if (since >= until) throw new BadRequest("since: must be before until");
  if (until - since > 5 * 366 * 86_400_000) throw new BadRequest("since: the period may not exceed five years");
  return { since, until };
}

const ownersOf = (token: ApiToken): OwnerRef[] => [
  ...token.owners.map((login) => ({ login })),
  ...(token.accountIds ?? []).map((accountId) => ({ accountId })),
];

/**
 * The installations a token may read, one per account it names (by login or id), resolved from
 * the ledger's accounts on each request; an owner that is ambiguous is listed apart, not guessed.
 */
async function tokenScope(store: Store, token: ApiToken) {
  const installations = new Map<string, InstallationRecord>();
  const ambiguous: AmbiguousOwnerError[] = [];
  for (const owner of ownersOf(token)) {
    try {
      const installation = await resolveOwner(store, owner);
      if (installation) installations.set(accountKey(installation), installation);
    } catch (error) {
      if (!(error instanceof AmbiguousOwnerError)) throw error;
      ambiguous.push(error);
    }
  }
  return { installations, ambiguous };
}

/**
 * The installation of the owner a request names, if the token may read it: the owner's login (now
 * or before a rename) must resolve to one of the token's accounts. An ambiguous login is said to
 * be so only to a token entitled to one of the accounts it could mean; to others, it is absent.
 */
async function requestedInstallation(store: Store, token: ApiToken, login: string): Promise<InstallationRecord> {
  const { installations } = await tokenScope(store, token);
  let installation: InstallationRecord | null;
  try {
    installation = await resolveOwner(store, { login });
  } catch (error) {
    if (!(error instanceof AmbiguousOwnerError)) throw error;
    // The token's own accounts tell which one it means (it names it by id, or by a login only it had).
    const mine = error.installations.filter((i) => installations.has(accountKey(i)));
    if (mine.length === 1 && mine[0]) return mine[0];
    if (mine.length > 1 || token.owners.includes(login.toLowerCase())) throw error;
    throw new ScopeNotFoundError("not allowed");
  }
  // Another owner's data answers exactly as absent data does: nothing about it leaks.
  if (!installation || !installations.has(accountKey(installation))) throw new ScopeNotFoundError("not allowed");
  return installation;
}

export function createApiHandler(deps: ApiDeps) {
  const limits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const gate = new WorkGate<ApiToken>(limits.maxReports, limits.maxReportsPerToken);
  const metricsCache = new TextCache(limits.metricsCacheMs);
  const bounds = { maxChanges: limits.maxReportChanges };
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/api/v1/report" && url.pathname !== "/metrics") return false;
    if (deps.tokens.length === 0) {
      send(res, 404, { error: "the reports API is off: set API_TOKENS to enable it" });
      return true;
    }
    if (req.method !== "GET") {
      send(res, 405, { error: "only GET" });
      return true;
    }
    const token = authenticate(req, deps.tokens);
    if (!token) {
      res.setHeader("www-authenticate", 'Bearer realm="shipledger"');
      send(res, 401, { error: "a valid bearer token is required" });
      return true;
    }
    const now = deps.now();
    try {
      if (url.pathname === "/metrics") {
        // One computation per scope and cache period, whoever asks; a token is only ever served
        // text computed for its own scope.
        const text = await metricsCache.get(scopeKey(token), now, () =>
          gate.run(token, async () => {
            const reports = [];
            const leftOut: LeftOutRepository[] = [];
            const { installations, ambiguous } = await tokenScope(deps.store, token);
            // A scrape that silently lost an account would look like a quiet one: say which owner to fix.
            if (ambiguous.length > 0) throw ambiguous[0];
            for (const installation of installations.values()) {
              // The installation's repositories and their settings, read once for all of its reports.
              const repositories = await deps.store.installations.listRepositories(installation.id, {
                includeRemoved: true,
              });
              // One series per name: a repository renamed on GitHub keeps its old name in the ledger
              // until a delivery of its own, and a new repository can take that name meanwhile.
              const names = new Map<string, number>();
              for (const r of repositories) {
                const name = r.fullName.toLowerCase();
                if (r.removedAt === null) names.set(name, (names.get(name) ?? 0) + 1);
              }
              for (const repository of repositories) {
                if (repository.removedAt !== null) continue;
                if ((names.get(repository.fullName.toLowerCase()) ?? 0) > 1) {
                  const holder = await deps.store.installations.findRepository(installation.id, repository.fullName);
                  if (holder?.id !== repository.id) continue;
                }
                const scope = {
                  label: repository.fullName,
                  installationId: installation.id,
                  repositoryIds: [repository.id],
                  owner: installation.accountLogin,
                };
                const options = optionsFor(scope, { installation, repositories }, deps.metric, now);
                try {
                  const report = await buildReport(deps.store, scope, defaultPeriod(now), options, bounds);
                  reports.push({ repository: repository.fullName, report });
                } catch (error) {
                  // A repository too large to report on is named as left out; the others are served.
                  if (!(error instanceof ReportTooLargeError)) throw error;
                  leftOut.push({ repository: repository.fullName, changes: error.changes, limit: error.limit });
                }
              }
            }
            return formatPrometheus(reports, leftOut);
          }),
        );
        send(res, 200, text, "text/plain; version=0.0.4; charset=utf-8");
        return true;
      }
      const spec = readScope(url.searchParams);
      const period = readPeriod(url.searchParams, now);
      const owner = "repo" in spec ? (spec.repo.split("/")[0] ?? "") : spec.org;
      const scope = await scopeOf(deps.store, spec, await requestedInstallation(deps.store, token, owner));
      const options = await reportOptions(deps.store, scope, deps.metric, now);
      send(res, 200, await gate.run(token, () => buildReport(deps.store, scope, period, options, bounds)));
    } catch (error) {
      if (error instanceof BadRequest || (error as Error).name === "DateParamError") {
        send(res, 400, { error: (error as Error).message });
      } else if (error instanceof GateFullError) {
        res.setHeader("retry-after", String(RETRY_AFTER_SECONDS));
        if (error.bound === "caller") {
          send(res, 429, {
            error: `this token already has ${limits.maxReportsPerToken} reports being computed (API_MAX_REPORTS_PER_TOKEN); retry when one is done`,
          });
        } else {
          send(res, 503, {
            error: `the server is computing as many reports as it may at once (${limits.maxReports}, API_MAX_REPORTS); retry shortly`,
          });
        }
      } else if (error instanceof ReportTooLargeError) {
        send(res, 422, {
          error: `this report would read ${error.changes} changes, more than the ${error.limit} a report may read (API_MAX_REPORT_CHANGES): ask for a shorter period or a single repository`,
        });
      } else if (error instanceof AmbiguousOwnerError) {
        send(res, 409, { error: error.message });
      } else if (error instanceof ScopeNotFoundError) {
        send(res, 404, { error: "no such repository or organisation" });
      } else {
        send(res, 500, { error: "internal error" });
      }
    }
    return true;
  };
}
