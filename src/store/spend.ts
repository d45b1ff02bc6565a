// AI spend: ingest tokens, the points agents reported, and the sessions changes name. Facts in,
// facts out; the join and its rules are src/spend/compute.ts's.
//
// Every write is idempotent, so none needs a transaction: a point is keyed by its series and
// interval (a resent export inserts nothing), and a request cut short by a crash before it was
// acknowledged is sent again by the exporter and completes. Cumulative series are stored as sent
// and differenced when read (LAG over the series' points), so points arriving out of order or
// twice give the same increments.

import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type {
  IngestTokenRecord,
  SessionChangeFacts,
  UsageMeasure,
  UsagePointRecord,
  UsageRow,
} from "../model/spend.js";
import { StoreModule } from "./dialect.js";
import type { SpendQueries } from "./types.js";

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

  async findIngestToken(tokenHash: string): Promise<IngestTokenRecord | null> {
    const t = this.t.ingestTokens;
    const [row] = await this.db.select().from(t).where(eq(t.tokenHash, tokenHash));
    if (!row) return null;
    const { tokenHash: _secret, ...record } = row;
    return record;
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

  async replaceImportedUsage(points: readonly UsagePointRecord[]): Promise<number> {
    const t = this.t.aiUsagePoints;
    await this.#recordSessions(points);
    for (let i = 0; i < points.length; i += CHUNK) {
      await this.db
        .insert(t)
        .values(points.slice(i, i + CHUNK) as UsagePointRecord[])
        .onConflictDoUpdate({
          target: [t.installationId, t.series, t.startNs, t.timeNs],
          set: { value: sql`excluded.value`, receivedAt: sql`excluded.received_at` },
        });
    }
    return points.length;
  }

  /** Each point's session on its day (UTC), once: ai_usage_sessions, what the session bound reads. */
  async #recordSessions(points: readonly UsagePointRecord[]): Promise<void> {
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
    const t = this.t.aiUsageSessions;
    for (let i = 0; i < rows.length; i += SESSION_CHUNK) {
      await this.db
        .insert(t)
        .values(rows.slice(i, i + SESSION_CHUNK))
        .onConflictDoNothing();
    }
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
    const t = this.t.aiUsageSessions;
    const known = new Set<string>();
    const keys = [...new Set(sessionKeys)];
    for (let i = 0; i < keys.length; i += CHUNK) {
      const rows = await this.db
        .select({ key: t.sessionKey })
        .from(t)
        .where(
          and(
            eq(t.installationId, installationId),
            eq(t.day, dayStart),
            inArray(t.sessionKey, keys.slice(i, i + CHUNK)),
          ),
        );
      for (const r of rows) known.add(r.key);
    }
    return known;
  }

  async countSessionsOnDay(installationId: number, dayStart: number): Promise<number> {
    const t = this.t.aiUsageSessions;
    const [row] = await this.db
      .select({ n: sql<number>`COUNT(*)` })
      .from(t)
      .where(and(eq(t.installationId, installationId), eq(t.day, dayStart)));
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

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
