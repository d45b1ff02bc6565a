// Benchmark of the webhook intake: Shipledger's server (verify, store durably, then 200) against a
// bare @octokit/webhooks server (verify, parse, 200, nothing stored), alternately in one run, on
// SQLite and on PostgreSQL. Run with `npm run bench:ingest`; see bench/README.md.
//
// The deliveries are GitHub's own example payloads (@octokit/webhooks-examples, full size: 7 to
// 24 KB) in the mix an organisation sends (pull requests, pushes, check runs and suites, workflow
// runs, deployment statuses), signed with the secret, across 10 installations, each with its own
// delivery id, over CONNECTIONS keep-alive connections, as GitHub's senders do.
import { spawn } from "node:child_process";
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DIALECTS = (process.env.BENCH_DIALECTS ?? "sqlite,postgres").split(",").map((d) => d.trim());
const TARGET = 0.5;
const SECRET = "bench-webhook-secret";

// ---- deliveries: real payloads in a realistic mix ----------------------------------------------

const MIX = [
  ["pull_request", ["opened", "synchronize", "closed", "edited", "labeled"], 35],
  ["push", [null], 20],
  ["check_run", ["completed", "created"], 20],
  ["check_suite", ["completed"], 10],
  ["workflow_run", ["completed", "requested"], 10],
  ["deployment_status", ["created"], 5],
];

function loadExamples() {
  const index = require("@octokit/webhooks-examples/api.github.com/index.json");
  const byEvent = new Map();
  for (const entry of index) {
    for (const example of entry.examples) {
      const key = `${entry.name}.${example.action ?? ""}`;
      if (!byEvent.has(key)) byEvent.set(key, []);
      byEvent.get(key).push(example);
    }
  }
  const pool = [];
  for (const [event, actions, weight] of MIX) {
    const examples = actions.flatMap((a) => byEvent.get(`${event}.${a ?? ""}`) ?? []);
    if (examples.length === 0) throw new Error(`no example for ${event}`);
    for (let i = 0; i < weight; i++) pool.push({ event, payload: examples[i % examples.length] });
  }
  return pool;
}

/** DELIVERIES signed bodies, prepared before the clock starts (GitHub signs them, not us). */
function prepareDeliveries(pool) {
  return Array.from({ length: DELIVERIES }, (_, i) => {
    const { event, payload } = pool[(i * 7919) % pool.length];
    const body = Buffer.from(JSON.stringify({ ...payload, installation: { id: 1000 + (i % 10) } }));
    return {
      event,
      body,
      signature: `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    };
  });
}

// ---- the load: CONNECTIONS keep-alive connections, each sending one delivery after another -------

async function load(port, deliveries) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = new Float64Array(deliveries.length);
  let next = 0;
  let failures = 0;
  const send = (d) =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/api/github/webhooks",
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": d.body.length,
            "user-agent": "GitHub-Hookshot/bench",
            "x-github-event": d.event,
            "x-github-delivery": randomUUID(),
            "x-github-hook-id": "1",
            "x-hub-signature-256": d.signature,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) failures++;
            resolve(Number(process.hrtime.bigint() - started) / 1e6);
          });
        },
      );
      req.on("error", () => {
        failures++;
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
      req.end(d.body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < deliveries.length; i = next++) latencies[i] = await send(deliveries[i]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort();
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { rate: deliveries.length / seconds, p50: pct(50), p95: pct(95), p99: pct(99), failures };
}

// ---- the two servers, each in a process of its own ----------------------------------------------

// Each server binds port 0 and prints the port it got (`ready` captures it): a port chosen here and
// bound there could be taken in between.
async function startProcess(args, env, ready) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => {
    out = (out + d).slice(-20_000);
  });
  child.stderr.on("data", (d) => {
    out = (out + d).slice(-20_000);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = ready.exec(out);
    if (found) {
      return {
        port: Number(found[1]),
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

const REFERENCE = `
import { createServer } from "node:http";
import { Webhooks, createNodeMiddleware } from "@octokit/webhooks";
const webhooks = new Webhooks({ secret: process.env.SECRET });
webhooks.onAny(() => {});
const middleware = createNodeMiddleware(webhooks);
const server = createServer((req, res) => middleware(req, res));
server.listen(0, "127.0.0.1", () => console.log(\`ready on port \${server.address().port}\`));
`;

async function reference() {
  const server = await startProcess(
    ["--input-type=module", "-e", REFERENCE],
    { PATH: process.env.PATH, SECRET },
    /ready on port (\d+)/,
  );
  return { port: server.port, stop: server.stop };
}

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

async function shipledger(databaseUrl) {
  const server = await startProcess(
    [join(root, "dist/src/server.js")],
    {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      APP_ID: "1",
      PRIVATE_KEY: pem,
      WEBHOOK_SECRET: SECRET,
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      // An intake-only instance: what is measured is verify + store + 200 (the worker's share of
      // the machine depends on GitHub's answers, not on the intake).
      INBOX_WORKER: "off",
    },
    /Listening on http:\/\/127\.0\.0\.1:(\d+)/,
  );
  return { port: server.port, stop: server.stop };
}

// ---- databases ------------------------------------------------------------------------------------

async function postgresCluster() {
  const { startPostgresCluster } = await import("../test/helpers/postgres-cluster.ts");
  // PostgreSQL's own durability (fsync, synchronous commit): answered means on disk.
  return startPostgresCluster({ durable: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (r) =>
  `${Math.round(r.rate).toLocaleString("en")}/s  p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms${r.failures ? `  (${r.failures} not 200!)` : ""}`;

async function main() {
  const deliveries = prepareDeliveries(loadExamples());
  const bytes = deliveries.reduce((n, d) => n + d.body.length, 0);
  console.log(
    `ingest: ${DELIVERIES} signed deliveries (${(bytes / DELIVERIES / 1024).toFixed(1)} KB on average), ${CONNECTIONS} connections, ${RUNS} alternating runs each; load average ${loadavg()[0].toFixed(2)}`,
  );
  let failed = false;
  for (const dialect of DIALECTS) {
    let cluster = null;
    const dir = mkdtempSync(join(tmpdir(), "shipledger-ingest-"));
    try {
      if (dialect === "postgres") cluster = await postgresCluster();
      const ours = [];
      const theirs = [];
      // A warm-up of each, then alternate: both see the same machine state.
      for (let run = 0; run <= RUNS; run++) {
        const ref = await reference();
        const refResult = await load(ref.port, deliveries);
        await ref.stop();
        const url =
          dialect === "sqlite" ? `file:${join(dir, `run-${run}.db`)}` : await newPostgresDatabase(cluster.url, run);
        const app = await shipledger(url);
        const appResult = await load(app.port, deliveries);
        await app.stop();
        if (run === 0) continue;
        theirs.push(refResult);
        ours.push(appResult);
        console.log(`  ${dialect} run ${run}: shipledger ${fmt(appResult)}`);
        console.log(`  ${dialect} run ${run}: reference  ${fmt(refResult)}`);
      }
      const ratio = median(ours.map((r) => r.rate)) / median(theirs.map((r) => r.rate));
      const pick = (rs, k) => median(rs.map((r) => r[k])).toFixed(1);
      console.log(
        `${dialect}: shipledger ${Math.round(median(ours.map((r) => r.rate)))}/s (p50 ${pick(ours, "p50")}, p95 ${pick(ours, "p95")}, p99 ${pick(ours, "p99")} ms) vs reference ${Math.round(median(theirs.map((r) => r.rate)))}/s (p50 ${pick(theirs, "p50")}, p95 ${pick(theirs, "p95")}, p99 ${pick(theirs, "p99")} ms): ${ratio.toFixed(2)}× (target ≥ ${TARGET}×${dialect === "sqlite" ? "" : ", stated"})`,
      );
      if (ours.some((r) => r.failures > 0)) {
        console.log(`${dialect}: some deliveries were not answered 200`);
        failed = true;
      }
      if (dialect === "sqlite" && ratio < TARGET) failed = true;
    } finally {
      cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.exitCode = failed ? 1 : 0;
}

async function newPostgresDatabase(base, run) {
  const pg = (await import("pg")).default;
  const name = `ingest_${run}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

await main();
