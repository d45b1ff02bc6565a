import type { Context, Logger, ProbotOctokit } from "probot";
import type { Store } from "../store/types.js";

/** What a handler receives for one delivery taken from the inbox. */
export interface DeliveryContext {
  delivery: { id: string; event: string; action: string | null; receivedAt: number; attempt: number };
  // biome-ignore lint/suspicious/noExplicitAny: payloads are typed by each handler at its boundary.
  payload: any;
  /** Installation-authenticated when the delivery names an installation, else app-authenticated. */
  octokit: ProbotOctokit;
  /** A Probot context for the delivery (context.config(), context.repo()). */
  probot: Context;
  store: Store;
  log: Logger;
  now: () => number;
}

export type DeliveryHandler = (context: DeliveryContext) => Promise<void>;

/** Handlers by "event" (any action) or "event.action". */
export type HandlerRegistry = Record<string, DeliveryHandler[]>;

export function handlersFor(registry: HandlerRegistry, event: string, action: string | null): DeliveryHandler[] {
  return [...(registry[event] ?? []), ...(action ? (registry[`${event}.${action}`] ?? []) : [])];
}
