import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadMetricSettings } from "../config/env.js";
import { formatReportCsv, formatReportTable } from "../metrics/format.js";
import {
  buildReport,
  DAY_MS,
  DEFAULT_PERIOD_DAYS,
  instanceMetricDefaults,
  type MetricDefaults,
  reportOptions,
  resolveScope,
  ScopeNotFoundError,
  type ScopeSpec,
} from "../metrics/report.js";
import { openStore } from "../store/open.js";
import { DateParamError, parseDateParam } from "../util/date-param.js";
import { CliError, type CliIO } from "./io.js";

export const reportUsage = `Usage:
  shipledger report (--repo OWNER/NAME | --org OWNER) [--since DATE] [--until DATE] [--format table|json|csv]
      Normalised deployments and their companions for a repository or an organisation.
      Default period: the ${DEFAULT_PERIOD_DAYS} days up to now. DATE: 2026-11-01 or an ISO 8601 time.
      table: for a terminal; json: everything, with the weekly series; csv: the weekly series.
`;

export async function reportCommand(argv: string[], io: CliIO): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        repo: { type: "string" },
        org: { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
        format: { type: "string", default: "table" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new CliError(`report: ${(error as Error).message}\n${reportUsage}`, 2);
  }
  const { repo, org, since, until, format } = values as Record<string, string | undefined>;
  if (Boolean(repo) === Boolean(org))
    throw new CliError(`report: give --repo OWNER/NAME or --org OWNER\n${reportUsage}`, 2);
  if (repo !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(repo))
    throw new CliError(`report: --repo expects OWNER/NAME, got "${repo}"`, 2);
  if (!["table", "json", "csv"].includes(format ?? ""))
    throw new CliError(`report: --format expects table, json or csv, got "${format}"`, 2);
  let period: { since: number; until: number };
  try {
    const end = until === undefined ? io.now() : parseDateParam("--until", until);
    const start = since === undefined ? end - DEFAULT_PERIOD_DAYS * DAY_MS : parseDateParam("--since", since);
    period = { since: start, until: end };
  } catch (error) {
    if (error instanceof DateParamError) throw new CliError(`report: ${error.message}`, 2);
    throw error;
  }
  if (period.since >= period.until) throw new CliError("report: --since must be before --until", 2);

  // Only the metric's settings: the CLI runs in the app's environment, which the server validates.
  const settings = loadMetricSettings(io.env);
  let metric: MetricDefaults;
  try {
    metric = instanceMetricDefaults(settings, (path) => readFileSync(resolve(io.cwd, path), "utf8"));
  } catch (error) {
    throw new CliError(`report: ${(error as Error).message}`, 1);
  }
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd });
  try {
    const spec: ScopeSpec = repo ? { repo } : { org: org as string };
    let scope: Awaited<ReturnType<typeof resolveScope>>;
    try {
      scope = await resolveScope(store, spec);
    } catch (error) {
      if (error instanceof ScopeNotFoundError) {
        throw new CliError(`report: the ledger knows no ${repo ? `repository ${repo}` : `installation for ${org}`}`, 1);
      }
      throw error;
    }
    const options = await reportOptions(store, scope, metric, io.now());
    const report = await buildReport(store, scope, period, options);
    if (format === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === "csv") io.stdout(formatReportCsv(report));
    else io.stdout(formatReportTable(report));
    return 0;
  } finally {
    await store.close();
  }
}
