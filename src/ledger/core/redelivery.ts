// Which of the App's webhook deliveries to ask GitHub to redeliver: GitHub's own recipe (a
// delivery whose status is not "OK", and whose event has no successful attempt) with what the
// ledger knows on top: an event already in the inbox was received, whatever GitHub recorded (it
// timed out after the delivery was stored), and an event is redelivered again only once GitHub
// lists the last redelivery as failed too, a few times at most. Pure.

import type { AskedRedelivery } from "../../model/ledger.js";

/** One attempt to deliver an event, as GitHub lists it (GET /app/hook/deliveries). */
export interface HookDelivery {
  /** The attempt's id: GitHub numbers attempts in increasing order. */
  id: number;
  /** The event's id, shared by its redeliveries: the X-GitHub-Delivery header, the inbox's delivery id. */
  guid: string;
  deliveredAt: number;
  redelivery: boolean;
  /** "OK" when the app answered 2xx; otherwise what went wrong ("Invalid HTTP Response: 503", "timed out"). */
  status: string;
  statusCode: number;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
}

/**
 * Redeliveries asked of one event at most. A redelivery can fail too (it reached an instance that
 * was stopping, or the ledger was down: 503), so it is asked again; a delivery the app refuses for
 * good (413, 400) must not be asked every sweep for the three days GitHub keeps it.
 */
export const MAX_REDELIVERIES = 3;

export type RedeliveryDecision =
  | { guid: string; verdict: "redeliver"; delivery: HookDelivery; asked: AskedRedelivery | null }
  | { guid: string; verdict: "received" | "succeeded" | "already redelivered"; delivery: HookDelivery };

export function succeeded(delivery: HookDelivery): boolean {
  return delivery.status === "OK";
}

/**
 * One decision per event that has a failed attempt among `deliveries`, newest event first. An
 * event is redelivered (through its newest failed attempt) unless the inbox has its guid
 * (`received`), an attempt of it succeeded (in `deliveries` or `succeededGuids`, attempts seen on
 * earlier pages), or a redelivery of it was asked (`redelivered`) and GitHub lists no failed
 * attempt newer than the one asked (the redelivery is still queued), or it was asked
 * MAX_REDELIVERIES times.
 */
export function decideRedeliveries(input: {
  deliveries: readonly HookDelivery[];
  received: ReadonlySet<string>;
  redelivered: ReadonlyMap<string, AskedRedelivery>;
  succeededGuids?: ReadonlySet<string>;
}): RedeliveryDecision[] {
  const ok = new Set(input.succeededGuids ?? []);
  for (const d of input.deliveries) if (succeeded(d)) ok.add(d.guid);
  const newestFailed = new Map<string, HookDelivery>();
  for (const d of input.deliveries) {
    if (succeeded(d)) continue;
    const seen = newestFailed.get(d.guid);
    if (!seen || d.id > seen.id) newestFailed.set(d.guid, d);
  }
  return [...newestFailed.values()]
    .sort((a, b) => b.id - a.id)
    .map((delivery) => {
      const guid = delivery.guid;
      if (input.received.has(guid)) return { guid, verdict: "received", delivery };
      if (ok.has(guid)) return { guid, verdict: "succeeded", delivery };
      const asked = input.redelivered.get(guid) ?? null;
      // GitHub numbers attempts in increasing order: a failed one newer than the one asked is the
      // redelivery itself (or one asked by hand), failed too.
      if (asked && (delivery.id <= asked.deliveryId || asked.asks >= MAX_REDELIVERIES)) {
        return { guid, verdict: "already redelivered", delivery };
      }
      return { guid, verdict: "redeliver", delivery, asked };
    });
}

/**
 * A page of GitHub's list (newest first) against the sweep's window: the attempts newer than the
 * watermark and no older than `oldestAt` (GitHub keeps a few days; an older one cannot be
 * redelivered), and whether the walk is through (the page reaches the watermark or `oldestAt`,
 * or it is the last page).
 */
export function withinWindow(
  page: readonly HookDelivery[],
  window: { watermarkId: number | null; oldestAt: number; lastPage: boolean },
): { fresh: HookDelivery[]; through: boolean } {
  const isNew = (d: HookDelivery) =>
    (window.watermarkId === null || d.id > window.watermarkId) && d.deliveredAt >= window.oldestAt;
  const fresh = page.filter(isNew);
  return { fresh, through: window.lastPage || fresh.length < page.length };
}
