// Where a report's settings come from: the instance's METRIC_* defaults, refined by what the app
// last read of the organisation's and each repository's `.github/shipledger.yml` (recorded in the
// ledger), on both dialects.
import { expect, it } from "vitest";
import { agentOutcomes } from "../../src/metrics/agent-outcomes.js";
import { buildReport, type MetricDefaults, reportOptions, resolveScope } from "../../src/metrics/report.js";
import type { RepositorySettings, Store } from "../../src/store/types.js";
import { loadFigures } from "../../src/web/dashboard/figures.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.UTC(2026, 5, 1);
const INSTANCE: MetricDefaults = { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] };

async function acme(store: Store) {
  await seedRepository(store, 1, "acme", 10, "shop", NOW - 60 * DAY);
  await seedRepository(store, 1, "acme", 11, "docs", NOW - 60 * DAY);
  await seedRepository(store, 2, "globex", 20, "shop", NOW - 60 * DAY);
}

const shop: RepositorySettings = { revertWindowDays: 30, ignorePaths: ["docs/**"], minGroupSize: 8 };

eachDialect("metric: report settings from the ledger", ({ newStore }) => {
  it.each([
    {
      name: "nothing recorded: the instance's settings",
      organisation: null,
      repository: null,
      repo: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
      org: { minGroupSize: 5 },
    },
    {
      name: "the organisation's file raises the minimum",
      organisation: 7,
      repository: null,
      repo: { minGroupSize: 7, revertWindowDays: 14, ignorePaths: [] },
      org: { minGroupSize: 7 },
    },
    {
      name: "the organisation's file cannot lower it (anyone who may create its .github could)",
      organisation: 1,
      repository: null,
      repo: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
      org: { minGroupSize: 5 },
    },
    {
      name: "a repository's file raises its own reports' minimum, and brings its window and ignored paths",
      organisation: 6,
      repository: shop,
      repo: { minGroupSize: 8, revertWindowDays: 30, ignorePaths: ["docs/**"] },
      org: { minGroupSize: 6, repositories: [[10, { revertWindowDays: 30, ignorePaths: ["docs/**"] }]] },
    },
    {
      name: "a repository's file never lowers the minimum",
      organisation: 6,
      repository: { revertWindowDays: 14, ignorePaths: [], minGroupSize: 2 },
      repo: { minGroupSize: 6, revertWindowDays: 14, ignorePaths: [] },
      org: { minGroupSize: 6, repositories: [[10, { revertWindowDays: 14, ignorePaths: [] }]] },
    },
    {
      name: "a repository's file that counts explicit evidence only: in its reports and, for it, in the organisation's",
      organisation: null,
      repository: { revertWindowDays: 14, ignorePaths: [], evidence: "explicit" as const },
      repo: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [], evidence: "explicit" },
      org: {
        minGroupSize: 5,
        repositories: [[10, { revertWindowDays: 14, ignorePaths: [], evidence: "explicit" }]],
      },
    },
  ])("$name", async ({ organisation, repository, repo, org }) => {
    const store = await newStore();
    await acme(store);
    await store.installations.recordInstallationMinGroupSize(1, organisation, NOW);
    if (repository) await store.installations.recordRepositorySettings(1, 10, repository, NOW);

    const repoScope = await resolveScope(store, { repo: "acme/shop" });
    expect(await reportOptions(store, repoScope, INSTANCE, NOW)).toEqual({ ...repo, now: NOW });
    const orgScope = await resolveScope(store, { org: "acme" });
    const { repositories, ...rest } = org as typeof org & { repositories?: [number, unknown][] };
    expect(await reportOptions(store, orgScope, INSTANCE, NOW)).toEqual({
      ...INSTANCE,
      ...rest,
      now: NOW,
      ...(repositories ? { repositories: new Map(repositories) } : {}),
    });
    // Another installation is untouched by any of it.
    const globex = await resolveScope(store, { org: "globex" });
    expect(await reportOptions(store, globex, INSTANCE, NOW)).toEqual({ ...INSTANCE, now: NOW });
  });

  it("records settings only for the installation's own repository, and only when they change", async () => {
    const store = await newStore();
    await acme(store);
    await store.installations.recordRepositorySettings(2, 10, shop, NOW); // installation 2 does not own repository 10
    expect((await store.installations.listRepositories(1)).map((r) => r.metricSettings)).toEqual([null, null]);
    await store.installations.recordRepositorySettings(1, 10, shop, NOW);
    await store.installations.recordRepositorySettings(1, 10, { ...shop }, NOW + DAY); // the same again: nothing to write
    const [docs, shopRecord] = await store.installations.listRepositories(1);
    expect(docs?.metricSettings).toBeNull();
    expect(shopRecord?.metricSettings).toEqual(shop);
    // One repository, by id or by name in any case, only within its own installation.
    expect(await store.installations.getRepository(1, 10)).toMatchObject({
      fullName: "acme/shop",
      metricSettings: shop,
    });
    expect(await store.installations.getRepository(2, 10)).toBeNull();
    expect(await store.installations.findRepository(1, "ACME/Shop")).toMatchObject({ id: 10 });
    expect(await store.installations.findRepository(2, "acme/shop")).toBeNull();
    await store.installations.recordInstallationMinGroupSize(1, 4, NOW);
    await store.installations.recordInstallationMinGroupSize(3, 4, NOW); // no such installation: nothing happens
    expect((await store.installations.getInstallation(1))?.minGroupSize).toBe(4);
    expect((await store.installations.getInstallation(2))?.minGroupSize).toBeNull();
  });

  it("an organisation report leaves out what each repository's own file ignores", async () => {
    const store = await newStore();
    await acme(store);
    // Five engineers each ship a change in both repositories; those in acme/docs only touch docs/.
    const engineers = ["ann", "ben", "cy", "di", "erin"];
    let number = 1;
    for (const [i, engineer] of engineers.entries()) {
      const merged = NOW - (20 + i) * DAY;
      const inShop = await seedChange(store, 1, 10, { number: number++, engineer, ai: true, mergedAt: merged });
      const inDocs = await seedChange(store, 1, 11, {
        number: number++,
        engineer,
        ai: true,
        mergedAt: merged,
        paths: ["docs/guide.md"],
      });
      await seedDeployment(store, 1, 10, `shop-${i}`, merged + DAY, [inShop]);
      await seedDeployment(store, 1, 11, `docs-${i}`, merged + DAY, [inDocs]);
    }
    const scope = await resolveScope(store, { org: "acme" });
    const period = { since: NOW - 28 * DAY, until: NOW };
    const before = await buildReport(store, scope, period, await reportOptions(store, scope, INSTANCE, NOW));
    expect(before.changesShipped).toBe(10);

    await store.installations.recordRepositorySettings(1, 11, { revertWindowDays: 14, ignorePaths: ["docs/**"] }, NOW);
    const after = await buildReport(store, scope, period, await reportOptions(store, scope, INSTANCE, NOW));
    expect(after.changesShipped).toBe(5);
    expect(after.excluded.ignoredPaths).toBe(5);
  });

  it("counts explicit evidence only where a repository's file or the instance says so", async () => {
    const store = await newStore();
    await acme(store);
    // Five engineers each ship, in both repositories, one change with a trailer and one with a branch name alone.
    const engineers = ["ann", "ben", "cy", "di", "erin"];
    let number = 1;
    for (const [i, engineer] of engineers.entries()) {
      const merged = NOW - (20 + i) * DAY;
      for (const repositoryId of [10, 11]) {
        const explicit = await seedChange(store, 1, repositoryId, {
          number: number++,
          engineer,
          ai: true,
          mergedAt: merged,
        });
        const hinted = await seedChange(store, 1, repositoryId, {
          number: number++,
          engineer,
          ai: true,
          aiEvidence: "circumstantial",
          mergedAt: merged,
        });
        // The hinted one ships alone: its deployment exists for the figure only through a branch name.
        await seedDeployment(store, 1, repositoryId, `${repositoryId}-${i}-a`, merged + DAY, [explicit]);
        await seedDeployment(store, 1, repositoryId, `${repositoryId}-${i}-b`, merged + 2 * DAY, [hinted]);
      }
    }
    const org = await resolveScope(store, { org: "acme" });
    const shopScope = await resolveScope(store, { repo: "acme/shop" });
    const period = { since: NOW - 28 * DAY, until: NOW };
    const report = async (scope: typeof org, instance = INSTANCE) =>
      buildReport(store, scope, period, await reportOptions(store, scope, instance, NOW));

    expect(await report(org)).toMatchObject({
      changesShipped: 20,
      aiChangesShipped: 20,
      evidence: { basis: "any", circumstantialChanges: 10, circumstantialDeploymentShare: 0.5, leftOut: 0 },
    });
    // acme/shop's own file counts explicit evidence only; acme/docs has no file: the instance's "any".
    await store.installations.recordRepositorySettings(
      1,
      10,
      { revertWindowDays: 14, ignorePaths: [], evidence: "explicit" },
      NOW,
    );
    expect(await report(org)).toMatchObject({
      changesShipped: 20,
      aiChangesShipped: 15,
      evidence: { basis: "mixed", circumstantialChanges: 5, circumstantialDeploymentShare: 5 / 15, leftOut: 5 },
    });
    expect(await report(shopScope)).toMatchObject({
      aiChangesShipped: 5,
      aiShare: 0.5,
      evidence: { basis: "explicit", leftOut: 5, circumstantialDeployments: 0 },
    });
    // The instance's METRIC_EVIDENCE=explicit: acme/docs follows it too.
    expect(await report(org, { ...INSTANCE, evidence: "explicit" })).toMatchObject({
      aiChangesShipped: 10,
      evidence: { basis: "explicit", leftOut: 10 },
    });
    // A file saying "any" keeps hints counted whatever the instance's default.
    await store.installations.recordRepositorySettings(
      1,
      10,
      { revertWindowDays: 14, ignorePaths: [], evidence: "any" },
      NOW,
    );
    expect(await report(shopScope, { ...INSTANCE, evidence: "explicit" })).toMatchObject({
      aiChangesShipped: 10,
      evidence: { basis: "any", circumstantialChanges: 5 },
    });
  });

  it("credits, on explicit evidence only, the agents that explicit evidence names (report and dashboard)", async () => {
    const store = await newStore();
    await acme(store);
    // Five engineers ship a change with Claude Code's co-author trailer from a `cursor/` branch, and
    // one with the `ai-assisted` label alone (the generic agent).
    const trailer = {
      agent: "claude-code",
      marker: "claude-code/co-author",
      source: "trailer" as const,
      text: "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
    };
    const branch = { agent: "cursor", marker: "cursor/branch", source: "branch" as const, text: "cursor/fix-cache" };
    const label = { agent: "generic", marker: "config/label", source: "label" as const, text: "ai-assisted" };
    let number = 1;
    for (const [i, engineer] of ["ann", "ben", "cy", "di", "erin"].entries()) {
      const merged = NOW - (20 + i) * DAY;
      const both = await seedChange(store, 1, 10, {
        number: number++,
        engineer,
        ai: true,
        agents: ["claude-code", "cursor", "generic"],
        evidence: [trailer, branch, label],
        mergedAt: merged,
      });
      await seedDeployment(store, 1, 10, `both-${i}`, merged + DAY, [both]);
    }
    const scope = await resolveScope(store, { repo: "acme/shop" });
    const period = { since: NOW - 28 * DAY, until: NOW };
    const figures = async (evidence: "any" | "explicit") => {
      const instance = { ...INSTANCE, evidence };
      const report = await buildReport(store, scope, period, await reportOptions(store, scope, instance, NOW));
      const loaded = await loadFigures(store, scope, period, instance, NOW);
      const dashboard = agentOutcomes(loaded.rows, period, loaded.options).map((o) => [o.agent, o.shipped]);
      return { byAgent: report.byAgent, dashboard };
    };
    expect(await figures("any")).toEqual({
      byAgent: { "claude-code": 5, cursor: 5, generic: 5 },
      dashboard: [
        ["claude-code", 5],
        ["cursor", 5],
        ["generic", 5],
      ],
    });
    expect(await figures("explicit")).toEqual({ byAgent: { "claude-code": 5 }, dashboard: [["claude-code", 5]] });
  });

  it("lists a change merged on the edge of a slice once, in a week or over years", async () => {
    const store = await newStore();
    await acme(store);
    const since = NOW - 14 * DAY;
    const edges = [since, since + 7 * DAY - 1, since + 7 * DAY, since + 7 * DAY + 1, NOW - 1];
    let number = 1;
    for (const mergedAt of edges) await seedChange(store, 1, 10, { number: number++, engineer: "ann", mergedAt });
    await seedChange(store, 1, 10, { number: number++, engineer: "ann", mergedAt: NOW }); // the end is excluded
    const listed = await store.reports.listReportChanges({ installationId: 1 }, since, NOW);
    expect(listed.map((row) => row.mergedAt)).toEqual(edges);

    // Three years in at most 60 slices (each longer than a week), with changes across them.
    const longSince = NOW - 3 * 365 * DAY;
    const spread = Array.from({ length: 40 }, (_, i) => longSince + Math.floor((i * 3 * 365 * DAY) / 40));
    for (const mergedAt of spread) await seedChange(store, 1, 11, { number: number++, engineer: "ben", mergedAt });
    const years = await store.reports.listReportChanges({ installationId: 1, repositoryIds: [11] }, longSince, NOW);
    expect(years.map((row) => row.mergedAt)).toEqual(spread);
  });
});
