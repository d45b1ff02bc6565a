// The App's webhook deliveries (GET /app/hook/deliveries, newest first, cursor pagination) and
// their redelivery (POST /app/hook/deliveries/{id}/attempts). Both need the App's JWT: pass the
// Octokit that auth() gives without an installation id.
import type { ProbotOctokit } from "probot";
import type { HookDelivery } from "../ledger/core/redelivery.js";

/** GitHub's largest page of deliveries. */
export const HOOK_DELIVERIES_PER_PAGE = 100;

/** One page of deliveries, and the cursor of the next (older) page; null on the last. */
export async function listHookDeliveries(
  octokit: ProbotOctokit,
  cursor: string | null,
): Promise<{ deliveries: HookDelivery[]; next: string | null }> {
  const response = await octokit.rest.apps.listWebhookDeliveries({
    per_page: HOOK_DELIVERIES_PER_PAGE,
    ...(cursor ? { cursor } : {}),
  });
  const deliveries = response.data.map(
    (d): HookDelivery => ({
      id: Number(d.id),
      guid: d.guid,
      deliveredAt: Date.parse(d.delivered_at),
      redelivery: d.redelivery,
      status: d.status,
      statusCode: d.status_code,
      event: d.event,
      action: d.action ?? null,
      installationId: d.installation_id === null || d.installation_id === undefined ? null : Number(d.installation_id),
      repositoryId: d.repository_id === null || d.repository_id === undefined ? null : Number(d.repository_id),
    }),
  );
  return { deliveries, next: nextCursor(response.headers.link) };
}

/** The `cursor` of the Link header's rel="next" URL. */
export function nextCursor(link: string | undefined): string | null {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match?.[1]) return new URL(match[1], "https://api.github.com").searchParams.get("cursor");
  }
  return null;
}

/** Asks GitHub to deliver this attempt's event again (202: queued). */
export async function redeliverHookDelivery(octokit: ProbotOctokit, deliveryId: number): Promise<void> {
  await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: deliveryId });
}
