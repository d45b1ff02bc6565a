import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";
import type { Context, Logger, ProbotOctokit } from "probot";
import type { ConfigReadCache } from "../github/config-cache.js";
import type { MetricDefaults } from "../metrics/report.js";
import type { Store } from "../store/types.js";

/** An event as handlers are registered for it: "push", or "pull_request.closed" for one action. */
export type WebhookEventName = EmitterWebhookEventName;

/** A delivery's payload as GitHub documents it for the event E (@octokit/webhooks' types). */
export type WebhookPayload<E extends WebhookEventName> = EmitterWebhookEvent<E>["payload"];

/**
 * What a handler receives for one delivery taken from the inbox. `Payload` is what the handler
 * knows of the payload: the shape GitHub documents for the events it is registered for
 * (EventContext), or nothing for a handler of any event.
 */
export interface DeliveryContext<Payload = unknown> {
  delivery: {
    id: string;
    event: string;
    action: string | null;
    receivedAt: number;
    attempt: number;
    /** No retry follows if this attempt fails: a handler should report the failure now. */
    finalAttempt: boolean;
  };
  payload: Payload;
  /** Installation-authenticated when the delivery names an installation, else app-authenticated. */
  octokit: ProbotOctokit;
  /** A Probot context for the delivery (context.config(), context.repo()). */
  probot: Context;
  store: Store;
  log: Logger;
  now: () => number;
  app: AppIdentity;
  /** The configuration files read so far, by installation (src/github/config-cache.ts). */
  configReads: ConfigReadCache;
}

/** Facts about the app itself that handlers need. */
export interface AppIdentity {
  /** The GitHub App id, when known (tests run with a token instead). */
  id: number | undefined;
  /** GitHub's web address (https://github.com, or a GitHub Enterprise Server's). */
  webUrl: string;
  /**
   * The instance's metric settings (METRIC_*): the minimum group size, which files can only raise,
   * and the revert window and ignored paths of repositories without a configuration file.
   */
  metric: MetricDefaults;
  /**
   * History backfills asked for when the app is installed or given repositories: how many days
   * back (BACKFILL_DAYS; 0 or absent: none), and who to tell that one was queued.
   */
  backfill?: { days: number; queued?: () => void };
}

/**
 * The installation a delivery came through. GitHub names it in every event it sends an app's
 * installation, though its types leave it optional; a delivery without one fails like any error.
 */
export function installationIdOf(payload: { installation?: { id: number } }): number {
  if (payload.installation === undefined) throw new Error("the delivery names no installation");
  return payload.installation.id;
}

/** The context of a delivery of one of the events E. */
export type EventContext<E extends WebhookEventName> = DeliveryContext<WebhookPayload<E>>;

export type DeliveryHandler<Payload = unknown> = (context: DeliveryContext<Payload>) => Promise<void>;

/** Handlers by "event" (any action) or "event.action". */
export type HandlerRegistry = Record<string, DeliveryHandler[]>;

/**
 * A registry whose handlers are checked against the events they are registered for: each one must
 * accept the payload GitHub documents for its key.
 */
export function handlers(
  registry: { [E in WebhookEventName]?: DeliveryHandler<WebhookPayload<E>>[] },
): HandlerRegistry {
  // The worker runs a handler only for deliveries of its key's event (handlersFor), whose payload
  // GitHub sends in the documented shape: this is the one place it is taken on trust.
  return registry as HandlerRegistry;
}

/** Registries in one: an event's handlers run in the order of the registries given. */
export function mergeHandlers(...registries: HandlerRegistry[]): HandlerRegistry {
  const merged: HandlerRegistry = {};
  for (const registry of registries) {
    for (const [key, list] of Object.entries(registry)) merged[key] = [...(merged[key] ?? []), ...list];
  }
  return merged;
}

export function handlersFor(registry: HandlerRegistry, event: string, action: string | null): DeliveryHandler[] {
  return [...(registry[event] ?? []), ...(action ? (registry[`${event}.${action}`] ?? []) : [])];
}

/**
 * A delivery that cannot succeed however often it is tried (a payload that is not JSON, a
 * repository GitHub says belongs elsewhere): the inbox marks it failed at once, without retrying.
 */
export class PermanentDeliveryError extends Error {
  override name = "PermanentDeliveryError";
}
