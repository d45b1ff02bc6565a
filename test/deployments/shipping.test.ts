// What deployments ship, and which deployment first shipped a change. Git histories are small
// models (a commit and its parents); compare answers from them as GitHub's compare API would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaults } from "../../src/config/repo-config.js";
import {
  chainKey,
  compareDeployments,
  firstShipment,
  linkDeployments,
  mayShip,
  nextInChain,
  previousInChain,
  reconcileDeployment,
  SHIP_CLOCK_SLACK_MS,
  shasOfChange,
  whatDeploymentShips,
} from "../../src/deployments/shipping.js";
import { productionDeploymentFrom } from "../../src/deployments/sources.js";
import type {
  CompareResult,
  DeploymentOutcome,
  LinkableChange,
  ProductionDeployment,
  Shipment,
} from "../../src/deployments/types.js";
import { webhookFixture } from "../helpers/fixtures.js";
import { propertyParams } from "../helpers/property.js";

const REPO = 186853002;
const T0 = Date.parse("2026-03-02T09:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

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
    const shipments = linked.map(({ deployment: d, outcome }) => ({ deployment: d, shipped: outcome.shipped }));
    const change = (merge: string): LinkableChange => ({
      repositoryId: REPO,
      mergeCommitSha: merge,
      mergeMethod: "squash",
      commitShas: [],
      mergedAt: null,
    });
    expect(firstShipment(change(sha(3)), shipments)?.deployment.sourceId).toBe("101");
    expect(firstShipment(change(sha(4)), shipments)?.deployment.sourceId).toBe("102");
    expect(firstShipment(change(sha(6)), shipments)).toBeNull();
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
    const shipments = linked.map(({ deployment: d, outcome }) => ({ deployment: d, shipped: outcome.shipped }));
    const change: LinkableChange = {
      repositoryId: REPO,
      mergeCommitSha: sha(3),
      mergeMethod: "merge",
      commitShas: [],
      mergedAt: null,
    };
    expect(firstShipment(change, shipments)?.deployment.environment).toBe("prod-eu");
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

// ---- the shipping join --------------------------------------------------------------------------

describe("shasOfChange and firstShipment", () => {
  const base = { repositoryId: REPO, mergeCommitSha: sha(10), commitShas: [sha(11), sha(12)], mergedAt: null };

  it.each<[LinkableChange["mergeMethod"], string[]]>([
    ["merge", [sha(10)]],
    ["squash", [sha(10)]],
    ["rebase", [sha(10), sha(11), sha(12)]],
    ["unknown", [sha(10), sha(11), sha(12)]],
  ])("%s merges are found by %j", (mergeMethod, expected) => {
    expect(shasOfChange({ ...base, mergeMethod })).toEqual(expected);
  });

  const d1 = deployment({ sourceId: "1", succeededAt: T0 });
  const d2 = deployment({ sourceId: "2", succeededAt: T0 + MINUTE });
  const fork = deployment({ sourceId: "3", repositoryId: 999, succeededAt: T0 - MINUTE });
  const d3 = deployment({ sourceId: "4", succeededAt: T0 + HOUR });

  it.each<[string, LinkableChange, Shipment[], string | null]>([
    ["a squash by its merge commit", { ...base, mergeMethod: "squash" }, [{ deployment: d1, shipped: [sha(10)] }], "1"],
    [
      "a squash is not found by its PR's commits",
      { ...base, mergeMethod: "squash" },
      [{ deployment: d1, shipped: [sha(11)] }],
      null,
    ],
    [
      "a rebase by any of its commits (an intermediate commit deployed first)",
      { ...base, mergeMethod: "rebase" },
      [
        { deployment: d2, shipped: [sha(12), sha(10)] },
        { deployment: d1, shipped: [sha(11)] },
      ],
      "1",
    ],
    [
      "the earliest by success time, not by list order",
      { ...base, mergeMethod: "merge" },
      [
        { deployment: d2, shipped: [sha(10)] },
        { deployment: d1, shipped: [sha(10).toUpperCase()] },
      ],
      "1",
    ],
    [
      "another repository's deployment of the same sha (a fork) does not ship it",
      { ...base, mergeMethod: "merge" },
      [
        { deployment: fork, shipped: [sha(10)] },
        { deployment: d2, shipped: [sha(10)] },
      ],
      "2",
    ],
    [
      "no merge commit and no commits",
      { ...base, mergeCommitSha: null, commitShas: [], mergeMethod: "unknown" },
      [{ deployment: d1, shipped: [sha(10)] }],
      null,
    ],
    ["nothing shipped yet", { ...base, mergeMethod: "merge" }, [], null],
    [
      "a production deployment of the branch before the merge ships nothing of it (rebase)",
      { ...base, mergeMethod: "rebase", mergedAt: T0 + 30 * MINUTE },
      [
        { deployment: d1, shipped: [sha(11), sha(12)] },
        { deployment: d3, shipped: [sha(10)] },
      ],
      "4",
    ],
    [
      "but a fast-forward's branch tip deployed before the merge ships it: that is the merged commit",
      { ...base, mergeMethod: "rebase", mergeCommitSha: sha(12), mergedAt: T0 + 30 * MINUTE },
      [{ deployment: d1, shipped: [sha(11), sha(12)] }],
      "1",
    ],
    [
      "a rebase's own commit deployed within a minute before the merge time ships it (clocks to the second)",
      { ...base, mergeMethod: "rebase", mergedAt: T0 + MINUTE },
      [{ deployment: d1, shipped: [sha(11)] }],
      "1",
    ],
    [
      "more than a minute before, it does not",
      { ...base, mergeMethod: "rebase", mergedAt: T0 + MINUTE + 1 },
      [{ deployment: d1, shipped: [sha(11)] }],
      null,
    ],
  ])("%s", (_name, change, shipments, expected) => {
    expect(firstShipment(change, shipments)?.deployment.sourceId ?? null).toBe(expected);
  });
});

// ---- properties ---------------------------------------------------------------------------------

/** Deployments of one repository over a few environments, often at the same second. */
const arbitraryShipments = fc
  .array(
    fc.record({
      environment: fc.constantFrom("production", "Production", "prod-eu"),
      source: fc.constantFrom("deployment" as const, "workflow_run" as const),
      at: fc.integer({ min: 0, max: 5 }),
      shipped: fc.subarray([sha(1), sha(2), sha(3), sha(4), sha(5)]),
    }),
    { maxLength: 12 },
  )
  .map((rows) =>
    rows.map(
      (row, i): Shipment => ({
        deployment: deployment({
          environment: row.environment,
          source: row.source,
          sourceId: String(i * 7 + 1),
          succeededAt: T0 + row.at * 1000,
        }),
        shipped: row.shipped,
      }),
    ),
  );

const arbitraryChange = fc.record({
  repositoryId: fc.constant(REPO),
  mergeCommitSha: fc.option(fc.constantFrom(sha(1), sha(2), sha(3), sha(6))),
  mergeMethod: fc.constantFrom("merge" as const, "squash" as const, "rebase" as const, "unknown" as const),
  commitShas: fc.subarray([sha(3), sha(4), sha(5), sha(6)]),
  // Merged around the shipments' seconds, once the clock slack is taken off: some can ship it, some not.
  mergedAt: fc.option(fc.integer({ min: -1, max: 6 }).map((at) => T0 + SHIP_CLOCK_SLACK_MS + at * 1000)),
});

describe("properties", () => {
  it("the earliest shipping deployment is the same for every arrival order", () => {
    fc.assert(
      fc.property(
        arbitraryShipments.chain((shipments) =>
          fc.tuple(fc.constant(shipments), fc.shuffledSubarray(shipments, { minLength: shipments.length })),
        ),
        arbitraryChange,
        ([shipments, permuted], change) => {
          const expected = firstShipment(change, shipments);
          expect(firstShipment(change, permuted)).toBe(expected);
          // ... and no shipment of the change is earlier than it.
          const keys = new Set(shasOfChange(change));
          const merge = change.mergeCommitSha;
          const identifies = (s: Shipment, x: string) => x === merge || (mayShip(change, s.deployment) && keys.has(x));
          if (expected !== null) expect(expected.shipped.some((x) => identifies(expected, x))).toBe(true);
          for (const s of shipments) {
            if (!s.shipped.some((x) => identifies(s, x))) continue;
            // A shipment that identifies the change: there is a first one, and it is not later.
            expect(expected).not.toBeNull();
            if (expected !== null) expect(compareDeployments(expected.deployment, s.deployment)).toBeLessThanOrEqual(0);
          }
        },
      ),
      propertyParams(),
    );
  });

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
