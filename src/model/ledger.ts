// The ledger's records as plain data: what the store keeps and returns, and what the pure modules
// (the fate core, the checks, the metric) read. Shapes only, no behaviour; every layer may import
// them, and they import nothing.

export type ChangeState = "open" | "closed" | "merged";

/** Explicit: an agent's name where tools record authorship; circumstantial: hints alone (src/attribution/strength.ts). */
export type EvidenceStrength = "explicit" | "circumstantial";
/** Which AI evidence a report counts (`metric.evidence`): any, or explicit evidence only. */
export type EvidenceBasis = "any" | "explicit";

export interface SessionRef {
  agent: string;
  id: string;
  url?: string;
}

/** A commit as attributed (evidence kept as recorded, for audit). */
export interface CommitRecord {
  sha: string;
  authorName: string;
  authorEmail: string;
  authorLogin: string | null;
  authoredAt: number | null;
  subject: string;
  /** The full commit message (kept so that a change can be attributed again without GitHub). */
  message: string;
  ai: boolean;
  agents: string[];
  models: string[];
  sessions: SessionRef[];
  evidence: unknown[];
}

export type ChangeKind = "pull_request" | "push";
export type MergeMethod = "merge" | "squash" | "rebase" | "direct" | "unknown";

/** A pull request (or a direct push) and its latest attribution. */
export interface ChangeRecord {
  id: number;
  installationId: number;
  repositoryId: number;
  /** The pull request's number; null for a direct push. */
  number: number | null;
  kind: ChangeKind;
  title: string;
  authorLogin: string;
  authorType: string;
  botChange: boolean;
  headRef: string;
  headSha: string;
  baseRef: string;
  state: ChangeState;
  openedAt: number;
  mergedAt: number | null;
  mergeCommitSha: string | null;
  mergedBy: string | null;
  mergeMethod: MergeMethod | null;
  /** Merged into a deployable branch (only those can ship). */
  deployable: boolean;
  /** Materialised fate (src/ledger/core/fate.ts decides it; src/ledger/fates.ts keeps it current). */
  shippedDeploymentId: number | null;
  shippedAt: number | null;
  revertedAt: number | null;
  rolledBackAt: number | null;
  /** The human engineer credited, or null (bots only). */
  engineer: string | null;
  firstCommitAt: number | null;
  /** Files touched (read only when metric.ignorePaths is configured); complete or not. */
  paths: string[];
  pathsComplete: boolean;
  /**
   * GitHub's `updated_at` of the pull request as last recorded (null: a push, or a row from before
   * it was kept). Deliveries are processed out of order: an older reading does not replace a newer.
   */
  pullUpdatedAt: number | null;
  ai: boolean;
  /**
   * How strongly its evidence says an agent took part (src/attribution/strength.ts's
   * strongestEvidence), kept beside `evidence` so that a report reads it from its index; null when
   * not AI-assisted, and for an AI-assisted row written before the column existed until
   * src/ledger/classify-evidence.ts classifies it.
   */
  aiEvidence: EvidenceStrength | null;
  agents: string[];
  models: string[];
  sessions: SessionRef[];
  evidence: unknown[];
  commitsTotal: number;
  commitsAi: number;
  attributedSha: string;
  updatedAt: number;
}

type OptionalChangeFields =
  | "shippedDeploymentId"
  | "shippedAt"
  | "revertedAt"
  | "rolledBackAt"
  | "kind"
  | "mergedBy"
  | "mergeMethod"
  | "deployable"
  | "engineer"
  | "firstCommitAt"
  | "paths"
  | "pathsComplete"
  | "pullUpdatedAt";
export type ChangeInputRecord = Omit<ChangeRecord, "id" | "updatedAt" | OptionalChangeFields> &
  Partial<Pick<ChangeRecord, OptionalChangeFields>>;

/** Where production deployments come from (a repository's `deployments.source`). */
export const DEPLOYMENT_SOURCES = ["deployment", "release", "workflow_run", "push"] as const;
export type DeploymentSource = (typeof DEPLOYMENT_SOURCES)[number];
/** What a production deployment did relative to its predecessor in its chain. */
export type DeploymentOutcomeKind = "baseline" | "ship" | "redeploy" | "rollback" | "diverged";

export interface DeploymentRecord {
  id: number;
  installationId: number;
  repositoryId: number;
  environment: string;
  source: DeploymentSource;
  sourceKey: string;
  sha: string;
  ref: string | null;
  succeededAt: number;
  /** False while only a lower bound of the success time is known. */
  succeededAtExact: boolean;
  outcome: DeploymentOutcomeKind;
  previousSha: string | null;
  url: string | null;
  updatedAt: number;
  /**
   * When what it ships was last worked out, or null while that is pending (just recorded, a GitHub
   * error half-way, its predecessor changed): the next delivery of it, or of its chain, links it.
   */
  settledAt: number | null;
  /** When its check run was written (once), or null: the next delivery of it writes it. */
  reportedAt: number | null;
}

export type DeploymentInput = Omit<
  DeploymentRecord,
  "id" | "updatedAt" | "outcome" | "previousSha" | "settledAt" | "reportedAt"
>;

/** A merged, deployable change as a report reads it: exactly the metric's input (src/metrics/types.ts). */

/** A merged change as the metric sees it (one row per change merged into a deployable branch). */
export interface MetricChange {
  id: number;
  repositoryId: number;
  /** "owner/name". */
  repository: string;
  /** PR number, or null for a direct push. */
  number: number | null;
  /** The human engineer credited (see creditEngineer), or null when none (bot-only). */
  engineer: string | null;
  /** A bot change that is not an agent's (dependabot, renovate…): never counted. */
  botChange: boolean;
  ai: boolean;
  /** The strength of its AI evidence; null when not AI-assisted (or not classified yet: then never explicit). */
  aiEvidence: EvidenceStrength | null;
  /** Agent ids, for the report's breakdown. */
  agents: string[];
  /**
   * The agents its explicit evidence names, when a report counts explicit evidence only and they
   * may be fewer than `agents` (a Claude trailer and a `cursor/` branch: Claude alone); read then
   * (withExplicitAgents), else absent and `agents` is credited.
   */
  explicitAgents?: readonly string[];
  mergedAt: number;
  /** Time of the change's first commit (lead time starts here); null when unknown. */
  firstCommitAt: number | null;
  /** Files the change touched (may be truncated), for `metric.ignorePaths`. */
  paths: string[];
  /** True when `paths` is complete. */
  pathsComplete: boolean;
  /** The first production deployment that shipped it, if any. */
  shipped: { deploymentId: number; at: number } | null;
  /** When a revert of it shipped, if any. */
  revertedAt: number | null;
  /** When a rollback removed it from production, if any. */
  rolledBackAt: number | null;
}

/** The settings of one repository that can differ within an organisation report. */
export interface RepositoryMetricSettings {
  revertWindowDays?: number;
  ignorePaths?: string[];
  /** `metric.evidence`: with "explicit", a change with circumstantial evidence alone counts as not AI-assisted. */
  evidence?: EvidenceBasis;
}

/** A merged, deployable change as a report reads it: exactly the metric's input. */
export type ReportChangeRow = MetricChange;

/** A change as its fate needs it (src/ledger/core/fate.ts), as the store reads it. */
export interface FateChange {
  id: number;
  repositoryId: number;
  /** The pull request's number; null for a direct push. */
  number: number | null;
  kind: "pull_request" | "push";
  title: string;
  /** Merged into a deployable branch: only such a change ships. */
  merged: boolean;
  deployable: boolean;
  mergedAt: number | null;
  mergeCommitSha: string | null;
  mergeMethod: string | null;
  /** The pull request's own commits (a direct push: none besides its merge commit). */
  commitShas: readonly string[];
}

/** What asked for a backfill: the app's installation (or repositories added), the CLI, the daily drift sweep. */
export type BackfillKind = "install" | "manual" | "drift";
/** pending → pulls → deployments → done; failed (an error, the next request starts again); stopped (the repository left). */
export type BackfillPhase = "pending" | "pulls" | "deployments" | "done" | "failed" | "stopped";
export const ACTIVE_BACKFILL_PHASES: readonly BackfillPhase[] = ["pending", "pulls", "deployments"];

/** A repository's history backfill and where it stands. */
export interface BackfillRun {
  installationId: number;
  repositoryId: number;
  kind: BackfillKind;
  /** The window's start: merges and deployment successes at or after it are read. */
  windowSince: number;
  phase: BackfillPhase;
  /** Where the phase goes on: GitHub's cursor (pulls), the last step recorded (deployments). */
  cursor: string | null;
  pullsRead: number;
  merged: number;
  deployments: number;
  deploymentsTotal: number | null;
  /** updated_at of the oldest pull request read so far (the walk goes newest first). */
  reachedAt: number | null;
  requests: number;
  /** The earliest window read to its end, across runs: history before it is not read. */
  coveredSince: number | null;
  requestedAt: number;
  startedAt: number | null;
  updatedAt: number;
  finishedAt: number | null;
  error: string | null;
  notes: string[];
}

export type BackfillProgress = Partial<
  Pick<
    BackfillRun,
    | "phase"
    | "cursor"
    | "pullsRead"
    | "merged"
    | "deployments"
    | "deploymentsTotal"
    | "reachedAt"
    | "requests"
    | "coveredSince"
    | "startedAt"
    | "finishedAt"
    | "error"
    | "notes"
  >
>;

/** A webhook event whose redelivery was asked of GitHub: through which attempt last, and how many times in all. */
export interface AskedRedelivery {
  deliveryId: number;
  asks: number;
}
