// GitHub's rate limits, for work that can wait (a history backfill): an Octokit wrapped by a
// RateBudget reads the limit, what remains and when it resets from every response
// (`x-ratelimit-*`, per resource: REST's `core`, `graphql`), and before each request waits while
// less than the reserve is left, so that what remains of the installation's hour is kept for live
// pull-request checks. A 403 or 429 that says "rate limited" (`retry-after`, or nothing remaining)
// is waited out and the request sent again; any other error is the caller's.

export interface RateWindow {
  limit: number;
  remaining: number;
  /** When the window resets (ms). */
  resetAt: number;
}

export interface RateBudgetOptions {
  /** The share of each resource's limit kept for others (default 0.2: a fifth of the hour). */
  reserve?: number;
  now?: () => number;
  /** Waits `ms` unless the signal aborts (then rejects). Tests give a fake clock's. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Told of each wait (the backfill logs it). */
  onWait?: (wait: { resource: string; ms: number; reason: "reserve" | "rate-limited"; window?: RateWindow }) => void;
  /** Rate-limited answers retried per request before the error is the caller's (default 5). */
  maxRetries?: number;
}

/** The longest single wait: a reset time far off (a clock skew, a bad header) is looked at again after this. */
const MAX_WAIT_MS = 60 * 60_000;
/** After a reset, GitHub's clock and ours may differ by a second or two. */
const RESET_SLACK_MS = 1_000;

/** How long to wait before a request on `window` so that the reserve is kept (0: go now). */
export function waitForReserve(window: RateWindow | undefined, reserve: number, now: number): number {
  if (!window || window.limit <= 0) return 0;
  if (window.remaining > Math.ceil(window.limit * reserve)) return 0;
  if (window.resetAt <= now) return 0; // a new window: the next response says what it holds
  return Math.min(window.resetAt - now + RESET_SLACK_MS, MAX_WAIT_MS);
}

type Headers = Record<string, string | number | undefined>;

const header = (headers: Headers | undefined, name: string): number | null => {
  const value = headers?.[name];
  if (value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};

/** The window a response's headers describe, and which resource it is (null: no rate-limit headers). */
export function windowFromHeaders(headers: Headers | undefined): { resource: string; window: RateWindow } | null {
  const limit = header(headers, "x-ratelimit-limit");
  const remaining = header(headers, "x-ratelimit-remaining");
  const reset = header(headers, "x-ratelimit-reset");
  if (limit === null || remaining === null || reset === null) return null;
  return {
    resource: String(headers?.["x-ratelimit-resource"] ?? "core"),
    window: { limit, remaining, resetAt: reset * 1000 },
  };
}

/**
 * How long a failed request asks to be waited for before it is sent again: `retry-after` (seconds),
 * or the reset of a window with nothing left; null when the error is not a rate limit.
 */
export function rateLimitedWait(error: unknown, now: number): number | null {
  const e = error as { status?: number; response?: { headers?: Headers } };
  if (e.status !== 403 && e.status !== 429) return null;
  const headers = e.response?.headers;
  const retryAfter = header(headers, "retry-after");
  if (retryAfter !== null) return Math.min(retryAfter * 1000, MAX_WAIT_MS);
  const reset = header(headers, "x-ratelimit-reset");
  if (header(headers, "x-ratelimit-remaining") === 0 && reset !== null)
    return Math.min(Math.max(reset * 1000 - now, 0) + RESET_SLACK_MS, MAX_WAIT_MS);
  // A secondary limit without retry-after: GitHub asks for at least a minute.
  if (e.status === 429 || /secondary rate limit/i.test(String((error as Error).message ?? ""))) return 60_000;
  return null;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A GraphQL answer whose errors say the hour's points are spent. */
function isGraphqlRateLimited(response: { data?: unknown }): boolean {
  const errors = (response.data as { errors?: Array<{ type?: string }> } | undefined)?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.type === "RATE_LIMITED");
}

interface RequestOptions {
  url?: string;
  method?: string;
}

/** What wrap() needs of an Octokit: its request hook (before-after-hook). */
interface WrappableOctokit {
  hook: {
    wrap(
      name: "request",
      hook: (
        request: (options: RequestOptions) => Promise<{ headers: Headers; data?: unknown }>,
        options: RequestOptions,
      ) => unknown,
    ): void;
  };
}

export class RateBudget {
  readonly #windows = new Map<string, RateWindow>();
  readonly #o: Required<Pick<RateBudgetOptions, "reserve" | "now" | "sleep" | "maxRetries">> & RateBudgetOptions;
  /** Requests sent through wrapped Octokits (retries included). */
  requests = 0;
  /** Time spent waiting (ms). */
  waitedMs = 0;

  constructor(options: RateBudgetOptions = {}) {
    this.#o = {
      reserve: 0.2,
      now: Date.now,
      sleep: abortableSleep,
      maxRetries: 5,
      ...options,
    };
  }

  /** The last window seen of a resource. */
  window(resource: string): RateWindow | undefined {
    return this.#windows.get(resource);
  }

  /** Records a window (from headers, or a GraphQL `rateLimit` object). */
  observe(resource: string, window: RateWindow): void {
    this.#windows.set(resource, window);
  }

  /** Waits until the resource has more than the reserve left. */
  async admit(resource: string): Promise<void> {
    for (;;) {
      const window = this.#windows.get(resource);
      const ms = waitForReserve(window, this.#o.reserve, this.#o.now());
      if (ms <= 0) return;
      await this.#wait(resource, ms, "reserve", window);
      // Waited to the reset: the window is new (the next response says what it holds).
      if (window && this.#o.now() >= window.resetAt) this.#windows.delete(resource);
    }
  }

  async #wait(resource: string, ms: number, reason: "reserve" | "rate-limited", window?: RateWindow) {
    this.#o.onWait?.({ resource, ms, reason, ...(window ? { window } : {}) });
    this.waitedMs += ms;
    await this.#o.sleep(ms, this.#o.signal);
  }

  /** Wraps an Octokit's requests: admitted under the reserve, rate-limited answers waited out and retried. */
  wrap<T extends object>(octokit: T): T {
    const { hook } = octokit as unknown as WrappableOctokit;
    hook.wrap("request", async (request, options) => {
      const resource = options.url === "/graphql" ? "graphql" : "core";
      for (let attempt = 0; ; attempt++) {
        await this.admit(resource);
        this.requests++;
        try {
          const response = await request(options);
          const seen = windowFromHeaders(response.headers);
          if (seen) this.observe(seen.resource, seen.window);
          // GraphQL answers a spent hour with 200 and a RATE_LIMITED error: waited out like a 403.
          if (resource === "graphql" && isGraphqlRateLimited(response) && attempt < this.#o.maxRetries) {
            const reset = seen?.window.resetAt;
            const ms =
              reset === undefined ? 60_000 : Math.min(Math.max(reset - this.#o.now(), 0) + RESET_SLACK_MS, MAX_WAIT_MS);
            await this.#wait(resource, ms, "rate-limited", seen?.window);
            continue;
          }
          return response;
        } catch (error) {
          const headers = (error as { response?: { headers?: Headers } }).response?.headers;
          const seen = windowFromHeaders(headers);
          if (seen) this.observe(seen.resource, seen.window);
          const ms = rateLimitedWait(error, this.#o.now());
          if (ms === null || attempt >= this.#o.maxRetries) throw error;
          await this.#wait(resource, ms, "rate-limited", seen?.window);
        }
      }
    });
    return octokit;
  }
}
