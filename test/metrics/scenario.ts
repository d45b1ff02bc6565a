// The hand-computed scenario of the normalised-deployments metric: a team of six engineers over
// four weeks (Monday 2 March – Sunday 29 March 2026) on acme/shop. Its expected report is written
// out below and derived step by step, so that the pure computation (test/metrics/compute.test.ts)
// and the ledger queries on both dialects can be checked against the same figures.

import type { CreditPull } from "../../src/metrics/credit.js";
import type { MetricChange, MetricInput, MetricOptions, Report } from "../../src/metrics/types.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Monday 2 March 2026, 00:00 UTC: the period starts here. */
export const SINCE = Date.UTC(2026, 2, 2);
/** Monday 30 March 2026, 00:00 UTC (exclusive): 28 days, W = 4. */
export const UNTIL = SINCE + 28 * DAY_MS;

/** `day` days and `hour` hours after the start of the period (day 0 = Monday 2 March). */
export const at = (day: number, hour = 0) => SINCE + day * DAY_MS + hour * HOUR_MS;

/** The production deployments of acme/shop (ledger ids 101…110). */
export const deployments = {
  d1: { deploymentId: 101, at: at(1, 10) }, // week 1, Tuesday
  d2: { deploymentId: 102, at: at(3, 15) }, // week 1, Thursday
  d3: { deploymentId: 103, at: at(8, 11) }, // week 2
  d4: { deploymentId: 104, at: at(10, 16) }, // week 2
  d5: { deploymentId: 105, at: at(15, 12) }, // week 3
  d6: { deploymentId: 106, at: at(17, 14) }, // week 3; rolled back on day 18
  d7: { deploymentId: 107, at: at(22, 10) }, // week 4
  d8: { deploymentId: 108, at: at(24, 15) }, // week 4
  d9: { deploymentId: 109, at: at(26, 11) }, // week 4
  d10: { deploymentId: 110, at: at(29, 10) }, // after the period
} as const;

export const engineers = ["alice", "bob", "carol", "dan", "erin", "frank"] as const;

const change = (spec: Pick<MetricChange, "id" | "number" | "engineer"> & Partial<MetricChange>): MetricChange => ({
  repositoryId: 1,
  repository: "acme/shop",
  botChange: false,
  ai: false,
  aiEvidence: null,
  agents: [],
  mergedAt: 0,
  firstCommitAt: null,
  paths: ["src/app.ts"],
  pathsComplete: true,
  shipped: null,
  revertedAt: null,
  rolledBackAt: null,
  ...spec,
});

type Kind = Pick<MetricChange, "ai" | "aiEvidence" | "agents">;
const claude: Kind = { ai: true, aiEvidence: "explicit", agents: ["claude-code"] };
const cursor: Kind = { ai: true, aiEvidence: "explicit", agents: ["cursor"] };
const copilot: Kind = { ai: true, aiEvidence: "explicit", agents: ["github-copilot"] };
const devin: Kind = { ai: true, aiEvidence: "explicit", agents: ["devin"] };
const human: Kind = { ai: false, aiEvidence: null, agents: [] };
/** AI-assisted on a hint alone (a `claude/` or `cursor/` branch, a phrase): circumstantial evidence. */
const hinted = { aiEvidence: "circumstantial" } as const;

/** Pull request `n` by `engineer`: merged, first committed, shipped (a deployment or null), and the rest. */
const pr = (
  n: number,
  engineer: string | null,
  kind: Kind,
  mergedAt: number,
  firstCommitAt: number | null,
  shipped: MetricChange["shipped"],
  rest: Partial<MetricChange> = {},
) => change({ id: n, number: n, engineer, ...kind, mergedAt, firstCommitAt, shipped, ...rest });

const { d1, d2, d3, d4, d5, d6, d7, d8, d9, d10 } = deployments;

/** Every change the period's query returns: merged in the period, or shipped in it. */
export const changes: MetricChange[] = [
  // Week 1
  // #10 merged before the period (Saturday 28 February), shipped in it; its first commit is unknown.
  pr(10, "alice", claude, at(-2, 16), null, d1),
  pr(11, "alice", claude, at(0, 9), at(-1, 9), d1),
  pr(12, "bob", human, at(0, 14), at(-2, 14), d1),
  // #13: reverted on day 25, 21 days 19 hours after it shipped: outside the 14-day window, it counts.
  pr(13, "carol", cursor, at(2, 10), at(1, 10), d2, { revertedAt: at(25, 10) }),
  // #14 touches a lockfile and code: not only ignored paths, it counts.
  pr(14, "dan", human, at(2, 11), at(0, 11), d2, { paths: ["yarn.lock", "src/cart.ts"] }),
  pr(15, "erin", human, at(3, 9), at(2, 9), d2),
  // A direct push by bob (no pull request), change id 900.
  change({ id: 900, number: null, engineer: "bob", mergedAt: at(3, 12), firstCommitAt: at(3, 11), shipped: d2 }),
  // A dependabot bump: a bot change, never counted.
  pr(16, null, human, at(3, 13), at(3, 8), d2, { botChange: true, paths: ["package.json", "yarn.lock"] }),

  // Week 2
  // One piece of work split into three PRs, shipped together by d3: one deployment for alice.
  pr(17, "alice", claude, at(7, 9), at(5, 12), d3),
  pr(18, "alice", claude, at(7, 10), at(6, 12), d3),
  // #19's only evidence is its `claude/` branch: circumstantial, but d3 ships alice's #17 and #18.
  pr(19, "alice", claude, at(7, 11), at(7, 8), d3, hinted),
  // #20: reverted on day 12, 1 day 18 hours after it shipped: inside the window, it drops out.
  pr(20, "bob", copilot, at(8, 14), at(7, 14), d4, { revertedAt: at(12, 10) }),
  // #21 lists only docs, but the list is truncated: it is not judged ignored, it counts.
  pr(21, "carol", human, at(9, 10), at(8, 10), d4, { paths: ["docs/api.md"], pathsComplete: false }),
  // #22: opened by Devin, credited to frank who asked for it (see devinPull).
  pr(22, "frank", devin, at(9, 15), at(9, 9), d4),
  // #23: documentation only (all paths ignored): excluded, though AI-assisted.
  pr(23, "erin", cursor, at(10, 9), at(10, 8), d4, { paths: ["docs/setup.md", "docs/faq.md"] }),

  // Week 3
  pr(24, "dan", claude, at(14, 10), at(13, 10), d5),
  pr(25, "alice", claude, at(14, 15), at(14, 9), d5),
  pr(28, "frank", human, at(15, 10), at(14, 16), d5),
  // d6 is rolled back on day 18: both of its changes drop out.
  pr(26, "carol", cursor, at(16, 9), at(15, 9), d6, { rolledBackAt: at(18, 9) }),
  pr(27, "erin", human, at(16, 11), at(15, 11), d6, { rolledBackAt: at(18, 9) }),

  // Week 4
  pr(29, "bob", copilot, at(21, 9), at(20, 9), d7),
  pr(30, "dan", human, at(22, 13), at(21, 13), d8),
  pr(31, "alice", claude, at(23, 10), at(22, 10), d8),
  // #32's only evidence is its `cursor/` branch: carol·d9 rests on circumstantial evidence alone.
  pr(32, "carol", cursor, at(24, 16), at(24, 9), d9, hinted),
  pr(36, "erin", human, at(25, 10), at(24, 10), d9),
  // Tokenmaxxing: erin spams Claude trailers on three PRs that never ship.
  pr(33, "erin", claude, at(27, 9), at(27, 8), null),
  pr(34, "erin", claude, at(27, 10), at(27, 8), null),
  pr(35, "erin", claude, at(27, 11), at(27, 8), null),
  // #37 merged in the period, shipped after it: frank is active in week 4, nothing ships for him.
  pr(37, "frank", devin, at(27, 15), at(27, 9), d10),
];

export const input: MetricInput = { scope: "acme/shop", since: SINCE, until: UNTIL, changes };

export const options: MetricOptions = {
  revertWindowDays: 14,
  ignorePaths: ["docs/**", "**/*.lock"],
  minGroupSize: 5,
  now: UNTIL,
};

/** Devin's pull request #22 as GitHub shows it: credited to frank, who asked for it. */
export const devinPull: CreditPull = {
  author: { login: "devin-ai-integration[bot]", type: "Bot" },
  assignees: [],
  body: [
    "Adds CSV export of invoices.",
    "",
    "Link to Devin run: https://app.devin.ai/sessions/0123456789abcdef0123456789abcdef",
    "Requested by: Frank Moreau (@Frank)",
  ].join("\n"),
  commits: [
    {
      message:
        "Add invoice CSV export\n\nCo-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n",
    },
  ],
  mergedBy: "carol",
};

/*
 * Derivation of the expected report (revert window 14 days, ignorePaths docs/** and **\/*.lock,
 * minimum group 5, now = the end of the period).
 *
 * 1. W = 28 days / 7 = 4 weeks.
 *
 * 2. Active engineers (a change merged in [2 March, 30 March), bot changes left out):
 *    alice #11 #17-19 #25 #31 · bob #12 push #20 #29 · carol #13 #21 #26 #32 · dan #14 #24 #30 ·
 *    erin #15 #23 #27 #36 #33-35 · frank #22 #28 #37  →  |E| = 6 (≥ 5: nothing withheld).
 *    (#10 was merged before the period: it makes nobody active, but it shipped in the period.)
 *
 * 3. Shipped in the period: d1 #10 #11 #12 · d2 #13 #14 #15 push #16 · d3 #17 #18 #19 ·
 *    d4 #20 #21 #22 #23 · d5 #24 #25 #28 · d6 #26 #27 · d7 #29 · d8 #30 #31 · d9 #32 #36  = 25.
 *    (#33-35 never shipped; #37 shipped by d10, after the period.)
 *    Excluded: bot #16 (1); ignored paths #23 (1; #14 also touches code, #21's list is truncated);
 *    reverted or rolled back within 14 days #20 (revert after 1.8 days), #26 #27 (rollback of d6
 *    after 19 hours) (3). #13's revert came after 21.8 days: it counts.
 *    changesShipped = 25 − 1 − 1 − 3 = 20.
 *    AI-assisted among them: #10 #11 #13 #17 #18 #19 #22 #24 #25 #29 #31 #32 = 12; aiShare = 12/20 = 0.6.
 *    byAgent: claude-code #10 #11 #17 #18 #19 #24 #25 #31 = 8; cursor #13 #32 = 2; devin #22 = 1;
 *    github-copilot #29 = 1.
 *
 * 4. D(e), deployments shipping a counted AI-assisted change of e:
 *    alice {d1, d3, d5, d8} = 4 (d1 ships two of hers, d3 three: each deployment once)
 *    bob {d7} = 1 (#20 in d4 was reverted) · carol {d2, d9} = 2 (#26 rolled back)
 *    dan {d5} = 1 · erin {} = 0 (#23 docs only; #33-35 never shipped) · frank {d4} = 1
 *    Σ|D(e)| = 9; normalised deployments = 9 / (6 × 4) = 0.375.
 *
 * 5. Weeks (all whole): active engineers (merged that week); (engineer, deployment) pairs shipped
 *    that week; counted changes shipped (AI). Each pair's engineer is also active that week.
 *    2 Mar: alice bob carol dan erin = 5; alice·d1 carol·d2 = 2; d1 3 + d2 4 = 7 (AI 3: #10 #11 #13)
 *    9 Mar: alice bob carol erin frank = 5; alice·d3 frank·d4 = 2; d3 3 + d4 2 = 5 (AI 4: #17-19 #22)
 *    16 Mar: alice carol dan erin frank = 5; alice·d5 dan·d5 = 2; d5 3 + d6 0 = 3 (AI 2: #24 #25)
 *    23 Mar: all six = 6; bob·d7 alice·d8 carol·d9 = 3; d7 1 + d8 2 + d9 2 = 5 (AI 3: #29 #31 #32)
 *    Weekly normalised = pairs / active: 2/5, 2/5, 2/5, 3/6; adoption = engineers with a pair /
 *    active: the same here (each adopter has one pair a week).
 *    Adoption over the period = (2 + 2 + 2 + 3) / (5 + 5 + 5 + 6) = 9/21 = 3/7.
 *
 * 6. Median lead time, first commit → production, hours (counted changes; #10's first commit is unknown):
 *    AI: #11 49, #13 53, #17 71, #18 47, #19 27, #22 31, #24 50, #25 27, #29 49, #31 53, #32 50
 *        sorted 27 27 31 47 49 [49] 50 50 53 53 71 → 49
 *    other: #12 68, #14 76, #15 30, push 4, #21 54, #28 20, #30 74, #36 49
 *        sorted 4 20 30 [49 54] 68 74 76 → 51.5
 *
 * 7. Change failure rate (shipped in the period, bot and ignored left out, failures kept):
 *    AI: 12 counted + #20 + #26 = 14 shipped, 2 failed → 2/14 = 1/7
 *    other: 8 counted + #27 = 9 shipped, 1 failed → 1/9
 *
 * 8. Provisional (counted, shipped less than 14 days before now = 30 March, i.e. after 16 March):
 *    d5 #24 #25 #28, d7 #29, d8 #30 #31, d9 #32 #36 = 8.
 *
 * 9. Evidence (basis any): counted AI-assisted changes with circumstantial evidence alone: #19 #32
 *    = 2 of 12. Pairs only they make: alice·d3 is also #17's and #18's (explicit); carol·d9 is
 *    #32's alone → 1 of Σ|D(e)| = 9.
 */
export const expected: Report = {
  scope: "acme/shop",
  since: "2026-03-02T00:00:00.000Z",
  until: "2026-03-30T00:00:00.000Z",
  weeks: 4,
  activeEngineers: 6,
  normalisedDeployments: 9 / (6 * 4),
  adoption: 9 / 21,
  withheld: null,
  aiChangesShipped: 12,
  changesShipped: 20,
  aiShare: 12 / 20,
  medianLeadTimeHours: { ai: 49, other: 51.5 },
  changeFailureRate: { ai: 2 / 14, other: 1 / 9 },
  byAgent: { "claude-code": 8, cursor: 2, devin: 1, "github-copilot": 1 },
  evidence: {
    basis: "any",
    circumstantialChanges: 2,
    circumstantialShare: 2 / 12,
    circumstantialDeployments: 1,
    circumstantialDeploymentShare: 1 / 9,
    leftOut: 0,
  },
  excluded: { bot: 1, ignoredPaths: 1, reverted: 3 },
  provisional: 8,
  series: [
    week("2026-03-02", 5, 2, 3, 7),
    week("2026-03-09", 5, 2, 4, 5),
    week("2026-03-16", 5, 2, 2, 3),
    week("2026-03-23", 6, 3, 3, 5),
  ],
  historyNote: null,
  spend: null,
};

/*
 * The same changes with `metric.evidence: explicit`: #19 and #32 (circumstantial evidence alone)
 * count as other changes, still shipped.
 * - AI-assisted: 12 − 2 = 10; aiShare = 10/20. byAgent: claude-code 7, cursor 1.
 * - D(e): carol {d2} (d9 shipped only #32) → Σ|D(e)| = 8; normalised = 8 / 24.
 * - Weeks: 9 Mar AI 3 (alice·d3 stays: #17 #18); 23 Mar pairs bob·d7 alice·d8 = 2, AI 2.
 *   Adoption = (2 + 2 + 2 + 2) / 21 = 8/21.
 * - Lead time AI: 27 31 47 49 [49] 50 53 53 71 → 49; other gains #19 27 and #32 50:
 *   4 20 27 30 [49 50] 54 68 74 76 → 49.5.
 * - Change failure rate AI: 12 shipped, 2 failed → 1/6; other: 11 shipped, 1 failed → 1/11.
 * - Evidence: none counted rests on circumstantial evidence; 2 left out.
 */
export const expectedExplicit: Report = {
  ...expected,
  normalisedDeployments: 8 / 24,
  adoption: 8 / 21,
  aiChangesShipped: 10,
  aiShare: 10 / 20,
  medianLeadTimeHours: { ai: 49, other: 49.5 },
  changeFailureRate: { ai: 2 / 12, other: 1 / 11 },
  byAgent: { "claude-code": 7, cursor: 1, devin: 1, "github-copilot": 1 },
  evidence: {
    basis: "explicit",
    circumstantialChanges: 0,
    circumstantialShare: 0,
    circumstantialDeployments: 0,
    circumstantialDeploymentShare: 0,
    leftOut: 2,
  },
  series: [
    week("2026-03-02", 5, 2, 3, 7),
    week("2026-03-09", 5, 2, 3, 5),
    week("2026-03-16", 5, 2, 2, 3),
    week("2026-03-23", 6, 2, 2, 5),
  ],
};

/** A whole week in which each adopting engineer has one AI-assisted deployment. */
function week(
  monday: string,
  activeEngineers: number,
  aiDeployments: number,
  aiChangesShipped: number,
  changesShipped: number,
): Report["series"][number] {
  return {
    week: monday,
    days: 7,
    partial: false,
    activeEngineers,
    aiDeployments,
    aiChangesShipped,
    changesShipped,
    normalisedDeployments: aiDeployments / activeEngineers,
    adoption: aiDeployments / activeEngineers,
  };
}
