// The demo's "installed late" variant (`shipledger demo --installed-late`): the story's four weeks
// happened on GitHub before the app was there, so the only webhook is installation.created, and
// the app's backfill (src/inbox/backfill-runner.ts) reads the history. This file watches that read
// the way `shipledger backfill status` shows it, and says what it cost.

import { estimateBackfill } from "../ledger/core/backfill-progress.js";
import type { BackfillRun, Store } from "../store/types.js";
import type { RecordedRequest } from "./fake-github.js";

const ENDED = new Set(["done", "failed", "stopped"]);

/** One progress line of a run, from the fields `shipledger backfill status` shows. */
export function progressLine(run: BackfillRun, now: number): string {
  const done = `${Math.round(estimateBackfill(run, now).done * 100)}%`.padStart(4);
  switch (run.phase) {
    case "pending":
      return `${done}  queued`;
    case "pulls":
      return `${done}  merged pull requests: ${run.pullsRead} read${run.reachedAt === null ? "" : `, back to ${day(run.reachedAt)}`}`;
    case "deployments":
      return `${done}  deployments: ${run.deploymentsTotal === null ? "listing" : `${run.deploymentsTotal} listed`}, ${run.deployments} production linked (${run.merged} merged pull requests recorded)`;
    case "done":
      return `${done}  done: ${run.merged} merged pull requests, ${run.deployments} production deployments, ${run.requests} requests`;
    default:
      return `${done}  ${run.phase}${run.error ? `: ${run.error}` : ""}`;
  }
}

/**
 * Waits for the installation's backfills to end, printing a line whenever one moves on (the poll
 * is fine-grained: against the fake GitHub a read takes a second or so). Throws when one did not
 * end done, or when they take longer than `timeoutMs`.
 */
export async function watchBackfill(
  store: Store,
  installationId: number,
  say: (text: string) => void,
  options: { timeoutMs: number; pollMs?: number },
): Promise<BackfillRun[]> {
  const started = Date.now();
  let last = "";
  for (;;) {
    const runs = await store.backfills.listBackfillRuns(installationId);
    const line = runs.map((run) => progressLine(run, Date.now())).join("; ");
    if (runs.length > 0 && line !== last) {
      say(`  ${seconds(Date.now() - started)}  ${line}`);
      last = line;
    }
    if (runs.length > 0 && runs.every((run) => ENDED.has(run.phase))) {
      const failed = runs.find((run) => run.phase !== "done");
      if (failed) throw new Error(`the backfill ended ${failed.phase}: ${failed.error ?? "no error recorded"}`);
      return runs;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new Error(`the backfill did not finish in ${options.timeoutMs} ms (${line || "nothing queued"})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
}

export interface BackfillCost {
  /** HTTP requests the app made to GitHub from the installation on (the installation's own included). */
  total: number;
  /** GraphQL queries: pages of merged pull requests with their commits and files, records of authorship. */
  graphql: number;
  /** Deployment listings and their statuses. */
  deployments: number;
  /** Commit comparisons (what each production deployment shipped) and commit reads. */
  commits: number;
  /** Installation tokens, the repository listing, configuration files, pull request files. */
  other: number;
  /** Check runs created or updated: none, history gets no check. */
  checkRunWrites: number;
}

export function backfillCost(requests: readonly RecordedRequest[]): BackfillCost {
  const cost: BackfillCost = {
    total: requests.length,
    graphql: 0,
    deployments: 0,
    commits: 0,
    other: 0,
    checkRunWrites: 0,
  };
  for (const r of requests) {
    const path = r.path.split("?")[0] ?? "";
    if (r.method !== "GET" && /\/check-runs(\/|$)/.test(path)) cost.checkRunWrites++;
    else if (path === "/graphql") cost.graphql++;
    else if (/\/deployments(\/|$)/.test(path)) cost.deployments++;
    else if (/\/(compare|git\/commits|commits)\//.test(path)) cost.commits++;
    else cost.other++;
  }
  return cost;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(6);
