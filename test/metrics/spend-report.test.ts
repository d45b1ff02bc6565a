// AI spend in reports, on both dialects: usage stored as the OTLP endpoint stores it, joined to the
// changes whose evidence names the sessions, with hand-computed figures; prices from the instance
// and the organisation; repository and organisation scopes; the text surfaces. Then the gaming
// moves (issue #18): burning, splitting, resending, and what any surface shows of a person.

import { expect, it } from "vitest";
import { type AgentExport, encodeMetricsExport } from "../../src/demo/agent-telemetry.js";
import { DEFAULT_SPEND_LIMITS, recordSpend } from "../../src/ledger/record-spend.js";
import { formatPrometheus, formatReportCsv, formatReportTable } from "../../src/metrics/format.js";
import { buildReport, type ResolvedScope, reportOptions } from "../../src/metrics/report.js";
import type { Report } from "../../src/metrics/types.js";
import type { UsagePointRecord } from "../../src/model/spend.js";
import { decodeOtlpRequest } from "../../src/spend/otlp.js";
import { usageFromMetrics } from "../../src/spend/usage.js";
import type { Store } from "../../src/store/types.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const SINCE = Date.UTC(2026, 10, 2); // a Monday
const UNTIL = SINCE + 14 * DAY;
const NOW = UNTIL;
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`.padStart(20, "0");
let seq = 0;

function usage(
  over: Partial<UsagePointRecord> & { sessionId: string | null; at: number; value: number },
): UsagePointRecord {
  return {
    installationId: 1,
    series: `series-${++seq}`,
    startNs: ns(over.at),
    timeNs: ns(over.at),
    agent: "claude-code",
    sessionKey: over.sessionId?.toLowerCase() ?? null,
    model: "claude-sonnet-4-5",
    measure: "costUsd",
    temporality: "delta",
    source: "otlp",
    receivedAt: over.at,
    ...over,
  };
}

const org: ResolvedScope = { label: "acme (organisation)", installationId: 1, owner: "acme" };
const shop: ResolvedScope = { label: "acme/shop", installationId: 1, repositoryIds: [10], owner: "acme" };

/** Five active engineers (so nothing is withheld), two repositories, sessions of every fate. */
async function seed(store: Store) {
  await seedRepository(store, 1, "acme", 10, "shop", SINCE - 30 * DAY);
  await seedRepository(store, 1, "acme", 20, "api", SINCE - 30 * DAY);
  const at = SINCE + DAY;
  const shippedA = await seedChange(store, 1, 10, {
    number: 1,
    engineer: "ana",
    ai: true,
    mergedAt: at,
    sessions: ["S-SHIPPED"],
  });
  const shippedB = await seedChange(store, 1, 10, {
    number: 2,
    engineer: "ben",
    ai: true,
    mergedAt: at,
    sessions: ["s-shared"],
  });
  const reverted = await seedChange(store, 1, 10, {
    number: 3,
    engineer: "cy",
    ai: true,
    mergedAt: at,
    sessions: ["s-reverted"],
  });
  await seedChange(store, 1, 10, {
    number: 4,
    engineer: "dee",
    ai: true,
    mergedAt: at,
    sessions: ["s-closed"],
    state: "closed",
  });
  await seedChange(store, 1, 20, {
    number: 1,
    engineer: "eve",
    ai: true,
    mergedAt: at,
    sessions: ["s-shared", "s-pending"],
  });
  await seedChange(store, 1, 20, { number: 2, engineer: "fay", mergedAt: at });
  await seedDeployment(store, 1, 10, "1", at + DAY, [shippedA, shippedB, reverted]);
  // The revert of #3 ships two days later: within the 14-day window.
  await seedDeployment(store, 1, 10, "2", at + 3 * DAY, [shippedB], "rollback", [reverted]);
  await store.spend.recordUsagePoints([
    usage({ sessionId: "s-shipped", at: SINCE + DAY, value: 3 }),
    usage({ sessionId: "s-shared", at: SINCE + 8 * DAY, value: 4 }), // split: shop #2 and api #1
    usage({ sessionId: "s-reverted", at: SINCE + DAY, value: 2 }),
    usage({ sessionId: "s-closed", at: SINCE + DAY, value: 1.5 }),
    usage({ sessionId: "s-pending", at: SINCE + 9 * DAY, value: 1 }),
    usage({ sessionId: "s-nobody", at: SINCE + 2 * DAY, value: 5 }),
    usage({ sessionId: null, at: SINCE + 2 * DAY, value: 7, source: "import" }),
    // Gemini, tokens only: priced by the organisation's table (1e6 input at $1.25, 2e5 output at $10).
    usage({
      agent: "gemini",
      model: "gemini-2.5-pro",
      sessionId: "S-SHIPPED",
      at: SINCE + DAY,
      measure: "input",
      value: 1e6,
    }),
    usage({
      agent: "gemini",
      model: "gemini-2.5-pro",
      sessionId: "S-SHIPPED",
      at: SINCE + DAY,
      measure: "output",
      value: 2e5,
    }),
    // Outside the period: in no figure.
    usage({ sessionId: "s-shipped", at: UNTIL + DAY, value: 100 }),
  ]);
  await store.installations.recordInstallationPrices(1, { "gemini-2.5-pro": { input: 1.25, output: 10 } }, NOW);
}

async function report(
  store: Store,
  scope: ResolvedScope,
  defaults = { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] as string[] },
) {
  const options = await reportOptions(store, scope, defaults, NOW);
  return buildReport(store, scope, { since: SINCE, until: UNTIL }, options);
}

eachDialect("spend in reports", ({ newStore }) => {
  it("joins an organisation's spend to its changes' fates (hand-computed)", async () => {
    const store = await newStore();
    await seed(store);
    const r = await report(store, org);
    expect(r.withheld).toBeNull();
    const gemini = 1.25 + 2; // estimated
    expect(r.spend).toMatchObject({
      currency: "USD",
      total: 3 + 4 + 2 + 1.5 + 1 + 5 + 7 + gemini,
      estimated: gemini,
      reachedProduction: 3 + gemini + 2, // s-shipped, and half of s-shared (shop #2 shipped)
      didNotReach: 2 + 1.5, // reverted, closed
      pending: 2 + 1, // half of s-shared (api #1 not deployed), s-pending
      unlinked: 5,
      unattributed: 7,
      sessions: 6,
      byAgent: { "claude-code": 23.5, gemini },
    });
    // Σ|D(e)|: ana and ben shipped AI changes in deployment 1 (cy's was rolled back): 2.
    expect(r.spend?.costPerAiDeployment).toBeCloseTo((23.5 + gemini) / 2, 6);
    expect(r.spend?.costPerAiChangeShipped).toBeCloseTo((23.5 + gemini) / r.aiChangesShipped, 6);
    expect(r.spend?.series?.map((w) => w.week)).toEqual(["2026-11-02", "2026-11-09"]);
    expect(r.spend?.series?.[1]).toMatchObject({ reachedProduction: 2, pending: 3 });
  });

  it("gives a repository its own changes' share only", async () => {
    const store = await newStore();
    await seed(store);
    const r = await report(store, shop, { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] });
    expect(r.spend).toMatchObject({
      total: 3 + 3.25 + 2 + 2 + 1.5,
      reachedProduction: 3 + 3.25 + 2,
      didNotReach: 3.5,
      pending: 0,
      unlinked: null,
      unattributed: null,
    });
  });

  it("shows totals only below the minimum group size, and leaves unpriced tokens out", async () => {
    const store = await newStore();
    await seed(store);
    await store.installations.recordInstallationPrices(1, null, NOW);
    const r = await report(store, org, { minGroupSize: 50, revertWindowDays: 14, ignorePaths: [] });
    expect(r.spend).toMatchObject({
      total: 23.5,
      reachedProduction: null,
      byAgent: null,
      costPerAiDeployment: null,
      series: null,
      unpriced: { tokens: 1.2e6, models: ["gemini-2.5-pro"] },
    });
    const table = formatReportTable(r);
    expect(table).toContain("AI spend in the period");
    expect(table).toContain("shown as a total only");
    expect(table).toMatch(/1,200,000 tokens of gemini-2\.5-pro have no price/);
  });

  it("takes the instance's prices where the organisation sets none", async () => {
    const store = await newStore();
    await seed(store);
    await store.installations.recordInstallationPrices(1, null, NOW);
    const options = await reportOptions(
      store,
      org,
      { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [], prices: { "gemini-2.5*": { input: 2, output: 12 } } },
      NOW,
    );
    const r = await buildReport(store, org, { since: SINCE, until: UNTIL }, options);
    expect(r.spend?.estimated).toBeCloseTo(2 + 2.4, 9);
  });

  it("prices a model the organisation's file covers by the organisation's price, even where the instance's file names it exactly", async () => {
    const store = await newStore();
    await seed(store);
    // The organisation's negotiated price for the whole family, over the operator's list price for
    // one of its models; a model the organisation does not price keeps the instance's.
    await store.installations.recordInstallationPrices(1, { "gemini-2.5-*": { input: 1.25, output: 10 } }, NOW);
    await store.spend.recordUsagePoints([
      usage({
        agent: "codex",
        model: "gpt-5-codex",
        sessionId: "s-shipped",
        at: SINCE + DAY,
        measure: "output",
        value: 1e5,
      }),
    ]);
    const options = await reportOptions(
      store,
      org,
      {
        minGroupSize: 5,
        revertWindowDays: 14,
        ignorePaths: [],
        prices: { "gemini-2.5-pro": { input: 2, output: 12 }, "gpt-5*": { input: 1.25, output: 10 } },
      },
      NOW,
    );
    const r = await buildReport(store, org, { since: SINCE, until: UNTIL }, options);
    // Gemini: 1e6 input at $1.25 and 2e5 output at $10 (not $2 and $12); Codex: 1e5 output at $10.
    expect(r.spend?.byAgent).toMatchObject({ gemini: 1.25 + 2, codex: 1 });
    expect(r.spend?.estimated).toBeCloseTo(1.25 + 2 + 1, 9);
  });

  it("has no spend section where the ledger holds none, and says it in every surface where it does", async () => {
    const store = await newStore();
    await seed(store);
    const r = await report(store, org);
    const prom = formatPrometheus([
      {
        repository: "acme/shop",
        report: await report(store, shop, { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] }),
      },
    ]);
    expect(prom).toMatch(/shipledger_ai_spend_usd\{repository="acme\/shop",outcome="reached_production"\} 8\.25/);
    expect(prom).toMatch(/shipledger_ai_cost_per_deployment_usd\{repository="acme\/shop"\} /);
    expect(formatReportCsv(r).split("\n").at(-2)).toMatch(/,26\.75,8\.25,3\.5,3,5,13\.375$/);
    const empty = await newStore();
    await seedRepository(empty, 1, "acme", 10, "shop", SINCE);
    expect((await report(empty, org)).spend).toBeNull();
    expect(formatReportTable(await report(empty, org))).not.toContain("AI spend");
  });
});

// ---- gaming: the moves a leaderboard would reward, and what the report makes of them -------------

/** A report's figures other than its spend (and the period's own times). */
const metricOf = ({ spend: _spend, ...rest }: Report) => rest;

/** An export as Claude Code sends it (binary OTLP protobuf), decoded and recorded as the endpoint does. */
async function receive(store: Store, e: AgentExport) {
  const body = Buffer.from(encodeMetricsExport(e));
  const { readings } = usageFromMetrics(decodeOtlpRequest("metrics", body, "protobuf"));
  return recordSpend(store, 1, readings, NOW, DEFAULT_SPEND_LIMITS);
}
const claudeExport = (
  temporality: "delta" | "cumulative",
  points: Array<{ session: string; startMs: number; timeMs: number; usd: number }>,
): AgentExport => ({
  resource: { "service.name": "claude-code" },
  scope: "com.anthropic.claude_code",
  temporality,
  points: points.map((p) => ({
    metric: "claude_code.cost.usage",
    unit: "USD",
    attributes: { "session.id": p.session, model: "claude-opus-4-5", "user.email": "ana@example.com" },
    startMs: p.startMs,
    timeMs: p.timeMs,
    value: p.usd,
  })),
});

eachDialect("gaming: spend can only make the figures look worse", ({ newStore }) => {
  it("agents run on sessions that ship nothing change no figure of the metric, and only raise what did not reach production and the costs", async () => {
    const store = await newStore();
    await seed(store);
    const before = await report(store, org);
    // Burning: a session named by no change ($40), and one named by a trailer-spam PR that is
    // closed unmerged ($30), by an engineer already active.
    await seedChange(store, 1, 10, {
      number: 9,
      engineer: "ana",
      ai: true,
      mergedAt: SINCE + 2 * DAY,
      sessions: ["s-spam"],
      state: "closed",
    });
    await store.spend.recordUsagePoints([
      usage({ sessionId: "s-burn", at: SINCE + 3 * DAY, value: 40 }),
      usage({ sessionId: "s-spam", at: SINCE + 3 * DAY, value: 30 }),
    ]);
    const after = await report(store, org);
    expect(metricOf(after)).toEqual(metricOf(before));
    const b = before.spend as NonNullable<Report["spend"]>;
    // Hand-computed from the seed's figures (the first test): 26.75 before.
    expect(b).toMatchObject({ total: 26.75, reachedProduction: 8.25, didNotReach: 3.5, pending: 3, unlinked: 5 });
    expect(after.spend).toMatchObject({
      total: 26.75 + 70,
      reachedProduction: 8.25,
      pending: 3,
      didNotReach: 3.5 + 30,
      unlinked: 5 + 40,
      unattributed: 7,
      costPerAiDeployment: (26.75 + 70) / 2,
      costPerAiChangeShipped: (26.75 + 70) / before.aiChangesShipped,
    });
    expect(after.spend?.costPerAiDeployment as number).toBeGreaterThan(b.costPerAiDeployment as number);
    // The repository's report: the spam PR's session is its spend that did not reach production.
    const shopBefore = await report(store, shop, { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] });
    expect(shopBefore.spend).toMatchObject({ didNotReach: 3.5 + 30, reachedProduction: 3 + 3.25 + 2 });
  });

  it("splitting one session over many trivial changes shipped together multiplies nothing and leaves the cost per deployment as it was", async () => {
    // Five engineers, each one AI-assisted change in deployment 1; ana's session cost $60.
    const build = async (pieces: number) => {
      const store = await newStore();
      await seedRepository(store, 1, "acme", 10, "shop", SINCE - 30 * DAY);
      const at = SINCE + DAY;
      const shipped: string[] = [];
      for (let i = 1; i <= pieces; i++) {
        shipped.push(
          await seedChange(store, 1, 10, { number: i, engineer: "ana", ai: true, mergedAt: at, sessions: ["s-big"] }),
        );
      }
      for (const [i, engineer] of ["ben", "cy", "dee", "eve"].entries()) {
        shipped.push(await seedChange(store, 1, 10, { number: 100 + i, engineer, ai: true, mergedAt: at }));
      }
      await seedDeployment(store, 1, 10, "1", at + DAY, shipped);
      await store.spend.recordUsagePoints([usage({ sessionId: "s-big", at, value: 60 })]);
      return report(store, org);
    };
    const honest = await build(1);
    const split = await build(12);
    // Σ|D(e)| = 5 (one deployment each), so $60 / 5 = $12 either way.
    expect(honest.spend).toMatchObject({ total: 60, reachedProduction: 60, costPerAiDeployment: 12 });
    expect(split.spend).toMatchObject({ total: 60, reachedProduction: 60, costPerAiDeployment: 12 });
    expect(split.normalisedDeployments).toBe(honest.normalisedDeployments);
    // Per change shipped falls as the count of changes rises (5 → 16): the count is splittable,
    // which is why the headline is per production deployment, the metric's unit.
    expect([honest.spend?.costPerAiChangeShipped, split.spend?.costPerAiChangeShipped]).toEqual([12, 3.75]);
  });

  it("resending the same export, delta or cumulative, changes no figure", async () => {
    const store = await newStore();
    await seed(store);
    const before = await report(store, org);
    const t = SINCE + 4 * DAY;
    const delta = claudeExport("delta", [
      { session: "s-shipped", startMs: t, timeMs: t + 60_000, usd: 2 },
      { session: "s-resend", startMs: t, timeMs: t + 60_000, usd: 1.5 },
    ]);
    const cumulative1 = claudeExport("cumulative", [{ session: "s-closed", startMs: t, timeMs: t + 60_000, usd: 1 }]);
    const cumulative2 = claudeExport("cumulative", [
      { session: "s-closed", startMs: t, timeMs: t + 120_000, usd: 2.5 },
    ]);
    expect(await receive(store, delta)).toMatchObject({ stored: 2, duplicates: 0 });
    expect(await receive(store, cumulative1)).toMatchObject({ stored: 1, duplicates: 0 });
    expect(await receive(store, cumulative2)).toMatchObject({ stored: 1, duplicates: 0 });
    const once = await report(store, org);
    // Hand-computed: +2 reached (s-shipped), +1.5 unlinked (s-resend), +2.5 did not reach (s-closed,
    // its running total).
    expect(once.spend).toMatchObject({
      total: 26.75 + 6,
      reachedProduction: 8.25 + 2,
      didNotReach: 3.5 + 2.5,
      unlinked: 5 + 1.5,
    });
    for (let i = 0; i < 3; i++) {
      expect(await receive(store, delta)).toMatchObject({ stored: 0, duplicates: 2 });
      expect(await receive(store, cumulative2)).toMatchObject({ stored: 0, duplicates: 1 });
      expect(await receive(store, cumulative1)).toMatchObject({ stored: 0, duplicates: 1 });
    }
    expect(await report(store, org)).toEqual(once);
    expect(metricOf(once)).toEqual(metricOf(before));
  });

  it("no surface shows spend per person or per session; a scope below the minimum group size shows the total only", async () => {
    const store = await newStore();
    await seed(store);
    const people = ["ana", "ben", "cy", "dee", "eve", "fay"];
    const sessions = ["s-shipped", "s-shared", "s-reverted", "s-closed", "s-pending", "s-nobody"];
    const api: ResolvedScope = { label: "acme/api", installationId: 1, repositoryIds: [20], owner: "acme" };
    const reports = {
      org: await report(store, org),
      shop: await report(store, shop, { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] }),
      // acme/api: eve and fay, two engineers, below the minimum of five.
      api: await report(store, api),
    };
    const outputs = (r: Report, repository: string) => [
      JSON.stringify(r),
      formatReportTable(r),
      formatReportCsv(r),
      formatPrometheus([{ repository, report: r }]),
    ];
    for (const [name, r] of Object.entries(reports)) {
      for (const text of outputs(r, `acme/${name}`)) {
        for (const login of people) expect(text.toLowerCase()).not.toMatch(new RegExp(`\\b${login}\\b`));
        for (const session of sessions) expect(text.toLowerCase()).not.toContain(session);
        expect(text).not.toContain("@example.com");
      }
      // The spend has no field that could hold a person's or a session's share.
      expect(Object.keys(r.spend ?? {}).sort()).toEqual(
        [
          "byAgent",
          "byModel",
          "costPerAiChangeShipped",
          "costPerAiDeployment",
          "currency",
          "didNotReach",
          "estimated",
          "pending",
          "reachedProduction",
          "series",
          "sessions",
          "total",
          "unattributed",
          "unlinked",
          "unpriced",
        ].sort(),
      );
    }

    // acme/api below the minimum: its spend is 2 (half of s-shared) + 1 (s-pending) = $3, and that
    // is all any surface says of it.
    const small = reports.api;
    expect(small.withheld).not.toBeNull();
    expect(small.spend).toEqual({
      currency: "USD",
      total: 3,
      estimated: 0,
      reachedProduction: null,
      didNotReach: null,
      pending: null,
      unlinked: null,
      unattributed: null,
      costPerAiDeployment: null,
      costPerAiChangeShipped: null,
      byAgent: null,
      byModel: null,
      sessions: null,
      unpriced: { tokens: 0, models: [] },
      series: null,
    });
    const table = formatReportTable(small);
    expect(table.match(/\$\d[\d,.]*/g)).toEqual(["$3.00"]);
    expect(table).toContain("shown as a total only");
    expect(table).not.toMatch(/^AGENT +AI SPEND|^MODEL +AI SPEND/m);
    const csv = formatReportCsv(small).trimEnd().split("\n");
    const header = (csv[0] as string).split(",");
    const spendColumns = header.flatMap((h, i) => (h.endsWith("_usd") ? [i] : []));
    for (const row of csv.slice(1)) {
      const cells = row.split(",");
      const values = spendColumns.map((i) => cells[i]);
      expect(values).toEqual(row.includes(",total,") ? ["3", "", "", "", "", ""] : ["", "", "", "", "", ""]);
    }
    const prometheus = formatPrometheus([{ repository: "acme/api", report: small }]);
    expect(prometheus.split("\n").filter((l) => /^shipledger_ai_(spend|cost)_/.test(l))).toEqual([
      'shipledger_ai_spend_usd{repository="acme/api",outcome="all"} 3',
    ]);
  });
});
