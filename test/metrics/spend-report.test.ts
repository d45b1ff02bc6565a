// AI spend in reports, on both dialects: usage stored as the OTLP endpoint stores it, joined to the
// changes whose evidence names the sessions, with hand-computed figures; prices from the instance
// and the organisation; repository and organisation scopes; the text surfaces.

import { expect, it } from "vitest";
import { formatPrometheus, formatReportCsv, formatReportTable } from "../../src/metrics/format.js";
import { buildReport, type ResolvedScope, reportOptions } from "../../src/metrics/report.js";
import type { UsagePointRecord } from "../../src/model/spend.js";
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
