// How far a repository's backfill has gone and how long it may still take, from its stored
// progress: the pull-request walk goes newest updated first, so the share of the window it has
// passed is how far back its oldest page reached; deployments are counted once listed.

import type { BackfillRun } from "../../model/ledger.js";

export interface BackfillEstimate {
  /** 0…1 of the whole run (pull requests weigh most: they cost most of the requests). */
  done: number;
  /** Milliseconds left at the pace so far; null until there is a pace to go by. */
  remainingMs: number | null;
}

/** The share of the pull-request phase in a run's work. */
const PULLS_WEIGHT = 0.8;

export function estimateBackfill(run: BackfillRun, now: number): BackfillEstimate {
  if (run.phase === "done") return { done: 1, remainingMs: 0 };
  if (run.phase === "pending" || run.startedAt === null) return { done: 0, remainingMs: null };
  let done: number;
  if (run.phase === "pulls") {
    const span = run.startedAt - run.windowSince;
    const passed = run.reachedAt === null ? 0 : run.startedAt - Math.max(run.reachedAt, run.windowSince);
    done = span > 0 ? PULLS_WEIGHT * Math.min(Math.max(passed / span, 0), 1) : 0;
  } else if (run.phase === "deployments") {
    const total = run.deploymentsTotal ?? 0;
    done = PULLS_WEIGHT + (1 - PULLS_WEIGHT) * (total > 0 ? Math.min(run.deployments / total, 1) : 0);
  } else {
    // failed, stopped: no estimate, the run is not going on.
    return { done: 0, remainingMs: null };
  }
  const elapsed = now - run.startedAt;
  if (done <= 0.01 || elapsed <= 0) return { done, remainingMs: null };
  return { done, remainingMs: Math.round((elapsed * (1 - done)) / done) };
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * The window of a repository's drift check: from a day before its last check (or its install)
 * ended, so that what a missed delivery left out since then is read again, but never more than
 * `maxDays` back (a repository checked for the first time after a long outage: the last
 * `maxDays`).
 */
export function driftWindowSince(options: {
  now: number;
  lastFinishedAt: number | null;
  installedSince: number | null;
  maxDays: number;
}): number {
  const from = options.lastFinishedAt ?? options.installedSince ?? options.now - options.maxDays * DAY_MS;
  return Math.max(from - DAY_MS, options.now - options.maxDays * DAY_MS);
}
