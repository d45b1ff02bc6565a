// The inbox of webhook deliveries: stored as received, claimed, retried, settled.

import { and, asc, count, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import type {
  ClaimOptions,
  Delivery,
  DeliveryQuery,
  DeliveryStatus,
  DeliverySummary,
  Enqueued,
  InboxDepth,
  InboxQueries,
  NewDelivery,
} from "./types.js";

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

/** A claim's columns: all but the payload, read when the delivery starts (startDelivery). */
const claimColumns = sql.raw(
  Object.keys(deliveryColumns)
    .filter((column) => column !== "payload")
    .join(", "),
);

function summaryFromRawRow(row: Record<string, unknown>): DeliverySummary {
  const out: Record<string, unknown> = {};
  for (const [column, field] of Object.entries(deliveryColumns)) {
    if (field === "payload") continue;
    const value = row[column] ?? null;
    // node-postgres returns bigint columns as strings in raw queries.
    out[field] = value !== null && numericDeliveryFields.has(field) ? Number(value) : value;
  }
  return out as unknown as DeliverySummary;
}

/** A delivery pending again from `at` with a fresh attempt count (requeued, or redelivered after failing). */
function afresh(at: number) {
  return {
    status: "pending" as const,
    attempts: 0,
    nextAttemptAt: at,
    lockedBy: null,
    lockedAt: null,
    completedAt: null,
  };
}

/** The inbox of webhook deliveries: stored as received, claimed, retried, settled. */
export class InboxStore extends StoreModule implements InboxQueries {
  async enqueueDelivery(delivery: NewDelivery): Promise<Enqueued> {
    const { inserted, requeued } = await this.enqueueDeliveries([delivery]);
    return { inserted: inserted.has(delivery.id), requeued: requeued.has(delivery.id) };
  }

  async enqueueDeliveries(deliveries: NewDelivery[]): Promise<{ inserted: Set<string>; requeued: Set<string> }> {
    if (deliveries.length === 0) return { inserted: new Set(), requeued: new Set() };
    const t = this.t.deliveries;
    // One statement, one commit, however many deliveries: the intake's group commit.
    const rows = await this.db
      .insert(t)
      .values(deliveries.map((d) => ({ ...d, status: "pending" as const, attempts: 0, nextAttemptAt: d.receivedAt })))
      .onConflictDoNothing({ target: t.id })
      .returning({ id: t.id });
    const inserted = new Set(rows.map((r) => r.id));
    const repeated = deliveries.filter((d) => !inserted.has(d.id));
    if (repeated.length === 0) return { inserted, requeued: new Set() };
    // A second statement only for deliveries seen before (rare): those that had failed for good go again.
    const requeued = await this.db
      .update(t)
      .set(afresh(Math.min(...repeated.map((d) => d.receivedAt))))
      .where(and(inArray(t.id, [...new Set(repeated.map((d) => d.id))]), eq(t.status, "failed")))
      .returning({ id: t.id });
    return { inserted, requeued: new Set(requeued.map((r) => r.id)) };
  }

  async claimDeliveries({ worker, limit, now, leaseMs }: ClaimOptions): Promise<DeliverySummary[]> {
    const expired = now - leaseMs;
    // One statement, so a claim is atomic. On Postgres, SKIP LOCKED lets several instances claim
    // from one inbox without waiting on, or double-taking, each other's rows.
    const lock = this.dialect === "postgres" ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    // A claim does not count an attempt: claimed deliveries wait for a turn (claimAhead), and a
    // crash must not charge those that never started (startDelivery counts).
    const rows = await this.driver.rows(sql`
      UPDATE deliveries
         SET status = 'processing', locked_by = ${worker}, locked_at = ${now}
       WHERE id IN (
         SELECT id FROM deliveries
          WHERE (status = 'pending' AND next_attempt_at <= ${now})
             OR (status = 'processing' AND locked_at <= ${expired})
          ORDER BY received_at, id
          LIMIT ${limit}${lock}
       )
         AND (status = 'pending' OR (status = 'processing' AND locked_at <= ${expired}))
      RETURNING ${claimColumns}`);
    return rows.map(summaryFromRawRow).sort((a, b) => a.receivedAt - b.receivedAt || a.id.localeCompare(b.id));
  }

  async renewClaim(id: string, worker: string, now: number): Promise<boolean> {
    const t = this.t.deliveries;
    const renewed = await this.db
      .update(t)
      .set({ lockedAt: now })
      .where(and(eq(t.id, id), eq(t.status, "processing"), eq(t.lockedBy, worker)))
      .returning({ id: t.id });
    return renewed.length > 0;
  }

  async startDelivery(id: string, worker: string, now: number): Promise<{ attempts: number; payload: string } | null> {
    const t = this.t.deliveries;
    const [started] = await this.db
      .update(t)
      .set({ attempts: sql`${t.attempts} + 1`, lockedAt: now })
      .where(and(eq(t.id, id), eq(t.status, "processing"), eq(t.lockedBy, worker)))
      .returning({ attempts: t.attempts, payload: t.payload });
    return started === undefined ? null : { attempts: Number(started.attempts), payload: started.payload };
  }

  async completeDelivery(id: string, worker: string, now: number): Promise<boolean> {
    const t = this.t.deliveries;
    const done = await this.db
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
    const t = this.t.deliveries;
    const settled = await this.db
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
    uncount = false,
  }: {
    now: number;
    olderThan?: number;
    worker?: string;
    ids?: string[];
    uncount?: boolean;
  }): Promise<number> {
    const t = this.t.deliveries;
    const conditions: SQL[] = [eq(t.status, "processing")];
    if (olderThan !== undefined) conditions.push(sql`${t.lockedAt} <= ${olderThan}`);
    if (worker !== undefined) conditions.push(eq(t.lockedBy, worker));
    if (ids !== undefined) conditions.push(ids.length ? inArray(t.id, ids) : sql`1 = 0`);
    // A stopping worker hands back the attempts it cut short uncounted (`uncount`). A claim found
    // after a crash keeps its attempt, if it started, so that a delivery that kills the process ends.
    const attempts = uncount ? sql`CASE WHEN ${t.attempts} > 0 THEN ${t.attempts} - 1 ELSE 0 END` : t.attempts;
    const released = await this.db
      .update(t)
      .set({ status: "pending", lockedBy: null, lockedAt: null, nextAttemptAt: now, attempts })
      .where(and(...conditions))
      .returning({ id: t.id });
    return released.length;
  }

  async getDelivery(id: string): Promise<Delivery | null> {
    const t = this.t.deliveries;
    const rows = await this.db.select().from(t).where(eq(t.id, id));
    return (rows[0] as Delivery | undefined) ?? null;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliverySummary[]> {
    const t = this.t.deliveries;
    const conditions: SQL[] = [];
    if (query.statuses?.length) conditions.push(inArray(t.status, query.statuses));
    if (query.installationId !== undefined) conditions.push(eq(t.installationId, query.installationId));
    // Not the payloads: a list of a thousand would read up to 25 MB for each.
    const { payload: _payload, ...columns } = getTableColumns(t);
    const rows = await this.db
      .select(columns)
      .from(t)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(asc(t.receivedAt), asc(t.id))
      .limit(query.limit ?? 1000);
    return rows as DeliverySummary[];
  }

  async countDeliveries(): Promise<Record<DeliveryStatus, number>> {
    const t = this.t.deliveries;
    const rows = await this.db.select({ status: t.status, n: count() }).from(t).groupBy(t.status);
    const counts: Record<DeliveryStatus, number> = { pending: 0, processing: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  async inboxDepth(): Promise<InboxDepth> {
    const t = this.t.deliveries;
    // Statuses named, not "<> 'done'", so that deliveries_status_next_idx skips the done ones.
    const [counts, [oldest]] = await Promise.all([
      this.db
        .select({ status: t.status, n: count() })
        .from(t)
        .where(inArray(t.status, ["pending", "processing", "failed"]))
        .groupBy(t.status),
      this.db
        .select({ at: sql<number | string | null>`min(${t.receivedAt})` })
        .from(t)
        .where(inArray(t.status, ["pending", "processing"])),
    ]);
    const depth: InboxDepth = { pending: 0, processing: 0, failed: 0, oldestPendingReceivedAt: null };
    for (const row of counts) if (row.status !== "done") depth[row.status] = Number(row.n);
    if (oldest?.at !== null && oldest?.at !== undefined) depth.oldestPendingReceivedAt = Number(oldest.at);
    return depth;
  }

  async receivedDeliveries(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const t = this.t.deliveries;
    const rows = await this.db.select({ id: t.id }).from(t).where(inArray(t.id, ids));
    return new Set(rows.map((r) => r.id));
  }

  async requeueDeliveries(selector: { ids: string[] } | { failed: true }, now: number): Promise<string[]> {
    const t = this.t.deliveries;
    const which =
      "ids" in selector
        ? and(inArray(t.id, selector.ids.length ? selector.ids : [""]), sql`${t.status} <> 'processing'`)
        : eq(t.status, "failed");
    const requeued = await this.db.update(t).set(afresh(now)).where(which).returning({ id: t.id });
    return requeued.map((r) => r.id);
  }
}
