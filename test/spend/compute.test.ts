// The spend join (src/spend/compute.ts), table by table: hand-computed figures for each rule of its
// header, and the moves a gamer would try.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  computeSpend,
  type SessionLink,
  type SpendInput,
  sessionKey,
  spendFate,
  type UsageRow,
} from "../../src/spend/compute.js";
import { pricer } from "../../src/spend/prices.js";
import { propertyParams } from "../helpers/property.js";

const WEEKS = ["2026-11-02", "2026-11-09"];
const PRICES = pricer(
  // The organisation's, then the instance's.
  { "gpt-5-codex": { input: 2, output: 12 } },
  {
    "gemini-2.5-pro": { input: 1.25, output: 10, cacheRead: 0.3125 },
    "gpt-5*": { input: 1.25, output: 10, cacheRead: 0.125 },
  },
);

function usage(over: Partial<UsageRow>): UsageRow {
  return {
    agent: "claude-code",
    sessionId: "s1",
    model: "claude-sonnet-4-5",
    week: WEEKS[0] as string,
    costUsd: 0,
    costReported: false,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    ...over,
  };
}
const claude = (sessionId: string | null, costUsd: number, week = WEEKS[0] as string) =>
  usage({ sessionId, costUsd, costReported: true, input: 1000, output: 100, week });
const link = (session: string, changeId: number, fate: SessionLink["fate"], repositoryId = 1): SessionLink => ({
  session,
  changeId,
  repositoryId,
  fate,
});

function spend(over: Partial<SpendInput>) {
  return computeSpend(
    {
      usage: [],
      links: [],
      repositoryIds: null,
      weeks: WEEKS,
      aiDeployments: 4,
      aiChangesShipped: 5,
      withheld: false,
      ...over,
    },
    PRICES,
  );
}

describe("computeSpend", () => {
  it("splits a session's reported cost by the fate of the changes that name it", () => {
    const figures = spend({
      usage: [claude("s1", 6), claude("s2", 2, WEEKS[1]), claude("s3", 1), claude("lonely", 0.5), claude(null, 3)],
      links: [
        link("s1", 10, "reachedProduction"),
        link("s1", 11, "didNotReach"),
        link("s1", 12, "pending"),
        link("s2", 13, "didNotReach"),
        link("s3", 14, "reachedProduction"),
      ],
    });
    expect(figures).toMatchObject({
      total: 12.5,
      estimated: 0,
      reachedProduction: 3, // 6/3 + 1
      didNotReach: 4, // 6/3 + 2
      pending: 2,
      unlinked: 0.5,
      unattributed: 3,
      costPerAiDeployment: 12.5 / 4,
      costPerAiChangeShipped: 2.5,
      sessions: 4,
      byAgent: { "claude-code": 12.5 },
    });
    expect(figures.series).toEqual([
      { week: WEEKS[0], reachedProduction: 3, didNotReach: 2, pending: 2, unlinked: 0.5, unattributed: 3 },
      { week: WEEKS[1], reachedProduction: 0, didNotReach: 2, pending: 0, unlinked: 0, unattributed: 0 },
    ]);
  });

  it("gives a repository only its own changes' shares, and no unlinked or unattributed spend", () => {
    const figures = spend({
      usage: [claude("s1", 6), claude("lonely", 5), claude(null, 3)],
      links: [link("s1", 10, "reachedProduction", 1), link("s1", 20, "pending", 2)],
      repositoryIds: new Set([1]),
    });
    expect(figures).toMatchObject({ total: 3, reachedProduction: 3, pending: 0, unlinked: null, unattributed: null });
  });

  it("prices tokens only where no cost was reported, and marks them estimated", () => {
    const figures = spend({
      usage: [
        // Claude reported its cost: its tokens are not priced again (they have no price anyway).
        usage({ sessionId: "c", costUsd: 0.9, costReported: true, input: 1e6, output: 1e6 }),
        // Gemini: input includes the cached tokens. (1e6−4e5)·1.25 + 2e5·10 + 4e5·0.3125 = 0.75+2+0.125
        usage({ agent: "gemini", sessionId: "g", model: "gemini-2.5-pro", input: 1e6, output: 2e5, cacheRead: 4e5 }),
        // The owner's exact price wins over the instance's pattern: 1e6·2 + 1e5·12 (cache at input price) − cached from input
        usage({ agent: "codex", sessionId: "x", model: "gpt-5-codex", input: 1e6, output: 1e5, cacheRead: 5e5 }),
        // The instance's pattern: gpt-5-mini
        usage({ agent: "codex", sessionId: "y", model: "gpt-5-mini", input: 2e6, output: 0 }),
        // No price: left out, said so.
        usage({ agent: "gemini", sessionId: "z", model: "gemini-9-ultra", input: 5000, output: 100 }),
      ],
      links: [link("g", 1, "reachedProduction")],
    });
    const codexX = (5e5 * 2 + 1e5 * 12 + 5e5 * 2) / 1e6;
    expect(figures.estimated).toBeCloseTo(2.875 + codexX + 2.5, 6);
    expect(figures.total).toBeCloseTo(0.9 + 2.875 + codexX + 2.5, 6);
    expect(figures.reachedProduction).toBeCloseTo(2.875, 6);
    expect(figures.unpriced).toEqual({ tokens: 5100, models: ["gemini-9-ultra"] });
    expect(figures.byModel).toMatchObject({ "gemini-2.5-pro": 2.875, "gpt-5-mini": 2.5 });
  });

  it("shows totals only when the report withholds per-engineer figures", () => {
    const figures = spend({
      usage: [claude("s1", 6)],
      links: [link("s1", 1, "didNotReach")],
      withheld: true,
      aiDeployments: null,
    });
    expect(figures).toMatchObject({
      total: 6,
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
      series: null,
    });
  });

  it("has no cost per deployment when nothing AI-assisted shipped", () => {
    expect(spend({ usage: [claude("s1", 6)], aiDeployments: 0, aiChangesShipped: 0 })).toMatchObject({
      costPerAiDeployment: null,
      costPerAiChangeShipped: null,
    });
  });

  describe("gaming: spend can only make efficiency look worse", () => {
    const base = {
      usage: [claude("s1", 10)],
      links: [link("s1", 1, "reachedProduction")],
      aiDeployments: 2,
      aiChangesShipped: 2,
    };
    it("burning tokens in sessions that ship nothing raises the cost per deployment", () => {
      const honest = spend(base);
      const burnt = spend({ ...base, usage: [...base.usage, claude("burn-1", 50), claude("burn-2", 50)] });
      expect(burnt.costPerAiDeployment as number).toBeGreaterThan(honest.costPerAiDeployment as number);
      expect(burnt.unlinked).toBe(100);
      expect(burnt.reachedProduction).toBe(honest.reachedProduction);
    });
    it("naming a burnt session in a PR that never merges counts it as spend that did not reach production", () => {
      const burnt = spend({
        ...base,
        usage: [...base.usage, claude("burn", 50)],
        links: [...base.links, link("burn", 9, "didNotReach")],
      });
      expect(burnt).toMatchObject({ didNotReach: 50, reachedProduction: 10 });
    });
    it("naming a costly session in a shipped PR splits it, never doubles it", () => {
      const figures = spend({
        ...base,
        links: [link("s1", 1, "reachedProduction"), link("s1", 2, "reachedProduction")],
      });
      expect(figures.total).toBe(10);
      expect(figures.reachedProduction).toBe(10);
    });

    // Any team's spend, then any number of agents run on top whose sessions ship nothing: named by
    // no change, or by changes that never reached production. No figure may improve.
    const session = fc.stringMatching(/^s-[a-z]{1,6}$/);
    const fate = fc.constantFrom<SessionLink["fate"]>("reachedProduction", "didNotReach", "pending");
    const team = fc.record({
      usage: fc.array(fc.tuple(fc.option(session, { nil: null }), fc.integer({ min: 1, max: 10_000 })), {
        maxLength: 12,
      }),
      links: fc.array(fc.tuple(session, fc.integer({ min: 1, max: 8 }), fate), { maxLength: 12 }),
      aiDeployments: fc.integer({ min: 1, max: 20 }),
      aiChangesShipped: fc.integer({ min: 1, max: 40 }),
    });
    const burn = fc.array(
      fc.record({
        cents: fc.integer({ min: 1, max: 100_000 }),
        // Named by nothing, or by a PR that was closed unmerged (trailer spam with a session link).
        closedPr: fc.boolean(),
      }),
      { minLength: 1, maxLength: 6 },
    );
    const inputOf = (t: {
      usage: Array<[string | null, number]>;
      links: Array<[string, number, SessionLink["fate"]]>;
    }) => ({
      usage: t.usage.map(([id, cents]) => claude(id, cents / 100)),
      links: t.links.map(([id, change, f]) => link(id, change, f)),
    });

    it("running agents that ship nothing only raises spend that did not reach production and the costs (property)", () => {
      fc.assert(
        fc.property(team, burn, (t, burnt) => {
          const before = spend({ ...inputOf(t), aiDeployments: t.aiDeployments, aiChangesShipped: t.aiChangesShipped });
          const extra = burnt.map((b, i) => ({ ...b, id: `burn-${i}` }));
          const after = spend({
            usage: [...inputOf(t).usage, ...extra.map((b) => claude(b.id, b.cents / 100))],
            links: [
              ...inputOf(t).links,
              ...extra.filter((b) => b.closedPr).map((b, i) => link(b.id, 100 + i, "didNotReach")),
            ],
            // The metric is the same: nothing shipped.
            aiDeployments: t.aiDeployments,
            aiChangesShipped: t.aiChangesShipped,
          });
          const added = extra.reduce((sum, b) => sum + b.cents / 100, 0);
          const close = (a: number | null, b: number | null) => expect(a as number).toBeCloseTo(b as number, 5);
          close(after.total, (before.total as number) + added);
          close(after.reachedProduction, before.reachedProduction);
          close(after.pending, before.pending);
          // What did not get to production grows by exactly what was burnt.
          close(
            (after.didNotReach as number) + (after.unlinked as number),
            (before.didNotReach as number) + (before.unlinked as number) + added,
          );
          expect(after.didNotReach as number).toBeGreaterThanOrEqual((before.didNotReach as number) - 1e-9);
          expect(after.unlinked as number).toBeGreaterThanOrEqual((before.unlinked as number) - 1e-9);
          expect(after.costPerAiDeployment as number).toBeGreaterThan(before.costPerAiDeployment as number);
          expect(after.costPerAiChangeShipped as number).toBeGreaterThan(before.costPerAiChangeShipped as number);
        }),
        propertyParams(),
      );
    });

    it("splitting a session over many trivial changes neither multiplies it nor moves the cost per deployment (property)", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1_000_000 }),
          fc.integer({ min: 2, max: 50 }),
          fc.integer({ min: 1, max: 20 }),
          (cents, pieces, aiDeployments) => {
            // Honest: one session, one shipped change. Split: the same session named by `pieces`
            // trivial changes shipped in the same deployments (Σ|D(e)| counts an engineer's
            // deployment once, however many changes it ships), so the metric is unchanged.
            const usd = cents / 100;
            const honest = spend({
              usage: [claude("s1", usd)],
              links: [link("s1", 1, "reachedProduction")],
              aiDeployments,
              aiChangesShipped: 1,
            });
            const split = spend({
              usage: [claude("s1", usd)],
              links: Array.from({ length: pieces }, (_, i) => link("s1", i + 1, "reachedProduction")),
              aiDeployments,
              aiChangesShipped: pieces,
            });
            expect(split.total).toBeCloseTo(honest.total, 6);
            expect(split.reachedProduction as number).toBeCloseTo(honest.reachedProduction as number, 6);
            expect(split.costPerAiDeployment as number).toBeCloseTo(honest.costPerAiDeployment as number, 6);
            // Per change shipped falls as the change count rises, as the count itself does: it is
            // why the headline is per production deployment, the metric's own unit.
            expect(split.costPerAiChangeShipped as number).toBeLessThanOrEqual(
              (honest.costPerAiChangeShipped as number) + 1e-9,
            );
            // And a piece that does not ship takes its share out of "reached production".
            const oneClosed = spend({
              usage: [claude("s1", usd)],
              links: Array.from({ length: pieces }, (_, i) =>
                link("s1", i + 1, i === 0 ? "didNotReach" : "reachedProduction"),
              ),
              aiDeployments,
              aiChangesShipped: pieces - 1,
            });
            expect(oneClosed.reachedProduction as number).toBeLessThan(honest.reachedProduction as number);
            expect(oneClosed.costPerAiDeployment as number).toBeCloseTo(honest.costPerAiDeployment as number, 6);
          },
        ),
        propertyParams(),
      );
    });

    it("cost per deployment is all the spend over Σ|D(e)|, whatever the spend's split (property)", () => {
      fc.assert(
        fc.property(team, (t) => {
          const figures = spend({
            ...inputOf(t),
            aiDeployments: t.aiDeployments,
            aiChangesShipped: t.aiChangesShipped,
          });
          expect(figures.costPerAiDeployment as number).toBeCloseTo(figures.total / t.aiDeployments, 5);
          // Every dollar is in exactly one place.
          const parts = ["reachedProduction", "didNotReach", "pending", "unlinked", "unattributed"] as const;
          expect(parts.reduce((sum, k) => sum + (figures[k] as number), 0)).toBeCloseTo(figures.total, 5);
        }),
        propertyParams(),
      );
    });
  });
});

describe("spendFate", () => {
  const shipped = {
    state: "merged" as const,
    deployable: true,
    shippedAt: Date.UTC(2026, 10, 2),
    revertedAt: null,
    rolledBackAt: null,
  };
  const day = 86_400_000;
  it.each([
    ["open", { ...shipped, state: "open" as const, shippedAt: null }, "pending"],
    ["closed without merging", { ...shipped, state: "closed" as const, shippedAt: null }, "didNotReach"],
    ["merged where nothing deploys", { ...shipped, deployable: false, shippedAt: null }, "didNotReach"],
    ["merged, not deployed yet", { ...shipped, shippedAt: null }, "pending"],
    ["shipped", shipped, "reachedProduction"],
    ["shipped, reverted within the window", { ...shipped, revertedAt: shipped.shippedAt + 3 * day }, "didNotReach"],
    ["shipped, rolled back within the window", { ...shipped, rolledBackAt: shipped.shippedAt + day }, "didNotReach"],
    [
      "shipped, reverted after the window",
      { ...shipped, revertedAt: shipped.shippedAt + 30 * day },
      "reachedProduction",
    ],
  ] as const)("%s → %s", (_name, change, fate) => {
    expect(spendFate(change, 14)).toBe(fate);
  });
});

describe("sessionKey", () => {
  it.each([
    [" 7D8E5A6C-1B2C-4D3E-8F9A-0B1C2D3E4F50 ", "7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50"],
    ["session_01HqJ8wYbZ3kVn5mT2pR7sXc", "session_01hqj8wybz3kvn5mt2pr7sxc"],
  ])("%s → %s", (id, key) => expect(sessionKey(id)).toBe(key));
});
