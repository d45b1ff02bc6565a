// The redelivery sweep: GitHub does not redeliver a failed webhook delivery by itself, so every
// so often (src/inbox/redelivery-sweeper.ts) the App's recent deliveries are listed, newest first,
// back to the last sweep's watermark, and each event that failed and never reached the inbox is
// redelivered; again, a few times at most, when its redelivery failed too
// (src/ledger/core/redelivery.ts decides which). Instances sharing a ledger
// take turns under one lease; a sweep reads at most `maxPages` pages, and the next one goes on
// where it stopped.

import type { Logger, ProbotOctokit } from "probot";
import { listHookDeliveries, redeliverHookDelivery } from "../github/hook-deliveries.js";
import type { Store, SweepState } from "../store/types.js";
import { describeGitHubError, formatGitHubFailure } from "../util/github-errors.js";
import { decideRedeliveries, type HookDelivery, succeeded, withinWindow } from "./core/redelivery.js";

/** The sweep of the App's webhook (GET /app/hook/deliveries): the ledger's row for it. */
export const APP_HOOK_SWEEP = "app";

/** GitHub keeps an App's deliveries this long; an older one cannot be redelivered. */
export const DELIVERY_HISTORY_MS = 3 * 24 * 60 * 60_000;

export interface RedeliverMissedOptions {
  store: Pick<Store, "inbox" | "redeliveries">;
  /** App-authenticated (JWT): auth() without an installation id. */
  octokit: ProbotOctokit;
  log: Pick<Logger, "info" | "warn" | "debug">;
  /** When the sweep starts: its window of deliveries is read from here. */
  now: number;
  /**
   * The time as the sweep goes on, for its lease: each renewal and its end are written at the
   * time they happen (a sweep of slow pages would lose a lease renewed at its start time). Default:
   * `now`, fixed.
   */
  clock?: () => number;
  /** Who sweeps (written on the lease and on each redelivery). */
  worker: string;
  /** Pages of 100 deliveries read per sweep (default 10); the next sweep goes on from there. */
  maxPages?: number;
  /** How long the lease lasts unless renewed (each page renews it). Default 5 minutes. */
  leaseMs?: number;
  /** No sweep within this long of the last one's end, by any instance. Default 0. */
  restMs?: number;
}

export interface RedeliveredEvent {
  guid: string;
  deliveryId: number;
  event: string;
  action: string | null;
  installationId: number | null;
  deliveredAt: number;
}

export interface SweepReport {
  /** False: another instance holds the lease, or swept less than `restMs` ago. */
  swept: boolean;
  pages: number;
  /** Attempts examined (newer than the watermark). */
  examined: number;
  redelivered: RedeliveredEvent[];
  /** Failed events not redelivered: already in the inbox, succeeded later, or redelivered before (and not failed since, or asked enough). */
  skipped: number;
  /** Redeliveries GitHub refused for good (the delivery too old, gone): not asked again. */
  refused: number;
  watermarkId: number | null;
  /** Whether deliveries remain below a walk the page budget cut short (the next sweep reads them). */
  more: boolean;
  /** What stopped the sweep early (a GitHub error, a lost lease); the next sweep starts again from the watermark. */
  error?: string;
}

/** The time now, as options.clock tells it (the sweep's start without one). */
const clockOf = (options: RedeliverMissedOptions) => options.clock?.() ?? options.now;

export async function redeliverMissedDeliveries(options: RedeliverMissedOptions): Promise<SweepReport> {
  const { store, log, now, worker } = options;
  const clock = () => clockOf(options);
  const maxPages = options.maxPages ?? 10;
  const report: SweepReport = {
    swept: false,
    pages: 0,
    examined: 0,
    redelivered: [],
    skipped: 0,
    refused: 0,
    watermarkId: null,
    more: false,
  };
  const claimed = await store.redeliveries.claimSweep({
    sweep: APP_HOOK_SWEEP,
    worker,
    now,
    leaseMs: options.leaseMs ?? 5 * 60_000,
    restMs: options.restMs ?? 0,
  });
  if (!claimed) return report;
  report.swept = true;
  // What the ledger holds: progress is saved only when a walk is through or cut short, so a sweep
  // stopped by an error is read again from here (the redeliveries it asked are claimed: not again).
  let saved: SweepState = claimed;
  const save = async (state: SweepState) => {
    if (!(await store.redeliveries.saveSweep(APP_HOOK_SWEEP, worker, state, clock()))) {
      throw new LostLease();
    }
    saved = state;
  };
  let finished = true;
  try {
    // A walk cut short last time goes on first; then one from the newest delivery down.
    for (;;) {
      const resuming = saved.resume !== null;
      const walk = await walkDown(saved, maxPages - report.pages, options, report);
      await save(walk);
      if (walk.resume !== null) {
        report.more = true;
        break;
      }
      if (!resuming || report.pages >= maxPages) break;
    }
  } catch (error) {
    if (error instanceof LostLease) {
      finished = false;
      report.error = "another instance took the sweep over (its lease expired)";
    } else {
      report.error = formatGitHubFailure(describeGitHubError(error));
    }
  } finally {
    report.watermarkId = saved.watermarkId;
    if (finished) await store.redeliveries.finishSweep(APP_HOOK_SWEEP, worker, clock());
  }
  if (report.error) {
    log.warn(
      { redelivered: report.redelivered.length, pages: report.pages },
      `redelivery sweep stopped: ${report.error}; the next sweep goes on from the last watermark`,
    );
  }
  if (report.redelivered.length > 0) {
    log.info(
      { redelivered: report.redelivered, examined: report.examined, pages: report.pages },
      `redelivery sweep: asked GitHub to redeliver ${report.redelivered.length} failed ${
        report.redelivered.length === 1 ? "delivery" : "deliveries"
      }`,
    );
  } else {
    log.debug(
      { examined: report.examined, pages: report.pages, skipped: report.skipped },
      "redelivery sweep: nothing to redeliver",
    );
  }
  return report;
}

class LostLease extends Error {}

/**
 * Reads pages down from the resume cursor (or the newest delivery) until the watermark, at most
 * `budget` pages, redelivering as it goes. Returns the state to save: the walk through (the
 * watermark moves up to the newest id it covered), or cut short (where to go on).
 */
async function walkDown(
  from: SweepState,
  budget: number,
  options: RedeliverMissedOptions,
  report: SweepReport,
): Promise<SweepState> {
  const { store, octokit, now } = options;
  let cursor = from.resume?.cursor ?? null;
  let top = from.resume?.untilId ?? null;
  // Events with a successful attempt on an earlier page (newest first: a success comes before the failure it mends).
  const succeededGuids = new Set<string>();
  for (let pages = 0; pages < budget; pages++) {
    // Each page renews the lease (the state saved is still the walk's start).
    if (pages > 0 && !(await store.redeliveries.saveSweep(APP_HOOK_SWEEP, options.worker, from, clockOf(options)))) {
      throw new LostLease();
    }
    const page = await listHookDeliveries(octokit, cursor);
    report.pages++;
    const { fresh, through } = withinWindow(page.deliveries, {
      watermarkId: from.watermarkId,
      oldestAt: now - DELIVERY_HISTORY_MS,
      lastPage: page.next === null,
    });
    report.examined += fresh.length;
    for (const d of fresh) top = Math.max(top ?? d.id, d.id);
    await redeliverFailed(fresh, succeededGuids, options, report);
    if (through || top === null) return { watermarkId: top ?? from.watermarkId, resume: null };
    cursor = page.next;
  }
  return { watermarkId: from.watermarkId, resume: cursor !== null && top !== null ? { cursor, untilId: top } : null };
}

async function redeliverFailed(
  deliveries: HookDelivery[],
  succeededGuids: Set<string>,
  options: RedeliverMissedOptions,
  report: SweepReport,
): Promise<void> {
  const { store, octokit, now, worker } = options;
  const failed = [...new Set(deliveries.filter((d) => !succeeded(d)).map((d) => d.guid))];
  const [received, redelivered] = await Promise.all([
    store.inbox.receivedDeliveries(failed),
    store.redeliveries.redeliveredGuids(failed),
  ]);
  const decisions = decideRedeliveries({ deliveries, received, redelivered, succeededGuids });
  for (const d of deliveries) if (succeeded(d)) succeededGuids.add(d.guid);
  for (const decision of decisions) {
    if (decision.verdict !== "redeliver") {
      report.skipped++;
      continue;
    }
    const { delivery, asked } = decision;
    // Claimed before the request: of two instances, or a sweep and its successor, one asks.
    if (
      !(await store.redeliveries.claimRedelivery({
        guid: delivery.guid,
        deliveryId: delivery.id,
        event: delivery.event,
        worker,
        now,
        asked,
      }))
    ) {
      report.skipped++;
      continue;
    }
    try {
      await redeliverHookDelivery(octokit, delivery.id);
    } catch (error) {
      const status = describeGitHubError(error).status;
      if (status === 400 || status === 404 || status === 422) {
        // GitHub will not redeliver it (too old, gone): asking again would not help.
        report.refused++;
        options.log.warn(
          { guid: delivery.guid, deliveryId: delivery.id, event: delivery.event },
          `redelivery sweep: GitHub refused to redeliver (${formatGitHubFailure(describeGitHubError(error))})`,
        );
        continue;
      }
      await store.redeliveries.releaseRedelivery(delivery.guid, worker, asked);
      throw error;
    }
    report.redelivered.push({
      guid: delivery.guid,
      deliveryId: delivery.id,
      event: delivery.event,
      action: delivery.action,
      installationId: delivery.installationId,
      deliveredAt: delivery.deliveredAt,
    });
  }
}
