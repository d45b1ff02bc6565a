import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { Enqueued, NewDelivery } from "../store/types.js";
import { payloadFields } from "./payload.js";

/**
 * The inbox row for a webhook event that Probot verified and parsed in-process (probot.receive,
 * tests and embedders). The HTTP route stores the received text itself (src/web/webhook-intake.ts).
 */
export function deliveryFromEvent(
  event: Pick<EmitterWebhookEvent, "id" | "name" | "payload">,
  receivedAt: number,
): NewDelivery {
  return {
    id: event.id,
    event: event.name,
    ...payloadFields(event.payload as unknown as Record<string, unknown>),
    receivedAt,
    payload: JSON.stringify(event.payload),
  };
}

/** Logs a stored delivery that was not new: requeued (it had failed for good), or a duplicate. */
export function logEnqueued(log: { info(fields: object, message: string): void }, id: string, result: Enqueued): void {
  if (result.requeued) log.info({ delivery: id }, "inbox: a delivery that had failed was redelivered; requeued");
  else if (!result.inserted) log.info({ delivery: id }, "inbox: duplicate delivery acknowledged, stored once");
}
