import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { NewDelivery } from "../store/types.js";

interface IntakePayload {
  action?: unknown;
  installation?: { id?: unknown };
  repository?: { id?: unknown; full_name?: unknown };
}

/**
 * The inbox row for a verified webhook delivery. Called before GitHub gets its answer, so it
 * does nothing but describe the delivery; the work happens later, from the inbox.
 */
export function deliveryFromEvent(
  event: Pick<EmitterWebhookEvent, "id" | "name" | "payload">,
  receivedAt: number,
): NewDelivery {
  const payload = event.payload as IntakePayload;
  const installationId = payload.installation?.id;
  const repositoryId = payload.repository?.id;
  const fullName = payload.repository?.full_name;
  return {
    id: event.id,
    event: event.name,
    action: typeof payload.action === "string" ? payload.action : null,
    installationId: typeof installationId === "number" ? installationId : null,
    repositoryId: typeof repositoryId === "number" ? repositoryId : null,
    repositoryFullName: typeof fullName === "string" ? fullName : null,
    receivedAt,
    payload: JSON.stringify(event.payload),
  };
}
