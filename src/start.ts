import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Logger, Probot, type ProbotOctokit } from "probot";
import { createShipledger, type Shipledger } from "./app.js";
import { type AppSettings, ConfigurationError, loadOtlpSettings, loadSettings } from "./config/env.js";
import { createLog } from "./log.js";
import { instanceMetricDefaults, type MetricDefaults } from "./metrics/report.js";
import { parseDatabaseUrl, redactUrl } from "./store/database-url.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";
import { CALLBACK_PATH } from "./web/dashboard/auth.js";
import { createHttpServer, type HttpServer, type RouteHandler } from "./web/http-server.js";
import { WEBHOOK_PATH } from "./web/webhook-intake.js";

// Kept here for the callers that import it from start.js; the CLI imports it from its own module
// so that it does not load Probot.
export { loadDotEnv } from "./config/dotenv.js";

export interface RunningApp {
  server: HttpServer;
  settings: AppSettings;
  /** Absent in setup mode (no APP_ID yet). */
  store?: Store;
  shipledger?: Shipledger;
  /**
   * The instance's metric defaults as resolved at start (METRIC_*, the COST_PRICES_FILE read and
   * validated): what /api/v1/report and the dashboard report with. Absent in setup mode.
   */
  metric?: MetricDefaults;
  stop(): Promise<void>;
}

/**
 * Starts Shipledger as `npm start` does: validates the environment, opens and migrates the
 * ledger, serves /api/github/webhooks and starts the inbox worker. Without APP_ID it runs
 * Probot's setup flow instead, which registers the app on GitHub from app.yml.
 */
export interface StartOptions {
  /**
   * Octokit class for the app (default: Probot's, which throttles writes to GitHub's pace). The
   * offline demo passes one without throttling: its fake GitHub has no rate limits.
   */
  Octokit?: typeof ProbotOctokit;
}

export async function startApp(env: NodeJS.ProcessEnv = process.env, options: StartOptions = {}): Promise<RunningApp> {
  const settings = loadSettings(env);
  const otlp = loadOtlpSettings(env);

  // Probot's logger, but with the secrets that requests carry (API tokens, cookies) redacted.
  const log = await createLog(env);
  if (settings.appId === undefined) return startSetup(env, settings, log);

  // The instance's price file is read before anything starts: a bad one names its field now.
  let metric: MetricDefaults;
  try {
    metric = instanceMetricDefaults(settings.metric, (path) => readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigurationError((error as Error).message);
  }
  const store = await openStore(settings.databaseUrl, { instance: true });
  const shipledger = createShipledger({
    store,
    app: { id: settings.appId, webUrl: settings.githubWebUrl },
    api: { tokens: settings.apiTokens, metric, limits: settings.apiLimits },
    ops: { tokens: settings.opsTokens },
    // loadSettings refuses an APP_ID without a secret.
    webhooks: { secret: settings.webhookSecret as string, bodyTimeoutMs: settings.webhookBodyTimeoutMs },
    reconcile: { intervalMs: settings.reconcileIntervalMs },
    otlp,
    ...(settings.dashboard
      ? {
          dashboard: {
            clientId: settings.dashboard.clientId,
            clientSecret: settings.dashboard.clientSecret,
            secret: settings.dashboard.sessionSecret,
            webUrl: settings.githubWebUrl,
            apiUrl: settings.githubBaseUrl ?? "https://api.github.com",
            // Where browsers reach the app: PUBLIC_URL, else the address it listens on.
            publicUrl: settings.publicUrl ?? (() => http.url),
          },
        }
      : {}),
    backfill: {
      days: settings.backfill.days,
      reserve: settings.backfill.reserve,
      leaseMs: settings.backfill.leaseMs,
      drift: { everyMs: settings.backfill.driftIntervalMs, maxDays: Math.max(settings.backfill.days, 7) },
    },
    worker: {
      concurrency: settings.inbox.concurrency,
      leaseMs: settings.inbox.leaseMs,
      pollMs: settings.inbox.pollMs,
      backoff: {
        baseMs: settings.inbox.retryBaseMs,
        maxMs: settings.inbox.retryMaxMs,
        maxAttempts: settings.inbox.maxAttempts,
      },
    },
  });
  const http = createHttpServer({
    host: settings.host ?? "localhost",
    port: settings.port,
    log: log.child({ name: "http" }),
    // Past the webhook's and the OTLP body's own deadlines (which answer 408 themselves), Node ends the request.
    requestTimeoutMs: Math.max(settings.webhookBodyTimeoutMs + 5_000, otlp.timeoutMs + 5_000, 60_000),
  });
  let proxy: WebhookProxy | undefined;
  try {
    const probot = new Probot({
      appId: settings.appId,
      privateKey: settings.privateKey,
      secret: settings.webhookSecret,
      log,
      ...(settings.githubBaseUrl ? { baseUrl: settings.githubBaseUrl } : {}),
      ...(options.Octokit ? { Octokit: options.Octokit } : {}),
    });
    await probot.load(shipledger.appFn, { cwd: process.cwd(), addHandler: (handler) => http.use(handler) });
    // The start's own writes come before listening: a ledger that cannot be written now (locked,
    // down) stops the start before any delivery is accepted, rather than resetting the ones in hand.
    // A single SQLite instance owns its inbox: whatever was in hand when it last stopped resumes now,
    // and a backfill it held goes on. Postgres instances share both, so there an interrupted claim
    // resumes when its lease ends.
    if (settings.inbox.worker) {
      await shipledger.worker.start({ resumeInterrupted: store.dialect === "sqlite" });
      if (store.dialect === "sqlite") await store.backfills.releaseBackfillLeases();
    }
    await http.start();
    if (settings.webhookProxyUrl) {
      proxy = await startWebhookProxy(settings.webhookProxyUrl, `${http.url}${WEBHOOK_PATH}`, log);
    }
  } catch (error) {
    await shipledger.worker.stop({ graceMs: 0 }).catch(() => []);
    await http.stop(0);
    await store.close();
    throw error;
  }
  const target = parseDatabaseUrl(settings.databaseUrl);
  const where = target.dialect === "postgres" ? redactUrl(target.url) : target.path;
  if (settings.inbox.worker) {
    shipledger.log.info(`ledger ${store.dialect} at ${where}; inbox worker ${shipledger.worker.id} started`);
  } else {
    shipledger.log.info(`ledger ${store.dialect} at ${where}; intake only (INBOX_WORKER=off)`);
  }
  // Redelivers failed webhook deliveries every RECONCILE_INTERVAL_MS (instances take turns).
  shipledger.sweeper?.start();
  // Backfills queued history (on install, by the CLI, the daily drift check) where the worker runs.
  if (settings.inbox.worker) shipledger.backfills?.start();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // Draining: /healthz answers 503 and new deliveries are refused (GitHub shows them failed,
      // to be redelivered), while the deliveries in hand get the grace period to finish.
      shipledger.drain();
      proxy?.stop();
      // A sweep in hand (GitHub may be slow to answer) gets the same grace as the deliveries.
      const swept = shipledger.sweeper?.stop() ?? Promise.resolve();
      // A backfill in hand saves its progress and stops at its next step (the next start goes on).
      const backfilled = shipledger.backfills?.stop() ?? Promise.resolve();
      const handedBack = await shipledger.worker.stop({ graceMs: settings.shutdownGraceMs });
      await withTimeout(swept, 1_000);
      await withTimeout(backfilled, 1_000);
      if (handedBack.length > 0) shipledger.log.info({ handedBack }, "stopped with deliveries handed back");
      await http.stop(1_000);
      await withTimeout(store.close(), 2_000);
    })();
    return stopping;
  };
  return { server: http, settings, store, shipledger, metric, stop };
}

/**
 * Setup mode (no APP_ID yet): Probot's setup flow registers the app on GitHub from app.yml and
 * writes its id, key and secret to .env. The app it registers must be able to receive webhooks:
 * its webhook URL is PUBLIC_URL's /api/github/webhooks, or a webhook proxy channel in development.
 */
async function startSetup(env: NodeJS.ProcessEnv, settings: AppSettings, log: Logger): Promise<RunningApp> {
  const hookUrl = settings.publicUrl ? `${settings.publicUrl}${WEBHOOK_PATH}` : settings.webhookProxyUrl;
  // Probot's manifest takes its webhook URL from WEBHOOK_PROXY_URL, read when the page is served.
  if (hookUrl) process.env.WEBHOOK_PROXY_URL = hookUrl;
  const http = createHttpServer({ host: settings.host ?? "localhost", port: settings.port, log });
  http.use(setupHealth);
  // The port it listens on, not PORT: PORT=0 picks one when the server starts.
  if (!hookUrl) http.use(setupNeedsAddress(() => new URL(http.url).port));
  const setupApp = await loadSetupApp(log, env, settings.publicUrl);
  http.use(setupApp);
  await http.start();
  if (!hookUrl) {
    log.warn(
      "setup: GitHub cannot reach this app yet. Set PUBLIC_URL (production: the address GitHub reaches) or " +
        'WEBHOOK_PROXY_URL (development: a https://smee.io channel) and restart; see README, "Register the app".',
    );
  }
  return { server: http, settings, stop: () => http.stop(1_000) };
}

const setupHealth = (req: IncomingMessage, res: ServerResponse) => {
  if (req.method !== "GET" || req.url?.split("?")[0] !== "/healthz") return false;
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "setup" }));
  return true;
};

/** Without an address GitHub can reach, the setup page explains what to set instead of registering a deaf app. */
const setupNeedsAddress = (port: () => string) => (req: IncomingMessage, res: ServerResponse) => {
  if (req.method !== "GET" || req.url?.split("?")[0] !== "/probot") return false;
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shipledger setup</title></head>
<body><h1>Shipledger setup: GitHub must be able to reach this app</h1>
<p>The GitHub App is registered with a webhook URL, and GitHub must be able to reach it. Set one of these in
<code>.env</code> (or the environment) and restart <code>npm start</code>:</p>
<ul>
<li><code>PUBLIC_URL=https://shipledger.example.com</code>: the address of this app on the internet (production).
The app is registered with <code>PUBLIC_URL/api/github/webhooks</code>.</li>
<li><code>WEBHOOK_PROXY_URL=https://smee.io/your-channel</code>: a webhook proxy channel (development). Open
<a href="https://smee.io/new">smee.io/new</a> for a channel; the app relays it to
<code>http://localhost:${port()}/api/github/webhooks</code> itself.</li>
</ul></body></html>
`);
  return true;
};

/**
 * Probot's setup app (the manifest flow) as a route of our server. Probot exports it only through
 * run(), whose server would put its webhooks middleware in front; it is loaded from Probot's own
 * package, next to its entry point (the version is pinned by package.json, and a test covers it).
 */
async function loadSetupApp(log: Logger, env: NodeJS.ProcessEnv, publicUrl: string | undefined) {
  const entry = import.meta.resolve("probot");
  const { setupAppFactory } = (await import(new URL("./apps/setup.js", entry).href)) as {
    setupAppFactory(options: Record<string, unknown>): () => Promise<RouteHandler>;
  };
  await withDashboardCallback(new URL("./manifest-creation.js", entry).href, publicUrl);
  const factory = setupAppFactory({
    host: env.HOST ?? "localhost",
    port: Number(env.PORT ?? 3000),
    log: log.child({ name: "setup" }),
  });
  return factory();
}

/**
 * The manifest Probot's setup page posts to GitHub is app.yml's, with the webhook URL: it gets the
 * dashboard's sign-in callback too (`callback_urls`, which GitHub requires of a GitHub App's user
 * authorization), at PUBLIC_URL, or at the address the setup page was opened at.
 */
async function withDashboardCallback(moduleUrl: string, publicUrl: string | undefined): Promise<void> {
  const { ManifestCreation } = (await import(moduleUrl)) as {
    ManifestCreation: { prototype: { getManifest(options: { baseUrl: string }): string; [k: string]: unknown } };
  };
  const proto = ManifestCreation.prototype;
  if (proto.shipledgerCallback) return;
  const original = proto.getManifest;
  proto.getManifest = function (this: unknown, options: { baseUrl: string }) {
    const manifest = JSON.parse(original.call(this, options)) as { callback_urls?: string[] };
    const callback = `${publicUrl ?? options.baseUrl}${CALLBACK_PATH}`;
    manifest.callback_urls = [...new Set([...(manifest.callback_urls ?? []), callback])];
    return JSON.stringify(manifest);
  };
  proto.shipledgerCallback = true;
}

interface WebhookProxy {
  stop(): void;
}

/**
 * Development: relays a webhook proxy channel (smee.io) to our webhook route, where each delivery
 * is verified like any other. Needs the smee-client package (a devDependency); without it, says
 * how to get it instead of failing. The channel reconnects by itself; an unreachable one is a
 * warning, not a reason to stop the app.
 */
async function startWebhookProxy(source: string, target: string, log: Logger): Promise<WebhookProxy | undefined> {
  let SmeeClient: new (options: Record<string, unknown>) => { start(): Promise<unknown>; stop(): Promise<void> };
  try {
    ({ SmeeClient } = await import("smee-client" as string));
  } catch {
    log.warn("WEBHOOK_PROXY_URL is set but smee-client is not installed: run `npm install` (it is a devDependency)");
    return undefined;
  }
  const client = new SmeeClient({ source, target, logger: log.child({ name: "smee" }) });
  client.start().then(
    () => log.info(`relaying webhooks from ${source} to ${target}`),
    (error: unknown) =>
      log.warn(`cannot reach the webhook proxy channel ${source} yet (${String((error as Error)?.message ?? error)})`),
  );
  return {
    stop() {
      void client.stop().catch(() => {});
    },
  };
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * SIGINT/SIGTERM: refuse new deliveries, give the deliveries in hand SHUTDOWN_GRACE_MS to finish,
 * hand back the rest, close the ledger, exit. A second signal, or a stop that overruns the grace
 * by 5 s (a hung database), exits at once: nothing acknowledged is lost, it is all in the inbox.
 */
export function stopOnSignals(app: RunningApp): void {
  process.removeAllListeners("SIGINT");
  let received = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (received) {
        console.error(`shipledger: ${signal} received again, exiting now`);
        process.exit(1);
      }
      received = true;
      console.info(`shipledger: ${signal} received, stopping (grace ${app.settings.shutdownGraceMs} ms)`);
      setTimeout(() => {
        console.error("shipledger: stopping took too long, exiting");
        process.exit(1);
      }, app.settings.shutdownGraceMs + 5_000).unref();
      app.stop().then(
        () => process.exit(0),
        (error) => {
          console.error(`shipledger: error while stopping: ${(error as Error).message}`);
          process.exit(1);
        },
      );
    });
  }
}
