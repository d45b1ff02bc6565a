// Runs history backfills (src/ledger/backfill.ts): in the app process, every few seconds, it takes
// the lease of an installation with backfills to do and reads its repositories one after another;
// the CLI (`shipledger backfill`) runs the same pass in the foreground. One backfill of an
// installation at a time, across instances: its lease is renewed while it works, and a lease that
// lapses (the instance was killed) is taken over by another, which goes on from the stored
// progress. Its GitHub requests go through a RateBudget that keeps a reserve of the installation's
// hour for live pull-request checks. A timer never crashes the app: errors are logged and stored
// on the run.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger, ProbotOctokit } from "probot";
import type { ConfigReadCache } from "../github/config-cache.js";
import { RateBudget, type RateBudgetOptions } from "../github/rate-budget.js";
import { changeContext } from "../handlers/change-context.js";
import { type BackfillResult, backfillRepository } from "../ledger/backfill.js";
import { driftWindowSince, estimateBackfill } from "../ledger/core/backfill-progress.js";
import type { RepositoryScope } from "../ledger/record-merge.js";
import type { BackfillProgress, BackfillRun, Store } from "../store/types.js";
import { describeGitHubError, formatGitHubFailure } from "../util/github-errors.js";

export interface BackfillPassOptions {
  store: Store;
  /** A new installation-authenticated Octokit (the budget wraps it: live work keeps its own). */
  auth: (installationId: number) => Promise<ProbotOctokit>;
  configReads: ConfigReadCache;
  log: Logger;
  now?: () => number;
  worker: string;
  /** Lease length (default 2 minutes); renewed every third of it while the pass works. */
  leaseMs?: number;
  /** Share of each rate limit kept for live work (default 0.2). */
  reserve?: number;
  /** Pull requests per GraphQL page (default: the reader's). */
  pageSize?: number;
  /** Progress lines at info level this often (default 5 s). */
  progressEveryMs?: number;
  signal?: AbortSignal;
  /** Waits (rate limits, back-off); tests give a fake clock's. */
  sleep?: RateBudgetOptions["sleep"];
}

export interface PassReport {
  installationId: number;
  runs: Array<{
    repositoryId: number;
    fullName: string;
    outcome: BackfillResult["outcome"] | "failed" | "retry";
    error?: string;
  }>;
  /** The pass ended early: its lease was lost, or it was stopped. */
  halted: boolean;
  /** The pass ended on a transient error (GitHub's 5xx, the network): try the installation again later. */
  retry: boolean;
}

/** GitHub's server errors and network failures pass; anything else (404, 403, a bug) will not. */
function isTransient(error: unknown, status: number | null): boolean {
  if (status !== null) return status >= 500;
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_)/.test(code)
  );
}

const ACTIVE = new Set(["pending", "pulls", "deployments"]);

/**
 * Backfills the installation's queued repositories, under its lease (already claimed by the
 * caller). Returns what each run came to; the lease is released at the end.
 */
export async function backfillInstallation(installationId: number, o: BackfillPassOptions): Promise<PassReport> {
  const now = o.now ?? Date.now;
  const leaseMs = o.leaseMs ?? 2 * 60_000;
  const report: PassReport = { installationId, runs: [], halted: false, retry: false };
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (o.signal?.aborted) stop.abort(o.signal.reason);
  // The lease is renewed on a timer, not only on progress: a rate-limit wait can last the hour.
  const renew = setInterval(
    () => {
      void o.store.backfills.renewBackfillLease(installationId, o.worker, now()).then(
        (held) => {
          if (!held) stop.abort(new Error("lease lost"));
        },
        () => undefined,
      );
    },
    Math.max(Math.floor(leaseMs / 3), 10),
  );
  renew.unref();
  let current: { run: BackfillRun; fullName: string } | null = null;
  const progress = setInterval(() => {
    if (current) logProgress(o.log, current.run, current.fullName, now());
  }, o.progressEveryMs ?? 5_000);
  progress.unref();
  const budget = new RateBudget({
    reserve: o.reserve ?? 0.2,
    now,
    signal: stop.signal,
    ...(o.sleep ? { sleep: o.sleep } : {}),
    onWait: ({ resource, ms, reason, window }) =>
      o.log.info(
        { installation: installationId, resource, waitSeconds: Math.round(ms / 1000), reason, ...window },
        reason === "reserve"
          ? "backfill: waiting for GitHub's rate limit to reset (its reserve is kept for live checks)"
          : "backfill: GitHub rate-limited a request; waiting before sending it again",
      ),
  });
  try {
    const octokit = budget.wrap(await o.auth(installationId));
    for (;;) {
      if (stop.signal.aborted) {
        report.halted = true;
        break;
      }
      const runs = (await o.store.backfills.listBackfillRuns(installationId)).filter((r) => ACTIVE.has(r.phase));
      const run = runs.sort((a, b) => a.requestedAt - b.requestedAt || a.repositoryId - b.repositoryId)[0];
      if (!run) break;
      const repository = await o.store.installations.getRepository(installationId, run.repositoryId);
      const fullName = repository?.fullName ?? String(run.repositoryId);
      // The run was queued again while read (an earlier window asked for): it starts again from the top.
      let requeued = false;
      const save = async (p: BackfillProgress) => {
        const at = now();
        const patch: BackfillProgress = { ...p };
        if (p.phase === "done") {
          patch.finishedAt = at;
          patch.error = null;
          patch.coveredSince = Math.min(run.coveredSince ?? run.windowSince, run.windowSince);
        }
        const saved = await o.store.backfills.saveBackfillRun(run, o.worker, patch, at);
        if (saved) {
          Object.assign(run, patch);
          if (current) current.run = run;
        } else {
          requeued = await o.store.backfills.renewBackfillLease(installationId, o.worker, at);
        }
        return saved && !(stop.signal.aborted && p.phase !== "done");
      };
      if (!repository || repository.removedAt !== null) {
        await save({ phase: "stopped", finishedAt: now(), error: "the repository is not in the installation" });
        report.runs.push({ repositoryId: run.repositoryId, fullName, outcome: "stopped" });
        continue;
      }
      if (run.startedAt === null) await save({ startedAt: now() });
      current = { run, fullName };
      o.log.info(
        {
          installation: installationId,
          repository: fullName,
          since: new Date(run.windowSince).toISOString(),
          kind: run.kind,
        },
        run.phase === "pending" ? "backfill: repository started" : `backfill: repository resumed (${run.phase})`,
      );
      try {
        const [owner = "", name = ""] = fullName.split("/");
        const scope: RepositoryScope = {
          installationId,
          repositoryId: run.repositoryId,
          owner,
          repo: name,
          fullName,
          defaultBranch: repository.defaultBranch ?? "main",
        };
        const cc = await changeContext({ octokit, store: o.store, now, configReads: o.configReads }, scope);
        const requestsBefore = budget.requests - run.requests;
        const result = await backfillRepository(
          { ...cc, log: o.log },
          { since: run.windowSince },
          {
            resume: run,
            save,
            signal: stop.signal,
            onlyMissing: run.kind === "drift",
            requests: () => budget.requests - requestsBefore,
            onRateLimit: ({ limit, remaining, resetAt }) => budget.observe("graphql", { limit, remaining, resetAt }),
            stillInstalled: async () => {
              const r = await o.store.installations.getRepository(installationId, run.repositoryId);
              const installation = await o.store.installations.getInstallation(installationId);
              return Boolean(r && r.removedAt === null && installation && installation.deletedAt === null);
            },
            ...(o.pageSize ? { pageSize: o.pageSize } : {}),
          },
        );
        if (result.outcome === "stopped") {
          await save({ phase: "stopped", finishedAt: now(), error: "the repository left the installation" });
          o.log.info(
            { installation: installationId, repository: fullName },
            "backfill: repository left the installation; stopped",
          );
        }
        if (result.outcome === "halted" && requeued && !stop.signal.aborted) {
          o.log.info(
            { installation: installationId, repository: fullName },
            "backfill: repository queued again with an earlier window; starting it again",
          );
          continue;
        }
        report.runs.push({ repositoryId: run.repositoryId, fullName, outcome: result.outcome });
        if (result.outcome === "halted") {
          report.halted = true;
          break;
        }
      } catch (error) {
        if (stop.signal.aborted) {
          report.halted = true;
          break;
        }
        const described = describeGitHubError(error);
        const failure = formatGitHubFailure(described);
        if (isTransient(error, described.status)) {
          // GitHub's 5xx or the network: the run keeps its place and is tried again after a pause.
          o.log.warn(
            { installation: installationId, repository: fullName },
            `backfill interrupted, will retry: ${failure}`,
          );
          await save({ error: failure });
          report.runs.push({ repositoryId: run.repositoryId, fullName, outcome: "retry", error: failure });
          report.retry = true;
          break;
        }
        o.log.warn({ installation: installationId, repository: fullName }, `backfill failed: ${failure}`);
        await save({ phase: "failed", finishedAt: now(), error: failure });
        report.runs.push({ repositoryId: run.repositoryId, fullName, outcome: "failed", error: failure });
      } finally {
        current = null;
      }
    }
  } finally {
    clearInterval(renew);
    clearInterval(progress);
    o.signal?.removeEventListener("abort", onOuterAbort);
    await o.store.backfills.releaseBackfillLease(installationId, o.worker).catch(() => undefined);
  }
  return report;
}

function logProgress(log: Logger, run: BackfillRun, fullName: string, now: number): void {
  const estimate = estimateBackfill(run, now);
  log.info(
    {
      installation: run.installationId,
      repository: fullName,
      phase: run.phase,
      pullsRead: run.pullsRead,
      merged: run.merged,
      deployments: run.deployments,
      ...(run.deploymentsTotal === null ? {} : { deploymentsTotal: run.deploymentsTotal }),
      ...(run.reachedAt === null ? {} : { reached: new Date(run.reachedAt).toISOString() }),
      requests: run.requests,
      done: `${Math.round(estimate.done * 100)}%`,
      ...(estimate.remainingMs === null ? {} : { remainingSeconds: Math.round(estimate.remainingMs / 1000) }),
    },
    "backfill: progress",
  );
}

export interface BackfillRunnerOptions extends Omit<BackfillPassOptions, "worker" | "signal"> {
  /** How often the queue is looked at (default 5 s). */
  pollMs?: number;
  id?: string;
  /**
   * The drift check: each repository's recent history read again this often (DRIFT_INTERVAL_MS,
   * default daily; 0: off), at most `maxDays` back, recording what the ledger lacks.
   */
  drift?: { everyMs: number; maxDays: number };
}

/** How often the runner looks for repositories due for a drift check, and how many it queues at once. */
const DRIFT_LOOK_MS = 60_000;
const DRIFT_BATCH = 200;

/** The app's backfill loop: claims installations with queued backfills, one pass at a time. */
export class BackfillRunner {
  readonly id: string;
  readonly #o: BackfillRunnerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  /** Installations whose last pass met a transient error, and until when they wait. */
  readonly #pause = new Map<number, { at: number }>();
  readonly #failures = new Map<number, number>();
  readonly #stop = new AbortController();
  #driftLookedAt = Number.NEGATIVE_INFINITY;

  constructor(options: BackfillRunnerOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.#o = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.runOnce(), this.#o.pollMs ?? 5_000);
    this.#timer.unref();
    void this.runOnce();
  }

  /** Something was queued: look now rather than at the next poll. */
  notify(): void {
    if (this.#timer) void this.runOnce();
  }

  /** Stops: the pass in hand saves its progress and ends (another instance, or the next start, goes on). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stop.abort(new Error("stopping"));
    await this.#running;
  }

  /** Claims and backfills installations until none is waiting; never throws. */
  runOnce(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const now = this.#o.now ?? Date.now;
    const run = (async () => {
      do {
        this.#again = false;
        try {
          await this.#queueDrift(now());
          for (;;) {
            if (this.#stop.signal.aborted) return;
            const at = now();
            for (const [id, until] of this.#pause) if (until.at <= at) this.#pause.delete(id);
            const installationId = await this.#o.store.backfills.claimBackfill({
              worker: this.id,
              now: at,
              leaseMs: this.#o.leaseMs ?? 2 * 60_000,
              exclude: [...this.#pause.keys()],
            });
            if (installationId === null) break;
            const report = await backfillInstallation(installationId, {
              ...this.#o,
              worker: this.id,
              signal: this.#stop.signal,
            });
            if (report.halted) return;
            if (report.retry) {
              // 30 s, doubling to 15 minutes, while the errors go on.
              const failures = (this.#failures.get(installationId) ?? 0) + 1;
              this.#failures.set(installationId, failures);
              this.#pause.set(installationId, { at: now() + Math.min(30_000 * 2 ** (failures - 1), 15 * 60_000) });
            } else {
              this.#failures.delete(installationId);
            }
          }
        } catch (error) {
          // The ledger unreachable, or no token for the installation: the next poll tries again.
          this.#o.log.warn(`backfill pass failed: ${String((error as Error)?.message ?? error).slice(0, 500)}`);
          return;
        }
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  /** Queues drift checks of the repositories due (instances doing it at once queue each once). */
  async #queueDrift(at: number): Promise<void> {
    const drift = this.#o.drift;
    if (!drift || drift.everyMs <= 0 || at - this.#driftLookedAt < Math.min(DRIFT_LOOK_MS, drift.everyMs)) return;
    this.#driftLookedAt = at;
    const due = await this.#o.store.backfills.dueForDrift({ now: at, everyMs: drift.everyMs, limit: DRIFT_BATCH });
    for (const candidate of due) {
      await this.#o.store.backfills.requestBackfills({
        installationId: candidate.installationId,
        repositoryIds: [candidate.repositoryId],
        since: driftWindowSince({ now: at, maxDays: drift.maxDays, ...candidate }),
        kind: "drift",
        now: at,
      });
    }
    if (due.length > 0) this.#o.log.debug({ repositories: due.length }, "drift check queued");
  }
}
