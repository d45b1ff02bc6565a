import { describe, expect, it } from "vitest";
import {
  AUDIT_SAMPLE_SIZE,
  auditCandidates,
  auditPrecision,
  auditRank,
  auditSample,
  auditSeed,
} from "../../src/metrics/audit-sample.js";
import type { MetricChange } from "../../src/metrics/types.js";

const PERIOD = { since: Date.UTC(2026, 2, 2), until: Date.UTC(2026, 2, 30) };
const inside = PERIOD.since + 86_400_000;

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
  mergedAt: inside,
  firstCommitAt: null,
  paths: [],
  pathsComplete: false,
  shipped: { deploymentId: 1, at: inside },
  revertedAt: null,
  rolledBackAt: null,
  ...spec,
});

describe("auditSeed", () => {
  it.each([
    [{ installationId: 1 }, PERIOD, `shipledger-audit:1:*:${PERIOD.since}:${PERIOD.until}`],
    [{ installationId: 1, repositoryId: 7 }, PERIOD, `shipledger-audit:1:7:${PERIOD.since}:${PERIOD.until}`],
  ])("names the scope and the period: %j", (scope, period, seed) => {
    expect(auditSeed(scope, period)).toBe(seed);
  });

  it("differs by scope and by period", () => {
    const seeds = new Set([
      auditSeed({ installationId: 1 }, PERIOD),
      auditSeed({ installationId: 2 }, PERIOD),
      auditSeed({ installationId: 1, repositoryId: 3 }, PERIOD),
      auditSeed({ installationId: 1 }, { ...PERIOD, since: PERIOD.since - 1 }),
    ]);
    expect(seeds.size).toBe(4);
  });
});

describe("auditCandidates", () => {
  it.each<[string, Partial<MetricChange>, boolean]>([
    ["AI-assisted, shipped in the period", {}, true],
    ["reverted after shipping (still shipped)", { revertedAt: inside + 1 }, true],
    ["not AI-assisted", { ai: false, agents: [] }, false],
    ["a bot's change", { botChange: true }, false],
    ["not shipped", { shipped: null }, false],
    ["shipped before the period", { shipped: { deploymentId: 1, at: PERIOD.since - 1 } }, false],
    ["shipped at the period's start", { shipped: { deploymentId: 1, at: PERIOD.since } }, true],
    ["shipped at its end (exclusive)", { shipped: { deploymentId: 1, at: PERIOD.until } }, false],
  ])("%s → %s", (_, spec, sampled) => {
    expect(auditCandidates([change(1, spec)], PERIOD).length).toBe(sampled ? 1 : 0);
  });

  it("on explicit evidence only, a change with hints alone is not sampled (the figures do not count it)", () => {
    const hinted = change(1, { aiEvidence: "circumstantial", agents: ["cursor"] });
    expect(auditCandidates([hinted], PERIOD)).toHaveLength(1);
    expect(auditCandidates([hinted], PERIOD, { evidence: "explicit" })).toHaveLength(0);
    expect(auditCandidates([change(2)], PERIOD, { evidence: "explicit" })).toHaveLength(1);
    // A repository's own basis wins over the instance's.
    const repositories = new Map([[1, { evidence: "any" as const }]]);
    expect(auditCandidates([hinted], PERIOD, { evidence: "explicit", repositories })).toHaveLength(1);
  });
});

describe("auditSample", () => {
  const many = Array.from({ length: 100 }, (_, i) => ({ id: i + 1 }));
  const seed = auditSeed({ installationId: 1 }, PERIOD);

  it("is reproducible and independent of the candidates' order", () => {
    const a = auditSample(many, seed);
    const b = auditSample([...many].reverse(), seed);
    expect(a).toEqual(b);
    expect(a.length).toBe(AUDIT_SAMPLE_SIZE);
  });

  it("orders by the hash of seed and id", () => {
    const sample = auditSample(many, seed, 100);
    const ranks = sample.map((c) => auditRank(seed, c.id));
    expect(ranks).toEqual([...ranks].sort());
    // Not simply by id.
    expect(sample.map((c) => c.id)).not.toEqual(many.map((c) => c.id));
  });

  it("gives another sample for another seed", () => {
    const other = auditSeed({ installationId: 1 }, { ...PERIOD, until: PERIOD.until + 86_400_000 });
    expect(auditSample(many, other)).not.toEqual(auditSample(many, seed));
  });

  it("keeps a change's place when others join (a later merge does not reshuffle the rest)", () => {
    const fewer = auditSample(many.slice(0, 60), seed, 60);
    const all = auditSample(many, seed, 100).filter((c) => c.id <= 60);
    expect(all).toEqual(fewer);
  });

  it.each([
    [0, 20, 0],
    [5, 20, 5],
    [50, 20, 20],
    [50, 0, 0],
  ])("of %i candidates, size %i → %i", (n, size, expected) => {
    expect(auditSample(many.slice(0, n), seed, size).length).toBe(expected);
  });

  it("lists a change once", () => {
    expect(auditSample([{ id: 1 }, { id: 1 }, { id: 2 }], seed).length).toBe(2);
  });
});

describe("auditPrecision", () => {
  it.each<[number[], number[], { sampled: number; markedWrong: number; precision: number | null }]>([
    [[], [], { sampled: 0, markedWrong: 0, precision: null }],
    [[1, 2, 3, 4], [], { sampled: 4, markedWrong: 0, precision: 1 }],
    [[1, 2, 3, 4], [2], { sampled: 4, markedWrong: 1, precision: 0.75 }],
    [[1, 2, 3, 4], [2, 2, 9], { sampled: 4, markedWrong: 1, precision: 0.75 }],
    [[1, 2], [1, 2], { sampled: 2, markedWrong: 2, precision: 0 }],
  ])("sample %j, marked %j", (sample, marked, expected) => {
    expect(auditPrecision(sample, marked)).toEqual(expected);
  });
});
