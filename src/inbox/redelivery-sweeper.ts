// Runs the redelivery sweep (src/ledger/redeliver-missed.ts) every RECONCILE_INTERVAL_MS in the
// app process, with the App's JWT. Instances sharing a ledger take turns (its lease); a sweep that
// fails is logged by the sweep itself and the next one carries on: a timer never crashes the app.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger, ProbotOctokit } from "probot";
import { redeliverMissedDeliveries, type SweepReport } from "../ledger/redeliver-missed.js";
import type { Store } from "../store/types.js";

export interface RedeliverySweeperOptions {
  store: Pick<Store, "inbox" | "redeliveries">;
  /** An Octokit: app-authenticated (JWT) when no installation id is given. */
  auth: (installationId?: number) => Promise<ProbotOctokit>;
  log: Logger;
  intervalMs: number;
  now?: () => number;
  /** Pages of 100 deliveries a sweep reads at most (default 10). */
  maxPages?: number;
  id?: string;
}

export class RedeliverySweeper {
  readonly id: string;
  readonly #o: RedeliverySweeperOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SweepReport | null> | null = null;

  constructor(options: RedeliverySweeperOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.#o = options;
  }

  /** Sweeps every interval, the first one interval after start. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.sweep(), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One sweep now (null: one was already running here, or it could not start); never throws. */
  sweep(now = (this.#o.now ?? Date.now)()): Promise<SweepReport | null> {
    if (this.#running) return Promise.resolve(null);
    const run = (async () => {
      try {
        return await redeliverMissedDeliveries({
          store: this.#o.store,
          octokit: await this.#o.auth(),
          log: this.#o.log,
          now,
          clock: this.#o.now ?? Date.now,
          worker: this.id,
          maxPages: this.#o.maxPages ?? 10,
          // Instances take turns: none sweeps within half an interval of another's sweep.
          restMs: Math.floor(this.#o.intervalMs / 2),
          leaseMs: Math.max(this.#o.intervalMs, 5 * 60_000),
        });
      } catch (error) {
        // The ledger unreachable, or no JWT: the next interval tries again.
        this.#o.log.warn(`redelivery sweep failed: ${String((error as Error)?.message ?? error).slice(0, 500)}`);
        return null;
      } finally {
        this.#running = null;
      }
    })();
    this.#running = run;
    return run;
  }
}
