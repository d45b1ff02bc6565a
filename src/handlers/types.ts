import type { Context, Logger, ProbotOctokit } from "probot";
import type { MetricDefaults } from "../metrics/report.js";
import type { Store } from "../store/types.js";

/** What a handler receives for one delivery taken from the inbox. */
export interface DeliveryContext {
  delivery: {
    id: string;
    event: string;
    action: string | null;
    receivedAt: number;
    attempt: number;
    /** No retry follows if this attempt fails: a handler should report the failure now. */
    finalAttempt: boolean;
  };
  // biome-ignore lint/suspicious/noExplicitAny: payloads are typed by each handler at its boundary.
  payload: any;
  /** Installation-authenticated when the delivery names an installation, else app-authenticated. */
  octokit: ProbotOctokit;
  /** A Probot context for the delivery (context.config(), context.repo()). */
  probot: Context;
  store: Store;
  log: Logger;
  now: () => number;
  app: AppIdentity;
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
}

export type DeliveryHandler = (context: DeliveryContext) => Promise<void>;

/** Handlers by "event" (any action) or "event.action". */
export type HandlerRegistry = Record<string, DeliveryHandler[]>;

export function handlersFor(registry: HandlerRegistry, event: string, action: string | null): DeliveryHandler[] {
  return [...(registry[event] ?? []), ...(action ? (registry[`${event}.${action}`] ?? []) : [])];
}
