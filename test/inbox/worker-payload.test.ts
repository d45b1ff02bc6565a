// The worker's own guard on stored payloads: a delivery the intake would have refused (stored by
// an older version, or in-process) fails at once with a message, without running a handler.
import { afterEach, beforeEach, expect, it } from "vitest";
import type { DeliveryHandler } from "../../src/handlers/types.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { loadApp } from "../helpers/probot.js";

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
let store: Store;
beforeEach(async () => {
  store = await openStore(":memory:");
});
afterEach(async () => {
  await store.close();
});

it("fails a payload nesting deeper than 64 levels at once, and runs no handler", async () => {
  const ran: string[] = [];
  const handler: DeliveryHandler = async (ctx) => {
    ran.push(ctx.delivery.id);
  };
  const { worker } = await loadApp({ store, now: () => T0, handlers: { push: [handler] } });
  const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
  const shallow = `${'{"a":'.repeat(64)}1${"}".repeat(64)}`;
  for (const [id, payload] of [
    ["deep", deep],
    ["shallow", shallow],
  ]) {
    await store.inbox.enqueueDelivery({
      id: id as string,
      event: "push",
      action: null,
      installationId: null,
      repositoryId: null,
      repositoryFullName: null,
      receivedAt: T0,
      payload: payload as string,
    });
  }
  await worker.drain();
  expect(await store.inbox.getDelivery("deep")).toMatchObject({
    status: "failed",
    attempts: 1,
    lastError: "payload nests deeper than 64 levels",
  });
  expect(await store.inbox.getDelivery("shallow")).toMatchObject({ status: "done" });
  expect(ran).toEqual(["shallow"]);
});
