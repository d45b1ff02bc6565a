// The intake's group commit: deliveries that arrive together are stored in one statement, each
// sender answered only once its delivery is stored, and one refused delivery fails no other.
import { expect, it } from "vitest";
import { groupCommit } from "../../src/inbox/group-commit.js";
import type { NewDelivery, Store } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const delivery = (id: string, payload = "{}"): NewDelivery => ({
  id,
  event: "push",
  action: null,
  installationId: 1,
  repositoryId: null,
  repositoryFullName: null,
  receivedAt: 1_000,
  payload,
});

/** The store, with each enqueueDeliveries call's ids recorded (and a payload it refuses). */
function recording(store: Store) {
  const statements: string[][] = [];
  return {
    statements,
    enqueueDeliveries(deliveries: NewDelivery[]) {
      statements.push(deliveries.map((d) => d.id));
      if (deliveries.some((d) => d.payload === "refused")) return Promise.reject(new Error("refused by the ledger"));
      return store.inbox.enqueueDeliveries(deliveries);
    },
  };
}

eachDialect("group commit of deliveries", ({ newStore }) => {
  it("stores deliveries that arrive together in one statement, and answers each once it is stored", async () => {
    const store = await newStore();
    const ledger = recording(store);
    const enqueue = groupCommit(ledger, { maxInFlight: 1 });
    const results = await Promise.all(["a", "b", "c", "a", "d"].map((id) => enqueue(delivery(id))));
    expect(results.map((r) => r.inserted)).toEqual([true, true, true, false, true]);
    expect(ledger.statements).toEqual([["a", "b", "c", "a", "d"]]);
    expect((await store.inbox.listDeliveries()).map((d) => d.id)).toEqual(["a", "b", "c", "d"]);
    // Already stored: a duplicate, stored once.
    expect(await enqueue(delivery("b"))).toEqual({ inserted: false, requeued: false });
  });

  it("splits at the batch size, and keeps the others when the ledger refuses one", async () => {
    const store = await newStore();
    const ledger = recording(store);
    const enqueue = groupCommit(ledger, { maxBatch: 2, maxInFlight: 1 });
    const settled = await Promise.allSettled(
      [delivery("x"), delivery("bad", "refused"), delivery("y"), delivery("z")].map((d) => enqueue(d)),
    );
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(ledger.statements).toEqual([["x", "bad"], ["x"], ["bad"], ["y", "z"]]);
    expect((await store.inbox.listDeliveries()).map((d) => d.id).sort()).toEqual(["x", "y", "z"]);
  });

  it("enqueueDeliveries reports the ids that were new, in one statement", async () => {
    const store = await newStore();
    const none = new Set<string>();
    expect(await store.inbox.enqueueDeliveries([])).toEqual({ inserted: none, requeued: none });
    expect(await store.inbox.enqueueDeliveries([delivery("p"), delivery("q")])).toEqual({
      inserted: new Set(["p", "q"]),
      requeued: none,
    });
    expect(await store.inbox.enqueueDeliveries([delivery("q"), delivery("r"), delivery("r")])).toEqual({
      inserted: new Set(["r"]),
      requeued: none,
    });
    expect((await store.inbox.getDelivery("r"))?.status).toBe("pending");
  });

  it("requeues a delivery that had failed for good when it arrives again (GitHub's Redeliver), once a batch", async () => {
    const store = await newStore();
    await store.inbox.enqueueDeliveries([delivery("failed"), delivery("done"), delivery("waiting")]);
    await store.inbox.claimDeliveries({ worker: "w", limit: 2, now: 1_000, leaseMs: 60_000 });
    for (const id of ["failed", "done"]) await store.inbox.startDelivery(id, "w", 1_000);
    await store.inbox.failDelivery("failed", "w", { error: "HTTP 502", now: 1_500, retryAt: null });
    await store.inbox.completeDelivery("done", "w", 1_500);
    const again = (id: string) => ({ ...delivery(id), receivedAt: 9_000 });

    const enqueue = groupCommit(store.inbox, { maxInFlight: 1 });
    const results = await Promise.all(["failed", "failed", "done", "waiting", "new"].map((id) => enqueue(again(id))));
    expect(results).toEqual([
      { inserted: false, requeued: true },
      { inserted: false, requeued: false },
      { inserted: false, requeued: false },
      { inserted: false, requeued: false },
      { inserted: true, requeued: false },
    ]);
    expect(await store.inbox.getDelivery("failed")).toMatchObject({
      status: "pending",
      attempts: 0,
      nextAttemptAt: 9_000,
      receivedAt: 1_000,
      completedAt: null,
    });
    expect((await store.inbox.getDelivery("done"))?.status).toBe("done");
  });
});
