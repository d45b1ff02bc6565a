// Backfills' facts on both dialects: what a request queues (and what it leaves alone), one
// instance per installation under a lease that another takes over once it lapses, progress saved
// only by the lease's holder, and which repositories are due for a drift check.
import { expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const DAY = 24 * 60 * 60_000;

async function installed(store: Store, installationId: number, repositoryIds: number[], at = 1_000) {
  await store.installations.upsertInstallation({
    id: installationId,
    accountId: installationId * 10,
    accountLogin: `org${installationId}`,
    accountType: "Organization",
    now: at,
  });
  await store.installations.upsertRepositories(
    installationId,
    repositoryIds.map((id) => ({ id, fullName: `org${installationId}/r${id}`, private: false, defaultBranch: "main" })),
    at,
  );
}

eachDialect("store: backfills", ({ newStore }) => {
  it("queues each repository once; a later window leaves a run in progress alone, an earlier one restarts it", async () => {
    const store = await newStore();
    const b = store.backfills;
    const request = { installationId: 1, kind: "install" as const, now: 10 };
    expect(await b.requestBackfills({ ...request, repositoryIds: [11, 12, 12], since: 5_000 })).toBe(2);
    // In progress (pending counts): a later window is already covered.
    expect(await b.requestBackfills({ ...request, repositoryIds: [11], since: 6_000, kind: "drift" })).toBe(0);
    expect(await b.claimBackfill({ worker: "w", now: 20, leaseMs: 1_000 })).toBe(1);
    expect(
      await b.saveBackfillRun(
        { installationId: 1, repositoryId: 11 },
        "w",
        { phase: "pulls", cursor: "c1", pullsRead: 50 },
        30,
      ),
    ).toBe(true);
    // An earlier window: the run starts again from the top.
    expect(await b.requestBackfills({ ...request, repositoryIds: [11], since: 4_000, kind: "manual" })).toBe(1);
    // The holder's progress on the old request is not saved over the new one.
    const old = { installationId: 1, repositoryId: 11, requestedAt: 10, windowSince: 5_000 };
    expect(await b.saveBackfillRun(old, "w", { phase: "pulls", cursor: "c2", pullsRead: 100 }, 31)).toBe(false);
    const [r11, r12] = await b.listBackfillRuns(1);
    expect(r11).toMatchObject({
      repositoryId: 11,
      phase: "pending",
      cursor: null,
      pullsRead: 0,
      windowSince: 4_000,
      kind: "manual",
    });
    expect(r12).toMatchObject({ repositoryId: 12, phase: "pending", windowSince: 5_000, kind: "install", notes: [] });
    // Ended runs are queued again by any request; the window read to its end is kept.
    await b.saveBackfillRun(
      r12 as never,
      "w",
      { phase: "done", coveredSince: 5_000, finishedAt: 40, notes: ["n"] },
      40,
    );
    expect(await b.requestBackfills({ ...request, repositoryIds: [12], since: 7_000, kind: "drift" })).toBe(1);
    expect((await b.listBackfillRuns(1))[1]).toMatchObject({
      phase: "pending",
      kind: "drift",
      coveredSince: 5_000,
      notes: [],
    });
  });

  it("lets one instance backfill an installation at a time, until its lease lapses; only the holder saves", async () => {
    const store = await newStore();
    const b = store.backfills;
    await b.requestBackfills({ installationId: 1, repositoryIds: [11], since: 0, kind: "install", now: 1 });
    await b.requestBackfills({ installationId: 2, repositoryIds: [21], since: 0, kind: "install", now: 2 });
    // Longest waiting first; the second instance gets the other installation.
    expect(await b.claimBackfill({ worker: "a", now: 10, leaseMs: 100 })).toBe(1);
    expect(await b.claimBackfill({ worker: "b", now: 10, leaseMs: 100 })).toBe(2);
    expect(await b.claimBackfill({ worker: "c", now: 10, leaseMs: 100 })).toBeNull();
    expect(await b.claimBackfill({ worker: "c", now: 10, leaseMs: 100, installationId: 1 })).toBeNull();
    const run = { installationId: 1, repositoryId: 11 };
    expect(await b.saveBackfillRun(run, "b", { cursor: "x" }, 20)).toBe(false);
    expect(await b.renewBackfillLease(1, "a", 50)).toBe(true);
    // a renewed at 50: its lease holds until 150.
    expect(await b.claimBackfill({ worker: "c", now: 149, leaseMs: 100, installationId: 1 })).toBeNull();
    expect(await b.claimBackfill({ worker: "c", now: 150, leaseMs: 100, installationId: 1 })).toBe(1);
    expect(await b.renewBackfillLease(1, "a", 151)).toBe(false);
    expect(await b.saveBackfillRun(run, "a", { cursor: "stale" }, 151)).toBe(false);
    expect(await b.saveBackfillRun(run, "c", { cursor: "c9", phase: "pulls" }, 152)).toBe(true);
    expect((await b.listBackfillRuns(1))[0]).toMatchObject({ cursor: "c9", phase: "pulls", updatedAt: 152 });
    // Excluded (waiting after an error): not claimed; b's lease of 2 lapsed at 110.
    await b.releaseBackfillLease(1, "c");
    expect(await b.claimBackfill({ worker: "d", now: 200, leaseMs: 100, exclude: [1] })).toBe(2);
    expect(await b.claimBackfill({ worker: "e", now: 200, leaseMs: 100, exclude: [1] })).toBeNull();
    expect(await b.claimBackfill({ worker: "d", now: 200, leaseMs: 100 })).toBe(1);
    // Nothing left to do: nothing to claim.
    await b.saveBackfillRun(run, "d", { phase: "done" }, 201);
    await b.releaseBackfillLease(1, "d");
    expect(await b.claimBackfill({ worker: "d", now: 300, leaseMs: 100, installationId: 1 })).toBeNull();
  });

  it("finds repositories due for a drift check: ended a day ago, or installed a day ago and never read", async () => {
    const store = await newStore();
    const b = store.backfills;
    const now = 10 * DAY;
    await installed(store, 1, [11, 12, 13, 14], now - 2 * DAY);
    await installed(store, 2, [21], now - 2 * DAY);
    await installed(store, 3, [31], now - 2 * DAY);
    await store.installations.markInstallationDeleted(3, now - DAY);
    await store.installations.markRepositoriesRemoved(1, [14], now - DAY);
    await b.requestBackfills({
      installationId: 1,
      repositoryIds: [11, 12],
      since: 0,
      kind: "install",
      now: now - 2 * DAY,
    });
    await b.claimBackfill({ worker: "w", now: now - 2 * DAY, leaseMs: 1_000, installationId: 1 });
    await b.saveBackfillRun(
      { installationId: 1, repositoryId: 11 },
      "w",
      { phase: "done", finishedAt: now - 2 * DAY },
      now,
    );
    await b.saveBackfillRun(
      { installationId: 1, repositoryId: 12 },
      "w",
      { phase: "done", finishedAt: now - DAY / 2 },
      now,
    );
    const due = await b.dueForDrift({ now, everyMs: DAY, limit: 10 });
    expect(due.map((d) => [d.installationId, d.repositoryId]).sort()).toEqual([
      [1, 11],
      [1, 13],
      [2, 21],
    ]);
    expect(due.find((d) => d.repositoryId === 11)).toMatchObject({ lastFinishedAt: now - 2 * DAY });
    expect(due.find((d) => d.repositoryId === 13)).toMatchObject({
      lastFinishedAt: null,
      installedSince: now - 2 * DAY,
    });
  });
});
