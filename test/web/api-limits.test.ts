// The work an API token can make the server do is bounded (issue #13, item 17): reports computed
// at once (per token and for the process), the changes one report may read, and /metrics computed
// once per scope and cache period. Through the real HTTP handler; work is counted as store calls.
import { createServer, type Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiLimits, ApiToken } from "../../src/config/env.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { createApiHandler } from "../../src/web/api.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { manualClock } from "../helpers/probot.js";

const NOW = Date.UTC(2026, 10, 24, 12);
const ACME = "token-for-acme-0123456789";
const ACME_TOO = "another-token-for-acme-0123";
const GLOBEX = "token-for-globex-0123456789";
const TOKENS: ApiToken[] = [
  { token: ACME, owners: ["acme"] },
  { token: ACME_TOO, owners: ["acme"] },
  { token: GLOBEX, owners: ["globex"] },
];
const METRIC = { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] };

/**
 * The store, with every call counted by method; `hold()` makes report reads wait until released
 * (and tells when one is waiting), so that a test can keep reports in flight as long as it likes.
 */
function instrumented(inner: Store) {
  const calls = new Map<string, number>();
  let held: { release: Promise<void>; waiting: () => void } | null = null;
  // The store's aggregates (store.reports, store.installations, …) are counted method by method.
  const counted = <T extends object>(object: T): T =>
    new Proxy(object, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (value !== null && typeof value === "object") return counted(value);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
          if (held && property === "listReportChanges") {
            const { release, waiting } = held;
            waiting();
            await release;
          }
          return value.apply(target, args);
        };
      },
    });
  const store = counted(inner);
  return {
    store,
    /** Store calls so far, all methods together or one method's. */
    calls: (method?: string) =>
      method === undefined ? [...calls.values()].reduce((a, b) => a + b, 0) : (calls.get(method) ?? 0),
    hold() {
      let release!: () => void;
      const released = new Promise<void>((r) => {
        release = r;
      });
      const waits: Array<() => void> = [];
      let waiting = 0;
      held = {
        release: released,
        waiting: () => {
          waiting++;
          for (const w of waits.splice(0)) w();
        },
      };
      return {
        /** Resolves once `n` report reads are waiting. */
        async waiting(n: number) {
          while (waiting < n) await new Promise<void>((r) => waits.push(r));
        },
        release() {
          held = null;
          release();
        },
      };
    },
  };
}

let inner: Store;
const servers: Server[] = [];

beforeEach(async () => {
  inner = await openStore(":memory:");
  await seedRepository(inner, 1, "acme", 10, "shop", NOW - 60 * DAY);
  await seedRepository(inner, 2, "globex", 20, "secret", NOW - 60 * DAY);
  const shas: string[] = [];
  for (const [i, engineer] of ["ana", "ben", "cy", "dee", "eve"].entries()) {
    shas.push(await seedChange(inner, 1, 10, { number: i + 1, engineer, ai: i < 3, mergedAt: NOW - 10 * DAY }));
  }
  await seedDeployment(inner, 1, 10, "1", NOW - 9 * DAY, shas);
  const secret = await seedChange(inner, 2, 20, { number: 1, engineer: "zed", ai: true, mergedAt: NOW - 5 * DAY });
  await seedDeployment(inner, 2, 20, "9", NOW - 4 * DAY, [secret]);
});
afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  await inner.close();
});

async function serve(store: Store, options: { now?: () => number; limits?: Partial<ApiLimits> } = {}) {
  const handler = createApiHandler({
    store,
    tokens: TOKENS,
    now: options.now ?? (() => NOW),
    metric: METRIC,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const server = createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return (path: string, token: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe("/metrics: computed once per token scope and cache period", () => {
  it("serves a scope's text from its cache until the period ends, and never another scope's", async () => {
    const clock = manualClock(NOW);
    const { store, calls } = instrumented(inner);
    const get = await serve(store, { now: clock.now, limits: { metricsCacheMs: 30_000 } });

    const first = await (await get("/metrics", ACME)).text();
    expect(first).toContain('shipledger_changes_shipped{repository="acme/shop"} 5');
    const computed = calls();
    expect(computed).toBeGreaterThan(0);

    // Scraped again within the period: the same text, and not one query.
    clock.advance(29_999);
    expect(await (await get("/metrics", ACME)).text()).toBe(first);
    expect(calls()).toBe(computed);

    // Another owner's token is computed for its own scope, and never given acme's text…
    const globex = await (await get("/metrics", GLOBEX)).text();
    expect(calls()).toBeGreaterThan(computed);
    expect(globex).toContain('shipledger_changes_shipped{repository="globex/secret"} 1');
    expect(globex).not.toContain("acme");
    // …nor acme globex's.
    const afterGlobex = calls();
    const again = await (await get("/metrics", ACME)).text();
    expect(again).toBe(first);
    expect(again).not.toContain("globex");
    expect(calls()).toBe(afterGlobex);

    // Once the period is over, it is computed again.
    clock.advance(1);
    expect(await (await get("/metrics", ACME)).text()).toBe(first);
    expect(calls()).toBeGreaterThan(afterGlobex);
  });

  it("computes once for scrapes that arrive while it runs", async () => {
    const { store, calls, hold } = instrumented(inner);
    const get = await serve(store);
    const held = hold();
    const scrapes = [get("/metrics", ACME), get("/metrics", ACME_TOO)];
    await held.waiting(1);
    held.release();
    const texts = await Promise.all(scrapes.map(async (r) => (await r).text()));
    expect(texts[0]).toContain('shipledger_changes_shipped{repository="acme/shop"} 5');
    expect(texts[1]).toBe(texts[0]);
    expect(calls("listReportChanges")).toBe(1);
  });
});

describe("reports in flight: a few per token, a few for the process", () => {
  it("answers 429 to a token at its limit and 503 when the process is at its own, with Retry-After", async () => {
    const { store, hold } = instrumented(inner);
    const get = await serve(store, { limits: { maxReports: 2, maxReportsPerToken: 1 } });
    const held = hold();

    const first = get("/api/v1/report?org=acme", ACME);
    await held.waiting(1);
    // The same token again, for a report or a scrape: its one report is in flight.
    for (const path of ["/api/v1/report?repo=acme/shop", "/metrics"]) {
      const refused = await get(path, ACME);
      expect(refused.status, path).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(await refused.json()).toEqual({
        error: "this token already has 1 reports being computed (API_MAX_REPORTS_PER_TOKEN); retry when one is done",
      });
    }
    // Another token takes the process's second slot…
    const second = get("/api/v1/report?org=acme&since=2021-12-01", ACME_TOO);
    await held.waiting(2);
    // …and then no token gets a third.
    const busy = await get("/api/v1/report?repo=globex/secret", GLOBEX);
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("5");
    expect(await busy.json()).toEqual({
      error: "the server is computing as many reports as it may at once (2, API_MAX_REPORTS); retry shortly",
    });

    held.release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    // The slots are free again.
    expect((await get("/api/v1/report?repo=globex/secret", GLOBEX)).status).toBe(200);
    expect((await get("/api/v1/report?repo=acme/shop", ACME)).status).toBe(200);
  });
});

describe("the changes one report may read", () => {
  it("refuses a report over the bound with 422 naming it, without reading its changes", async () => {
    const { store, calls } = instrumented(inner);
    const get = await serve(store, { limits: { maxReportChanges: 4 } });

    const refused = await get("/api/v1/report?org=acme&since=2021-12-01", ACME);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({
      error:
        "this report would read 5 changes, more than the 4 a report may read (API_MAX_REPORT_CHANGES): ask for a shorter period or a single repository",
    });
    expect(calls("listReportChanges")).toBe(0);

    // A scope within the bound is reported.
    expect((await get("/api/v1/report?repo=globex/secret", GLOBEX)).status).toBe(200);
    expect(calls("listReportChanges")).toBe(1);

    // /metrics leaves the repository out and says why, in a comment of the exposition.
    const text = await (await get("/metrics", ACME)).text();
    expect(text).not.toContain('shipledger_changes_shipped{repository="acme/shop"}');
    expect(text).toContain(
      "# shipledger: acme/shop left out: its last 28 days hold 5 changes, more than the 4 a report may read (API_MAX_REPORT_CHANGES)",
    );
    expect(calls("listReportChanges")).toBe(1);
  });

  it("reports a scope of exactly the bound", async () => {
    const get = await serve(inner, { limits: { maxReportChanges: 5 } });
    const res = await get("/api/v1/report?repo=acme/shop", ACME);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changesShipped: 5 });
  });
});
