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
    expect(await enqueue(delivery("b"))).toEqual({ inserted: false });
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
    expect(await store.inbox.enqueueDeliveries([])).toEqual(new Set());
    expect(await store.inbox.enqueueDeliveries([delivery("p"), delivery("q")])).toEqual(new Set(["p", "q"]));
    expect(await store.inbox.enqueueDeliveries([delivery("q"), delivery("r"), delivery("r")])).toEqual(new Set(["r"]));
    expect((await store.inbox.getDelivery("r"))?.status).toBe("pending");
  });
});
