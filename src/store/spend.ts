// AI spend: ingest tokens, the points agents reported, and the sessions changes name. Facts in,
// facts out; the join and its rules are src/spend/compute.ts's.
//
// Every write is idempotent: a point is keyed by its series and interval (a resent export inserts
// nothing), and a request cut short by a crash before it was acknowledged is sent again by the
// exporter and completes. Cumulative series are stored as sent and differenced when read (LAG over
// the series' points), so points arriving out of order or twice give the same increments. An OTLP
// request's writes (recordBoundedUsage) are nevertheless one commit, for the session bound's sake
// and for speed: one fsync a request on PostgreSQL, not one per statement.

import { createHash } from "node:crypto";
import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type {
  IngestTokenRecord,
  SessionChangeFacts,
  UsageMeasure,
  UsagePointRecord,
  UsageRow,
} from "../model/spend.js";
import { type LedgerDb, StoreModule } from "./dialect.js";
import type { BoundedUsage, SessionDayBound, SpendQueries } from "./types.js";

/** Rows per INSERT: well under both dialects' bound-parameter limits (14 columns each). */
const CHUNK = 500;
/** Sessions per INSERT (3 columns each). */
const SESSION_CHUNK = 1_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * 86_400_000;
/** Monday 1970-01-05 00:00 UTC: weeks are counted from it. */
const FIRST_MONDAY = 4 * 86_400_000;

export class SpendStore extends StoreModule implements SpendQueries {
  // ---- ingest tokens ----

  async createIngestToken(token: { installationId: number; name: string; tokenHash: string; createdAt: number }) {
    const t = this.t.ingestTokens;
    const [row] = await this.db.insert(t).values(token).returning({ id: t.id });
    if (!row) throw new Error("createIngestToken: no row");
    return row.id;
  }

  async findIngestToken(tokenHash: string): Promise<(IngestTokenRecord & { installed: boolean }) | null> {
    const t = this.t.ingestTokens;
    const i = this.t.installations;
    // With its installation's state in the same round trip: the OTLP endpoint asks both per request.
    const [row] = await this.db
      .select({ token: t, installationId: i.id, deletedAt: i.deletedAt })
      .from(t)
      .leftJoin(i, eq(i.id, t.installationId))
      .where(eq(t.tokenHash, tokenHash));
    if (!row) return null;
    const { tokenHash: _secret, ...record } = row.token;
    return { ...record, installed: row.installationId !== null && row.deletedAt === null };
  }

  async touchIngestToken(id: number, now: number): Promise<void> {
    const t = this.t.ingestTokens;
    await this.db.update(t).set({ lastUsedAt: now }).where(eq(t.id, id));
  }

  async listIngestTokens(installationId: number): Promise<IngestTokenRecord[]> {
    const t = this.t.ingestTokens;
    const rows = await this.db.select().from(t).where(eq(t.installationId, installationId)).orderBy(t.id);
    return rows.map(({ tokenHash: _secret, ...record }) => record);
  }

  async revokeIngestToken(installationId: number, id: number, now: number): Promise<boolean> {
    const t = this.t.ingestTokens;
    const done = await this.db
      .update(t)
      .set({ revokedAt: now })
      .where(and(eq(t.installationId, installationId), eq(t.id, id), isNull(t.revokedAt)))
      .returning({ id: t.id });
    return done.length > 0;
  }

  // ---- points ----

  async recordUsagePoints(points: readonly UsagePointRecord[]): Promise<number> {
    const t = this.t.aiUsagePoints;
    // The sessions first: a crash between the two leaves a session counted without its points
    // (the resent export stores them), never points whose session the bound does not see.
    await this.#recordSessions(points);
    let stored = 0;
    for (let i = 0; i < points.length; i += CHUNK) {
      const inserted = await this.db
        .insert(t)
        .values(points.slice(i, i + CHUNK) as UsagePointRecord[])
        .onConflictDoNothing()
        .returning({ series: t.series });
      stored += inserted.length;
    }
    return stored;
  }

  async recordBoundedUsage(request: BoundedUsage): Promise<number> {
    return this.dialect === "postgres" ? this.#recordBoundedPostgres(request) : this.#recordBoundedSqlite(request);
  }

  /**
   * SQLite: one connection, so the transaction must be synchronous (better-sqlite3), lest another
   * request's statements run inside it between two awaits; IMMEDIATE takes the write lock first.
   */
  #recordBoundedSqlite(request: BoundedUsage): number {
    const { installationId } = request;
    return this.db.transaction(
      (tx) => {
        const bounds = new Map<number, SessionDayBound>();
        for (const [day, keys] of request.sessionsByDay) {
          const known = new Set<string>();
          for (const chunk of chunks([...keys], CHUNK))
            for (const r of this.#knownQuery(tx, installationId, day, chunk).all()) known.add(r.key);
          const count =
            known.size < keys.size ? Number(this.#countQuery(tx, installationId, day).get()?.n ?? 0) : known.size;
          bounds.set(day, { known, count });
        }
        const { sessions, points } = admitted(request, bounds);
        for (const chunk of chunks(sessions, SESSION_CHUNK))
          tx.insert(this.t.aiUsageSessions).values(chunk).onConflictDoNothing().run();
        let stored = 0;
        for (const chunk of chunks(points, CHUNK))
          stored += tx
            .insert(this.t.aiUsagePoints)
            .values(chunk)
            .onConflictDoNothing()
            .returning({ series: this.t.aiUsagePoints.series })
            .all().length;
        return stored;
      },
      { behavior: "immediate" },
    );
  }

  /**
   * PostgreSQL: the request's sessions are read first, outside any transaction (a session row,
   * once committed, stays). When they are all known the bound admits every point and writes no
   * session: the points' INSERT alone (one statement, one commit) when they fit one, else in a
   * transaction. When some are new, their days are locked (a transaction-scoped advisory lock per
   * installation-day, in day order), read again and counted under the lock, and the new sessions and
   * the points written before COMMIT releases it: a request racing on the same day waits, then
   * counts what this one added. Requests whose sessions are all known take no lock and write no
   * session, so they cannot push a day over the bound. The rows are inserted in key order, so two
   * requests storing the same points cannot deadlock.
   */
  async #recordBoundedPostgres(request: BoundedUsage): Promise<number> {
    const { installationId } = request;
    const bounds = new Map<number, SessionDayBound>();
    const newDays: number[] = [];
    for (const [day, keys] of request.sessionsByDay) {
      const known = await this.#knownSessions(this.db, installationId, day, [...keys]);
      if (known.size < keys.size) newDays.push(day);
      bounds.set(day, { known, count: known.size });
    }
    if (newDays.length === 0) {
      const { points } = admitted(request, bounds);
      if (points.length <= CHUNK) return this.#insertPoints(this.db, points);
      return this.db.transaction(async (tx) => this.#insertPoints(tx, points));
    }
    newDays.sort((a, b) => a - b);
    return this.db.transaction(async (tx) => {
      for (const day of newDays) {
        await (tx as unknown as { execute(query: SQL): Promise<unknown> }).execute(
          sql`SELECT pg_advisory_xact_lock(${sessionDayLockKey(installationId, day)}::bigint)`,
        );
        const keys = request.sessionsByDay.get(day) as ReadonlySet<string>;
        const known = await this.#knownSessions(tx, installationId, day, [...keys]);
        const count =
          known.size < keys.size ? Number((await this.#countQuery(tx, installationId, day))[0]?.n ?? 0) : known.size;
        bounds.set(day, { known, count });
      }
      const { sessions, points } = admitted(request, bounds);
      for (const chunk of chunks(sessions, SESSION_CHUNK))
        await tx.insert(this.t.aiUsageSessions).values(chunk).onConflictDoNothing();
      return this.#insertPoints(tx, points);
    });
  }

  async #insertPoints(db: LedgerDb, points: readonly UsagePointRecord[]): Promise<number> {
    const t = this.t.aiUsagePoints;
    let stored = 0;
    for (const chunk of chunks(points, CHUNK))
      stored += (await db.insert(t).values(chunk).onConflictDoNothing().returning({ series: t.series })).length;
    return stored;
  }

  #knownQuery(db: LedgerDb, installationId: number, dayStart: number, keys: readonly string[]) {
    const t = this.t.aiUsageSessions;
    return db
      .select({ key: t.sessionKey })
      .from(t)
      .where(and(eq(t.installationId, installationId), eq(t.day, dayStart), inArray(t.sessionKey, keys as string[])));
  }

  #countQuery(db: LedgerDb, installationId: number, dayStart: number) {
    const t = this.t.aiUsageSessions;
    return db
      .select({ n: sql<number>`COUNT(*)` })
      .from(t)
      .where(and(eq(t.installationId, installationId), eq(t.day, dayStart)));
  }

  async #knownSessions(db: LedgerDb, installationId: number, dayStart: number, sessionKeys: readonly string[]) {
    const known = new Set<string>();
    for (const chunk of chunks([...new Set(sessionKeys)], CHUNK))
      for (const r of await this.#knownQuery(db, installationId, dayStart, chunk)) known.add(r.key);
    return known;
  }

  /**
   * An import replaces, in one commit, what earlier imports stored for the same agent, model and
   * day (a corrected export: its costs, tokens or session ids), or with `wholeDays` everything
   * earlier imports stored on the days it covers (a correction that renames a model or moves a
   * date). Telemetry is never touched, nor other days.
   */
  async replaceImportedUsage(
    points: readonly UsagePointRecord[],
    options: { wholeDays?: boolean } = {},
  ): Promise<number> {
    const first = points[0];
    if (first === undefined) return 0;
    const t = this.t.aiUsagePoints;
    const installationId = first.installationId;
    const covered = new Map<string, SQL | undefined>();
    for (const p of points) {
      const base = [eq(t.installationId, installationId), eq(t.source, "import"), eq(t.at, p.at)];
      if (options.wholeDays) covered.set(String(p.at), and(...base));
      else
        covered.set(
          JSON.stringify([p.agent, p.model, p.at]),
          and(...base, eq(t.agent, p.agent), p.model === null ? isNull(t.model) : eq(t.model, p.model)),
        );
    }
    const earlier = [...covered.values()].filter((where): where is SQL => where !== undefined);
    const sessions = sessionRows(points);
    if (this.dialect === "sqlite") {
      // better-sqlite3: a synchronous transaction (see #recordBoundedSqlite).
      return this.db.transaction(
        (tx) => {
          for (const where of earlier) tx.delete(t).where(where).run();
          for (const chunk of chunks(sessions, SESSION_CHUNK))
            tx.insert(this.t.aiUsageSessions).values(chunk).onConflictDoNothing().run();
          for (const chunk of chunks(points, CHUNK)) tx.insert(t).values(chunk).run();
          return points.length;
        },
        { behavior: "immediate" },
      );
    }
    return this.db.transaction(async (tx) => {
      for (const where of earlier) await tx.delete(t).where(where);
      for (const chunk of chunks(sessions, SESSION_CHUNK))
        await tx.insert(this.t.aiUsageSessions).values(chunk).onConflictDoNothing();
      for (const chunk of chunks(points, CHUNK)) await tx.insert(t).values(chunk);
      return points.length;
    });
  }

  /** Each point's session on its day (UTC), once: ai_usage_sessions, what the session bound reads. */
  async #recordSessions(points: readonly UsagePointRecord[]): Promise<void> {
    for (const chunk of chunks(sessionRows(points), SESSION_CHUNK))
      await this.db.insert(this.t.aiUsageSessions).values(chunk).onConflictDoNothing();
  }

  async sessionsOnDay(installationId: number, dayStart: number): Promise<Set<string>> {
    const t = this.t.aiUsageSessions;
    const rows = await this.db
      .select({ key: t.sessionKey })
      .from(t)
      .where(and(eq(t.installationId, installationId), eq(t.day, dayStart)));
    return new Set(rows.map((r) => r.key));
  }

  async knownSessionsOnDay(installationId: number, dayStart: number, sessionKeys: readonly string[]) {
    return this.#knownSessions(this.db, installationId, dayStart, sessionKeys);
  }

  async countSessionsOnDay(installationId: number, dayStart: number): Promise<number> {
    const [row] = await this.#countQuery(this.db, installationId, dayStart);
    return Number(row?.n ?? 0);
  }

  /**
   * Usage in [since, until) by agent, session, model and week: cumulative points differenced
   * within their series and start (a counter that went down restarted: its value is the increment).
   * `sessionKeys` narrows it to those sessions.
   */
  async listUsage(
    installationId: number,
    period: { since: number; until: number },
    sessionKeys?: readonly string[],
  ): Promise<UsageRow[]> {
    if (sessionKeys && sessionKeys.length === 0) return [];
    const inSessions = sessionKeys
      ? sql` AND session_key IN (${sql.join(
          sessionKeys.map((k) => sql`${k}`),
          sql`, `,
        )})`
      : sql``;
    // The previous point of a cumulative series may lie before the period: the window reads every
    // point of the series that have one in the period.
    // The week is counted from a Monday with literal constants, so that both dialects divide
    // integers (a bound number may be a REAL to SQLite) and Postgres groups by the same expression.
    const week = sql.raw(`(at - ${FIRST_MONDAY}) / ${WEEK_MS}`);
    const query: SQL = sql`
      WITH points AS (
        SELECT agent, session_id, model, measure, at, value, temporality, ${week} AS week,
               LAG(value) OVER (PARTITION BY series, start_ns ORDER BY time_ns) AS previous
          FROM ai_usage_points
         WHERE installation_id = ${installationId}
           AND series IN (SELECT series FROM ai_usage_points
                           WHERE installation_id = ${installationId} AND at >= ${period.since} AND at < ${period.until}${inSessions})
      )
      SELECT agent, session_id, model, measure, week,
             SUM(CASE WHEN temporality = 'cumulative' AND previous IS NOT NULL AND value >= previous
                      THEN value - previous ELSE value END) AS amount
        FROM points
       WHERE at >= ${period.since} AND at < ${period.until}
       GROUP BY agent, session_id, model, measure, week`;
    const rows = await this.driver.rows(query);
    const byKey = new Map<string, UsageRow>();
    for (const r of rows) {
      const week = new Date(Number(r.week) * WEEK_MS + FIRST_MONDAY).toISOString().slice(0, 10);
      const sessionId = (r.session_id as string | null) ?? null;
      const model = (r.model as string | null) ?? null;
      const key = JSON.stringify([r.agent, sessionId, model, week]);
      let row = byKey.get(key);
      if (!row) {
        row = {
          agent: String(r.agent),
          sessionId,
          model,
          week,
          costUsd: 0,
          costReported: false,
          input: 0,
          output: 0,
          cacheRead: 0,
          cacheWrite: 0,
        };
        byKey.set(key, row);
      }
      const measure = r.measure as UsageMeasure;
      const amount = Number(r.amount);
      if (measure === "costUsd") {
        row.costUsd += amount;
        row.costReported = true;
      } else if (measure in row) row[measure] += amount;
    }
    return [...byKey.values()];
  }

  // ---- the sessions changes name ----

  async replaceChangeSessions(installationId: number, changeId: number, sessionKeys: readonly string[]): Promise<void> {
    const t = this.t.changeSessions;
    await this.db.delete(t).where(eq(t.changeId, changeId));
    if (sessionKeys.length === 0) return;
    await this.db
      .insert(t)
      .values([...new Set(sessionKeys)].map((sessionKey) => ({ installationId, sessionKey, changeId })))
      .onConflictDoNothing();
  }

  async listSessionChanges(installationId: number, sessionKeys: readonly string[]): Promise<SessionChangeFacts[]> {
    const facts: SessionChangeFacts[] = [];
    const keys = [...new Set(sessionKeys)];
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      const rows = await this.driver.rows(sql`
        SELECT s.session_key, c.id, c.repository_id, c.state, c.deployable, c.shipped_at, c.reverted_at, c.rolled_back_at
          FROM change_sessions s JOIN changes c ON c.id = s.change_id
         WHERE s.installation_id = ${installationId}
           AND s.session_key IN (${sql.join(
             chunk.map((k) => sql`${k}`),
             sql`, `,
           )})`);
      for (const r of rows) {
        facts.push({
          sessionKey: String(r.session_key),
          changeId: Number(r.id),
          repositoryId: Number(r.repository_id),
          state: r.state as SessionChangeFacts["state"],
          deployable: r.deployable === true || r.deployable === 1,
          shippedAt: nullableNumber(r.shipped_at),
          revertedAt: nullableNumber(r.reverted_at),
          rolledBackAt: nullableNumber(r.rolled_back_at),
        });
      }
    }
    return facts;
  }

  async sessionsOfChanges(changeIds: readonly number[]): Promise<string[]> {
    if (changeIds.length === 0) return [];
    const t = this.t.changeSessions;
    const rows = await this.db
      .selectDistinct({ key: t.sessionKey })
      .from(t)
      .where(
        sql`${t.changeId} IN (${sql.join(
          changeIds.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      );
    return rows.map((r) => r.key);
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * The points `admit` lets in, in key order, and the sessions among them the days did not have yet
 * (by day, then key): what recordBoundedUsage writes.
 */
function admitted(request: BoundedUsage, bounds: Map<number, SessionDayBound>) {
  const before = new Map([...bounds].map(([day, bound]) => [day, new Set(bound.known)]));
  const points = request.admit(bounds);
  points.sort((a, b) => compare(a.series, b.series) || compare(a.startNs, b.startNs) || compare(a.timeNs, b.timeNs));
  const sessions: Array<{ installationId: number; day: number; sessionKey: string }> = [];
  const added = new Set<string>();
  for (const p of points) {
    if (p.sessionKey === null) continue;
    const day = Math.floor(p.at / DAY_MS) * DAY_MS;
    const key = `${day}\u0000${p.sessionKey}`;
    if (before.get(day)?.has(p.sessionKey) || added.has(key)) continue;
    added.add(key);
    sessions.push({ installationId: p.installationId, day, sessionKey: p.sessionKey });
  }
  sessions.sort((a, b) => a.day - b.day || compare(a.sessionKey, b.sessionKey));
  return { sessions, points };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A 64-bit advisory lock key for one installation-day (a collision only makes two wait in turn). */
function sessionDayLockKey(installationId: number, dayStart: number): string {
  return createHash("sha256")
    .update(`shipledger:ai_usage_sessions:${installationId}:${dayStart}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Each point's session on its day (UTC), once: the rows of ai_usage_sessions they name. */
function sessionRows(points: readonly UsagePointRecord[]) {
  const seen = new Set<string>();
  const rows: Array<{ installationId: number; day: number; sessionKey: string }> = [];
  for (const p of points) {
    if (p.sessionKey === null) continue;
    const day = Math.floor(p.at / DAY_MS) * DAY_MS;
    const key = `${p.installationId}\u0000${day}\u0000${p.sessionKey}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ installationId: p.installationId, day, sessionKey: p.sessionKey });
  }
  return rows;
}
