// SQLite schema of the ledger. Keep in step with schema.pg.ts: test/store/schema-parity.test.ts
// asserts that both dialects declare the same tables and columns.
// Times are epoch milliseconds in both dialects so that rows have one TypeScript shape.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const installations = sqliteTable("installations", {
  id: integer("id", { mode: "number" }).primaryKey(),
  accountLogin: text("account_login").notNull(),
  accountType: text("account_type").notNull(),
  /**
   * The GitHub id of the installation's account (organisation or user): what API tokens are
   * scoped to, since a login can change hands. Null until known (rows from before it was kept).
   */
  accountId: integer("account_id", { mode: "number" }),
  suspendedAt: integer("suspended_at", { mode: "number" }),
  deletedAt: integer("deleted_at", { mode: "number" }),
  /**
   * The organisation's minimum group size for reports: `metric.minGroupSize` of the
   * .github/shipledger.yml in the owner's `.github` repository, as last read; null when unset.
   */
  minGroupSize: integer("min_group_size", { mode: "number" }),
  /**
   * The organisation's price table for agents that report tokens but no cost: `costs.prices` of
   * the owner's `.github` repository file, as last read (JSON); null when unset.
   */
  costPrices: text("cost_prices"),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
  updatedAt: integer("updated_at", { mode: "number" }).notNull(),
});

/**
 * Every login (lower case) an account has been seen with, from installation and rename events: a
 * token naming a login reads the account that had it, and a login two accounts have had is
 * ambiguous. Never "unknown" or empty.
 */
export const accountLogins = sqliteTable(
  "account_logins",
  {
    accountId: integer("account_id", { mode: "number" }).notNull(),
    login: text("login").notNull(),
    seenAt: integer("seen_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.login] }), index("account_logins_login_idx").on(t.login)],
);

export const repositories = sqliteTable(
  "repositories",
  {
    id: integer("id", { mode: "number" }).primaryKey(),
    installationId: integer("installation_id", { mode: "number" })
      .notNull()
      .references(() => installations.id),
    fullName: text("full_name").notNull(),
    defaultBranch: text("default_branch"),
    private: integer("private", { mode: "boolean" }).notNull(),
    removedAt: integer("removed_at", { mode: "number" }),
    /**
     * The metric settings of the repository's configuration as the app last read them (JSON:
     * revertWindowDays, ignorePaths, minGroupSize), for reports; null until it has read them.
     */
    metricSettings: text("metric_settings"),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
    /**
     * When the event that gave the repository to its installation was received: only a later one
     * of another installation moves it (a late delivery of the one it left does not).
     */
    installedSince: integer("installed_since", { mode: "number" }),
  },
  (t) => [index("repositories_installation_idx").on(t.installationId)],
);

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    event: text("event").notNull(),
    action: text("action"),
    installationId: integer("installation_id", { mode: "number" }),
    repositoryId: integer("repository_id", { mode: "number" }),
    repositoryFullName: text("repository_full_name"),
    receivedAt: integer("received_at", { mode: "number" }).notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "processing", "done", "failed"] }).notNull(),
    attempts: integer("attempts", { mode: "number" }).notNull(),
    nextAttemptAt: integer("next_attempt_at", { mode: "number" }).notNull(),
    lockedBy: text("locked_by"),
    lockedAt: integer("locked_at", { mode: "number" }),
    lastError: text("last_error"),
    completedAt: integer("completed_at", { mode: "number" }),
  },
  (t) => [
    index("deliveries_status_next_idx").on(t.status, t.nextAttemptAt),
    // An installation's deliveries by status (its status page) without reading its done ones: in
    // SQLite, a row's status lies after its payload, so a row read to check it is read whole.
    index("deliveries_installation_status_idx").on(t.installationId, t.status),
  ],
);

/** A pull request (or later, a direct push) and its latest attribution. */
export const changes = sqliteTable(
  "changes",
  {
    id: integer("id", { mode: "number" }).primaryKey({ autoIncrement: true }),
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    repositoryId: integer("repository_id", { mode: "number" })
      .notNull()
      .references(() => repositories.id),
    /** The pull request's number; null for a direct push, which is a change of its own. */
    number: integer("number", { mode: "number" }),
    kind: text("kind", { enum: ["pull_request", "push"] })
      .notNull()
      .default("pull_request"),
    title: text("title").notNull(),
    authorLogin: text("author_login").notNull(),
    authorType: text("author_type").notNull(),
    /** The author is a bot that is not a known agent (dependabot, renovate…): recorded, marked. */
    botChange: integer("bot_change", { mode: "boolean" }).notNull(),
    headRef: text("head_ref").notNull(),
    headSha: text("head_sha").notNull(),
    baseRef: text("base_ref").notNull(),
    state: text("state", { enum: ["open", "closed", "merged"] }).notNull(),
    openedAt: integer("opened_at", { mode: "number" }).notNull(),
    mergedAt: integer("merged_at", { mode: "number" }),
    mergeCommitSha: text("merge_commit_sha"),
    mergedBy: text("merged_by"),
    mergeMethod: text("merge_method", { enum: ["merge", "squash", "rebase", "direct", "unknown"] }),
    /** The human engineer credited with the change (PRODUCT.md), null when none (bots only). */
    engineer: text("engineer"),
    /** The first commit's time: lead time runs from here to production. */
    firstCommitAt: integer("first_commit_at", { mode: "number" }),
    /** Files the change touched, as JSON (read only when metric.ignorePaths is configured). */
    paths: text("paths").notNull().default("[]"),
    pathsComplete: integer("paths_complete", { mode: "boolean" }).notNull().default(false),
    /** GitHub's updated_at of the pull request as last recorded: an older reading does not replace it. */
    pullUpdatedAt: integer("pull_updated_at", { mode: "number" }),
    /**
     * Its fate, kept up to date from the joins in the ledger (see refreshFates) so that reports
     * read one table: the first production deployment that shipped it, and when a shipped revert
     * or a rollback undid it.
     */
    shippedDeploymentId: integer("shipped_deployment_id", { mode: "number" }),
    shippedAt: integer("shipped_at", { mode: "number" }),
    revertedAt: integer("reverted_at", { mode: "number" }),
    rolledBackAt: integer("rolled_back_at", { mode: "number" }),
    /** Merged into a deployable branch: only such changes can be shipped. */
    deployable: integer("deployable", { mode: "boolean" }).notNull().default(true),
    ai: integer("ai", { mode: "boolean" }).notNull(),
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
    commitsTotal: integer("commits_total", { mode: "number" }).notNull(),
    commitsAi: integer("commits_ai", { mode: "number" }).notNull(),
    /** The head sha the attribution was computed for. */
    attributedSha: text("attributed_sha").notNull(),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
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
      .where(sql`state = 'merged' AND deployable = 1`),
    // merged_at too: the report's "shipped in the period, merged outside it" is decided in the index.
    index("changes_shipped_idx").on(t.installationId, t.shippedAt, t.mergedAt),
    // AI-assisted rows whose evidence is not classified yet (written before 0007, or by an older
    // version during an upgrade): empty once classified, so looking for them costs nothing.
    index("changes_unclassified_idx").on(t.installationId, t.id).where(sql`ai = 1 AND ai_evidence IS NULL`),
  ],
);

/** Commits as attributed, once per repository and sha. */
export const commits = sqliteTable(
  "commits",
  {
    repositoryId: integer("repository_id", { mode: "number" })
      .notNull()
      .references(() => repositories.id),
    sha: text("sha").notNull(),
    authorName: text("author_name").notNull(),
    authorEmail: text("author_email").notNull(),
    authorLogin: text("author_login"),
    authoredAt: integer("authored_at", { mode: "number" }),
    subject: text("subject").notNull(),
    /** The full message, so that a change can be attributed again without asking GitHub. */
    message: text("message").notNull().default(""),
    ai: integer("ai", { mode: "boolean" }).notNull(),
    agents: text("agents").notNull(),
    models: text("models").notNull(),
    sessions: text("sessions").notNull(),
    evidence: text("evidence").notNull(),
  },
  (t) => [primaryKey({ columns: [t.repositoryId, t.sha] })],
);

/** Which commits a change is made of, in order. */
export const changeCommits = sqliteTable(
  "change_commits",
  {
    changeId: integer("change_id", { mode: "number" })
      .notNull()
      .references(() => changes.id, { onDelete: "cascade" }),
    sha: text("sha").notNull(),
    position: integer("position", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.changeId, t.sha] }), index("change_commits_sha_idx").on(t.sha)],
);

/** A successful production deployment, from whichever source the repository configures. */
export const deployments = sqliteTable(
  "deployments",
  {
    id: integer("id", { mode: "number" }).primaryKey({ autoIncrement: true }),
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    repositoryId: integer("repository_id", { mode: "number" })
      .notNull()
      .references(() => repositories.id),
    environment: text("environment").notNull(),
    source: text("source", { enum: ["deployment", "release", "workflow_run", "push"] }).notNull(),
    /** Identifies the deployment at its source (GitHub deployment id, release id, run id, push). */
    sourceKey: text("source_key").notNull(),
    sha: text("sha").notNull(),
    ref: text("ref"),
    /** When it succeeded: deployments are ordered by this, not by arrival. */
    succeededAt: integer("succeeded_at", { mode: "number" }).notNull(),
    /** False while only a lower bound is known (seen through an `inactive` status, not its `success`). */
    succeededAtExact: integer("succeeded_at_exact", { mode: "boolean" }).notNull().default(true),
    /** What it did, relative to its predecessor: baseline, ship, redeploy, rollback or diverged. */
    outcome: text("outcome", { enum: ["baseline", "ship", "redeploy", "rollback", "diverged"] }).notNull(),
    previousSha: text("previous_sha"),
    url: text("url"),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
    /**
     * When what it ships was last worked out, or null while that is pending (recorded before its
     * range is compared; its predecessor changed): a deployment whose settling failed is settled again.
     */
    settledAt: integer("settled_at", { mode: "number" }),
    /** When its "Shipledger deployment" check run was written, or null: not yet (written once). */
    reportedAt: integer("reported_at", { mode: "number" }),
  },
  (t) => [
    uniqueIndex("deployments_source_idx").on(t.repositoryId, t.sourceKey),
    index("deployments_order_idx").on(t.repositoryId, t.environment, t.succeededAt),
    index("deployments_installation_idx").on(t.installationId, t.succeededAt),
  ],
);

/** The commits a deployment shipped (ahead of, or only in, it), or rolled back (rollback). */
export const deploymentCommits = sqliteTable(
  "deployment_commits",
  {
    deploymentId: integer("deployment_id", { mode: "number" })
      .notNull()
      .references(() => deployments.id, { onDelete: "cascade" }),
    sha: text("sha").notNull(),
    effect: text("effect", { enum: ["shipped", "rolled_back"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.deploymentId, t.sha] }), index("deployment_commits_sha_idx").on(t.sha)],
);

/** A change that reverts another: by pull request number or by commit. */
export const reverts = sqliteTable(
  "reverts",
  {
    revertingChangeId: integer("reverting_change_id", { mode: "number" })
      .notNull()
      .references(() => changes.id, { onDelete: "cascade" }),
    repositoryId: integer("repository_id", { mode: "number" }).notNull(),
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
export const webhookSweeps = sqliteTable("webhook_sweeps", {
  id: text("id").primaryKey(),
  /** The newest delivery id swept with everything older (null: never swept). */
  watermarkId: integer("watermark_id", { mode: "number" }),
  /** A walk cut short by its page budget: where it goes on (GitHub's cursor), and the newest id it saw. */
  resumeCursor: text("resume_cursor"),
  resumeUntilId: integer("resume_until_id", { mode: "number" }),
  lockedBy: text("locked_by"),
  lockedAt: integer("locked_at", { mode: "number" }),
  /** When the last sweep ended (instances take turns: none sweeps again soon after another). */
  finishedAt: integer("finished_at", { mode: "number" }),
});

/** Redeliveries asked of GitHub: one row per event (its guid, the X-GitHub-Delivery). Claimed before each request. */
export const webhookRedeliveries = sqliteTable("webhook_redeliveries", {
  guid: text("guid").primaryKey(),
  /** The GitHub delivery (attempt) id last redelivered. */
  deliveryId: integer("delivery_id", { mode: "number" }).notNull(),
  /** How many times its redelivery was asked (src/ledger/core/redelivery.ts: MAX_REDELIVERIES). */
  asks: integer("asks", { mode: "number" }).notNull().default(1),
  event: text("event").notNull(),
  requestedAt: integer("requested_at", { mode: "number" }).notNull(),
  requestedBy: text("requested_by").notNull(),
});

/** The backfill's lease per installation: one backfill of an installation at a time, across instances. */
export const backfillLeases = sqliteTable("backfill_leases", {
  installationId: integer("installation_id", { mode: "number" }).primaryKey(),
  lockedBy: text("locked_by"),
  lockedAt: integer("locked_at", { mode: "number" }),
});

/**
 * A repository's history backfill: the window asked for, where the read stands (phase, GitHub's
 * cursor, counts), so that a stopped instance's work is resumed where it stopped, by it or another.
 */
export const backfillRuns = sqliteTable(
  "backfill_runs",
  {
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    repositoryId: integer("repository_id", { mode: "number" }).notNull(),
    /** What asked for it: install (installation or repositories added), manual (the CLI), drift (the daily sweep). */
    kind: text("kind").notNull(),
    /** The window's start (ms): merges and deployment successes at or after it are read. */
    windowSince: integer("window_since", { mode: "number" }).notNull(),
    /** pending, pulls, deployments, done, failed, stopped (the repository left the installation). */
    phase: text("phase").notNull(),
    /** Where the phase goes on: GitHub's cursor (pulls), the last step recorded (deployments). */
    cursor: text("cursor"),
    pullsRead: integer("pulls_read").notNull().default(0),
    merged: integer("merged").notNull().default(0),
    deployments: integer("deployments").notNull().default(0),
    deploymentsTotal: integer("deployments_total"),
    /** updated_at of the oldest pull request read so far (the walk goes newest first). */
    reachedAt: integer("reached_at", { mode: "number" }),
    /** GitHub requests spent. */
    requests: integer("requests").notNull().default(0),
    /** The earliest window read to the end (ms), kept across later runs: history before it is not read. */
    coveredSince: integer("covered_since", { mode: "number" }),
    requestedAt: integer("requested_at", { mode: "number" }).notNull(),
    startedAt: integer("started_at", { mode: "number" }),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
    finishedAt: integer("finished_at", { mode: "number" }),
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
export const dashboardSessions = sqliteTable(
  "dashboard_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: integer("user_id", { mode: "number" }).notNull(),
    login: text("login").notNull(),
    /** JSON: the installation ids, and per installation the repository ids the user could see (src/store/dashboard.ts). */
    installations: text("installations").notNull(),
    csrf: text("csrf").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    expiresAt: integer("expires_at", { mode: "number" }).notNull(),
  },
  (t) => [index("dashboard_sessions_expiry_idx").on(t.expiresAt)],
);

/** A lead's verdict on a sampled change's attribution ("wrong", with why): one per change. */
export const auditMarks = sqliteTable(
  "audit_marks",
  {
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    changeId: integer("change_id", { mode: "number" }).notNull(),
    verdict: text("verdict").notNull(),
    reason: text("reason").notNull(),
    markedBy: integer("marked_by", { mode: "number" }).notNull(),
    markedAt: integer("marked_at", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.installationId, t.changeId] })],
);

/**
 * Tokens that let a coding agent's OpenTelemetry exporter write spend for one installation (never
 * read anything): the ledger keeps the token's SHA-256 only. Made, listed and revoked with
 * `shipledger costs token`.
 */
export const ingestTokens = sqliteTable(
  "ingest_tokens",
  {
    id: integer("id", { mode: "number" }).primaryKey({ autoIncrement: true }),
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    lastUsedAt: integer("last_used_at", { mode: "number" }),
    revokedAt: integer("revoked_at", { mode: "number" }),
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
export const aiUsagePoints = sqliteTable(
  "ai_usage_points",
  {
    installationId: integer("installation_id", { mode: "number" }).notNull(),
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
    value: real("value").notNull(),
    /** delta or cumulative. */
    temporality: text("temporality").notNull(),
    /** The point's time (ms). */
    at: integer("at", { mode: "number" }).notNull(),
    /** otlp or import. */
    source: text("source").notNull(),
    receivedAt: integer("received_at", { mode: "number" }).notNull(),
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
export const aiUsageSessions = sqliteTable(
  "ai_usage_sessions",
  {
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    day: integer("day", { mode: "number" }).notNull(),
    sessionKey: text("session_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.installationId, t.day, t.sessionKey] })],
);

/** The sessions each change's evidence names (sessionKey of each), for the spend join. */
export const changeSessions = sqliteTable(
  "change_sessions",
  {
    installationId: integer("installation_id", { mode: "number" }).notNull(),
    sessionKey: text("session_key").notNull(),
    changeId: integer("change_id", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.installationId, t.sessionKey, t.changeId] }),
    index("change_sessions_change_idx").on(t.changeId),
  ],
);
