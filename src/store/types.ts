// The ledger's interface. Handlers, the inbox worker and the CLI talk to this, never to drizzle.

import type {
  AskedRedelivery,
  BackfillKind,
  BackfillProgress,
  BackfillRun,
  ChangeInputRecord,
  ChangeRecord,
  CommitRecord,
  DeploymentInput,
  DeploymentOutcomeKind,
  DeploymentRecord,
  EvidenceBasis,
  EvidenceStrength,
  ReportChangeRow,
  RepositoryMetricSettings,
} from "../model/ledger.js";
import type { IngestTokenRecord, SessionChangeFacts, UsagePointRecord, UsageRow } from "../model/spend.js";
import type { FateQueries } from "./fate-queries.js";

export type {
  BackfillKind,
  BackfillPhase,
  BackfillProgress,
  BackfillRun,
  ChangeInputRecord,
  ChangeKind,
  ChangeRecord,
  ChangeState,
  CommitRecord,
  DeploymentInput,
  DeploymentOutcomeKind,
  DeploymentRecord,
  DeploymentSource,
  EvidenceBasis,
  EvidenceStrength,
  MergeMethod,
  ReportChangeRow,
  SessionRef,
} from "../model/ledger.js";
export { ACTIVE_BACKFILL_PHASES } from "../model/ledger.js";

export type Dialect = "sqlite" | "postgres";

export interface InstallationRecord {
  id: number;
  /** The account's GitHub id; null until known (installations recorded before it was kept). */
  accountId: number | null;
  /** The account's login as last seen ("unknown" until seen: never matched as a login). */
  accountLogin: string;
  accountType: string;
  suspendedAt: number | null;
  deletedAt: number | null;
  /**
   * The organisation's `metric.minGroupSize` (its `.github` repository's file), as last read; null
   * when unset. It can raise the instance's minimum, never lower it.
   */
  minGroupSize: number | null;
}

export interface RepositoryRecord {
  id: number;
  installationId: number;
  fullName: string;
  defaultBranch: string | null;
  private: boolean;
  removedAt: number | null;
  /** The metric settings of the repository's configuration as last read; null until read once. */
  metricSettings: RepositorySettings | null;
  /** When the app was given the repository (heard of it live since then); null for rows from before it was kept. */
  installedSince: number | null;
}

/**
 * What reports take from a repository's `.github/shipledger.yml` (or its organisation's): its
 * `deployments.revertWindowDays`, `metric.ignorePaths`, `metric.minGroupSize` when the file
 * sets it (it can only raise the minimum in force), and `metric.evidence` when the file sets it.
 */
export type RepositorySettings = Required<Pick<RepositoryMetricSettings, "revertWindowDays" | "ignorePaths">> & {
  minGroupSize?: number | undefined;
  /** Only when the file sets `metric.evidence`: otherwise the instance's METRIC_EVIDENCE applies. */
  evidence?: EvidenceBasis | undefined;
};

export type DeliveryStatus = "pending" | "processing" | "done" | "failed";

export interface NewDelivery {
  id: string;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  repositoryFullName: string | null;
  receivedAt: number;
  /** The webhook payload as JSON text. */
  payload: string;
}

export interface Delivery extends NewDelivery {
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lockedBy: string | null;
  lockedAt: number | null;
  lastError: string | null;
  completedAt: number | null;
}

export interface ClaimOptions {
  /** Identifies the claiming worker (host:pid:random) so that only it can settle the claim. */
  worker: string;
  limit: number;
  now: number;
  /** A claim older than this is considered abandoned (its worker died) and may be claimed again. */
  leaseMs: number;
}

export interface InboxDepth {
  pending: number;
  processing: number;
  failed: number;
  /** receivedAt of the oldest pending or processing delivery; null when there is none. */
  oldestPendingReceivedAt: number | null;
}

/** A delivery as lists show it: without its payload (up to GitHub's 25 MB); getDelivery reads one whole. */
export type DeliverySummary = Omit<Delivery, "payload">;

/** What storing a delivery did: stored it new, requeued one that had failed for good, or neither (a duplicate). */
export interface Enqueued {
  inserted: boolean;
  requeued: boolean;
}

export interface DeliveryQuery {
  statuses?: DeliveryStatus[];
  installationId?: number;
  limit?: number;
}

/** Installations of the app, their accounts (and every login each had) and repositories. */
export interface InstallationQueries {
  /**
   * Records an installation and its account. A null login or account id (not in the payload)
   * leaves the known one; a login seen with an account id is remembered as one of its logins.
   */
  upsertInstallation(
    installation: Omit<
      InstallationRecord,
      "deletedAt" | "suspendedAt" | "minGroupSize" | "accountId" | "accountLogin"
    > & {
      accountId?: number | null;
      accountLogin: string | null;
      suspendedAt?: number | null;
      now: number;
    },
  ): Promise<void>;
  /** The account's login now (an account renamed): its installations show it, and it is remembered. */
  renameAccount(accountId: number, login: string, now: number): Promise<void>;
  /**
   * Installations whose account has ever been seen with this login (case-insensitive), and those
   * of unknown account id last seen with it. More than one account among them: the login is ambiguous.
   */
  /** Records the organisation's `costs.prices` (null or empty: none), as last read. */
  recordInstallationPrices(id: number, prices: Record<string, unknown> | null, now: number): Promise<void>;
  /** The organisation's price table as recorded (JSON, validated by its reader), or null. */
  getInstallationPrices(id: number): Promise<Record<string, unknown> | null>;
  findInstallationsByLogin(login: string): Promise<InstallationRecord[]>;
  /** The installations (current and deleted) of one account. */
  findInstallationsByAccountId(accountId: number): Promise<InstallationRecord[]>;
  markInstallationDeleted(id: number, now: number): Promise<void>;
  getInstallation(id: number): Promise<InstallationRecord | null>;
  /** Records the organisation's `metric.minGroupSize` (null: it sets none); a no-op when unchanged. */
  recordInstallationMinGroupSize(id: number, minGroupSize: number | null, now: number): Promise<void>;
  /**
   * Records the repositories an installation has. A repository another installation had (the app
   * installed again, or the repository transferred) moves with its changes and deployments, unless
   * the event saying so (`receivedAt`, when it is a delivery) was received before the one that gave
   * the repository to its installation: a late delivery of the installation it left. With
   * `moves: false`, a repository another installation has is not moved but listed as `withheld`
   * (the caller moves it only once GitHub confirms).
   */
  upsertRepositories(
    installationId: number,
    repositories: Array<Pick<RepositoryRecord, "id" | "fullName" | "private"> & { defaultBranch?: string | null }>,
    now: number,
    options?: { receivedAt?: number; moves?: boolean },
  ): Promise<{ withheld: number[] }>;
  markRepositoriesRemoved(installationId: number, repositoryIds: number[], now: number): Promise<void>;
  /**
   * Records a repository's metric settings as just read from its configuration (null: it has no
   * configuration file); a no-op when unchanged.
   */
  recordRepositorySettings(
    installationId: number,
    repositoryId: number,
    settings: RepositorySettings | null,
    now: number,
  ): Promise<void>;
  /** Repositories of one installation only: data of one installation is never visible to another. */
  listRepositories(installationId: number, options?: { includeRemoved?: boolean }): Promise<RepositoryRecord[]>;
  /** A repository of one installation by id (removed ones too); null for another installation's. */
  getRepository(installationId: number, repositoryId: number): Promise<RepositoryRecord | null>;
  /** A repository of one installation by "owner/name" (case-insensitive). */
  findRepository(installationId: number, fullName: string): Promise<RepositoryRecord | null>;
}

/** Changes (merged pull requests and direct pushes), their commits and what they revert. */
export interface ChangeQueries {
  /**
   * Records a change with its commits (upserted by repository and sha) and their order,
   * replacing what the ledger held for that pull request. Returns the change's id.
   */
  recordChange(change: ChangeInputRecord, commits: CommitRecord[], now: number): Promise<number>;
  /** A change of one installation's repository (null for another installation's). */
  getChange(installationId: number, repositoryId: number, number: number): Promise<ChangeRecord | null>;
  /** The change's commits, in order. */
  listChangeCommits(changeId: number): Promise<CommitRecord[]>;
  /** A direct push's change by its commit. */
  getPushChange(installationId: number, repositoryId: number, sha: string): Promise<ChangeRecord | null>;
  /** Records what a change reverts: targets in the same repository (src/ledger/core/revert-target.ts's targetKey). */
  recordReverts(changeId: number, repositoryId: number, targets: string[]): Promise<void>;
  /** Of these shas, those that belong to a merged change the ledger knows (merge commit or own commit). */
  knownShas(repositoryId: number, shas: string[]): Promise<Set<string>>;
  /** The changes this deployment shipped first (a change shipped earlier is not shipped again). */
  changesShippedBy(installationId: number, deploymentId: number): Promise<ChangeRecord[]>;
  /** The installation's changes with these ids, by merge time (another installation's are left out). */
  getChanges(installationId: number, ids: number[]): Promise<ChangeRecord[]>;
  /**
   * Up to `limit` of the installation's AI-assisted changes whose evidence strength is not recorded
   * (rows from before it was kept), by id, with their evidence as stored.
   */
  listUnclassifiedChanges(installationId: number, limit: number): Promise<Array<{ id: number; evidence: unknown[] }>>;
  /** Records the evidence strength of AI-assisted changes (a row no longer AI-assisted is left alone). */
  recordEvidenceStrengths(strengths: ReadonlyArray<{ id: number; aiEvidence: EvidenceStrength }>): Promise<void>;
}

/** Production deployments, the commits each shipped or rolled back, and their chains. */
export interface DeploymentQueries {
  /** Records a deployment by its source key (pending: `settledAt` null); one already recorded is returned as it is. */
  upsertDeployment(
    deployment: DeploymentInput,
    now: number,
  ): Promise<{ deployment: DeploymentRecord; inserted: boolean }>;
  /** Moves a deployment's success time and makes it pending again. */
  moveDeploymentSuccess(
    id: number,
    success: { succeededAt: number; succeededAtExact: boolean },
    now: number,
  ): Promise<DeploymentRecord>;
  /** A deployment by its source key ("deployment:<id>", "release:<id>", …), or null. */
  findDeployment(installationId: number, repositoryId: number, sourceKey: string): Promise<DeploymentRecord | null>;
  /** The deployment of the same repository and environment just before (or after) this one, by success time. */
  adjacentDeployment(deployment: DeploymentRecord, direction: "previous" | "next"): Promise<DeploymentRecord | null>;
  /** Sets what a deployment did and the commits it shipped or rolled back (replacing earlier ones). */
  settleDeployment(
    id: number,
    settled: { outcome: DeploymentOutcomeKind; previousSha: string | null; shipped: string[]; rolledBack: string[] },
    now: number,
  ): Promise<void>;
  /** Marks a deployment's linking finished (`at`) or pending again (null). */
  markDeploymentSettled(id: number, at: number | null): Promise<void>;
  /**
   * Takes the writing of a deployment's check run: true for one caller only, while no one has
   * written it (two deliveries of one deployment may link it at once; one reports it).
   */
  claimDeploymentReport(id: number, now: number): Promise<boolean>;
  /** Gives the report back (writing the check run failed): the next delivery writes it. */
  releaseDeploymentReport(id: number): Promise<void>;
  getDeployment(installationId: number, id: number): Promise<DeploymentRecord | null>;
  listDeployments(installationId: number, repositoryId: number): Promise<DeploymentRecord[]>;
}

/** What a report reads: the merged, deployable changes of a scope, by one indexed query. */
export interface ReportQueries {
  /**
   * Merged changes into deployable branches of an installation (optionally some repositories)
   * that were merged, or shipped, in [since, until), by increasing id. Their `paths` are read only
   * with `paths: true` (they are only needed for `metric.ignorePaths`); otherwise they are empty.
   */
  listReportChanges(
    scope: { installationId: number; repositoryIds?: number[] },
    since: number,
    until: number,
    options?: { paths?: boolean },
  ): Promise<ReportChangeRow[]>;
  /** The evidence (its stored JSON text) of these changes of the installation, by id. */
  listChangeEvidence(installationId: number, ids: readonly number[]): Promise<Map<number, string>>;
  /** How many rows listReportChanges would read (a bound is checked before reading them). */
  countReportChanges(
    scope: { installationId: number; repositoryIds?: number[] },
    since: number,
    until: number,
  ): Promise<number>;
}

/** The inbox of webhook deliveries: stored as received, claimed, retried, settled. */
export interface InboxQueries {
  /**
   * Stores a delivery once; a repeated delivery id reports `inserted: false` and changes nothing,
   * unless the delivery had failed for good: then it is requeued (`requeued`), as `enqueueDeliveries` says.
   */
  enqueueDelivery(delivery: NewDelivery): Promise<Enqueued>;
  /**
   * Stores several deliveries in one statement and one commit; resolves with the ids that were
   * new (a delivery id already stored, or repeated in the list, is stored once) and those
   * requeued: a delivery that had failed for good and arrives again was redelivered on purpose
   * (GitHub redelivers only when asked, by its "Redeliver" button or its API), so it is pending
   * again with a fresh attempt count, as `requeueDeliveries` leaves it.
   */
  enqueueDeliveries(deliveries: NewDelivery[]): Promise<{ inserted: Set<string>; requeued: Set<string> }>;
  /**
   * Atomically takes up to `limit` due deliveries (pending and due, or processing with an expired
   * lease). A claim does not count an attempt, nor read the payload: `startDelivery` does both,
   * when the delivery is run (claimed deliveries wait for a turn; their payloads, up to 25 MB each,
   * are not held while they wait).
   */
  claimDeliveries(options: ClaimOptions): Promise<DeliverySummary[]>;
  /**
   * Counts an attempt on a claimed delivery that is about to run (its lease restarts at `now`).
   * Resolves with its attempts, this one included, and its payload, or null when the claim was
   * lost to another worker.
   */
  startDelivery(id: string, worker: string, now: number): Promise<{ attempts: number; payload: string } | null>;
  /**
   * Extends a worker's claim on a delivery it is still running (its lease restarts at `now`).
   * Returns false when the claim was lost to another worker.
   */
  renewClaim(id: string, worker: string, now: number): Promise<boolean>;
  /** Marks a claimed delivery done. Returns false when the claim was lost to another worker. */
  completeDelivery(id: string, worker: string, now: number): Promise<boolean>;
  /** Records a failed attempt: back to pending at `retryAt`, or failed for good when `retryAt` is null. */
  failDelivery(
    id: string,
    worker: string,
    failure: { error: string; now: number; retryAt: number | null },
  ): Promise<boolean>;
  /**
   * Returns interrupted claims to pending, e.g. on start-up of the single SQLite instance; with
   * `worker`, only that worker's (a stopping instance hands back what it could not finish).
   * `uncount`: the attempts they started are not counted (cut short by a stop, not failed).
   */
  releaseClaims(options: {
    now: number;
    olderThan?: number;
    worker?: string;
    ids?: string[];
    uncount?: boolean;
  }): Promise<number>;
  getDelivery(id: string): Promise<Delivery | null>;
  /** Deliveries by status and installation, oldest first, without their payloads. */
  listDeliveries(query?: DeliveryQuery): Promise<DeliverySummary[]>;
  countDeliveries(): Promise<Record<DeliveryStatus, number>>;
  /**
   * The inbox's backlog for operational metrics (read on every scrape, so it reads no done
   * delivery): deliveries not done by status, and when the oldest one waiting or being processed
   * was received (null: none).
   */
  inboxDepth(): Promise<InboxDepth>;
  /** Requeues the given deliveries (or every failed one) as pending, due now, with a fresh attempt count. */
  requeueDeliveries(selector: { ids: string[] } | { failed: true }, now: number): Promise<string[]>;
  /** Of these delivery ids, those the inbox holds (received, whatever became of them). */
  receivedDeliveries(ids: string[]): Promise<Set<string>>;
}

/** Where a sweep of GitHub's webhook deliveries stands (src/ledger/redeliver-missed.ts). */
export interface SweepState {
  /** The newest GitHub delivery id swept with every older one; null: never swept. */
  watermarkId: number | null;
  /** A walk cut short by its page budget: GitHub's cursor where it goes on, and the newest id it saw. */
  resume: { cursor: string; untilId: number } | null;
}

/** The redelivery sweep's lease and watermark, and the redeliveries asked of GitHub (per event). */
export interface RedeliveryQueries {
  /**
   * Takes the sweep's lease and returns its state: null while another instance holds an unexpired
   * lease, or when a sweep ended less than `restMs` ago (instances take turns, not each a sweep).
   */
  claimSweep(options: {
    sweep: string;
    worker: string;
    now: number;
    leaseMs: number;
    restMs: number;
  }): Promise<SweepState | null>;
  /** Records the sweep's progress and renews its lease; false when the lease was lost. */
  saveSweep(sweep: string, worker: string, state: SweepState, now: number): Promise<boolean>;
  /** Ends the sweep: its lease is free and its end recorded. */
  finishSweep(sweep: string, worker: string, now: number): Promise<void>;
  /** Of these events (guids), those whose redelivery was asked: through which attempt last, and how many times. */
  redeliveredGuids(guids: string[]): Promise<Map<string, AskedRedelivery>>;
  /**
   * Claims the redelivery of an event before asking GitHub: true for one caller only. The first
   * (`asked` null) is claimed once ever; another one only from the state it was decided on
   * (`asked`, the last one asked), so of two callers asking again one does.
   */
  claimRedelivery(redelivery: {
    guid: string;
    deliveryId: number;
    event: string;
    worker: string;
    now: number;
    asked?: AskedRedelivery | null;
  }): Promise<boolean>;
  /**
   * Gives a claim back: GitHub did not take the request, so a later sweep asks again. `asked`:
   * the redelivery asked before this claim, which the event's row returns to (none: it goes).
   */
  releaseRedelivery(guid: string, worker: string, asked?: AskedRedelivery | null): Promise<void>;
}

/** Backfills: requests, progress, and the per-installation lease (one backfill of an installation at a time). */
export interface BackfillQueries {
  /**
   * Asks for the window since `since` of these repositories: a repository with no run, or whose
   * last run ended, is queued; one in progress keeps its run unless the new window starts earlier
   * (then it starts again). Returns how many were queued.
   */
  requestBackfills(request: {
    installationId: number;
    repositoryIds: readonly number[];
    since: number;
    kind: BackfillKind;
    now: number;
  }): Promise<number>;
  /**
   * Takes the lease of an installation with a backfill to do (the longest waiting first, or the one
   * given): null when there is none, or each is leased by another live instance.
   */
  claimBackfill(options: {
    worker: string;
    now: number;
    leaseMs: number;
    installationId?: number;
    /** Installations not to claim now (waiting after a transient error). */
    exclude?: readonly number[];
  }): Promise<number | null>;
  /** Renews the lease; false when it was lost (another instance took it over after it lapsed). */
  renewBackfillLease(installationId: number, worker: string, now: number): Promise<boolean>;
  releaseBackfillLease(installationId: number, worker: string): Promise<void>;
  /** Frees every lease (a single instance starting: whatever it held when it stopped goes on). */
  releaseBackfillLeases(): Promise<number>;
  /** Runs, by installation then repository (all installations when none is given). */
  listBackfillRuns(installationId?: number): Promise<BackfillRun[]>;
  /**
   * Records a run's progress while `worker` holds the installation's lease; false when it does not,
   * or when the run was queued again since it was read (its `requestedAt` and `windowSince`, when
   * given, differ: an earlier window was asked for, and the run starts again from the top).
   */
  saveBackfillRun(
    run: { installationId: number; repositoryId: number; requestedAt?: number; windowSince?: number },
    worker: string,
    progress: BackfillProgress,
    now: number,
  ): Promise<boolean>;
  /**
   * Repositories of live installations due for a drift check: none in progress, and the last run
   * ended (or the repository was installed) at least `everyMs` ago. Longest waiting first.
   */
  dueForDrift(options: { now: number; everyMs: number; limit: number }): Promise<DriftCandidate[]>;
}

export interface DriftCandidate {
  installationId: number;
  repositoryId: number;
  installedSince: number | null;
  /** When its last backfill or drift check ended (null: never). */
  lastFinishedAt: number | null;
}

/** A dashboard session: who signed in with GitHub, and the installations they could see then. */
export interface DashboardSession {
  /** SHA-256 (hex) of the cookie's token: the ledger never holds the token itself. */
  tokenHash: string;
  /** The GitHub user's id and login. */
  userId: number;
  login: string;
  /** The installations of this app the user could access on GitHub at sign-in (GET /user/installations). */
  installationIds: number[];
  /** Per installation, the repositories GitHub listed for the user at sign-in. */
  repositoryIds: Record<number, number[]>;
  /** The session's CSRF secret (every state-changing form carries a token derived from it). */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

/** A lead's verdict on a sampled change's attribution. */
export interface AuditMark {
  installationId: number;
  changeId: number;
  verdict: "wrong";
  /** Why (what the lead saw), bounded by the caller. */
  reason: string;
  /** The GitHub user id of who marked it (kept for the record, never shown beside figures). */
  markedBy: number;
  markedAt: number;
}

export interface DashboardQueries {
  createSession(session: DashboardSession): Promise<void>;
  /** The session of this token hash, or null when there is none or it has expired. */
  getSession(tokenHash: string, now: number): Promise<DashboardSession | null>;
  deleteSession(tokenHash: string): Promise<void>;
  deleteExpiredSessions(now: number): Promise<number>;
  /** Records (or replaces) the verdict on a change. */
  markAttribution(mark: AuditMark): Promise<void>;
  unmarkAttribution(installationId: number, changeId: number): Promise<void>;
  listMarks(installationId: number, changeIds: readonly number[]): Promise<AuditMark[]>;
}

/** A day's session bound as read by recordBoundedUsage; `admit` may update it as it admits. */
export interface SessionDayBound {
  /** Which of the request's sessions the day has already. */
  known: Set<string>;
  /** How many sessions the day has (exact when some of the request's are new; else known.size). */
  count: number;
}

export interface BoundedUsage {
  installationId: number;
  /** The request's session keys by UTC day (the day's first ms). */
  sessionsByDay: ReadonlyMap<number, ReadonlySet<string>>;
  /** The points to store, given each day's bound: synchronous, called once. */
  admit(bounds: Map<number, SessionDayBound>): UsagePointRecord[];
}

export interface SpendQueries {
  createIngestToken(token: {
    installationId: number;
    name: string;
    tokenHash: string;
    createdAt: number;
  }): Promise<number>;
  /**
   * The token of this SHA-256, revoked or not, or null; `installed`: its installation is known and
   * not deleted (the app not uninstalled).
   */
  findIngestToken(tokenHash: string): Promise<(IngestTokenRecord & { installed: boolean }) | null>;
  touchIngestToken(id: number, now: number): Promise<void>;
  listIngestTokens(installationId: number): Promise<IngestTokenRecord[]>;
  /** False when the installation has no such token, or it was revoked already. */
  revokeIngestToken(installationId: number, id: number, now: number): Promise<boolean>;
  /** Stores the points not stored yet (by series and interval); how many were new. */
  recordUsagePoints(points: readonly UsagePointRecord[]): Promise<number>;
  /**
   * Stores a request's points within the session bound, in one commit: reads each day's bound
   * (which of the request's sessions the day has, and how many it has), passes them to `admit`,
   * and stores the sessions and points it returns (those not stored yet); how many points were new.
   * Requests racing on an installation-day cannot together name more sessions than `admit` allows.
   */
  recordBoundedUsage(request: BoundedUsage): Promise<number>;
  /** Stores imported rows, replacing the values of rows imported before under the same keys. */
  /**
   * Stores an import, replacing earlier imports of the same agent, model and day, or (wholeDays)
   * every earlier import of the days it covers; telemetry is never touched.
   */
  replaceImportedUsage(points: readonly UsagePointRecord[], options?: { wholeDays?: boolean }): Promise<number>;
  /** The session keys with usage on the UTC day starting at dayStart. */
  sessionsOnDay(installationId: number, dayStart: number): Promise<Set<string>>;
  /** Those of `sessionKeys` with usage on the UTC day starting at dayStart (ai_usage_sessions, by key). */
  knownSessionsOnDay(installationId: number, dayStart: number, sessionKeys: readonly string[]): Promise<Set<string>>;
  /** How many distinct sessions have usage on the UTC day starting at dayStart. */
  countSessionsOnDay(installationId: number, dayStart: number): Promise<number>;
  /** Usage in the period, per agent, session, model and week (cumulative series differenced). */
  listUsage(
    installationId: number,
    period: { since: number; until: number },
    sessionKeys?: readonly string[],
  ): Promise<UsageRow[]>;
  /** The changes that name these sessions, with their fate's facts. */
  listSessionChanges(installationId: number, sessionKeys: readonly string[]): Promise<SessionChangeFacts[]>;
  /** The session keys these changes name. */
  sessionsOfChanges(changeIds: readonly number[]): Promise<string[]>;
}

/**
 * The ledger: facts per aggregate, each with its own queries, on either dialect. It decides
 * nothing: the rules are in the pure modules (src/ledger/core/, src/deployments/, src/metrics/),
 * applied by the use cases in src/ledger/.
 */
export interface Store {
  readonly dialect: Dialect;
  close(): Promise<void>;
  readonly installations: InstallationQueries;
  readonly changes: ChangeQueries;
  readonly deployments: DeploymentQueries;
  /** The facts fates are decided from, and the fate columns (used by src/ledger/fates.ts). */
  readonly fates: FateQueries;
  readonly reports: ReportQueries;
  readonly inbox: InboxQueries;
  readonly redeliveries: RedeliveryQueries;
  readonly backfills: BackfillQueries;
  readonly dashboard: DashboardQueries;
  readonly spend: SpendQueries;
}
