// The reports over HTTP, on the app's own server (Probot v14 addHandler):
//   GET /api/v1/report?repo=OWNER/NAME | org=OWNER [&since=DATE][&until=DATE]  → JSON
//   GET /metrics                                                                → Prometheus text
// Both need a bearer token from API_TOKENS; each token reads only the owners it names, and a
// scope it may not read answers exactly like one that does not exist.

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiToken } from "../config/env.js";
import { formatPrometheus } from "../metrics/format.js";
import {
  buildReport,
  defaultPeriod,
  type MetricDefaults,
  optionsFor,
  type Period,
  reportOptions,
  resolveScope,
  ScopeNotFoundError,
  type ScopeSpec,
} from "../metrics/report.js";
import type { Store } from "../store/types.js";
import { parseDateParam } from "./dates.js";

export interface ApiDeps {
  store: Store;
  tokens: ApiToken[];
  now: () => number;
  /** The instance's metric settings; the ledger's record of each installation's and repository's refine them. */
  metric: MetricDefaults;
}

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
        const reports = [];
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
            reports.push({
              repository: repository.fullName,
              report: await buildReport(deps.store, scope, defaultPeriod(now), options),
            });
          }
        }
        send(res, 200, formatPrometheus(reports), "text/plain; version=0.0.4; charset=utf-8");
        return true;
      }
      const spec = readScope(url.searchParams);
      const period = readPeriod(url.searchParams, now);
      const owner = ("repo" in spec ? (spec.repo.split("/")[0] ?? "") : spec.org).toLowerCase();
      // Another owner's data answers exactly as absent data does: nothing about it leaks.
      if (!token.owners.includes(owner)) throw new ScopeNotFoundError("not allowed");
      const scope = await resolveScope(deps.store, spec);
      send(
        res,
        200,
        await buildReport(deps.store, scope, period, await reportOptions(deps.store, scope, deps.metric, now)),
      );
    } catch (error) {
      if (error instanceof BadRequest || (error as Error).name === "DateParamError") {
        send(res, 400, { error: (error as Error).message });
      } else if (error instanceof ScopeNotFoundError) {
        send(res, 404, { error: "no such repository or organisation" });
      } else {
        send(res, 500, { error: "internal error" });
      }
    }
    return true;
  };
}
