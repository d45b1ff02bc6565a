// The OpenTelemetry endpoint as operators and the internet use it: the real server process, an
// ingest token made with the real CLI, spend exported by the OpenTelemetry SDK. What is
// acknowledged is stored, across a kill -9, and a resend stores nothing twice; a stopped database
// answers 503 with Retry-After and the SDK's own retry stores the export once it is back; forged,
// huge, slow, half-finished, inflating and odd requests get the right status, store nothing, and
// no token reaches the log. On SQLite (a file) and on Postgres.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import otlp from "@opentelemetry/otlp-transformer/build/src/generated/root.js";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import { FakeGitHub } from "../fake-github/server.js";
import { type AppProcess, appKeyPair, eventually, fakeGitHubAppEnv, startAppProcess } from "../helpers/app-process.js";
import { runCliProcess } from "../helpers/cli.js";
import { agentMeter, type Exchange, type Relay, startRelay } from "../helpers/otlp-export.js";
import { startPostgresCluster } from "../helpers/postgres-cluster.js";
import { type RawPart, rawRequest as raw } from "../helpers/raw-request.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "otlp-e2e-webhook-secret";
const APP_ID = 5151;
const keys = appKeyPair();
const INSTALLATION = 1;
const SONNET = "claude-sonnet-4-5-20250929";
const TOKEN_SHAPE = /^shl_ingest_[A-Za-z0-9_-]{43}$/;

let github: FakeGitHub;
beforeAll(async () => {
  // Never github.com: the app's GitHub is a fake on loopback (it is not called by these tests).
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
});
afterAll(async () => {
  await github.stop();
});

// ---- the operator's side: a ledger with an installation, a token made by the CLI ----------------

async function seed(url: string): Promise<void> {
  const store = await openStore(url);
  try {
    await store.installations.upsertInstallation({
      id: INSTALLATION,
      accountLogin: "acme",
      accountType: "Organization",
      now: Date.now(),
    });
  } finally {
    await store.close();
  }
}

async function cli(url: string, argv: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), "shipledger-costs-"));
  return runCliProcess(["costs", ...argv], { env: { PATH: process.env.PATH ?? "", DATABASE_URL: url }, cwd });
}

async function createToken(url: string): Promise<string> {
  const run = await cli(url, ["token", "create", "--owner", "acme"]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const token = run.stdout.split("\n")[0] as string;
  expect(token).toMatch(TOKEN_SHAPE);
  return token;
}

/** The installation's spend as a report reads it: USD and tokens per session. */
async function spend(url: string) {
  const store = await openStore(url, { migrate: false });
  try {
    const rows = await store.spend.listUsage(INSTALLATION, { since: 0, until: Date.now() + 86_400_000 });
    const bySession: Record<string, { usd: number; input: number; output: number }> = {};
    for (const r of rows) {
      const key = r.sessionId ?? "-";
      const s = bySession[key] ?? { usd: 0, input: 0, output: 0 };
      bySession[key] = s;
      s.usd = Math.round((s.usd + r.costUsd) * 1e9) / 1e9;
      s.input += r.input;
      s.output += r.output;
    }
    return bySession;
  } finally {
    await store.close();
  }
}

function appEnv(url: string, extra: Record<string, string> = {}) {
  return {
    ...fakeGitHubAppEnv({
      appId: APP_ID,
      privateKeyPem: keys.privateKeyPem,
      secret: SECRET,
      databaseUrl: url,
      githubHost: github.host,
    }),
    NODE_ENV: "production",
    RECONCILE_INTERVAL_MS: "0",
    DRIFT_INTERVAL_MS: "0",
    // Every refusal and every access is logged: none of it may carry a token.
    LOG_LEVEL: "debug",
    ...extra,
  };
}

// ---- the coding agent's side: Claude Code's metrics, through a relay that stands for the network --

/** What Claude Code records for one turn: its cost and its tokens, by session and model. */
function turn(meter: ReturnType<typeof agentMeter>, session: string, usd: number, input: number, output: number) {
  const attributes = { "session.id": session, model: SONNET, "user.email": "dev@example.com" };
  meter.counter("claude_code.cost.usage", "USD").add(usd, attributes);
  meter.counter("claude_code.token.usage", "tokens").add(input, { ...attributes, type: "input" });
  meter.counter("claude_code.token.usage", "tokens").add(output, { ...attributes, type: "output" });
}

const SESSION_A = "3f0c6d2e-7a1b-4c9d-8e2f-0a1b2c3d4e5f";
const SESSION_B = "9b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

eachDialect("e2e: the OpenTelemetry endpoint", ({ dialect, newDatabaseUrl }) => {
  const running: AppProcess[] = [];
  const relays: Relay[] = [];
  const clusters: Array<{ stop(): void }> = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.kill()));
    for (const r of relays.splice(0)) {
      r.server?.closeAllConnections();
      r.server?.close();
    }
    for (const c of clusters.splice(0)) c.stop();
  });

  async function start(url: string, extra: Record<string, string> = {}) {
    const app = await startAppProcess(appEnv(url, extra));
    running.push(app);
    if (app.child.exitCode !== null) throw new Error(`the app exited early:\n${app.output()}`);
    return app;
  }
  async function relayTo(app: AppProcess) {
    const relay = await startRelay();
    relays.push(relay);
    relay.target = app.url;
    return relay;
  }

  it("stores what the SDK exports with a CLI-made token; acknowledged survives kill -9, and the resend after restart stores nothing twice", async () => {
    const url = await newDatabaseUrl();
    await seed(url);
    const token = await createToken(url);
    const first = await start(url);
    const relay = await relayTo(first);
    const meter = agentMeter({
      url: `${relay.url}/v1/metrics`,
      token,
      gzip: true,
      temporality: "delta",
      timeoutMillis: 60_000,
    });
    try {
      turn(meter, SESSION_A, 0.5, 1200, 300);
      await meter.flush();
      expect(await spend(url)).toEqual({ [SESSION_A]: { usd: 0.5, input: 1200, output: 300 } });

      // The next export is stored and answered 200, and the server is killed (kill -9) at that
      // moment: the answer never reaches the exporter, which sends the same bytes again.
      let acknowledged!: () => void;
      const ack = new Promise<void>((resolve) => {
        acknowledged = resolve;
      });
      let lose!: () => void;
      const lost = new Promise<"lose">((resolve) => {
        lose = () => resolve("lose");
      });
      relay.onAnswer = async (exchange) => {
        if (exchange.status !== 200) return "pass";
        relay.onAnswer = null;
        acknowledged();
        return lost;
      };
      turn(meter, SESSION_A, 0.25, 800, 100);
      turn(meter, SESSION_B, 1.75, 5000, 900);
      const flushing = meter.flush();
      await ack;
      expect(await first.kill("SIGKILL")).toBe("SIGKILL");
      const expected = {
        [SESSION_A]: { usd: 0.75, input: 2000, output: 400 },
        [SESSION_B]: { usd: 1.75, input: 5000, output: 900 },
      };
      // Acknowledged means stored: all of it is in the ledger the dead process left.
      expect(await spend(url)).toEqual(expected);

      const second = await start(url);
      relay.target = second.url;
      lose();
      await flushing; // the exporter's own retry, answered 200 by the restarted server
      const exports = relay.exchanges.filter((e) => e.path === "/v1/metrics");
      const [acked, resent] = exports.slice(-2) as [Exchange, Exchange];
      expect(resent.body.equals(acked.body)).toBe(true);
      expect(resent.status).toBe(200);
      expect(await spend(url)).toEqual(expected);
      expect(await second.outputWith(/"stored":0,"duplicates":6[,}]/)).toMatch(/"stored":0,"duplicates":6[,}]/);

      // And the restarted server goes on storing what is new.
      turn(meter, SESSION_B, 0.5, 100, 10);
      await meter.flush();
      expect(await spend(url)).toEqual({ ...expected, [SESSION_B]: { usd: 2.25, input: 5100, output: 910 } });
      const logs = first.output() + second.output();
      expect(logs).toContain("otlp: spend received");
      expect(logs).not.toContain(token);
      expect(logs).not.toContain("dev@example.com");
    } finally {
      await meter.shutdown().catch(() => {});
    }
  }, 120_000);

  it("answers 503 with Retry-After while its database is stopped, and the SDK's retry stores the export once it is back", async () => {
    let url: string;
    let outage: { begin(): void; end(): void };
    if (dialect === "sqlite") {
      // Another process holds the ledger's write lock (a backup, a migration run by hand): every
      // write waits out the busy timeout, then fails. (Tests run as root: file modes stop nothing.)
      url = await newDatabaseUrl();
      const file = url.slice("file:".length);
      let holder: Database.Database | null = null;
      outage = {
        begin() {
          holder = new Database(file);
          holder.exec("BEGIN EXCLUSIVE");
        },
        end() {
          holder?.exec("ROLLBACK");
          holder?.close();
        },
      };
    } else {
      // A server of its own, stopped (pg_ctl stop -m immediate) and started again on its port;
      // durable (fsync, synchronous commit) as in production, or an immediate stop loses commits.
      const cluster = await startPostgresCluster({ durable: true });
      clusters.push(cluster);
      url = cluster.url;
      outage = { begin: () => cluster.pause(), end: () => cluster.resume() };
    }
    await seed(url);
    const token = await createToken(url);
    const app = await start(url);
    const relay = await relayTo(app);
    const meter = agentMeter({ url: `${relay.url}/v1/metrics`, token, temporality: "delta", timeoutMillis: 30_000 });
    try {
      turn(meter, SESSION_A, 0.5, 1000, 100);
      await meter.flush();

      outage.begin();
      turn(meter, SESSION_A, 0.25, 500, 50);
      const flushing = meter.flush();
      const refused = await eventually(async () => relay.exchanges.find((e) => e.status === 503), 30_000);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      outage.end();
      await flushing; // resolves only once an export attempt was answered 200
      const statuses = relay.exchanges.map((e) => e.status);
      expect(statuses[0]).toBe(200);
      expect(statuses.at(-1)).toBe(200);
      expect(statuses.slice(1, -1).every((s) => s === 503)).toBe(true);
      // Every attempt carried the same bytes; the refused ones stored nothing.
      const second = relay.exchanges.slice(1);
      expect(second.every((e) => e.body.equals((second[0] as Exchange).body))).toBe(true);
      expect(await spend(url)).toEqual({ [SESSION_A]: { usd: 0.75, input: 1500, output: 150 } });
      expect(app.output()).toMatch(/otlp: (spend not stored|the ledger cannot be read); asked to retry/);
      expect(app.output()).not.toContain(token);
      expect(app.output()).not.toMatch(/insert into/i);
    } finally {
      await meter.shutdown().catch(() => {});
    }
  }, 120_000);

  it("refuses forged, huge, slow, half-finished, inflating and mistyped requests, stores none of them, and logs no token", async () => {
    const url = await newDatabaseUrl();
    await seed(url);
    const token = await createToken(url);
    const revoked = await createToken(url);
    const revoke = await cli(url, ["token", "revoke", "--owner", "acme", "2"]);
    expect(revoke.code).toBe(0);
    const app = await start(url, {
      OTLP_MAX_BODY_BYTES: String(2 * 1024 * 1024),
      OTLP_MAX_DECODED_BYTES: String(8 * 1024 * 1024),
      OTLP_BODY_TIMEOUT_MS: "1500",
    });
    const ok = { "content-type": "application/json", authorization: `Bearer ${token}` };
    const post = (path: string, headers: Record<string, string>, body: Buffer | string) =>
      fetch(`${app.url}${path}`, { method: "POST", headers, body });
    const valid = costRequest(SESSION_A, 0.1);

    // Authentication, before anything is read.
    for (const [name, authorization] of [
      ["no token", undefined],
      ["not a bearer token", `Basic ${Buffer.from(`x:${token}`).toString("base64")}`],
      ["a wrong token", "Bearer shl_ingest_guessed0000000000000000000000000000000000000"],
      ["a token of another shape", `Bearer ${token}x`],
      ["a revoked token", `Bearer ${revoked}`],
    ] as const) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers.authorization = authorization;
      const res = await post("/v1/metrics", headers, valid);
      expect(res.status, name).toBe(401);
      expect(res.headers.get("www-authenticate"), name).toMatch(/^Bearer realm="shipledger-otlp"/);
      expect((await res.json()) as object, name).toMatchObject({ code: 16 });
    }

    // A body larger than the bound: declared (refused from the head, nothing read), or streamed
    // without a length (refused as it passes the bound).
    const declared = await rawRequest(app.url, "/v1/metrics", { ...ok, "content-length": String(100 * 1024 * 1024) }, [
      Buffer.alloc(256 * 1024, 0x20),
    ]);
    expect(declared.status).toBe(413);
    const streamed = await rawRequest(
      app.url,
      "/v1/metrics",
      { ...ok, "transfer-encoding": "chunked" },
      Array.from({ length: 200 }, () => chunk(Buffer.alloc(16 * 1024, 0x20))),
    );
    expect(streamed.status).toBe(413);
    // A Content-Length that says less than is sent: the server reads what it said, which is not
    // an export, and the rest is not a request.
    const short = await rawRequest(app.url, "/v1/metrics", { ...ok, "content-length": "12" }, [valid]);
    expect(short.status).toBe(400);

    // Slow (slow-loris): half the body, then nothing past the deadline.
    const half = Math.floor(valid.length / 2);
    const slow = await rawRequest(app.url, "/v1/metrics", { ...ok, "content-length": String(valid.length) }, [
      valid.slice(0, half),
      { pauseMs: 3000 },
      valid.slice(half),
    ]);
    expect(slow.status).toBe(408);
    // Half-finished: the client hangs up; no answer can reach it.
    const abandoned = await rawRequest(app.url, "/v1/metrics", { ...ok, "content-length": String(valid.length) }, [
      valid.slice(0, half),
      { pauseMs: 200 },
      "hangup",
    ]);
    expect(abandoned.status).toBeNull();

    // A gzip bomb: 64 MB of zeros in 64 KB sent; inflating stops at the bound (8 MiB).
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(128 * 1024);
    const inflated = await post("/v1/metrics", { ...ok, "content-encoding": "gzip" }, bomb);
    expect(inflated.status).toBe(413);
    expect(((await inflated.json()) as { message: string }).message).toContain("inflates to more than 8388608 bytes");
    const notGzip = await post("/v1/metrics", { ...ok, "content-encoding": "gzip" }, valid);
    expect(notGzip.status).toBe(400);
    const brotli = await post("/v1/metrics", { ...ok, "content-encoding": "br" }, valid);
    expect(brotli.status).toBe(415);

    // Protobuf of other messages, which is not self-describing: a trace request does not read as
    // a metrics request (400); this logs request does, as one gauge with no name and no value: an
    // export of nothing Shipledger understands (200, nothing stored).
    const proto = { ...ok, "content-type": "application/x-protobuf" };
    type Message = (typeof otlp.opentelemetry.proto.collector.logs.v1)["ExportLogsServiceRequest"];
    const collector = otlp.opentelemetry.proto.collector as typeof otlp.opentelemetry.proto.collector & {
      trace: { v1: { ExportTraceServiceRequest: Message } };
    };
    const traces = collector.trace.v1.ExportTraceServiceRequest.encode(
      collector.trace.v1.ExportTraceServiceRequest.fromObject({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ name: "turn", traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2) }] }] },
        ],
      }),
    ).finish();
    const logs = collector.logs.v1.ExportLogsServiceRequest.encode(
      collector.logs.v1.ExportLogsServiceRequest.fromObject({
        resourceLogs: [
          { scopeLogs: [{ logRecords: [{ body: { stringValue: "hi" }, timeUnixNano: "1795521600000000000" }] }] },
        ],
      }),
    ).finish();
    expect((await post("/v1/metrics", proto, Buffer.from(traces))).status).toBe(400);
    expect((await post("/v1/metrics", proto, Buffer.from(logs))).status).toBe(200);
    // Media types that are not OTLP's.
    expect((await post("/v1/metrics", { ...ok, "content-type": "text/plain" }, valid)).status).toBe(415);

    // Odd JSON: nested 100,000 deep where nothing reads it (a valid, empty export: 200, nothing
    // stored); nested 20,000 deep where the decoder must follow it (refused, 400); and a valid
    // export with non-ASCII keys and values and its numbers as strings (stored, once).
    const deepUnknown = `{"resourceMetrics":[],"x":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`;
    const deepKnown = `{"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(20_000)}{"stringValue":"x"}${"}]}}".repeat(20_000)}}]},"scopeMetrics":[]}]}`;
    const emptyExport = await post("/v1/metrics", ok, deepUnknown);
    expect(emptyExport.status).toBe(200);
    const deep = await post("/v1/metrics", ok, deepKnown);
    expect(deep.status).toBe(400);
    expect(await spend(url)).toEqual({});

    const odd = costRequest("séance-☕-ß", "0.25", { "clé.ünïcode": "値", "": "empty key" });
    const oddRes = await post("/v1/metrics", ok, odd);
    expect(oddRes.status).toBe(200);
    expect(await oddRes.json()).toEqual({});
    expect(await spend(url)).toEqual({ "séance-☕-ß": { usd: 0.25, input: 0, output: 0 } });

    // The server is still well and answers the next valid export.
    expect((await post("/v1/metrics", ok, valid)).status).toBe(200);
    expect(await spend(url)).toEqual({
      "séance-☕-ß": { usd: 0.25, input: 0, output: 0 },
      [SESSION_A]: { usd: 0.1, input: 0, output: 0 },
    });
    const log = app.output();
    for (const secret of [token, revoked, token.slice("shl_ingest_".length)]) expect(log).not.toContain(secret);
    expect(log).toMatch(/otlp: the ingest token is not valid/);
  }, 120_000);
});

/** An OTLP/JSON export of one Claude Code cost point (as a collector might write it). */
function costRequest(session: string, usd: number | string, extra: Record<string, string> = {}): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "claude-code" } }] },
        scopeMetrics: [
          {
            scope: { name: "com.anthropic.claude_code" },
            metrics: [
              {
                name: "claude_code.cost.usage",
                unit: "USD",
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      asDouble: usd,
                      startTimeUnixNano: `${now - 60_000_000_000n}`,
                      timeUnixNano: typeof usd === "string" ? `${now}` : Number(now),
                      attributes: [
                        { key: "session.id", value: { stringValue: session } },
                        { key: "model", value: { stringValue: SONNET } },
                        ...Object.entries(extra).map(([key, value]) => ({ key, value: { stringValue: value } })),
                      ],
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
}

const chunk = (data: Buffer) =>
  Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from("\r\n")]);

/** A raw request that says `connection: close` and stops sending once answered, as exporters do. */
function rawRequest(url: string, path: string, head: Record<string, string>, parts: RawPart[]) {
  return raw(url, path, head, parts, { closeAfter: true, stopWhenAnswered: true });
}
