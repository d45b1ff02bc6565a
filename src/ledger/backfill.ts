// Backfilling a repository's history: the merged pull requests and production deployments of a
// window before the app was installed (or while it heard nothing), recorded through the same use
// cases as live webhooks, in the order they happened, so that the ledger ends as live delivery of
// that history would have left it. Only the ledger is written: no check run is published for
// history (it would spam old commits).
//
// This first version reads GitHub's REST lists (pull requests by update time, deployments and
// their statuses) for repositories whose production deployments are GitHub deployments
// (`deployments.source: deployment`, the default). README's "Backfill (in progress)" says what
// it does not do yet.

import type { PullRequestLike } from "../changes/from-pull.js";
import { deploymentHistory } from "./backfill-deployments.js";
import { type LinkContext, linkDeploymentEvent } from "./link-deployment.js";
import { recordMergedPull } from "./record-merge.js";

export interface BackfillWindow {
  /** The earliest merge or deployment success read (ms). */
  since: number;
}

export interface BackfillResult {
  merged: number;
  deployments: number;
  /** Why parts of the history were not read (a deployment source this version does not read). */
  notes: string[];
}

/** A step of the history: a merge, or a deployment's success, at a time. */
type Step =
  | { at: number; kind: "merge"; pull: PullRequestLike }
  | { at: number; kind: "deployment"; event: { name: string; payload: unknown } };

/** Pull requests per page (GitHub's maximum). */
const PAGE = 100;

/**
 * Reads the repository's merged pull requests and production deployments since `window.since`
 * and records them in the order they happened. A deployment older than the window is not read:
 * the first deployment in the window finds it on GitHub as its predecessor, so it ships only the
 * changes in between, as it would have live.
 */
export async function backfillRepository(lc: LinkContext, window: BackfillWindow): Promise<BackfillResult> {
  const notes: string[] = [];
  const steps: Step[] = [];
  for (const pull of await mergedPullsSince(lc, window.since)) {
    steps.push({ at: Date.parse(pull.merged_at as string), kind: "merge", pull });
  }
  const history = await deploymentHistory(lc, window.since);
  notes.push(...history.notes);
  for (const step of history.steps) steps.push({ at: step.at, kind: "deployment", event: step.event });
  // In the order they happened; a merge before a deployment of the same instant, as live.
  steps.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === "merge" ? -1 : 1));
  let merged = 0;
  let deployments = 0;
  for (const step of steps) {
    if (step.kind === "merge") {
      await recordMergedPull(lc, step.pull);
      merged++;
    } else if (await linkDeploymentEvent(lc, step.event)) {
      deployments++;
    }
  }
  lc.log.info({ merged, deployments, since: new Date(window.since).toISOString() }, "backfill: repository done");
  return { merged, deployments, notes };
}

/** Merged pull requests of the repository merged at or after `since`, read newest-updated first. */
async function mergedPullsSince(lc: LinkContext, since: number): Promise<PullRequestLike[]> {
  const { owner, repo } = lc.scope;
  const merged: PullRequestLike[] = [];
  for (let page = 1; ; page++) {
    const { data } = await lc.octokit.rest.pulls.list({
      owner,
      repo,
      state: "closed",
      sort: "updated",
      direction: "desc",
      per_page: PAGE,
      page,
    });
    for (const pull of data as unknown as PullRequestLike[]) {
      if (pull.merged_at && Date.parse(pull.merged_at) >= since) merged.push(pull);
    }
    // Updated before the window: merged before it too (a merge updates the pull request).
    const last = data.at(-1) as { updated_at?: string } | undefined;
    if (data.length < PAGE || (last?.updated_at && Date.parse(last.updated_at) < since)) return merged;
  }
}
