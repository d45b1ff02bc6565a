// The redelivery sweep's lease and watermark, and the redeliveries asked of GitHub: facts only
// (which deliveries to redeliver is src/ledger/core/redelivery.ts).

import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import type { AskedRedelivery } from "../model/ledger.js";
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

  async redeliveredGuids(guids: string[]): Promise<Map<string, AskedRedelivery>> {
    if (guids.length === 0) return new Map();
    const t = this.t.webhookRedeliveries;
    const rows = await this.db
      .select({ guid: t.guid, deliveryId: t.deliveryId, asks: t.asks })
      .from(t)
      .where(inArray(t.guid, guids));
    return new Map(rows.map((r) => [r.guid, { deliveryId: Number(r.deliveryId), asks: Number(r.asks) }]));
  }

  async claimRedelivery(redelivery: {
    guid: string;
    deliveryId: number;
    event: string;
    worker: string;
    now: number;
    asked?: AskedRedelivery | null;
  }): Promise<boolean> {
    const t = this.t.webhookRedeliveries;
    if (redelivery.asked) {
      // Asked again: only from the row the decision read (another instance may have asked since).
      const updated = await this.db
        .update(t)
        .set({
          deliveryId: redelivery.deliveryId,
          asks: redelivery.asked.asks + 1,
          requestedAt: redelivery.now,
          requestedBy: redelivery.worker,
        })
        .where(
          and(
            eq(t.guid, redelivery.guid),
            eq(t.deliveryId, redelivery.asked.deliveryId),
            eq(t.asks, redelivery.asked.asks),
          ),
        )
        .returning({ guid: t.guid });
      return updated.length > 0;
    }
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

  async releaseRedelivery(guid: string, worker: string, asked?: AskedRedelivery | null): Promise<void> {
    const t = this.t.webhookRedeliveries;
    const mine = and(eq(t.guid, guid), eq(t.requestedBy, worker));
    if (asked) await this.db.update(t).set({ deliveryId: asked.deliveryId, asks: asked.asks }).where(mine);
    else await this.db.delete(t).where(mine);
  }
}
