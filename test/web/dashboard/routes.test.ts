// The dashboard over a real server (src/web/http-server.ts) with a fake sign-in: figures equal the
// report's, another owner answers as a missing one, the audit marks round trip with CSRF, withheld
// figures say why, and every response carries the security headers and no inline script or style.
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReport, reportOptions, resolveScope } from "../../../src/metrics/report.js";
import type { UsagePointRecord } from "../../../src/model/spend.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { FiguresCache } from "../../../src/web/dashboard/figures.js";
import { CONTENT_SECURITY_POLICY } from "../../../src/web/dashboard/headers.js";
import { fmt } from "../../../src/web/dashboard/pages.js";
import { createDashboardRoutes, readPeriod } from "../../../src/web/dashboard/routes.js";
import type { DashboardAuth, DashboardUser } from "../../../src/web/dashboard/types.js";
import { createHttpServer, type HttpServer } from "../../../src/web/http-server.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../../helpers/ledger-seed.js";

const NOW = Date.UTC(2026, 10, 24, 12);
// Gemini CLI reports tokens and no cost: its model is priced from the instance's table.
const METRIC = {
  minGroupSize: 5,
  revertWindowDays: 14,
  ignorePaths: [] as string[],
  prices: { "gemini-2.5-pro": { input: 1.25, output: 10 } },
};
const CSRF = "csrf-token-of-the-session";
const USER: DashboardUser = { userId: 42, login: "lead", installationIds: [1], repositoryIds: { 1: [10, 11] } };

let store: Store;
let http: HttpServer;
const figuresCache = new FiguresCache();
let signedIn: DashboardUser | null = USER;

const auth: DashboardAuth = {
  routes: async () => false,
  user: async () => signedIn,
  csrfToken: async () => (signedIn ? CSRF : null),
  checkCsrf: async (_req: IncomingMessage, token: string | undefined) => signedIn !== null && token === CSRF,
};

beforeAll(async () => {
  store = await openStore(":memory:");
  await seedRepository(store, 1, "acme", 10, "shop", NOW - 60 * DAY);
  await seedRepository(store, 1, "acme", 11, "tiny", NOW - 60 * DAY);
  await seedRepository(store, 2, "globex", 20, "secret", NOW - 60 * DAY);
  const shas: string[] = [];
  const sessions = [["s-ana"], ["s-ben"], ["s-gem"]];
  for (const [i, engineer] of ["ana", "ben", "cy", "dee", "eve"].entries()) {
    shas.push(
      await seedChange(store, 1, 10, {
        number: i + 1,
        engineer,
        ai: i < 3,
        mergedAt: NOW - 10 * DAY,
        ...(sessions[i] ? { sessions: sessions[i] } : {}),
      }),
    );
  }
  // A pull request closed unmerged: its session's spend did not reach production.
  await seedChange(store, 1, 10, {
    number: 30,
    engineer: "cy",
    ai: true,
    mergedAt: NOW - 8 * DAY,
    sessions: ["s-closed"],
    state: "closed",
  });
  await seedDeployment(store, 1, 10, "1", NOW - 9 * DAY, shas);
  // The previous period: two changes shipped.
  const before = [
    await seedChange(store, 1, 10, { number: 20, engineer: "ana", ai: true, mergedAt: NOW - 40 * DAY }),
    await seedChange(store, 1, 10, { number: 21, engineer: "ben", mergedAt: NOW - 40 * DAY }),
  ];
  await seedDeployment(store, 1, 10, "0", NOW - 39 * DAY, before);
  // A small repository: two engineers, below the minimum group size.
  const tiny = [
    await seedChange(store, 1, 11, {
      number: 1,
      engineer: "ana",
      ai: true,
      mergedAt: NOW - 5 * DAY,
      sessions: ["s-tiny"],
    }),
    await seedChange(store, 1, 11, { number: 2, engineer: "ben", mergedAt: NOW - 5 * DAY }),
  ];
  await seedDeployment(store, 1, 11, "7", NOW - 4 * DAY, tiny);
  const secret = await seedChange(store, 2, 20, { number: 1, engineer: "zed", ai: true, mergedAt: NOW - 5 * DAY });
  await seedDeployment(store, 2, 20, "9", NOW - 4 * DAY, [secret]);
  await store.spend.recordUsagePoints([
    usage({ sessionId: "s-ana", at: NOW - 10 * DAY, value: 6 }),
    usage({ sessionId: "s-ben", at: NOW - 10 * DAY, value: 4 }),
    usage({ sessionId: "s-closed", at: NOW - 8 * DAY, value: 3 }),
    usage({ sessionId: "s-burnt", at: NOW - 3 * DAY, value: 2.5 }),
    usage({ sessionId: "s-tiny", at: NOW - 5 * DAY, value: 1 }),
    usage({
      agent: "gemini",
      model: "gemini-2.5-pro",
      sessionId: "s-gem",
      at: NOW - 10 * DAY,
      measure: "input",
      value: 200_000,
    }),
    usage({
      agent: "gemini",
      model: "gemini-2.5-pro",
      sessionId: "s-gem",
      at: NOW - 10 * DAY,
      measure: "output",
      value: 10_000,
    }),
    // Tokens of a model without a price, in a session of shop's: in no figure, named on shop's page only.
    usage({ model: "mystery-model-7", sessionId: "s-ana", at: NOW - 10 * DAY, measure: "input", value: 7_000 }),
    // Another installation's spend: never on acme's pages.
    usage({ installationId: 2, sessionId: "s-secret", at: NOW - 4 * DAY, value: 99 }),
  ]);

  const log = { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: () => false };
  http = createHttpServer({ host: "127.0.0.1", port: 0, log: log as never });
  http.use(
    createDashboardRoutes({
      store,
      auth,
      metric: METRIC,
      now: () => NOW,
      webUrl: "https://github.com",
      secure: true,
      cache: figuresCache,
    }),
  );
  await http.start();
});
afterAll(async () => {
  await http.stop(100);
  await store.close();
});

let seq = 0;
function usage(over: Partial<UsagePointRecord> & { sessionId: string; at: number; value: number }): UsagePointRecord {
  const ns = `${BigInt(over.at) * 1_000_000n}`.padStart(20, "0");
  return {
    installationId: 1,
    series: `series-${++seq}`,
    startNs: ns,
    timeNs: ns,
    agent: "claude-code",
    sessionKey: over.sessionId.toLowerCase(),
    model: "claude-sonnet-4-5",
    measure: "costUsd",
    temporality: "delta",
    source: "otlp",
    receivedAt: over.at,
    ...over,
  };
}

const get = (path: string) => fetch(`${http.url}${path}`, { redirect: "manual" });
const post = (path: string, form: Record<string, string>) =>
  fetch(`${http.url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });

function expectSecurityHeaders(res: Response) {
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("strict-transport-security")).toContain("max-age=");
}

/** No inline script (only data blocks and scripts with src), no inline style. */
function expectNoInline(body: string) {
  for (const tag of body.match(/<script\b[^>]*>/gi) ?? []) {
    expect(/\bsrc="\/dashboard\/assets\//.test(tag) || /type="application\/json"/.test(tag), tag).toBe(true);
  }
  expect(body).not.toMatch(/<style\b/i);
  expect(body).not.toMatch(/\sstyle\s*=/i);
  expect(body).not.toMatch(/\son[a-z]+\s*=/i);
}

const PAGES = [
  "/dashboard",
  "/dashboard/o/acme",
  "/dashboard/o/acme?weeks=12",
  "/dashboard/o/acme?since=2026-10-01&until=2026-11-20",
  "/dashboard/o/acme/r/shop",
  "/dashboard/o/acme/r/tiny",
  "/dashboard/o/acme/audit",
  "/dashboard/o/acme/audit?repo=shop",
  "/dashboard/o/acme/status",
  "/dashboard/o/globex",
  "/dashboard/o/acme/r/nothing",
  "/dashboard/o/acme?weeks=5",
];

describe("dashboard", () => {
  it("shows the sign-in page to someone not signed in", async () => {
    signedIn = null;
    try {
      const res = await get("/dashboard/o/acme?weeks=12");
      expect(res.status).toBe(401);
      expectSecurityHeaders(res);
      const body = await res.text();
      expect(body).toContain(`href="/dashboard/login?return_to=${encodeURIComponent("/dashboard/o/acme?weeks=12")}"`);
      expect(body).not.toContain("shop");
    } finally {
      signedIn = USER;
    }
  });

  it("leaves sign-in and sign-out to the auth routes", async () => {
    const handler = createDashboardRoutes({
      store,
      auth,
      metric: METRIC,
      now: () => NOW,
      webUrl: "https://github.com",
      secure: false,
    });
    for (const url of ["/dashboard/login", "/dashboard/login/callback?code=x", "/dashboard/logout", "/api/v1/report"]) {
      expect(await handler({ url, method: "GET", headers: {} } as IncomingMessage, {} as never)).toBe(false);
    }
  });

  it("lists the user's organisations", async () => {
    const body = await (await get("/dashboard")).text();
    expect(body).toContain(`href="/dashboard/o/acme"`);
    expect(body).not.toContain("globex");
  });

  it("refuses a day that is not in the calendar rather than reading the days after it", () => {
    // Date.parse takes 2026-02-30 for 2 March: the period would silently run two days longer.
    expect(() => readPeriod(new URLSearchParams("since=2026-02-01&until=2026-02-30"), NOW)).toThrow(
      "until: expected a date such as 2026-11-01",
    );
    expect(readPeriod(new URLSearchParams("since=2026-02-01&until=2026-02-28"), NOW)).toMatchObject({
      since: Date.UTC(2026, 1, 1),
      until: Date.UTC(2026, 2, 1),
    });
  });

  it("shows the organisation's figures exactly as the report computes them", async () => {
    const res = await get("/dashboard/o/acme");
    expect(res.status).toBe(200);
    const body = await res.text();
    const period = readPeriod(new URLSearchParams(), NOW);
    const scope = await resolveScope(store, { org: "acme" });
    const report = await buildReport(store, scope, period, await reportOptions(store, scope, METRIC, NOW));
    const previous = await buildReport(
      store,
      scope,
      { since: period.since - (period.until - period.since), until: period.since },
      await reportOptions(store, scope, METRIC, NOW),
    );
    expect(report.activeEngineers).toBe(5); // ana and ben work on both repositories
    expect(report.normalisedDeployments).not.toBeNull();
    const shown = (figure: string) => new RegExp(`data-value="${figure}">([^<]*)<`).exec(body)?.[1];
    const previousShown = (figure: string) => new RegExp(`data-previous="${figure}">([^<]*)<`).exec(body)?.[1];
    expect(shown("normalisedDeployments")).toBe(fmt.num(report.normalisedDeployments));
    expect(shown("aiChangesShipped")).toBe(String(report.aiChangesShipped));
    expect(shown("changesShipped")).toBe(String(report.changesShipped));
    expect(shown("aiShare")).toBe(fmt.pct(report.aiShare));
    expect(shown("adoption")).toBe(fmt.pct(report.adoption));
    expect(shown("leadTimeAi")).toBe(fmt.hours(report.medianLeadTimeHours.ai));
    expect(shown("failureOther")).toBe(fmt.pct(report.changeFailureRate.other));
    // How much rests on circumstantial evidence (every seeded change has a trailer here).
    expect(body).toContain(
      `data-evidence="any">0 of the AI-assisted changes shipped (${fmt.pct(report.evidence.circumstantialShare)}) rest on circumstantial evidence alone`,
    );
    // The previous period is worked out after the first view is sent; the next view compares.
    expect(previousShown("changesShipped")).toBe("being worked out");
    expect(body).toContain("The previous period's figures are being worked out");
    await figuresCache.settled();
    const again = await (await get("/dashboard/o/acme")).text();
    const previousAgain = (figure: string) => new RegExp(`data-previous="${figure}">([^<]*)<`).exec(again)?.[1];
    expect(previousAgain("changesShipped")).toBe(String(previous.changesShipped));
    expect(previousAgain("aiChangesShipped")).toBe("1");
    expect(again).not.toContain("being worked out");
    // The weekly chart's data block is the report's series.
    const data = JSON.parse(
      /<script type="application\/json" id="normalised-data">([^<]*)<\/script>/.exec(body)?.[1] ?? "{}",
    );
    expect(data.series[0].values).toEqual(report.series.map((w) => w.normalisedDeployments));
    // The definition is one click away.
    expect(body).toMatch(/<details><summary>Definition<\/summary><p>Normalised deployments = /);
    // Agents and repositories, never people.
    expect(body).toContain("claude-code");
    for (const engineer of ["ana", "ben", "cy", "dee", "eve"])
      expect(body).not.toMatch(new RegExp(`\\b${engineer}\\b`));
  });

  // AI spend (report.spend), by hand. Sessions: s-ana $6, s-ben $4 (shop #1, #2, shipped by D1);
  // s-gem, Gemini tokens priced at $1.25 and $10 per million: 0.2 × 1.25 + 0.01 × 10 = $0.35,
  // estimated (shop #3, shipped); s-closed $3 (shop #30, closed unmerged); s-tiny $1 (tiny #1,
  // shipped); s-burnt $2.50 (named by no change); globex's $99 is not acme's.
  // Organisation: total 6 + 4 + 0.35 + 3 + 1 + 2.5 = $16.85; reached 6 + 4 + 0.35 + 1 = $11.35;
  // did not reach $3; unlinked $2.50. Σ|D(e)| = ana 2 (shop D1, tiny D7) + ben 1 + cy 1 = 4:
  // $16.85 / 4 = $4.2125 → "$4.21".
  // shop: 6 + 4 + 0.35 + 3 = $13.35, did not reach $3, Σ|D(e)| = 3: $4.45. tiny: withheld, $1 total.
  it("shows what shipping cost: the period's AI spend, its cost per deployment, what did not reach production", async () => {
    const shown = (body: string, figure: string) => new RegExp(`data-value="${figure}">([^<]*)<`).exec(body)?.[1];
    const chartData = (body: string) =>
      JSON.parse(/<script type="application\/json" id="spend-data">([^<]*)<\/script>/.exec(body)?.[1] ?? "null") as {
        kind: string;
        series: Array<{ label: string; values: number[] }>;
      } | null;
    const sum = (values: number[] | undefined) => (values ?? []).reduce((a, b) => a + b, 0);

    const org = await (await get("/dashboard/o/acme")).text();
    expect(shown(org, "aiSpend")).toBe("$16.85 ($0.35 estimated from tokens)");
    expect(shown(org, "costPerAiDeployment")).toBe("$4.21");
    expect(shown(org, "spendNotReached")).toBe("$3.00");
    const scope = await resolveScope(store, { org: "acme" });
    const period = readPeriod(new URLSearchParams(), NOW);
    const report = await buildReport(store, scope, period, await reportOptions(store, scope, METRIC, NOW));
    expect(report.spend).toMatchObject({ total: 16.85, estimated: 0.35, reachedProduction: 11.35, unlinked: 2.5 });
    expect(report.spend?.costPerAiDeployment).toBeCloseTo(16.85 / 4, 6);
    // The chart's weeks hold the same spend, by where it went.
    const data = chartData(org);
    expect(data?.kind).toBe("stacked");
    expect(data?.series.map((s) => s.label)).toEqual([
      "Reached production",
      "Did not reach production",
      "Not in production yet",
      "Sessions no change names",
    ]);
    expect(sum(data?.series[0]?.values)).toBeCloseTo(11.35, 6);
    expect(sum(data?.series[1]?.values)).toBeCloseTo(3, 6);
    expect(sum(data?.series[2]?.values)).toBe(0);
    expect(sum(data?.series[3]?.values)).toBeCloseTo(2.5, 6);
    expect(org).toContain("Table: AI spend per week, by where it went (USD)");
    // No session is listed.
    for (const session of ["s-ana", "s-ben", "s-gem", "s-closed", "s-burnt", "s-tiny"])
      expect(org).not.toContain(session);

    const shop = await (await get("/dashboard/o/acme/r/shop")).text();
    expect(shown(shop, "aiSpend")).toBe("$13.35 ($0.35 estimated from tokens)");
    expect(shown(shop, "costPerAiDeployment")).toBe("$4.45");
    expect(shown(shop, "spendNotReached")).toBe("$3.00");
    // Tokens without a price are named where their session's change is, and on the organisation's page.
    expect(shop).toContain("7,000 tokens of mystery-model-7 have no price");
    expect(org).toContain("7,000 tokens of mystery-model-7 have no price");
    // A repository's page has no spend of sessions no change names.
    expect(chartData(shop)?.series.map((s) => s.label)).not.toContain("Sessions no change names");

    // Below the minimum group size: the total only, as report.spend gives it; no split, no chart.
    const tiny = await (await get("/dashboard/o/acme/r/tiny")).text();
    expect(shown(tiny, "aiSpend")).toBe("$1.00");
    expect(shown(tiny, "costPerAiDeployment")).toBe("—");
    expect(shown(tiny, "spendNotReached")).toBe("—");
    expect(/data-figure="costPerAiDeployment">[\s\S]*?<\/div>/.exec(tiny)?.[0]).toContain("(withheld: see above)");
    expect(chartData(tiny)).toBeNull();
    expect(tiny).toContain("Only the total is shown");

    // No spend in the period: no section at all.
    const before = await (await get("/dashboard/o/acme?since=2026-09-01&until=2026-09-28")).text();
    expect(before).not.toContain("What shipping cost");
    expect(before).not.toContain('data-value="aiSpend"');
  });

  it("says why a repository's figures are withheld", async () => {
    const org = await (await get("/dashboard/o/acme")).text();
    const row = /<tr class="withheld">[\s\S]*?<\/tr>/.exec(org)?.[0] ?? "";
    expect(row).toContain("acme/tiny");
    expect(row).toContain("withheld: fewer than 5 active engineers (2)");
    const tiny = await (await get("/dashboard/o/acme/r/tiny")).text();
    expect(tiny).toContain("Withheld:</strong> fewer than 5 active engineers (2)");
    expect(/data-value="normalisedDeployments">([^<]*)</.exec(tiny)?.[1]).toBe("—");
  });

  it("shows a repository's production deployments with what each shipped", async () => {
    const body = await (await get("/dashboard/o/acme/r/shop")).text();
    expect(body).toContain(`href="https://github.com/acme/shop/pull/3"`);
    expect(body).toMatch(/href="https:\/\/github.com\/acme\/shop\/commit\/[0-9a-f]{40}\/checks"/);
    expect(body).toContain("yes: claude-code");
  });

  it("marks a deployment time that is a lower bound (its creation, not its success) as at the earliest", async () => {
    const [tiny] = await store.deployments.listDeployments(1, 11);
    expect(await (await get("/dashboard/o/acme/r/tiny")).text()).not.toContain("(at the earliest)");
    await store.deployments.moveDeploymentSuccess(
      tiny?.id ?? 0,
      { succeededAt: tiny?.succeededAt ?? 0, succeededAtExact: false },
      NOW,
    );
    expect(await (await get("/dashboard/o/acme/r/tiny")).text()).toContain("(at the earliest)");
    await store.deployments.moveDeploymentSuccess(
      tiny?.id ?? 0,
      { succeededAt: tiny?.succeededAt ?? 0, succeededAtExact: true },
      NOW,
    );
  });

  it("answers another owner's pages exactly as a missing owner's", async () => {
    const missing = await get("/dashboard/o/nobody");
    const other = await get("/dashboard/o/globex");
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await other.text()).toBe(await missing.text());
    for (const path of ["/r/secret", "/audit", "/status"]) {
      const a = await get(`/dashboard/o/globex${path}`);
      const b = await get(`/dashboard/o/nobody${path}`);
      expect([a.status, b.status]).toEqual([404, 404]);
      expect(await a.text()).toBe(await b.text());
    }
    const mark = await post("/dashboard/o/globex/audit/mark", {
      csrf: CSRF,
      change: "1",
      verdict: "wrong",
      reason: "x",
    });
    expect(mark.status).toBe(404);
  });

  it("marks and unmarks a sampled change's attribution, only with the session's CSRF token", async () => {
    const page = await (await get("/dashboard/o/acme/audit?repo=shop")).text();
    expect(page).toContain("100.0%</span> of the 3 sampled changes");
    const changeId = /name="change" value="(\d+)"/.exec(page)?.[1] ?? "";
    expect(changeId).not.toBe("");
    const form = {
      change: changeId,
      verdict: "wrong",
      reason: "the <trailer> names a human",
      weeks: "4",
      repo: "shop",
    };

    const forged = await post("/dashboard/o/acme/audit/mark", { ...form, csrf: "forged" });
    expect(forged.status).toBe(403);
    expectSecurityHeaders(forged);
    expect(await store.dashboard.listMarks(1, [Number(changeId)])).toEqual([]);
    const missing = await post("/dashboard/o/acme/audit/mark", form);
    expect(missing.status).toBe(403);

    const marked = await post("/dashboard/o/acme/audit/mark", { ...form, csrf: CSRF });
    expect(marked.status).toBe(303);
    expectSecurityHeaders(marked);
    expect(marked.headers.get("location")).toBe(`/dashboard/o/acme/audit?weeks=4&repo=shop#change-${changeId}`);
    expect(await store.dashboard.listMarks(1, [Number(changeId)])).toMatchObject([
      { changeId: Number(changeId), verdict: "wrong", reason: "the <trailer> names a human", markedBy: 42 },
    ]);
    const after = await (await get("/dashboard/o/acme/audit?repo=shop")).text();
    expect(after).toContain("66.7%</span> of the 3 sampled changes");
    expect(after).toContain("the &lt;trailer&gt; names a human");
    expect(after).not.toContain("the <trailer>");

    const unmarked = await post("/dashboard/o/acme/audit/mark", {
      csrf: CSRF,
      change: changeId,
      verdict: "unmark",
      weeks: "4",
    });
    expect(unmarked.status).toBe(303);
    expect(await store.dashboard.listMarks(1, [Number(changeId)])).toEqual([]);
  });

  it("refuses a mark on another installation's change", async () => {
    const [secret] = await store.reports.listReportChanges({ installationId: 2 }, 0, NOW);
    const res = await post("/dashboard/o/acme/audit/mark", {
      csrf: CSRF,
      change: String(secret?.id),
      verdict: "wrong",
      reason: "x",
    });
    expect(res.status).toBe(404);
    expect(await store.dashboard.listMarks(2, [secret?.id ?? 0])).toEqual([]);
    expect(await store.dashboard.listMarks(1, [secret?.id ?? 0])).toEqual([]);
  });

  it("shows the status of backfills and deliveries", async () => {
    const body = await (await get("/dashboard/o/acme/status")).text();
    expect(body).toContain("History backfills");
    expect(body).toMatch(/data-figure="failed">0</);
  });

  it("shows a user GitHub lists only some repositories to those repositories, not the organisation's pages", async () => {
    // An installation is listed to anyone who can reach one of its repositories: this user, only "tiny".
    signedIn = { ...USER, repositoryIds: { 1: [11] } };
    try {
      expect(await (await get("/dashboard")).text()).toContain('href="/dashboard/o/acme"');
      for (const path of [
        "/dashboard/o/acme",
        "/dashboard/o/acme?weeks=12",
        "/dashboard/o/acme/audit",
        "/dashboard/o/acme/status",
      ]) {
        const res = await get(path);
        expect(res.status, path).toBe(403);
        expectSecurityHeaders(res);
        const body = await res.text();
        expectNoInline(body);
        // Their repositories instead; not another repository's name, not a figure.
        expect(body, path).toContain('<a href="/dashboard/o/acme/r/tiny">acme/tiny</a>');
        expect(body, path).not.toContain("shop");
        expect(body, path).not.toContain("data-figure");
      }
      const tiny = await get("/dashboard/o/acme/r/tiny");
      expect(tiny.status).toBe(200);
      // tiny's spend, and none of shop's: not even the tokens of shop's sessions that have no price.
      const tinyPage = await tiny.text();
      expect(tinyPage).toContain('data-value="aiSpend">$1.00<');
      expect(tinyPage).not.toContain("mystery-model-7");
      expect((await get("/dashboard/o/acme/audit?repo=tiny")).status).toBe(200);
      // A repository not listed to them answers exactly as one that does not exist.
      const missing = await (await get("/dashboard/o/acme/r/nothing")).text();
      for (const path of ["/dashboard/o/acme/r/shop", "/dashboard/o/acme/audit?repo=shop"]) {
        const res = await get(path);
        expect(res.status, path).toBe(404);
        expect(await res.text(), path).toBe(missing);
      }
      // Nor can they mark one of its changes.
      const [shopChange] = await store.reports.listReportChanges({ installationId: 1, repositoryIds: [10] }, 0, NOW);
      const mark = await post("/dashboard/o/acme/audit/mark", {
        csrf: CSRF,
        change: String(shopChange?.id),
        verdict: "wrong",
        reason: "x",
      });
      expect(mark.status).toBe(404);
      expect(await store.dashboard.listMarks(1, [shopChange?.id ?? 0])).toEqual([]);
    } finally {
      signedIn = USER;
    }
  });

  it("serves uPlot and its own assets with long caching, and 404 for others", async () => {
    for (const [name, type] of [
      ["uPlot.iife.min.js", "text/javascript"],
      ["uPlot.min.css", "text/css"],
      ["dashboard.js", "text/javascript"],
      ["dashboard.css", "text/css"],
    ] as const) {
      const res = await get(`/dashboard/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain(type);
      expect(res.headers.get("cache-control")).toContain("max-age=31536000");
      expectSecurityHeaders(res);
      expect((await res.text()).length).toBeGreaterThan(100);
    }
    for (const name of ["nothing.js", "../package.json", "%2e%2e%2fpackage.json"]) {
      const res = await get(`/dashboard/assets/${name}`);
      expect(res.status).toBe(404);
      expectSecurityHeaders(res);
    }
  });

  it("puts the security headers on every page and no inline script or style in any", async () => {
    for (const path of PAGES) {
      const res = await get(path);
      expect(res.status, path).toBeLessThan(500);
      expectSecurityHeaders(res);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expectNoInline(await res.text());
    }
    expect((await get("/dashboard/o/acme?weeks=5")).status).toBe(400);
    expect((await get("/dashboard/o/acme/r/nothing")).status).toBe(404);
  });

  it("opens the repository a name is now, not a removed one that had the name", async () => {
    // "twin" deleted on GitHub (removed from the installation) and created again: a new id, the same name.
    await seedRepository(store, 1, "acme", 12, "twin", NOW - 60 * DAY);
    await store.installations.markRepositoriesRemoved(1, [12], NOW - 30 * DAY);
    await seedRepository(store, 1, "acme", 13, "twin", NOW - 20 * DAY);
    signedIn = { ...USER, repositoryIds: { 1: [13] } };
    try {
      const partial = await (await get("/dashboard/o/acme")).text();
      expect(partial).toContain('<a href="/dashboard/o/acme/r/twin">acme/twin</a>');
      expect((await get("/dashboard/o/acme/r/twin")).status).toBe(200);
      expect((await get("/dashboard/o/acme/r/TWIN")).status).toBe(200);
      expect((await get("/dashboard/o/acme/audit?repo=twin")).status).toBe(200);
    } finally {
      signedIn = USER;
      await store.installations.markRepositoriesRemoved(1, [13], NOW);
    }
  });
});
