// Inputs and results of deployment linking: which webhook is a production deployment
// (sources.ts), what it ships (shipping.ts), how a change was merged (merge-method.ts) and what a
// change reverts (reverts.ts). Data only; every function over it is pure.

import type { DeploymentOutcomeKind, DeploymentSource, MergeMethod } from "../model/ledger.js";

export { DEPLOYMENT_SOURCES, type DeploymentSource } from "../model/ledger.js";

/**
 * A successful production deployment, as one webhook tells it. Its identity is
 * (repositoryId, source, sourceId): the same deployment seen twice (a redelivery, its `success`
 * and later its `inactive` status) has the same identity; merge observations with
 * `reconcileDeployment` (sources.ts).
 */
export interface ProductionDeployment {
  repositoryId: number;
  /** "owner/name", for logs and links. */
  repositoryFullName: string;
  /**
   * The chain this deployment belongs to: deployments of one (repository, environment) are
   * ordered by `succeededAt`, and each ships what its predecessor in the chain did not have.
   * `deployment`: the GitHub environment name as written (chains compare it case-insensitively,
   * as GitHub does); `release`: "release"; `workflow_run`: "workflow:<workflow path>";
   * `push`: "push:<branch>".
   */
  environment: string;
  source: DeploymentSource;
  /**
   * Stable id within the source: the GitHub deployment id, the release id, the workflow run id
   * (all attempts of a run are one deployment), or "<before>..<after>" for a push (the after-sha
   * alone would make a force-push back to an earlier commit look like that earlier deployment
   * and hide the rollback).
   */
  sourceId: string;
  /** The deployed commit (lower-case hex); null only for a release whose tag is not resolved yet. */
  sha: string | null;
  /** The ref the source names: deployment ref, release tag, workflow run head branch, pushed branch. */
  ref: string | null;
  /** When it succeeded (ms since the epoch). */
  succeededAt: number;
  /**
   * "exact": the success's own time. "estimate": a lower bound (the deployment's creation time),
   * because only a later status (`inactive`) was seen; an exact observation replaces it.
   */
  succeededAtPrecision: "exact" | "estimate";
  /** A page for humans (the status's log or target, the release, the run), when the payload has one. */
  url: string | null;
}

/** Why a webhook is not a production deployment; `detail` in the verdict says it for logs. */
export type IgnoredReason =
  /** The repository's configuration uses another source kind. */
  | "other_source"
  /** An event no source reads. */
  | "unsupported_event"
  /** A required field is missing or has the wrong type. */
  | "malformed_payload"
  /** Not a success: a pending/failed status, a failed or unfinished run, a release action other than publishing. */
  | "not_successful"
  /** The environment is not production by the configuration. */
  | "not_production"
  /** `transient_environment: true` (review apps and the like): never production. */
  | "transient_environment"
  /** A deployment of a pull request's merge or head ref, not of a merged change. */
  | "pull_request_ref"
  | "draft_release"
  | "prerelease"
  /** The workflow's name and path match no configured pattern. */
  | "other_workflow"
  /** A run or push on a branch other than the configured one. */
  | "other_branch"
  /** A run of a pull_request workflow or of a fork's branch. */
  | "pull_request_run"
  /** A tag push. */
  | "tag_push"
  /** A branch deletion. */
  | "deleted_branch";

export type DeploymentVerdict =
  | {
      kind: "production";
      deployment: ProductionDeployment;
      /**
       * Seen through an `inactive` status: a past success superseded later. It is a production
       * deployment like any other (not a new one, not a failure); when the ledger already has it,
       * there is nothing to do.
       */
      superseded: boolean;
    }
  | { kind: "ignored"; reason: IgnoredReason; detail: string };

export type CompareStatus = "ahead" | "behind" | "identical" | "diverged";

/** A commit as the compare API (or a history walk) describes it. */
export interface RangeCommit {
  sha: string;
  message: string;
  author: { name: string; email: string; login: string | null };
  authoredAt: number | null;
  parents: string[];
}

/** How head relates to base, and the commits head has that base has not (src/github/compare.ts). */
export interface Comparison {
  status: CompareStatus;
  aheadBy: number;
  behindBy: number;
  /** Commits reachable from head and not from base, oldest first. */
  commits: RangeCommit[];
  /**
   * How the commits were read: the compare API, the GraphQL history walk after a 422, or the
   * commits already read during a backfill (src/ledger/core/commit-graph.ts).
   */
  via: "compare" | "history" | "graph";
  /** False when the list was cut at MAX_RANGE_COMMITS. */
  complete: boolean;
}

/**
 * GitHub's compare of the previous deployment's commit (base) with the new one (head), all pages.
 * The lead fetches it; identical shas need no call.
 */
export interface CompareResult {
  status: "ahead" | "behind" | "identical" | "diverged";
  /** Commits reachable from the new commit and not the previous one (compare base...head `commits`). */
  aheadShas: readonly string[];
  /**
   * Commits reachable from the previous commit and not the new one (compare head...base
   * `commits`). Needed for `behind` (the rollback's victims); for `diverged` only reported.
   */
  behindShas: readonly string[];
}

/**
 * What one production deployment ships, relative to its predecessor in the chain. Every kind has
 * the same three lists, so the ledger stores one shape.
 */
export interface DeploymentOutcome {
  /**
   * - baseline: the first deployment of a chain with no predecessor anywhere; ships nothing (the
   *   repository's history was shipped before Shipledger could see it).
   * - ship: ahead of its predecessor; ships the commits in between.
   * - redeploy: the same commit again; ships nothing.
   * - rollback: an ancestor of its predecessor; ships nothing and rolls back the commits between,
   *   at this deployment's `succeededAt`.
   * - diverged: neither ancestor nor descendant; ships the commits only the new one has.
   */
  kind: DeploymentOutcomeKind;
  /** Commit shas this deployment brings to production, deduplicated, in compare order. */
  shipped: string[];
  /** Commit shas this deployment removes from production (rollback only). */
  rolledBack: string[];
  /**
   * diverged only: commits the predecessor had and this one lacks. Not marked rolled back: in a
   * diverged history they are usually still present under other shas (a rebased branch, a hotfix
   * cherry-picked back), and a false rollback would count as a reverted change.
   */
  leftBehind: string[];
}

/** How a pull request reached its base branch, as far as merge-method.ts can tell (never "direct"). */
export type PullMergeMethod = Exclude<MergeMethod, "direct">;
