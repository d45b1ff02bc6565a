// PostgreSQL schema of the ledger. Keep in step with schema.sqlite.ts: test/store/schema-parity.test.ts
// asserts that both dialects declare the same tables and columns.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const ms = (name: string) => bigint(name, { mode: "number" });

export const installations = pgTable("installations", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  accountLogin: text("account_login").notNull(),
  accountType: text("account_type").notNull(),
  /**
   * The GitHub id of the installation's account (organisation or user): what API tokens are
   * scoped to, since a login can change hands. Null until known (rows from before it was kept).
   */
  accountId: bigint("account_id", { mode: "number" }),
  suspendedAt: ms("suspended_at"),
  deletedAt: ms("deleted_at"),
  /**
   * The organisation's minimum group size for reports: `metric.minGroupSize` of the
   * .github/shipledger.yml in the owner's `.github` repository, as last read; null when unset.
   */
  minGroupSize: integer("min_group_size"),
  /**
   * The organisation's price table for agents that report tokens but no cost: `costs.prices` of
   * the owner's `.github` repository file, as last read (JSON); null when unset.
   */
  costPrices: text("cost_prices"),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

/**
 * Every login (lower case) an account has been seen with, from installation and rename events: a
 * token naming a login reads the account that had it, and a login two accounts have had is
 * ambiguous. Never "unknown" or empty.
 */
export const accountLogins = pgTable(
  "account_logins",
  {
    accountId: bigint("account_id", { mode: "number" }).notNull(),
    login: text("login").notNull(),
    seenAt: ms("seen_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.login] }), index("account_logins_login_idx").on(t.login)],
);

export const repositories = pgTable(
  "repositories",
  {
    id: bigint("id", { mode: "number" }).primaryKey(),
    installationId: bigint("installation_id", { mode: "number" })
      .notNull()
      .references(() => installations.id),
    fullName: text("full_name").notNull(),
    defaultBranch: text("default_branch"),
    private: boolean("private").notNull(),
    removedAt: ms("removed_at"),
    /**
     * The metric settings of the repository's configuration as the app last read them (JSON:
     * revertWindowDays, ignorePaths, minGroupSize), for reports; null until it has read them.
     */
    metricSettings: text("metric_settings"),
    updatedAt: ms("updated_at").notNull(),
    /**
     * When the event that gave the repository to its installation was received: only a later one
     * of another installation moves it (a late delivery of the one it left does not).
     */
    installedSince: ms("installed_since"),
  },
  (t) => [index("repositories_installation_idx").on(t.installationId)],
);

export const deliveries = pgTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    event: text("event").notNull(),
    action: text("action"),
    installationId: bigint("installation_id", { mode: "number" }),
    repositoryId: bigint("repository_id", { mode: "number" }),
    repositoryFullName: text("repository_full_name"),
    receivedAt: ms("received_at").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "processing", "done", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: ms("next_attempt_at").notNull(),
    lockedBy: text("locked_by"),
    lockedAt: ms("locked_at"),
    lastError: text("last_error"),
    completedAt: ms("completed_at"),
  },
  (t) => [
    index("deliveries_status_next_idx").on(t.status, t.nextAttemptAt),
    // An installation's deliveries by status (its status page) without reading its done ones.
    index("deliveries_installation_status_idx").on(t.installationId, t.status),
  ],
);

/** A pull request (or later, a direct push) and its latest attribution. */
export const changes = pgTable(
  "changes",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    repositoryId: bigint("repository_id", { mode: "number" })
      .notNull()
      .references(() => repositories.id),
    /** The pull request's number; null for a direct push, which is a change of its own. */
    number: integer("number"),
    kind: text("kind", { enum: ["pull_request", "push"] })
      .notNull()
      .default("pull_request"),
    title: text("title").notNull(),
    authorLogin: text("author_login").notNull(),
    authorType: text("author_type").notNull(),
    /** The author is a bot that is not a known agent (dependabot, renovate…): recorded, marked. */
    botChange: boolean("bot_change").notNull(),
    headRef: text("head_ref").notNull(),
    headSha: text("head_sha").notNull(),
    baseRef: text("base_ref").notNull(),
    state: text("state", { enum: ["open", "closed", "merged"] }).notNull(),
    openedAt: ms("opened_at").notNull(),
    mergedAt: ms("merged_at"),
    mergeCommitSha: text("merge_commit_sha"),
    mergedBy: text("merged_by"),
    mergeMethod: text("merge_method", { enum: ["merge", "squash", "rebase", "direct", "unknown"] }),
    /** The human engineer credited with the change (PRODUCT.md), null when none (bots only). */
    engineer: text("engineer"),
    /** The first commit's time: lead time runs from here to production. */
    firstCommitAt: ms("first_commit_at"),
    /** Files the change touched, as JSON (read only when metric.ignorePaths is configured). */
    paths: text("paths").notNull().default("[]"),
    pathsComplete: boolean("paths_complete").notNull().default(false),
    /** GitHub's updated_at of the pull request as last recorded: an older reading does not replace it. */
    pullUpdatedAt: ms("pull_updated_at"),
    /**
     * Its fate, kept up to date from the joins in the ledger (see refreshFates) so that reports
     * read one table: the first production deployment that shipped it, and when a shipped revert
     * or a rollback undid it.
     */
    shippedDeploymentId: integer("shipped_deployment_id"),
    shippedAt: ms("shipped_at"),
    revertedAt: ms("reverted_at"),
    rolledBackAt: ms("rolled_back_at"),
    /** Merged into a deployable branch: only such changes can be shipped. */
    deployable: boolean("deployable").notNull().default(true),
    ai: boolean("ai").notNull(),
    /**
     * The strength of its AI evidence (src/attribution/strength.ts): null when not AI-assisted. Rows
     * written before migration 0007 are null until src/ledger/classify-evidence.ts classifies them.
     */
    aiEvidence: text("ai_evidence", { enum: ["explicit", "circumstantial"] }),
    /** JSON arrays: agent ids, model names, sessions, evidence (see src/attribution/types.ts). */
    agents: text("agents").notNull(),
    models: text("models").notNull(),
    sessions: text("sessions").notNull(),
    evidence: text("evidence").notNull(),
    commitsTotal: integer("commits_total").notNull(),
    commitsAi: integer("commits_ai").notNull(),
    /** The head sha the attribution was computed for. */
    attributedSha: text("attributed_sha").notNull(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("changes_repository_number_idx").on(t.repositoryId, t.number),
    index("changes_installation_idx").on(t.installationId),
    index("changes_merge_commit_idx").on(t.repositoryId, t.mergeCommitSha),
    // The report's rows (src/store/ledger-store.ts, listReportChanges), read from the index alone:
    // merged deployable changes by merge time, with every column the report takes except paths.
    index("changes_report_idx")
      .on(
        t.installationId,
        t.mergedAt,
        t.repositoryId,
        t.number,
        t.engineer,
        t.botChange,
        t.ai,
        t.aiEvidence,
        t.agents,
        t.firstCommitAt,
        t.pathsComplete,
        t.shippedDeploymentId,
        t.shippedAt,
        t.revertedAt,
        t.rolledBackAt,
        t.id, // SQLite's rowid anyway; Postgres needs it in the index to skip the table
      )
      .where(sql`state = 'merged' AND deployable`),
    // merged_at too: the report's "shipped in the period, merged outside it" is decided in the index.
    index("changes_shipped_idx").on(t.installationId, t.shippedAt, t.mergedAt),
    // AI-assisted rows whose evidence is not classified yet (written before 0007, or by an older
    // version during an upgrade): empty once classified, so looking for them costs nothing.
    index("changes_unclassified_idx").on(t.installationId, t.id).where(sql`ai AND ai_evidence IS NULL`),
  ],
);

/** Commits as attributed, once per repository and sha. */
export const commits = pgTable(
  "commits",
  {
    repositoryId: bigint("repository_id", { mode: "number" })
      .notNull()
      .references(() => repositories.id),
    sha: text("sha").notNull(),
    authorName: text("author_name").notNull(),
    authorEmail: text("author_email").notNull(),
    authorLogin: text("author_login"),
    authoredAt: ms("authored_at"),
    subject: text("subject").notNull(),
    /** The full message, so that a change can be attributed again without asking GitHub. */
    message: text("message").notNull().default(""),
    ai: boolean("ai").notNull(),
    agents: text("agents").notNull(),
    models: text("models").notNull(),
    sessions: text("sessions").notNull(),
    evidence: text("evidence").notNull(),
  },
  (t) => [primaryKey({ columns: [t.repositoryId, t.sha] })],
);

/** Which commits a change is made of, in order. */
export const changeCommits = pgTable(
  "change_commits",
  {
    changeId: integer("change_id")
      .notNull()
      .references(() => changes.id, { onDelete: "cascade" }),
    sha: text("sha").notNull(),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.changeId, t.sha] }), index("change_commits_sha_idx").on(t.sha)],
);

/** A successful production deployment, from whichever source the repository configures. */
export const deployments = pgTable(
  "deployments",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    repositoryId: bigint("repository_id", { mode: "number" })
      .notNull()
      .references(() => repositories.id),
    environment: text("environment").notNull(),
    source: text("source", { enum: ["deployment", "release", "workflow_run", "push"] }).notNull(),
    /** Identifies the deployment at its source (GitHub deployment id, release id, run id, push). */
    sourceKey: text("source_key").notNull(),
    sha: text("sha").notNull(),
    ref: text("ref"),
    /** When it succeeded: deployments are ordered by this, not by arrival. */
    succeededAt: ms("succeeded_at").notNull(),
    /** False while only a lower bound is known (seen through an `inactive` status, not its `success`). */
    succeededAtExact: boolean("succeeded_at_exact").notNull().default(true),
    /** What it did, relative to its predecessor: baseline, ship, redeploy, rollback or diverged. */
    outcome: text("outcome", { enum: ["baseline", "ship", "redeploy", "rollback", "diverged"] }).notNull(),
    previousSha: text("previous_sha"),
    url: text("url"),
    updatedAt: ms("updated_at").notNull(),
    /**
     * When what it ships was last worked out, or null while that is pending (recorded before its
     * range is compared; its predecessor changed): a deployment whose settling failed is settled again.
     */
    settledAt: ms("settled_at"),
    /** When its "Shipledger deployment" check run was written, or null: not yet (written once). */
    reportedAt: ms("reported_at"),
  },
  (t) => [
    uniqueIndex("deployments_source_idx").on(t.repositoryId, t.sourceKey),
    index("deployments_order_idx").on(t.repositoryId, t.environment, t.succeededAt),
    index("deployments_installation_idx").on(t.installationId, t.succeededAt),
  ],
);

/** The commits a deployment shipped (ahead of, or only in, it), or rolled back (rollback). */
export const deploymentCommits = pgTable(
  "deployment_commits",
  {
    deploymentId: integer("deployment_id")
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    sha: text("sha").notNull(),
    effect: text("effect", { enum: ["shipped", "rolled_back"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.deploymentId, t.sha] }), index("deployment_commits_sha_idx").on(t.sha)],
);

/** A change that reverts another: by pull request number or by commit. */
export const reverts = pgTable(
  "reverts",
  {
    revertingChangeId: integer("reverting_change_id")
      .notNull()
      .references(() => changes.id, { onDelete: "cascade" }),
    repositoryId: bigint("repository_id", { mode: "number" }).notNull(),
    /** "pr:<number>" or "sha:<40 hex>". */
    target: text("target").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.revertingChangeId, t.target] }),
    index("reverts_target_idx").on(t.repositoryId, t.target),
  ],
);

/**
 * The sweep that asks GitHub to redeliver failed webhook deliveries (src/ledger/redeliver-missed.ts):
 * one row per list of deliveries swept ("app": the App's webhook). Its lease lets one instance
 * sweep at a time; its watermark is the newest GitHub delivery id every older one of which was swept.
 */
export const webhookSweeps = pgTable("webhook_sweeps", {
  id: text("id").primaryKey(),
  /** The newest delivery id swept with everything older (null: never swept). */
  watermarkId: bigint("watermark_id", { mode: "number" }),
  /** A walk cut short by its page budget: where it goes on (GitHub's cursor), and the newest id it saw. */
  resumeCursor: text("resume_cursor"),
  resumeUntilId: bigint("resume_until_id", { mode: "number" }),
  lockedBy: text("locked_by"),
  lockedAt: ms("locked_at"),
  /** When the last sweep ended (instances take turns: none sweeps again soon after another). */
  finishedAt: ms("finished_at"),
});

/** Redeliveries asked of GitHub: one row per event (its guid, the X-GitHub-Delivery). Claimed before each request. */
export const webhookRedeliveries = pgTable("webhook_redeliveries", {
  guid: text("guid").primaryKey(),
  /** The GitHub delivery (attempt) id last redelivered. */
  deliveryId: bigint("delivery_id", { mode: "number" }).notNull(),
  /** How many times its redelivery was asked (src/ledger/core/redelivery.ts: MAX_REDELIVERIES). */
  asks: integer("asks").notNull().default(1),
  event: text("event").notNull(),
  requestedAt: ms("requested_at").notNull(),
  requestedBy: text("requested_by").notNull(),
});

/** The backfill's lease per installation: one backfill of an installation at a time, across instances. */
export const backfillLeases = pgTable("backfill_leases", {
  installationId: bigint("installation_id", { mode: "number" }).primaryKey(),
  lockedBy: text("locked_by"),
  lockedAt: ms("locked_at"),
});

/**
 * A repository's history backfill: the window asked for, where the read stands (phase, GitHub's
 * cursor, counts), so that a stopped instance's work is resumed where it stopped, by it or another.
 */
export const backfillRuns = pgTable(
  "backfill_runs",
  {
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    repositoryId: bigint("repository_id", { mode: "number" }).notNull(),
    /** What asked for it: install (installation or repositories added), manual (the CLI), drift (the daily sweep). */
    kind: text("kind").notNull(),
    /** The window's start (ms): merges and deployment successes at or after it are read. */
    windowSince: ms("window_since").notNull(),
    /** pending, pulls, deployments, done, failed, stopped (the repository left the installation). */
    phase: text("phase").notNull(),
    /** Where the phase goes on: GitHub's cursor (pulls), the last step recorded (deployments). */
    cursor: text("cursor"),
    pullsRead: integer("pulls_read").notNull().default(0),
    merged: integer("merged").notNull().default(0),
    deployments: integer("deployments").notNull().default(0),
    deploymentsTotal: integer("deployments_total"),
    /** updated_at of the oldest pull request read so far (the walk goes newest first). */
    reachedAt: ms("reached_at"),
    /** GitHub requests spent. */
    requests: integer("requests").notNull().default(0),
    /** The earliest window read to the end (ms), kept across later runs: history before it is not read. */
    coveredSince: ms("covered_since"),
    requestedAt: ms("requested_at").notNull(),
    startedAt: ms("started_at"),
    updatedAt: ms("updated_at").notNull(),
    finishedAt: ms("finished_at"),
    /** Why the run failed, or notes on what was not read (JSON array of strings). */
    error: text("error"),
    notes: text("notes"),
  },
  (t) => [primaryKey({ columns: [t.installationId, t.repositoryId] })],
);

/**
 * Dashboard sessions (sign in with GitHub): the cookie carries a random token; the ledger keeps its
 * SHA-256 only, with who signed in, the installations and repositories they could see on GitHub then, and the
 * session's CSRF secret. Ended by sign-out or expiry.
 */
export const dashboardSessions = pgTable(
  "dashboard_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: bigint("user_id", { mode: "number" }).notNull(),
    login: text("login").notNull(),
    /** JSON: the installation ids, and per installation the repository ids the user could see (src/store/dashboard.ts). */
    installations: text("installations").notNull(),
    csrf: text("csrf").notNull(),
    createdAt: ms("created_at").notNull(),
    expiresAt: ms("expires_at").notNull(),
  },
  (t) => [index("dashboard_sessions_expiry_idx").on(t.expiresAt)],
);

/** A lead's verdict on a sampled change's attribution ("wrong", with why): one per change. */
export const auditMarks = pgTable(
  "audit_marks",
  {
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    changeId: bigint("change_id", { mode: "number" }).notNull(),
    verdict: text("verdict").notNull(),
    reason: text("reason").notNull(),
    markedBy: bigint("marked_by", { mode: "number" }).notNull(),
    markedAt: ms("marked_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.installationId, t.changeId] })],
);

/**
 * Tokens that let a coding agent's OpenTelemetry exporter write spend for one installation (never
 * read anything): the ledger keeps the token's SHA-256 only. Made, listed and revoked with
 * `shipledger costs token`.
 */
export const ingestTokens = pgTable(
  "ingest_tokens",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: ms("created_at").notNull(),
    lastUsedAt: ms("last_used_at"),
    revokedAt: ms("revoked_at"),
  },
  (t) => [
    uniqueIndex("ingest_tokens_hash_idx").on(t.tokenHash),
    index("ingest_tokens_installation_idx").on(t.installationId),
  ],
);

/**
 * AI spend as reported (src/spend/usage.ts): one row per data point or log record, as sent. A
 * point is identified by its series and interval, so a resent export stores nothing twice; a
 * cumulative series' increments are the differences between its points, taken when read.
 * Imported spend (`shipledger costs import`) is a delta row keyed by what the export keys it by.
 */
export const aiUsagePoints = pgTable(
  "ai_usage_points",
  {
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    series: text("series").notNull(),
    /** The point's interval, ns since the epoch, as 20-digit zero-padded text (orders as numbers). */
    startNs: text("start_ns").notNull(),
    timeNs: text("time_ns").notNull(),
    agent: text("agent").notNull(),
    /** The session (conversation) id as reported; null for spend keyed by agent and day. */
    sessionId: text("session_id"),
    /** sessionKey(sessionId): what changes' session evidence is matched on. */
    sessionKey: text("session_key"),
    model: text("model"),
    /** costUsd, input, output, cacheRead, cacheWrite. */
    measure: text("measure").notNull(),
    value: doublePrecision("value").notNull(),
    /** delta or cumulative. */
    temporality: text("temporality").notNull(),
    /** The point's time (ms). */
    at: ms("at").notNull(),
    /** otlp or import. */
    source: text("source").notNull(),
    receivedAt: ms("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.installationId, t.series, t.startNs, t.timeNs] }),
    index("ai_usage_points_period_idx").on(t.installationId, t.at),
    index("ai_usage_points_session_idx").on(t.installationId, t.sessionKey),
  ],
);

/**
 * The sessions each installation's spend names, day by day (the day's first ms, UTC): what the
 * OTLP endpoint's session bound reads (a request's sessions looked up by key, the day's count by
 * its range), at a cost that does not grow with the day's points. Written with the points.
 */
export const aiUsageSessions = pgTable(
  "ai_usage_sessions",
  {
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    day: ms("day").notNull(),
    sessionKey: text("session_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.installationId, t.day, t.sessionKey] })],
);

/** The sessions each change's evidence names (sessionKey of each), for the spend join. */
export const changeSessions = pgTable(
  "change_sessions",
  {
    installationId: bigint("installation_id", { mode: "number" }).notNull(),
    sessionKey: text("session_key").notNull(),
    changeId: integer("change_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.installationId, t.sessionKey, t.changeId] }),
    index("change_sessions_change_idx").on(t.changeId),
  ],
);
