// A sweep renews its lease with each page at the time it renews it: a sweep of slow pages (GitHub
// slow, or the throttling plugin waiting out a limit) keeps its lease, and no second instance
// sweeps alongside it. Renewals wrote the sweep's start time, so the lease lapsed at start + lease.
import { pino } from "pino";
import type { ProbotOctokit } from "probot";
import { afterEach, beforeEach, expect, it } from "vitest";
import { RedeliverySweeper } from "../../src/inbox/redelivery-sweeper.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

const T0 = Date.parse("2026-12-01T12:00:00Z");
const MIN = 60_000;
let store: Store;
beforeEach(async () => {
  store = await openStore(":memory:");
});
afterEach(async () => {
  await store.close();
});

it("a sweep that renewed its lease a minute ago keeps it", async () => {
  let clock = T0;
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const onPage2 = new Promise<void>((r) => (entered = r));
  let calls = 0;
  const delivery = (id: number) => ({
    id,
    guid: `g${id}`,
    delivered_at: new Date(T0 - 1000 * id).toISOString(),
    redelivery: false,
    status: "OK",
    status_code: 200,
    event: "push",
    action: null,
    installation_id: 1,
    repository_id: 1,
  });
  const octokit = {
    rest: {
      apps: {
        listWebhookDeliveries: async () => {
          calls++;
          // Each page takes 6 minutes (GitHub slow, or the throttling plugin waiting out a limit).
          clock += 6 * MIN;
          if (calls === 2) {
            entered();
            await blocked;
          }
          return {
            data: [delivery(1000 - calls)],
            headers: { link: `<https://api.github.com/app/hook/deliveries?cursor=c${calls}>; rel="next"` },
          };
        },
        redeliverWebhookDelivery: async () => ({}),
      },
    },
  } as unknown as ProbotOctokit;
  const sweeper = (id: string) =>
    new RedeliverySweeper({
      id,
      store,
      auth: async () => octokit,
      log: pino({ level: "silent" }),
      intervalMs: 10 * MIN, // lease max(10 min, 5 min) = 10 min
      now: () => clock,
      maxPages: 3,
    });
  const a = sweeper("instance-a").sweep();
  await onPage2; // instance A renewed its lease before page 2, at T0 + 6 min
  // T0 + 12 min: 6 minutes after A's renewal, well within a 10-minute lease.
  const lease = await store.redeliveries.claimSweep({
    sweep: "app",
    worker: "instance-b",
    now: clock,
    leaseMs: 10 * MIN,
    restMs: 5 * MIN,
  });
  release();
  await a;
  expect(lease).toBeNull();
});
