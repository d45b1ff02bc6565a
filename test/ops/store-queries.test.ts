// The two store queries operations and the API's bounds read, on both dialects: the inbox's
// depth (/metrics/ops) and the number of changes a report would read (API_MAX_REPORT_CHANGES).
import { expect, it } from "vitest";
import type { NewDelivery } from "../../src/store/types.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

const delivery = (id: string, receivedAt: number): NewDelivery => ({
  id,
  event: "pull_request",
  action: "opened",
  installationId: 1,
  repositoryId: 10,
  repositoryFullName: "octo/app",
  receivedAt,
  payload: "{}",
});

eachDialect("store: inbox depth", ({ newStore }) => {
  it("counts the deliveries not done by status, and finds the oldest waiting or running", async () => {
    const store = await newStore();
    expect(await store.inbox.inboxDepth()).toEqual({
      pending: 0,
      processing: 0,
      failed: 0,
      oldestPendingReceivedAt: null,
    });

    for (const [id, at] of [
      ["done", T0 - 50_000],
      ["failed", T0 - 40_000],
      ["running", T0 - 30_000],
      ["waiting", T0 - 20_000],
      ["retrying", T0 - 10_000],
      ["new", T0],
    ] as const) {
      await store.inbox.enqueueDelivery(delivery(id, at));
    }
    // Claimed in order of receipt: done, failed, running, waiting (the last two stay pending).
    const claimed = await store.inbox.claimDeliveries({ worker: "w", limit: 4, now: T0, leaseMs: 60_000 });
    expect(claimed.map((d) => d.id)).toEqual(["done", "failed", "running", "waiting"]);
    await store.inbox.completeDelivery("done", "w", T0);
    await store.inbox.failDelivery("failed", "w", { error: "boom", now: T0, retryAt: null });
    await store.inbox.failDelivery("waiting", "w", { error: "boom", now: T0, retryAt: T0 + 60_000 });

    expect(await store.inbox.inboxDepth()).toEqual({
      pending: 3,
      processing: 1,
      failed: 1,
      oldestPendingReceivedAt: T0 - 30_000,
    });
    await store.inbox.completeDelivery("running", "w", T0);
    expect((await store.inbox.inboxDepth()).oldestPendingReceivedAt).toBe(T0 - 20_000);
  });
});

eachDialect("store: changes a report would read", ({ newStore }) => {
  it("counts exactly the rows listReportChanges reads, for an organisation and for a repository", async () => {
    const store = await newStore();
    await seedRepository(store, 1, "acme", 10, "shop", T0 - 400 * DAY);
    await seedRepository(store, 1, "acme", 11, "site", T0 - 400 * DAY);
    await seedRepository(store, 2, "globex", 20, "secret", T0 - 400 * DAY);
    const since = T0 - 28 * DAY;
    // Merged in the period (two repositories), before it and shipped in it, before it and shipped before it.
    for (const n of [1, 2, 3])
      await seedChange(store, 1, 10, { number: n, engineer: "ana", mergedAt: since + n * DAY });
    await seedChange(store, 1, 11, { number: 1, engineer: "ben", mergedAt: since + DAY });
    const late = await seedChange(store, 1, 10, { number: 4, engineer: "cy", mergedAt: since - 3 * DAY });
    await seedDeployment(store, 1, 10, "1", since + DAY, [late]);
    const old = await seedChange(store, 1, 10, { number: 5, engineer: "dee", mergedAt: since - 9 * DAY });
    await seedDeployment(store, 1, 10, "0", since - 8 * DAY, [old]);
    // Another installation's change in the period.
    await seedChange(store, 2, 20, { number: 1, engineer: "zed", mergedAt: since + DAY });

    for (const scope of [{ installationId: 1 }, { installationId: 1, repositoryIds: [10] }, { installationId: 2 }]) {
      const rows = await store.reports.listReportChanges(scope, since, T0);
      expect(await store.reports.countReportChanges(scope, since, T0), JSON.stringify(scope)).toBe(rows.length);
    }
    expect(await store.reports.countReportChanges({ installationId: 1 }, since, T0)).toBe(5);
    expect(await store.reports.countReportChanges({ installationId: 1, repositoryIds: [10] }, since, T0)).toBe(4);
    expect(await store.reports.countReportChanges({ installationId: 1 }, T0, T0 + DAY)).toBe(0);
  });
});
