// The redelivery sweep's lease and watermark, and the redeliveries asked of GitHub: facts only
// (which deliveries to redeliver is src/ledger/core/redelivery.ts).

import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import type { RedeliveryQueries, SweepState } from "./types.js";

export class RedeliveryStore extends StoreModule implements RedeliveryQueries {
  async claimSweep({
    sweep,
    worker,
    now,
    leaseMs,
    restMs,
  }: {
    sweep: string;
    worker: string;
    now: number;
    leaseMs: number;
    restMs: number;
  }): Promise<SweepState | null> {
    const t = this.t.webhookSweeps;
    await this.db.insert(t).values({ id: sweep }).onConflictDoNothing({ target: t.id });
    // One conditional UPDATE: of instances claiming at once, one finds the row free (on Postgres the
    // others wait for its commit and then see it taken).
    const [row] = await this.db
      .update(t)
      .set({ lockedBy: worker, lockedAt: now })
      .where(
        and(
          eq(t.id, sweep),
          or(isNull(t.lockedBy), lte(t.lockedAt, now - leaseMs)),
          or(isNull(t.finishedAt), lte(t.finishedAt, now - restMs)),
        ),
      )
      .returning();
    if (!row) return null;
    const resume =
      row.resumeCursor !== null && row.resumeUntilId !== null
        ? { cursor: row.resumeCursor, untilId: Number(row.resumeUntilId) }
        : null;
    return { watermarkId: row.watermarkId === null ? null : Number(row.watermarkId), resume };
  }

  async saveSweep(sweep: string, worker: string, state: SweepState, now: number): Promise<boolean> {
    const t = this.t.webhookSweeps;
    const saved = await this.db
      .update(t)
      .set({
        watermarkId: state.watermarkId,
        resumeCursor: state.resume?.cursor ?? null,
        resumeUntilId: state.resume?.untilId ?? null,
        lockedAt: now,
      })
      .where(and(eq(t.id, sweep), eq(t.lockedBy, worker)))
      .returning({ id: t.id });
    return saved.length > 0;
  }

  async finishSweep(sweep: string, worker: string, now: number): Promise<void> {
    const t = this.t.webhookSweeps;
    await this.db
      .update(t)
      .set({ lockedBy: null, lockedAt: null, finishedAt: now })
      .where(and(eq(t.id, sweep), eq(t.lockedBy, worker)));
  }

  async redeliveredGuids(guids: string[]): Promise<Set<string>> {
    if (guids.length === 0) return new Set();
    const t = this.t.webhookRedeliveries;
    const rows = await this.db.select({ guid: t.guid }).from(t).where(inArray(t.guid, guids));
    return new Set(rows.map((r) => r.guid));
  }

  async claimRedelivery(redelivery: {
    guid: string;
    deliveryId: number;
    event: string;
    worker: string;
    now: number;
  }): Promise<boolean> {
    const t = this.t.webhookRedeliveries;
    const inserted = await this.db
      .insert(t)
      .values({
        guid: redelivery.guid,
        deliveryId: redelivery.deliveryId,
        event: redelivery.event,
        requestedAt: redelivery.now,
        requestedBy: redelivery.worker,
      })
      .onConflictDoNothing({ target: t.guid })
      .returning({ guid: t.guid });
    return inserted.length > 0;
  }

  async releaseRedelivery(guid: string, worker: string): Promise<void> {
    const t = this.t.webhookRedeliveries;
    await this.db.delete(t).where(and(eq(t.guid, guid), eq(t.requestedBy, worker)));
  }
}
