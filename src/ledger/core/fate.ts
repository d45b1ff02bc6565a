// What became of a change: which production deployment first shipped it, and whether a revert or
// a rollback undid it. Pure: the facts about a change come in, its fate goes out. Every rule of a
// change's fate is here, once; the store only reads the facts (src/ledger/refresh-fates.ts) and
// keeps the answer in the changes' fate columns, which reports read.

import type { FateChange, MergeMethod } from "../../model/ledger.js";

export type { FateChange };

import { firstDeployment } from "./deployment-order.js";
import { type RevertTarget, targetKey, targetsNaming } from "./revert-target.js";

const DAY_MS = 86_400_000;

/**
 * Merge methods whose change is also identified by its own commits: a rebase (and a fast-forward,
 * linked as one) puts them on the base branch; for a method not known, they may be there. A merge
 * commit or a squash is identified by its merge commit alone.
 */
export const OWN_COMMIT_METHODS = ["rebase", "unknown"] as const satisfies readonly MergeMethod[];

/** Whether a change merged by `method` is identified by its own commits too (null: not recorded). */
export function ownCommitsIdentify(method: string | null): boolean {
  return method === null || (OWN_COMMIT_METHODS as readonly string[]).includes(method);
}

/**
 * GitHub's merge and deployment times are to the second and come from different services: a
 * deployment this close before the merge is taken as after it.
 */
export const SHIP_CLOCK_SLACK_MS = 60_000;

/** A production deployment and the commits it recorded as shipped and as rolled back. */
export interface DeploymentFact {
  id: number;
  repositoryId: number;
  environment: string;
  sha: string;
  sourceKey: string;
  succeededAt: number;
  shipped: readonly string[];
  rolledBack: readonly string[];
}

export interface RevertFact {
  revertingChangeId: number;
  repositoryId: number;
  target: RevertTarget;
}

/**
 * What decides the fates of some changes: the changes themselves, the changes that revert them
 * (and every merged change sharing a title that a title revert names), the deployments that
 * shipped or rolled back any of their commits, and the reverts naming them. Facts beyond these
 * change nothing.
 */
export interface FateFacts {
  changes: readonly FateChange[];
  deployments: readonly DeploymentFact[];
  reverts: readonly RevertFact[];
}

export interface ChangeFate {
  shippedBy: { deploymentId: number; environment: string; sha: string; at: number } | null;
  /** The revert of it that shipped first (a revert that never shipped undoes nothing in production). */
  revertedBy: { changeId: number; at: number } | null;
  /** The first rollback, at or after its shipment, that removed it. */
  rolledBackBy: { deploymentId: number; at: number } | null;
}

const NO_FATE: ChangeFate = Object.freeze({ shippedBy: null, revertedBy: null, rolledBackBy: null });

/**
 * Whether `deployment` can have shipped `change` by one of the pull request's own commits: not
 * when it succeeded before the pull request was merged. A production deployment of a branch (a
 * "deploy this branch" bot) holds those commits before the change exists; a rebase-merged change
 * ships with the first deployment after, by its rebased copies. Its merge commit is never subject
 * to this, nor is a direct push (its time is its author date, which says nothing of when it was
 * pushed).
 */
export function mayShipByOwnCommits(
  change: Pick<FateChange, "kind" | "mergedAt">,
  deployment: Pick<DeploymentFact, "succeededAt">,
): boolean {
  return (
    change.kind === "push" ||
    change.mergedAt === null ||
    deployment.succeededAt >= change.mergedAt - SHIP_CLOCK_SLACK_MS
  );
}

/** Whether these recorded commits hold the change (its merge commit, or its own commits where they count). */
function holds(change: FateChange, commits: readonly string[], ownToo: boolean): boolean {
  for (const sha of commits) {
    if (sha === change.mergeCommitSha) return true;
    if (ownToo && change.commitShas.includes(sha)) return true;
  }
  return false;
}

/** Whether `deployment`, a rollback, removed the change from production (its commits as they count). */
export function removes(change: FateChange, deployment: DeploymentFact): boolean {
  return (
    change.merged &&
    change.deployable &&
    change.repositoryId === deployment.repositoryId &&
    holds(change, deployment.rolledBack, ownCommitsIdentify(change.mergeMethod))
  );
}

/** The first production deployment that shipped the change, or null. */
export function firstShipment(change: FateChange, deployments: Iterable<DeploymentFact>): DeploymentFact | null {
  if (!change.merged || !change.deployable) return null;
  const own = ownCommitsIdentify(change.mergeMethod);
  const shipping: DeploymentFact[] = [];
  for (const d of deployments) {
    if (d.repositoryId !== change.repositoryId) continue; // forks share shas
    if (holds(change, d.shipped, own && mayShipByOwnCommits(change, d))) shipping.push(d);
  }
  return firstDeployment(shipping);
}

/**
 * Whether `change` is the one a title-only revert undoes: merged before the revert, and the latest
 * merged pull request of that title in the repository by then. A direct push takes no part: its
 * "title" is a commit subject and its time an author date, and a title revert cannot name it
 * (targetsNaming), so it cannot be the latest of a title either (a push "Add cache" authored in
 * between would leave a `Revert "Add cache"` undoing nothing).
 */
export function isLatestOfTitleBefore(
  change: FateChange,
  reverting: Pick<FateChange, "mergedAt">,
  sameTitle: Iterable<FateChange>,
): boolean {
  const until = reverting.mergedAt;
  if (change.mergedAt === null || until === null || change.mergedAt >= until) return false;
  const from = change.mergedAt;
  for (const other of sameTitle) {
    if (other.id === change.id || !other.merged || other.repositoryId !== change.repositoryId) continue;
    if (other.number === null) continue; // a direct push (as in targetsNaming)
    if (other.title !== change.title || other.mergedAt === null) continue;
    if (other.mergedAt > from && other.mergedAt < until) return false;
  }
  return true;
}

/**
 * How many links of a revert chain src/ledger/fates.ts reads (a revert, its revert, …: Revert
 * "Revert "Revert "X"""), a bound on its queries; chains are a link or two in practice.
 */
export const MAX_REVERT_CHAIN = 16;

/** The fates of `changeIds`, from `facts`. A change the facts do not hold has no fate. */
export function fatesOf(changeIds: Iterable<number>, facts: FateFacts): Map<number, ChangeFate> {
  const byId = new Map(facts.changes.map((c) => [c.id, c]));
  const shipments = new Map<number, DeploymentFact | null>();
  const shipmentOf = (change: FateChange) => {
    let shipment = shipments.get(change.id);
    if (shipment === undefined) {
      shipment = firstShipment(change, facts.deployments);
      shipments.set(change.id, shipment);
    }
    return shipment;
  };
  const revertsByTarget = new Map<string, RevertFact[]>();
  for (const revert of facts.reverts) {
    const key = `${revert.repositoryId}\u0000${targetKey(revert.target)}`;
    const list = revertsByTarget.get(key);
    if (list) list.push(revert);
    else revertsByTarget.set(key, [revert]);
  }

  // The shipped reverts of a change (each with when it shipped), as its targets name it. A revert
  // of some of its own commits only (`git revert <sha>` of one commit of a merge) is partial: the
  // rest of the change stays in production, and it is not undone. Naming all of them undoes it.
  const revertsOf = (change: FateChange): Array<{ reverting: FateChange; at: number }> => {
    const own = new Set(change.commitShas);
    const whole = new Set<FateChange>();
    const partly = new Map<FateChange, Set<string>>();
    for (const target of targetsNaming(change)) {
      for (const revert of revertsByTarget.get(`${change.repositoryId}\u0000${targetKey(target)}`) ?? []) {
        if (revert.revertingChangeId === change.id) continue;
        const reverting = byId.get(revert.revertingChangeId);
        if (!reverting) continue;
        if (target.kind === "title" && !isLatestOfTitleBefore(change, reverting, facts.changes)) continue;
        if (target.kind === "commit" && own.has(target.sha)) {
          partly.set(reverting, (partly.get(reverting) ?? new Set()).add(target.sha));
        } else {
          whole.add(reverting);
        }
      }
    }
    for (const [reverting, shas] of partly) if (shas.size === own.size) whole.add(reverting);
    const found: Array<{ reverting: FateChange; at: number }> = [];
    for (const reverting of whole) {
      // A revert counts from when it shipped.
      const at = shipmentOf(reverting)?.succeededAt;
      if (at !== undefined) found.push({ reverting, at });
    }
    return found;
  };
  // Whether a shipped revert is undone in turn: reverted by a revert that shipped after it and is
  // not undone itself (`Revert "Revert "X""`, git's `Reapply "X"`: the original counts again).
  // Each link ships strictly later than the one it undoes, so the chain ends, whatever the facts.
  const undone = new Map<number, boolean>();
  const isUndone = (revert: FateChange, at: number): boolean => {
    const known = undone.get(revert.id);
    if (known !== undefined) return known;
    undone.set(revert.id, false); // a loop of reverts naming each other ends here
    const result = revertsOf(revert).some((r) => r.at > at && !isUndone(r.reverting, r.at));
    undone.set(revert.id, result);
    return result;
  };

  const fates = new Map<number, ChangeFate>();
  for (const id of changeIds) {
    const change = byId.get(id);
    if (!change) {
      fates.set(id, NO_FATE);
      continue;
    }
    const shipped = shipmentOf(change);
    const shippedBy = shipped
      ? { deploymentId: shipped.id, environment: shipped.environment, sha: shipped.sha, at: shipped.succeededAt }
      : null;

    let revertedBy: ChangeFate["revertedBy"] = null;
    for (const { reverting, at } of revertsOf(change)) {
      if (isUndone(reverting, at)) continue;
      if (!revertedBy || at < revertedBy.at || (at === revertedBy.at && reverting.id < revertedBy.changeId)) {
        revertedBy = { changeId: reverting.id, at };
      }
    }

    let rolledBackBy: ChangeFate["rolledBackBy"] = null;
    if (shipped) {
      const own = ownCommitsIdentify(change.mergeMethod);
      const rollbacks = facts.deployments.filter(
        (d) =>
          d.repositoryId === change.repositoryId &&
          d.succeededAt >= shipped.succeededAt &&
          holds(change, d.rolledBack, own),
      );
      const first = firstDeployment(rollbacks);
      if (first) rolledBackBy = { deploymentId: first.id, at: first.succeededAt };
    }
    fates.set(id, { shippedBy, revertedBy, rolledBackBy });
  }
  return fates;
}

/**
 * Whether an undoing (a revert that shipped, a rollback) `at` counts against a change shipped at
 * `shippedAt`: within `windowDays` whole days after it shipped, the end included. An undoing
 * recorded before the shipment (out-of-order data) counts too, which can only lower a score.
 */
export function isWithinRevertWindow(shippedAt: number, at: number, windowDays: number): boolean {
  return at - shippedAt <= windowDays * DAY_MS;
}

/**
 * Whether the revert window of a change shipped at `shippedAt` is still open at `now`: an undoing
 * after `now` could still fall within it (isWithinRevertWindow), so its count is provisional.
 */
export function isRevertWindowOpen(shippedAt: number, windowDays: number, now: number): boolean {
  return now - shippedAt < windowDays * DAY_MS;
}

/** Whether a shipped change counts as undone (reverted or rolled back within the window). */
export function isUndone(
  fate: { shippedAt: number; revertedAt: number | null; rolledBackAt: number | null },
  windowDays: number,
): boolean {
  return (
    (fate.revertedAt !== null && isWithinRevertWindow(fate.shippedAt, fate.revertedAt, windowDays)) ||
    (fate.rolledBackAt !== null && isWithinRevertWindow(fate.shippedAt, fate.rolledBackAt, windowDays))
  );
}
