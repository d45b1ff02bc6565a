// API tokens are scoped to accounts, not to logins, which change hands: a token keeps reading its
// account after a rename, never reads another account that takes the old name (the login is then
// ambiguous, and the API says so), and accounts can be named by id. Installations and renames
// arrive as webhooks through the app; reports go out through the HTTP API; both dialects.
import { createServer, type Server } from "node:http";
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { ApiToken } from "../../src/config/env.js";
import { installationHandlers } from "../../src/handlers/installation.js";
import type { Store } from "../../src/store/types.js";
import { createApiHandler } from "../../src/web/api.js";
import { type Payload, webhookFixture } from "../helpers/fixtures.js";
import { DAY, seedChange, seedDeployment } from "../helpers/ledger-seed.js";
import { loadApp, manualClock } from "../helpers/probot.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.UTC(2026, 10, 24, 12);
const API = "https://api.github.com";
const ACME = { id: 1001, login: "acme", type: "Organization" };
const TAKER = { id: 3003, login: "acme", type: "Organization" };
const ACME_TOKEN = "token-for-acme-0123456789";
const ACME_ID_TOKEN = "token-for-id-1001-0123456789";
const TAKER_ID_TOKEN = "token-for-id-3003-0123456789";
const UNKNOWN_TOKEN = "token-for-unknown-0123456789";
const TOKENS: ApiToken[] = [
  { token: ACME_TOKEN, owners: ["acme"] },
  { token: ACME_ID_TOKEN, owners: [], accountIds: [ACME.id] },
  { token: TAKER_ID_TOKEN, owners: [], accountIds: [TAKER.id] },
  { token: UNKNOWN_TOKEN, owners: ["unknown"] },
];

function installed(installationId: number, account: typeof ACME | null, repositoryId: number, name: string): Payload {
  const payload = webhookFixture("installation.created");
  payload.installation.id = installationId;
  payload.installation.account = account && { ...payload.installation.account, ...account };
  payload.repositories = [];
  nock(API)
    .get("/installation/repositories")
    .query({ per_page: 100 })
    .reply(200, {
      total_count: 1,
      repositories: [
        {
          id: repositoryId,
          name,
          full_name: `${account?.login ?? "ghost"}/${name}`,
          private: false,
          default_branch: "main",
        },
      ],
    });
  return payload;
}

const renamed = (installationId: number, account: typeof ACME, from: string): Payload => ({
  action: "renamed",
  account: { ...account, node_id: "O_1" },
  changes: { login: { from } },
  target_type: "Organization",
  installation: { id: installationId },
});

eachDialect("API tokens follow accounts, not logins", ({ newStore }) => {
  let store: Store;
  let server: Server;
  let base: string;
  let n = 0;
  beforeEach(async () => {
    nock.disableNetConnect();
    store = await newStore();
    const handler = createApiHandler({
      store,
      tokens: TOKENS,
      now: () => NOW,
      metric: { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] },
    });
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    nock.enableNetConnect("127.0.0.1");
  });
  afterEach(async () => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    server.close();
    expect(pending).toEqual([]);
  });

  async function deliver(name: string, payload: Payload) {
    const { probot, worker } = await loadApp({
      store,
      now: manualClock(NOW - 30 * DAY).now,
      handlers: installationHandlers,
    });
    const id = `d-${++n}`;
    await probot.receive({ id, name: name as never, payload });
    await worker.drain();
    expect(await store.inbox.getDelivery(id)).toMatchObject({ status: "done" });
  }

  /** One AI-assisted change shipped in the installation's repository. */
  async function ship(installationId: number, repositoryId: number, engineer: string) {
    const sha = await seedChange(store, installationId, repositoryId, {
      number: 1,
      engineer,
      ai: true,
      mergedAt: NOW - 5 * DAY,
    });
    await seedDeployment(store, installationId, repositoryId, `${installationId}`, NOW - 4 * DAY, [sha]);
  }

  const get = async (path: string, token: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.text() };
  };
  const scopeOf = (body: string) => (JSON.parse(body) as { scope: string }).scope;

  /** acme (account 1001, installation 42, acme/shop) renamed to acme-renamed. */
  async function acmeRenamed() {
    await deliver("installation", installed(42, ACME, 10, "shop"));
    await ship(42, 10, "ana");
    expect(scopeOf((await get("/api/v1/report?org=acme", ACME_TOKEN)).body)).toBe("acme (organisation)");
    await deliver("installation_target", renamed(42, { ...ACME, login: "acme-renamed" }, "acme"));
    expect(await store.installations.getInstallation(42)).toMatchObject({
      accountId: ACME.id,
      accountLogin: "acme-renamed",
    });
  }

  it("after a rename, a token for the old login still reads the same account, by either name", async () => {
    await acmeRenamed();
    for (const path of ["/api/v1/report?org=acme", "/api/v1/report?org=acme-renamed"]) {
      const res = await get(path, ACME_TOKEN);
      expect(res.status).toBe(200);
      expect(scopeOf(res.body)).toBe("acme-renamed (organisation)");
    }
    const repo = await get("/api/v1/report?repo=acme-renamed/shop", ACME_TOKEN);
    expect([repo.status, scopeOf(repo.body)]).toEqual([200, "acme/shop"]);
    expect((await get("/metrics", ACME_TOKEN)).body).toContain('shipledger_changes_shipped{repository="acme/shop"} 1');
    expect((await get("/api/v1/report?org=acme-renamed", ACME_ID_TOKEN)).status).toBe(200);
  });

  it("an account that takes the freed name is never read by the old token: the login is ambiguous, and the API says so", async () => {
    await acmeRenamed();
    await deliver("installation", installed(44, TAKER, 30, "landing"));
    await ship(44, 30, "zed");
    const ambiguity =
      'the owner "acme" is ambiguous: 2 accounts known to this instance have had that login (account ids 1001, 3003); name the account by its id (id:NUMBER)';
    for (const path of ["/api/v1/report?org=acme", "/api/v1/report?repo=acme/landing", "/metrics"]) {
      const res = await get(path, ACME_TOKEN);
      expect(res.status).toBe(409);
      expect(JSON.parse(res.body)).toEqual({ error: ambiguity });
      expect(res.body).not.toContain("landing");
    }
    // Named by id, each account is read, whatever its login: the token's own account decides.
    const taker = await get("/api/v1/report?org=acme", TAKER_ID_TOKEN);
    expect([taker.status, scopeOf(taker.body)]).toEqual([200, "acme (organisation)"]);
    expect((await get("/metrics", TAKER_ID_TOKEN)).body).toContain('repository="acme/landing"');
    const original = await get("/api/v1/report?org=acme", ACME_ID_TOKEN);
    expect([original.status, scopeOf(original.body)]).toEqual([200, "acme-renamed (organisation)"]);
    expect((await get("/metrics", ACME_ID_TOKEN)).body).not.toContain("landing");
    // A token for neither learns nothing of either.
    expect((await get("/api/v1/report?org=acme", UNKNOWN_TOKEN)).status).toBe(404);
  });

  it("two installations seen under one login before their account ids were known are ambiguous too", async () => {
    for (const [id, at] of [
      [50, NOW - 20 * DAY],
      [51, NOW - 10 * DAY],
    ] as const) {
      await store.installations.upsertInstallation({
        id,
        accountLogin: "initech",
        accountType: "Organization",
        now: at,
      });
    }
    const handler = createApiHandler({
      store,
      tokens: [{ token: ACME_TOKEN, owners: ["initech"] }],
      now: () => NOW,
      metric: { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] },
    });
    const res = {
      status: 0,
      body: "",
      writeHead(status: number) {
        this.status = status;
        return this;
      },
      end(body: string) {
        this.body = body;
      },
    };
    await handler(
      { url: "/api/v1/report?org=initech", method: "GET", headers: { authorization: `Bearer ${ACME_TOKEN}` } } as never,
      res as never,
    );
    expect(res.status).toBe(409);
    expect(JSON.parse(res.body).error).toContain('the owner "initech" is ambiguous');
  });

  it("an installation whose account has no login is never matched by the login 'unknown'", async () => {
    await deliver("installation", installed(60, null, 40, "hidden"));
    await ship(60, 40, "ana");
    expect(await store.installations.getInstallation(60)).toMatchObject({ accountId: null, accountLogin: "unknown" });
    expect((await get("/api/v1/report?org=unknown", UNKNOWN_TOKEN)).status).toBe(404);
    expect((await get("/metrics", UNKNOWN_TOKEN)).body).not.toContain("hidden");
  });
});
