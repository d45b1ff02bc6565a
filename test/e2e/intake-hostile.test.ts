// The webhook intake as the internet uses it: the real server process, sent forged, huge, slow,
// half-finished and odd-but-valid deliveries, its database stopped under it, and stopped itself
// during a GitHub outage. Nothing unverified is stored or logged in bulk; what is answered 200
// is stored; every refusal says what was wrong. On SQLite and on Postgres.
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { GitHubModel } from "../../src/demo/github-model.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { WEBHOOK_PATH as WEBHOOK } from "../../src/web/webhook-intake.js";
import { FakeGitHub } from "../fake-github/server.js";
import {
  type AppProcess,
  appKeyPair,
  eventually,
  fakeGitHubAppEnv,
  sendWebhook,
  sign,
  startAppProcess,
} from "../helpers/app-process.js";
import { installationEvent, webhookFixture } from "../helpers/fixtures.js";
import { startPostgresCluster } from "../helpers/postgres-cluster.js";
import { rawRequest } from "../helpers/raw-request.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "hostile-webhook-secret";
const APP_ID = "4343";
const keys = appKeyPair();
const MB = 1024 * 1024;

let github: FakeGitHub;
beforeAll(async () => {
  github = await new FakeGitHub({ appId: Number(APP_ID), publicKeyPem: keys.publicKeyPem }).start();
  const pr = webhookFixture("pull_request.opened");
  const repos = new GitHubModel(pr.repository.owner.login, pr.repository.name, pr.repository.id);
  repos.appId = Number(APP_ID);
  repos.serve(github);
});
afterAll(async () => {
  await github.stop();
});

/** Peak resident memory of a process, in MB (Linux). */
async function peakRssMb(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

const deliveryHead = (id: string, body: Buffer | string, secret = SECRET, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  "x-github-event": "pull_request",
  "x-github-delivery": id,
  "x-hub-signature-256": sign(typeof body === "string" ? body : body.toString("latin1"), secret),
  "content-length": String(Buffer.byteLength(body)),
  ...extra,
});

eachDialect("e2e: a hostile internet at the webhook intake", ({ dialect, newDatabaseUrl }) => {
  const running: AppProcess[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.kill()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  const appEnv = (url: string, extra: Record<string, string> = {}) => ({
    ...fakeGitHubAppEnv({
      appId: APP_ID,
      privateKeyPem: keys.privateKeyPem,
      secret: SECRET,
      databaseUrl: url,
      githubHost: github.host,
    }),
    NODE_ENV: "production",
    ...extra,
  });
  async function start(url: string, extra: Record<string, string> = {}) {
    const app = await startAppProcess(appEnv(url, extra));
    running.push(app);
    if (app.child.exitCode !== null) throw new Error(`app exited early:\n${app.output()}`);
    return app;
  }
  async function ledger(url: string): Promise<Store> {
    const store = await openStore(url, { migrate: false });
    stores.push(store);
    return store;
  }

  it("refuses forgeries of any size with bounded log lines and bounded memory, and stores nothing", async () => {
    const url = await newDatabaseUrl();
    const app = await start(url);
    const marker = "FORGED-BODY-MARKER";
    const chunk = Buffer.alloc(MB, `"${marker}",`);
    // Declared 100 MB: refused from the head alone, nothing read.
    const declared = await rawRequest(
      app.url,
      WEBHOOK,
      { ...deliveryHead("big-1", "{}", "wrong"), "content-length": String(100 * MB) },
      [chunk],
    );
    expect(declared.status).toBe(413);
    expect(declared.body).toContain("25 MB");
    // Sixteen at once, chunked (no length): each cut off at GitHub's 25 MB cap or refused as busy.
    const chunked = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        rawRequest(
          app.url,
          WEBHOOK,
          {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": `forged-${i}`,
            "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
            "transfer-encoding": "chunked",
          },
          Array.from({ length: 100 }, () =>
            Buffer.concat([Buffer.from(`${MB.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
          ),
        ),
      ),
    );
    for (const r of chunked) expect([413, 503]).toContain(r.status);
    expect(chunked.some((r) => r.status === 413)).toBe(true);
    // Then a flood of small forgeries: the log keeps a bounded number of lines about them.
    const before = app.output().length;
    const flood = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        sendWebhook(app.url, {
          id: `flood-${i}`,
          event: "pull_request",
          payload: { marker },
          secret: "guessed",
        }),
      ),
    );
    expect(flood.every((r) => r.status === 401)).toBe(true);
    const log = app.output();
    expect(log).not.toContain(marker);
    expect(log.length - before).toBeLessThan(20 * 1024);
    expect(log.length).toBeLessThan(100 * 1024);
    // Nothing held: peak memory stays far below 16 × 100 MB.
    expect(await peakRssMb(app.child.pid as number)).toBeLessThan(400);
    const store = await ledger(url);
    expect(await store.inbox.listDeliveries()).toEqual([]);
  });

  it("answers only once the body is verified and stored: slow, stalled and abandoned bodies", async () => {
    const url = await newDatabaseUrl();
    const app = await start(url, { WEBHOOK_BODY_TIMEOUT_MS: "1500" });
    const store = await ledger(url);
    const body = JSON.stringify(installationEvent("pull_request.opened", 77));
    const half = Math.floor(body.length / 2);

    // Slow but within the deadline: 200, and stored before the answer.
    const slow = await rawRequest(app.url, WEBHOOK, deliveryHead("slow-ok", body), [
      body.slice(0, half),
      { pauseMs: 600 },
      body.slice(half),
    ]);
    expect(slow.status).toBe(200);
    expect(await store.inbox.getDelivery("slow-ok")).not.toBeNull();

    // Stalled past the deadline: 408, whether signed or forged, and nothing stored.
    const stalled = await rawRequest(app.url, WEBHOOK, deliveryHead("stalled", body), [
      body.slice(0, half),
      { pauseMs: 4000 },
    ]);
    expect(stalled.status).toBe(408);
    const forgedSlow = await rawRequest(app.url, WEBHOOK, deliveryHead("forged-slow", body, "wrong"), [
      body.slice(0, half),
      { pauseMs: 4000 },
    ]);
    expect(forgedSlow.status).toBe(408);

    // The sender hangs up half-way: no answer can reach it, and nothing is stored.
    const abandoned = await rawRequest(app.url, WEBHOOK, deliveryHead("abandoned", body), [
      body.slice(0, half),
      { pauseMs: 200 },
      "hangup",
    ]);
    expect(abandoned.status).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ["stalled", "forged-slow", "abandoned"]) expect(await store.inbox.getDelivery(id)).toBeNull();
    expect(app.output()).not.toMatch(/"statusCode":202|\b202\b/);
  });

  it("stores valid deliveries byte for byte, and refuses what is not a JSON object or has no delivery id, saying why", async () => {
    const url = await newDatabaseUrl();
    const app = await start(url);
    const store = await ledger(url);
    // Odd but valid JSON: escapes, spacing, a key order of its own, non-ASCII text.
    const odd = `{ "zeta":1,\n  "action" : "opened", "installation":{"id":77},\t"repository":{"id":1296269,"full_name":"Codertocat/Hello-World"}, "note":"caf\\u00e9 ☕ \\"q\\"" }`;
    const ok = await sendWebhook(app.url, { id: "odd-1", event: "ping", payload: null, rawBody: odd, secret: SECRET });
    expect(ok.status).toBe(200);
    expect(await store.inbox.getDelivery("odd-1")).toMatchObject({
      payload: odd,
      action: "opened",
      installationId: 77,
      repositoryFullName: "Codertocat/Hello-World",
    });

    const nested = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const cases: Array<[string, string, RegExp]> = [
      ["deep", nested, /nests deeper than 64 levels/],
      ["null", "null", /must be a JSON object; it is not an object/],
      ["string", '"x"', /must be a JSON object; it is not an object/],
      ["array", "[1,2]", /must be a JSON object; it is an array/],
      ["broken", '{"action": "opened", broken', /not valid JSON/],
    ];
    for (const [id, rawBody, message] of cases) {
      const res = await sendWebhook(app.url, { id, event: "push", payload: null, rawBody, secret: SECRET });
      expect(res.status, id).toBe(400);
      expect(((await res.json()) as { error: string }).error, id).toMatch(message);
    }
    const noId = await sendWebhook(app.url, { id: "", event: "push", payload: {}, secret: SECRET });
    expect(noId.status).toBe(400);
    expect(((await noId.json()) as { error: string }).error).toMatch(/X-GitHub-Delivery is missing or empty/);
    const unsigned = await sendWebhook(app.url, {
      id: "u-1",
      event: "push",
      payload: {},
      secret: SECRET,
      signature: null,
    });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { error: string }).error).toMatch(/X-Hub-Signature-256 is missing/);
    const forged = await sendWebhook(app.url, { id: "f-1", event: "push", payload: {}, secret: "guessed" });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: string }).error).toMatch(/signature does not match/);
    expect((await store.inbox.listDeliveries()).map((d) => d.id)).toEqual(["odd-1"]);
  });

  it("answers 503 without SQL or payload when its database is down, and 200 again once it is back", async () => {
    const payload = installationEvent("pull_request.opened", 77);
    const marker = "PAYLOAD-MARKER-7f3a";
    (payload as { pull_request: { body: string } }).pull_request.body = marker;
    let url: string;
    let outage: { begin(): Promise<void>; end(): Promise<void> };
    let cluster: Awaited<ReturnType<typeof startPostgresCluster>> | null = null;
    if (dialect === "sqlite") {
      url = await newDatabaseUrl();
      const file = url.slice("file:".length);
      let holder: Database.Database | null = null;
      outage = {
        // Another process holds the write lock: every write waits out the busy timeout, then fails.
        async begin() {
          holder = new Database(file);
          holder.exec("BEGIN EXCLUSIVE");
        },
        async end() {
          holder?.exec("ROLLBACK");
          holder?.close();
        },
      };
    } else {
      // A server of its own, to stop and start again.
      cluster = await startPostgresCluster();
      url = cluster.url;
      const c = cluster;
      outage = {
        async begin() {
          c.pause();
        },
        async end() {
          c.resume();
        },
      };
    }
    try {
      const app = await start(url);
      await outage.begin();
      const res = await sendWebhook(app.url, { id: "outage-1", event: "pull_request", payload, secret: SECRET });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBeTruthy();
      const text = await res.text();
      expect(text).toBe('{"error":"the ledger is unavailable; redeliver this delivery later"}\n');
      // A Postgres server that is down fails the health check too (SQLite's readers still read).
      if (dialect === "postgres") expect((await fetch(`${app.url}/healthz`)).status).toBe(503);
      await outage.end();
      await eventually(async () => (await fetch(`${app.url}/healthz`)).status === 200, 30_000);
      const again = await sendWebhook(app.url, { id: "outage-1", event: "pull_request", payload, secret: SECRET });
      expect(again.status).toBe(200);
      const log = app.output();
      expect(log).toMatch(/cannot store a verified delivery/);
      expect(log).not.toContain(marker);
      expect(log).not.toMatch(/insert into/i);
      const store = await ledger(url);
      expect(await store.inbox.getDelivery("outage-1")).not.toBeNull();
    } finally {
      cluster?.stop();
    }
  });

  it("does not listen when its ledger cannot be written at start (SQLite locked, PostgreSQL down): no delivery is accepted, then reset", async () => {
    let url: string;
    let release = () => {};
    if (dialect === "sqlite") {
      url = await newDatabaseUrl();
      await (await openStore(url)).close();
      const holder = new Database(url.slice("file:".length));
      holder.exec("BEGIN EXCLUSIVE");
      release = () => {
        holder.exec("ROLLBACK");
        holder.close();
      };
    } else {
      // A server that is not there (nothing listens on port 1).
      url = "postgres://shipledger@127.0.0.1:1/shipledger";
    }
    try {
      const app = await startAppProcess(appEnv(url));
      running.push(app);
      expect(await app.exited).not.toBe(0);
      expect(app.output()).toContain("cannot start");
      if (dialect === "sqlite") expect(app.output()).toContain("database is locked");
      expect(app.output()).not.toContain("Listening on");
    } finally {
      release();
    }
  }, 30_000);

  it("loses nothing it answered 200 when killed (kill -9) in the middle of a burst, deliveries being stored in groups", async () => {
    const url = await newDatabaseUrl();
    const app = await start(url, { INBOX_WORKER: "off" });
    const payload = installationEvent("pull_request.opened", 77);
    const answered: string[] = [];
    let next = 0;
    let killed = false;
    // 20 connections sending one delivery after another; the process is killed after 150 answers.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 600) {
          const id = `burst-${next++}`;
          const res = await sendWebhook(app.url, { id, event: "pull_request", payload, secret: SECRET }).catch(
            () => null,
          );
          if (res?.status === 200) answered.push(id);
          if (answered.length >= 150 && !killed) {
            killed = true;
            app.child.kill("SIGKILL");
          }
        }
      }),
    );
    await app.exited;
    expect(answered.length).toBeGreaterThanOrEqual(150);
    expect(answered.length).toBeLessThan(600);
    const store = await ledger(url);
    const stored = new Set((await store.inbox.listDeliveries({ limit: 1000 })).map((d) => d.id));
    expect(answered.filter((id) => !stored.has(id))).toEqual([]);
  });

  it("stops within its grace period during a GitHub outage, hands back what it held, and says draining meanwhile", async () => {
    // GitHub hangs: the installation's repository listing never answers in time.
    github.route("GET", "/installation/repositories", () => ({ delayMs: 120_000, body: { repositories: [] } }));
    try {
      const url = await newDatabaseUrl();
      const app = await start(url, { SHUTDOWN_GRACE_MS: "2000", INBOX_CONCURRENCY: "2" });
      const store = await ledger(url);
      for (const id of ["hang-1", "hang-2", "hang-3"]) {
        const payload = webhookFixture("installation.created");
        payload.installation.id = 700 + Number(id.slice(-1));
        expect((await sendWebhook(app.url, { id, event: "installation", payload, secret: SECRET })).status).toBe(200);
      }
      // Two run (INBOX_CONCURRENCY=2), hanging on GitHub; the third may be claimed, waiting for a turn.
      await eventually(async () => (await store.inbox.countDeliveries()).processing >= 2);
      const stoppedAt = Date.now();
      app.child.kill("SIGTERM");
      const draining = await eventually(async () => {
        const res = await fetch(`${app.url}/healthz`).catch(() => null);
        return res?.status === 503 ? res.json() : null;
      });
      expect(draining).toEqual({ status: "draining" });
      const refused = await sendWebhook(app.url, {
        id: "late-1",
        event: "pull_request",
        payload: installationEvent("pull_request.opened", 77),
        secret: SECRET,
      });
      expect(refused.status).toBe(503);
      expect(await app.exited).toBe(0);
      // Bounded: the grace (2 s) and a little, not the minutes the hanging requests would take.
      expect(Date.now() - stoppedAt).toBeLessThan(9_000);
      const all = await store.inbox.listDeliveries();
      expect(all.map((d) => [d.id, d.status, d.lockedBy, d.attempts])).toEqual([
        ["hang-1", "pending", null, 0],
        ["hang-2", "pending", null, 0],
        ["hang-3", "pending", null, 0],
      ]);
      expect(app.output()).toMatch(/handed back/);
    } finally {
      github.route("GET", "/installation/repositories", () => ({ status: 404, body: { message: "Not Found" } }));
    }
  });
});
