import { describe, expect, it } from "vitest";
import { agentOutcomes } from "../../src/metrics/agent-outcomes.js";
import { computeReport } from "../../src/metrics/compute.js";
import type { MetricChange, MetricOptions } from "../../src/metrics/types.js";
import { input, options } from "./scenario.js";

const DAY = 86_400_000;
const PERIOD = { since: Date.UTC(2026, 2, 2), until: Date.UTC(2026, 2, 30) };
const at = PERIOD.since + DAY;
const OPTIONS = { revertWindowDays: 14, ignorePaths: ["docs/**"] };

const change = (id: number, spec: Partial<MetricChange> = {}): MetricChange => ({
  id,
  repositoryId: 1,
  repository: "acme/shop",
  number: id,
  engineer: "ana",
  botChange: false,
  ai: true,
  aiEvidence: "explicit",
  agents: ["claude-code"],
  mergedAt: at,
  firstCommitAt: null,
  paths: ["src/a.ts"],
  pathsComplete: true,
  shipped: { deploymentId: 1, at },
  revertedAt: null,
  rolledBackAt: null,
  ...spec,
});

describe("agentOutcomes", () => {
  it.each<[string, Partial<MetricChange>, { shipped: number; reverted: number } | null]>([
    ["shipped", {}, { shipped: 1, reverted: 0 }],
    ["reverted within the window", { revertedAt: at + 3 * DAY }, { shipped: 0, reverted: 1 }],
    ["rolled back within the window", { rolledBackAt: at + DAY }, { shipped: 0, reverted: 1 }],
    ["reverted after the window", { revertedAt: at + 20 * DAY }, { shipped: 1, reverted: 0 }],
    ["not AI-assisted", { ai: false, agents: [] }, null],
    ["a bot's change", { botChange: true }, null],
    ["credited to a bot login", { engineer: "renovate[bot]" }, null],
    ["nobody credited", { engineer: null }, null],
    ["only ignored paths", { paths: ["docs/a.md"] }, null],
    ["shipped after the period", { shipped: { deploymentId: 1, at: PERIOD.until } }, null],
  ])("%s", (_, spec, expected) => {
    const [outcome] = agentOutcomes([change(1, spec)], PERIOD, OPTIONS);
    if (expected === null) expect(outcome).toBeUndefined();
    else expect(outcome).toMatchObject({ agent: "claude-code", ...expected });
  });

  it("counts a change for each agent it names, once", () => {
    const outcomes = agentOutcomes(
      [change(1, { agents: ["cursor", "claude-code", "cursor"] }), change(2, { revertedAt: at + DAY })],
      PERIOD,
      OPTIONS,
    );
    expect(outcomes).toEqual([
      { agent: "claude-code", shipped: 1, reverted: 1, revertedShare: 0.5 },
      { agent: "cursor", shipped: 1, reverted: 0, revertedShare: 0 },
    ]);
  });

  it("takes a repository's own revert window", () => {
    const repositories = new Map([[1, { revertWindowDays: 2 }]]);
    const [outcome] = agentOutcomes([change(1, { revertedAt: at + 3 * DAY })], PERIOD, { ...OPTIONS, repositories });
    expect(outcome).toMatchObject({ shipped: 1, reverted: 0 });
  });

  it.each<[string, Pick<MetricOptions, "evidence" | "repositories">, number | null]>([
    ["any evidence: a branch name alone counts", {}, 1],
    ["explicit evidence only: it does not", { evidence: "explicit" }, null],
    [
      "a repository that counts any, where the default is explicit",
      { evidence: "explicit", repositories: new Map([[1, { evidence: "any" as const }]]) },
      1,
    ],
  ])("circumstantial evidence alone, %s", (_, options, shipped) => {
    const [outcome] = agentOutcomes([change(1, { aiEvidence: "circumstantial" })], PERIOD, { ...OPTIONS, ...options });
    expect(outcome?.shipped ?? null).toBe(shipped);
  });

  it("agrees with the report's byAgent on the hand-computed scenario, under either evidence basis", () => {
    for (const evidence of ["any", "explicit"] as const) {
      const report = computeReport(input, { ...options, evidence });
      const shipped = Object.fromEntries(
        agentOutcomes(input.changes, input, { ...options, evidence }).map((o) => [o.agent, o.shipped] as const),
      );
      expect(Object.fromEntries(Object.entries(shipped).filter(([, n]) => n > 0))).toEqual(report.byAgent);
    }
  });
});
