// The redelivery sweep against a fake GitHub (GET /app/hook/deliveries with the App's JWT, cursor
// pagination; POST …/attempts recorded), on both dialects: failed deliveries are redelivered once,
// across sweeps and instances (again only when the redelivery failed too), and the watermark moves.
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { FakeHookDelivery } from "../../src/demo/fake-github.js";
import { MAX_REDELIVERIES } from "../../src/ledger/core/redelivery.js";
import { redeliverMissedDeliveries } from "../../src/ledger/redeliver-missed.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { FakeGitHub } from "../fake-github/server.js";
import { appKeyPair } from "../helpers/app-process.js";
import { eachDialect } from "../helpers/stores.js";

const APP_ID = 4242;
const keys = appKeyPair();
const NOW = Date.parse("2026-12-01T12:00:00Z");
const FAILED = "Invalid HTTP Response: 503";
let github: FakeGitHub;
let octokit: ProbotOctokit;

// A fresh fake GitHub per test: tests register routes of their own.
beforeEach(async () => {
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
  const probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKeyPem,
    baseUrl: `${github.baseUrl}/api/v3`,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  octokit = await probot.auth();
});
afterEach(async () => {
  await github.stop();
});

function attempt(id: number, guid: string, status = FAILED, extra: Partial<FakeHookDelivery> = {}): FakeHookDelivery {
  return {
    id,
    guid,
    // A minute apart, the newest a little before NOW.
    delivered_at: new Date(NOW - 60 * 60_000 + id * 1000).toISOString(),
    redelivery: false,
    duration: 0.1,
    status,
    status_code: status === "OK" ? 200 : 503,
    event: "pull_request",
    action: "opened",
    installation_id: 7,
    repository_id: 8,
    ...extra,
  };
}

function captureLog() {
  const lines: Array<{ level: string; message: string; data: unknown }> = [];
  const at =
    (level: string) =>
    (data: unknown, message = "") => {
      lines.push({ level, message, data });
    };
  return { lines, log: { info: at("info"), warn: at("warn"), debug: at("debug") } as never };
}

async function storeDelivery(store: Store, id: string) {
  await store.inbox.enqueueDelivery({
    id,
    event: "pull_request",
    action: "opened",
    installationId: 7,
    repositoryId: 8,
    repositoryFullName: "acme/shop",
    receivedAt: NOW - 3_600_000,
    payload: "{}",
  });
}

const sweep = (store: Store, options: { now?: number; worker?: string; maxPages?: number; restMs?: number } = {}) =>
  redeliverMissedDeliveries({
    store,
    octokit,
    log: captureLog().log,
    now: options.now ?? NOW,
    worker: options.worker ?? "instance-a",
    ...(options.maxPages !== undefined ? { maxPages: options.maxPages } : {}),
    ...(options.restMs !== undefined ? { restMs: options.restMs } : {}),
  });

eachDialect("redelivery sweep", ({ newStore, newDatabaseUrl }) => {
  it("redelivers each failed event once: not one the inbox has, not one that succeeded later", async () => {
    const store = await newStore();
    github.hookDeliveries.push(
      attempt(101, "failed-1"),
      attempt(102, "in-inbox", "timed out", { status_code: 0 }),
      attempt(103, "mended"),
      attempt(104, "retried-ok"),
      attempt(105, "failed-2", FAILED, { event: "deployment_status", action: "created" }),
      attempt(106, "mended", "OK", { redelivery: true }),
      attempt(107, "retried-ok", "OK"),
    );
    await storeDelivery(store, "in-inbox");
    const { lines, log } = captureLog();

    const first = await redeliverMissedDeliveries({ store, octokit, log, now: NOW, worker: "instance-a" });

    expect(github.redeliveries).toEqual([105, 101]);
    expect(first).toMatchObject({ swept: true, pages: 1, examined: 7, skipped: 3, watermarkId: 107, more: false });
    expect(first.redelivered.map((r) => [r.guid, r.deliveryId, r.event])).toEqual([
      ["failed-2", 105, "deployment_status"],
      ["failed-1", 101, "pull_request"],
    ]);
    expect(lines.filter((l) => l.level === "info").map((l) => l.message)).toEqual([
      "redelivery sweep: asked GitHub to redeliver 2 failed deliveries",
    ]);
    // Every request with the App's JWT.
    expect(new Set(github.requests.map((r) => r.auth))).toEqual(new Set(["jwt"]));

    // The next sweep reads only the redeliveries' own attempts (above the watermark) and asks nothing.
    github.requests.splice(0);
    const second = await sweep(store, { now: NOW + 600_000 });
    expect(github.redeliveries).toEqual([105, 101]);
    expect(second).toMatchObject({ swept: true, examined: 2, redelivered: [], watermarkId: 109 });
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /app/hook/deliveries?per_page=100"]);
  });

  it("redelivers an event again when its redelivery failed too, at most MAX_REDELIVERIES times", async () => {
    const store = await newStore();
    // Every redelivery reaches an instance that is stopping (503), or the app refuses it for good.
    github.redeliveryOutcome = { status: FAILED, status_code: 503 };
    github.hookDeliveries.push(attempt(1, "a"), attempt(2, "b", "OK"));
    await sweep(store);
    expect(github.redeliveries).toEqual([1]);
    // Each sweep asks again through the redelivery's own failed attempt (3, then 4).
    const second = await sweep(store, { now: NOW + 600_000 });
    expect(second.redelivered.map((r) => [r.guid, r.deliveryId])).toEqual([["a", 3]]);
    await sweep(store, { now: NOW + 1_200_000 });
    expect(github.redeliveries).toEqual([1, 3, 4]);
    expect(MAX_REDELIVERIES).toBe(3);
    const capped = await sweep(store, { now: NOW + 1_800_000 });
    expect(capped).toMatchObject({ examined: 1, skipped: 1, redelivered: [] });
    expect(github.redeliveries).toEqual([1, 3, 4]);
  });

  it("asks again only once GitHub lists the redelivery as failed, and not once it succeeded", async () => {
    const store = await newStore();
    github.hookDeliveries.push(attempt(1, "a"));
    // GitHub queues the first redelivery: the next sweep does not see it yet, and asks nothing.
    let queued = true;
    github.route("POST", "/app/hook/deliveries/:delivery_id/attempts", (req) => {
      github.redeliveries.push(Number(req.params.delivery_id));
      if (!queued)
        github.hookDeliveries.push(attempt(github.hookDeliveries.length + 1, "a", "OK", { redelivery: true }));
      return { status: 202, body: {} };
    });
    await sweep(store);
    expect((await sweep(store, { now: NOW + 600_000 })).redelivered).toEqual([]);
    // It is made, and fails (the instance it reached was stopping).
    github.hookDeliveries.push(attempt(2, "a", FAILED, { redelivery: true }));
    queued = false;
    expect((await sweep(store, { now: NOW + 1_200_000 })).redelivered.map((r) => r.deliveryId)).toEqual([2]);
    // The second one succeeded (attempt 3): nothing more.
    expect(await sweep(store, { now: NOW + 1_800_000 })).toMatchObject({ examined: 1, redelivered: [] });
    expect(github.redeliveries).toEqual([1, 2]);
  });

  it("reads at most maxPages pages a sweep, and the next sweep goes on down, then up from the top", async () => {
    const store = await newStore();
    // 250 attempts, every fifth failed: 50 failed events.
    for (let id = 1; id <= 250; id++) github.hookDeliveries.push(attempt(id, `g${id}`, id % 5 === 0 ? FAILED : "OK"));
    const failedIds = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => to - i).filter((id) => id % 5 === 0);

    const first = await sweep(store, { maxPages: 2 });
    expect(first).toMatchObject({ pages: 2, examined: 200, more: true, watermarkId: null });
    expect(github.redeliveries).toEqual(failedIds(51, 250));

    // Meanwhile, a new failed delivery on top (above the redeliveries' own attempts, 251-290).
    github.hookDeliveries.push(attempt(400, "late"));
    const second = await sweep(store, { maxPages: 2, now: NOW + 600_000 });
    // The cut walk goes on from its cursor (page 3: 50 left), then a walk from the top (the 10
    // redeliveries just asked, 401-410) down to 250.
    expect(second).toMatchObject({ more: false, watermarkId: 410 });
    expect(github.redeliveries).toEqual([...failedIds(51, 250), ...failedIds(1, 50), 400]);
    expect(new Set(github.redeliveries).size).toBe(github.redeliveries.length);

    const third = await sweep(store, { maxPages: 2, now: NOW + 1_200_000 });
    expect(third.redelivered).toEqual([]);
    expect(third.watermarkId).toBe(411);
  });

  it("two instances sharing a ledger: one sweeps at a time, and neither repeats the other", async () => {
    const url = await newDatabaseUrl();
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      for (let id = 1; id <= 30; id++) github.hookDeliveries.push(attempt(id, `g${id}`, id % 3 === 0 ? FAILED : "OK"));
      const [ra, rb] = await Promise.all([sweep(a, { worker: "a" }), sweep(b, { worker: "b" })]);
      expect([ra.swept, rb.swept].sort()).toEqual([false, true]);
      expect(github.redeliveries).toHaveLength(10);

      // Within half an interval of the last sweep, the other instance does not sweep again.
      expect((await sweep(b, { worker: "b", now: NOW + 60_000, restMs: 300_000 })).swept).toBe(false);
      const later = await sweep(b, { worker: "b", now: NOW + 600_000, restMs: 300_000 });
      expect(later).toMatchObject({ swept: true, redelivered: [] });
      expect(github.redeliveries).toHaveLength(10);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a 403 (the App has no webhook) is logged once, and the sweep ends cleanly", async () => {
    const store = await newStore();
    github.hookDeliveries.push(attempt(1, "a"));
    let webhook = false;
    github.route("GET", "/app/hook/deliveries", () =>
      webhook
        ? { body: [...github.hookDeliveries].sort((x, y) => y.id - x.id) }
        : { status: 403, body: { message: "This app does not have a webhook configured" } },
    );
    const { lines, log } = captureLog();
    const report = await redeliverMissedDeliveries({ store, octokit, log, now: NOW, worker: "a" });
    expect(report).toMatchObject({ swept: true, redelivered: [], watermarkId: null });
    expect(report.error).toMatch(/^HTTP 403 This app does not have a webhook configured/);
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(lines.find((l) => l.level === "warn")?.message).toMatch(/redelivery sweep stopped: HTTP 403/);

    // The lease was given back: the next sweep (the webhook configured again) runs.
    webhook = true;
    expect(await sweep(store, { now: NOW + 600_000 })).toMatchObject({ swept: true, watermarkId: 1 });
    expect(github.redeliveries).toEqual([1]);
  });

  it("a redelivery GitHub fails to take is asked again by the next sweep; the ones it took are not", async () => {
    const store = await newStore();
    github.hookDeliveries.push(attempt(1, "a"), attempt(2, "b"), attempt(3, "c"));
    let calls = 0;
    github.route("POST", "/app/hook/deliveries/:delivery_id/attempts", (req) => {
      calls++;
      if (req.params.delivery_id === "2" && calls < 3) return { status: 500, body: { message: "Server Error" } };
      github.redeliveries.push(Number(req.params.delivery_id));
      return { status: 202, body: {} };
    });
    const first = await sweep(store);
    expect(first.error).toMatch(/HTTP 500/);
    expect(first.watermarkId).toBeNull();
    expect(github.redeliveries).toEqual([3]);
    const second = await sweep(store, { now: NOW + 600_000 });
    expect(second).toMatchObject({ watermarkId: 3 });
    expect(github.redeliveries).toEqual([3, 2, 1]);
  });
});
