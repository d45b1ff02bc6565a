// Turns across installations: a handler waiting for its installation's pace (Probot's throttling
// lets an installation write once a second) holds its turn, so the worker claims past a busy
// installation's backlog and gives the turns left to the installations with the fewest running.
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { DeliveryHandler } from "../../src/handlers/types.js";
import { InboxWorker } from "../../src/inbox/worker.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
let store: Store;
let worker: InboxWorker | null = null;

/** Handlers that run until the test lets them finish, as if waiting for their installation's pace. */
function pacedHandlers() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const handler: DeliveryHandler = (ctx) =>
    new Promise<void>((resolve) => {
      started.push(ctx.delivery.id);
      finish.set(ctx.delivery.id, resolve);
    });
  return { started, finish, handlers: { push: [handler] } };
}

function newWorker(
  handlers: Record<string, DeliveryHandler[]>,
  options: { concurrency: number; perInstallation?: number },
) {
  const octokit = new ProbotOctokit({
    auth: { token: "test" },
    throttle: { enabled: false },
    retry: { enabled: false },
  });
  worker = new InboxWorker({
    store,
    handlers,
    auth: async () => octokit,
    log: pino({ level: "silent" }),
    now: () => T0 + 60_000,
    pollMs: 60_000,
    ...options,
  });
  return worker;
}

async function enqueue(id: string, installationId: number, receivedAt: number) {
  await store.inbox.enqueueDelivery({
    id,
    event: "push",
    action: null,
    installationId,
    repositoryId: null,
    repositoryFullName: null,
    receivedAt,
    payload: "{}",
  });
}

beforeEach(async () => {
  store = await openStore(":memory:");
});
afterEach(async () => {
  await worker?.stop({ graceMs: 0 });
  worker = null;
  await store.close();
});

it("gives the other installations their turns while a busy installation's backlog waits for its pace", async () => {
  // 20 deliveries of installation 1, then one of installation 2 and one of installation 3: in the
  // inbox's order, the quiet installations are behind the whole backlog.
  for (let i = 0; i < 20; i++) await enqueue(`busy-${i}`, 1, T0 + i);
  await enqueue("quiet-2", 2, T0 + 100);
  await enqueue("quiet-3", 3, T0 + 101);
  const paced = pacedHandlers();
  await newWorker(paced.handlers, { concurrency: 4, perInstallation: 2 }).start({ resumeInterrupted: false });

  await vi.waitFor(() => expect(paced.started).toHaveLength(4));
  expect([...paced.started].sort()).toEqual(["busy-0", "busy-1", "quiet-2", "quiet-3"]);

  // A turn freed by the busy installation goes to its next delivery, oldest first.
  paced.finish.get("busy-0")?.();
  await vi.waitFor(() => expect(paced.started).toHaveLength(5));
  expect(paced.started[4]).toBe("busy-2");
  expect(await store.inbox.getDelivery("busy-0")).toMatchObject({ status: "done" });
});

it("gives a turn to the installation with the fewest running, before an older delivery of a busier one", async () => {
  for (let i = 0; i < 6; i++) await enqueue(`busy-${i}`, 1, T0 + i);
  const paced = pacedHandlers();
  await newWorker(paced.handlers, { concurrency: 2, perInstallation: 2 }).start({ resumeInterrupted: false });
  await vi.waitFor(() => expect(paced.started).toEqual(["busy-0", "busy-1"]));

  // Every turn is taken by the busy installation; a quiet one arrives.
  await enqueue("quiet", 2, T0 + 100);
  worker?.notify();
  await vi.waitFor(async () => expect(await store.inbox.getDelivery("quiet")).toMatchObject({ status: "processing" }));
  paced.finish.get("busy-0")?.();
  await vi.waitFor(() => expect(paced.started).toHaveLength(3));
  expect(paced.started[2]).toBe("quiet");
});

it("runs at most perInstallation deliveries of one installation at once, whatever the concurrency", async () => {
  for (let i = 0; i < 5; i++) await enqueue(`d-${i}`, 1, T0 + i);
  const paced = pacedHandlers();
  await newWorker(paced.handlers, { concurrency: 4, perInstallation: 2 }).start({ resumeInterrupted: false });
  await vi.waitFor(async () => expect(await store.inbox.getDelivery("d-4")).toMatchObject({ status: "processing" }));
  await vi.waitFor(() => expect(paced.started).toHaveLength(2));
  await new Promise((resolve) => setTimeout(resolve, 50)); // time for a third to start, were it let
  expect(paced.started).toEqual(["d-0", "d-1"]);
});

it("hands back, attempt not counted, the deliveries claimed but not started when it stops, without waiting for the grace", async () => {
  for (let i = 0; i < 5; i++) await enqueue(`d-${i}`, 1, T0 + i);
  const paced = pacedHandlers();
  const w = newWorker(paced.handlers, { concurrency: 4, perInstallation: 2 });
  await w.start({ resumeInterrupted: false });
  await vi.waitFor(async () => expect(await store.inbox.getDelivery("d-4")).toMatchObject({ status: "processing" }));

  // The two running, after the grace; the three waiting for their turn, at once.
  const handedBack = await w.stop({ graceMs: 0 });
  expect(handedBack.sort()).toEqual(["d-0", "d-1", "d-2", "d-3", "d-4"]);
  for (const id of ["d-0", "d-1", "d-2", "d-3", "d-4"]) {
    expect(await store.inbox.getDelivery(id)).toMatchObject({ status: "pending", attempts: 0 });
  }
  expect(paced.started).toEqual(["d-0", "d-1"]);
  worker = null;
});
