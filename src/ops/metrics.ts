// The service's own health, for operators (GET /metrics/ops): the inbox's backlog, how deliveries
// fare, what the app asks of GitHub and how much of its rate limit is left, and the process
// (event-loop lag, CPU, memory) from prom-client's default collectors. One registry per app, not
// prom-client's global one, so that every app built in a process (tests) counts on its own.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { InboxQueries } from "../store/types.js";

/** How one attempt at a delivery ended: done, back in the inbox for a retry, or failed for good. */
export type AttemptOutcome = "done" | "retry" | "failed";

export interface DeliveryAttempt {
  event: string;
  outcome: AttemptOutcome;
  /** Wall time of the attempt (handlers, GitHub calls and the ledger writes), in milliseconds. */
  durationMs: number;
}

/** What instrument() needs of an Octokit: its request hooks (before-after-hook). */
export interface HookedOctokit {
  hook: {
    after(name: "request", hook: (response: ResponseLike) => void): void;
    error(name: "request", hook: (error: unknown) => never): void;
  };
}

interface ResponseLike {
  status: number;
  headers: Record<string, string | number | undefined>;
}

export interface OpsMetricsOptions {
  store: Pick<InboxQueries, "inboxDepth">;
  /** The app's clock (deliveries' receivedAt are on it). */
  now: () => number;
  /** prom-client's process and Node.js collectors (event-loop lag, CPU, memory, handles); default on. */
  processMetrics?: boolean;
}

/** A delivery's handlers run from milliseconds to minutes (GitHub's rate limit makes them wait). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class OpsMetrics {
  readonly registry = new Registry();
  readonly #store: Pick<InboxQueries, "inboxDepth">;
  readonly #now: () => number;
  readonly #inbox: Gauge<"status">;
  readonly #oldest: Gauge;
  readonly #attempts: Counter<"event" | "outcome">;
  readonly #duration: Histogram<"event" | "outcome">;
  readonly #requests: Counter<"installation" | "status">;
  readonly #remaining: Gauge<"installation" | "resource">;
  readonly #limit: Gauge<"installation" | "resource">;
  readonly #reset: Gauge<"installation" | "resource">;
  /** Octokits already hooked: Probot hands out one app-authenticated instance again and again. */
  readonly #hooked = new WeakSet<object>();

  constructor(options: OpsMetricsOptions) {
    const registers = [this.registry];
    this.#store = options.store;
    this.#now = options.now;
    this.#inbox = new Gauge({
      name: "shipledger_inbox_deliveries",
      help: "Deliveries in the inbox that are not done, by status (pending includes those waiting for a retry)",
      labelNames: ["status"] as const,
      registers,
    });
    this.#oldest = new Gauge({
      name: "shipledger_inbox_oldest_pending_age_seconds",
      help: "Age of the oldest delivery waiting or being processed (0 when there is none)",
      registers,
    });
    this.#attempts = new Counter({
      name: "shipledger_delivery_attempts_total",
      help: "Attempts at processing a delivery, by event and outcome (done, retry: failed and back in the inbox, failed: for good)",
      labelNames: ["event", "outcome"] as const,
      registers,
    });
    this.#duration = new Histogram({
      name: "shipledger_delivery_duration_seconds",
      help: "Time to process a delivery (one attempt), by event and outcome",
      labelNames: ["event", "outcome"] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#requests = new Counter({
      name: "shipledger_github_requests_total",
      help: 'Requests to GitHub\'s API, by installation ("app" when app-authenticated) and HTTP status ("error" without one)',
      labelNames: ["installation", "status"] as const,
      registers,
    });
    this.#remaining = new Gauge({
      name: "shipledger_github_rate_limit_remaining",
      help: "Requests left in GitHub's rate limit window (x-ratelimit-remaining of the latest response), by installation and resource",
      labelNames: ["installation", "resource"] as const,
      registers,
    });
    this.#limit = new Gauge({
      name: "shipledger_github_rate_limit_limit",
      help: "Size of GitHub's rate limit window (x-ratelimit-limit of the latest response), by installation and resource",
      labelNames: ["installation", "resource"] as const,
      registers,
    });
    this.#reset = new Gauge({
      name: "shipledger_github_rate_limit_reset_timestamp_seconds",
      help: "When GitHub's rate limit window resets (x-ratelimit-reset of the latest response, Unix time), by installation and resource",
      labelNames: ["installation", "resource"] as const,
      registers,
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The inbox worker's observer: one call per attempt. */
  readonly observeAttempt = (attempt: DeliveryAttempt): void => {
    const labels = { event: attempt.event, outcome: attempt.outcome };
    this.#attempts.inc(labels);
    this.#duration.observe(labels, attempt.durationMs / 1000);
  };

  /**
   * Counts an Octokit's requests and records the rate limit its responses report. Hooked after
   * Probot's retry and throttling plugins, so a request retried counts once, with its last answer.
   */
  instrument<T extends object>(octokit: T, installationId?: number): T {
    if (this.#hooked.has(octokit)) return octokit;
    this.#hooked.add(octokit);
    const installation = installationId === undefined ? "app" : String(installationId);
    const record = (status: number | undefined, headers: ResponseLike["headers"] | undefined) => {
      this.#requests.inc({ installation, status: status === undefined ? "error" : String(status) });
      const labels = { installation, resource: String(headers?.["x-ratelimit-resource"] ?? "core") };
      for (const [gauge, header] of [
        [this.#remaining, "x-ratelimit-remaining"],
        [this.#limit, "x-ratelimit-limit"],
        [this.#reset, "x-ratelimit-reset"],
      ] as const) {
        const value = headers?.[header];
        if (value !== undefined && value !== "" && Number.isFinite(Number(value))) gauge.set(labels, Number(value));
      }
    };
    const { hook } = octokit as unknown as HookedOctokit;
    hook.after("request", (response) => record(response.status, response.headers));
    hook.error("request", (error) => {
      const e = error as { status?: number; response?: ResponseLike };
      record(typeof e.status === "number" ? e.status : e.response?.status, e.response?.headers);
      throw error;
    });
    return octokit;
  }

  /** The exposition text (Prometheus 0.0.4), and its content type. */
  async expose(): Promise<{ text: string; contentType: string }> {
    // The inbox is read once per scrape, here, rather than by a collector per gauge.
    const depth = await this.#store.inboxDepth();
    for (const status of ["pending", "processing", "failed"] as const) this.#inbox.set({ status }, depth[status]);
    const oldest = depth.oldestPendingReceivedAt;
    this.#oldest.set(oldest === null ? 0 : Math.max(0, this.#now() - oldest) / 1000);
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
