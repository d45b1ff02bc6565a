// The reports API over real HTTP: tokens, scopes limited to named owners, parameter errors, and
// Prometheus text.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { createApiHandler } from "../../src/web/api.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";

const NOW = Date.UTC(2026, 10, 24, 12);
const TOKEN_A = "token-for-acme-0123456789";
const TOKEN_B = "token-for-globex-0123456789";

let store: Store;
let server: Server;
let base: string;

beforeAll(async () => {
  store = await openStore(":memory:");
  await seedRepository(store, 1, "acme", 10, "shop", NOW - 60 * DAY);
  await seedRepository(store, 2, "globex", 20, "secret", NOW - 60 * DAY);
  const engineers = ["ana", "ben", "cy", "dee", "eve"];
  const shas: string[] = [];
  for (const [i, engineer] of engineers.entries()) {
    // cy's change is AI-assisted on a branch name alone.
    const aiEvidence = i === 2 ? ("circumstantial" as const) : undefined;
    shas.push(
      await seedChange(store, 1, 10, {
        number: i + 1,
        engineer,
        ai: i < 3,
        ...(aiEvidence ? { aiEvidence } : {}),
        mergedAt: NOW - 10 * DAY,
      }),
    );
  }
  await seedDeployment(store, 1, 10, "1", NOW - 9 * DAY, shas);
  const secret = await seedChange(store, 2, 20, { number: 1, engineer: "zed", ai: true, mergedAt: NOW - 5 * DAY });
  await seedDeployment(store, 2, 20, "9", NOW - 4 * DAY, [secret]);
  const handler = createApiHandler({
    store,
    tokens: [
      { token: TOKEN_A, owners: ["acme"] },
      { token: TOKEN_B, owners: ["globex"] },
    ],
    now: () => NOW,
    metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
  });
  server = createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(async () => {
  server.close();
  await store.close();
});

const get = (path: string, token?: string) =>
  fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe("reports API", () => {
  it("answers a token's own scope with the report", async () => {
    const res = await get("/api/v1/report?repo=acme/shop", TOKEN_A);
    expect(res.status).toBe(200);
    const report = (await res.json()) as { normalisedDeployments: number; series: unknown };
    expect(report).toMatchObject({
      scope: "acme/shop",
      activeEngineers: 5,
      aiChangesShipped: 3,
      changesShipped: 5,
      aiShare: 0.6,
      // How much rests on circumstantial evidence: cy's change, and the deployment it makes hers.
      evidence: {
        basis: "any",
        circumstantialChanges: 1,
        circumstantialShare: 1 / 3,
        circumstantialDeployments: 1,
        circumstantialDeploymentShare: 1 / 3,
        leftOut: 0,
      },
    });
    // 3 engineers each have 1 AI-assisted deployment; 5 engineers × 4 weeks.
    expect(report.normalisedDeployments).toBeCloseTo(3 / (5 * 4), 10);
    // Four weeks to Tuesday noon: a partial first and last week; all five shipped in the week of 9 November.
    const quiet = { activeEngineers: 0, aiDeployments: 0, aiChangesShipped: 0, changesShipped: 0 };
    const none = { normalisedDeployments: null, adoption: null };
    expect(report.series).toEqual([
      { week: "2026-10-26", days: 5.5, partial: true, ...quiet, ...none },
      { week: "2026-11-02", days: 7, partial: false, ...quiet, ...none },
      {
        week: "2026-11-09",
        days: 7,
        partial: false,
        activeEngineers: 5,
        aiDeployments: 3,
        aiChangesShipped: 3,
        changesShipped: 5,
        normalisedDeployments: 0.6,
        adoption: 0.6,
      },
      { week: "2026-11-16", days: 7, partial: false, ...quiet, ...none },
      { week: "2026-11-23", days: 1.5, partial: true, ...quiet, ...none },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/"(ana|ben|cy|dee|eve)"/);
    const org = await get("/api/v1/report?org=acme&since=2026-10-01&until=2026-11-24", TOKEN_A);
    expect(org.status).toBe(200);
    expect(((await org.json()) as { scope: string }).scope).toBe("acme (organisation)");
  });

  it.each([
    ["no token", undefined, 401],
    ["an unknown token", "not-a-real-token-at-all-0000", 401],
  ])("refuses %s with 401", async (_what, token, status) => {
    const res = await get("/api/v1/report?repo=acme/shop", token);
    expect(res.status).toBe(status);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="shipledger"');
  });

  it("a token for one owner asking for another learns nothing, exactly as for a scope that does not exist", async () => {
    const other = await get("/api/v1/report?repo=globex/secret", TOKEN_A);
    const absent = await get("/api/v1/report?repo=acme/nothing-here", TOKEN_A);
    const otherOrg = await get("/api/v1/report?org=globex", TOKEN_A);
    expect([other.status, absent.status, otherOrg.status]).toEqual([404, 404, 404]);
    const bodies = [await other.text(), await absent.text(), await otherOrg.text()];
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).not.toContain("globex");
  });

  it.each([
    ["/api/v1/report", "repo or org is required"],
    ["/api/v1/report?repo=acme", "repo: expected OWNER/NAME"],
    ["/api/v1/report?repo=acme/shop&org=acme", "give either repo or org, not both"],
    [
      "/api/v1/report?repo=acme/shop&since=yesterday",
      'since: expected a date such as 2026-11-01 or 2026-11-01T09:00:00Z, got "yesterday"',
    ],
    ["/api/v1/report?repo=acme/shop&since=2026-11-20&until=2026-11-01", "since: must be before until"],
  ])("400 for %s, naming the parameter", async (path, message) => {
    const res = await get(path, TOKEN_A);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: message });
  });

  it("serves Prometheus text for the token's owners only", async () => {
    const res = await get("/metrics", TOKEN_A);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE shipledger_normalised_deployments gauge");
    expect(text).toContain('shipledger_changes_shipped{repository="acme/shop"} 5');
    expect(text).toContain('shipledger_ai_share{repository="acme/shop"} 0.6');
    expect(text).toContain("# TYPE shipledger_ai_changes_circumstantial gauge");
    expect(text).toContain('shipledger_ai_changes_circumstantial{repository="acme/shop"} 1');
    expect(text).toContain(`shipledger_ai_deployments_circumstantial_share{repository="acme/shop"} ${1 / 3}`);
    // Any evidence counts here: nothing left out, and the basis says so.
    expect(text).toContain('shipledger_ai_changes_left_out{repository="acme/shop"} 0');
    expect(text).toContain('shipledger_evidence_explicit_only{repository="acme/shop"} 0');
    expect(text).not.toContain("globex");
    expect((await get("/metrics")).status).toBe(401);
  });

  it("says on /metrics what counting explicit evidence only leaves out (METRIC_EVIDENCE=explicit)", async () => {
    const handler = createApiHandler({
      store,
      tokens: [{ token: TOKEN_A, owners: ["acme"] }],
      now: () => NOW,
      metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [], evidence: "explicit" },
    });
    const explicit = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => explicit.listen(0, "127.0.0.1", r));
    try {
      const address = explicit.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const text = await (
        await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN_A}` } })
      ).text();
      // cy's change, on a branch name alone, is left out: two AI-assisted changes count, not three.
      expect(text).toContain('shipledger_ai_changes_shipped{repository="acme/shop"} 2');
      expect(text).toContain('shipledger_ai_changes_circumstantial{repository="acme/shop"} 0');
      expect(text).toContain('shipledger_ai_changes_left_out{repository="acme/shop"} 1');
      expect(text).toContain('shipledger_evidence_explicit_only{repository="acme/shop"} 1');
    } finally {
      explicit.close();
    }
  });

  it("is off without tokens", async () => {
    const handler = createApiHandler({
      store,
      tokens: [],
      now: () => NOW,
      metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
    });
    const local = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(418).end();
    });
    await new Promise<void>((r) => local.listen(0, "127.0.0.1", r));
    const address = local.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/report?repo=acme/shop`, {
      headers: { authorization: `Bearer ${TOKEN_A}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "the reports API is off: set API_TOKENS to enable it" });
    local.close();
  });
});
