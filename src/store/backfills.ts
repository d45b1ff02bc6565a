// History backfills: what was asked for, where each repository's read stands, and the lease that
// lets one instance at a time backfill an installation. Facts only: what to read and in which
// order is src/ledger/backfill.ts.

import { and, asc, eq, exists, gt, inArray, isNotNull, isNull, lte, or } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import {
  ACTIVE_BACKFILL_PHASES,
  type BackfillKind,
  type BackfillPhase,
  type BackfillProgress,
  type BackfillQueries,
  type BackfillRun,
  type DriftCandidate,
} from "./types.js";

/** Installations looked at per claim: enough for a queue of many, one query. */
const CLAIM_CANDIDATES = 50;

export class BackfillStore extends StoreModule implements BackfillQueries {
  async requestBackfills(request: {
    installationId: number;
    repositoryIds: readonly number[];
    since: number;
    kind: BackfillKind;
    now: number;
  }): Promise<number> {
    const t = this.t.backfillRuns;
    const { installationId, since, kind, now } = request;
    let queued = 0;
    for (const repositoryId of new Set(request.repositoryIds)) {
      const fresh = {
        kind,
        windowSince: since,
        phase: "pending" as BackfillPhase,
        cursor: null,
        pullsRead: 0,
        merged: 0,
        deployments: 0,
        deploymentsTotal: null,
        reachedAt: null,
        requests: 0,
        requestedAt: now,
        startedAt: null,
        updatedAt: now,
        finishedAt: null,
        error: null,
        notes: null,
      };
      const inserted = await this.db
        .insert(t)
        .values({ installationId, repositoryId, ...fresh })
        .onConflictDoNothing()
        .returning({ id: t.repositoryId });
      if (inserted.length > 0) {
        queued++;
        continue;
      }
      // Known: queued again when its last run ended, or when the new window starts before the one
      // being read (that run starts again from the top: recording is idempotent).
      const again = await this.db
        .update(t)
        .set(fresh)
        .where(
          and(
            eq(t.installationId, installationId),
            eq(t.repositoryId, repositoryId),
            or(
              inArray(t.phase, ["done", "failed", "stopped"]),
              and(inArray(t.phase, [...ACTIVE_BACKFILL_PHASES]), gt(t.windowSince, since)),
            ),
          ),
        )
        .returning({ id: t.repositoryId });
      queued += again.length;
    }
    return queued;
  }

  async claimBackfill(options: {
    worker: string;
    now: number;
    leaseMs: number;
    installationId?: number;
    exclude?: readonly number[];
  }): Promise<number | null> {
    const runs = this.t.backfillRuns;
    const leases = this.t.backfillLeases;
    const { worker, now, leaseMs } = options;
    const waiting = await this.db
      .select({ installationId: runs.installationId, requestedAt: runs.requestedAt })
      .from(runs)
      .where(
        and(
          inArray(runs.phase, [...ACTIVE_BACKFILL_PHASES]),
          options.installationId === undefined ? undefined : eq(runs.installationId, options.installationId),
        ),
      )
      .orderBy(asc(runs.requestedAt), asc(runs.installationId))
      .limit(CLAIM_CANDIDATES);
    const excluded = new Set(options.exclude ?? []);
    for (const installationId of new Set(waiting.map((w) => w.installationId))) {
      if (excluded.has(installationId)) continue;
      await this.db.insert(leases).values({ installationId }).onConflictDoNothing({ target: leases.installationId });
      // One conditional UPDATE: of instances claiming at once, one finds the lease free.
      const [row] = await this.db
        .update(leases)
        .set({ lockedBy: worker, lockedAt: now })
        .where(
          and(
            eq(leases.installationId, installationId),
            or(isNull(leases.lockedBy), eq(leases.lockedBy, worker), lte(leases.lockedAt, now - leaseMs)),
          ),
        )
        .returning({ id: leases.installationId });
      if (row) return installationId;
    }
    return null;
  }

  async renewBackfillLease(installationId: number, worker: string, now: number): Promise<boolean> {
    const t = this.t.backfillLeases;
    const renewed = await this.db
      .update(t)
      .set({ lockedAt: now })
      .where(and(eq(t.installationId, installationId), eq(t.lockedBy, worker)))
      .returning({ id: t.installationId });
    return renewed.length > 0;
  }

  async releaseBackfillLease(installationId: number, worker: string): Promise<void> {
    const t = this.t.backfillLeases;
    await this.db
      .update(t)
      .set({ lockedBy: null, lockedAt: null })
      .where(and(eq(t.installationId, installationId), eq(t.lockedBy, worker)));
  }

  async releaseBackfillLeases(): Promise<number> {
    const t = this.t.backfillLeases;
    const freed = await this.db
      .update(t)
      .set({ lockedBy: null, lockedAt: null })
      .where(isNotNull(t.lockedBy))
      .returning({ id: t.installationId });
    return freed.length;
  }

  async listBackfillRuns(installationId?: number): Promise<BackfillRun[]> {
    const t = this.t.backfillRuns;
    const rows = await this.db
      .select()
      .from(t)
      .where(installationId === undefined ? undefined : eq(t.installationId, installationId))
      .orderBy(asc(t.installationId), asc(t.repositoryId));
    return rows.map((r) => ({
      ...r,
      kind: r.kind as BackfillKind,
      phase: r.phase as BackfillPhase,
      notes: r.notes ? (JSON.parse(r.notes) as string[]) : [],
    }));
  }

  async saveBackfillRun(
    run: { installationId: number; repositoryId: number; requestedAt?: number; windowSince?: number },
    worker: string,
    progress: BackfillProgress,
    now: number,
  ): Promise<boolean> {
    const t = this.t.backfillRuns;
    const leases = this.t.backfillLeases;
    const { notes, ...rest } = progress;
    const saved = await this.db
      .update(t)
      .set({ ...rest, ...(notes === undefined ? {} : { notes: JSON.stringify(notes) }), updatedAt: now })
      .where(
        and(
          eq(t.installationId, run.installationId),
          eq(t.repositoryId, run.repositoryId),
          // Queued again meanwhile (requestBackfills reset it): the holder's progress belongs to the old request.
          run.requestedAt === undefined ? undefined : eq(t.requestedAt, run.requestedAt),
          run.windowSince === undefined ? undefined : eq(t.windowSince, run.windowSince),
          exists(
            this.db
              .select({ id: leases.installationId })
              .from(leases)
              .where(and(eq(leases.installationId, run.installationId), eq(leases.lockedBy, worker))),
          ),
        ),
      )
      .returning({ id: t.repositoryId });
    return saved.length > 0;
  }

  async dueForDrift(options: { now: number; everyMs: number; limit: number }): Promise<DriftCandidate[]> {
    const runs = this.t.backfillRuns;
    const repos = this.t.repositories;
    const inst = this.t.installations;
    const rows = await this.db
      .select({
        installationId: repos.installationId,
        repositoryId: repos.id,
        installedSince: repos.installedSince,
        lastFinishedAt: runs.finishedAt,
        phase: runs.phase,
      })
      .from(repos)
      .innerJoin(inst, eq(inst.id, repos.installationId))
      .leftJoin(runs, and(eq(runs.installationId, repos.installationId), eq(runs.repositoryId, repos.id)))
      .where(
        and(
          isNull(repos.removedAt),
          isNull(inst.deletedAt),
          isNull(inst.suspendedAt),
          or(
            // Never backfilled: due once it has been installed a full interval.
            and(
              isNull(runs.phase),
              or(isNull(repos.installedSince), lte(repos.installedSince, options.now - options.everyMs)),
            ),
            and(
              inArray(runs.phase, ["done", "failed", "stopped"]),
              lte(runs.finishedAt, options.now - options.everyMs),
            ),
          ),
        ),
      )
      .orderBy(asc(runs.finishedAt), asc(repos.id))
      .limit(options.limit);
    return rows.map((r) => ({
      installationId: r.installationId,
      repositoryId: r.repositoryId,
      installedSince: r.installedSince,
      lastFinishedAt: r.lastFinishedAt,
    }));
  }
}
