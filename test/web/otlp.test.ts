// The OpenTelemetry endpoint over real HTTP, fed by the OpenTelemetry SDK's own exporters: what it
// stores, and what the internet may send it instead (no token, a revoked one, another media type,
// a body too large or malformed, a flood of sessions, a ledger that is down).

import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { createOtlpHandler, hashToken } from "../../src/web/otlp.js";
import { agentLogger, agentMeter } from "../helpers/otlp-export.js";
import { eachDialect } from "../helpers/stores.js";

// The SDK stamps points with the clock: the server's must be near it (points far from now are refused).
const NOW = Date.now();
const TOKEN = "shl_ingest_test-token-acme-0123456789abcdef";
const SESSION = "7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50";

interface Endpoint {
  url: string;
  logs: string[];
  close(): Promise<void>;
}

async function serve(
  store: Store,
  options: Parameters<typeof createOtlpHandler>[0]["spend"] = {},
  body = {},
): Promise<Endpoint> {
  const logs: string[] = [];
  const log = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _e, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const handler = createOtlpHandler({ store, log, now: () => NOW, spend: options, body });
  const server: Server = createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, logs, close: () => new Promise((r) => server.close(() => r())) };
}

async function withToken(store: Store) {
  await store.installations.upsertInstallation({ id: 1, accountLogin: "acme", accountType: "Organization", now: NOW });
  return store.spend.createIngestToken({
    installationId: 1,
    name: "agents",
    tokenHash: hashToken(TOKEN),
    createdAt: NOW,
  });
}

const stored = async (store: Store) => store.spend.listUsage(1, { since: 0, until: Date.now() + 86_400_000 });

eachDialect("OTLP endpoint", ({ newStore }) => {
  let endpoint: Endpoint;
  let store: Store;
  beforeEach(async () => {
    store = await newStore();
    await withToken(store);
    endpoint = await serve(store, { maxSessionsPerDay: 3 });
  });
  afterEach(() => endpoint.close());

  it("stores what the SDK exports, protobuf and JSON, once however often it is sent", async () => {
    for (const [encoding, gzip] of [
      ["protobuf", true],
      ["json", false],
    ] as const) {
      const meter = agentMeter({
        url: `${endpoint.url}/v1/metrics`,
        token: TOKEN,
        encoding,
        gzip,
        temporality: "cumulative",
      });
      meter.counter("claude_code.cost.usage", "USD").add(0.5, { "session.id": SESSION, model: "claude-sonnet-4-5" });
      await meter.flush();
      await meter.flush(); // the same cumulative total again: nothing new
      await meter.shutdown();
    }
    const rows = await stored(store);
    // Two exporters (two series), 0.5 each; the repeated flushes added nothing.
    expect(rows.reduce((s, r) => s + r.costUsd, 0)).toBeCloseTo(1, 9);
    expect(endpoint.logs.join("")).not.toContain(TOKEN);
    expect(endpoint.logs.join("")).toContain("otlp: spend received");
    expect((await store.spend.listIngestTokens(1))[0]?.lastUsedAt).toBe(NOW);
  });

  it("stores Codex's completed responses sent as logs", async () => {
    const logger = agentLogger({ url: `${endpoint.url}/v1/logs`, token: TOKEN });
    logger.emit({
      "conversation.id": SESSION,
      model: "gpt-5-codex",
      "event.name": "codex.sse_event",
      "event.kind": "response.completed",
      input_token_count: "5200",
      output_token_count: "830",
      cached_token_count: "4096",
    });
    await logger.flush();
    await logger.shutdown();
    expect(await stored(store)).toEqual([
      expect.objectContaining({ agent: "codex", input: 5200, output: 830, cacheRead: 4096, costReported: false }),
    ]);
  });

  const post = (path: string, init: { body?: Buffer | string; headers?: Record<string, string>; method?: string }) =>
    fetch(`${endpoint.url}${path}`, {
      method: init.method ?? "POST",
      headers: init.headers ?? {},
      body: init.body ?? null,
    });
  const proto = { "content-type": "application/x-protobuf", authorization: `Bearer ${TOKEN}` };
  const json = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
  const validJson = JSON.stringify({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: "claude_code.cost.usage",
                unit: "USD",
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      asDouble: 0.1,
                      timeUnixNano: `${BigInt(NOW) * 1_000_000n}`,
                      startTimeUnixNano: `${BigInt(NOW - 60_000) * 1_000_000n}`,
                      attributes: [{ key: "session.id", value: { stringValue: SESSION } }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });

  it.each([
    ["no token", { ...json, authorization: "" }, validJson, 401, 16],
    ["a wrong token", { ...json, authorization: "Bearer shl_ingest_nope" }, validJson, 401, 16],
    ["another media type", { ...json, "content-type": "text/plain" }, validJson, 415, 3],
    ["malformed protobuf", proto, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), 400, 3],
    ["JSON that does not parse", json, "{", 400, 3],
    ["odd but valid JSON of the wrong shape", json, '{"resourceMetrics":{"a":1}}', 400, 3],
  ] as const)("refuses %s and stores nothing", async (_name, headers, body, status, code) => {
    const res = await post("/v1/metrics", { headers: { ...headers }, body });
    expect(res.status).toBe(status);
    if (headers["content-type"] === "application/json" && status !== 415) {
      expect(await res.json()).toMatchObject({ code, message: expect.any(String) });
    }
    expect(await stored(store)).toEqual([]);
  });

  it("refuses a body over the limit (413) by its Content-Length or as it streams", async () => {
    const small = await serve(store, {}, { maxBodyBytes: 1000 });
    try {
      const big = Buffer.alloc(5000, 0x20);
      const res = await fetch(`${small.url}/v1/metrics`, { method: "POST", headers: json, body: big });
      expect(res.status).toBe(413);
      const bomb = gzipSync(Buffer.alloc(1_000_000, 0x20));
      const res2 = await fetch(`${small.url}/v1/metrics`, {
        method: "POST",
        headers: { ...json, "content-encoding": "gzip" },
        body: bomb,
      });
      expect([413]).toContain(res2.status);
    } finally {
      await small.close();
    }
    expect(await stored(store)).toEqual([]);
  });

  it("refuses the token of an installation that is gone", async () => {
    await store.installations.markInstallationDeleted(1, NOW);
    const res = await post("/v1/metrics", { headers: json, body: validJson });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16, message: expect.stringMatching(/uninstalled/) });
    expect(await stored(store)).toEqual([]);
  });

  it("refuses a revoked token", async () => {
    const [token] = await store.spend.listIngestTokens(1);
    await store.spend.revokeIngestToken(1, token?.id as number, NOW);
    expect((await post("/v1/metrics", { headers: json, body: validJson })).status).toBe(401);
  });

  it("answers GET with 405 and accepts a valid JSON export", async () => {
    expect((await post("/v1/metrics", { method: "GET", headers: json })).status).toBe(405);
    const res = await post("/v1/metrics", { headers: json, body: validJson });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect((await stored(store)).map((r) => r.costUsd)).toEqual([0.1]);
  });

  it("refuses the points of sessions beyond the day's bound, with a partial success", async () => {
    const request = JSON.parse(validJson);
    const metric = request.resourceMetrics[0].scopeMetrics[0].metrics[0];
    const [template] = metric.sum.dataPoints;
    metric.sum.dataPoints = [0, 1, 2, 3, 4].map((i) => ({
      ...template,
      attributes: [{ key: "session.id", value: { stringValue: `s-${i}` } }],
    }));
    const res = await post("/v1/metrics", { headers: json, body: JSON.stringify(request) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      partialSuccess: {
        rejectedDataPoints: 2,
        errorMessage: `more than 3 sessions on ${new Date(NOW).toISOString().slice(0, 10)}: points of further sessions refused`,
      },
    });
    expect((await stored(store)).map((r) => r.sessionId).sort()).toEqual(["s-0", "s-1", "s-2"]);
    // A session already known that day is still recorded.
    const again = await post("/v1/metrics", {
      headers: json,
      body: validJson.replace(SESSION, "s-1").replace("0.1", "0.2"),
    });
    expect(await again.json()).toEqual({});
    // A new one in a later request is counted against the sessions the day already has.
    const later = await post("/v1/metrics", { headers: json, body: validJson.replace(SESSION, "s-9") });
    expect(await later.json()).toEqual({
      partialSuccess: { rejectedDataPoints: 1, errorMessage: expect.stringMatching(/more than 3 sessions/) },
    });
  });
});

describe("OTLP endpoint when the ledger is down", () => {
  it("answers 503 with Retry-After (the exporter retries)", async () => {
    const { openStore } = await import("../../src/store/open.js");
    const store = await openStore(":memory:");
    await withToken(store);
    const endpoint = await serve(store);
    await store.close();
    try {
      const res = await fetch(`${endpoint.url}/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: "{}",
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
    } finally {
      await endpoint.close();
    }
  });
});
