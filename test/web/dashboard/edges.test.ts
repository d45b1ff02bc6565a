// The dashboard's edges: a malformed escape in a path is a 404 with the dashboard's security
// headers (it was a URIError: a JSON 500 without them, and an error log line any user could
// repeat); an installation the app was removed from is gone from every page, even for a session
// that listed it at sign-in; an error of ours is a 500 page with the security headers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { createDashboardRoutes } from "../../../src/web/dashboard/routes.js";
import type { DashboardAuth, DashboardUser } from "../../../src/web/dashboard/types.js";
import { createHttpServer, type HttpServer } from "../../../src/web/http-server.js";
import { DAY, seedRepository } from "../../helpers/ledger-seed.js";

const NOW = Date.UTC(2026, 10, 24, 12);
const METRIC = { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] as string[] };
const USER: DashboardUser = { userId: 42, login: "lead", installationIds: [1, 3], repositoryIds: { 1: [10], 3: [30] } };
const auth: DashboardAuth = {
  routes: async () => false,
  user: async () => USER,
  csrfToken: async () => "c",
  checkCsrf: async () => false,
};
let store: Store;
let http: HttpServer;
const errors: unknown[] = [];

beforeAll(async () => {
  store = await openStore(":memory:");
  await seedRepository(store, 1, "acme", 10, "shop", NOW - 60 * DAY);
  await seedRepository(store, 3, "gone", 30, "old", NOW - 60 * DAY);
  await store.installations.markInstallationDeleted(3, NOW - DAY);
  const log = { info() {}, warn() {}, error: (o: unknown) => errors.push(o), debug() {}, isLevelEnabled: () => false };
  http = createHttpServer({ host: "127.0.0.1", port: 0, log: log as never });
  http.use(
    createDashboardRoutes({ store, auth, metric: METRIC, now: () => NOW, webUrl: "https://github.com", secure: true }),
  );
  await http.start();
});
afterAll(async () => {
  await http.stop(100);
  await store.close();
});

describe("the dashboard's edges", () => {
  it("a malformed percent-escape in the owner answers 404 with the security headers", async () => {
    for (const path of ["/dashboard/o/%E0", "/dashboard/o/acme/r/%E0"]) {
      const res = await fetch(`${http.url}${path}`);
      expect(res.headers.get("content-security-policy"), path).not.toBeNull();
      expect(res.status, path).toBe(404);
    }
    expect(errors).toEqual([]);
  });

  it("an uninstalled installation is not shown, even to a session that listed it", async () => {
    const list = await (await fetch(`${http.url}/dashboard`)).text();
    expect(list).not.toContain("gone");
    for (const path of [
      "/dashboard/o/gone",
      "/dashboard/o/gone/r/old",
      "/dashboard/o/gone/audit",
      "/dashboard/o/gone/status",
    ]) {
      expect((await fetch(`${http.url}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${http.url}/dashboard/o/acme`)).status).toBe(200);
  });

  it("an error of ours is a 500 page with the security headers, logged once", async () => {
    const getInstallation = store.installations.getInstallation.bind(store.installations);
    store.installations.getInstallation = async () => {
      throw new Error("the ledger went away");
    };
    try {
      const res = await fetch(`${http.url}/dashboard`);
      expect(res.status).toBe(500);
      expect(res.headers.get("content-security-policy")).not.toBeNull();
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("Something went wrong");
      expect(errors).toHaveLength(1);
    } finally {
      store.installations.getInstallation = getInstallation;
      errors.length = 0;
    }
  });
});
