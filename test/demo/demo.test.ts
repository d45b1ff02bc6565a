// The offline demo (`npm run demo`), run in-process: the real app server, the fake GitHub, the
// story's webhooks over HTTP. Its printed report must equal the figures derived by hand below.
//
// The story (src/demo/story.ts), day d hh:00 UTC from its start (27 days before today, so that
// everything lies in the report's default period, the last 28 days). Lead time runs from a change's
// first commit (a PR's commits are an hour apart, the last at its opening) to its production
// deployment.
//
//   production deployments      ships (→ credited engineer, AI?)                      lead times
//   D0  d0 10:00 baseline       nothing
//   D1  d2 16:00                #1 ana AI, #2 ben AI, #3 eli                           51, 48, 31
//   D2  d4 16:00                #4 Copilot → chen (first human assignee) AI,          55
//                               #5 dependabot (bot), #6 dara                          —, 29
//   D2' d5 10:00 redeploy       nothing (same commit as D2)
//   D3  d9 16:00                #7 #8 #9 ana AI (one deployment),                     55, 51, 31
//                               #10 Devin → dara ("Requested by: @dara") AI, #11 tom  30, 7
//   D4  d11 15:00               #14 ben AI, #15 chen                                  30, 25
//   D5  d14 16:00               #16 ben AI — rolled back by D6 (d15 09:00)            failed
//   D6  d15 09:00 rollback      to D4's commit: nothing shipped, #16 rolled back
//   D7  d15 16:00               #17 eli, #18 ben AI (#16's commit again: not re-shipped) 6, 4
//   D8  d17 16:00               #19 dara AI — reverted by #20, shipped by D9 (d18)    failed
//   D9  d18 16:00               #20 eli (the revert)                                  7
//   D10 d19 16:00               #21 eli docs-only (ignored paths), #22 chen AI        —, 29
//   D11 d22 16:00               #23 ana AI, #24 ben, #25 dara                         31, 30, 7
//   D12 d24 16:00               #26 ana AI                                            31
//   never shipped: #12, #13, #27 (tom's trailer spam: closed or open, never merged), #28 (ben AI,
//   merged on day 26, only deployed to staging). Staging deployments are not production.
//
// - Active engineers E (credited with a change merged in the period): ana, ben, chen, dara, eli,
//   tom = 6. maya merged #4 and #10 but authored nothing; dependabot is a bot. |E| ≥ 5, so the
//   per-engineer figures are shown.
// - Shipped in the period: #1–#11 and #14–#26 = 24 changes.
//   Not counted: bot 1 (#5), ignored paths 1 (#21), reverted 2 (#16 rolled back, #19 reverted).
//   Changes shipped = 24 − 4 = 20.
// - AI-assisted counted: #1 #2 #4 #7 #8 #9 #10 #14 #18 #22 #23 #26 = 12; AI share 12/20 = 60.0%.
//   By agent: claude-code 6 (#1 #7 #8 #9 #23 #26), cursor 3 (#2 #14 #18), gemini 1 (#22: Gemini
//   CLI's Assisted-by and Agent-Session trailers), github-copilot 1, devin 1.
// - D(e), distinct deployments shipping a counted AI change of e: ana {D1, D3, D11, D12} = 4
//   (three PRs in D3 count once), ben {D1, D4, D7} = 3 (D5's #16 was rolled back), chen {D2, D10}
//   = 2, dara {D3} = 1 (D8's #19 was reverted), eli 0, tom 0. Σ = 10.
//   Normalised deployments = 10 / (6 × 4 weeks) = 0.4166… → "0.42".
// - Change failure rate (bot and ignored-path changes left out): AI 2 failed / 14 shipped
//   (12 counted + #16 + #19) = 14.3%; other 0 / 8 (#3 #6 #11 #15 #17 #20 #24 #25) = 0.0%.
// - Median lead time: AI 4, 29, 30, 30, 31, 31 | 31, 48, 51, 51, 55, 55 → (31 + 31) / 2 = 31.0 h;
//   other 6, 7, 7, 7 | 25, 29, 30, 31 → (7 + 25) / 2 = 16.0 h.
// - Adoption and the weekly series depend on the weekday the demo runs on (weeks start on
//   Mondays): not asserted.
//
// AI spend (src/demo/story.ts, buildSpend), USD. The sessions the commits name, and what their
// agents exported (Claude Code: delta, with its reported cost; Gemini CLI: cumulative, tokens only):
//   #1  ana    session_01HqJ8…  $3.00 (d0; the batch sent twice, counted once) + $1.25 (d1) = $4.25  D1, stays → reached
//   #23 ana    session_01JvR4…  $2.50 (d21)                                                  D11, stays → reached
//   #22 chen   Gemini 3f8c1e2a… running totals 300k/20k/5k then 400k/30k/10k input/output/thought:
//              input 400,000, output 30,000 + thought 10,000 = 40,000 (thoughts bill as output);
//              the demo's prices $1.25 and $10 per million: 0.5 + 0.4 = $0.90, estimated  D10, stays → reached
//   #19 dara   session_01Mx7b…  $3.75 (d16)                                  D8, reverted by #20 → did not reach
//   #12 tom    session_01Tq3w…  $6.00 (d8), named by #12's 30 spam commits, closed unmerged → did not reach
//   agents left running session_01Bz9x… $7.00 (d8) + $5.00 (d9) = $12.00, named by no change → unlinked
//   `costs import` of the OpenAI console's CSV: Codex $1.50 (d8) + $2.50 (d15) = $4.00, no session → unattributed
// - Total 4.25 + 2.50 + 0.90 + 3.75 + 6.00 + 12.00 + 4.00 = $33.40, of which $0.90 estimated.
//   Reached production 4.25 + 2.50 + 0.90 = $7.65; did not reach 3.75 + 6.00 = $9.75; pending $0;
//   unlinked $12.00; imported without a session $4.00.
// - Cost per AI-assisted production deployment: 33.40 / Σ|D(e)| = 33.40 / 10 = $3.34; per AI-assisted
//   change shipped: 33.40 / 12 = $2.7833… → "$2.78".
// - By agent: claude-code 4.25 + 2.50 + 3.75 + 6.00 + 12.00 = $28.50, codex $4.00, gemini $0.90.
//   By model: claude-opus-4-5 4.25 + 2.50 + 6.00 + 12.00 = $24.75, claude-sonnet-4-5 (#19) $3.75,
//   gpt-5-codex $4.00, gemini-2.5-pro $0.90. Sessions with spend: 6 (the import has none).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { abridgeSummary, type DemoResult, demoCommand, playDemo } from "../../src/demo/run.js";
import type { Report } from "../../src/metrics/types.js";

/** Both variants tell the same story, which starts 27 days before this. */
const NOW = Date.now();

let cwd: string;
let output = "";
let errors = "";
let result: DemoResult;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), "shipledger-demo-"));
  // A previous demo's ledger (here: not even a database) is deleted first.
  mkdirSync(join(cwd, "data"));
  writeFileSync(join(cwd, "data", "demo.db"), "not a database");
  const io: CliIO = {
    stdout: (text) => {
      output += typeof text === "string" ? text : Buffer.from(text).toString("utf8");
    },
    stderr: (text) => {
      errors += text;
    },
    env: {},
    cwd,
    now: () => NOW,
    isTTY: false,
  };
  result = await playDemo(io);
}, 240_000);

afterAll(() => {
  rmSync(cwd, { recursive: true, force: true });
});

/** The value column of a line of the printed report table. */
function figure(label: string): string {
  const line = output.split("\n").find((l) => l.startsWith(label));
  if (!line) throw new Error(`no "${label}" line in the output:\n${output}`);
  return line.slice(label.length).trim();
}

describe("npm run demo", () => {
  it("prints the hand-computed report for the organisation", () => {
    expect(errors).toBe("");
    expect(output).toContain("Shipledger report: acme (organisation)");
    // Installed (installation.created_at) the day before the story: the period is all heard.
    expect(result.report.historyNote).toBeNull();
    expect(output).not.toContain("not read");
    expect(figure("Normalised deployments (AI-assisted prod deployments per engineer-week)")).toBe("0.42");
    expect(figure("Active engineers")).toBe("6");
    expect(figure("AI-assisted changes shipped")).toBe("12");
    expect(figure("All changes shipped")).toBe("20");
    expect(figure("AI share of shipped changes")).toBe("60.0%");
    expect(figure("Median lead time, AI-assisted / other")).toBe("31.0 h / 16.0 h");
    expect(figure("Change failure rate, AI-assisted / other")).toBe("14.3% / 0.0%");
    expect(figure("Not counted: bot / ignored paths / reverted")).toBe("1 / 1 / 2");
    expect(figure("claude-code     ")).toBe("6");
    expect(figure("gemini          ")).toBe("1");
    expect(figure("cursor")).toBe("3");
    expect(figure("github-copilot")).toBe("1");
    expect(figure("devin")).toBe("1");
    expect(output).toContain(
      "normalised deployments = 10 AI-assisted production deployments credited to engineers / (6 active engineers × 4.0 weeks)",
    );
  });

  it("computes the same figures exactly", () => {
    const { report } = result;
    expect(report.weeks).toBe(4);
    expect(report.withheld).toBeNull();
    expect(report.normalisedDeployments).toBeCloseTo(10 / 24, 12);
    expect(report).toMatchObject({
      activeEngineers: 6,
      aiChangesShipped: 12,
      changesShipped: 20,
      aiShare: 0.6,
      medianLeadTimeHours: { ai: 31, other: 16 },
      changeFailureRate: { other: 0 },
      excluded: { bot: 1, ignoredPaths: 1, reverted: 2 },
      byAgent: { "claude-code": 6, cursor: 3, devin: 1, gemini: 1, "github-copilot": 1 },
    });
    expect(report.changeFailureRate.ai).toBeCloseTo(2 / 14, 12);
  });

  it("prints the hand-computed AI spend: what reached production, what did not, and what a deployment cost", () => {
    expect(figure("AI spend in the period")).toBe("$33.40 ($0.90 estimated from tokens)");
    expect(figure("  on sessions whose changes reached production and stayed")).toBe("$7.65");
    expect(figure("  that did not reach production (never shipped, reverted, rolled back)")).toBe("$9.75");
    expect(figure("  on changes not in production yet (open, awaiting a deployment)")).toBe("$0.00");
    expect(figure("  on sessions no change names")).toBe("$12.00");
    expect(figure("  imported without a session (team level only)")).toBe("$4.00");
    expect(figure("Cost per AI-assisted production deployment")).toBe("$3.34");
    expect(figure("Cost per AI-assisted change shipped")).toBe("$2.78");
    expect(output).toMatch(
      /^AGENT {8}AI SPEND \(USD\)\nclaude-code {2}\$28\.50\ncodex {8}\$4\.00\ngemini {7}\$0\.90$/m,
    );
    expect(figure("claude-opus-4-5-20251101")).toBe("$24.75");
    expect(figure("claude-sonnet-4-5-20250929")).toBe("$3.75");
    expect(output).not.toContain("have no price");
    expect(output).toContain("10 exports, each answered 200 (stored); the resent batch is counted once.");
    expect(output).toContain(
      "costs: imported 2 values from ./data/demo-openai-costs.csv: $4.00 reported, 0 sessions, 2 values without a session",
    );
    expect(output).toContain("$3.34 per AI-assisted deployment");
    expect(output).toContain("COST_PRICES_FILE=./data/demo-prices.yml npm run shipledger -- report --org acme");
    // The report lists no session, and no person's spend.
    const printed = output.slice(output.indexOf("The report for the organisation"), output.indexOf("Query the ledger"));
    expect(printed).toContain("AI SPEND (USD)");
    expect(printed).not.toMatch(/session_|3f8c1e2a/);
    for (const login of ["ana", "ben", "chen", "dara", "tom"])
      expect(printed).not.toMatch(new RegExp(`\\b${login}\\b.*\\$`));
    // Nor does the demo's account of what the agents sent: sessions by the change that names them.
    const sent = output.slice(
      output.indexOf("What the agents spent"),
      output.indexOf("The report for the organisation"),
    );
    expect(sent).toContain("the session behind #1 (Claude Code, delta): $3.00, sent twice (a retried batch)");
    for (const login of ["ana", "ben", "chen", "dara", "eli", "tom", "maya"])
      expect(sent).not.toMatch(new RegExp(`\\b${login}\\b`));
  });

  it("computes the same spend exactly", () => {
    const { spend } = result.report;
    expect(spend).toMatchObject({
      total: 33.4,
      estimated: 0.9,
      reachedProduction: 7.65,
      didNotReach: 9.75,
      pending: 0,
      unlinked: 12,
      unattributed: 4,
      byAgent: { "claude-code": 28.5, codex: 4, gemini: 0.9 },
      byModel: {
        "claude-opus-4-5-20251101": 24.75,
        "claude-sonnet-4-5-20250929": 3.75,
        "gemini-2.5-pro": 0.9,
        "gpt-5-codex": 4,
      },
      sessions: 6,
      unpriced: { tokens: 0, models: [] },
    });
    expect(spend?.costPerAiDeployment).toBeCloseTo(33.4 / 10, 6);
    expect(spend?.costPerAiChangeShipped).toBeCloseTo(33.4 / 12, 6);
    // The weeks add up to the period's figures.
    const weeks = spend?.series ?? [];
    const sum = (key: "reachedProduction" | "didNotReach" | "unlinked" | "unattributed") =>
      weeks.reduce((total, w) => total + w[key], 0);
    expect(sum("reachedProduction")).toBeCloseTo(7.65, 6);
    expect(sum("didNotReach")).toBeCloseTo(9.75, 6);
    expect(sum("unlinked")).toBeCloseTo(12, 6);
    expect(sum("unattributed")).toBeCloseTo(4, 6);
  });

  it("plays the story through the app: deployments linked, redeploy and rollback recognised", () => {
    expect(output).toContain("the previous demo ledger was deleted first");
    expect(output).toContain("→ Baseline: first production deployment recorded");
    expect(output).toContain("→ Redeploy: nothing new shipped");
    expect(output).toContain("→ Rollback: 1 change rolled back");
    expect(output).toContain("→ Shipped 5 changes (4 AI-assisted)");
    expect(output).toMatch(/\d+ deliveries, all processed\./);
    // One "AI attribution" check per pull request (28), one "Shipledger deployment" check per
    // production deployment (D0–D12 and the redeploy: 14).
    expect(result.checkRuns.filter((r) => r.name === "AI attribution")).toHaveLength(28);
    expect(result.checkRuns.filter((r) => r.name === "Shipledger deployment")).toHaveLength(14);
  });

  it("reads the configuration files once, not once per delivery (src/github/config-cache.ts)", () => {
    // acme/shop and acme/.github have no file: the first delivery that needs settings reads both
    // (two 404s), and the story's four weeks play in seconds, well within the hour a 404 is believed.
    // Without the cache: 160 of 324 requests (two per delivery that needs settings).
    // Each of the 28 pull request checks also probes for agent records (notes refs, traces file): 2 × 28.
    expect(result.requests).toEqual({
      total: 222,
      configReads: 2,
      configNotModified: 0,
      recordProbes: 56,
      recordProbesNotModified: 27,
    });
    expect(output).toContain("222 GitHub API requests, 2 of them configuration reads");
  });

  it("prints PR check summaries: Claude Code, the Copilot and Devin agents, and the tokenmaxxing", () => {
    expect(output).toContain("AI-assisted: Claude Code — 2 of 2 commits");
    expect(output).toContain("AI-assisted: GitHub Copilot — 2 of 2 commits");
    expect(output).toContain("Opened by `Copilot`, the GitHub Copilot agent.");
    expect(output).toContain("AI-assisted: Devin — 2 of 2 commits");
    expect(output).toContain("https://app.devin.ai/sessions/4f1c2b9a8e7d4c3b9a1f0e2d3c4b5a69");
    expect(output).toMatch(/AI-assisted: .*Claude Code.* — 30 of 30 commits/);
    expect(output).toContain("| … 27 more rows |");
  });

  it("tells the user how to query the ledger it leaves behind", () => {
    expect(existsSync(result.databasePath)).toBe(true);
    expect(result.databasePath).toBe(join(cwd, "data", "demo.db"));
    expect(output).toContain(`The ledger is ${result.databasePath} (SQLite)`);
    expect(output).toContain(
      "DATABASE_URL=file:./data/demo.db METRIC_IGNORE_PATHS='docs/**,*.md' COST_PRICES_FILE=./data/demo-prices.yml npm run shipledger -- report --org acme",
    );
    expect(output).toContain("DATABASE_URL=file:./data/demo.db npm run shipledger -- inbox");
    expect(output).toMatch(/sqlite3 -header -column \.\/data\/demo\.db "SELECT .* FROM changes/);
    expect(output).toMatch(/sqlite3 -header -column \.\/data\/demo\.db "SELECT .* FROM deployments/);
  });
});

describe("npm run demo -- --installed-late", () => {
  let lateCwd: string;
  let lateOutput = "";
  let lateErrors = "";
  let late: DemoResult;

  beforeAll(async () => {
    lateCwd = mkdtempSync(join(tmpdir(), "shipledger-demo-late-"));
    late = await playDemo(
      {
        stdout: (text) => {
          lateOutput += typeof text === "string" ? text : Buffer.from(text).toString("utf8");
        },
        stderr: (text) => {
          lateErrors += text;
        },
        env: {},
        cwd: lateCwd,
        now: () => NOW,
        isTTY: false,
      },
      { installedLate: true },
    );
  }, 240_000);

  afterAll(() => {
    rmSync(lateCwd, { recursive: true, force: true });
  });

  /** A report's figures: all but its period's exact times, its note on the history read, and its spend. */
  const figures = ({ since: _s, until: _u, historyNote: _h, spend: _spend, ...rest }: Report) => rest;

  it("reads the four weeks as history, on installation.created alone, into the live demo's report", () => {
    expect(lateErrors).toBe("");
    expect(late.deliveries).toBe(1);
    expect(late.backfill?.runs).toMatchObject([{ kind: "install", phase: "done", merged: 25, deployments: 14 }]);
    expect(figures(late.report)).toEqual(figures(result.report));
    expect(late.report.normalisedDeployments).toBeCloseTo(10 / 24, 12);
    expect(late.report).toMatchObject({
      activeEngineers: 6,
      aiChangesShipped: 12,
      changesShipped: 20,
      excluded: { bot: 1, ignoredPaths: 1, reverted: 2 },
      byAgent: { "claude-code": 6, cursor: 3, devin: 1, gemini: 1, "github-copilot": 1 },
    });
    // The same spend, but the history read is of merged pull requests: #12, closed unmerged before
    // the app was installed, is not in the ledger, so its session's $6.00 is on a session no change
    // names (unlinked 12 + 6 = $18.00) rather than a change that did not reach production ($3.75,
    // #19's). Either way it is spend that did not reach production; the total and the costs agree.
    expect(late.report.spend).toMatchObject({
      total: 33.4,
      estimated: 0.9,
      reachedProduction: 7.65,
      didNotReach: 3.75,
      pending: 0,
      unlinked: 18,
      unattributed: 4,
      costPerAiDeployment: result.report.spend?.costPerAiDeployment,
      costPerAiChangeShipped: result.report.spend?.costPerAiChangeShipped,
    });
    expect(lateOutput).toContain("Shipledger report: acme (organisation)");
    expect(lateOutput).toContain(
      "normalised deployments = 10 AI-assisted production deployments credited to engineers / (6 active engineers × 4.0 weeks)",
    );
  });

  it("shows the read's progress and `backfill status`, and what it cost: no check run for history", () => {
    expect(lateOutput).toContain("The one webhook is installation.created");
    // Progress is sampled: the first line and the last are always there, the phases between when caught.
    expect(lateOutput).toMatch(/0%\s+queued/);
    expect(lateOutput).toMatch(/100%\s+done: 25 merged pull requests, 14 production deployments, \d+ requests/);
    expect(lateOutput).toMatch(
      /What `shipledger backfill status` says now:\n.*REPOSITORY.*\n\s+acme\/shop\s+\S+\s+done\s+25 PRs\s+25/,
    );
    // One GraphQL page of the 25 merged pull requests (with their commits and files), one look for
    // records of authorship (none: no notes refs, no traces file), one for the deployments'
    // statuses, one walk of main that tells what each deployment shipped (no comparison); the
    // deployments listed by REST (and the first one's predecessor looked up).
    expect(late.backfill?.cost).toEqual({
      total: 10,
      graphql: 4,
      deployments: 2,
      commits: 0,
      other: 4,
      checkRunWrites: 0,
    });
    expect(late.checkRuns).toEqual([]);
    expect(lateOutput).toContain("What it cost: 10 GitHub API requests");
    expect(lateOutput).toContain("No check run was written (0 check-run requests)");
  });

  it("says which reports reach before the history read", () => {
    // 90 days were read: the default 28 days are within them; 120 days are not.
    expect(late.report.historyNote).toBeNull();
    const since = new Date(NOW - 120 * 24 * 60 * 60_000).toISOString().slice(0, 10);
    expect(late.backfill?.longerReport.historyNote).toMatch(/^history before \d{4}-\d{2}-\d{2} not read: /);
    expect(lateOutput).toContain(
      `\`shipledger report --org acme --since ${since}\`: "${late.backfill?.longerReport.historyNote}".`,
    );
  });
});

describe("shipledger demo", () => {
  it("refuses an unknown argument, with its usage", async () => {
    let err = "";
    const code = await demoCommand(["--late"], {
      stdout: () => undefined,
      stderr: (text) => {
        err += text;
      },
      env: {},
      cwd: tmpdir(),
      now: Date.now,
      isTTY: false,
    });
    expect(code).toBe(2);
    expect(err).toContain("unknown argument --late");
    expect(err).toContain("shipledger demo [--installed-late]");
  });
});

describe("abridgeSummary", () => {
  it("keeps a table's header and first three rows, and says how many rows it left out", () => {
    const summary = ["Intro", "| A |", "| --- |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 5 |", "", "Outro"].join("\n");
    expect(abridgeSummary(summary)).toEqual([
      "  │ Intro",
      "  │ | A |",
      "  │ | --- |",
      "  │ | 1 |",
      "  │ | 2 |",
      "  │ | 3 |",
      "  │ | … 2 more rows |",
      "  │",
      "  │ Outro",
    ]);
  });
});
