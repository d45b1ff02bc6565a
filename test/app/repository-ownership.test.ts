// Which installation a repository belongs to, as deliveries claim it: a signed delivery is not
// proof. A repository is taken under an installation only when its owner is the installation's
// account, or when GitHub confirms it (a transfer, a reinstall); a delivery naming another
// installation fails for good and moves nothing. Webhooks in through the app, both dialects.
import { createServer, type Server } from "node:http";
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { installationHandlers } from "../../src/handlers/installation.js";
import type { DeliveryHandler } from "../../src/handlers/types.js";
import type { Store } from "../../src/store/types.js";
import { createApiHandler } from "../../src/web/api.js";
import { installationEvent, type Payload, webhookFixture } from "../helpers/fixtures.js";
import { loadApp, manualClock } from "../helpers/probot.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const API = "https://api.github.com";
const ACME = { id: 1001, login: "acme", type: "Organization" };
const GLOBEX = { id: 2002, login: "globex", type: "Organization" };
const SHOP = { id: 10, name: "shop" };
const SITE = { id: 20, name: "site" };
const TOKEN = "token-for-globex-0123456789";

const repo = (account: typeof ACME, r: typeof SHOP) => ({
  id: r.id,
  name: r.name,
  full_name: `${account.login}/${r.name}`,
  private: false,
  default_branch: "main",
  owner: { id: account.id, login: account.login, type: account.type },
});

function installed(installationId: number, account: typeof ACME, repository: typeof SHOP): Payload {
  const payload = webhookFixture("installation.created");
  payload.installation.id = installationId;
  payload.installation.account = { ...payload.installation.account, ...account };
  payload.repositories = [{ id: repository.id, full_name: `${account.login}/${repository.name}`, private: false }];
  return payload;
}

/** A pull_request delivery of `installationId` about `repository` as the payload describes it. */
function pullRequest(installationId: number, repository: ReturnType<typeof repo>): Payload {
  const payload = installationEvent("pull_request.opened", installationId);
  payload.repository = { ...payload.repository, ...repository };
  return payload;
}

eachDialect("repositories change installation only as GitHub says", ({ newStore }) => {
  let store: Store;
  let server: Server | undefined;
  let handled: string[];
  /** How many pull_request runs still fail (as a GitHub 5xx would), to be retried later. */
  let failures = 0;
  let clock = manualClock(T0);
  beforeEach(async () => {
    clock = manualClock(T0);
    nock.disableNetConnect();
    store = await newStore();
    handled = [];
    failures = 0;
  });
  afterEach(async () => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    server?.close();
    server = undefined;
    expect(pending).toEqual([]);
  });

  async function app() {
    const spy: DeliveryHandler = async ({ delivery }) => {
      if (failures > 0) {
        failures--;
        throw new Error("HTTP 502 Server Error");
      }
      handled.push(delivery.id);
    };
    const loaded = await loadApp({
      store,
      now: clock.now,
      handlers: { ...installationHandlers, pull_request: [spy] },
    });
    let n = 0;
    return {
      ...loaded,
      async deliver(name: string, payload: Payload) {
        const id = `d-${++n}`;
        await loaded.probot.receive({ id, name: name as never, payload });
        await loaded.worker.drain();
        return store.inbox.getDelivery(id);
      },
    };
  }

  /** acme (installation 42) has acme/shop; globex (installation 43) has globex/site. */
  async function twoAccounts() {
    const a = await app();
    for (const [installation, account, repository] of [
      [42, ACME, SHOP],
      [43, GLOBEX, SITE],
    ] as const) {
      nock(API)
        .get("/installation/repositories")
        .query({ per_page: 100 })
        .reply(200, { total_count: 1, repositories: [repo(account, repository)] });
      expect(await a.deliver("installation", installed(installation, account, repository))).toMatchObject({
        status: "done",
      });
    }
    return a;
  }

  /** The repositories globex's token sees on /metrics. */
  const globexMetrics = () => metricsOf("globex");

  /** The repositories a token of `owner` sees on /metrics. */
  async function metricsOf(owner: string): Promise<string> {
    server?.close();
    const handler = createApiHandler({
      store,
      tokens: [{ token: TOKEN, owners: [owner] }],
      now: clock.now,
      metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
    });
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const address = server.address();
    nock.enableNetConnect("127.0.0.1");
    const res = await fetch(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return [...new Set([...(await res.text()).matchAll(/repository="([^"]+)"/g)].map((m) => m[1]))].join(" ");
  }

  const repositoriesOf = async (installation: number) =>
    (await store.installations.listRepositories(installation)).map((r) => r.id);

  it("a signed delivery naming another installation for acme's repository fails, says why, and moves nothing", async () => {
    const { deliver } = await twoAccounts();
    nock(API).get("/repos/acme/shop/installation").reply(200, { id: 42, account: ACME });
    const forged = await deliver("pull_request", pullRequest(43, repo(ACME, SHOP)));
    expect(forged).toMatchObject({
      status: "failed",
      lastError:
        "repository acme/shop (id 10) belongs to installation 42 on GitHub, but the delivery names installation 43; nothing was recorded",
    });
    expect(handled).toEqual([]);
    expect(await repositoriesOf(42)).toEqual([SHOP.id]);
    expect(await repositoriesOf(43)).toEqual([SITE.id]);
    expect(await globexMetrics()).not.toContain("acme/shop");
  });

  it("a delivery giving acme's repository id under globex's own name is refused: the id is asked too", async () => {
    const { deliver } = await twoAccounts();
    clock.advance(60_000);
    nock(API)
      .get("/repos/globex/shop/installation")
      .reply(200, { id: 43, account: GLOBEX })
      .get(`/repositories/${SHOP.id}`)
      .reply(200, { id: SHOP.id, full_name: "acme/shop" });
    const forged = await deliver("pull_request", pullRequest(43, repo(GLOBEX, SHOP)));
    expect(forged).toMatchObject({
      status: "failed",
      lastError:
        "repository id 10 is acme/shop on GitHub, not globex/shop as the delivery of installation 43 says; nothing was moved",
    });
    expect(await repositoriesOf(42)).toEqual([SHOP.id]);
    expect(await repositoriesOf(43)).toEqual([SITE.id]);
  });

  it("an installation event listing acme's repository under globex moves it only if GitHub's listing has it", async () => {
    const { deliver } = await twoAccounts();
    clock.advance(60_000);
    const added = webhookFixture("installation_repositories.added");
    added.installation.id = 43;
    added.installation.account = { ...added.installation.account, ...GLOBEX };
    added.repositories_added = [{ id: SHOP.id, full_name: "acme/shop", private: false }];
    // GitHub, asked as installation 43, lists what 43 really has.
    nock(API)
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, { total_count: 1, repositories: [repo(GLOBEX, SITE)] });
    expect(await deliver("installation_repositories", added)).toMatchObject({ status: "done" });
    expect(await repositoriesOf(42)).toEqual([SHOP.id]);
    expect(await repositoriesOf(43)).toEqual([SITE.id]);
  });

  it("an installation event giving acme's installation another account fails and changes nothing", async () => {
    const { deliver } = await twoAccounts();
    const forged = await deliver("installation", {
      ...installed(42, GLOBEX, SITE),
      action: "new_permissions_accepted",
    });
    expect(forged).toMatchObject({
      status: "failed",
      lastError:
        "installation 42 belongs to account 1001 (acme), but the delivery names account 2002 (globex); nothing was recorded",
    });
    expect(await store.installations.getInstallation(42)).toMatchObject({ accountId: ACME.id, accountLogin: "acme" });
    expect(await globexMetrics()).toBe("globex/site");
  });

  it("a real transfer (GitHub confirms the installation and the repository) still moves it, with its history", async () => {
    const { deliver } = await twoAccounts();
    clock.advance(60_000);
    nock(API)
      .get("/repos/globex/shop/installation")
      .reply(200, { id: 43, account: GLOBEX })
      .get(`/repositories/${SHOP.id}`)
      .reply(200, { id: SHOP.id, full_name: "globex/shop" });
    const moved = await deliver("pull_request", pullRequest(43, repo(GLOBEX, SHOP)));
    expect(moved).toMatchObject({ status: "done" });
    expect(handled).toEqual([moved?.id]);
    expect(await repositoriesOf(42)).toEqual([]);
    expect(await repositoriesOf(43)).toEqual([SHOP.id, SITE.id]);
    expect(await globexMetrics()).toBe("globex/shop globex/site");
  });

  it("the first delivery of an installation not seen before takes its owner as the account; another owner is asked", async () => {
    const { deliver } = await app();
    expect(await deliver("pull_request", pullRequest(42, repo(ACME, SHOP)))).toMatchObject({ status: "done" });
    expect(await store.installations.getInstallation(42)).toMatchObject({ accountId: ACME.id, accountLogin: "acme" });
    // Another account's repository under acme's installation: GitHub knows no installation of it.
    nock(API).get("/repos/globex/site/installation").reply(404, { message: "Not Found" });
    const forged = await deliver("pull_request", pullRequest(42, repo(GLOBEX, SITE)));
    expect(forged).toMatchObject({
      status: "failed",
      lastError:
        "repository globex/site (id 20): GitHub says the app is not installed on it, but the delivery names installation 42; nothing was recorded",
    });
    expect(await repositoriesOf(42)).toEqual([SHOP.id]);
  });

  it("a late delivery of a repository removed from the installation does not put it back", async () => {
    const a = await twoAccounts();
    // A pull request of acme/shop, received first, fails (GitHub answered 5xx) and waits for its retry.
    failures = 1;
    clock.advance(60_000);
    await a.probot.receive({ id: "late", name: "pull_request", payload: pullRequest(42, repo(ACME, SHOP)) });
    await a.worker.drain();
    expect(await store.inbox.getDelivery("late")).toMatchObject({ status: "pending", attempts: 1 });
    // Then acme/shop is taken out of the installation's selected repositories.
    clock.advance(1_000);
    const removed = webhookFixture("installation_repositories.removed");
    removed.installation.id = 42;
    removed.installation.account = { ...removed.installation.account, ...ACME };
    removed.repositories_removed = [{ id: SHOP.id, full_name: "acme/shop", private: false }];
    expect(await a.deliver("installation_repositories", removed)).toMatchObject({ status: "done" });
    expect(await repositoriesOf(42)).toEqual([]);
    // The retry of the pull request, received before the removal, runs after it.
    clock.advance(15 * 60_000);
    await a.worker.drain();
    expect(await store.inbox.getDelivery("late")).toMatchObject({ status: "done" });
    expect(handled).toEqual(["late"]);
    expect(await repositoriesOf(42)).toEqual([]);
    expect(await metricsOf("acme")).toBe("");
  });

  it("a late delivery of an installation that was deleted since does not bring it back", async () => {
    const a = await twoAccounts();
    await store.spend.createIngestToken({
      installationId: 42,
      name: "agents",
      tokenHash: "h".repeat(64),
      createdAt: T0,
    });
    // acme adds a repository; GitHub's listing answers 5xx and the delivery waits for its retry.
    clock.advance(60_000);
    const added = webhookFixture("installation_repositories.added");
    added.installation.id = 42;
    added.installation.account = { ...added.installation.account, ...ACME };
    added.repositories_added = [{ id: 30, full_name: "acme/docs", private: false }];
    nock(API).get("/installation/repositories").query({ per_page: 100 }).reply(502, { message: "Server Error" });
    await a.probot.receive({ id: "late", name: "installation_repositories", payload: added });
    await a.worker.drain();
    expect(await store.inbox.getDelivery("late")).toMatchObject({ status: "pending", attempts: 1 });
    // Then acme uninstalls the app.
    clock.advance(1_000);
    const deleted = webhookFixture("installation.deleted");
    deleted.installation.id = 42;
    deleted.installation.account = { ...deleted.installation.account, ...ACME };
    expect(await a.deliver("installation", deleted)).toMatchObject({ status: "done" });
    const deletedAt = clock.now();
    // The retry, received before the uninstall, runs after it (GitHub no longer lists anything for it).
    nock(API).get("/installation/repositories").query({ per_page: 100 }).reply(404, { message: "Not Found" });
    clock.advance(15 * 60_000);
    await a.worker.drain();
    expect(await store.inbox.getDelivery("late")).toMatchObject({ attempts: 2 });
    expect(await store.installations.getInstallation(42)).toMatchObject({ deletedAt });
    // Its ingest tokens stay dead.
    expect(await store.spend.findIngestToken("h".repeat(64))).toMatchObject({ installed: false });
  });
});
