// What deployments ship, and which deployment first shipped a change. Git histories are small
// models (a commit and its parents); compare answers from them as GitHub's compare API would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaults } from "../../src/config/repo-config.js";
import {
  chainKey,
  compareDeployments,
  linkDeployments,
  nextInChain,
  previousInChain,
  reconcileDeployment,
  whatDeploymentShips,
} from "../../src/deployments/shipping.js";
import { productionDeploymentFrom } from "../../src/deployments/sources.js";
import type { CompareResult, DeploymentOutcome, ProductionDeployment } from "../../src/deployments/types.js";
import { type DeploymentFact, firstShipment as firstOf } from "../../src/ledger/core/fate.js";
import { webhookFixture } from "../helpers/fixtures.js";
import { propertyParams } from "../helpers/property.js";

const REPO = 186853002;
const T0 = Date.parse("2026-03-02T09:00:00Z");
const MINUTE = 60_000;

/** A readable fake sha: "c" + the commit's number, padded to 40 hex digits. */
function sha(n: number): string {
  return `c${n.toString(16).padStart(39, "0")}`;
}

function deployment(overrides: Partial<ProductionDeployment> = {}): ProductionDeployment {
  return {
    repositoryId: REPO,
    repositoryFullName: "Codertocat/Hello-World",
    environment: "production",
    source: "deployment",
    sourceId: "1",
    sha: sha(1),
    ref: "main",
    succeededAt: T0,
    succeededAtPrecision: "exact",
    url: null,
    ...overrides,
  };
}

/** A git history: each commit's parents. */
class History {
  readonly parents = new Map<string, string[]>();

  commit(id: string, parents: string[] = []): string {
    this.parents.set(id, parents);
    return id;
  }

  /** A linear history c1 … cN; returns the shas, oldest first. */
  static linear(length: number): { history: History; shas: string[] } {
    const history = new History();
    const shas: string[] = [];
    for (let i = 1; i <= length; i++) shas.push(history.commit(sha(i), i === 1 ? [] : [sha(i - 1)]));
    return { history, shas };
  }

  ancestors(head: string): Set<string> {
    const seen = new Set<string>();
    const stack = [head];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      stack.push(...(this.parents.get(current) ?? []));
    }
    return seen;
  }

  /** GitHub's compare base...head (lists in history order, oldest first). */
  compare = (base: string, head: string): CompareResult => {
    const fromBase = this.ancestors(base);
    const fromHead = this.ancestors(head);
    const order = [...this.parents.keys()];
    const aheadShas = order.filter((c) => fromHead.has(c) && !fromBase.has(c));
    const behindShas = order.filter((c) => fromBase.has(c) && !fromHead.has(c));
    const status =
      aheadShas.length === 0 && behindShas.length === 0
        ? "identical"
        : behindShas.length === 0
          ? "ahead"
          : aheadShas.length === 0
            ? "behind"
            : "diverged";
    return { status, aheadShas, behindShas };
  };
}

/** Deploys `shas` in order, a minute apart, to one environment. */
function sequence(shas: readonly string[], environment = "production"): ProductionDeployment[] {
  return shas.map((s, i) =>
    deployment({ sourceId: String(100 + i), sha: s, environment, succeededAt: T0 + i * MINUTE }),
  );
}

function outcomes(
  linked: ReturnType<typeof linkDeployments>,
): Pick<DeploymentOutcome, "kind" | "shipped" | "rolledBack">[] {
  return linked.map(({ outcome }) => ({
    kind: outcome.kind,
    shipped: outcome.shipped,
    rolledBack: outcome.rolledBack,
  }));
}

/** What the linked deployments shipped, as the fate core reads it from the ledger. */
function asFacts(linked: ReturnType<typeof linkDeployments>): DeploymentFact[] {
  return linked.map(({ deployment: d, outcome }, i) => ({
    id: i + 1,
    repositoryId: d.repositoryId,
    environment: d.environment,
    sha: d.sha ?? "",
    sourceKey: `${d.source}:${d.sourceId}`,
    succeededAt: d.succeededAt,
    shipped: outcome.shipped,
    rolledBack: outcome.rolledBack,
  }));
}

/** The first of `shipments` that shipped a change merged as `merge` (src/ledger/core/fate.ts). */
function firstShipped(merge: string, mergeMethod: string, shipments: DeploymentFact[]) {
  return firstOf(
    {
      id: 1,
      repositoryId: REPO,
      number: 1,
      kind: "pull_request",
      title: "",
      merged: true,
      deployable: true,
      mergedAt: null,
      mergeCommitSha: merge,
      mergeMethod,
      commitShas: [],
    },
    shipments,
  );
}

// ---- one deployment -----------------------------------------------------------------------------

describe("whatDeploymentShips", () => {
  const previous = deployment({ sourceId: "1", sha: sha(1), succeededAt: T0 });
  const next = (s: string) => deployment({ sourceId: "2", sha: s, succeededAt: T0 + MINUTE });

  it.each<[string, ProductionDeployment | null, ProductionDeployment, CompareResult | null, DeploymentOutcome]>([
    [
      "the first deployment with no predecessor anywhere is a baseline: it ships nothing, not the whole history",
      null,
      next(sha(9)),
      null,
      { kind: "baseline", shipped: [], rolledBack: [], leftBehind: [] },
    ],
    [
      "a redeploy of the same sha ships nothing, without a compare",
      previous,
      next(sha(1)),
      null,
      { kind: "redeploy", shipped: [], rolledBack: [], leftBehind: [] },
    ],
    [
      "identical (the same commit under another case) ships nothing",
      previous,
      next(sha(1).toUpperCase()),
      null,
      { kind: "redeploy", shipped: [], rolledBack: [], leftBehind: [] },
    ],
    [
      "compare says identical",
      previous,
      next(sha(2)),
      { status: "identical", aheadShas: [], behindShas: [] },
      { kind: "redeploy", shipped: [], rolledBack: [], leftBehind: [] },
    ],
    [
      "ahead ships the commits in between, deduplicated and lower-cased",
      previous,
      next(sha(3)),
      { status: "ahead", aheadShas: [sha(2), sha(3).toUpperCase(), sha(3)], behindShas: [] },
      { kind: "ship", shipped: [sha(2), sha(3)], rolledBack: [], leftBehind: [] },
    ],
    [
      "behind is a rollback: ships nothing, rolls back the commits between",
      deployment({ sourceId: "1", sha: sha(3) }),
      next(sha(1)),
      { status: "behind", aheadShas: [], behindShas: [sha(2), sha(3)] },
      { kind: "rollback", shipped: [], rolledBack: [sha(2), sha(3)], leftBehind: [] },
    ],
    [
      "diverged ships only the commits unique to the new one; the old side is reported, not rolled back",
      previous,
      next(sha(5)),
      { status: "diverged", aheadShas: [sha(4), sha(5)], behindShas: [sha(2)] },
      { kind: "diverged", shipped: [sha(4), sha(5)], rolledBack: [], leftBehind: [sha(2)] },
    ],
  ])("%s", (_name, before, current, compare, expected) => {
    expect(whatDeploymentShips(before, current, compare)).toEqual(expected);
  });

  it.each<[string, () => unknown, RegExp]>([
    ["an unresolved release sha", () => whatDeploymentShips(null, deployment({ sha: null }), null), /no resolved sha/],
    ["a missing compare", () => whatDeploymentShips(previous, next(sha(2)), null), /compare .* is needed/],
    [
      "a predecessor from another environment",
      () => whatDeploymentShips(deployment({ environment: "prod-eu" }), next(sha(2)), null),
      /another chain/,
    ],
    [
      "a predecessor that is not earlier",
      () => whatDeploymentShips(deployment({ succeededAt: T0 + 2 * MINUTE }), next(sha(2)), null),
      /did not succeed before/,
    ],
  ])("throws on a programming error: %s", (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

// ---- chains -------------------------------------------------------------------------------------

describe("chains and their order", () => {
  it("orders by success time, not arrival; ties by source id numerically", () => {
    const late = deployment({ sourceId: "10", succeededAt: T0 + MINUTE });
    const tieLow = deployment({ sourceId: "9", succeededAt: T0 });
    const tieHigh = deployment({ sourceId: "10", succeededAt: T0, environment: "prod-eu" });
    expect([late, tieHigh, tieLow].sort(compareDeployments)).toEqual([tieLow, tieHigh, late]);
  });

  it("a chain is a repository and an environment, compared case-insensitively as GitHub does", () => {
    expect(chainKey(deployment({ environment: "Production" }))).toBe(chainKey(deployment()));
    expect(chainKey(deployment({ environment: "prod-eu" }))).not.toBe(chainKey(deployment()));
    expect(chainKey(deployment({ repositoryId: 1 }))).not.toBe(chainKey(deployment()));
  });

  it("finds the predecessor and successor by success time, in the chain only", () => {
    const [d1, d2, d3] = sequence([sha(1), sha(2), sha(3)]) as [
      ProductionDeployment,
      ProductionDeployment,
      ProductionDeployment,
    ];
    const otherEnvironment = deployment({ sourceId: "7", environment: "staging-prod", succeededAt: T0 + 90_000 });
    const unresolved = deployment({ sourceId: "8", sha: null, succeededAt: T0 + 100_000 });
    const known = [d3, otherEnvironment, d1, unresolved];
    // d2 arrives last although it succeeded between d1 and d3.
    expect(previousInChain(known, d2)).toBe(d1);
    expect(nextInChain(known, d2)).toBe(d3);
    expect(previousInChain(known, d1)).toBeNull();
    expect(nextInChain([...known, d2], d3)).toBeNull();
    // The deployment itself (a redelivery) is not its own predecessor.
    expect(previousInChain([d2], d2)).toBeNull();
  });
});

describe("scenarios", () => {
  it("rollback V1→V2→V3→V1: V1 is a baseline, V2 and V3 ship, V1 again rolls V2 and V3 back; V3 again re-ships them", () => {
    const { history, shas } = History.linear(7);
    // V1 = c1, V2 = c3 (ships c2, c3), V3 = c5 (ships c4, c5).
    const linked = linkDeployments(sequence([sha(1), sha(3), sha(5), sha(1), sha(5)]), history.compare);
    expect(shas).toHaveLength(7);
    expect(outcomes(linked)).toEqual([
      { kind: "baseline", shipped: [], rolledBack: [] },
      { kind: "ship", shipped: [sha(2), sha(3)], rolledBack: [] },
      { kind: "ship", shipped: [sha(4), sha(5)], rolledBack: [] },
      { kind: "rollback", shipped: [], rolledBack: [sha(2), sha(3), sha(4), sha(5)] },
      { kind: "ship", shipped: [sha(2), sha(3), sha(4), sha(5)], rolledBack: [] },
    ]);
    // The changes were first shipped by V2 and V3, not by the roll-forward.
    const shipments = asFacts(linked);
    expect(firstShipped(sha(3), "squash", shipments)?.sourceKey).toBe("deployment:101");
    expect(firstShipped(sha(4), "squash", shipments)?.sourceKey).toBe("deployment:102");
    expect(firstShipped(sha(6), "squash", shipments)).toBeNull();
  });

  it("redeploys of the same sha (two Actions jobs deploying one commit) ship nothing the second time", () => {
    const { history } = History.linear(3);
    const linked = linkDeployments(sequence([sha(1), sha(3), sha(3)]), history.compare);
    expect(outcomes(linked).map((o) => o.kind)).toEqual(["baseline", "ship", "redeploy"]);
  });

  it("diverged: a force-pushed main ships its new commits only", () => {
    const history = new History();
    history.commit(sha(1));
    history.commit(sha(2), [sha(1)]); // deployed, then rewritten away
    history.commit(sha(3), [sha(1)]);
    history.commit(sha(4), [sha(3)]);
    const linked = linkDeployments(sequence([sha(1), sha(2), sha(4)]), history.compare);
    expect(linked.map(({ outcome }) => outcome)).toEqual([
      { kind: "baseline", shipped: [], rolledBack: [], leftBehind: [] },
      { kind: "ship", shipped: [sha(2)], rolledBack: [], leftBehind: [] },
      { kind: "diverged", shipped: [sha(3), sha(4)], rolledBack: [], leftBehind: [sha(2)] },
    ]);
  });

  it("environments are separate chains: each has its own baseline; the change ships with the earliest", () => {
    const { history } = History.linear(4);
    const eu = sequence([sha(1), sha(3)], "prod-eu");
    const us = sequence([sha(2), sha(4)], "prod-us").map((d) => ({
      ...d,
      sourceId: `9${d.sourceId}`,
      succeededAt: d.succeededAt + 30_000,
    }));
    const linked = linkDeployments([...us, ...eu], history.compare);
    expect(linked.map(({ deployment: d, outcome }) => [d.environment, outcome.kind, outcome.shipped])).toEqual([
      ["prod-eu", "baseline", []],
      ["prod-us", "baseline", []],
      ["prod-eu", "ship", [sha(2), sha(3)]],
      ["prod-us", "ship", [sha(3), sha(4)]],
    ]);
    expect(firstShipped(sha(3), "merge", asFacts(linked))?.environment).toBe("prod-eu");
  });

  it("inactive after success: the same deployment, not a new one; linking is unchanged", () => {
    const success = webhookFixture("deployment_status.created");
    const inactive = structuredClone(success);
    inactive.deployment_status.state = "inactive";
    inactive.deployment_status.created_at = "2019-05-20T00:00:00Z";
    const seen = [success, inactive].map((payload) => {
      const verdict = productionDeploymentFrom({ name: "deployment_status", payload }, defaults.deployments);
      if (verdict.kind !== "production") throw new Error(verdict.detail);
      return verdict.deployment;
    });
    const [fromSuccess, fromInactive] = seen as [ProductionDeployment, ProductionDeployment];
    // Either arrival order gives the success's exact time.
    expect(reconcileDeployment(fromSuccess, fromInactive)).toEqual(fromSuccess);
    expect(reconcileDeployment(fromInactive, fromSuccess)).toEqual(fromSuccess);
    // Seen only as inactive, it keeps its estimate (a lower bound) until the success is known.
    expect(fromInactive.succeededAt).toBeLessThan(fromSuccess.succeededAt);
    expect(
      linkDeployments(seen, () => {
        throw new Error("no compare for one deployment");
      }),
    ).toHaveLength(1);
  });

  it("reconcile keeps the first of two exact successes and the tighter of two estimates", () => {
    const exact = (at: number) => deployment({ succeededAt: at });
    const estimate = (at: number) => deployment({ succeededAt: at, succeededAtPrecision: "estimate", url: "x" });
    expect(reconcileDeployment(exact(T0 + 5), exact(T0)).succeededAt).toBe(T0);
    expect(reconcileDeployment(estimate(T0 + 5), estimate(T0)).succeededAt).toBe(T0 + 5);
    expect(reconcileDeployment(estimate(T0 - 5), exact(T0))).toEqual({ ...exact(T0), url: "x" });
    expect(reconcileDeployment(deployment({ sha: null }), deployment({ sha: sha(4), succeededAt: T0 + 1 })).sha).toBe(
      sha(4),
    );
    expect(() => reconcileDeployment(deployment(), deployment({ sourceId: "2" }))).toThrow(/different deployments/);
  });
});

// ---- properties ---------------------------------------------------------------------------------

describe("properties", () => {
  it("linking a ledger gives the same outcomes for every arrival order", () => {
    fc.assert(
      fc.property(
        fc
          .array(
            fc.record({
              at: fc.integer({ min: 0, max: 4 }),
              commit: fc.integer({ min: 1, max: 6 }),
              environment: fc.constantFrom("production", "prod-eu"),
            }),
            { maxLength: 10 },
          )
          .chain((rows) => {
            const deployments = rows.map((row, i) =>
              deployment({
                sourceId: String(i + 1),
                sha: sha(row.commit),
                environment: row.environment,
                succeededAt: T0 + row.at * 1000,
              }),
            );
            return fc.tuple(
              fc.constant(deployments),
              fc.shuffledSubarray(deployments, { minLength: deployments.length }),
            );
          }),
        ([deployments, permuted]) => {
          const { history } = History.linear(6);
          expect(linkDeployments(permuted, history.compare)).toEqual(linkDeployments(deployments, history.compare));
        },
      ),
      propertyParams(),
    );
  });

  it("on a linear history, production after each step is exactly what was shipped minus what was rolled back, and nothing in production is shipped again", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 15 }), (positions) => {
        const { history } = History.linear(12);
        const linked = linkDeployments(sequence(positions.map(sha)), history.compare);
        const inProduction = new Set<string>();
        let lowest = positions[0] ?? 1;
        linked.forEach(({ outcome }, i) => {
          for (const s of outcome.shipped) {
            expect(inProduction.has(s), `step ${i} re-ships ${s}`).toBe(false);
            inProduction.add(s);
          }
          for (const s of outcome.rolledBack) inProduction.delete(s);
          const position = positions[i] ?? 1;
          lowest = Math.min(lowest, position);
          // Commits after the lowest point deployed so far, up to the current one.
          const expected = new Set(Array.from({ length: position - lowest }, (_, k) => sha(lowest + k + 1)));
          expect(inProduction).toEqual(expected);
        });
      }),
      propertyParams(),
    );
  });

  it("a sequence of ahead deployments never ships a sha twice and ships everything after the baseline", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }), (raw) => {
        const positions = [...raw].sort((a, b) => a - b);
        const { history } = History.linear(40);
        const shipped = linkDeployments(sequence(positions.map(sha)), history.compare).flatMap(
          ({ outcome }) => outcome.shipped,
        );
        expect(new Set(shipped).size).toBe(shipped.length);
        const first = positions[0] ?? 1;
        const last = positions[positions.length - 1] ?? 1;
        expect(shipped).toEqual(Array.from({ length: last - first }, (_, k) => sha(first + k + 1)));
      }),
      propertyParams(),
    );
  });

  it("on any history with merges: what a step ships is new to production, and everything reachable that the baseline lacked has been shipped", () => {
    const arbitraryHistory = fc
      .array(fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })), { minLength: 1, maxLength: 14 })
      .map((picks) => {
        const history = new History();
        history.commit(sha(0));
        picks.forEach(([first, second], i) => {
          const parents = [sha(first % (i + 1))];
          if (second !== undefined && second % (i + 1) !== first % (i + 1)) parents.push(sha(second % (i + 1)));
          history.commit(sha(i + 1), parents);
        });
        return { history, size: picks.length + 1 };
      });
    fc.assert(
      fc.property(
        arbitraryHistory.chain(({ history, size }) =>
          fc.tuple(
            fc.constant(history),
            fc.array(fc.integer({ min: 0, max: size - 1 }), { minLength: 1, maxLength: 10 }),
          ),
        ),
        ([history, positions]) => {
          const linked = linkDeployments(sequence(positions.map(sha)), history.compare);
          const baseline = history.ancestors(sha(positions[0] ?? 0));
          const everShipped = new Set<string>();
          linked.forEach(({ outcome, previous, deployment: d }) => {
            const reachable = history.ancestors(d.sha ?? "");
            const before = previous === null ? baseline : history.ancestors(previous.sha ?? "");
            for (const s of outcome.shipped) {
              expect(reachable.has(s) && !before.has(s)).toBe(true);
              everShipped.add(s);
            }
            for (const s of outcome.rolledBack) expect(before.has(s) && !reachable.has(s)).toBe(true);
            for (const s of reachable) if (!baseline.has(s)) expect(everShipped.has(s)).toBe(true);
          });
        },
      ),
      propertyParams(),
    );
  });
});
