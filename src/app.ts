import type { ApplicationFunction, ApplicationFunctionOptions, Logger, Probot } from "probot";
import type { ApiLimits, ApiToken } from "./config/env.js";
import { ConfigReadCache } from "./github/config-cache.js";
import { configChangeHandlers } from "./handlers/config-changes.js";
import { deploymentHandlers } from "./handlers/deployments.js";
import { installationHandlers } from "./handlers/installation.js";
import { pullRequestHandlers } from "./handlers/pull-request.js";
import { type AppIdentity, type HandlerRegistry, mergeHandlers } from "./handlers/types.js";
import { BackfillRunner, type BackfillRunnerOptions } from "./inbox/backfill-runner.js";
import { groupCommit } from "./inbox/group-commit.js";
import { deliveryFromEvent, logEnqueued } from "./inbox/intake.js";
import { RedeliverySweeper } from "./inbox/redelivery-sweeper.js";
import { InboxWorker, type WorkerOptions } from "./inbox/worker.js";
import { INSTANCE_METRIC_DEFAULTS, type MetricDefaults } from "./metrics/report.js";
import { createOpsMetricsHandler } from "./ops/endpoint.js";
import { OpsMetrics } from "./ops/metrics.js";
import type { Store } from "./store/types.js";
import { createApiHandler } from "./web/api.js";
import { createDashboardAuth, type DashboardAuthOptions } from "./web/dashboard/auth.js";
import { createDashboardRoutes } from "./web/dashboard/routes.js";
import { createOtlpHandler, type OtlpDeps } from "./web/otlp.js";
import { createWebhookIntake, type IntakeOptions } from "./web/webhook-intake.js";

export interface ShipledgerDeps {
  store: Store;
  now?: () => number;
  random?: () => number;
  /** Handlers by event; defaults to every handler Shipledger has. */
  handlers?: HandlerRegistry;
  worker?: Pick<WorkerOptions, "concurrency" | "leaseMs" | "pollMs" | "backoff" | "id">;
  /** The GitHub App id and GitHub's web address, for check runs. */
  app?: Partial<AppIdentity>;
  /** The reports API (/api/v1/report, /metrics): tokens and metric options; off without tokens. */
  api?: { tokens: ApiToken[]; metric: MetricDefaults; limits?: Partial<ApiLimits> };
  /** The service's own metrics (GET /metrics/ops) and the tokens that read them; off without tokens. */
  ops?: { tokens: string[] };
  /**
   * The webhook route (POST /api/github/webhooks) on the app's own server: the secret and the
   * intake's limits. Absent: deliveries come in through Probot (probot.receive) only.
   */
  webhooks?: Pick<IntakeOptions, "secret" | "maxBodyBytes" | "bodyTimeoutMs" | "maxBufferedBytes">;
  /** The OpenTelemetry endpoint's bounds (POST /v1/metrics, /v1/logs; always on, for ingest tokens only). */
  otlp?: Pick<OtlpDeps, "body" | "spend" | "timeoutMs">;
  /** The sweep that redelivers failed webhook deliveries (RECONCILE_INTERVAL_MS); absent or 0: none. */
  reconcile?: { intervalMs: number };
  /** The configuration files read, by installation (default: a new in-process cache of 10,000). */
  configReads?: ConfigReadCache;
  /**
   * History backfills (src/inbox/backfill-runner.ts): `days` read when the app is installed or
   * given repositories (0: none), the rate-limit reserve, the drift check. Absent: no runner here.
   */
  /**
   * The leads' dashboard (/dashboard): "Sign in with GitHub" with the App's client id and secret,
   * where browsers reach the app, and what its cookies are signed with. Absent: off.
   */
  dashboard?: Pick<DashboardAuthOptions, "clientId" | "clientSecret" | "webUrl" | "apiUrl" | "publicUrl" | "secret">;
  backfill?: Pick<BackfillRunnerOptions, "reserve" | "pollMs" | "pageSize" | "leaseMs" | "drift" | "id" | "sleep"> & {
    days: number;
  };
}

// The cache's invalidation first: a delivery that changes a configuration file reads the new one.
export const defaultHandlers: HandlerRegistry = mergeHandlers(
  configChangeHandlers,
  installationHandlers,
  pullRequestHandlers,
  deploymentHandlers,
);

export interface Shipledger {
  /** The Probot application function: load it with probot.load() or a Probot Server. */
  appFn: ApplicationFunction;
  /** The inbox worker, available once appFn has been loaded. */
  readonly worker: InboxWorker;
  /** The redelivery sweep (null when off), available once appFn has been loaded; start() runs it. */
  readonly sweeper: RedeliverySweeper | null;
  /** The backfill runner (null when off), available once appFn has been loaded; start() runs it. */
  readonly backfills: BackfillRunner | null;
  /** The app's logger, available once appFn has been loaded. */
  readonly log: Logger;
  /** The process is stopping: new deliveries are refused (503) and /healthz answers "draining". */
  drain(): void;
  readonly draining: boolean;
}

/**
 * Wires Shipledger into Probot. Webhooks are only written to the inbox here (signature already
 * verified by Probot), so GitHub's delivery is acknowledged as soon as it is durable; the worker
 * does the work from the inbox.
 */
export function createShipledger(deps: ShipledgerDeps): Shipledger {
  const now = deps.now ?? Date.now;
  let worker: InboxWorker | null = null;
  let sweeper: RedeliverySweeper | null = null;
  let backfills: BackfillRunner | null = null;
  let log: Logger | null = null;
  let draining = false;

  const metric = deps.api?.metric ?? INSTANCE_METRIC_DEFAULTS;
  const appFn = (app: Probot, options?: ApplicationFunctionOptions) => {
    log = app.log.child({ name: "shipledger" });
    // Operational metrics (/metrics/ops, src/ops/metrics.ts): the worker reports each attempt, and
    // the Octokits it is given count their requests and the rate limit left.
    const ops = deps.ops?.tokens.length ? new OpsMetrics({ store: deps.store.inbox, now }) : null;
    const auth = async (installationId?: number) => {
      const octokit = await app.auth(installationId);
      return ops ? ops.instrument(octokit, installationId) : octokit;
    };
    options?.addHandler?.(createOpsMetricsHandler(ops && deps.ops ? { metrics: ops, tokens: deps.ops.tokens } : null));

    const configReads = deps.configReads ?? new ConfigReadCache({ now });
    if (deps.backfill) {
      const { days: _days, ...runner } = deps.backfill;
      backfills = new BackfillRunner({
        store: deps.store,
        auth: (installationId) => auth(installationId),
        configReads,
        log: app.log.child({ name: "backfill" }),
        now,
        ...runner,
      });
    }
    const runner = backfills;
    worker = new InboxWorker({
      store: deps.store,
      handlers: deps.handlers ?? defaultHandlers,
      auth,
      ...(ops ? { observe: ops.observeAttempt } : {}),
      log: app.log.child({ name: "inbox" }),
      now,
      ...(deps.random ? { random: deps.random } : {}),
      ...deps.worker,
      app: {
        id: deps.app?.id,
        webUrl: deps.app?.webUrl ?? "https://github.com",
        metric,
        ...(deps.backfill ? { backfill: { days: deps.backfill.days, queued: () => runner?.notify() } } : {}),
      },
      configReads,
    });
    const inbox = worker;
    if (deps.reconcile && deps.reconcile.intervalMs > 0) {
      sweeper = new RedeliverySweeper({
        store: deps.store,
        auth,
        log: app.log.child({ name: "reconcile" }),
        intervalMs: deps.reconcile.intervalMs,
        now,
      });
    }

    app.onAny(async (event) => {
      const delivery = deliveryFromEvent(event, now());
      const stored = await deps.store.inbox.enqueueDelivery(delivery);
      if (stored.inserted || stored.requeued) inbox.notify();
      logEnqueued(app.log, delivery.id, stored);
    });

    if (deps.webhooks) {
      options?.addHandler?.(
        createWebhookIntake({
          ...deps.webhooks,
          store: groupCommit(deps.store.inbox),
          stored: () => inbox.notify(),
          log: app.log.child({ name: "webhooks" }),
          now,
          draining: () => draining,
        }),
      );
    }
    if (deps.dashboard) {
      const auth = createDashboardAuth({
        ...deps.dashboard,
        store: deps.store,
        log: app.log.child({ name: "dashboard" }),
        now,
      });
      options?.addHandler?.(auth.routes);
      const publicUrl = deps.dashboard.publicUrl;
      options?.addHandler?.(
        createDashboardRoutes({
          store: deps.store,
          auth,
          metric,
          now,
          webUrl: deps.dashboard.webUrl,
          secure: typeof publicUrl === "string" && publicUrl.startsWith("https:"),
        }),
      );
    }
    options?.addHandler?.(
      createOtlpHandler({ store: deps.store, log: app.log.child({ name: "otlp" }), now, ...deps.otlp }),
    );
    options?.addHandler?.(
      createApiHandler({
        store: deps.store,
        tokens: deps.api?.tokens ?? [],
        now,
        metric,
        ...(deps.api?.limits ? { limits: deps.api.limits } : {}),
      }),
    );
    options?.addHandler?.(async (req, res) => {
      if (req.method !== "GET" || req.url?.split("?")[0] !== "/healthz") return false;
      if (draining) {
        // Load balancers stop sending here; the deliveries in hand are finishing or handed back.
        res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ status: "draining" }));
        return true;
      }
      try {
        // A query whose cost is the backlog's, not the whole history's (done deliveries are kept).
        await deps.store.inbox.inboxDepth();
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      } catch {
        res
          .writeHead(503, { "content-type": "application/json" })
          .end(JSON.stringify({ status: "database unavailable" }));
      }
      return true;
    });
  };

  return {
    appFn,
    get worker() {
      if (!worker) throw new Error("Shipledger's app function has not been loaded yet");
      return worker;
    },
    get sweeper() {
      if (!worker) throw new Error("Shipledger's app function has not been loaded yet");
      return sweeper;
    },
    get backfills() {
      if (!worker) throw new Error("Shipledger's app function has not been loaded yet");
      return backfills;
    },
    get log() {
      if (!log) throw new Error("Shipledger's app function has not been loaded yet");
      return log;
    },
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
