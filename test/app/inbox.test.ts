import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { contentsFile } from "../../src/demo/github-model.js";
import { installationHandlers } from "../../src/handlers/installation.js";
import type { DeliveryHandler } from "../../src/handlers/types.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { eventually } from "../helpers/app-process.js";
import { installationEvent, webhookFixture } from "../helpers/fixtures.js";
import { loadApp, manualClock } from "../helpers/probot.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const API = "https://api.github.com";

describe("app: webhook intake and the inbox worker", () => {
  let store: Store;
  beforeEach(async () => {
    nock.disableNetConnect();
    store = await openStore(":memory:");
  });
  afterEach(async () => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
    nock.enableNetConnect();
    await store.close();
  });

  it("stores each delivery before the work, once per delivery id", async () => {
    const clock = manualClock(T0);
    const { probot } = await loadApp({ store, now: clock.now, handlers: {} });
    const payload = installationEvent("pull_request.opened", 42);
    await probot.receive({ id: "d-1", name: "pull_request", payload });
    await probot.receive({ id: "d-1", name: "pull_request", payload });
    const stored = await store.inbox.listDeliveries();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: "d-1",
      event: "pull_request",
      action: "opened",
      installationId: 42,
      repositoryId: payload.repository.id,
      repositoryFullName: "Codertocat/Hello-World",
      receivedAt: T0,
      status: "pending",
    });
    expect(JSON.parse((await store.inbox.getDelivery("d-1"))?.payload ?? "{}")).toEqual(payload);
  });

  it("runs handlers from the inbox and records the repository of every delivery", async () => {
    const clock = manualClock(T0);
    const seen: string[] = [];
    const handler: DeliveryHandler = async ({ delivery, payload }) => {
      seen.push(`${delivery.event}.${delivery.action}#${(payload as { number: number }).number}`);
    };
    const { probot, worker } = await loadApp({ store, now: clock.now, handlers: { "pull_request.opened": [handler] } });
    await probot.receive({ id: "d-1", name: "pull_request", payload: installationEvent("pull_request.opened", 42) });
    await probot.receive({ id: "d-2", name: "pull_request", payload: installationEvent("pull_request.closed", 42) });
    expect(seen).toEqual([]);
    await worker.drain();
    expect(seen).toEqual(["pull_request.opened#2"]);
    expect(await store.inbox.countDeliveries()).toEqual({ pending: 0, processing: 0, done: 2, failed: 0 });
    expect(await store.installations.listRepositories(42)).toMatchObject([
      { fullName: "Codertocat/Hello-World", defaultBranch: "master" },
    ]);
    expect(await store.installations.listRepositories(1)).toEqual([]);
  });

  it("retries a failing handler with exponential backoff, then marks it failed with the last error", async () => {
    const clock = manualClock(T0);
    let calls = 0;
    const failing: DeliveryHandler = async ({ octokit }) => {
      calls++;
      await octokit.rest.repos.get({ owner: "Codertocat", repo: "Hello-World" });
    };
    nock(API)
      .get("/repos/Codertocat/Hello-World")
      .times(3)
      .reply(502, { message: "Server Error" }, { "x-github-request-id": "ABCD:1234" });
    const { probot, worker } = await loadApp({
      store,
      now: clock.now,
      random: () => 0.5,
      handlers: { pull_request: [failing] },
      worker: { backoff: { baseMs: 1000, maxMs: 60_000, maxAttempts: 3 } },
    });
    await probot.receive({ id: "d-1", name: "pull_request", payload: installationEvent("pull_request.opened", 42) });

    await worker.drain();
    let d = await store.inbox.getDelivery("d-1");
    // attempt 1 failed: retry after 1000 ms × (0.5 + 0.5 × 0.5)
    expect(d).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: T0 + 750 });
    expect(d?.lastError).toBe("HTTP 502 Server Error (GitHub request id ABCD:1234)");

    clock.advance(749);
    await worker.drain();
    expect(calls).toBe(1);
    clock.advance(1);
    await worker.drain();
    d = await store.inbox.getDelivery("d-1");
    expect(d).toMatchObject({ status: "pending", attempts: 2, nextAttemptAt: T0 + 750 + 1500 });

    clock.advance(1500);
    await worker.drain();
    d = await store.inbox.getDelivery("d-1");
    expect(d).toMatchObject({ status: "failed", attempts: 3, completedAt: T0 + 2250 });
    expect(calls).toBe(3);
    clock.advance(3_600_000);
    await worker.drain();
    expect(calls).toBe(3);
  });

  it("a requeued failed delivery runs again and succeeds", async () => {
    const clock = manualClock(T0);
    let fail = true;
    const flaky: DeliveryHandler = async () => {
      if (fail) throw new Error("boom");
    };
    const { probot, worker } = await loadApp({
      store,
      now: clock.now,
      handlers: { ping: [flaky] },
      worker: { backoff: { maxAttempts: 1 } },
    });
    await probot.receive({ id: "p-1", name: "ping", payload: webhookFixture("ping") });
    await worker.drain();
    expect(await store.inbox.getDelivery("p-1")).toMatchObject({ status: "failed", lastError: "Error: boom" });
    fail = false;
    await store.inbox.requeueDeliveries({ ids: ["p-1"] }, clock.now());
    await worker.drain();
    expect(await store.inbox.getDelivery("p-1")).toMatchObject({ status: "done", lastError: null });
  });

  describe("a handler that runs past the lease (GitHub's rate limit, a long range)", () => {
    async function slowDelivery() {
      const clock = manualClock(T0);
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let runs = 0;
      const handler: DeliveryHandler = async () => {
        runs++;
        await gate;
      };
      const { probot, worker } = await loadApp({
        store,
        now: clock.now,
        handlers: { "pull_request.opened": [handler] },
        worker: { leaseMs: 300 },
      });
      await probot.receive({ id: "d-1", name: "pull_request", payload: installationEvent("pull_request.opened", 42) });
      const running = worker.drain();
      await eventually(async () => runs === 1);
      return { clock, worker, running, release, runs: () => runs };
    }

    it("keeps its claim renewed, so that no other worker takes the delivery", async () => {
      const { clock, running, release, runs } = await slowDelivery();
      clock.advance(1000); // far past the lease, in the ledger's time
      // The claim is renewed every 100 ms here: it moves to the clock's present.
      await eventually(async () => (await store.inbox.getDelivery("d-1"))?.lockedAt === T0 + 1000);
      expect(await store.inbox.claimDeliveries({ worker: "other", limit: 5, now: T0 + 1200, leaseMs: 300 })).toEqual(
        [],
      );
      release();
      await running;
      expect(runs()).toBe(1);
      expect(await store.inbox.getDelivery("d-1")).toMatchObject({ status: "done", attempts: 1 });
    });

    it("is not run a second time by its own worker when the lease ran out all the same", async () => {
      const { clock, worker, running, release, runs } = await slowDelivery();
      clock.advance(1000); // before any renewal: the claim looks abandoned
      await worker.drain(); // claims it again, and leaves it to the run in hand (no second attempt)
      expect(await store.inbox.getDelivery("d-1")).toMatchObject({ status: "processing", attempts: 1 });
      release();
      await running;
      expect(runs()).toBe(1);
      expect(await store.inbox.getDelivery("d-1")).toMatchObject({ status: "done" });
    });
  });

  it("marks an unparseable payload failed at once instead of retrying it", async () => {
    const { worker } = await loadApp({ store, now: () => T0, handlers: {} });
    await store.inbox.enqueueDelivery({
      id: "bad",
      event: "push",
      action: null,
      installationId: 1,
      repositoryId: null,
      repositoryFullName: null,
      receivedAt: T0,
      payload: "{not json",
    });
    await worker.drain();
    expect(await store.inbox.getDelivery("bad")).toMatchObject({
      status: "failed",
      attempts: 1,
      lastError: "payload is not valid JSON",
    });
  });

  const HOUR = 3_600_000;
  it.each<[string, number | string | undefined, number]>([
    ["epoch seconds", Math.floor((T0 - HOUR) / 1000), T0 - HOUR],
    ["ISO 8601", new Date(T0 - HOUR).toISOString(), T0 - HOUR],
    ["absent: the delivery's receipt", undefined, T0],
    ["later than its receipt (a wrong clock): the receipt", Math.floor((T0 + 2 * HOUR) / 1000), T0],
  ])(
    "hears an installation's repositories since GitHub installed it (created_at %s)",
    async (_name, createdAt, expected) => {
      const clock = manualClock(T0);
      const created = webhookFixture("installation.created");
      if (createdAt === undefined) delete created.installation.created_at;
      else created.installation.created_at = createdAt;
      nock(API)
        .get("/installation/repositories")
        .query({ per_page: 100 })
        .reply(200, { total_count: 0, repositories: [] });
      const { probot, worker } = await loadApp({ store, now: clock.now, handlers: defaultHandlers });
      await probot.receive({ id: "i-created-at", name: "installation", payload: created });
      await worker.drain();
      const [repository] = await store.installations.listRepositories(created.installation.id);
      expect(repository?.installedSince).toBe(expected);
    },
  );

  it("records installations and their repositories, default branches included", async () => {
    const clock = manualClock(T0);
    const created = webhookFixture("installation.created");
    const id: number = created.installation.id;
    nock(API)
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, {
        total_count: 2,
        repositories: [
          { id: 186853002, full_name: "Codertocat/Hello-World", private: false, default_branch: "main" },
          { id: 99, full_name: "Codertocat/api", private: true, default_branch: "trunk" },
        ],
      });
    const { probot, worker } = await loadApp({ store, now: clock.now, handlers: defaultHandlers });
    await probot.receive({ id: "i-1", name: "installation", payload: created });
    await worker.drain();
    expect(await store.installations.getInstallation(id)).toMatchObject({
      accountLogin: "Codertocat",
      accountType: "User",
    });
    expect(
      (await store.installations.listRepositories(id)).map((r) => [r.fullName, r.defaultBranch, r.private]),
    ).toEqual([
      ["Codertocat/api", "trunk", true],
      ["Codertocat/Hello-World", "main", false],
    ]);

    const removed = webhookFixture("installation_repositories.removed");
    removed.installation.id = id;
    removed.installation.account = created.installation.account;
    removed.repositories_removed = [{ id: 99, full_name: "Codertocat/api", private: true }];
    await probot.receive({ id: "i-2", name: "installation_repositories", payload: removed });
    const deleted = webhookFixture("installation.deleted");
    deleted.installation.id = id;
    deleted.installation.account = created.installation.account;
    clock.advance(1000);
    await probot.receive({ id: "i-3", name: "installation", payload: deleted });
    await worker.drain();
    expect((await store.installations.listRepositories(id)).map((r) => r.fullName)).toEqual(["Codertocat/Hello-World"]);
    expect(await store.installations.getInstallation(id)).toMatchObject({ deletedAt: T0 + 1000 });
    expect(await store.inbox.countDeliveries()).toMatchObject({ done: 3, failed: 0 });
  });

  it("moves a repository to another installation by the events received after it left, not by a late one", async () => {
    const clock = manualClock(T0);
    const { probot, worker } = await loadApp({ store, now: clock.now, handlers: installationHandlers });
    // Installation 42 has the repository; then an installation event gives it to 43 (a transfer).
    await probot.receive({ id: "d-1", name: "pull_request", payload: installationEvent("pull_request.opened", 42) });
    await worker.drain();
    const added = webhookFixture("installation_repositories.added");
    added.installation.id = 43;
    const repository = installationEvent("pull_request.opened", 42).repository;
    added.repositories_added = [{ id: repository.id, full_name: repository.full_name, private: false }];
    nock(API)
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, {
        total_count: 1,
        repositories: [
          { id: repository.id, full_name: repository.full_name, private: false, default_branch: "master" },
        ],
      });
    await probot.receive({ id: "d-2", name: "installation_repositories", payload: added });
    await worker.drain();
    expect((await store.installations.listRepositories(43)).map((r) => r.id)).toEqual([repository.id]);
    // A late delivery of installation 42 about the repository leaves it with 43.
    await probot.receive({ id: "d-3", name: "pull_request", payload: installationEvent("pull_request.closed", 42) });
    await worker.drain();
    expect((await store.installations.listRepositories(43)).map((r) => r.id)).toEqual([repository.id]);
    expect(await store.installations.listRepositories(42)).toEqual([]);
    // Transferred again, into an installation of all repositories (which may get no installation
    // event for it): its first delivery, received after, moves the repository, once GitHub
    // confirms that the repository (by name and id) is that installation's.
    clock.advance(60_000);
    nock(API)
      .get("/repos/Codertocat/Hello-World/installation")
      .reply(200, { id: 44, account: { id: 21031067, login: "Codertocat", type: "User" } })
      .get(`/repositories/${repository.id}`)
      .reply(200, { id: repository.id, full_name: repository.full_name });
    await probot.receive({ id: "d-4", name: "pull_request", payload: installationEvent("pull_request.opened", 44) });
    await worker.drain();
    expect((await store.installations.listRepositories(44)).map((r) => r.id)).toEqual([repository.id]);
  });

  it("reads the organisation-wide file when the installation can see the .github repository", async () => {
    const created = webhookFixture("installation.created");
    const id: number = created.installation.id;
    const github = { id: 7, name: ".github", full_name: "Codertocat/.github", owner: { login: "Codertocat" } };
    nock(API)
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, {
        total_count: 2,
        repositories: [
          { ...github, private: false, default_branch: "main" },
          { id: 99, name: "api", full_name: "Codertocat/api", owner: { login: "Codertocat" }, private: true },
        ],
      })
      .get("/repos/Codertocat/.github/contents/.github%2Fshipledger.yml")
      .reply(200, contentsFile(".github/shipledger.yml", "metric:\n  minGroupSize: 4\n"));
    const { probot, worker } = await loadApp({ store, now: manualClock(T0).now, handlers: defaultHandlers });
    await probot.receive({ id: "i-1", name: "installation", payload: created });
    await worker.drain();
    expect(await store.inbox.countDeliveries()).toMatchObject({ done: 1, failed: 0 });
    expect((await store.installations.getInstallation(id))?.minGroupSize).toBe(4);
    const settings = (await store.installations.listRepositories(id)).map((r) => [r.fullName, r.metricSettings]);
    // The .github repository's own settings are its file's; the others have not been read yet.
    expect(settings).toContainEqual(["Codertocat/.github", { revertWindowDays: 14, ignorePaths: [], minGroupSize: 4 }]);
    expect(settings.filter(([name]) => name !== "Codertocat/.github").map(([, s]) => s)).toEqual([null, null]);
    expect(nock.isDone()).toBe(true);
  });

  it("serves a health check, which reads the backlog, not every delivery ever kept", async () => {
    // Done deliveries are kept: a probe every few seconds must not count them all.
    const counted = vi.spyOn(store.inbox, "countDeliveries");
    const { routes } = await loadApp({ store, handlers: {} });
    const { createServer } = await import("node:http");
    const server = createServer(async (req, res) => {
      for (const route of routes) if (await route(req, res)) return;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    nock.enableNetConnect("127.0.0.1");
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(counted).not.toHaveBeenCalled();
    server.close();
  });
});
