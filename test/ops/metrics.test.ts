// The service's own health on GET /metrics/ops (issue #13, item 19): deliveries processed through
// the real worker, GitHub requests through the Octokit it gets, scraped through the app's HTTP
// handlers; only operations tokens read it, and tenants' /metrics carries none of it.
import { createServer, type Server } from "node:http";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryHandler } from "../../src/handlers/types.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { installationEvent, webhookFixture } from "../helpers/fixtures.js";
import { loadApp, manualClock } from "../helpers/probot.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const API = "https://api.github.com";
const OPS = "ops-token-0123456789-abcdef";
const TENANT = "tenant-token-codertocat-0123";

const rateLimit = (remaining: number) => ({
  "x-ratelimit-limit": "5000",
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-resource": "core",
  "x-ratelimit-reset": "1795514400",
});

/**
 * A delivery of an installation without its repository, so that the worker records no source
 * (whose checks are not what these tests are about) and runs only the handlers given.
 */
function sourceless(name: string, installationId: number) {
  const payload = installationEvent(name, installationId);
  delete payload.repository;
  return payload;
}

/** The value of one series in an exposition ("name{labels} value"), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let store: Store;
const servers: Server[] = [];

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  store = await openStore(":memory:");
});
afterEach(async () => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  for (const server of servers.splice(0)) server.close();
  await store.close();
  expect(pending).toEqual([]);
});

/** Shipledger in Probot, its HTTP routes served as the app's server serves them. */
async function start(deps: Omit<Parameters<typeof loadApp>[0], "store">) {
  const loaded = await loadApp({ store, ...deps });
  const server = createServer(async (req, res) => {
    for (const route of loaded.routes) if (await route(req, res)) return;
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const get = (path: string, token?: string) =>
    fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { ...loaded, get };
}

describe("/metrics/ops: what an on-call engineer alerts on", () => {
  it("shows the inbox, the deliveries' outcomes and durations, GitHub requests and rate limits, and the process", async () => {
    const clock = manualClock(T0);
    const opened: DeliveryHandler = async ({ octokit }) => {
      await octokit.rest.repos.get({ owner: "Codertocat", repo: "Hello-World" });
    };
    const closed: DeliveryHandler = async ({ octokit }) => {
      await octokit.rest.pulls.get({ owner: "Codertocat", repo: "Hello-World", pull_number: 2 });
    };
    const ping: DeliveryHandler = async ({ octokit }) => {
      await octokit.rest.rateLimit.get();
    };
    const app = await start({
      now: clock.now,
      random: () => 0,
      handlers: { "pull_request.opened": [opened], "pull_request.closed": [closed], ping: [ping] },
      worker: { backoff: { baseMs: 1000, maxMs: 1000, maxAttempts: 2 } },
      ops: { tokens: [OPS] },
      api: {
        tokens: [{ token: TENANT, owners: ["codertocat"] }],
        metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
      },
    });

    await app.probot.receive({
      id: "d-1",
      name: "pull_request",
      payload: sourceless("pull_request.opened", 42),
    });
    clock.advance(30_000);
    await app.probot.receive({
      id: "d-2",
      name: "pull_request",
      payload: sourceless("pull_request.closed", 42),
    });
    await app.probot.receive({ id: "d-3", name: "ping", payload: sourceless("ping", 43) });
    clock.advance(90_000);

    // Before the worker: three deliveries waiting, the oldest for two minutes.
    let res = await app.get("/metrics/ops", OPS);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    let text = await res.text();
    expect(sample(text, 'shipledger_inbox_deliveries{status="pending"}')).toBe(3);
    expect(sample(text, 'shipledger_inbox_deliveries{status="processing"}')).toBe(0);
    expect(sample(text, 'shipledger_inbox_deliveries{status="failed"}')).toBe(0);
    expect(sample(text, "shipledger_inbox_oldest_pending_age_seconds")).toBe(120);

    nock(API).get("/repos/Codertocat/Hello-World").reply(200, { id: 1 }, rateLimit(4990));
    nock(API)
      .get("/repos/Codertocat/Hello-World/pulls/2")
      .times(2)
      .reply(502, { message: "Server Error" }, rateLimit(4989));
    nock(API).get("/rate_limit").reply(200, { resources: {} }, rateLimit(120));
    await app.worker.drain();

    text = await (await app.get("/metrics/ops", OPS)).text();
    expect(sample(text, 'shipledger_delivery_attempts_total{event="pull_request",outcome="done"}')).toBe(1);
    expect(sample(text, 'shipledger_delivery_attempts_total{event="pull_request",outcome="retry"}')).toBe(1);
    expect(sample(text, 'shipledger_delivery_attempts_total{event="ping",outcome="done"}')).toBe(1);
    expect(sample(text, 'shipledger_delivery_duration_seconds_count{event="pull_request",outcome="done"}')).toBe(1);
    expect(sample(text, 'shipledger_delivery_duration_seconds_count{event="ping",outcome="done"}')).toBe(1);
    expect(text).toContain("# TYPE shipledger_delivery_duration_seconds histogram");
    expect(text).toMatch(
      /^shipledger_delivery_duration_seconds_bucket\{le="0\.05",event="pull_request",outcome="done"\} /m,
    );
    expect(sample(text, 'shipledger_github_requests_total{installation="42",status="200"}')).toBe(1);
    expect(sample(text, 'shipledger_github_requests_total{installation="42",status="502"}')).toBe(1);
    expect(sample(text, 'shipledger_github_requests_total{installation="43",status="200"}')).toBe(1);
    // The latest response's figure, per installation: the failed request's headers count too.
    expect(sample(text, 'shipledger_github_rate_limit_remaining{installation="42",resource="core"}')).toBe(4989);
    expect(sample(text, 'shipledger_github_rate_limit_remaining{installation="43",resource="core"}')).toBe(120);
    expect(sample(text, 'shipledger_github_rate_limit_limit{installation="43",resource="core"}')).toBe(5000);
    expect(
      sample(text, 'shipledger_github_rate_limit_reset_timestamp_seconds{installation="43",resource="core"}'),
    ).toBe(1795514400);
    // The retry waits in the inbox: one pending, received at T0 + 30 s.
    expect(sample(text, 'shipledger_inbox_deliveries{status="pending"}')).toBe(1);
    expect(sample(text, "shipledger_inbox_oldest_pending_age_seconds")).toBe(90);
    // The process: event-loop lag, CPU, memory (prom-client's collectors).
    for (const name of [
      "nodejs_eventloop_lag_seconds",
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
    ]) {
      expect(sample(text, name), name).toBeGreaterThanOrEqual(0);
    }

    // Its last attempt fails for good.
    clock.advance(1000);
    await app.worker.drain();
    text = await (await app.get("/metrics/ops", OPS)).text();
    expect(sample(text, 'shipledger_delivery_attempts_total{event="pull_request",outcome="failed"}')).toBe(1);
    expect(sample(text, 'shipledger_github_requests_total{installation="42",status="502"}')).toBe(2);
    expect(sample(text, 'shipledger_inbox_deliveries{status="failed"}')).toBe(1);
    expect(sample(text, 'shipledger_inbox_deliveries{status="pending"}')).toBe(0);
    expect(sample(text, "shipledger_inbox_oldest_pending_age_seconds")).toBe(0);

    // A tenant's token reads its business gauges on /metrics, and nothing of the service's own.
    res = await app.get("/metrics", TENANT);
    expect(res.status).toBe(200);
    const tenant = await res.text();
    expect(tenant).toContain("# TYPE shipledger_normalised_deployments gauge");
    expect(tenant).not.toMatch(/shipledger_(inbox|delivery|github)_|installation=|nodejs_|process_/);
  });

  it("is read with an operations token only", async () => {
    const app = await start({
      handlers: {},
      ops: { tokens: [OPS] },
      api: {
        tokens: [{ token: TENANT, owners: ["codertocat"] }],
        metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
      },
    });
    for (const token of [undefined, TENANT, `${OPS}x`]) {
      const res = await app.get("/metrics/ops", token);
      expect(res.status, String(token)).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="shipledger-ops"');
      expect(await res.text()).not.toContain("shipledger_");
    }
    // An operations token is not an API token either.
    expect((await app.get("/metrics", OPS)).status).toBe(401);
    expect((await app.get("/metrics/ops", OPS)).status).toBe(200);
  });

  it("is off without OPS_TOKENS, and says so", async () => {
    const app = await start({ handlers: {} });
    const res = await app.get("/metrics/ops", OPS);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "operational metrics are off: set OPS_TOKENS" });
  });

  it("counts each request of the app-authenticated client once, though Probot hands out the same one each time", async () => {
    const app: DeliveryHandler = async ({ octokit }) => {
      await octokit.rest.apps.getAuthenticated();
    };
    const { probot, worker, get } = await start({ handlers: { ping: [app] }, ops: { tokens: [OPS] } });
    // Deliveries without an installation: the worker's auth() gives Probot's one app-level Octokit.
    nock(API).get("/app").times(2).reply(200, { id: 1 }, rateLimit(4998));
    await probot.receive({ id: "p-1", name: "ping", payload: webhookFixture("ping") });
    await probot.receive({ id: "p-2", name: "ping", payload: webhookFixture("ping") });
    await worker.drain();
    const text = await (await get("/metrics/ops", OPS)).text();
    expect(sample(text, 'shipledger_github_requests_total{installation="app",status="200"}')).toBe(2);
    expect(sample(text, 'shipledger_github_rate_limit_remaining{installation="app",resource="core"}')).toBe(4998);
  });
});
