import { type ProbotOctokit, run, type Server } from "probot";
import { createShipledger, type Shipledger } from "./app.js";
import { type AppSettings, loadSettings } from "./config/env.js";
import { createLog } from "./log.js";
import { parseDatabaseUrl, redactUrl } from "./store/database-url.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/types.js";

// Kept here for the callers that import it from start.js; the CLI imports it from its own module
// so that it does not load Probot.
export { loadDotEnv } from "./config/dotenv.js";

export interface RunningApp {
  server: Server;
  settings: AppSettings;
  /** Absent in setup mode (no APP_ID yet). */
  store?: Store;
  shipledger?: Shipledger;
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

  // Probot's logger, but with the secrets that requests carry (API tokens, cookies) redacted.
  const log = await createLog(env);
  if (settings.appId === undefined) {
    const server = await run(() => {}, { env, log });
    return { server, settings, stop: () => server.stop() };
  }

  const store = await openStore(settings.databaseUrl);
  const shipledger = createShipledger({
    store,
    app: { id: settings.appId, webUrl: settings.githubWebUrl },
    api: { tokens: settings.apiTokens, metric: settings.metric },
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
  let server: Server;
  try {
    // The key was validated (and read from PRIVATE_KEY_PATH) by loadSettings; hand Probot the text.
    server = await run(shipledger.appFn, {
      env: { ...env, PRIVATE_KEY: settings.privateKey, PRIVATE_KEY_PATH: undefined },
      log,
      ...(options.Octokit ? { Octokit: options.Octokit } : {}),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const target = parseDatabaseUrl(settings.databaseUrl);
  const where = target.dialect === "postgres" ? redactUrl(target.url) : target.path;
  // A single SQLite instance owns its inbox: whatever was in hand when it last stopped resumes now.
  // Postgres instances share the inbox, so there an interrupted claim resumes when its lease ends.
  await shipledger.worker.start({ resumeInterrupted: store.dialect === "sqlite" });
  shipledger.log.info(`ledger ${store.dialect} at ${where}; inbox worker ${shipledger.worker.id} started`);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await server.stop();
      await shipledger.worker.stop();
      await store.close();
    })();
    return stopping;
  };
  return { server, settings, store, shipledger, stop };
}

/** SIGINT/SIGTERM: stop taking webhooks, finish the deliveries in hand, close the ledger, exit. */
export function stopOnSignals(app: RunningApp): void {
  // Probot's run() exits on SIGINT at once; ours first lets the worker settle its claims.
  process.removeAllListeners("SIGINT");
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.info(`shipledger: ${signal} received, stopping`);
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
