// Backfilling a repository's history: the merged pull requests and production deployments of a
// window before the app was installed (or while it heard nothing), recorded through the same use
// cases as live webhooks, so that the ledger ends as live delivery of that history would have
// left it. Only the ledger is written: no check run is published for history (it would spam old
// commits).
//
// Two phases, each resumable from the progress it stores:
// - pulls: the merged pull requests, newest updated first, a GraphQL page at a time with their
//   commits, merge commit and files (src/github/merged-pulls.ts); each page is recorded, then its
//   cursor saved. A merge's facts (commits, times) are all the ledger keeps, so the order merges
//   are recorded in does not matter.
// - deployments: the window's production deployments from the configured source, oldest success
//   first (backfill-deployments.ts), each linked as its webhook would have been; after each one
//   its key is saved. Every merge of the window is known by then, as it was live when each
//   deployment happened (a merge after a deployment is not in its range of commits, whatever the
//   order of recording).
// A deployment older than the window is not read: the first deployment in the window finds it on
// GitHub as its predecessor, so it ships only the changes in between, as it would have live.

import { TraceIndex } from "../attribution/agent-trace.js";
import { type MergedPull, readMergedPullPage } from "../github/merged-pulls.js";
import {
  type RepositoryRecordIndex,
  readPullsRecords,
  readRepositoryRecordIndex,
} from "../github/repository-records.js";
import type { BackfillPhase, BackfillProgress } from "../store/types.js";
import { describeGitHubError } from "../util/github-errors.js";
import { type DeploymentStep, deploymentHistory, readBranchHistory } from "./backfill-deployments.js";
import { CommitGraph } from "./core/commit-graph.js";
import { compareDeployments } from "./core/deployment-order.js";
import { type LinkContext, linkDeploymentEvent } from "./link-deployment.js";
import { recordMergedPull } from "./record-merge.js";

export interface BackfillWindow {
  /** The earliest merge or deployment success read (ms). */
  since: number;
}

/** Where a stopped run goes on: its stored progress. */
export interface BackfillResume {
  phase: BackfillPhase;
  cursor: string | null;
  pullsRead: number;
  merged: number;
  deployments: number;
}

export interface BackfillOptions {
  resume?: BackfillResume;
  /** Stores progress; false when the run may not go on (its lease was lost): it stops there. */
  save?: (progress: BackfillProgress) => Promise<boolean>;
  /** Asked before each page: false when the repository left the installation (the run stops). */
  stillInstalled?: () => Promise<boolean>;
  /** Aborts between requests (shutdown): the run stops with its progress saved. */
  signal?: AbortSignal;
  /** Pull requests per GraphQL page (default: the reader's). */
  pageSize?: number;
  /**
   * The drift sweep: what the ledger already has in full is not recorded again, and what it lacked
   * is counted (`missing`).
   */
  onlyMissing?: boolean;
  /** Requests spent so far (the RateBudget's count), stored with the progress. */
  requests?: () => number;
  /** Told each page's GraphQL `rateLimit { cost remaining limit resetAt }` (the RateBudget keeps it). */
  onRateLimit?: (window: { limit: number; remaining: number; resetAt: number }) => void;
}

export interface BackfillResult {
  /** done: read to the end; stopped: the repository left the installation; halted: lease lost or aborted. */
  outcome: "done" | "stopped" | "halted";
  /** Merged pull requests read in the window, and deployments linked. */
  merged: number;
  deployments: number;
  pullsRead: number;
  /** With onlyMissing: what the ledger lacked and now has. */
  missing: { merges: number; deployments: number };
  /** Whether the deploying branch's history was walked (ranges settled locally, no compare call each). */
  walkedBranch: boolean;
  /** Why parts of the history were not read. */
  notes: string[];
}

/** Thrown inside a run to end it early; its progress is saved already. */
class Halt extends Error {}

export async function backfillRepository(
  lc: LinkContext,
  window: BackfillWindow,
  options: BackfillOptions = {},
): Promise<BackfillResult> {
  const resume = options.resume;
  const result: BackfillResult = {
    outcome: "done",
    merged: resume?.merged ?? 0,
    deployments: resume?.deployments ?? 0,
    pullsRead: resume?.pullsRead ?? 0,
    missing: { merges: 0, deployments: 0 },
    walkedBranch: false,
    notes: [],
  };
  // Commits of the merges read (an estimate of the window's history, for whether to walk it).
  const seen = { commits: 0 };
  const save = async (progress: BackfillProgress) => {
    const requests = options.requests?.();
    const ok = options.save
      ? await options.save({ ...progress, ...(requests === undefined ? {} : { requests }) })
      : true;
    if (!ok) throw new Halt("lease lost");
    // Saved first: a stop between two steps repeats neither.
    if (options.signal?.aborted && progress.phase !== "done") throw new Halt("aborted");
  };
  try {
    const phase = resume?.phase ?? "pending";
    if (phase === "pending" || phase === "pulls") {
      await readPulls(lc, window, options, phase === "pulls" ? (resume?.cursor ?? null) : null, result, save, seen);
    }
    await readDeployments(
      lc,
      window,
      options,
      phase === "deployments" ? (resume?.cursor ?? null) : null,
      result,
      save,
      seen,
    );
  } catch (error) {
    if (error instanceof Halt) {
      result.outcome = error.message === "stopped" ? "stopped" : "halted";
      return result;
    }
    throw error;
  }
  lc.log.info(
    {
      repository: lc.scope.fullName,
      merged: result.merged,
      deployments: result.deployments,
      since: new Date(window.since).toISOString(),
      ...(options.onlyMissing ? { missing: result.missing } : {}),
    },
    "backfill: repository done",
  );
  return result;
}

type Save = (progress: BackfillProgress) => Promise<void>;

async function readPulls(
  lc: LinkContext,
  window: BackfillWindow,
  options: BackfillOptions,
  from: string | null,
  result: BackfillResult,
  save: Save,
  seen: { commits: number },
): Promise<void> {
  const { owner, repo } = lc.scope;
  let cursor = from;
  await save({ phase: "pulls", cursor });
  // Agent records once per repository and pass (repository-records.ts): the notes refs' trees and
  // the traces file, then per page only the notes of its commits. Live, each check read its own.
  const index = await recordIndex(lc, result);
  for (;;) {
    if (options.stillInstalled && !(await options.stillInstalled())) throw new Halt("stopped");
    const page = await readMergedPullPage(lc.octokit, {
      owner,
      repo,
      after: cursor,
      // As live: a merged pull request's files are always recorded (reports may ignore paths
      // by the instance's METRIC_IGNORE_PATHS as well as by the repository's file).
      withFiles: true,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    });
    if (page.rateLimit) options.onRateLimit?.(page.rateLimit);
    const toRecord: MergedPull[] = [];
    for (const merged of page.pulls) {
      result.pullsRead++;
      const mergedAt = merged.pull.merged_at ? Date.parse(merged.pull.merged_at) : Number.NaN;
      if (!(mergedAt >= window.since)) continue;
      result.merged++;
      seen.commits += merged.commits.length + 1;
      if (options.onlyMissing && (await knownInFull(lc, merged.pull.number, merged.pull.head.sha))) continue;
      toRecord.push(merged);
    }
    const { records } = await readPullsRecords(
      lc.octokit,
      { owner, repo },
      index,
      toRecord.map((m) => m.commits),
    );
    for (const merged of toRecord) {
      await recordMergedPull(lc, merged.pull, {
        commits: merged.commits,
        mergeCommit: merged.mergeCommit,
        ...(merged.files ? { files: merged.files } : {}),
        ...(records.size > 0 ? { agentRecords: records } : {}),
      });
      if (options.onlyMissing) result.missing.merges++;
    }
    // Newest updated first: a pull request updated before the window was merged before it too.
    const done = !page.hasNextPage || (page.oldestUpdatedAt !== null && page.oldestUpdatedAt < window.since);
    cursor = page.endCursor;
    await save({
      phase: done ? "deployments" : "pulls",
      cursor: done ? null : cursor,
      pullsRead: result.pullsRead,
      merged: result.merged,
      ...(page.oldestUpdatedAt === null ? {} : { reachedAt: page.oldestUpdatedAt }),
    });
    if (done) return;
  }
}

/**
 * The repository's agent records, or none when GitHub refuses them (403, 404, 422): records add to
 * what the messages say, as in the check, so the history is still read without them (noted).
 */
async function recordIndex(lc: LinkContext, result: BackfillResult): Promise<RepositoryRecordIndex> {
  const { owner, repo, defaultBranch } = lc.scope;
  try {
    const index = await readRepositoryRecordIndex(lc.octokit, { owner, repo, defaultBranch });
    for (const warning of index.warnings) result.notes.push(warning);
    return index;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 403 && status !== 404 && status !== 422) throw error;
    result.notes.push(`agent records (git-ai notes, Agent Trace) not read: ${describeGitHubError(error).message}`);
    return { notes: new Map(), traces: TraceIndex.of([]), calls: 0, warnings: [], joined: new Map() };
  }
}

/** The ledger has this pull request merged, attributed at this head: nothing to record. */
async function knownInFull(lc: LinkContext, number: number, headSha: string): Promise<boolean> {
  const known = await lc.store.changes.getChange(lc.scope.installationId, lc.scope.repositoryId, number);
  return known !== null && known.state === "merged" && known.attributedSha === headSha;
}

/**
 * The keys of the window's one-commit push steps that a push the ledger already has covers: a push
 * `before..after` covers the first-parent commits after `before` up to `after` (all of the window's
 * before `after`, when `before` is older than the window).
 */
async function livePushed(lc: LinkContext, steps: readonly DeploymentStep[]): Promise<Set<string>> {
  const at = new Map<string, number>();
  steps.forEach((step, i) => {
    const after = (step.event.payload as { after?: unknown }).after;
    if (typeof after === "string") at.set(after.toLowerCase(), i);
  });
  const covered = new Set<string>();
  for (const d of await lc.store.deployments.listDeployments(lc.scope.installationId, lc.scope.repositoryId)) {
    const range = /^push:([0-9a-f]{40,64})\.\.([0-9a-f]{40,64})$/.exec(d.sourceKey);
    if (!range) continue;
    const last = at.get(range[2] as string);
    if (last === undefined) continue;
    const first = at.get(range[1] as string);
    for (let i = last; i > (first ?? -1); i--) covered.add((steps[i] as DeploymentStep).key);
  }
  return covered;
}

/** A deployment step's place in the window's order, for resuming after it. */
const stepCursor = (step: { at: number; key: string }) => `${String(step.at).padStart(15, "0")} ${step.key}`;

/** A saved step cursor read back (null for one that is not: then nothing is taken as done). */
function parseStepCursor(cursor: string): { succeededAt: number; sourceKey: string } | null {
  const match = /^(\d{15}) (.+)$/s.exec(cursor);
  return match ? { succeededAt: Number(match[1]), sourceKey: match[2] as string } : null;
}

async function readDeployments(
  lc: LinkContext,
  window: BackfillWindow,
  options: BackfillOptions,
  after: string | null,
  result: BackfillResult,
  save: Save,
  seen: { commits: number },
): Promise<void> {
  if (options.stillInstalled && !(await options.stillInstalled())) throw new Halt("stopped");
  const graph = new CommitGraph();
  const lcg: LinkContext = { ...lc, ranges: graph };
  const history = await deploymentHistory(lcg, window.since, { graph });
  result.notes.push(...history.notes);
  await save({ phase: "deployments", cursor: after, deploymentsTotal: history.steps.length, notes: result.notes });
  // After the saved step in the steps' own order (compareDeployments: at the same time, the shorter
  // key first), not in the cursor text's: "deployment:10000" comes after "deployment:9999".
  const saved = after === null ? null : parseStepCursor(after);
  const remaining = history.steps.filter(
    (step) => saved === null || compareDeployments({ succeededAt: step.at, sourceKey: step.key }, saved) > 0,
  );
  // What each deployment shipped is read from GitHub's compare, one call (or more) a deployment;
  // a walk of the deploying branch reads the window's commits at 100 a call and settles them all
  // locally. Walked when it costs fewer calls (the push source walked its branch already).
  const commits = seen.commits > 0 ? seen.commits : result.merged * 4;
  if (lc.config.deployments.source !== "push" && remaining.length > 1 && commits / 100 < remaining.length) {
    const branch = lc.config.deployments.branch ?? lc.scope.defaultBranch;
    await readBranchHistory(lcg, { branch, since: window.since, graph });
    result.walkedBranch = true;
  } else if (lc.config.deployments.source === "push") {
    result.walkedBranch = true;
  }
  // A drift check of pushes: the window's walk takes each first-parent commit as a push of its own,
  // where live delivery recorded one push of several commits. Those commits are not missing.
  const pushed =
    options.onlyMissing && lc.config.deployments.source === "push" ? await livePushed(lc, remaining) : null;
  for (const step of remaining) {
    const cursor = stepCursor(step);
    if (pushed?.has(step.key)) continue;
    if (options.onlyMissing) {
      const known = await lc.store.deployments.findDeployment(lc.scope.installationId, lc.scope.repositoryId, step.key);
      if (known && known.settledAt !== null) continue;
    }
    if (await linkDeploymentEvent(lcg, step.event)) {
      result.deployments++;
      if (options.onlyMissing) result.missing.deployments++;
    }
    await save({ phase: "deployments", cursor, deployments: result.deployments });
  }
  await save({ phase: "done", cursor: null, deployments: result.deployments, notes: result.notes });
}
