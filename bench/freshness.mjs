// Freshness: how long after GitHub's delivery is acknowledged (the 200 answer to the webhook POST)
// the "AI attribution" check run is written on GitHub, for one pull request, for a burst across
// installations, and for a burst in one installation. Run with `npm run bench:freshness`; see
// bench/README.md ("Freshness").
//
// The real production server (dist/src/server.js, NODE_ENV=production, SQLite file database,
// Probot's default Octokit: throttling on, so content-creating requests are paced at most one a
// second per installation, as GitHub asks) is pointed at a fake GitHub on loopback that answers
// each request after BENCH_LATENCY_MS (GitHub's REST API answers in 50 to 300 ms). Pull requests
// carry real-length commit messages, some with AI trailers; deliveries are signed as GitHub signs
// them. The ack is timed when the 200 arrives; the write when the fake GitHub receives the
// check-run POST (or PATCH) for the pull request's head sha, both on this process's clock.
//
// Scenarios (BENCH_SCENARIOS, comma-separated; default all):
//   single     one pull request at a time, BENCH_SINGLE samples, the previous check written first
//   spread     a burst of 100 pull requests across 10 installations (10 each, shuffled)
//   one        a burst of 100 pull requests in 1 installation (the pace of one installation)
//   neighbours 50 pull requests in one installation, then one in each of 3 other installations:
//              how long the quiet installations wait behind a busy one
// Each scenario gets a fresh server, database and fake GitHub, and a warm-up (one pull request per
// installation, not counted: installation tokens issued, installations known).
import { spawn } from "node:child_process";
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeGitHub } from "../src/demo/fake-github.ts";
import { GitHubModel } from "../src/demo/github-model.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_ID = 4242;
const SECRET = "bench-freshness-secret";
const CHECK_NAME = "AI attribution";
const LATENCY = process.env.BENCH_LATENCY_MS ?? "100";
const SINGLE = Number(process.env.BENCH_SINGLE ?? 10);
const SEED = Number(process.env.BENCH_SEED ?? 13);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? "single,spread,one,neighbours").split(",").map((s) => s.trim());
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 300_000);
// Another build to compare with (e.g. a commit's tree, built): its dist/src/server.js.
const SERVER = process.env.BENCH_SERVER ?? join(root, "dist/src/server.js");

// ---- seeded randomness ---------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");

/** "100" → a fixed 100 ms; "50-300" → uniform in [50, 300] ms from the seeded generator. */
function latency() {
  const [low, high] = LATENCY.split("-").map(Number);
  if (high === undefined) return () => low;
  const r = mulberry32(SEED + 1);
  return () => Math.round(low + r() * (high - low));
}

// ---- pull requests shaped like real ones ---------------------------------------------------------

const SUBJECTS = [
  "Add retry with jitter to the payment webhook consumer",
  "Fix off-by-one in pagination of the audit log export",
  "Refactor session store to use the connection pool",
  "Bump eslint-plugin-import from 2.29.1 to 2.31.0",
  "Handle empty cart in checkout summary",
  "Migrate feature flags to the new settings service",
  "Document the on-call escalation policy",
  "Speed up search indexing by batching writes",
  "Remove deprecated v1 billing endpoints",
  "Validate webhook payload size before parsing",
  "Add Prometheus metrics for queue depth",
  "Fix flaky test in order reconciliation",
];
const BODIES = [
  'The consumer gave up after the first 502 from the provider, which left orders in\n"pending" until the nightly reconciliation picked them up. Retry up to five times\nwith exponential backoff and full jitter, and log the provider\'s request id.',
  "Pages after the first skipped one row because the cursor was the last id seen\ninstead of the one after it. Adds a regression test with 3 pages of 50 rows.",
  "Each request opened its own client, which exhausted the database's connection\nlimit under load (see incident 2024-11-02). The pool is shared and sized from\nthe environment.",
  "Nothing here changes behaviour; the old flags are read as a fallback until the\nnext release, then removed.",
  "Batching 500 documents per request cuts indexing of the full catalogue from\n41 minutes to 6 on staging. Memory stays under 300 MB.",
  "",
];
const TRAILERS = [
  ["Co-authored-by: Claude <noreply@anthropic.com>"],
  ["🤖 Generated with [Claude Code](https://claude.com/claude-code)", "Co-Authored-By: Claude <noreply@anthropic.com>"],
  ["Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"],
  ["Signed-off-by: Dana Reyes <dana@example.com>"],
  ["Reviewed-by: Sam Okafor <sam@example.com>", "Refs: OPS-1832"],
  [],
  [],
  [],
];
const PEOPLE = [
  { name: "Dana Reyes", email: "dana@example.com", login: "dreyes" },
  { name: "Sam Okafor", email: "sam@example.com", login: "sokafor" },
  { name: "Lin Wei", email: "lin@example.com", login: "linwei" },
];

function commitMessage() {
  const body = pick(BODIES);
  const trailers = pick(TRAILERS);
  return `${[pick(SUBJECTS), body, trailers.join("\n")].filter(Boolean).join("\n\n")}\n`;
}

/** Opens pull request `number` (1 to 5 commits) in the model; returns its head sha. */
function openPull(model, number) {
  const author = pick(PEOPLE);
  const commits = Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
    sha: hex(40),
    message: commitMessage(),
    author,
  }));
  model.openPull(number, commits, { title: commits[0].message.split("\n")[0] });
  return commits.at(-1).sha;
}

// ---- the fake GitHub, with a recorder of check-run writes ----------------------------------------

async function fakeGitHub(publicKeyPem, installations) {
  const github = await new FakeGitHub({ appId: APP_ID, publicKeyPem, latencyMs: latency() }).start();
  const models = new Map();
  /** "owner/repo@sha" → time the first write of the check run for that sha was received. */
  const written = new Map();
  /** installation → times of its check-run writes, in order. */
  const writesByInstallation = new Map();
  // Tried before the models (fallbacks answer in order): records, then lets the model answer.
  github.fallback((method, uri, body) => {
    const m = /^\/repos\/([^/]+)\/([^/]+)\/check-runs(?:\/(\d+))?(?:\?|$)/.exec(uri);
    if (!m || (method !== "POST" && method !== "PATCH")) return null;
    const at = performance.now();
    const model = models.get(`${m[1]}/${m[2]}`);
    if (!model) return null;
    const sha = method === "POST" ? body?.head_sha : model.checkRuns.find((r) => r.id === Number(m[3]))?.head_sha;
    const name = method === "POST" ? body?.name : model.checkRuns.find((r) => r.id === Number(m[3]))?.name;
    if (name !== CHECK_NAME) return null;
    const key = `${m[1]}/${m[2]}@${sha}`;
    if (!written.has(key)) written.set(key, at);
    const times = writesByInstallation.get(model.installationId) ?? [];
    times.push(at);
    writesByInstallation.set(model.installationId, times);
    return null;
  });
  for (const [i, installationId] of installations.entries()) {
    const model = new GitHubModel(`org-${installationId}`, `service-${i}`, 50_000 + installationId);
    model.appId = APP_ID;
    model.ownerId = 9_200_000 + installationId; // each installation its own account
    model.installationId = installationId;
    model.serve(github);
    models.set(`${model.owner}/${model.repo}`, model);
  }
  // Asked only when the app needs GitHub's word on which installation has a repository.
  github.route("GET", "/repos/:owner/:repo/installation", (req) => {
    const model = models.get(`${req.params.owner}/${req.params.repo}`);
    if (!model) return { status: 404, body: { message: "Not Found" } };
    return {
      body: {
        id: model.installationId,
        account: { id: model.ownerId, login: model.owner, type: "Organization" },
      },
    };
  });
  return { github, models, written, writesByInstallation };
}

// ---- the server ----------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function healthy(port) {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz" }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}

async function startServer(pem, githubHost, databaseUrl) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    APP_ID: String(APP_ID),
    PRIVATE_KEY: pem,
    WEBHOOK_SECRET: SECRET,
    DATABASE_URL: databaseUrl,
    HOST: "127.0.0.1",
    PORT: String(port),
    GHE_HOST: githubHost,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  };
  // The worker's settings are the defaults unless the run asks otherwise (e.g. to compare).
  for (const key of ["INBOX_CONCURRENCY", "INBOX_POLL_MS"]) if (process.env[key]) env[key] = process.env[key];
  const child = spawn(process.execPath, [SERVER], {
    cwd: dirname(dirname(dirname(SERVER))),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d) => {
    out = (out + d).slice(-50_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const deadline = Date.now() + 60_000;
  while (!(await healthy(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGKILL");
      }),
  };
}

// ---- deliveries ----------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 20 });

/** Sends a signed pull_request.opened delivery; resolves with the time its 200 arrived. */
function deliver(port, payload) {
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/github/webhooks",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": body.length,
          "user-agent": "GitHub-Hookshot/bench",
          "x-github-event": "pull_request",
          "x-github-delivery": randomUUID(),
          "x-github-hook-id": "1",
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
      },
      (res) => {
        const at = performance.now();
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(at) : reject(new Error(`answered ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function until(condition, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---- one scenario --------------------------------------------------------------------------------

/**
 * `plan(models)` returns the measured pull requests as batches: each batch's deliveries are sent
 * at once; the next batch after the previous one is acknowledged (and `waitWritten` written).
 */
async function scenario(keys, { installations, plan }) {
  const dir = mkdtempSync(join(tmpdir(), "freshness-"));
  const fake = await fakeGitHub(keys.publicKeyPem, installations);
  const server = await startServer(keys.pem, fake.github.host, `file:${join(dir, "ledger.db")}`);
  try {
    const models = [...fake.models.values()];
    // Warm-up: one pull request per installation (tokens issued, installations recorded).
    const warm = models.map((model) => ({ model, sha: openPull(model, 9_000) }));
    const warmAcks = await Promise.all(
      warm.map(({ model }) => deliver(server.port, model.openedEvent(9_000, model.installationId))),
    );
    await until(
      () => warm.every(({ model, sha }) => fake.written.has(`${model.owner}/${model.repo}@${sha}`)),
      "warm-up checks",
    );
    const cold = warm.map(({ model, sha }, i) => fake.written.get(`${model.owner}/${model.repo}@${sha}`) - warmAcks[i]);
    // Every installation's write slot free again (minTime 1 s) before the measured deliveries.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const times of fake.writesByInstallation.values()) times.length = 0;

    const load = loadavg()[0];
    const requestsBefore = fake.github.requests.length;
    const results = [];
    const started = performance.now();
    for (const batch of plan(models)) {
      const prs = batch.prs.map(({ model, number }) => ({ model, number, sha: openPull(model, number) }));
      const sent = performance.now();
      const acks = await Promise.all(
        prs.map(({ model, number }) => deliver(server.port, model.openedEvent(number, model.installationId))),
      );
      for (const [i, pr] of prs.entries()) results.push({ ...pr, sent, ack: acks[i], group: batch.group ?? "all" });
      if (batch.waitWritten) {
        await until(
          () => prs.every(({ model, sha }) => fake.written.has(`${model.owner}/${model.repo}@${sha}`)),
          "checks",
        );
        if (batch.pauseMs) await new Promise((r) => setTimeout(r, batch.pauseMs));
      }
    }
    await until(
      () => results.every(({ model, sha }) => fake.written.has(`${model.owner}/${model.repo}@${sha}`)),
      "every check run",
    );
    for (const r of results) r.written = fake.written.get(`${r.model.owner}/${r.model.repo}@${r.sha}`);
    const wall = Math.max(...results.map((r) => r.written)) - started;
    const requests = (fake.github.requests.length - requestsBefore) / results.length;
    return { results, wall, load, cold, requests, writes: fake.writesByInstallation };
  } catch (error) {
    console.error(server.output().slice(-5_000));
    throw error;
  } finally {
    await server.stop();
    await fake.github.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- figures -------------------------------------------------------------------------------------

function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

function freshness(results) {
  const ms = results.map((r) => r.written - r.ack);
  return `p50 ${s(percentile(ms, 50))}  p95 ${s(percentile(ms, 95))}  max ${s(Math.max(...ms))}  (n=${ms.length})`;
}

/** Writes per second of each installation that wrote more than once, and the closest two writes. */
function pacing(writes) {
  const rates = [];
  let minGap = Number.POSITIVE_INFINITY;
  let all = [];
  for (const times of writes.values()) {
    all = all.concat(times);
    if (times.length < 2) continue;
    rates.push((times.length - 1) / ((times.at(-1) - times[0]) / 1000));
    for (let i = 1; i < times.length; i++) minGap = Math.min(minGap, times[i] - times[i - 1]);
  }
  all.sort((a, b) => a - b);
  const together = all.length > 1 ? (all.length - 1) / ((all.at(-1) - all[0]) / 1000) : 0;
  if (rates.length === 0) return "";
  const median = percentile(rates, 50);
  return `writes/s per installation: median ${median.toFixed(2)} (min ${Math.min(...rates).toFixed(2)}, max ${Math.max(...rates).toFixed(2)}), closest two writes of one installation ${Math.round(minGap)} ms; all installations together ${together.toFixed(2)} writes/s`;
}

function report(label, { results, wall, load, cold, requests, writes }, { paced = true } = {}) {
  console.log(`${label}  [load average ${load.toFixed(2)}]`);
  const groups = [...new Set(results.map((r) => r.group))];
  for (const group of groups) {
    const rs = results.filter((r) => r.group === group);
    console.log(`  freshness${groups.length > 1 ? ` (${group})` : ""}: ${freshness(rs)}`);
  }
  console.log(
    `  wall time ${s(wall)} from the first delivery sent to the last check written; ${requests.toFixed(1)} GitHub requests per pull request`,
  );
  if (paced && pacing(writes)) console.log(`  ${pacing(writes)}`);
  console.log(`  (warm-up, first delivery of each installation after start: p50 ${s(percentile(cold, 50))})`);
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const publicKeyPem = createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
  const keys = { pem, publicKeyPem };
  console.log(
    `freshness: ack (200) → "AI attribution" check written; production server, SQLite, Probot's throttling on; fake GitHub answering in ${LATENCY} ms; INBOX_CONCURRENCY ${process.env.INBOX_CONCURRENCY ?? "default"}; seed ${SEED}; server ${SERVER}`,
  );
  const ids = (n, from = 1) => Array.from({ length: n }, (_, i) => 7_000 + from + i);
  let number = 0;

  if (SCENARIOS.includes("single")) {
    const result = await scenario(keys, {
      installations: ids(1),
      plan: ([model]) =>
        Array.from({ length: SINGLE }, () => ({
          prs: [{ model, number: ++number }],
          waitWritten: true,
          pauseMs: 1_100,
        })),
    });
    report(`(a) a single pull request, ${SINGLE} times one after another`, result, { paced: false });
  }
  if (SCENARIOS.includes("spread")) {
    const result = await scenario(keys, {
      installations: ids(10),
      plan: (models) => {
        const prs = models.flatMap((model) => Array.from({ length: 10 }, () => ({ model, number: ++number })));
        for (let i = prs.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [prs[i], prs[j]] = [prs[j], prs[i]];
        }
        return [{ prs }];
      },
    });
    report("(b) a burst of 100 pull requests across 10 installations (10 each, shuffled)", result);
  }
  if (SCENARIOS.includes("one")) {
    const result = await scenario(keys, {
      installations: ids(1),
      plan: ([model]) => [{ prs: Array.from({ length: 100 }, () => ({ model, number: ++number })) }],
    });
    report("(c) a burst of 100 pull requests in 1 installation", result);
  }
  if (SCENARIOS.includes("neighbours")) {
    const result = await scenario(keys, {
      installations: ids(4),
      plan: ([busy, ...quiet]) => [
        { group: "busy installation, 50", prs: Array.from({ length: 50 }, () => ({ model: busy, number: ++number })) },
        {
          group: "3 quiet installations, 1 each, sent just after",
          prs: quiet.map((model) => ({ model, number: ++number })),
        },
      ],
    });
    report("(d) 50 pull requests in 1 installation, then 1 in each of 3 others", result);
  }
  agent.destroy();
}

await main();
