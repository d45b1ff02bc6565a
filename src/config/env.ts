import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";

// The process environment, validated once at start-up. Every variable is documented in README.md.

const positiveInt = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected ${what} (a positive whole number)`)
    .transform(Number)
    .refine((n) => n > 0 && Number.isSafeInteger(n), `expected ${what} (a positive whole number)`);

/** A TCP port; 0 lets the system pick a free one (the server logs the one it got). */
const tcpPort = z
  .string()
  .trim()
  .regex(/^\d+$/, "expected a TCP port (a whole number; 0 picks a free one)")
  .transform(Number)
  .pipe(z.number().max(65535));

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/**
 * The API's bounds when nothing is set: about twice the benchmarked 90-day organisation report
 * (111k changes, ~0.3 s, bench/README.md) per report, and a /metrics scrape interval.
 */
export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = Object.freeze({
  maxReports: 4,
  maxReportsPerToken: 2,
  maxReportChanges: 200_000,
  metricsCacheMs: 30_000,
});

export const envSchema = z.object({
  /** The GitHub App's id. Unset: `npm start` runs Probot's setup flow to register the app. */
  APP_ID: optional(positiveInt("the GitHub App id")),
  /** The App's private key (PEM), or PRIVATE_KEY_PATH to a .pem file. */
  PRIVATE_KEY: optional(z.string()),
  PRIVATE_KEY_PATH: optional(z.string()),
  /** The webhook secret set on the App; signatures of every delivery are verified with it. */
  WEBHOOK_SECRET: optional(z.string()),
  /** Ledger location: unset → ./data/shipledger.db; file:PATH, a path, :memory:, or postgres://… */
  DATABASE_URL: optional(z.string()),
  HOST: optional(z.string()),
  PORT: z.preprocess(blankToUndefined, tcpPort.default(3000)),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  ),
  NODE_ENV: optional(z.string()),
  /** GitHub Enterprise Server host (also used to point the app at a fake GitHub in tests). */
  GHE_HOST: optional(z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "expected a host name, optionally with :port")),
  GHE_PROTOCOL: z.preprocess(blankToUndefined, z.enum(["https", "http"]).default("https")),
  WEBHOOK_PROXY_URL: optional(z.url()),
  /**
   * The address GitHub reaches this app at (https://shipledger.example.com): the setup flow
   * registers `<PUBLIC_URL>/api/github/webhooks` as the app's webhook URL.
   */
  PUBLIC_URL: optional(
    z
      .url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://shipledger.example.com" })
      .refine((u) => !/[?#]/.test(u), "expected a URL without a query or fragment"),
  ),
  /**
   * The GitHub App's client id and secret (Probot's setup flow writes both to .env): the dashboard's
   * "Sign in with GitHub". Unset: the dashboard is off.
   */
  GITHUB_CLIENT_ID: optional(z.string().trim().min(1)),
  GITHUB_CLIENT_SECRET: optional(z.string().trim().min(1)),
  /** What the dashboard's cookies are signed with (default: derived from the App's private key). */
  DASHBOARD_SESSION_SECRET: optional(z.string().min(32, "expected at least 32 characters")),
  /** SIGTERM: how long deliveries in hand may finish before they are handed back. */
  SHUTDOWN_GRACE_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(10_000)),
  /** A webhook body must arrive within this time (GitHub itself gives up after 10 s). */
  WEBHOOK_BODY_TIMEOUT_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(10_000)),
  /**
   * "off": this instance only takes deliveries in (verify, store, answer); other instances sharing
   * its Postgres inbox process them. Default "on".
   */
  INBOX_WORKER: z.preprocess(blankToUndefined, z.enum(["on", "off"]).default("on")),
  /**
   * Deliveries the worker processes at once (at most 2 of one installation). Handlers mostly wait
   * on GitHub, and each installation's writes are paced at one a second: 16 keeps 8 or more
   * installations at their pace at once (bench/README.md, "Freshness").
   */
  INBOX_CONCURRENCY: z.preprocess(blankToUndefined, positiveInt("a number of deliveries").default(16)),
  /** Attempts before a delivery is marked failed. */
  INBOX_MAX_ATTEMPTS: z.preprocess(blankToUndefined, positiveInt("a number of attempts").default(8)),
  /** First retry delay; each later retry doubles it (with jitter), capped at INBOX_RETRY_MAX_MS. */
  INBOX_RETRY_BASE_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(5_000)),
  INBOX_RETRY_MAX_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(15 * 60_000)),
  /** How long a claimed delivery may run before another worker may take it over (its worker died). */
  INBOX_LEASE_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(5 * 60_000)),
  /** How often an idle worker looks for due deliveries. */
  INBOX_POLL_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(1_000)),
  /**
   * How often GitHub's list of the App's webhook deliveries is swept for failed ones to redeliver
   * (the first sweep one interval after start); 0 turns the sweep off.
   */
  RECONCILE_INTERVAL_MS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "expected milliseconds (a whole number; 0 turns the sweep off)")
      .transform(Number)
      .default(10 * 60_000),
  ),
  /**
   * How many days of history are read when the app is installed or given repositories, and the
   * default of `shipledger backfill`; 0: none is read on install.
   */
  BACKFILL_DAYS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "expected days (a whole number; 0 reads no history on install)")
      .transform(Number)
      .refine((n) => n <= 3650, "at most 3650 days")
      .default(90),
  ),
  /** The share of each GitHub rate limit (percent) a backfill leaves for live pull-request checks. */
  BACKFILL_RESERVE_PERCENT: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "expected a percentage (a whole number from 0 to 90)")
      .transform(Number)
      .refine((n) => n <= 90, "at most 90 (a backfill must be able to read something)")
      .default(20),
  ),
  /**
   * How long an instance's hold on an installation's backfill lasts unless renewed (it renews it
   * every third of this while it works): after an instance dies, another takes over this long later.
   */
  BACKFILL_LEASE_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(2 * 60_000)),
  /**
   * How often each repository's recent merges and deployments are compared with the ledger, and
   * what is missing recorded (the drift check); 0 turns it off.
   */
  DRIFT_INTERVAL_MS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, "expected milliseconds (a whole number; 0 turns the drift check off)")
      .transform(Number)
      .default(24 * 60 * 60_000),
  ),
  /** The OpenTelemetry endpoint (POST /v1/metrics, /v1/logs): most bytes of a request body as sent. */
  OTLP_MAX_BODY_BYTES: z.preprocess(blankToUndefined, positiveInt("bytes").default(4 * 1024 * 1024)),
  /** Most bytes a gzip body may inflate to (a small gzip bomb must not fill the memory). */
  OTLP_MAX_DECODED_BYTES: z.preprocess(blankToUndefined, positiveInt("bytes").default(16 * 1024 * 1024)),
  /** Data points one request may carry; a larger request is refused whole (413). */
  OTLP_MAX_POINTS_PER_REQUEST: z.preprocess(blankToUndefined, positiveInt("a number of points").default(50_000)),
  /** Distinct sessions an installation's spend may name on one UTC day; points of further sessions are refused. */
  OTLP_MAX_SESSIONS_PER_DAY: z.preprocess(blankToUndefined, positiveInt("a number of sessions").default(5_000)),
  /** An OTLP request body must arrive within this time, or it gets 408 and nothing is stored. */
  OTLP_BODY_TIMEOUT_MS: z.preprocess(blankToUndefined, positiveInt("milliseconds").default(30_000)),
  /**
   * Bearer tokens for GET /api/v1/report and /metrics, each limited to named owners:
   * "TOKEN:owner1,owner2;TOKEN2:owner3". Unset: the API is off.
   */
  API_TOKENS: optional(z.string()),
  /** Reports (API and /metrics) computed at once by the whole process; more answer 503. */
  API_MAX_REPORTS: z.preprocess(
    blankToUndefined,
    positiveInt("a number of reports").default(DEFAULT_API_LIMITS.maxReports),
  ),
  /** Reports computed at once for one token; more answer 429. */
  API_MAX_REPORTS_PER_TOKEN: z.preprocess(
    blankToUndefined,
    positiveInt("a number of reports").default(DEFAULT_API_LIMITS.maxReportsPerToken),
  ),
  /** A report reading more changes than this answers 422 instead of loading them. */
  API_MAX_REPORT_CHANGES: z.preprocess(
    blankToUndefined,
    positiveInt("a number of changes").default(DEFAULT_API_LIMITS.maxReportChanges),
  ),
  /** /metrics answers each token scope from its last computation for this long. */
  METRICS_CACHE_SECONDS: z.preprocess(
    blankToUndefined,
    positiveInt("seconds").default(DEFAULT_API_LIMITS.metricsCacheMs / 1000),
  ),
  /** Bearer tokens for GET /metrics/ops (the service's own metrics): "TOKEN1;TOKEN2". Unset: it is off. */
  OPS_TOKENS: optional(z.string()),
  /** Reports: scopes with fewer active engineers withhold per-engineer figures. */
  METRIC_MIN_GROUP_SIZE: z.preprocess(blankToUndefined, positiveInt("a number of engineers").default(5)),
  /** Reports: days after shipping within which a revert or rollback counts against a change. */
  METRIC_REVERT_WINDOW_DAYS: z.preprocess(blankToUndefined, positiveInt("days").default(14)),
  /** Reports: changes touching only these paths (comma-separated globs) are not counted. */
  METRIC_IGNORE_PATHS: optional(z.string()),
  /** Reports: which AI evidence counts, "any" or "explicit" only (for repositories whose file does not say). */
  METRIC_EVIDENCE: z.preprocess(blankToUndefined, z.enum(["any", "explicit"]).default("any")),
  /** A YAML or JSON file of token prices by model (USD per million tokens), for agents that report no cost. */
  COST_PRICES_FILE: optional(z.string()),
});

export type Env = z.infer<typeof envSchema>;

export interface AppSettings {
  appId: number | undefined;
  /** PEM text; never logged. */
  privateKey: string | undefined;
  webhookSecret: string | undefined;
  databaseUrl: string | undefined;
  host: string | undefined;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  production: boolean;
  githubBaseUrl: string | undefined;
  /** GitHub's web address, for links in check runs. */
  githubWebUrl: string;
  webhookProxyUrl: string | undefined;
  /** Where GitHub reaches the app, without a trailing slash. */
  publicUrl: string | undefined;
  /**
   * The dashboard's sign-in (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET; DASHBOARD_SESSION_SECRET or
   * the App's private key signs its cookies); null: the dashboard is off.
   */
  dashboard: { clientId: string; clientSecret: string; sessionSecret: string } | null;
  shutdownGraceMs: number;
  webhookBodyTimeoutMs: number;
  /** API tokens and the owners each may read; empty: the API is off. */
  apiTokens: ApiToken[];
  /** Bounds on the work API tokens can ask for (API_MAX_*, METRICS_CACHE_SECONDS). */
  apiLimits: ApiLimits;
  /** Tokens for /metrics/ops; empty: it is off. */
  opsTokens: string[];
  metric: {
    minGroupSize: number;
    revertWindowDays: number;
    ignorePaths: string[];
    evidence: "any" | "explicit";
    /** COST_PRICES_FILE: read and validated by src/metrics/report.ts's instanceMetricDefaults. */
    pricesFile: string | null;
  };
  inbox: {
    /** Whether this instance runs the inbox worker (INBOX_WORKER). */
    worker: boolean;
    concurrency: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    leaseMs: number;
    pollMs: number;
  };
  /** The redelivery sweep's interval (RECONCILE_INTERVAL_MS); 0: off. */
  reconcileIntervalMs: number;
  backfill: {
    /** BACKFILL_DAYS: history read on install (0: none), and the CLI's default window. */
    days: number;
    /** BACKFILL_RESERVE_PERCENT / 100. */
    reserve: number;
    /** DRIFT_INTERVAL_MS; 0: off. */
    driftIntervalMs: number;
    /** BACKFILL_LEASE_MS. */
    leaseMs: number;
  };
}

export interface ApiLimits {
  /** Reports computed at once by the process / for one token. */
  maxReports: number;
  maxReportsPerToken: number;
  /** The most changes one report may read. */
  maxReportChanges: number;
  /** How long /metrics serves a token scope's text from its last computation. */
  metricsCacheMs: number;
}

export interface ApiToken {
  token: string;
  /**
   * Lower-cased owner logins this token may read: each reads the account that has the login, or
   * had it before a rename (never another account that takes it later: that login is ambiguous).
   */
  owners: string[];
  /** GitHub account ids this token may read (`id:12345`), whatever their login. */
  accountIds?: number[];
}

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/** One line per problem, naming the variable and what is expected; values are never echoed (secrets). */
export function formatEnvIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const variable = issue.path.join(".") || "environment";
      const message = issue.code === "invalid_type" ? "is not set or has the wrong type" : issue.message;
      return `${variable}: ${message}`;
    })
    .join("; ");
}

/** The App's key from PRIVATE_KEY or PRIVATE_KEY_PATH, checked to be a PEM key. */
function readPrivateKey(
  e: { PRIVATE_KEY?: string | undefined; PRIVATE_KEY_PATH?: string | undefined },
  readFile: (path: string) => string,
): string | undefined {
  let privateKey = e.PRIVATE_KEY;
  if (!privateKey && e.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFile(e.PRIVATE_KEY_PATH);
    } catch (error) {
      throw new ConfigurationError(
        `PRIVATE_KEY_PATH: cannot read ${e.PRIVATE_KEY_PATH} (${(error as NodeJS.ErrnoException).code ?? "error"}); expected a readable .pem file`,
      );
    }
  }
  if (privateKey) {
    // Keys pasted into .env files often carry literal "\n" sequences.
    privateKey = privateKey.replace(/\\n/g, "\n").trim();
    const variable = e.PRIVATE_KEY ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH";
    if (!/^-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----[\s\S]+-----END ([A-Z ]+ )?PRIVATE KEY-----$/.test(privateKey)) {
      throw new ConfigurationError(`${variable}: expected a PEM private key (-----BEGIN RSA PRIVATE KEY----- …)`);
    }
    // Framed like a key but not one: said now, not as a signing error on the first request to GitHub.
    try {
      createPrivateKey(privateKey);
    } catch {
      throw new ConfigurationError(
        `${variable}: the PEM block holds no private key that can be read; expected the .pem file GitHub generated for the App`,
      );
    }
  }
  return privateKey;
}

/**
 * Validates the environment and derives the app's settings. Throws a ConfigurationError whose
 * message is one line naming the variable(s) at fault.
 */
export function loadSettings(env: NodeJS.ProcessEnv, readFile = (p: string) => readFileSync(p, "utf8")): AppSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigurationError(formatEnvIssues(parsed.error));
  const e = parsed.data;
  const production = e.NODE_ENV === "production";

  const privateKey = readPrivateKey(e, readFile);
  if (e.APP_ID !== undefined && !privateKey) {
    throw new ConfigurationError("PRIVATE_KEY: not set; APP_ID is set, so PRIVATE_KEY or PRIVATE_KEY_PATH is required");
  }
  if (production && !e.WEBHOOK_SECRET) {
    // Probot would silently fall back to the secret "development": anyone could forge deliveries.
    throw new ConfigurationError(
      "WEBHOOK_SECRET: not set; NODE_ENV=production requires the webhook secret configured on the GitHub App",
    );
  }
  if (e.APP_ID !== undefined && !e.WEBHOOK_SECRET) {
    // The same in development: with the app's key, a forged delivery would be acted on for real
    // (Probot's setup flow writes the secret to .env with the id and the key).
    throw new ConfigurationError(
      "WEBHOOK_SECRET: not set; APP_ID is set, so the webhook secret configured on the GitHub App is required",
    );
  }
  if (production && e.APP_ID === undefined) {
    throw new ConfigurationError("APP_ID: not set; NODE_ENV=production requires the GitHub App id");
  }
  if (e.INBOX_RETRY_MAX_MS < e.INBOX_RETRY_BASE_MS) {
    throw new ConfigurationError("INBOX_RETRY_MAX_MS: must be at least INBOX_RETRY_BASE_MS");
  }
  return {
    apiTokens: parseApiTokens(e.API_TOKENS),
    apiLimits: {
      maxReports: e.API_MAX_REPORTS,
      maxReportsPerToken: e.API_MAX_REPORTS_PER_TOKEN,
      maxReportChanges: e.API_MAX_REPORT_CHANGES,
      metricsCacheMs: e.METRICS_CACHE_SECONDS * 1000,
    },
    opsTokens: parseOpsTokens(e.OPS_TOKENS),
    metric: metricSettings(e),
    appId: e.APP_ID,
    privateKey,
    webhookSecret: e.WEBHOOK_SECRET,
    databaseUrl: e.DATABASE_URL,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    production,
    githubBaseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : undefined,
    githubWebUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}` : "https://github.com",
    webhookProxyUrl: e.WEBHOOK_PROXY_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    dashboard:
      e.GITHUB_CLIENT_ID && e.GITHUB_CLIENT_SECRET && (e.DASHBOARD_SESSION_SECRET ?? privateKey)
        ? {
            clientId: e.GITHUB_CLIENT_ID,
            clientSecret: e.GITHUB_CLIENT_SECRET,
            sessionSecret: e.DASHBOARD_SESSION_SECRET ?? (privateKey as string),
          }
        : null,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    webhookBodyTimeoutMs: e.WEBHOOK_BODY_TIMEOUT_MS,
    inbox: {
      worker: e.INBOX_WORKER === "on",
      concurrency: e.INBOX_CONCURRENCY,
      maxAttempts: e.INBOX_MAX_ATTEMPTS,
      retryBaseMs: e.INBOX_RETRY_BASE_MS,
      retryMaxMs: e.INBOX_RETRY_MAX_MS,
      leaseMs: e.INBOX_LEASE_MS,
      pollMs: e.INBOX_POLL_MS,
    },
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    backfill: {
      days: e.BACKFILL_DAYS,
      reserve: e.BACKFILL_RESERVE_PERCENT / 100,
      driftIntervalMs: e.DRIFT_INTERVAL_MS,
      leaseMs: e.BACKFILL_LEASE_MS,
    },
  };
}

// The CLI runs in the app's environment (NODE_ENV=production, APP_ID, …) but each command
// validates only what it reads: `report` needs no App id, key or webhook secret, and the server's
// start-up checks (loadSettings) stay whole.
const metricEnvSchema = envSchema.pick({
  METRIC_MIN_GROUP_SIZE: true,
  METRIC_REVERT_WINDOW_DAYS: true,
  METRIC_IGNORE_PATHS: true,
  METRIC_EVIDENCE: true,
  COST_PRICES_FILE: true,
});

export type MetricSettings = AppSettings["metric"];

/** The reports' settings alone (`shipledger report`); throws a ConfigurationError as loadSettings does. */
export function loadMetricSettings(env: NodeJS.ProcessEnv): MetricSettings {
  const parsed = metricEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigurationError(formatEnvIssues(parsed.error));
  return metricSettings(parsed.data);
}

function metricSettings(e: z.infer<typeof metricEnvSchema>): MetricSettings {
  return {
    minGroupSize: e.METRIC_MIN_GROUP_SIZE,
    revertWindowDays: e.METRIC_REVERT_WINDOW_DAYS,
    ignorePaths: (e.METRIC_IGNORE_PATHS ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean),
    evidence: e.METRIC_EVIDENCE,
    pricesFile: e.COST_PRICES_FILE ?? null,
  };
}

const OWNER = String.raw`(?:id:\d{1,15}|[A-Za-z0-9][A-Za-z0-9-]*)`;
/** TOKEN:OWNERS, the token (no comma or space) as short as makes the rest a list of owners. */
const TOKEN_ENTRY = new RegExp(String.raw`^([^,\s]+?):(\s*${OWNER}\s*(?:,\s*${OWNER}\s*)*)$`);

/**
 * "TOKEN:owner1,owner2;TOKEN2:owner3,id:12345" → tokens; a malformed entry stops start-up (never
 * echoed). An owner is a login (the reports API resolves it to the account that has, or had, it)
 * or `id:` and the account's GitHub id.
 */
export function parseApiTokens(value: string | undefined): ApiToken[] {
  if (!value) return [];
  return value
    .split(";")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const match = TOKEN_ENTRY.exec(entry);
      const token = match?.[1]?.trim() ?? "";
      const names = (match?.[2] ?? "")
        .split(",")
        .map((o) => o.trim().toLowerCase())
        .filter(Boolean);
      if (token.length < 20 || names.length === 0) {
        throw new ConfigurationError(
          `API_TOKENS: entry ${i + 1} is not "TOKEN:owner1,owner2" with a token of at least 20 characters and GitHub owner logins (or id:ACCOUNT_ID)`,
        );
      }
      const owners = names.filter((o) => !o.startsWith("id:"));
      const accountIds = names.filter((o) => o.startsWith("id:")).map((o) => Number(o.slice(3)));
      return accountIds.length > 0 ? { token, owners, accountIds } : { token, owners };
    });
}

/** "TOKEN1;TOKEN2" → tokens for /metrics/ops; a short one stops start-up (never echoed). */
export function parseOpsTokens(value: string | undefined): string[] {
  const tokens = (value ?? "")
    .split(";")
    .map((token) => token.trim())
    .filter(Boolean);
  const short = tokens.findIndex((token) => token.length < 20 || /\s/.test(token));
  if (short !== -1) {
    throw new ConfigurationError(`OPS_TOKENS: token ${short + 1} is not a token of at least 20 characters`);
  }
  return tokens;
}

const backfillEnvSchema = envSchema.pick({
  APP_ID: true,
  PRIVATE_KEY: true,
  PRIVATE_KEY_PATH: true,
  GHE_HOST: true,
  GHE_PROTOCOL: true,
  BACKFILL_DAYS: true,
  BACKFILL_RESERVE_PERCENT: true,
});

export interface BackfillCliSettings {
  /** The App's id and key, when set: the CLI reads history itself; without them it only queues. */
  app: { appId: number; privateKey: string; githubBaseUrl: string | undefined } | null;
  days: number;
  reserve: number;
}

/** `shipledger backfill`'s settings alone; throws a ConfigurationError as loadSettings does. */
export function loadBackfillSettings(
  env: NodeJS.ProcessEnv,
  readFile = (p: string) => readFileSync(p, "utf8"),
): BackfillCliSettings {
  const parsed = backfillEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigurationError(formatEnvIssues(parsed.error));
  const e = parsed.data;
  const privateKey = readPrivateKey(e, readFile);
  if (e.APP_ID !== undefined && !privateKey) {
    throw new ConfigurationError("PRIVATE_KEY: not set; APP_ID is set, so PRIVATE_KEY or PRIVATE_KEY_PATH is required");
  }
  return {
    app:
      e.APP_ID !== undefined && privateKey
        ? {
            appId: e.APP_ID,
            privateKey,
            githubBaseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : undefined,
          }
        : null,
    days: e.BACKFILL_DAYS,
    reserve: e.BACKFILL_RESERVE_PERCENT / 100,
  };
}

const otlpEnvSchema = envSchema.pick({
  OTLP_MAX_BODY_BYTES: true,
  OTLP_MAX_DECODED_BYTES: true,
  OTLP_MAX_POINTS_PER_REQUEST: true,
  OTLP_MAX_SESSIONS_PER_DAY: true,
  OTLP_BODY_TIMEOUT_MS: true,
});

/** The OpenTelemetry endpoint's bounds, in the shape createShipledger's `otlp` takes. */
export interface OtlpSettings {
  body: { maxBodyBytes: number; maxDecodedBytes: number };
  spend: { maxPointsPerRequest: number; maxSessionsPerDay: number };
  timeoutMs: number;
}

/** The OTLP endpoint's settings (OTLP_*); throws a ConfigurationError as loadSettings does. */
export function loadOtlpSettings(env: NodeJS.ProcessEnv): OtlpSettings {
  const parsed = otlpEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigurationError(formatEnvIssues(parsed.error));
  const e = parsed.data;
  if (e.OTLP_MAX_DECODED_BYTES < e.OTLP_MAX_BODY_BYTES) {
    // An uncompressed body is its own inflation: a smaller bound would refuse what the body bound admits.
    throw new ConfigurationError("OTLP_MAX_DECODED_BYTES: must be at least OTLP_MAX_BODY_BYTES");
  }
  return {
    body: { maxBodyBytes: e.OTLP_MAX_BODY_BYTES, maxDecodedBytes: e.OTLP_MAX_DECODED_BYTES },
    spend: { maxPointsPerRequest: e.OTLP_MAX_POINTS_PER_REQUEST, maxSessionsPerDay: e.OTLP_MAX_SESSIONS_PER_DAY },
    timeoutMs: e.OTLP_BODY_TIMEOUT_MS,
  };
}
