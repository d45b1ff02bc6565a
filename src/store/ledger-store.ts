import { and, asc, count, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { FateQueries } from "./fate-queries.js";
import type * as schema from "./schema.sqlite.js";
import type {
  ChangeInputRecord,
  ChangeRecord,
  ClaimOptions,
  CommitRecord,
  Delivery,
  DeliveryQuery,
  DeliveryStatus,
  DeploymentInput,
  DeploymentOutcome,
  DeploymentRecord,
  Dialect,
  InboxDepth,
  InstallationRecord,
  NewDelivery,
  ReportChangeRow,
  RepositoryRecord,
  RepositorySettings,
  SessionRef,
  Store,
} from "./types.js";

/**
 * Runs raw SQL in the connected dialect. Everything that the two dialects spell the same way goes
 * through drizzle's query builder in LedgerStore; only statements that differ go through here.
 */
export interface DialectDriver {
  readonly dialect: Dialect;
  /** Rows of a statement, with column names as the database returns them (snake_case). */
  rows(query: SQL): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Both dialect schemas declare the same tables, columns and TypeScript row shapes (asserted by a
 * test), and drizzle's builders for SQLite and Postgres share the calls used here. So one
 * implementation serves both: Postgres' drizzle instance and tables are passed in under the SQLite
 * types.
 */
export type LedgerDb = BetterSQLite3Database<typeof schema>;
export type LedgerSchema = typeof schema;

const deliveryColumns: Record<string, keyof Delivery> = {
  id: "id",
  event: "event",
  action: "action",
  installation_id: "installationId",
  repository_id: "repositoryId",
  repository_full_name: "repositoryFullName",
  received_at: "receivedAt",
  payload: "payload",
  status: "status",
  attempts: "attempts",
  next_attempt_at: "nextAttemptAt",
  locked_by: "lockedBy",
  locked_at: "lockedAt",
  last_error: "lastError",
  completed_at: "completedAt",
};
const numericDeliveryFields = new Set<keyof Delivery>([
  "installationId",
  "repositoryId",
  "receivedAt",
  "attempts",
  "nextAttemptAt",
  "lockedAt",
  "completedAt",
]);

/** The columns listReportChanges asks for: REPORT_COLUMNS, and the files when asked. */
function reportColumns(dialect: Dialect, paths: boolean): string[] {
  const columns: string[] = [...REPORT_COLUMNS];
  if (paths) columns.push(dialect === "postgres" ? "paths::json" : "json(paths)");
  return columns;
}

/**
 * Merged changes are read a week of merges at a time, or in at most 60 slices for a long period
 * (years, from the CLI), so that neither one JSON text nor the number of queries grows without end.
 */
function reportSlice(since: number, until: number): number {
  return Math.max(7 * 86_400_000, Math.ceil((until - since) / 60));
}

/**
 * The query listReportChanges runs for the changes of `scope` that also match `where`: each column
 * as one JSON array built by the database and parsed in one go. An organisation's 90 days are
 * ~100k rows, and handing them over one by one, value by value, costs several times the query.
 * The aggregates of one SELECT all see the rows in the same order. The state and deployability
 * are written as the partial index changes_report_idx declares them, so that the planner can
 * read the merged rows from that index alone (test/metrics/ledger-scenario.test.ts checks the plan).
 */
export function reportQuery(
  dialect: Dialect,
  scope: { installationId: number; repositoryIds?: number[] },
  where: SQL,
  columns: readonly string[] = reportColumns(dialect, false),
): SQL {
  const aggregate = dialect === "postgres" ? "json_agg" : "json_group_array";
  return sql`
    SELECT ${sql.raw(columns.map((column, i) => `${aggregate}(${column}) AS c${i}`).join(", "))}
      FROM changes
     WHERE ${reportScope(dialect, scope)} AND ${where}`;
}

/** The changes a report on `scope` may read, in the form of the partial index changes_report_idx. */
function reportScope(dialect: Dialect, scope: { installationId: number; repositoryIds?: number[] }): SQL {
  const reportable = sql.raw(
    dialect === "postgres" ? "state = 'merged' AND deployable" : "state = 'merged' AND deployable = 1",
  );
  const repositories = scope.repositoryIds
    ? sql` AND repository_id IN (${sql.join(
        (scope.repositoryIds.length ? scope.repositoryIds : [-1]).map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql``;
  return sql`installation_id = ${scope.installationId} AND ${reportable}${repositories}`;
}

/** Merged in [since, until), and shipped in it but merged outside it: the two reads of listReportChanges. */
function reportPeriods(since: number, until: number): [SQL, SQL] {
  return [
    sql`merged_at >= ${since} AND merged_at < ${until}`,
    sql`shipped_at >= ${since} AND shipped_at < ${until} AND (merged_at < ${since} OR merged_at >= ${until})`,
  ];
}

/** Stored repository settings; anything unreadable counts as never read (the instance's settings apply). */
function parseSettings(json: string | null): RepositorySettings | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as Partial<RepositorySettings>;
    if (typeof value.revertWindowDays !== "number" || !Array.isArray(value.ignorePaths)) return null;
    return {
      revertWindowDays: value.revertWindowDays,
      ignorePaths: value.ignorePaths.filter((p): p is string => typeof p === "string"),
      ...(typeof value.minGroupSize === "number" ? { minGroupSize: value.minGroupSize } : {}),
    };
  } catch {
    return null;
  }
}

/** A JSON value as 0/1 (SQLite) or a boolean (Postgres). */
const flag = (value: unknown) => value === 1 || value === true;

/** What listReportChanges reads of each change, in this order (reportRow reads them so). */
const REPORT_COLUMNS = [
  "id",
  "repository_id",
  "number",
  "engineer",
  "bot_change",
  "ai",
  "agents",
  "merged_at",
  "first_commit_at",
  "paths_complete",
  "shipped_deployment_id",
  "shipped_at",
  "reverted_at",
  "rolled_back_at",
] as const;
/** A stored list of agent ids; anything unreadable is no agents (it was written by this code as JSON). */
function parseAgents(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((agent): agent is string => typeof agent === "string") : [];
  } catch {
    return [];
  }
}

/** A nullable number column's value. */
function orNull(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

/** The `paths` of every row read without them: one shared, frozen empty list. */
const NO_PATHS: string[] = Object.freeze([]) as unknown as string[];

/**
 * Row i of the columns listReportChanges read (REPORT_COLUMNS, then paths when asked for). The
 * agents column comes as its JSON text: the few distinct lists are parsed once each (`agentLists`)
 * and shared, rather than one array made per row.
 */
function reportRow(c: unknown[][], i: number, agentLists: Map<string, string[]>): ReportChangeRow {
  const agentsJson = (c[6]?.[i] as string | null) ?? "[]";
  let agents = agentLists.get(agentsJson);
  if (agents === undefined) {
    agents = Object.freeze(parseAgents(agentsJson)) as string[];
    agentLists.set(agentsJson, agents);
  }
  const deploymentId = orNull(c[10]?.[i]);
  const shippedAt = orNull(c[11]?.[i]);
  return {
    id: c[0]?.[i] as number,
    repositoryId: c[1]?.[i] as number,
    repository: "", // filled in by listReportChanges
    number: orNull(c[2]?.[i]),
    engineer: c[3]?.[i] as string | null,
    botChange: flag(c[4]?.[i]),
    ai: flag(c[5]?.[i]),
    agents,
    mergedAt: (c[7]?.[i] as number | null) ?? 0,
    firstCommitAt: orNull(c[8]?.[i]),
    paths: (c[14]?.[i] as string[] | undefined) ?? NO_PATHS,
    pathsComplete: flag(c[9]?.[i]),
    shipped: deploymentId !== null && shippedAt !== null ? { deploymentId, at: shippedAt } : null,
    revertedAt: orNull(c[12]?.[i]),
    rolledBackAt: orNull(c[13]?.[i]),
  };
}

function deliveryFromRawRow(row: Record<string, unknown>): Delivery {
  const out: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(deliveryColumns)) {
    const value = row[column] ?? null;
    // node-postgres returns bigint columns as strings in raw queries.
    out[field] = value !== null && numericDeliveryFields.has(field) ? Number(value) : value;
  }
  return out as unknown as Delivery;
}

type JsonColumns = { agents: string[]; models: string[]; sessions: SessionRef[]; evidence: unknown[] };
type Encoded<T> = Omit<T, keyof JsonColumns> & Record<keyof JsonColumns, string>;

/** Attribution lists are stored as JSON text in both dialects. */
function encodeJsonColumns<T extends JsonColumns>(value: T): Encoded<T> {
  return {
    ...value,
    agents: JSON.stringify(value.agents),
    models: JSON.stringify(value.models),
    sessions: JSON.stringify(value.sessions),
    evidence: JSON.stringify(value.evidence),
  };
}

function decodeJsonColumns<T extends Record<keyof JsonColumns, string>>(
  row: T,
): Omit<T, keyof JsonColumns> & JsonColumns {
  return {
    ...row,
    agents: JSON.parse(row.agents),
    models: JSON.parse(row.models),
    sessions: JSON.parse(row.sessions),
    evidence: JSON.parse(row.evidence),
  };
}

type ChangeRow = LedgerSchema["changes"]["$inferSelect"];

function decodeChange(row: ChangeRow): ChangeRecord {
  return { ...decodeJsonColumns(row), paths: JSON.parse(row.paths) as string[] };
}

/** A change's columns for insert/update: JSON lists as text; paths only when given. */
function encodeChange(change: ChangeInputRecord, now: number) {
  const { paths, ...rest } = change;
  return {
    ...encodeJsonColumns(rest),
    ...(paths === undefined ? {} : { paths: JSON.stringify(paths) }),
    updatedAt: now,
  };
}

/** Case-insensitive name order, the same in both dialects. */
export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** What an installation without a known account login is recorded as: never matched as a login. */
const UNKNOWN_LOGIN = "unknown";

export class LedgerStore implements Store {
  readonly dialect: Dialect;
  readonly #db: LedgerDb;
  readonly #t: LedgerSchema;
  readonly #driver: DialectDriver;
  /** The facts fates are decided from, and the fate columns (src/ledger/fates.ts uses them). */
  readonly fates: FateQueries;

  constructor(db: LedgerDb, tables: LedgerSchema, driver: DialectDriver) {
    this.#db = db;
    this.#t = tables;
    this.#driver = driver;
    this.dialect = driver.dialect;
    this.fates = new FateQueries(db, tables, driver);
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  async upsertInstallation(installation: {
    id: number;
    accountId?: number | null;
    accountLogin: string | null;
    accountType: string;
    suspendedAt?: number | null;
    now: number;
  }): Promise<void> {
    const t = this.#t.installations;
    const set: Partial<typeof t.$inferInsert> = {
      accountType: installation.accountType,
      deletedAt: null,
      updatedAt: installation.now,
    };
    // An unknown login or account id never erases a known one.
    if (installation.accountLogin) set.accountLogin = installation.accountLogin;
    if (installation.accountId != null) set.accountId = installation.accountId;
    if (installation.suspendedAt !== undefined) set.suspendedAt = installation.suspendedAt;
    await this.#db
      .insert(t)
      .values({
        id: installation.id,
        accountId: installation.accountId ?? null,
        accountLogin: installation.accountLogin || UNKNOWN_LOGIN,
        accountType: installation.accountType,
        suspendedAt: installation.suspendedAt ?? null,
        createdAt: installation.now,
        updatedAt: installation.now,
      })
      .onConflictDoUpdate({ target: t.id, set });
    if (installation.accountId != null && installation.accountLogin) {
      await this.#recordLogin(installation.accountId, installation.accountLogin, installation.now);
    }
  }

  async renameAccount(accountId: number, login: string, now: number): Promise<void> {
    if (!login) return;
    const t = this.#t.installations;
    await this.#db.update(t).set({ accountLogin: login, updatedAt: now }).where(eq(t.accountId, accountId));
    await this.#recordLogin(accountId, login, now);
  }

  async #recordLogin(accountId: number, login: string, now: number): Promise<void> {
    const l = this.#t.accountLogins;
    await this.#db
      .insert(l)
      .values({ accountId, login: login.toLowerCase(), seenAt: now })
      .onConflictDoNothing({ target: [l.accountId, l.login] });
  }

  async findInstallationsByLogin(login: string): Promise<InstallationRecord[]> {
    const t = this.#t.installations;
    const l = this.#t.accountLogins;
    const name = login.toLowerCase();
    if (name === "" || name === UNKNOWN_LOGIN) return [];
    const known = this.#db.select({ accountId: l.accountId }).from(l).where(eq(l.login, name));
    return this.#db
      .select(this.#installationColumns())
      .from(t)
      .where(
        or(
          inArray(t.accountId, known),
          // Recorded before account ids were kept: by the login it was last seen with.
          and(isNull(t.accountId), sql`lower(${t.accountLogin}) = ${name}`),
        ),
      )
      .orderBy(asc(t.id));
  }

  async findInstallationsByAccountId(accountId: number): Promise<InstallationRecord[]> {
    const t = this.#t.installations;
    return this.#db.select(this.#installationColumns()).from(t).where(eq(t.accountId, accountId)).orderBy(asc(t.id));
  }

  #installationColumns() {
    const t = this.#t.installations;
    return {
      id: t.id,
      accountId: t.accountId,
      accountLogin: t.accountLogin,
      accountType: t.accountType,
      suspendedAt: t.suspendedAt,
      deletedAt: t.deletedAt,
      minGroupSize: t.minGroupSize,
    };
  }

  async recordInstallationMinGroupSize(id: number, minGroupSize: number | null, now: number): Promise<void> {
    const t = this.#t.installations;
    const [current] = await this.#db.select({ minGroupSize: t.minGroupSize }).from(t).where(eq(t.id, id));
    if (!current || current.minGroupSize === minGroupSize) return;
    await this.#db.update(t).set({ minGroupSize, updatedAt: now }).where(eq(t.id, id));
  }

  async markInstallationDeleted(id: number, now: number): Promise<void> {
    const t = this.#t.installations;
    await this.#db.update(t).set({ deletedAt: now, updatedAt: now }).where(eq(t.id, id));
  }

  async getInstallation(id: number): Promise<InstallationRecord | null> {
    const t = this.#t.installations;
    const rows = await this.#db.select(this.#installationColumns()).from(t).where(eq(t.id, id));
    return rows[0] ?? null;
  }

  async upsertRepositories(
    installationId: number,
    repositories: Array<{ id: number; fullName: string; private: boolean; defaultBranch?: string | null }>,
    now: number,
    { receivedAt, moves = true }: { receivedAt?: number; moves?: boolean } = {},
  ): Promise<{ withheld: number[] }> {
    const t = this.#t.repositories;
    const since = receivedAt ?? now;
    const withheld: number[] = [];
    let uninstalled: boolean | undefined; // asked only when a repository would move
    for (const repository of repositories) {
      const [before] = await this.#db
        .select({ installationId: t.installationId, installedSince: t.installedSince })
        .from(t)
        .where(eq(t.id, repository.id));
      const moving = before !== undefined && before.installationId !== installationId;
      // Never to an uninstalled installation, and, for an event received before the one that gave
      // the repository to its installation (a late delivery of the installation it left), not at all.
      if (moving && receivedAt !== undefined && before.installedSince !== null && receivedAt <= before.installedSince)
        continue;
      if (moving) {
        uninstalled ??= (await this.getInstallation(installationId))?.deletedAt != null;
        if (uninstalled) continue;
        if (!moves) {
          withheld.push(repository.id);
          continue;
        }
      }
      const set: Partial<typeof t.$inferInsert> = {
        installationId,
        fullName: repository.fullName,
        private: repository.private,
        removedAt: null,
        updatedAt: now,
      };
      if (moving) set.installedSince = since;
      // A payload without default_branch (installation events) must not erase a known one.
      if (repository.defaultBranch) set.defaultBranch = repository.defaultBranch;
      await this.#db
        .insert(t)
        .values({
          id: repository.id,
          installationId,
          fullName: repository.fullName,
          defaultBranch: repository.defaultBranch ?? null,
          private: repository.private,
          updatedAt: now,
          installedSince: since,
        })
        .onConflictDoUpdate({ target: t.id, set });
      if (moving) {
        // The app was installed again (a new installation id), or the repository was transferred
        // to an account that has the app: its history goes with it, as on GitHub.
        await this.#moveRepositoryHistory(repository.id, installationId);
      }
    }
    return { withheld };
  }

  async #moveRepositoryHistory(repositoryId: number, installationId: number): Promise<void> {
    const c = this.#t.changes;
    const d = this.#t.deployments;
    await this.#db.update(c).set({ installationId }).where(eq(c.repositoryId, repositoryId));
    await this.#db.update(d).set({ installationId }).where(eq(d.repositoryId, repositoryId));
  }

  async markRepositoriesRemoved(installationId: number, repositoryIds: number[], now: number): Promise<void> {
    if (repositoryIds.length === 0) return;
    const t = this.#t.repositories;
    await this.#db
      .update(t)
      .set({ removedAt: now, updatedAt: now })
      .where(and(eq(t.installationId, installationId), inArray(t.id, repositoryIds)));
  }

  async recordRepositorySettings(
    installationId: number,
    repositoryId: number,
    settings: RepositorySettings | null,
    now: number,
  ): Promise<void> {
    const t = this.#t.repositories;
    const json =
      settings === null
        ? null
        : JSON.stringify({
            revertWindowDays: settings.revertWindowDays,
            ignorePaths: settings.ignorePaths,
            ...(settings.minGroupSize !== undefined ? { minGroupSize: settings.minGroupSize } : {}),
          });
    const where = and(eq(t.id, repositoryId), eq(t.installationId, installationId));
    const [current] = await this.#db.select({ metricSettings: t.metricSettings }).from(t).where(where);
    if (!current || current.metricSettings === json) return;
    await this.#db.update(t).set({ metricSettings: json, updatedAt: now }).where(where);
  }

  async listRepositories(
    installationId: number,
    options: { includeRemoved?: boolean } = {},
  ): Promise<RepositoryRecord[]> {
    const t = this.#t.repositories;
    const where = options.includeRemoved
      ? eq(t.installationId, installationId)
      : and(eq(t.installationId, installationId), isNull(t.removedAt));
    const repositories = await this.#repositories(where);
    // Sorted here, not in SQL: the dialects' collations order names differently.
    return repositories.sort((a, b) => compareNames(a.fullName, b.fullName));
  }

  async getRepository(installationId: number, repositoryId: number): Promise<RepositoryRecord | null> {
    const t = this.#t.repositories;
    const [repository] = await this.#repositories(and(eq(t.installationId, installationId), eq(t.id, repositoryId)));
    return repository ?? null;
  }

  async #repositories(where: SQL | undefined): Promise<RepositoryRecord[]> {
    const t = this.#t.repositories;
    const rows = await this.#db
      .select({
        id: t.id,
        installationId: t.installationId,
        fullName: t.fullName,
        defaultBranch: t.defaultBranch,
        private: t.private,
        removedAt: t.removedAt,
        metricSettings: t.metricSettings,
      })
      .from(t)
      .where(where);
    return rows.map((row) => ({ ...row, metricSettings: parseSettings(row.metricSettings) }));
  }

  async recordChange(change: ChangeInputRecord, commitList: CommitRecord[], now: number): Promise<number> {
    const c = this.#t.changes;
    const row = encodeChange(change, now);
    const { installationId: _installation, repositoryId: _repository, number: _number, ...set } = row;
    // Deliveries arrive out of order: an update processed after the merge must not unmerge it.
    const monotonic = {
      ...set,
      state: sql`CASE WHEN ${c.state} = 'merged' THEN 'merged' ELSE excluded.state END`,
      mergedAt: sql`COALESCE(excluded.merged_at, ${c.mergedAt})`,
      mergeCommitSha: sql`COALESCE(excluded.merge_commit_sha, ${c.mergeCommitSha})`,
      mergedBy: sql`COALESCE(excluded.merged_by, ${c.mergedBy})`,
      mergeMethod: sql`COALESCE(excluded.merge_method, ${c.mergeMethod})`,
    };
    let saved: { id: number } | undefined;
    if (change.number === null) {
      // A direct push: one change per commit, found by its sha.
      const existing = await this.getPushChange(
        change.installationId,
        change.repositoryId,
        change.mergeCommitSha ?? "",
      );
      if (existing) {
        await this.#db.update(c).set(set).where(eq(c.id, existing.id));
        saved = { id: existing.id };
      } else {
        [saved] = await this.#db.insert(c).values(row).returning({ id: c.id });
      }
    } else {
      [saved] = await this.#db
        .insert(c)
        .values(row)
        .onConflictDoUpdate({ target: [c.repositoryId, c.number], set: monotonic })
        .returning({ id: c.id });
    }
    if (!saved) throw new Error(`recordChange: no row for ${change.repositoryId}#${change.number}`);

    const k = this.#t.commits;
    for (let i = 0; i < commitList.length; i += 100) {
      const chunk = commitList
        .slice(i, i + 100)
        .map((commit) => ({ repositoryId: change.repositoryId, ...encodeJsonColumns(commit) }));
      await this.#db
        .insert(k)
        .values(chunk)
        .onConflictDoUpdate({
          target: [k.repositoryId, k.sha],
          set: {
            ai: sql`excluded.ai`,
            agents: sql`excluded.agents`,
            models: sql`excluded.models`,
            sessions: sql`excluded.sessions`,
            evidence: sql`excluded.evidence`,
            authorLogin: sql`excluded.author_login`,
            message: sql`excluded.message`,
          },
        });
    }

    const cc = this.#t.changeCommits;
    await this.#db.delete(cc).where(eq(cc.changeId, saved.id));
    for (let i = 0; i < commitList.length; i += 300) {
      await this.#db
        .insert(cc)
        .values(
          commitList.slice(i, i + 300).map((commit, j) => ({ changeId: saved.id, sha: commit.sha, position: i + j })),
        )
        .onConflictDoNothing();
    }
    return saved.id;
  }

  async getChange(installationId: number, repositoryId: number, number: number): Promise<ChangeRecord | null> {
    const c = this.#t.changes;
    const rows = await this.#db
      .select()
      .from(c)
      .where(and(eq(c.installationId, installationId), eq(c.repositoryId, repositoryId), eq(c.number, number)));
    const row = rows[0];
    if (!row) return null;
    return decodeChange(row);
  }

  async listChangeCommits(changeId: number): Promise<CommitRecord[]> {
    const c = this.#t.changes;
    const cc = this.#t.changeCommits;
    const k = this.#t.commits;
    const rows = await this.#db
      .select({ commit: k })
      .from(cc)
      .innerJoin(c, eq(c.id, cc.changeId))
      .innerJoin(k, and(eq(k.repositoryId, c.repositoryId), eq(k.sha, cc.sha)))
      .where(eq(cc.changeId, changeId))
      .orderBy(asc(cc.position));
    return rows.map(({ commit: { repositoryId: _repository, ...commit } }) => decodeJsonColumns(commit));
  }

  async getPushChange(installationId: number, repositoryId: number, sha: string): Promise<ChangeRecord | null> {
    const c = this.#t.changes;
    const rows = await this.#db
      .select()
      .from(c)
      .where(
        and(
          eq(c.installationId, installationId),
          eq(c.repositoryId, repositoryId),
          eq(c.kind, "push"),
          eq(c.mergeCommitSha, sha),
        ),
      );
    return rows[0] ? decodeChange(rows[0]) : null;
  }

  async recordReverts(changeId: number, repositoryId: number, targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    const r = this.#t.reverts;
    await this.#db
      .insert(r)
      .values([...new Set(targets)].map((target) => ({ revertingChangeId: changeId, repositoryId, target })))
      .onConflictDoNothing();
  }

  async knownShas(repositoryId: number, shas: string[]): Promise<Set<string>> {
    const matches = await this.#changesWithShas(repositoryId, shas, { mergedOnly: true });
    return new Set(matches.map((m) => m.sha));
  }

  /**
   * The changes of a repository that a sha belongs to: as their merge commit or as one of their
   * own commits. Read in chunks, so that a long range stays within the dialects' parameter limits.
   */
  async #changesWithShas(
    repositoryId: number,
    shas: string[],
    { mergedOnly }: { mergedOnly: boolean },
  ): Promise<Array<{ id: number; sha: string }>> {
    const c = this.#t.changes;
    const cc = this.#t.changeCommits;
    const scope = and(eq(c.repositoryId, repositoryId), mergedOnly ? eq(c.state, "merged") : undefined);
    const out: Array<{ id: number; sha: string }> = [];
    for (let i = 0; i < shas.length; i += 500) {
      const chunk = shas.slice(i, i + 500);
      const merges = await this.#db
        .select({ id: c.id, sha: c.mergeCommitSha })
        .from(c)
        .where(and(scope, inArray(c.mergeCommitSha, chunk)));
      for (const m of merges) if (m.sha) out.push({ id: m.id, sha: m.sha });
      const own = await this.#db
        .select({ id: cc.changeId, sha: cc.sha })
        .from(cc)
        .innerJoin(c, eq(c.id, cc.changeId))
        .where(and(scope, inArray(cc.sha, chunk)));
      out.push(...own);
    }
    return out;
  }

  /** Records a deployment by its source key; one already recorded is returned as it is. */
  async upsertDeployment(
    deployment: DeploymentInput,
    now: number,
  ): Promise<{ deployment: DeploymentRecord; inserted: boolean }> {
    const d = this.#t.deployments;
    const input = { ...deployment, environment: deployment.environment.toLowerCase() };
    const inserted = await this.#db
      .insert(d)
      .values({ ...input, outcome: "baseline", previousSha: null, updatedAt: now })
      .onConflictDoNothing({ target: [d.repositoryId, d.sourceKey] })
      .returning();
    if (inserted[0]) return { deployment: inserted[0], inserted: true };
    const existing = await this.#deploymentByKey(input.repositoryId, input.sourceKey);
    if (!existing) throw new Error(`upsertDeployment: ${input.sourceKey} vanished`);
    return { deployment: existing, inserted: false };
  }

  /** Moves a deployment's success time; it is pending again (its chain neighbours may change). */
  async moveDeploymentSuccess(
    id: number,
    success: { succeededAt: number; succeededAtExact: boolean },
    now: number,
  ): Promise<DeploymentRecord> {
    const d = this.#t.deployments;
    const [updated] = await this.#db
      .update(d)
      .set({ ...success, updatedAt: now, settledAt: null })
      .where(eq(d.id, id))
      .returning();
    if (!updated) throw new Error(`moveDeploymentSuccess: no deployment ${id}`);
    return updated;
  }

  async findDeployment(
    installationId: number,
    repositoryId: number,
    sourceKey: string,
  ): Promise<DeploymentRecord | null> {
    const found = await this.#deploymentByKey(repositoryId, sourceKey);
    return found?.installationId === installationId ? found : null;
  }

  async #deploymentByKey(repositoryId: number, sourceKey: string): Promise<DeploymentRecord | null> {
    const d = this.#t.deployments;
    const rows = await this.#db
      .select()
      .from(d)
      .where(and(eq(d.repositoryId, repositoryId), eq(d.sourceKey, sourceKey)));
    return rows[0] ?? null;
  }

  async adjacentDeployment(of: DeploymentRecord, direction: "previous" | "next"): Promise<DeploymentRecord | null> {
    const d = this.#t.deployments;
    // src/ledger/core/deployment-order.ts's order, in SQL: success time, then the source key,
    // shorter first, then by code unit. A test holds the two together.
    const length = sql`length(${d.sourceKey})`;
    const key = this.#collated(d.sourceKey);
    const [at, len, text] = [of.succeededAt, of.sourceKey.length, of.sourceKey];
    const before = sql`(${d.succeededAt} < ${at} OR (${d.succeededAt} = ${at} AND (${length} < ${len} OR (${length} = ${len} AND ${key} < ${text}))))`;
    const after = sql`(${d.succeededAt} > ${at} OR (${d.succeededAt} = ${at} AND (${length} > ${len} OR (${length} = ${len} AND ${key} > ${text}))))`;
    const rows = await this.#db
      .select()
      .from(d)
      .where(
        and(
          eq(d.repositoryId, of.repositoryId),
          eq(d.environment, of.environment),
          direction === "previous" ? before : after,
        ),
      )
      .orderBy(...(direction === "previous" ? this.#deploymentOrder("desc") : this.#deploymentOrder("asc")))
      .limit(1);
    return rows[0] ?? null;
  }

  /** The deployment order (src/ledger/core/deployment-order.ts) as ORDER BY terms. */
  #deploymentOrder(direction: "asc" | "desc"): SQL[] {
    const d = this.#t.deployments;
    const terms = [sql`${d.succeededAt}`, sql`length(${d.sourceKey})`, this.#collated(d.sourceKey)];
    return terms.map((term) => (direction === "asc" ? sql`${term} ASC` : sql`${term} DESC`));
  }

  /** Records what a deployment ships and rolls back (its fates are refreshed by src/ledger/fates.ts). */
  async settleDeployment(
    id: number,
    settled: { outcome: DeploymentOutcome; previousSha: string | null; shipped: string[]; rolledBack: string[] },
    now: number,
  ): Promise<void> {
    const d = this.#t.deployments;
    const dc = this.#t.deploymentCommits;
    await this.#db
      .update(d)
      .set({ outcome: settled.outcome, previousSha: settled.previousSha, updatedAt: now })
      .where(eq(d.id, id));
    await this.#db.delete(dc).where(eq(dc.deploymentId, id));
    const rows = [
      ...[...new Set(settled.shipped)].map((sha) => ({ deploymentId: id, sha, effect: "shipped" as const })),
      ...[...new Set(settled.rolledBack)].map((sha) => ({ deploymentId: id, sha, effect: "rolled_back" as const })),
    ];
    for (let i = 0; i < rows.length; i += 500) {
      await this.#db
        .insert(dc)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing();
    }
  }

  async markDeploymentSettled(id: number, at: number | null): Promise<void> {
    const d = this.#t.deployments;
    await this.#db.update(d).set({ settledAt: at }).where(eq(d.id, id));
  }

  async claimDeploymentReport(id: number, now: number): Promise<boolean> {
    const d = this.#t.deployments;
    const claimed = await this.#db
      .update(d)
      .set({ reportedAt: now })
      .where(and(eq(d.id, id), isNull(d.reportedAt)))
      .returning({ id: d.id });
    return claimed.length > 0;
  }

  async releaseDeploymentReport(id: number): Promise<void> {
    const d = this.#t.deployments;
    await this.#db.update(d).set({ reportedAt: null }).where(eq(d.id, id));
  }

  async getDeployment(installationId: number, id: number): Promise<DeploymentRecord | null> {
    const d = this.#t.deployments;
    const rows = await this.#db
      .select()
      .from(d)
      .where(and(eq(d.installationId, installationId), eq(d.id, id)));
    return rows[0] ?? null;
  }

  async listDeployments(installationId: number, repositoryId: number): Promise<DeploymentRecord[]> {
    const d = this.#t.deployments;
    return this.#db
      .select()
      .from(d)
      .where(and(eq(d.installationId, installationId), eq(d.repositoryId, repositoryId)))
      .orderBy(...this.#deploymentOrder("asc"));
  }

  /** Text compared by code unit in both dialects (Postgres' default collation is the locale's). */
  #collated(column: SQL.Aliased | unknown) {
    return this.dialect === "postgres" ? sql`${column} COLLATE "C"` : sql`${column}`;
  }

  async #changesByIds(ids: number[]): Promise<ChangeRecord[]> {
    if (ids.length === 0) return [];
    const c = this.#t.changes;
    const rows = await this.#db.select().from(c).where(inArray(c.id, ids)).orderBy(asc(c.mergedAt), asc(c.id));
    return rows.map(decodeChange);
  }

  /** The changes whose first shipment is this deployment (their fate columns). */
  async changesShippedBy(installationId: number, deploymentId: number): Promise<ChangeRecord[]> {
    const c = this.#t.changes;
    const rows = await this.#db
      .select()
      .from(c)
      .where(and(eq(c.installationId, installationId), eq(c.shippedDeploymentId, deploymentId)))
      .orderBy(asc(c.mergedAt), asc(c.id));
    return rows.map(decodeChange);
  }

  /** The installation's changes with these ids, by merge time. */
  async getChanges(installationId: number, ids: number[]): Promise<ChangeRecord[]> {
    const owned = await this.#changesByIds(ids);
    return owned.filter((c) => c.installationId === installationId);
  }

  async findRepository(installationId: number, fullName: string): Promise<RepositoryRecord | null> {
    const t = this.#t.repositories;
    const [repository] = await this.#repositories(
      and(eq(t.installationId, installationId), sql`lower(${t.fullName}) = ${fullName.toLowerCase()}`),
    );
    return repository ?? null;
  }

  async listReportChanges(
    scope: { installationId: number; repositoryIds?: number[] },
    since: number,
    until: number,
    options: { paths?: boolean } = {},
  ): Promise<ReportChangeRow[]> {
    const columns = reportColumns(this.dialect, options.paths === true);
    const rows: ReportChangeRow[] = [];
    const agentLists = new Map<string, string[]>();
    const read = async (where: SQL) => {
      const [result] = await this.#driver.rows(reportQuery(this.dialect, scope, where, columns));
      // SQLite gives each array as JSON text; node-postgres parses it, and gives null for no rows.
      const values = columns.map((_, i) => {
        const value = result?.[`c${i}`] ?? null;
        return (typeof value === "string" ? JSON.parse(value) : (value ?? [])) as unknown[];
      });
      const count = values[0]?.length ?? 0;
      for (let i = 0; i < count; i++) rows.push(reportRow(values, i, agentLists));
    };
    // Merged in the period, a slice at a time so that no single JSON text grows with the period.
    const slice = reportSlice(since, until);
    for (let from = since; from < until; from += slice) {
      await read(reportPeriods(from, Math.min(until, from + slice))[0]);
    }
    // Shipped in the period but merged outside it (changes_shipped_idx decides that in the index).
    await read(reportPeriods(since, until)[1]);

    // The names of the few repositories involved, rather than a join that copies one into every row.
    const r = this.#t.repositories;
    const names = new Map<number, string>();
    const repositoryIds = [...new Set(rows.map((row) => row.repositoryId))];
    for (let i = 0; i < repositoryIds.length; i += 500) {
      const repositories = await this.#db
        .select({ id: r.id, fullName: r.fullName })
        .from(r)
        .where(inArray(r.id, repositoryIds.slice(i, i + 500)));
      for (const { id, fullName } of repositories) names.set(id, fullName);
    }
    let kept = 0;
    for (const row of rows) {
      const name = names.get(row.repositoryId);
      if (name === undefined) continue; // as the inner join did
      row.repository = name;
      rows[kept++] = row;
    }
    rows.length = kept;
    return rows.sort((a, b) => a.id - b.id);
  }

  async countReportChanges(
    scope: { installationId: number; repositoryIds?: number[] },
    since: number,
    until: number,
  ): Promise<number> {
    // Two counts, each of which its index answers alone (an OR of the two would scan).
    const [merged, shippedOnly] = reportPeriods(since, until).map(
      (period) => sql`(SELECT count(*) FROM changes WHERE ${reportScope(this.dialect, scope)} AND ${period})`,
    );
    const [row] = await this.#driver.rows(sql`SELECT ${merged} + ${shippedOnly} AS n`);
    return Number(row?.n ?? 0);
  }

  async enqueueDelivery(delivery: NewDelivery): Promise<{ inserted: boolean }> {
    const inserted = await this.enqueueDeliveries([delivery]);
    return { inserted: inserted.has(delivery.id) };
  }

  async enqueueDeliveries(deliveries: NewDelivery[]): Promise<Set<string>> {
    if (deliveries.length === 0) return new Set();
    const t = this.#t.deliveries;
    // One statement, one commit, however many deliveries: the intake's group commit.
    const inserted = await this.#db
      .insert(t)
      .values(deliveries.map((d) => ({ ...d, status: "pending" as const, attempts: 0, nextAttemptAt: d.receivedAt })))
      .onConflictDoNothing({ target: t.id })
      .returning({ id: t.id });
    return new Set(inserted.map((r) => r.id));
  }

  async claimDeliveries({ worker, limit, now, leaseMs }: ClaimOptions): Promise<Delivery[]> {
    const expired = now - leaseMs;
    // One statement, so a claim is atomic. On Postgres, SKIP LOCKED lets several instances claim
    // from one inbox without waiting on, or double-taking, each other's rows.
    const lock = this.dialect === "postgres" ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    const rows = await this.#driver.rows(sql`
      UPDATE deliveries
         SET status = 'processing', locked_by = ${worker}, locked_at = ${now}, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM deliveries
          WHERE (status = 'pending' AND next_attempt_at <= ${now})
             OR (status = 'processing' AND locked_at <= ${expired})
          ORDER BY received_at, id
          LIMIT ${limit}${lock}
       )
         AND (status = 'pending' OR (status = 'processing' AND locked_at <= ${expired}))
      RETURNING *`);
    return rows.map(deliveryFromRawRow).sort((a, b) => a.receivedAt - b.receivedAt || a.id.localeCompare(b.id));
  }

  async renewClaim(id: string, worker: string, now: number): Promise<boolean> {
    const t = this.#t.deliveries;
    const renewed = await this.#db
      .update(t)
      .set({ lockedAt: now })
      .where(and(eq(t.id, id), eq(t.status, "processing"), eq(t.lockedBy, worker)))
      .returning({ id: t.id });
    return renewed.length > 0;
  }

  async completeDelivery(id: string, worker: string, now: number): Promise<boolean> {
    const t = this.#t.deliveries;
    const done = await this.#db
      .update(t)
      .set({ status: "done", completedAt: now, lockedBy: null, lockedAt: null, lastError: null })
      .where(and(eq(t.id, id), eq(t.status, "processing"), eq(t.lockedBy, worker)))
      .returning({ id: t.id });
    return done.length > 0;
  }

  async failDelivery(
    id: string,
    worker: string,
    failure: { error: string; now: number; retryAt: number | null },
  ): Promise<boolean> {
    const t = this.#t.deliveries;
    const settled = await this.#db
      .update(t)
      .set(
        failure.retryAt === null
          ? { status: "failed", lastError: failure.error, lockedBy: null, lockedAt: null, completedAt: failure.now }
          : {
              status: "pending",
              lastError: failure.error,
              lockedBy: null,
              lockedAt: null,
              nextAttemptAt: failure.retryAt,
            },
      )
      .where(and(eq(t.id, id), eq(t.status, "processing"), eq(t.lockedBy, worker)))
      .returning({ id: t.id });
    return settled.length > 0;
  }

  async releaseClaims({
    now,
    olderThan,
    worker,
    ids,
  }: {
    now: number;
    olderThan?: number;
    worker?: string;
    ids?: string[];
  }): Promise<number> {
    const t = this.#t.deliveries;
    const conditions: SQL[] = [eq(t.status, "processing")];
    if (olderThan !== undefined) conditions.push(sql`${t.lockedAt} <= ${olderThan}`);
    if (worker !== undefined) conditions.push(eq(t.lockedBy, worker));
    if (ids !== undefined) conditions.push(ids.length ? inArray(t.id, ids) : sql`1 = 0`);
    // A stopping worker hands its claims back whole: the attempt it cut short is not counted. A
    // claim found after a crash keeps its attempt, so a delivery that kills the process ends.
    const attempts =
      worker === undefined ? t.attempts : sql`CASE WHEN ${t.attempts} > 0 THEN ${t.attempts} - 1 ELSE 0 END`;
    const released = await this.#db
      .update(t)
      .set({ status: "pending", lockedBy: null, lockedAt: null, nextAttemptAt: now, attempts })
      .where(and(...conditions))
      .returning({ id: t.id });
    return released.length;
  }

  async getDelivery(id: string): Promise<Delivery | null> {
    const t = this.#t.deliveries;
    const rows = await this.#db.select().from(t).where(eq(t.id, id));
    return (rows[0] as Delivery | undefined) ?? null;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<Delivery[]> {
    const t = this.#t.deliveries;
    const conditions: SQL[] = [];
    if (query.statuses?.length) conditions.push(inArray(t.status, query.statuses));
    if (query.installationId !== undefined) conditions.push(eq(t.installationId, query.installationId));
    const rows = await this.#db
      .select()
      .from(t)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(t.receivedAt), asc(t.id))
      .limit(query.limit ?? 1000);
    return rows as Delivery[];
  }

  async countDeliveries(): Promise<Record<DeliveryStatus, number>> {
    const t = this.#t.deliveries;
    const rows = await this.#db.select({ status: t.status, n: count() }).from(t).groupBy(t.status);
    const counts: Record<DeliveryStatus, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  async inboxDepth(): Promise<InboxDepth> {
    const t = this.#t.deliveries;
    // Statuses named, not "<> 'done'", so that deliveries_status_next_idx skips the done ones.
    const [counts, [oldest]] = await Promise.all([
      this.#db
        .select({ status: t.status, n: count() })
        .from(t)
        .where(inArray(t.status, ["pending", "processing", "failed"]))
        .groupBy(t.status),
      this.#db
        .select({ at: sql<number | string | null>`min(${t.receivedAt})` })
        .from(t)
        .where(inArray(t.status, ["pending", "processing"])),
    ]);
    const depth: InboxDepth = { pending: 0, processing: 0, failed: 0, oldestPendingReceivedAt: null };
    for (const row of counts) if (row.status !== "done") depth[row.status] = Number(row.n);
    if (oldest?.at !== null && oldest?.at !== undefined) depth.oldestPendingReceivedAt = Number(oldest.at);
    return depth;
  }

  async requeueDeliveries(selector: { ids: string[] } | { failed: true }, now: number): Promise<string[]> {
    const t = this.#t.deliveries;
    const which =
      "ids" in selector
        ? and(inArray(t.id, selector.ids.length ? selector.ids : [""]), sql`${t.status} <> 'processing'`)
        : eq(t.status, "failed");
    const requeued = await this.#db
      .update(t)
      .set({ status: "pending", attempts: 0, nextAttemptAt: now, lockedBy: null, lockedAt: null, completedAt: null })
      .where(which)
      .returning({ id: t.id });
    return requeued.map((r) => r.id);
  }
}
