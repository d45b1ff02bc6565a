// `shipledger backfill`: reads a repository's (or an organisation's) history into the ledger, and
// shows where backfills stand. With the App's credentials it reads in the foreground, under the
// installation's lease (a running app waits its turn); without them it queues the work for the
// running app. Repositories and installations are found in the ledger (the app heard of them
// when it was installed), never by asking GitHub.

import { type ParseArgsConfig, parseArgs } from "node:util";
import { estimateBackfill } from "../ledger/core/backfill-progress.js";
import { openStore } from "../store/open.js";
import type { BackfillRun, RepositoryRecord, Store } from "../store/types.js";
import { DateParamError, parseDateParam } from "../util/date-param.js";
import { formatTable } from "../util/text-table.js";
import { CliError, type CliIO } from "./io.js";

export const backfillUsage = `Usage:
  shipledger backfill (--repo OWNER/NAME | --org OWNER) [--since DATE] [--queue]
      Reads the merged pull requests and production deployments since DATE (default:
      BACKFILL_DAYS, 90 days, ago) into the ledger, as live webhooks would have recorded them
      (no check run is written). With APP_ID and PRIVATE_KEY set it reads now, in the foreground
      (Ctrl-C stops it with its progress kept; the next run goes on); without them, or with
      --queue, the running app reads it.
  shipledger backfill status [--repo OWNER/NAME | --org OWNER] [--json]
      Per repository: the window, the phase, what was read, what remains and an estimate.
`;

const DAY_MS = 24 * 60 * 60_000;

/** What each run came to, as the CLI says it. */
const OUTCOMES = {
  done: "done",
  halted: "interrupted (its progress is kept)",
  stopped: "stopped (the repository left the installation)",
  failed: "failed",
  retry: "interrupted by a GitHub error (queued; it goes on later)",
} as const;

export async function backfillCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv[0] === "status") return status(argv.slice(1), io);
  return backfill(argv, io);
}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new CliError(`backfill: ${(error as Error).message}\n${backfillUsage}`, 2);
  }
}

interface Target {
  installationId: number;
  repositories: RepositoryRecord[];
}

/** The installations and repositories named by --repo or --org, from the ledger. */
async function resolveTargets(store: Store, values: { repo?: string; org?: string }): Promise<Target[]> {
  if ((values.repo === undefined) === (values.org === undefined)) {
    throw new CliError(`backfill: give --repo OWNER/NAME or --org OWNER (one of them)\n${backfillUsage}`, 2);
  }
  const owner = values.org ?? values.repo?.split("/")[0] ?? "";
  if (values.repo !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(values.repo)) {
    throw new CliError(`backfill: --repo expects OWNER/NAME, got "${values.repo.slice(0, 100)}"`, 2);
  }
  const installations = (await store.installations.findInstallationsByLogin(owner)).filter((i) => i.deletedAt === null);
  if (installations.length === 0) {
    throw new CliError(`backfill: no installation of the app for "${owner}" in the ledger (install the app first)`);
  }
  const targets: Target[] = [];
  for (const installation of installations) {
    const repositories = await store.installations.listRepositories(installation.id);
    const wanted =
      values.repo === undefined
        ? repositories
        : repositories.filter((r) => r.fullName.toLowerCase() === values.repo?.toLowerCase());
    if (wanted.length > 0) targets.push({ installationId: installation.id, repositories: wanted });
  }
  if (targets.length === 0) {
    throw new CliError(
      values.repo === undefined
        ? `backfill: the installation for "${owner}" has no repositories in the ledger`
        : `backfill: ${values.repo} is not a repository of the app's installation for "${owner}"`,
    );
  }
  return targets;
}

async function backfill(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    repo: { type: "string" },
    org: { type: "string" },
    since: { type: "string" },
    queue: { type: "boolean" },
  });
  const { loadBackfillSettings } = await import("../config/env.js");
  const settings = loadBackfillSettings(io.env);
  const now = io.now();
  let since = now - settings.days * DAY_MS;
  if (values.since !== undefined) {
    try {
      since = parseDateParam("--since", values.since);
    } catch (error) {
      if (error instanceof DateParamError) throw new CliError(`backfill: ${error.message}`, 2);
      throw error;
    }
    if (since > now) throw new CliError(`backfill: --since ${values.since} is in the future`, 2);
  }
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd });
  try {
    const targets = await resolveTargets(store, values);
    for (const target of targets) {
      await store.backfills.requestBackfills({
        installationId: target.installationId,
        repositoryIds: target.repositories.map((r) => r.id),
        since,
        kind: "manual",
        now,
      });
    }
    const names = targets.flatMap((t) => t.repositories.map((r) => r.fullName));
    const window = `since ${day(since)}`;
    if (values.queue || settings.app === null) {
      io.stdout(
        `backfill: queued ${names.length} repositor${names.length === 1 ? "y" : "ies"} ${window}; the running app reads ${names.length === 1 ? "it" : "them"}` +
          (settings.app === null && !values.queue ? " (APP_ID and PRIVATE_KEY are not set here)" : "") +
          ". See `shipledger backfill status`.\n",
      );
      return 0;
    }
    return await runForeground(store, targets, settings.app, settings.reserve, io);
  } finally {
    await store.close();
  }
}

async function runForeground(
  store: Store,
  targets: Target[],
  app: { appId: number; privateKey: string; githubBaseUrl: string | undefined },
  reserve: number,
  io: CliIO,
): Promise<number> {
  // Loaded only here: `status` and queuing do not pay for Probot.
  const [{ Probot }, { pino }, { ConfigReadCache }, { backfillInstallation }] = await Promise.all([
    import("probot"),
    import("pino"),
    import("../github/config-cache.js"),
    import("../inbox/backfill-runner.js"),
  ]);
  const log = pino({ level: io.env.LOG_LEVEL ?? "info", base: null }, { write: (line: string) => io.stderr(line) });
  const probot = new Probot({
    appId: app.appId,
    privateKey: app.privateKey,
    log: log as never,
    ...(app.githubBaseUrl ? { baseUrl: app.githubBaseUrl } : {}),
  });
  const worker = `cli:${process.pid}`;
  const stop = new AbortController();
  const onSignal = () => {
    io.stderr("backfill: stopping after the current step (its progress is kept)\n");
    stop.abort(new Error("interrupted"));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let exit = 0;
  try {
    for (const target of targets) {
      const claimed = await store.backfills.claimBackfill({
        worker,
        now: io.now(),
        leaseMs: 2 * 60_000,
        installationId: target.installationId,
      });
      if (claimed === null) {
        io.stdout(
          `backfill: installation ${target.installationId} is being backfilled by a running app; its repositories are queued there\n`,
        );
        continue;
      }
      const report = await backfillInstallation(target.installationId, {
        store,
        auth: (id) => probot.auth(id),
        configReads: new ConfigReadCache({ now: io.now }),
        log: log as never,
        now: io.now,
        worker,
        reserve,
        signal: stop.signal,
      });
      for (const run of report.runs) {
        io.stdout(`${run.fullName}: ${OUTCOMES[run.outcome]}${run.error ? ` (${run.error})` : ""}\n`);
        if (run.outcome === "failed" || run.outcome === "retry") exit = 1;
      }
      if (report.halted) {
        io.stdout("backfill: stopped; run it again to go on where it stopped\n");
        return 130;
      }
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return exit;
}

async function status(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { repo: { type: "string" }, org: { type: "string" }, json: { type: "boolean" } });
  const store = await openStore(io.env.DATABASE_URL, { cwd: io.cwd });
  try {
    const now = io.now();
    let runs: BackfillRun[];
    const names = new Map<string, string>();
    if (values.repo !== undefined || values.org !== undefined) {
      const targets = await resolveTargets(store, values);
      runs = [];
      for (const target of targets) {
        const ids = new Set(target.repositories.map((r) => r.id));
        for (const r of target.repositories) names.set(`${target.installationId}/${r.id}`, r.fullName);
        runs.push(
          ...(await store.backfills.listBackfillRuns(target.installationId)).filter((r) => ids.has(r.repositoryId)),
        );
      }
    } else {
      runs = await store.backfills.listBackfillRuns();
      for (const run of runs) {
        const repository = await store.installations.getRepository(run.installationId, run.repositoryId);
        if (repository) names.set(`${run.installationId}/${run.repositoryId}`, repository.fullName);
      }
    }
    const nameOf = (r: BackfillRun) =>
      names.get(`${r.installationId}/${r.repositoryId}`) ?? `repository ${r.repositoryId}`;
    const rows = runs.map((r) => ({ run: r, name: nameOf(r), estimate: estimateBackfill(r, now) }));
    if (values.json) {
      const at = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      io.stdout(
        `${JSON.stringify(
          rows.map(({ run, name, estimate }) => ({
            repository: name,
            installationId: run.installationId,
            repositoryId: run.repositoryId,
            kind: run.kind,
            phase: run.phase,
            since: at(run.windowSince),
            pullRequestsRead: run.pullsRead,
            merged: run.merged,
            deployments: run.deployments,
            deploymentsTotal: run.deploymentsTotal,
            reached: at(run.reachedAt),
            requests: run.requests,
            done: Math.round(estimate.done * 1000) / 1000,
            remainingSeconds: estimate.remainingMs === null ? null : Math.round(estimate.remainingMs / 1000),
            coveredSince: at(run.coveredSince),
            requestedAt: at(run.requestedAt),
            startedAt: at(run.startedAt),
            finishedAt: at(run.finishedAt),
            error: run.error,
            notes: run.notes,
          })),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    if (rows.length === 0) {
      io.stdout("backfill: nothing backfilled or queued\n");
      return 0;
    }
    io.stdout(
      formatTable(
        ["REPOSITORY", "SINCE", "PHASE", "READ", "MERGED", "DEPLOYMENTS", "DONE", "REMAINING", "NOTE"],
        rows.map(({ run, name, estimate }) => [
          name,
          day(run.windowSince),
          run.kind === "install" ? run.phase : `${run.phase} (${run.kind})`,
          run.phase === "pulls" && run.reachedAt !== null
            ? `${run.pullsRead} PRs, back to ${day(run.reachedAt)}`
            : `${run.pullsRead} PRs`,
          String(run.merged),
          run.deploymentsTotal === null ? String(run.deployments) : `${run.deployments}/${run.deploymentsTotal}`,
          `${Math.round(estimate.done * 100)}%`,
          run.phase === "done" ? "-" : estimate.remainingMs === null ? "?" : duration(estimate.remainingMs),
          (run.error ?? run.notes.join("; ")).replace(/\s+/g, " ").slice(0, 100),
        ]),
      ),
    );
    return 0;
  } finally {
    await store.close();
  }
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "< 1 min";
  if (minutes < 90) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}
