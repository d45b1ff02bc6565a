// A claim under way when the worker is stopped (SIGTERM while the claim statement is slow to
// return): stop() waits for it within its grace period, and what the claim brings back afterwards
// is handed back, never started. Before, its deliveries were started after stop() resolved and
// stayed claimed (on Postgres, until the lease ran out, the attempt counted).
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { DeliveryHandler } from "../../src/handlers/types.js";
import { InboxWorker } from "../../src/inbox/worker.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
let store: Store;
beforeEach(async () => {
  store = await openStore(":memory:");
});
afterEach(async () => {
  await store.close();
});

it("stop() during a claim: nothing starts after stop resolves, and nothing stays claimed", async () => {
  for (const [i, id] of ["d1", "d2", "d3"].entries()) {
    await store.inbox.enqueueDelivery({
      id,
      event: "push",
      action: null,
      installationId: i + 1,
      repositoryId: null,
      repositoryFullName: null,
      receivedAt: T0 + i,
      payload: "{}",
    });
  }
  // The claim statement is slow to return (Postgres under load) while SIGTERM arrives.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const claim = store.inbox.claimDeliveries.bind(store.inbox);
  let claimEntered!: () => void;
  const entered = new Promise<void>((r) => (claimEntered = r));
  store.inbox.claimDeliveries = async (o) => {
    const rows = await claim(o);
    claimEntered();
    await gate;
    return rows;
  };
  const started: string[] = [];
  const handler: DeliveryHandler = (ctx) => {
    started.push(ctx.delivery.id);
    return new Promise<void>(() => {}); // waits on GitHub
  };
  const octokit = new ProbotOctokit({ auth: { token: "t" }, throttle: { enabled: false }, retry: { enabled: false } });
  const worker = new InboxWorker({
    id: "w",
    store,
    handlers: { push: [handler] },
    auth: async () => octokit,
    log: pino({ level: "silent" }),
    now: () => T0 + 60_000,
    pollMs: 1e9,
    leaseMs: 1e9,
    concurrency: 1,
  });
  await worker.start({ resumeInterrupted: false });
  await entered;
  const handedBack = await worker.stop({ graceMs: 50 });
  release();
  await new Promise((r) => setTimeout(r, 100));
  // After stop() resolved (the app then closes the ledger and exits), no handler may start...
  // ...and no delivery may stay claimed by the stopped worker (else Postgres waits out the lease).
  const held = await store.inbox.listDeliveries({ statuses: ["processing"] });
  expect({ handedBack, started, held: held.map((d) => [d.id, d.lockedBy, d.attempts]) }).toEqual({
    handedBack: [],
    started: [],
    held: [],
  });
});
