// The reports over HTTP, on the app's own server (Probot v14 addHandler):
//   GET /api/v1/report?repo=OWNER/NAME | org=OWNER [&since=DATE][&until=DATE]  → JSON
//   GET /metrics                                                                → Prometheus text
// Both need a bearer token from API_TOKENS; each token reads only the owners it names, and a
// scope it may not read answers exactly like one that does not exist.
// The work a token can start is bounded: a few reports at once (per token and for the process,
// beyond that 429/503 with Retry-After), a report reads at most API_MAX_REPORT_CHANGES changes
// (beyond that 422), and /metrics is computed at most once per METRICS_CACHE_SECONDS per scope.

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApiLimits, type ApiToken, DEFAULT_API_LIMITS } from "../config/env.js";
import { formatPrometheus, type LeftOutRepository } from "../metrics/format.js";
import {
  buildReport,
  defaultPeriod,
  type MetricDefaults,
  optionsFor,
  type Period,
  ReportTooLargeError,
  reportOptions,
  resolveScope,
  ScopeNotFoundError,
  type ScopeSpec,
} from "../metrics/report.js";
import { TextCache } from "../ops/text-cache.js";
import { GateFullError, WorkGate } from "../ops/work-gate.js";
import type { Store } from "../store/types.js";
import { parseDateParam } from "./dates.js";

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
            for (const owner of token.owners) {
              const installation = await deps.store.findInstallationByAccount(owner);
              if (!installation) continue;
              // The installation's repositories and their settings, read once for all of its reports.
              const repositories = await deps.store.listRepositories(installation.id, { includeRemoved: true });
              for (const repository of repositories) {
                if (repository.removedAt !== null) continue;
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
      const owner = ("repo" in spec ? (spec.repo.split("/")[0] ?? "") : spec.org).toLowerCase();
      // Another owner's data answers exactly as absent data does: nothing about it leaks.
      if (!token.owners.includes(owner)) throw new ScopeNotFoundError("not allowed");
      const scope = await resolveScope(deps.store, spec);
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
      } else if (error instanceof ScopeNotFoundError) {
        send(res, 404, { error: "no such repository or organisation" });
      } else {
        send(res, 500, { error: "internal error" });
      }
    }
    return true;
  };
}
