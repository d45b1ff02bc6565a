import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { NewDelivery } from "../store/types.js";
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
