// Benchmark of the OpenTelemetry endpoint (POST /v1/metrics): data points per second the server
// stores (authenticate, read, decode, bound, store, then 200), against a reference in the same run
// that only reads and decodes the same bodies (no token, no ledger), on SQLite and on PostgreSQL.
// Run with `npm run bench:otlp`; see bench/README.md, "The OpenTelemetry endpoint".
//
// The bodies are the OpenTelemetry SDK's own (the exporter Claude Code uses: OTLP/HTTP protobuf,
// delta temporality), captured once and replayed:
// - "agent": what each Claude Code session sends every 60 s, one request per session and
//   interval: claude_code.cost.usage and claude_code.token.usage{type: input, output, cacheRead,
//   cacheCreation} for each model it used (1 or 2): 5 or 10 points.
// - "collector": an OpenTelemetry Collector in front batching SESSIONS_PER_BATCH sessions' exports
//   into one request (resource_metrics concatenated, as its batch processor does).
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const AGENT_SESSIONS = Number(process.env.BENCH_AGENT_SESSIONS ?? 200);
const AGENT_INTERVALS = Number(process.env.BENCH_AGENT_INTERVALS ?? 5);
const SESSIONS_PER_BATCH = Number(process.env.BENCH_BATCH_SESSIONS ?? 500);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 4);
/** Agent requests of other sessions sent to each server, untimed, before it is measured (its JIT warms up). */
const WARMUP_SESSIONS = Number(process.env.BENCH_WARMUP_SESSIONS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** "agent, busy day": the agent requests again, into a ledger that has this many points that day. */
const PREFILL = Number(process.env.BENCH_PREFILL ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DIALECTS = (process.env.BENCH_DIALECTS ?? "sqlite,postgres").split(",").map((d) => d.trim());
const TOKEN = "shl_ingest_bench-0000000000000000000000000000000000000000";
const MODELS = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"];

// ---- bodies: exported by the SDK once, before any clock starts -----------------------------------

/** `intervals` protobuf bodies of one Claude Code session, one per export interval. */
async function sessionExports(capture, agentMeter, session, intervals) {
  // Each session exports to a path of its own: sessions are exported concurrently.
  const path = `/session/${session}/v1/metrics`;
  const meter = agentMeter({ url: capture.url(path), temporality: "delta" });
  const models = session % 3 === 0 ? MODELS : MODELS.slice(0, 1);
  const id = `${session.toString(16).padStart(8, "0")}-7a1b-4c9d-8e2f-${Date.now().toString(16).padStart(12, "0")}`;
  for (let i = 0; i < intervals; i++) {
    for (const model of models) {
      const attributes = { "session.id": id, model, "organization.id": "acme", "terminal.type": "vscode" };
      meter.counter("claude_code.cost.usage", "USD").add(0.01 + (session % 17) / 100, attributes);
      const tokens = meter.counter("claude_code.token.usage", "tokens");
      tokens.add(1200 + session, { ...attributes, type: "input" });
      tokens.add(300 + (session % 50), { ...attributes, type: "output" });
      tokens.add(20_000 + session * 3, { ...attributes, type: "cacheRead" });
      tokens.add(800, { ...attributes, type: "cacheCreation" });
    }
    await meter.flush();
    // Intervals a moment apart, as exports a minute apart are (each its own start and end time).
    await new Promise((r) => setTimeout(r, 2));
  }
  await meter.shutdown();
  const bodies = capture.requests.filter((r) => r.path === path).map((r) => r.body);
  if (bodies.length !== intervals)
    throw new Error(`session ${session}: ${bodies.length} exports, ${intervals} expected`);
  return bodies;
}

/** `f(i)` for i in [0, n), `width` at a time, results in order. */
async function pool(n, width, f) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      for (let i = next++; i < n; i = next++) out[i] = await f(i);
    }),
  );
  return out;
}

function countPoints(otlp, body) {
  const request = otlp.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest.decode(body);
  let points = 0;
  for (const rm of request.resourceMetrics)
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) points += (m.sum ?? m.gauge)?.dataPoints.length ?? 0;
  return points;
}

async function prepareBodies(sessionBase) {
  const { agentMeter, captureExports } = await import("../test/helpers/otlp-export.ts");
  const otlp = (await import("@opentelemetry/otlp-transformer/build/src/generated/root.js")).default;
  const capture = await captureExports();
  try {
    // Each session's exports in order, sessions 32 at a time; the agent requests then interleave
    // the sessions (interval 0 of every session, then interval 1, …), as concurrent sessions send.
    const bySession = await pool(AGENT_SESSIONS, 32, (s) =>
      sessionExports(capture, agentMeter, sessionBase + s, AGENT_INTERVALS),
    );
    const agent = [];
    for (let k = 0; k < AGENT_INTERVALS; k++) for (const bodies of bySession) agent.push(bodies[k]);
    // The collector's batches: interval k of SESSIONS_PER_BATCH other sessions, in one request.
    const perSession = await pool(SESSIONS_PER_BATCH, 32, (s) =>
      sessionExports(capture, agentMeter, sessionBase + 100_000 + s, BATCHES),
    );
    // The warm-up: one request each of sessions that no measured body names.
    const warmup = (
      await pool(WARMUP_SESSIONS, 32, (s) => sessionExports(capture, agentMeter, sessionBase + 200_000 + s, 1))
    ).flat();
    const collector = Array.from({ length: BATCHES }, (_, k) => Buffer.concat(perSession.map((bodies) => bodies[k])));
    const shape = (name, bodies) => ({
      name,
      bodies,
      points: bodies.reduce((n, b) => n + countPoints(otlp, b), 0),
      bytes: bodies.reduce((n, b) => n + b.length, 0),
    });
    return {
      warmup,
      shapes: [
        shape("agent", agent),
        shape("collector", collector),
        { ...shape("agent, busy day", agent), prefill: PREFILL },
      ],
    };
  } finally {
    await capture.close();
  }
}

// ---- the load: CONNECTIONS keep-alive connections, one request after another ---------------------

async function load(port, bodies) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let next = 0;
  let failures = 0;
  const send = (body) =>
    new Promise((resolve) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/v1/metrics",
          method: "POST",
          agent,
          headers: {
            "content-type": "application/x-protobuf",
            "content-length": body.length,
            authorization: `Bearer ${TOKEN}`,
            "user-agent": "OTel-OTLP-Exporter-JavaScript/0.217.0",
          },
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            // 200 with an empty response: every point accepted (a partial success has a body).
            if (res.statusCode !== 200 || Buffer.concat(chunks).length > 0) failures++;
            resolve();
          });
        },
      );
      req.on("error", () => {
        failures++;
        resolve();
      });
      req.end(body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < bodies.length; i = next++) await send(bodies[i]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, failures };
}

// ---- the two servers, each in a process of its own ----------------------------------------------

async function startProcess(args, env, ready) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (d) => {
    out = (out + d).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = ready.exec(out);
    if (found) {
      return {
        port: Number(found[1]),
        output: () => out,
        stop: () =>
          new Promise((resolve) => {
            child.once("exit", resolve);
            child.kill("SIGKILL");
          }),
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Reads the body and decodes it as the app does (the same module), then answers 200: what an
// endpoint costs that stores nothing.
const REFERENCE = `
import { createServer } from "node:http";
import { decodeOtlpRequest, encodeOtlpResponse, inflateOtlpBody } from "./src/spend/otlp.ts";
import { usageFromMetrics } from "./src/spend/usage.ts";
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = await inflateOtlpBody(Buffer.concat(chunks), req.headers["content-encoding"]);
    usageFromMetrics(decodeOtlpRequest("metrics", body, "protobuf"));
    const answer = encodeOtlpResponse("metrics", "protobuf", null);
    res.writeHead(200, { "content-type": "application/x-protobuf", "content-length": answer.length }).end(answer);
  });
});
server.listen(0, "127.0.0.1", () => console.log(\`ready on port \${server.address().port}\`));
`;

const reference = () =>
  startProcess(
    ["--import", "tsx", "--input-type=module", "-e", REFERENCE],
    { PATH: process.env.PATH },
    /ready on port (\d+)/,
  );

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

async function shipledger(databaseUrl) {
  // The installation and its ingest token, as `shipledger costs token create` makes them.
  const { openStore } = await import("../src/store/open.ts");
  const { hashToken } = await import("../src/web/otlp.ts");
  const store = await openStore(databaseUrl);
  await store.installations.upsertInstallation({ id: 1, accountLogin: "acme", accountType: "Organization", now: 0 });
  await store.spend.createIngestToken({ installationId: 1, name: "bench", tokenHash: hashToken(TOKEN), createdAt: 0 });
  await store.close();
  return startProcess(
    [join(root, "dist/src/server.js")],
    {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: "1",
      PRIVATE_KEY: pem,
      WEBHOOK_SECRET: "bench-webhook-secret",
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      INBOX_WORKER: "off",
      RECONCILE_INTERVAL_MS: "0",
      DRIFT_INTERVAL_MS: "0",
    },
    /Listening on http:\/\/127\.0\.0\.1:(\d+)/,
  );
}

/**
 * The day's earlier exports, written straight to the ledger (untimed): PREFILL points of 300 other
 * sessions, 7 a minute each, as the agent shape's (installation 1, today). Returns how many.
 */
async function prefill(databaseUrl, points, until) {
  if (points === 0) return 0;
  const { openStore } = await import("../src/store/open.ts");
  const store = await openStore(databaseUrl);
  try {
    // The day the bodies were made on (their points' day), up to the moment they were.
    const day = Math.floor(until / 86_400_000) * 86_400_000;
    const batch = [];
    for (let i = 0; i < points; i++) {
      const session = `earlier-${i % 300}`;
      const at = day + Math.floor((i / points) * (until - day));
      const ns = `${BigInt(at) * 1_000_000n + BigInt(i)}`.padStart(20, "0");
      batch.push({
        installationId: 1,
        series: `${session}:${i % 7}`,
        startNs: ns,
        timeNs: ns,
        agent: "claude-code",
        sessionId: session,
        sessionKey: session,
        model: "claude-sonnet-4-5-20250929",
        measure: i % 7 === 0 ? "costUsd" : "input",
        value: 1,
        temporality: "delta",
        at,
        source: "otlp",
        receivedAt: at,
      });
      if (batch.length === 10_000) await store.spend.recordUsagePoints(batch.splice(0));
    }
    await store.spend.recordUsagePoints(batch);
  } finally {
    await store.close();
  }
  return points;
}

async function storedPoints(databaseUrl) {
  if (databaseUrl.startsWith("file:")) {
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(databaseUrl.slice("file:".length), { readonly: true });
    try {
      return Number(db.prepare("SELECT count(*) AS n FROM ai_usage_points").get().n);
    } finally {
      db.close();
    }
  }
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query("SELECT count(*) AS n FROM ai_usage_points")).rows[0].n);
  } finally {
    await client.end();
  }
}

// ---- databases ------------------------------------------------------------------------------------

async function newPostgresDatabase(base, name) {
  const pg = (await import("pg")).default;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (n) => Math.round(n).toLocaleString("en");

async function main() {
  const load1 = loadavg()[0];
  console.log(
    `otlp: preparing bodies with the OpenTelemetry SDK (${AGENT_SESSIONS}×${AGENT_INTERVALS} agent requests, ${BATCHES} collector batches of ${SESSIONS_PER_BATCH} sessions) …`,
  );
  const prepared = Date.now();
  // Made once, replayed to every server: each run stores into a new database, to which they are new.
  const { warmup, shapes } = await prepareBodies(0);
  const otlp = (await import("@opentelemetry/otlp-transformer/build/src/generated/root.js")).default;
  const warmupPoints = warmup.reduce((n, b) => n + countPoints(otlp, b), 0);
  console.log(
    `otlp: bodies ready in ${((Date.now() - prepared) / 1000).toFixed(1)} s; ${RUNS} runs of each shape and dialect, ${CONNECTIONS} connections; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const { startPostgresCluster, findPostgresBin } = await import("../test/helpers/postgres-cluster.ts");
  let failed = false;
  const summary = [];
  for (const dialect of DIALECTS) {
    if (dialect === "postgres" && !findPostgresBin()) {
      console.log("postgres: skipped, no PostgreSQL binaries (set PG_BIN, or install Debian's postgresql)");
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), "shipledger-otlp-"));
    // PostgreSQL's own durability (fsync, synchronous commit): acknowledged means on disk.
    const cluster = dialect === "postgres" ? await startPostgresCluster({ durable: true }) : null;
    try {
      const results = Object.fromEntries(shapes.map((shape) => [shape.name, { ours: [], ref: [], checked: 0 }]));
      for (let run = 1; run <= RUNS; run++) {
        // Each shape into a database of its own: empty, or holding a busy day's points already.
        for (const shape of shapes) {
          const url =
            dialect === "sqlite"
              ? `file:${join(dir, `run-${run}-${shape.name.replace(/\W/g, "")}.db`)}`
              : await newPostgresDatabase(cluster.url, `otlp_${run}_${shape.name.replace(/\W/g, "")}_${Date.now()}`);
          const prefilled = await prefill(url, shape.prefill ?? 0, prepared);
          const app = await shipledger(url);
          const ref = await reference();
          let appResult;
          let refResult;
          try {
            // Both processes warmed up alike (untimed), then measured one after the other.
            const warm = [await load(ref.port, warmup), await load(app.port, warmup)];
            refResult = await load(ref.port, shape.bodies);
            appResult = await load(app.port, shape.bodies);
            const failures = appResult.failures + refResult.failures + warm[0].failures + warm[1].failures;
            if (failures > 0) {
              console.log(`  ${dialect} ${shape.name}: ${failures} requests not answered 200 with nothing refused`);
              failed = true;
            }
          } finally {
            await app.stop();
            await ref.stop();
          }
          // After the server is gone: what the ledger holds, read with the driver, not the app.
          const stored = (await storedPoints(url)) - prefilled - warmupPoints;
          if (stored === shape.points) results[shape.name].checked++;
          else {
            console.log(`  ${dialect} run ${run} ${shape.name}: ${stored} points stored, ${shape.points} sent`);
            failed = true;
          }
          results[shape.name].ours.push(shape.points / appResult.seconds);
          results[shape.name].ref.push(shape.points / refResult.seconds);
          console.log(
            `  ${dialect} run ${run} ${shape.name.padEnd(15)}: shipledger ${rate(shape.points / appResult.seconds)} points/s, reference ${rate(shape.points / refResult.seconds)} points/s; stored ${stored.toLocaleString("en")} of ${shape.points.toLocaleString("en")}; load average ${loadavg()[0].toFixed(2)}`,
          );
        }
      }
      for (const shape of shapes) {
        const { ours: o, ref: r, checked } = results[shape.name];
        const ours = median(o);
        const ref = median(r);
        const perRequest = shape.points / shape.bodies.length;
        summary.push(
          `${dialect} ${shape.name.padEnd(15)} (${shape.bodies.length} requests of ${perRequest.toFixed(1)} points, ${(shape.bytes / shape.bodies.length / 1024).toFixed(1)} KB${shape.prefill ? `, into a day of ${shape.prefill.toLocaleString("en")} points` : ""}): shipledger ${rate(ours)} points/s (${rate(ours / perRequest)} requests/s), reference ${rate(ref)} points/s: ${(ours / ref).toFixed(2)}×; every point stored once in ${checked} of ${RUNS} runs`,
        );
      }
    } finally {
      cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `\nmedians of ${RUNS} runs; load average ${load1.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (1 min; ${cpus().length} cores)`,
  );
  for (const line of summary) console.log(line);
  process.exitCode = failed ? 1 : 0;
}

await main();
