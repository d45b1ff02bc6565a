import { expect, it } from "vitest";
import { reportCommand } from "../../src/cli/report.js";
import { openStore } from "../../src/store/open.js";
import { captureCli } from "../helpers/cli.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.UTC(2026, 10, 24, 12);

const cli = (env: Record<string, string>) => captureCli(env, { now: () => NOW });

eachDialect("cli: shipledger report", ({ newDatabaseUrl }) => {
  it("prints the report as a table, JSON (with the weekly series) and CSV", async () => {
    const url = await newDatabaseUrl();
    const store = await openStore(url);
    try {
      await seedRepository(store, 1, "acme", 10, "shop", NOW - 40 * DAY);
      const team = ["ana", "ben", "cy", "dee", "eve", "fay"];
      const shas: string[] = [];
      for (const [i, engineer] of team.entries()) {
        shas.push(
          await seedChange(store, 1, 10, {
            number: i + 1,
            engineer,
            ai: i % 2 === 0,
            // The fifth engineer's change is AI-assisted on a branch name alone.
            ...(i === 4 ? { aiEvidence: "circumstantial" as const } : {}),
            mergedAt: NOW - 20 * DAY,
          }),
        );
      }
      await seedDeployment(store, 1, 10, "1", NOW - 19 * DAY, shas);
    } finally {
      await store.close();
    }
    const table = cli({ DATABASE_URL: url });
    expect(await reportCommand(["--repo", "acme/shop"], table.io)).toBe(0);
    expect(table.out()).toContain("Shipledger report: acme/shop, 2026-10-27");
    expect(table.out()).toMatch(/Normalised deployments \(AI-assisted prod deployments per engineer-week\)\s+0\.13/);
    expect(table.out()).toMatch(/AI share of shipped changes\s+50\.0%/);
    expect(table.out()).toMatch(/AI evidence counted \(metric\.evidence\)\s+any/);
    expect(table.out()).toMatch(/AI-assisted changes shipped on circumstantial evidence alone\s+1 \(33\.3%\)/);
    expect(table.out()).toMatch(/Share of AI-assisted deployments resting on circumstantial evidence alone\s+33\.3%/);
    // The instance counts explicit evidence only (METRIC_EVIDENCE): the hinted change is another change.
    const strict = cli({ DATABASE_URL: url, METRIC_EVIDENCE: "explicit" });
    expect(await reportCommand(["--repo", "acme/shop"], strict.io)).toBe(0);
    expect(strict.out()).toMatch(/AI share of shipped changes\s+33\.3%/);
    expect(strict.out()).toMatch(/AI evidence counted \(metric\.evidence\)\s+explicit only/);
    expect(strict.out()).toMatch(/Circumstantial-only changes counted as not AI-assisted\s+1/);
    expect(strict.out()).not.toContain("resting on circumstantial");

    const json = cli({ DATABASE_URL: url });
    expect(
      await reportCommand(
        ["--org", "acme", "--format", "json", "--since", "2026-10-27", "--until", "2026-11-24"],
        json.io,
      ),
    ).toBe(0);
    const report = JSON.parse(json.out());
    expect(report).toMatchObject({
      scope: "acme (organisation)",
      activeEngineers: 6,
      changesShipped: 6,
      aiChangesShipped: 3,
      evidence: {
        basis: "any",
        circumstantialChanges: 1,
        circumstantialShare: 1 / 3,
        circumstantialDeployments: 1,
        circumstantialDeploymentShare: 1 / 3,
        leftOut: 0,
      },
    });
    expect(report.normalisedDeployments).toBeCloseTo(3 / (6 * 4), 10);
    // 27 October (a Tuesday) to 24 November: six days, three weeks, one day; all shipped on 5 November.
    const quiet = { activeEngineers: 0, aiDeployments: 0, aiChangesShipped: 0, changesShipped: 0 };
    const none = { normalisedDeployments: null, adoption: null };
    expect(report.series).toEqual([
      { week: "2026-10-26", days: 6, partial: true, ...quiet, ...none },
      {
        week: "2026-11-02",
        days: 7,
        partial: false,
        activeEngineers: 6,
        aiDeployments: 3,
        aiChangesShipped: 3,
        changesShipped: 6,
        normalisedDeployments: 0.5,
        adoption: 0.5,
      },
      { week: "2026-11-09", days: 7, partial: false, ...quiet, ...none },
      { week: "2026-11-16", days: 7, partial: false, ...quiet, ...none },
      { week: "2026-11-23", days: 1, partial: true, ...quiet, ...none },
    ]);

    const csv = cli({ DATABASE_URL: url });
    expect(await reportCommand(["--repo", "acme/shop", "--format", "csv"], csv.io)).toBe(0);
    const lines = csv.out().trim().split("\n");
    expect(lines[0]).toBe(
      "scope,week,active_engineers,ai_deployments,ai_changes_shipped,changes_shipped,normalised_deployments,adoption,evidence_basis,circumstantial_ai_changes,circumstantial_deployment_share,circumstantial_left_out,ai_spend_usd,spend_reached_production_usd,spend_not_reached_usd,spend_pending_usd,spend_unlinked_usd,cost_per_ai_deployment_usd",
    );
    expect(lines.at(-1)).toMatch(/^acme\/shop,total,6,,3,6,0\.125,.*,any,1,0\.333\d+,0,,,,,,$/);
    // The weeks leave the period's evidence columns empty.
    expect(lines[1]).toMatch(/,,,,$/);
  });
});

it.each([
  [[], 2, "report: give --repo OWNER/NAME or --org OWNER"],
  [["--repo", "acme"], 2, 'report: --repo expects OWNER/NAME, got "acme"'],
  [["--org", "acme", "--format", "xml"], 2, 'report: --format expects table, json or csv, got "xml"'],
  [
    ["--org", "acme", "--since", "last week"],
    2,
    'report: --since: expected a date such as 2026-11-01 or 2026-11-01T09:00:00Z, got "last week"',
  ],
  [["--org", "nobody"], 1, "report: the ledger knows no installation for nobody"],
])("cli: report %j fails with a clear line", async (argv, code, message) => {
  const c = cli({ DATABASE_URL: ":memory:" });
  await expect(reportCommand(argv, c.io)).rejects.toMatchObject({
    exitCode: code,
    message: expect.stringContaining(message),
  });
});
