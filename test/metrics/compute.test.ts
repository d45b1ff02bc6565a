import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  computeReport,
  mondayOf,
  PATH_MATCH_STEPS,
  PATH_MATCH_WORK,
  pathMatcher,
  withheldReason,
} from "../../src/metrics/compute.js";
import { creditEngineer } from "../../src/metrics/credit.js";
import type {
  MetricChange,
  MetricInput,
  MetricOptions,
  Report,
  RepositoryMetricSettings,
} from "../../src/metrics/types.js";
import { propertyParams } from "../helpers/property.js";
import * as scenario from "./scenario.js";

const { at, DAY_MS, HOUR_MS, SINCE, UNTIL } = scenario;

describe("the hand-computed scenario (test/metrics/scenario.ts)", () => {
  it("gives the figures derived by hand", () => {
    expect(computeReport(scenario.input, scenario.options)).toEqual(scenario.expected);
  });

  it("accounts for every change shipped in the period", () => {
    const report = computeReport(scenario.input, scenario.options);
    const { bot, ignoredPaths, reverted } = report.excluded;
    expect(report.changesShipped + bot + ignoredPaths + reverted).toBe(25);
    expect(report.series.reduce((sum, w) => sum + w.changesShipped, 0)).toBe(report.changesShipped);
    expect(report.series.reduce((sum, w) => sum + w.aiChangesShipped, 0)).toBe(report.aiChangesShipped);
  });

  it("gives the figures derived by hand when only explicit evidence counts", () => {
    expect(computeReport(scenario.input, { ...scenario.options, evidence: "explicit" })).toEqual(
      scenario.expectedExplicit,
    );
  });

  it("names no engineer anywhere in the report", () => {
    const json = JSON.stringify(computeReport(scenario.input, scenario.options)).toLowerCase();
    for (const engineer of scenario.engineers) expect(json).not.toContain(engineer);
  });
});

// ---- builders -------------------------------------------------------------------------------------

let nextId = 1;
/** A human, AI-assisted change merged and shipped on day 1 by deployment 1, unless told otherwise. */
function change(overrides: Partial<MetricChange> = {}): MetricChange {
  return {
    id: nextId++,
    repositoryId: 1,
    repository: "acme/shop",
    number: 1,
    engineer: "alice",
    botChange: false,
    ai: true,
    aiEvidence: "explicit",
    agents: ["claude-code"],
    mergedAt: at(1, 9),
    firstCommitAt: at(0, 9),
    paths: ["src/app.ts"],
    pathsComplete: true,
    shipped: { deploymentId: 1, at: at(1, 12) },
    revertedAt: null,
    rolledBackAt: null,
    ...overrides,
  };
}

const team = ["ana", "ben", "cleo", "dev", "eve"];
/** Each of the five engineers merges a non-AI change (nothing shipped): five active engineers. */
const presence = (engineers: readonly string[] = team) =>
  engineers.map((engineer) => change({ engineer, ai: false, agents: [], shipped: null }));

const periodOf = (changes: MetricChange[], since = SINCE, until = UNTIL): MetricInput => ({
  scope: "acme/shop",
  since,
  until,
  changes,
});
const defaults: MetricOptions = { revertWindowDays: 14, ignorePaths: [], minGroupSize: 5, now: UNTIL };
const report = (changes: MetricChange[], options: Partial<MetricOptions> = {}) =>
  computeReport(periodOf(changes), { ...defaults, ...options });

// ---- gaming -----------------------------------------------------------------------------------------

describe("gaming the metric does not pay", () => {
  // Each case: a team of five (W = 4), a baseline, and the same with an attempt to game the metric.
  const base = () => [...presence(), change({ engineer: "ana", shipped: { deploymentId: 7, at: at(2, 10) } })];

  it.each<[string, () => MetricChange[], Partial<Report>]>([
    [
      "trailer spam on PRs that never ship adds nothing",
      () => [
        ...base(),
        ...Array.from({ length: 20 }, () => change({ engineer: "ana", shipped: null, agents: ["claude-code"] })),
      ],
      { normalisedDeployments: 1 / 20, aiChangesShipped: 1 },
    ],
    [
      "ten PRs shipped in one deployment count once for their engineer",
      () => [
        ...presence(),
        ...Array.from({ length: 10 }, () => change({ engineer: "ana", shipped: { deploymentId: 7, at: at(2, 10) } })),
      ],
      { normalisedDeployments: 1 / 20, aiChangesShipped: 10 },
    ],
    [
      "a redeploy ships nothing new: a change listed again with a later deployment counts at its first",
      () => {
        const changes = base();
        const shipped = changes[changes.length - 1] as MetricChange;
        return [...changes, { ...shipped, shipped: { deploymentId: 8, at: at(9, 10) } }];
      },
      { normalisedDeployments: 1 / 20, aiChangesShipped: 1 },
    ],
    [
      "a reverted change drops out",
      () => [...presence(), change({ engineer: "ana", revertedAt: at(3, 10) })],
      { normalisedDeployments: 0, aiChangesShipped: 0, excluded: { bot: 0, ignoredPaths: 0, reverted: 1 } },
    ],
    [
      "a rolled-back change drops out",
      () => [...presence(), change({ engineer: "ana", rolledBackAt: at(1, 13) })],
      { normalisedDeployments: 0, aiChangesShipped: 0, excluded: { bot: 0, ignoredPaths: 0, reverted: 1 } },
    ],
    [
      "changing only ignored paths adds nothing",
      () => [...presence(), change({ engineer: "ana", paths: ["yarn.lock", "web/yarn.lock"] })],
      { normalisedDeployments: 0, aiChangesShipped: 0, excluded: { bot: 0, ignoredPaths: 1, reverted: 0 } },
    ],
    [
      "bot changes neither count nor make anyone active",
      () => [
        ...presence(),
        change({ engineer: null, botChange: true, ai: false, agents: [] }),
        change({ engineer: "dependabot[bot]", ai: false, agents: [] }),
      ],
      { activeEngineers: 5, changesShipped: 0, excluded: { bot: 2, ignoredPaths: 0, reverted: 0 } },
    ],
  ])("%s", (_name, changes, expected) => {
    expect(report(changes(), { ignorePaths: ["*.lock"] })).toMatchObject(expected);
  });

  it("an agent-opened PR is credited to its requester, who gets the deployment", () => {
    const engineer = creditEngineer(scenario.devinPull);
    expect(engineer).toBe("frank");
    const result = report([
      ...presence(["ana", "ben", "cleo", "dev"]),
      change({ engineer, agents: ["devin"], shipped: { deploymentId: 3, at: at(2, 10) } }),
    ]);
    expect(result).toMatchObject({ activeEngineers: 5, normalisedDeployments: 1 / 20, byAgent: { devin: 1 } });
  });

  it("an engineer's logins in different cases are one engineer", () => {
    const result = report([
      ...presence(["ana", "ben", "cleo", "dev"]),
      change({ engineer: "Eve", shipped: { deploymentId: 3, at: at(2, 10) } }),
      change({ engineer: "eve", shipped: { deploymentId: 3, at: at(2, 10) } }),
      change({ engineer: "EVE ", shipped: { deploymentId: 4, at: at(3, 10) } }),
    ]);
    expect(result).toMatchObject({ activeEngineers: 5, normalisedDeployments: 2 / 20 });
  });

  describe("a group below the minimum size", () => {
    const small = () => [
      ...presence(["ana", "ben", "cleo"]),
      change({ engineer: "ana", shipped: { deploymentId: 3, at: at(2, 10) } }),
      change({ engineer: "ben", ai: false, agents: [], shipped: { deploymentId: 3, at: at(2, 10) } }),
    ];

    it("withholds per-engineer figures and says why; counts stay", () => {
      const result = report(small());
      expect(result.withheld).toBe(
        "fewer than 5 active engineers (3): per-engineer figures are withheld so that the report cannot single anyone out",
      );
      expect(result).toMatchObject({
        activeEngineers: 3,
        normalisedDeployments: null,
        adoption: null,
        aiChangesShipped: 1,
        changesShipped: 2,
        aiShare: 0.5,
      });
      for (const week of result.series) {
        expect(week.normalisedDeployments).toBeNull();
        expect(week.adoption).toBeNull();
      }
      // Counts of changes and of people stay; the weekly Σ|D(e)| would be per-engineer data here.
      expect(result.series[0]).toMatchObject({ activeEngineers: 3, aiDeployments: null, changesShipped: 2 });
      for (const week of result.series) expect(week.aiDeployments).toBeNull();
    });

    it("contains no per-engineer data", () => {
      const json = JSON.stringify(report(small())).toLowerCase();
      for (const engineer of ["ana", "ben", "cleo"]) expect(json).not.toContain(`"${engineer}`);
      expect(Object.keys(report(small())).sort()).toEqual(Object.keys(scenario.expected).sort());
    });

    it("is shown once the minimum is met (configurable)", () => {
      expect(report(small(), { minGroupSize: 3 })).toMatchObject({ withheld: null, normalisedDeployments: 1 / 12 });
    });

    it("speaks of one engineer in the singular", () => {
      expect(withheldReason(0, 1)).toBe(
        "fewer than 1 active engineer (0): per-engineer figures are withheld so that the report cannot single anyone out",
      );
    });
  });
});

// ---- definitions ------------------------------------------------------------------------------------

describe("definitions", () => {
  it("counts the deployment of a change merged before the period, without making its engineer active", () => {
    // fay's change merged before the period and shipped in it. Were her deployments counted only
    // when she is in E, merging any PR (even one that never ships) would raise the figure.
    const changes = [
      ...presence(),
      change({ engineer: "fay", mergedAt: at(-3, 9), shipped: { deploymentId: 5, at: at(1, 10) } }),
    ];
    expect(report(changes)).toMatchObject({ activeEngineers: 5, aiChangesShipped: 1, normalisedDeployments: 1 / 20 });
    const spam = change({ engineer: "fay", shipped: null });
    expect(report([...changes, spam])).toMatchObject({ activeEngineers: 6, normalisedDeployments: 1 / 24 });
  });

  it("tells deployments apart whatever their ids, also beyond what fits one packed number", () => {
    // (engineer, deployment) pairs are one number while the id is below 2^32, a string beyond.
    const big = 2 ** 40;
    const result = report([
      ...presence(),
      change({ engineer: "ana", shipped: { deploymentId: big, at: at(1, 10) } }),
      change({ engineer: "ana", shipped: { deploymentId: big + 1, at: at(2, 10) } }),
      change({ engineer: "ana", shipped: { deploymentId: big, at: at(1, 10) } }), // the same deployment again
      change({ engineer: "ben", shipped: { deploymentId: 2 ** 32 - 1, at: at(2, 10) } }),
      change({ engineer: "ben", shipped: { deploymentId: 2 ** 32, at: at(3, 10) } }),
    ]);
    expect(result).toMatchObject({ aiChangesShipped: 5, normalisedDeployments: 4 / 20 });
  });

  it("counts the deployments of the period only", () => {
    const result = report([
      ...presence(),
      change({ engineer: "ana", shipped: { deploymentId: 5, at: SINCE - 1 }, mergedAt: at(-1, 9) }),
      change({ engineer: "ana", shipped: { deploymentId: 6, at: SINCE } }),
      change({ engineer: "ana", shipped: { deploymentId: 7, at: UNTIL - 1 } }),
      change({ engineer: "ana", shipped: { deploymentId: 8, at: UNTIL } }),
    ]);
    expect(result).toMatchObject({ aiChangesShipped: 2, normalisedDeployments: 2 / 20 });
  });

  it.each<[string, number, number]>([
    ["a revert exactly at the end of the window counts against the change", 14 * DAY_MS, 0],
    ["a revert a millisecond after the window does not", 14 * DAY_MS + 1, 1],
  ])("%s", (_name, after, counted) => {
    const shippedAt = at(1, 12);
    const result = report([...presence(), change({ engineer: "ana", revertedAt: shippedAt + after })]);
    expect(result.changesShipped).toBe(counted);
    expect(result.changeFailureRate.ai).toBe(1 - counted);
  });

  it("takes the revert window and ignored paths of each repository in an organisation report", () => {
    const other = { repositoryId: 2, repository: "acme/docs" };
    const changes = [
      ...presence(),
      change({ engineer: "ana", revertedAt: at(5, 12) }), // 4 days: reverted under the default 14 days
      change({ ...other, engineer: "ana", revertedAt: at(5, 12) }), // acme/docs has a 2-day window
      change({ ...other, engineer: "ben", paths: ["docs/a.md"] }), // ignored by default, not in acme/docs
    ];
    const result = report(changes, {
      ignorePaths: ["docs/**"],
      repositories: new Map([[2, { revertWindowDays: 2, ignorePaths: [] }]]),
    });
    expect(result).toMatchObject({ changesShipped: 2, excluded: { bot: 0, ignoredPaths: 0, reverted: 1 } });
  });

  it.each<[string, Partial<MetricChange>, boolean]>([
    ["all paths ignored", { paths: ["docs/a.md", "docs/b/c.md"] }, true],
    ["one path not ignored", { paths: ["docs/a.md", "src/a.ts"] }, false],
    ["a truncated list", { paths: ["docs/a.md"], pathsComplete: false }, false],
    ["no paths known", { paths: [] }, false],
  ])("ignored paths: %s", (_name, overrides, ignored) => {
    const result = report([...presence(), change({ engineer: "ana", ...overrides })], { ignorePaths: ["docs/**"] });
    expect(result.excluded.ignoredPaths).toBe(ignored ? 1 : 0);
  });

  it("lets ignored-path and reverted changes make their engineer active", () => {
    const result = report(
      [
        ...presence(["ana", "ben", "cleo"]),
        change({ engineer: "dev", paths: ["docs/a.md"] }),
        change({ engineer: "eve", revertedAt: at(2, 0) }),
      ],
      { ignorePaths: ["docs/**"] },
    );
    expect(result).toMatchObject({ activeEngineers: 5, normalisedDeployments: 0, changesShipped: 0 });
  });

  it("leaves figures empty when nothing shipped and nobody was active", () => {
    expect(report([], { minGroupSize: 1 })).toMatchObject({
      activeEngineers: 0,
      normalisedDeployments: null,
      adoption: null,
      aiShare: null,
      medianLeadTimeHours: { ai: null, other: null },
      changeFailureRate: { ai: null, other: null },
      byAgent: {},
      withheld:
        "fewer than 1 active engineer (0): per-engineer figures are withheld so that the report cannot single anyone out",
    });
  });

  it("takes the median lead time over known first commits, clamping clock skew at zero", () => {
    const shipped = { deploymentId: 9, at: at(3, 0) };
    const result = report([
      ...presence(),
      change({ firstCommitAt: at(2, 0), shipped }), // 24 h
      change({ firstCommitAt: at(1, 0), shipped }), // 48 h
      change({ firstCommitAt: at(0, 0), shipped }), // 72 h
      change({ firstCommitAt: null, shipped }),
      change({ ai: false, agents: [], firstCommitAt: at(3, 1), shipped }), // after shipping: 0 h
      change({ ai: false, agents: [], firstCommitAt: at(2, 21), shipped }), // 3 h
    ]);
    expect(result.medianLeadTimeHours).toEqual({ ai: 48, other: 1.5 });
  });

  it("takes the median lead time of any list as sorting it would (odd and even counts, repeats)", () => {
    const shippedAt = at(20, 0);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 * 24 }), { minLength: 1, maxLength: 60 }), (hours) => {
        const result = report(
          hours.map((h) =>
            change({ firstCommitAt: shippedAt - h * HOUR_MS, shipped: { deploymentId: 1, at: shippedAt } }),
          ),
          { minGroupSize: 1 },
        );
        const sorted = [...hours].sort((a, b) => a - b);
        const mid = sorted.length >> 1;
        const expected =
          sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
        expect(result.medianLeadTimeHours.ai).toBe(expected);
      }),
      propertyParams(),
    );
  });

  it("counts each agent of a change once, and changes without agents in no agent", () => {
    const result = report([
      ...presence(),
      change({ agents: ["cursor", "claude-code", "cursor"] }),
      change({ agents: [] }),
      change({ agents: ["aider"] }),
    ]);
    expect(result.byAgent).toEqual({ aider: 1, "claude-code": 1, cursor: 1 });
    expect(Object.keys(result.byAgent)).toEqual(["aider", "claude-code", "cursor"]);
  });

  it("marks counted changes whose revert window is still open at now as provisional", () => {
    const changes = [
      ...presence(),
      change({ shipped: { deploymentId: 1, at: at(1, 0) } }),
      change({ shipped: { deploymentId: 2, at: at(20, 0) } }),
    ];
    expect(report(changes, { now: at(15, 0) }).provisional).toBe(1);
    expect(report(changes, { now: at(40, 0) }).provisional).toBe(0);
  });

  it("refuses an empty or reversed period", () => {
    expect(() => computeReport(periodOf([], SINCE, SINCE), defaults)).toThrow(RangeError);
    expect(() => computeReport(periodOf([], UNTIL, SINCE), defaults)).toThrow(RangeError);
  });
});

describe("evidence basis (metric.evidence)", () => {
  const shippedBy = (deploymentId: number) => ({ shipped: { deploymentId, at: at(2, 10) } });
  const hint = { aiEvidence: "circumstantial" } as const;
  const unclassified = { aiEvidence: null } as const;
  // Five engineers; ana ships an explicit change (d1) and a hinted one (d2); ben a hinted one with
  // an explicit one in the same deployment (d3); cleo an AI change not classified yet (d4).
  const mixed = () => [
    ...presence(),
    change({ engineer: "ana", ...shippedBy(1) }),
    change({ engineer: "ana", ...hint, ...shippedBy(2) }),
    change({ engineer: "ben", ...hint, ...shippedBy(3) }),
    change({ engineer: "ben", ...shippedBy(3) }),
    change({ engineer: "cleo", ...unclassified, ...shippedBy(4) }),
  ];

  it.each<[string, Partial<MetricOptions>, Partial<Report>]>([
    [
      "any: hints count, and the report says how much rests on them",
      {},
      {
        aiChangesShipped: 5,
        changesShipped: 5,
        normalisedDeployments: 4 / 20,
        evidence: {
          basis: "any",
          circumstantialChanges: 3,
          circumstantialShare: 3 / 5,
          circumstantialDeployments: 2, // ana·d2 and cleo·d4; ben·d3 has an explicit change too
          circumstantialDeploymentShare: 2 / 4,
          leftOut: 0,
        },
      },
    ],
    [
      "explicit: hinted and unclassified changes are other changes, still shipped",
      { evidence: "explicit" },
      {
        aiChangesShipped: 2,
        changesShipped: 5,
        aiShare: 2 / 5,
        normalisedDeployments: 2 / 20,
        byAgent: { "claude-code": 2 },
        changeFailureRate: { ai: 0, other: 0 },
        evidence: {
          basis: "explicit",
          circumstantialChanges: 0,
          circumstantialShare: 0,
          circumstantialDeployments: 0,
          circumstantialDeploymentShare: 0,
          leftOut: 3,
        },
      },
    ],
    [
      "withheld: the sums over engineers are null, counts of changes stay",
      { minGroupSize: 6 },
      {
        normalisedDeployments: null,
        evidence: {
          basis: "any",
          circumstantialChanges: 3,
          circumstantialShare: 3 / 5,
          circumstantialDeployments: null,
          circumstantialDeploymentShare: null,
          leftOut: 0,
        },
      },
    ],
    [
      "withheld under explicit: what was left out is still said",
      { minGroupSize: 6, evidence: "explicit" },
      {
        aiChangesShipped: 2,
        evidence: {
          basis: "explicit",
          circumstantialChanges: 0,
          circumstantialShare: 0,
          circumstantialDeployments: null,
          circumstantialDeploymentShare: null,
          leftOut: 3,
        },
      },
    ],
  ])("%s", (_name, options, expected) => {
    expect(report(mixed(), options)).toMatchObject(expected);
  });

  it("moves a hinted change's lead time and failure to the other side under explicit", () => {
    const changes = [
      ...presence(),
      change({ engineer: "ana", firstCommitAt: at(1, 0), ...shippedBy(1) }), // 34 h, explicit
      change({ engineer: "ben", firstCommitAt: at(2, 0), ...hint, ...shippedBy(1) }), // 10 h, hinted
      change({ engineer: "cleo", ...hint, ...shippedBy(2), revertedAt: at(3, 10) }), // hinted, reverted
    ];
    expect(report(changes)).toMatchObject({
      medianLeadTimeHours: { ai: 22, other: null },
      changeFailureRate: { ai: 1 / 3, other: null },
    });
    expect(report(changes, { evidence: "explicit" })).toMatchObject({
      medianLeadTimeHours: { ai: 34, other: 10 },
      changeFailureRate: { ai: 0, other: 1 / 2 },
      evidence: { leftOut: 1 }, // the reverted one is not counted at all
    });
  });

  it("counts a hinted change in the weekly series only where hints count", () => {
    const changes = [...presence(), change({ engineer: "ana", ...hint, ...shippedBy(1) })];
    const week = (r: Report) => r.series.find((w) => w.changesShipped > 0);
    expect(week(report(changes))).toMatchObject({ aiChangesShipped: 1, aiDeployments: 1, changesShipped: 1 });
    expect(week(report(changes, { evidence: "explicit" }))).toMatchObject({
      aiChangesShipped: 0,
      aiDeployments: 0,
      changesShipped: 1,
      adoption: 0,
    });
  });

  it.each<[string, MetricOptions["evidence"], Map<number, RepositoryMetricSettings>, number, string]>([
    ["each repository its own basis", "any", new Map([[2, { evidence: "explicit" }]]), 1, "mixed"],
    ["a repository without one takes the options'", "explicit", new Map([[2, {}]]), 0, "explicit"],
    [
      "a repository may count any where the default is explicit",
      "explicit",
      new Map([[2, { evidence: "any" }]]),
      1,
      "mixed",
    ],
  ])("organisation reports: %s", (_name, evidence, settings, aiChangesShipped, basis) => {
    const other = { repositoryId: 2, repository: "acme/docs" };
    const changes = [
      ...presence(),
      change({ engineer: "ana", ...hint, ...shippedBy(1) }),
      change({ ...other, engineer: "ben", ...hint, ...shippedBy(2) }),
    ];
    const result = report(changes, { ...(evidence ? { evidence } : {}), repositories: settings });
    expect(result.aiChangesShipped).toBe(aiChangesShipped);
    expect(result.evidence.basis).toBe(basis);
    expect(result.evidence.circumstantialChanges + result.evidence.leftOut).toBe(2);
  });

  it("names the options' basis when nothing shipped", () => {
    expect(report(presence(), { evidence: "explicit" }).evidence).toEqual({
      basis: "explicit",
      circumstantialChanges: 0,
      circumstantialShare: null,
      circumstantialDeployments: 0,
      circumstantialDeploymentShare: null,
      leftOut: 0,
    });
  });
});

describe("weeks", () => {
  it("start on Monday 00:00 UTC", () => {
    expect(mondayOf(Date.UTC(2026, 2, 2))).toBe(Date.UTC(2026, 2, 2)); // a Monday
    expect(mondayOf(Date.UTC(2026, 2, 8, 23, 59))).toBe(Date.UTC(2026, 2, 2)); // the Sunday after
    expect(mondayOf(Date.UTC(2026, 2, 4, 12))).toBe(Date.UTC(2026, 2, 2)); // Wednesday noon
    expect(mondayOf(Date.UTC(2026, 0, 1))).toBe(Date.UTC(2025, 11, 29)); // across a year
  });

  it("cut a period that is not whole weeks into partial first and last weeks; W is real", () => {
    // Wednesday 4 March to Saturday 14 March: 10 days, W = 10/7.
    const since = Date.UTC(2026, 2, 4);
    const until = Date.UTC(2026, 2, 14);
    const wed = (days: number, hours = 10) => since + days * DAY_MS + hours * HOUR_MS;
    const changes = [
      ...team.map((engineer) => change({ engineer, ai: false, agents: [], mergedAt: wed(0), shipped: null })),
      ...team.map((engineer) => change({ engineer, ai: false, agents: [], mergedAt: wed(6), shipped: null })),
      change({ engineer: "ana", mergedAt: wed(1), shipped: { deploymentId: 1, at: wed(2) } }),
      change({ engineer: "ben", mergedAt: wed(6), shipped: { deploymentId: 2, at: wed(7) } }),
    ];
    const result = computeReport(periodOf(changes, since, until), defaults);
    expect(result.weeks).toBe(10 / 7);
    expect(result.normalisedDeployments).toBe(2 / (5 * (10 / 7)));
    expect(result.series).toEqual([
      {
        week: "2026-03-02",
        days: 5,
        partial: true,
        activeEngineers: 5,
        aiDeployments: 1,
        aiChangesShipped: 1,
        changesShipped: 1,
        normalisedDeployments: 1 / (5 * (5 / 7)),
        adoption: 1 / 5,
      },
      {
        week: "2026-03-09",
        days: 5,
        partial: true,
        activeEngineers: 5,
        aiDeployments: 1,
        aiChangesShipped: 1,
        changesShipped: 1,
        normalisedDeployments: 1 / (5 * (5 / 7)),
        adoption: 1 / 5,
      },
    ]);
    expect(result.adoption).toBe(2 / 10);
  });

  it("count a deployment in the week it ships; adoption needs the engineer active that week", () => {
    // ana merges in week 1 and her change ships in week 2, when she merges nothing.
    const changes = [
      ...presence(),
      change({ engineer: "ana", mergedAt: at(4, 9), shipped: { deploymentId: 1, at: at(8, 9) } }),
    ];
    const result = report(changes);
    expect(result.normalisedDeployments).toBe(1 / 20);
    expect(result.series[1]).toMatchObject({ activeEngineers: 0, aiDeployments: 1, normalisedDeployments: null });
    expect(result.adoption).toBe(0);
    // Had she merged something in week 2, that week would be hers.
    const busy = report([...changes, change({ engineer: "ana", mergedAt: at(9, 9), shipped: null })]);
    expect(busy.adoption).toBe(1 / 6);
  });

  it("withhold a week's per-engineer figures when that week has too few active engineers", () => {
    const changes = [...presence(), change({ engineer: "ana", mergedAt: at(8, 9), shipped: null })];
    const result = report(changes);
    expect(result.withheld).toBeNull();
    expect(result.series[0]).toMatchObject({ activeEngineers: 5, normalisedDeployments: 0, adoption: 0 });
    expect(result.series[1]).toMatchObject({ activeEngineers: 1, normalisedDeployments: null, adoption: null });
  });
});

describe("pathMatcher", () => {
  it.each<[string[], string, boolean]>([
    [["*.lock"], "yarn.lock", true],
    [["*.lock"], "web/yarn.lock", true], // `*` crosses `/`
    [["**/*.lock"], "yarn.lock", true], // `**/` may be no folder
    [["**/*.lock"], "web/app/yarn.lock", true],
    [["docs/**"], "docs/a/b.md", true],
    [["docs/**"], "docs", false],
    [["docs/**/*.md"], "docs/a.md", true],
    [["docs/**/*.md"], "docs/a/b.md", true],
    [["docs/*"], "src/docs/a.md", false],
    [["/docs/*"], "docs/a.md", true], // a leading `/` anchors nothing more
    [["**/generated/**"], "generated/api.ts", true],
    [["**/generated/**"], "src/generated/api.ts", true],
    [["**/foo.md"], "docs/barfoo.md", false],
    [["Docs/*"], "docs/a.md", false], // case-sensitive, as git
    [["src/\\*.ts"], "src/*.ts", true],
  ])("%j matches %s: %s", (patterns, path, matches) => {
    expect(pathMatcher(patterns)?.(path)).toBe(matches);
  });

  it("is null without patterns", () => {
    expect(pathMatcher([])).toBeNull();
  });

  it("judges paths that the same hands wrote as its patterns within a bounded work: later ones count as changes", () => {
    // A pattern of 200 characters (the longest a file may hold) that finds its match in a 4 KiB
    // path only after trying each of its 3,800 starts: 750,000 steps a path (0.5 s for 50 such patterns).
    const matches = pathMatcher([`*${"a".repeat(197)}b*`]);
    const paths = Array.from({ length: 1_000 }, (_, i) => `${"a".repeat(4_000)}b/${i}.ts`);
    const ignored = paths.map((path) => matches?.(path));
    // The shared work (PATH_MATCH_WORK, 100,000,000) pays for about 130 of them; each path after
    // that is cut at its own PATH_MATCH_STEPS and is not ignored.
    expect(ignored.slice(0, 100)).toEqual(Array(100).fill(true));
    expect(ignored.slice(200)).toEqual(Array(800).fill(false));
    // A path is judged once: asked again, the same answer.
    expect(paths.map((path) => matches?.(path))).toEqual(ignored);
    expect(PATH_MATCH_WORK / PATH_MATCH_STEPS).toBe(2_000);
  });

  it("an ordinary configuration judges 100,000 distinct paths of a monorepo exactly", () => {
    const patterns = [
      "*.lock",
      "docs/**",
      "**/*.md",
      "vendor/**",
      "**/__snapshots__/**",
      "*.min.js",
      "**/gen/**/*.pb.go",
    ];
    const dirs = [
      "src",
      "src/web/dashboard",
      "packages/api/src/handlers",
      "services/billing/internal/gen/v1",
      "docs/guide",
      "vendor/github.com/x/y",
    ];
    const exts = [".ts", ".go", ".md", ".lock", ".json", ".min.js", ".pb.go", ".snap"];
    const paths = Array.from(
      { length: 100_000 },
      (_, i) =>
        `${dirs[i % dirs.length]}/${i % 3 === 0 ? "__snapshots__/" : ""}module_${i}${exts[(i * 3) % exts.length]}`,
    );
    const matches = pathMatcher(patterns);
    // Without any bound: the same patterns, each `**` variant compiled on its own.
    const unbounded = pathMatcher(patterns, Number.POSITIVE_INFINITY);
    const expected = paths.map((path) => unbounded?.(path));
    expect(paths.map((path) => matches?.(path))).toEqual(expected);
    expect(expected.filter(Boolean).length).toBeGreaterThan(50_000);
    expect(expected.filter((x) => !x).length).toBeGreaterThan(10_000);
  });
});

// ---- properties -------------------------------------------------------------------------------------

const arbitraryScenario = () =>
  fc
    .record({
      deploymentTimes: fc.array(fc.integer({ min: -7 * 24, max: 35 * 24 }), { minLength: 6, maxLength: 6 }),
      specs: fc.array(
        fc.record({
          engineer: fc.constantFrom<string | null>("ana", "ben", "cleo", "dev", "eve", "fay", "gus", "Ana", null),
          botChange: fc.oneof(
            { arbitrary: fc.constant(false), weight: 9 },
            { arbitrary: fc.constant(true), weight: 1 },
          ),
          ai: fc.boolean(),
          circumstantial: fc.boolean(),
          agents: fc.subarray(["claude-code", "cursor", "devin"]),
          mergedHour: fc.integer({ min: -14 * 24, max: 28 * 24 - 1 }),
          leadHours: fc.option(fc.integer({ min: 0, max: 240 })),
          deployment: fc.option(fc.integer({ min: 0, max: 5 }), { freq: 3 }),
          revertedAfterHours: fc.option(fc.integer({ min: 0, max: 40 * 24 })),
          rolledBackAfterHours: fc.option(fc.integer({ min: 0, max: 40 * 24 }), { freq: 5 }),
          paths: fc.subarray(["src/a.ts", "docs/a.md", "yarn.lock"]),
          pathsComplete: fc.boolean(),
          repositoryId: fc.constantFrom(1, 2),
        }),
        { maxLength: 40 },
      ),
    })
    .map(({ deploymentTimes, specs }) =>
      specs.map((s, i): MetricChange => {
        // A deployment has one time; a change merged after it is not shipped by it.
        const deployedAt = s.deployment === null ? null : at(0, deploymentTimes[s.deployment] ?? 0);
        const shippedAt = deployedAt !== null && deployedAt >= at(0, s.mergedHour) ? deployedAt : null;
        return {
          id: i + 1,
          repositoryId: s.repositoryId,
          repository: `acme/r${s.repositoryId}`,
          number: i + 1,
          engineer: s.engineer,
          botChange: s.botChange,
          ai: s.ai,
          aiEvidence: s.ai ? (s.circumstantial ? "circumstantial" : "explicit") : null,
          agents: s.ai ? s.agents : [],
          mergedAt: at(0, s.mergedHour),
          firstCommitAt: s.leadHours === null ? null : at(0, s.mergedHour - s.leadHours),
          paths: s.paths,
          pathsComplete: s.pathsComplete,
          shipped: shippedAt === null || s.deployment === null ? null : { deploymentId: s.deployment, at: shippedAt },
          revertedAt:
            shippedAt === null || s.revertedAfterHours === null ? null : shippedAt + s.revertedAfterHours * HOUR_MS,
          rolledBackAt:
            shippedAt === null || s.rolledBackAfterHours === null ? null : shippedAt + s.rolledBackAfterHours * HOUR_MS,
        };
      }),
    );

const propertyOptions: MetricOptions = { ...defaults, minGroupSize: 1, ignorePaths: ["docs/**", "*.lock"] };
const run = (changes: MetricChange[]) => computeReport(periodOf(changes), propertyOptions);

describe("properties", () => {
  it("adding never-shipped AI-assisted changes never raises normalised deployments", () => {
    fc.assert(
      fc.property(
        arbitraryScenario(),
        fc.array(
          fc.record({
            engineer: fc.constantFrom("ana", "ben", "zed", "yan"),
            mergedHour: fc.integer({ min: 0, max: 28 * 24 - 1 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (changes, spam) => {
          // With nobody active there is no figure (null) to raise.
          const before = run(changes).normalisedDeployments;
          fc.pre(before !== null);
          const spammed = spam.map((s, i) =>
            change({ id: 10_000 + i, engineer: s.engineer, mergedAt: at(0, s.mergedHour), shipped: null }),
          );
          const after = run([...changes, ...spammed]).normalisedDeployments;
          expect(after).not.toBeNull();
          expect(after).toBeLessThanOrEqual(before);
        },
      ),
      propertyParams(),
    );
  });

  it("splitting a change into N PRs shipped by the same deployment changes neither normalised deployments nor adoption", () => {
    fc.assert(
      fc.property(arbitraryScenario(), fc.nat(), fc.integer({ min: 2, max: 10 }), (changes, pick, n) => {
        fc.pre(changes.length > 0);
        const index = pick % changes.length;
        const original = changes[index] as MetricChange;
        const parts = Array.from({ length: n }, (_, k) => ({ ...original, id: 20_000 + k, number: 20_000 + k }));
        const split = [...changes.slice(0, index), ...parts, ...changes.slice(index + 1)];
        const [whole, pieces] = [run(changes), run(split)];
        expect(pieces.normalisedDeployments).toBe(whole.normalisedDeployments);
        expect(pieces.adoption).toBe(whole.adoption);
        expect(pieces.activeEngineers).toBe(whole.activeEngineers);
        expect(pieces.series.map((w) => w.aiDeployments)).toEqual(whole.series.map((w) => w.aiDeployments));
      }),
      propertyParams(),
    );
  });

  it("does not depend on the order of the changes", () => {
    fc.assert(
      fc.property(
        arbitraryScenario().chain((changes) =>
          fc.tuple(fc.constant(changes), fc.shuffledSubarray(changes, { minLength: changes.length })),
        ),
        ([changes, shuffled]) => {
          expect(run(shuffled)).toEqual(run(changes));
        },
      ),
      propertyParams(),
    );
  });

  it("counts under explicit evidence what it counts under any, less what rests on circumstantial evidence alone", () => {
    fc.assert(
      fc.property(arbitraryScenario(), fc.constantFrom(1, 20), (changes, minGroupSize) => {
        const any = computeReport(periodOf(changes), { ...propertyOptions, minGroupSize });
        const explicit = computeReport(periodOf(changes), { ...propertyOptions, minGroupSize, evidence: "explicit" });
        expect(explicit.changesShipped).toBe(any.changesShipped);
        expect(explicit.excluded).toEqual(any.excluded);
        expect(explicit.activeEngineers).toBe(any.activeEngineers);
        expect(explicit.aiChangesShipped).toBe(any.aiChangesShipped - any.evidence.circumstantialChanges);
        expect(explicit.evidence.leftOut).toBe(any.evidence.circumstantialChanges);
        expect(explicit.evidence.circumstantialDeployments ?? 0).toBe(0);
        if (any.normalisedDeployments !== null && explicit.normalisedDeployments !== null) {
          const pairs = (r: Report) => Math.round((r.normalisedDeployments ?? 0) * r.activeEngineers * r.weeks);
          expect(pairs(explicit)).toBe(pairs(any) - (any.evidence.circumstantialDeployments ?? Number.NaN));
        } else {
          // Withheld: the sums over engineers are withheld alike.
          expect(any.evidence.circumstantialDeployments).toBeNull();
          expect(any.evidence.circumstantialDeploymentShare).toBeNull();
        }
      }),
      propertyParams(),
    );
  });

  it("keeps its accounting identities", () => {
    fc.assert(
      fc.property(arbitraryScenario(), (changes) => {
        const result = run(changes);
        const shippedInPeriod = changes.filter((c) => c.shipped && c.shipped.at >= SINCE && c.shipped.at < UNTIL);
        const { bot, ignoredPaths, reverted } = result.excluded;
        expect(result.changesShipped + bot + ignoredPaths + reverted).toBe(shippedInPeriod.length);
        expect(result.series.reduce((s, w) => s + w.changesShipped, 0)).toBe(result.changesShipped);
        if (result.normalisedDeployments !== null) {
          expect(result.series.reduce((s, w) => s + (w.aiDeployments ?? Number.NaN), 0)).toBe(
            Math.round(result.normalisedDeployments * result.activeEngineers * result.weeks),
          );
        }
        for (const week of result.series) {
          if (week.adoption !== null) expect(week.adoption).toBeLessThanOrEqual(1);
        }
        if (result.adoption !== null) expect(result.adoption).toBeLessThanOrEqual(1);
        expect(JSON.stringify(result)).not.toMatch(/"(ana|ben|cleo|dev|eve|fay|gus)"/i);
      }),
      propertyParams(),
    );
  });
});
