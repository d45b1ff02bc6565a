// End to end: the redelivery sweep against a fake GitHub that redelivers as GitHub does (the
// event's payload sent again, signed, with the same X-GitHub-Delivery, to the real server; the
// attempt listed with what the server answered), on SQLite and on Postgres.
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { FakeHookDelivery } from "../../src/demo/fake-github.js";
import { redeliverMissedDeliveries } from "../../src/ledger/redeliver-missed.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { FakeGitHub } from "../fake-github/server.js";
import {
  type AppProcess,
  appKeyPair,
  eventually,
  fakeGitHubAppEnv,
  sendWebhook,
  startAppProcess,
} from "../helpers/app-process.js";
import { webhookFixture } from "../helpers/fixtures.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "redelivery-webhook-secret";
const APP_ID = "4545";
const keys = appKeyPair();

let github: FakeGitHub;
let octokit: ProbotOctokit;
/** Where GitHub sends a redelivery: the app's address behind the webhook URL. */
let target: AppProcess | null = null;
/** What each event (guid) carried, for its redeliveries. */
const events = new Map<string, { event: string; payload: unknown }>();

beforeAll(async () => {
  github = await new FakeGitHub({ appId: Number(APP_ID), publicKeyPem: keys.publicKeyPem }).start();
  github.route("POST", "/app/hook/deliveries/:delivery_id/attempts", async (req) => {
    const original = github.hookDeliveries.find((d) => d.id === Number(req.params.delivery_id));
    const sent = original && events.get(original.guid);
    if (!original || !sent || !target) return { status: 404, body: { message: "Not Found" } };
    github.redeliveries.push(original.id);
    const res = await sendWebhook(target.url, { id: original.guid, ...sent, secret: SECRET }).catch(() => null);
    github.hookDeliveries.push({
      ...original,
      id: Math.max(...github.hookDeliveries.map((d) => d.id)) + 1,
      delivered_at: new Date().toISOString(),
      redelivery: true,
      status: res?.ok ? "OK" : res ? `Invalid HTTP Response: ${res.status}` : "failed to connect to host",
      status_code: res?.status ?? 0,
    });
    return { status: 202, body: {} };
  });
  const probot = new Probot({
    appId: Number(APP_ID),
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
afterAll(async () => {
  await github.stop();
});

const quiet = { info() {}, warn() {}, debug() {} };

eachDialect("e2e: missed deliveries redelivered", ({ newDatabaseUrl }) => {
  const running: AppProcess[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    target = null;
    events.clear();
    github.hookDeliveries.splice(0);
    github.redeliveries.splice(0);
    await Promise.all(running.splice(0).map((a) => a.kill()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  async function start(url: string, extra: Record<string, string> = {}) {
    const app = await startAppProcess({
      ...fakeGitHubAppEnv({
        appId: APP_ID,
        privateKeyPem: keys.privateKeyPem,
        secret: SECRET,
        databaseUrl: url,
        githubHost: github.host,
      }),
      ...extra,
    });
    running.push(app);
    if (app.child.exitCode !== null) throw new Error(`app exited early:\n${app.output()}`);
    return app;
  }

  it("an event whose redelivery reached a stopping instance (503) is redelivered again by the next sweep", async () => {
    // GitHub hangs, so that the stopping instance drains for its whole grace period.
    github.route("GET", "/installation/repositories", () => ({ delayMs: 120_000, body: { repositories: [] } }));
    try {
      const url = await newDatabaseUrl();
      const store = await openStore(url, { migrate: false });
      stores.push(store);
      const stopping = await start(url, { SHUTDOWN_GRACE_MS: "5000" });
      const hanging = webhookFixture("installation.created");
      hanging.installation.id = 901;
      expect(
        (await sendWebhook(stopping.url, { id: "hang-1", event: "installation", payload: hanging, secret: SECRET }))
          .status,
      ).toBe(200);
      await eventually(async () => (await store.inbox.getDelivery("hang-1"))?.status === "processing");

      // A ping GitHub could not deliver (the app was down): listed as failed.
      const now = Date.now();
      events.set("missed-1", { event: "ping", payload: webhookFixture("ping") });
      const missed: FakeHookDelivery = {
        id: 1,
        guid: "missed-1",
        delivered_at: new Date(now - 60_000).toISOString(),
        redelivery: false,
        duration: 10,
        status: "failed to connect to host",
        status_code: 0,
        event: "ping",
        action: null,
        installation_id: null,
        repository_id: null,
      };
      github.hookDeliveries.push(missed);

      // The sweep runs while the instance GitHub reaches is stopping: the redelivery gets 503.
      target = stopping;
      stopping.child.kill("SIGTERM");
      await eventually(async () => (await fetch(`${stopping.url}/healthz`).catch(() => null))?.status === 503);
      const sweep = (at: number) => redeliverMissedDeliveries({ store, octokit, log: quiet, now: at, worker: "test" });
      expect((await sweep(now)).redelivered.map((r) => r.guid)).toEqual(["missed-1"]);
      expect(github.hookDeliveries.map((d) => [d.id, d.status])).toEqual([
        [1, "failed to connect to host"],
        [2, "Invalid HTTP Response: 503"],
      ]);
      expect(await store.inbox.getDelivery("missed-1")).toBeNull();
      await stopping.exited;

      // The next instance is up; the next sweep asks again, and the event reaches the inbox.
      target = await start(url);
      const next = await sweep(now + 600_000);
      expect(next.redelivered.map((r) => [r.guid, r.deliveryId])).toEqual([["missed-1", 2]]);
      expect(github.hookDeliveries.at(-1)).toMatchObject({ id: 3, guid: "missed-1", status: "OK" });
      expect(await eventually(async () => (await store.inbox.getDelivery("missed-1"))?.status === "done")).toBe(true);
    } finally {
      github.route("GET", "/installation/repositories", () => ({ status: 404, body: { message: "Not Found" } }));
    }
  });
});
