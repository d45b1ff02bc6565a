// The redelivery sweep's facts on both dialects: one lease at a time (until it expires), the
// watermark kept, a redelivery claimed by one caller at a time, and the inbox's received deliveries by id.
import { expect, it } from "vitest";
import { eachDialect } from "../helpers/stores.js";

const lease = { sweep: "app", leaseMs: 300_000, restMs: 0 };

eachDialect("store: redeliveries", ({ newStore }) => {
  it("lets one instance sweep at a time, until its lease expires; keeps the watermark", async () => {
    const store = await newStore();
    const r = store.redeliveries;
    expect(await r.claimSweep({ ...lease, worker: "a", now: 1_000 })).toEqual({ watermarkId: null, resume: null });
    expect(await r.claimSweep({ ...lease, worker: "b", now: 2_000 })).toBeNull();
    const state = { watermarkId: 123_456_789_012, resume: { cursor: "v1_99", untilId: 123_456_789_012 } };
    expect(await r.saveSweep("app", "a", state, 3_000)).toBe(true);
    expect(await r.saveSweep("app", "b", { watermarkId: 1, resume: null }, 3_000)).toBe(false);
    // a's lease, renewed at 3,000, expires at 303,000: b takes over and sees a's progress.
    expect(await r.claimSweep({ ...lease, worker: "b", now: 302_999 })).toBeNull();
    expect(await r.claimSweep({ ...lease, worker: "b", now: 303_000 })).toEqual(state);
    expect(await r.saveSweep("app", "a", state, 303_001)).toBe(false);
    await r.finishSweep("app", "b", 304_000);
    // Finished: free, but not within restMs of the end.
    expect(await r.claimSweep({ ...lease, restMs: 10_000, worker: "a", now: 313_999 })).toBeNull();
    expect(await r.claimSweep({ ...lease, restMs: 10_000, worker: "a", now: 314_000 })).toEqual(state);
  });

  it("claims a redelivery once ever; only its claimant gives it back", async () => {
    const store = await newStore();
    const r = store.redeliveries;
    const claim = { guid: "g1", deliveryId: 98_765_432_101, event: "pull_request", now: 1 };
    expect(await r.claimRedelivery({ ...claim, worker: "a" })).toBe(true);
    expect(await r.claimRedelivery({ ...claim, worker: "b" })).toBe(false);
    expect(await r.redeliveredGuids(["g1", "g2"])).toEqual(new Map([["g1", { deliveryId: 98_765_432_101, asks: 1 }]]));
    await r.releaseRedelivery("g1", "b");
    expect([...(await r.redeliveredGuids(["g1"])).keys()]).toEqual(["g1"]);
    await r.releaseRedelivery("g1", "a");
    expect(await r.redeliveredGuids(["g1"])).toEqual(new Map());
    expect(await r.claimRedelivery({ ...claim, worker: "b" })).toBe(true);
    expect(await r.redeliveredGuids([])).toEqual(new Map());
  });

  it("claims a redelivery asked again from the state it was decided on, once; a release returns to it", async () => {
    const store = await newStore();
    const r = store.redeliveries;
    const claim = { guid: "g1", event: "pull_request", now: 1 };
    expect(await r.claimRedelivery({ ...claim, deliveryId: 10, worker: "a" })).toBe(true);
    const asked = { deliveryId: 10, asks: 1 };
    // Two instances ask again, decided on the same state: one claims it.
    expect(await r.claimRedelivery({ ...claim, deliveryId: 12, worker: "a", asked })).toBe(true);
    expect(await r.claimRedelivery({ ...claim, deliveryId: 12, worker: "b", asked })).toBe(false);
    expect(await r.redeliveredGuids(["g1"])).toEqual(new Map([["g1", { deliveryId: 12, asks: 2 }]]));
    // GitHub did not take it: back to the redelivery asked before.
    await r.releaseRedelivery("g1", "a", asked);
    expect(await r.redeliveredGuids(["g1"])).toEqual(new Map([["g1", asked]]));
    expect(await r.claimRedelivery({ ...claim, deliveryId: 12, worker: "b", asked })).toBe(true);
    expect(await r.redeliveredGuids(["g1"])).toEqual(new Map([["g1", { deliveryId: 12, asks: 2 }]]));
  });

  it("says which delivery ids the inbox holds", async () => {
    const store = await newStore();
    await store.inbox.enqueueDelivery({
      id: "d1",
      event: "ping",
      action: null,
      installationId: null,
      repositoryId: null,
      repositoryFullName: null,
      receivedAt: 1,
      payload: "{}",
    });
    expect(await store.inbox.receivedDeliveries(["d1", "d2"])).toEqual(new Set(["d1"]));
    expect(await store.inbox.receivedDeliveries([])).toEqual(new Set());
  });
});
