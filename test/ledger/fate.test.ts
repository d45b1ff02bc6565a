// The pure fate core: which deployment first shipped a change, whether a revert or a rollback
// undid it, and the one order of deployments. Table-driven, plus order-independence properties.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareDeployments, improvesSuccessTime } from "../../src/ledger/core/deployment-order.js";
import {
  type DeploymentFact,
  type FateChange,
  fatesOf,
  firstShipment,
  isRevertWindowOpen,
  isUndone,
  isWithinRevertWindow,
  SHIP_CLOCK_SLACK_MS,
} from "../../src/ledger/core/fate.js";
import { parseTargetKey, revertTargets, targetKey, targetsNaming } from "../../src/ledger/core/revert-target.js";
import { propertyParams } from "../helpers/property.js";

const REPO = 186853002;
const T0 = Date.parse("2026-03-02T09:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const sha = (n: number) => `c${n.toString(16).padStart(39, "0")}`;

function change(over: Partial<FateChange> = {}): FateChange {
  return {
    id: 1,
    repositoryId: REPO,
    number: 1,
    kind: "pull_request",
    title: "Add cache",
    merged: true,
    deployable: true,
    mergedAt: null,
    mergeCommitSha: sha(10),
    mergeMethod: "squash",
    commitShas: [sha(11), sha(12)],
    ...over,
  };
}

let nextId = 100;
function deployment(over: Partial<DeploymentFact> & { key?: string } = {}): DeploymentFact {
  const id = over.id ?? nextId++;
  return {
    id,
    repositoryId: REPO,
    environment: "production",
    sha: sha(99),
    sourceKey: over.key ?? `deployment:${id}`,
    succeededAt: T0,
    shipped: [],
    rolledBack: [],
    ...over,
  };
}

describe("the order of deployments", () => {
  it("is by success time, then source key, shorter first: numeric ids sort as numbers", () => {
    const at = (sourceKey: string, succeededAt = T0) => ({ sourceKey, succeededAt });
    const sorted = [
      at("deployment:100"),
      at("deployment:99"),
      at("deployment:1", T0 + 1000),
      at("workflow_run:7"),
      at("deployment:99x"),
    ].sort(compareDeployments);
    expect(sorted.map((d) => d.sourceKey)).toEqual([
      "deployment:99",
      "deployment:100",
      "deployment:99x",
      "workflow_run:7",
      "deployment:1",
    ]);
  });
});

describe("observations of one deployment's success time", () => {
  const exact = (succeededAt: number) => ({ succeededAt, exact: true });
  const estimate = (succeededAt: number) => ({ succeededAt, exact: false });
  it.each([
    ["an exact time replaces an estimate", exact(T0 + HOUR), estimate(T0), true],
    ["an estimate never replaces an exact time", estimate(T0 - HOUR), exact(T0), false],
    ["the earlier of two exact times (the first success)", exact(T0 - 1), exact(T0), true],
    ["not the later one (a redelivery, a later inactive)", exact(T0 + 1), exact(T0), false],
    ["the later of two estimates (the tighter lower bound)", estimate(T0 + 1), estimate(T0), true],
    ["not the earlier estimate", estimate(T0 - 1), estimate(T0), false],
    ["the same observation again changes nothing", exact(T0), exact(T0), false],
  ])("%s", (_name, candidate, known, expected) => {
    expect(improvesSuccessTime(candidate, known)).toBe(expected);
  });
});

describe("firstShipment", () => {
  const d1 = deployment({ id: 1, key: "deployment:1", succeededAt: T0 });
  const d2 = deployment({ id: 2, key: "deployment:2", succeededAt: T0 + MINUTE });
  const d3 = deployment({ id: 3, key: "deployment:4", succeededAt: T0 + HOUR });
  const fork = deployment({ id: 4, key: "deployment:3", repositoryId: 999, succeededAt: T0 - MINUTE });
  const ship = (d: DeploymentFact, shipped: string[]) => ({ ...d, shipped });

  it.each<[string, Partial<FateChange>, DeploymentFact[], number | null]>([
    ["a squash by its merge commit", {}, [ship(d1, [sha(10)])], 1],
    ["a squash is not found by its pull request's commits", {}, [ship(d1, [sha(11)])], null],
    ["a merge commit likewise", { mergeMethod: "merge" }, [ship(d1, [sha(11), sha(12)])], null],
    [
      "a rebase by any of its commits (an intermediate commit deployed first)",
      { mergeMethod: "rebase" },
      [ship(d2, [sha(12), sha(10)]), ship(d1, [sha(11)])],
      1,
    ],
    ["an unknown method by its commits too", { mergeMethod: "unknown" }, [ship(d1, [sha(12)])], 1],
    ["a method not recorded by its commits too", { mergeMethod: null }, [ship(d1, [sha(12)])], 1],
    ["the earliest by success time, not by list order", {}, [ship(d2, [sha(10)]), ship(d1, [sha(10)])], 1],
    [
      "another repository's deployment of the same sha (a fork) does not ship it",
      {},
      [ship(fork, [sha(10)]), ship(d2, [sha(10)])],
      2,
    ],
    [
      "no merge commit and no commits",
      { mergeCommitSha: null, commitShas: [], mergeMethod: "unknown" },
      [ship(d1, [sha(10)])],
      null,
    ],
    ["nothing shipped yet", {}, [], null],
    ["not merged: never shipped", { merged: false }, [ship(d1, [sha(10)])], null],
    ["merged into a branch that is not deployable: never shipped", { deployable: false }, [ship(d1, [sha(10)])], null],
    [
      "a production deployment of the branch before the merge ships nothing of it (rebase)",
      { mergeMethod: "rebase", mergedAt: T0 + 30 * MINUTE },
      [ship(d1, [sha(11), sha(12)]), ship(d3, [sha(10)])],
      3,
    ],
    [
      "but a fast-forward's branch tip deployed before the merge ships it: that is the merged commit",
      { mergeMethod: "rebase", mergeCommitSha: sha(12), mergedAt: T0 + 30 * MINUTE },
      [ship(d1, [sha(11), sha(12)])],
      1,
    ],
    [
      "a rebase's own commit deployed within a minute before the merge time ships it (clocks to the second)",
      { mergeMethod: "rebase", mergedAt: T0 + SHIP_CLOCK_SLACK_MS },
      [ship(d1, [sha(11)])],
      1,
    ],
    [
      "more than a minute before, it does not",
      { mergeMethod: "rebase", mergedAt: T0 + SHIP_CLOCK_SLACK_MS + 1 },
      [ship(d1, [sha(11)])],
      null,
    ],
    [
      "a direct push's time is its author date: its commit ships whenever it is deployed",
      {
        kind: "push",
        number: null,
        mergeMethod: "rebase",
        mergedAt: T0 + DAY,
        mergeCommitSha: sha(11),
        commitShas: [],
      },
      [ship(d1, [sha(11)])],
      1,
    ],
    [
      "same second: deployment 99 before deployment 100",
      {},
      [
        ship(deployment({ id: 7, key: "deployment:100" }), [sha(10)]),
        ship(deployment({ id: 8, key: "deployment:99" }), [sha(10)]),
      ],
      8,
    ],
  ])("%s", (_name, over, deployments, expected) => {
    expect(firstShipment(change(over), deployments)?.id ?? null).toBe(expected);
  });
});

describe("fatesOf", () => {
  const original = change({
    id: 1,
    number: 1,
    title: "Add cache",
    mergedAt: T0,
    mergeCommitSha: sha(1),
    commitShas: [],
  });
  const revertOf = (id: number, over: Partial<FateChange> = {}) =>
    change({
      id,
      number: id,
      title: `Revert "${original.title}"`,
      mergeCommitSha: sha(id),
      commitShas: [],
      mergedAt: T0 + HOUR,
      ...over,
    });
  const shipping = (id: number, succeededAt: number, shipped: string[], rolledBack: string[] = []) =>
    deployment({ id, key: `deployment:${id}`, succeededAt, shipped, rolledBack });

  it("a shipped revert undoes a change, from when it shipped; an unshipped one does not", () => {
    const facts = {
      changes: [original, revertOf(2), revertOf(3)],
      deployments: [shipping(10, T0 + HOUR, [sha(1)]), shipping(11, T0 + 3 * HOUR, [sha(3)])],
      reverts: [
        { revertingChangeId: 2, repositoryId: REPO, target: { kind: "pull" as const, number: 1 } },
        { revertingChangeId: 3, repositoryId: REPO, target: { kind: "commit" as const, sha: sha(1) } },
      ],
    };
    expect(fatesOf([1, 2], facts).get(1)).toEqual({
      shippedBy: { deploymentId: 10, environment: "production", sha: sha(99), at: T0 + HOUR },
      revertedBy: { changeId: 3, at: T0 + 3 * HOUR },
      rolledBackBy: null,
    });
    // Without the shipped revert, the other never shipped: nothing undid it.
    expect(fatesOf([1], { ...facts, reverts: facts.reverts.slice(0, 1) }).get(1)?.revertedBy).toBeNull();
  });

  it("of two shipped reverts, the first to ship counts; a change never reverts itself", () => {
    const facts = {
      changes: [original, revertOf(2), revertOf(3)],
      deployments: [shipping(10, T0 + HOUR, [sha(1), sha(3)]), shipping(11, T0 + 2 * HOUR, [sha(2)])],
      reverts: [
        { revertingChangeId: 2, repositoryId: REPO, target: { kind: "pull" as const, number: 1 } },
        { revertingChangeId: 3, repositoryId: REPO, target: { kind: "pull" as const, number: 1 } },
        { revertingChangeId: 1, repositoryId: REPO, target: { kind: "pull" as const, number: 1 } },
      ],
    };
    expect(fatesOf([1], facts).get(1)?.revertedBy).toEqual({ changeId: 3, at: T0 + HOUR });
  });

  it("follows a revert chain: a revert undone by a later shipped revert of it undoes nothing", () => {
    // #1 shipped; #2 reverts it; #3 (`Revert "Revert "Add cache""`) reverts #2; #4 reverts #3.
    const pull = (revertingChangeId: number, number: number) => ({
      revertingChangeId,
      repositoryId: REPO,
      target: { kind: "pull" as const, number },
    });
    const chain = [original, revertOf(2), revertOf(3, { title: 'Revert "Revert "Add cache""' }), revertOf(4)];
    const shipped = (...ids: number[]) => ids.map((id) => shipping(10 + id, T0 + id * HOUR, [sha(id)]));
    const fates = (deployments: DeploymentFact[], reverts = [pull(2, 1), pull(3, 2), pull(4, 3)]) => {
      const all = fatesOf([1, 2, 3], { changes: chain, deployments, reverts });
      return [1, 2, 3].map((id) => all.get(id)?.revertedBy?.changeId ?? null);
    };
    // The re-apply shipped: #2 is undone, so #1 counts again.
    expect(fates(shipped(1, 2, 3))).toEqual([null, 3, null]);
    // The re-apply merged but never shipped: #1 stays reverted.
    expect(fates(shipped(1, 2))).toEqual([2, null, null]);
    // The re-apply reverted in turn (shipped): #3 is undone, #2 counts again, #1 is reverted.
    expect(fates(shipped(1, 2, 3, 4))).toEqual([2, null, 4]);
    // A "re-apply" that shipped before the revert it names re-applies nothing.
    const early = [
      shipping(11, T0 + HOUR, [sha(1)]),
      shipping(12, T0 + 3 * HOUR, [sha(2)]),
      shipping(13, T0 + 2 * HOUR, [sha(3)]),
    ];
    expect(fates(early)).toEqual([2, 3, null]);
    // Reverts naming each other in a loop end: the one shipped first is undone by the later.
    expect(fates(shipped(1, 2, 3), [pull(2, 1), pull(3, 2), pull(2, 3)])).toEqual([null, 3, null]);
  });

  it("a revert in another repository names another pull request 1", () => {
    const facts = {
      changes: [original, revertOf(2, { repositoryId: 5 })],
      deployments: [
        shipping(10, T0 + HOUR, [sha(1)]),
        deployment({ id: 11, repositoryId: 5, shipped: [sha(2)], succeededAt: T0 + HOUR }),
      ],
      reverts: [{ revertingChangeId: 2, repositoryId: 5, target: { kind: "pull" as const, number: 1 } }],
    };
    expect(fatesOf([1], facts).get(1)?.revertedBy).toBeNull();
  });

  it.each<[string, Partial<FateChange>, string[], boolean]>([
    ["a merge, by one of its commits: partial", { mergeMethod: "merge" }, [sha(11)], false],
    ["a merge, by all of its commits, one by one", { mergeMethod: "merge" }, [sha(12), sha(11)], true],
    ["a merge, by its merge commit (git revert -m 1)", { mergeMethod: "merge" }, [sha(10)], true],
    ["a squash, by one of its pull request's commits: partial", {}, [sha(12)], false],
    ["a squash, by its squash commit", {}, [sha(10)], true],
    ["a fast-forward, by its tip alone: partial", { mergeMethod: "rebase", mergeCommitSha: sha(12) }, [sha(12)], false],
    ["a single-commit change, by its one commit", { mergeMethod: "merge", commitShas: [sha(11)] }, [sha(11)], true],
  ])("a revert of commits undoes the whole change only: %s", (_name, over, named, reverted) => {
    const target = change({ id: 1, mergedAt: T0, ...over });
    const facts = {
      changes: [target, revertOf(2)],
      deployments: [shipping(10, T0 + HOUR, [sha(10), sha(12)]), shipping(11, T0 + 2 * HOUR, [sha(2)])],
      reverts: named.map((s) => ({
        revertingChangeId: 2,
        repositoryId: REPO,
        target: { kind: "commit" as const, sha: s },
      })),
    };
    expect(fatesOf([1], facts).get(1)?.revertedBy !== null).toBe(reverted);
  });

  it("a title revert undoes the latest change of that title merged before it, and no other", () => {
    const older = change({ id: 1, number: 1, mergedAt: T0, mergeCommitSha: sha(1), commitShas: [] });
    const newer = change({ id: 2, number: 2, mergedAt: T0 + HOUR, mergeCommitSha: sha(2), commitShas: [] });
    const after = change({ id: 4, number: 4, mergedAt: T0 + 5 * HOUR, mergeCommitSha: sha(4), commitShas: [] });
    const revert = revertOf(3, { mergedAt: T0 + 2 * HOUR });
    const facts = {
      changes: [older, newer, after, revert],
      deployments: [shipping(10, T0 + 3 * HOUR, [sha(1), sha(2), sha(3)]), shipping(11, T0 + 6 * HOUR, [sha(4)])],
      reverts: [{ revertingChangeId: 3, repositoryId: REPO, target: { kind: "title" as const, title: "Add cache" } }],
    };
    const fates = fatesOf([1, 2, 4], facts);
    expect(fates.get(1)?.revertedBy).toBeNull();
    expect(fates.get(2)?.revertedBy).toEqual({ changeId: 3, at: T0 + 3 * HOUR });
    expect(fates.get(4)?.revertedBy).toBeNull();
    // Without the newer one, the older is the latest of its title.
    expect(fatesOf([1], { ...facts, changes: [older, after, revert] }).get(1)?.revertedBy?.changeId).toBe(3);
  });

  it("a direct push whose subject is the title does not hide the pull request from a title revert", () => {
    // A push's title is its commit subject and its time its author date: a commit "Add cache"
    // authored between the pull request and the revert, pushed straight to the branch. A title
    // revert cannot name a push (targetsNaming), so the push is not "the latest of that title" either.
    const pull = change({ id: 1, number: 1, mergedAt: T0, mergeCommitSha: sha(1), commitShas: [] });
    const push = change({
      id: 2,
      number: null,
      kind: "push",
      mergeMethod: "direct",
      mergedAt: T0 + HOUR,
      mergeCommitSha: sha(2),
      commitShas: [],
    });
    const revert = revertOf(3, { mergedAt: T0 + 2 * HOUR });
    const facts = {
      changes: [pull, push, revert],
      deployments: [shipping(10, T0 + 3 * HOUR, [sha(1), sha(2), sha(3)])],
      reverts: [{ revertingChangeId: 3, repositoryId: REPO, target: { kind: "title" as const, title: "Add cache" } }],
    };
    const fates = fatesOf([1, 2], facts);
    expect(fates.get(1)?.revertedBy).toEqual({ changeId: 3, at: T0 + 3 * HOUR });
    expect(fates.get(2)?.revertedBy).toBeNull();
    // The same with or without the push among the facts (the store may learn of it later).
    expect(fatesOf([1], { ...facts, changes: [pull, revert] }).get(1)).toEqual(fates.get(1));
  });

  it("a rollback at or after the shipment rolls a change back; one before it does not", () => {
    const rebased = change({ id: 1, mergeMethod: "rebase", mergeCommitSha: sha(1), commitShas: [sha(5)] });
    const facts = (rollbackAt: number, rolledBack: string[]) => ({
      changes: [rebased],
      deployments: [shipping(10, T0 + HOUR, [sha(1)]), shipping(11, rollbackAt, [], rolledBack)],
      reverts: [],
    });
    expect(fatesOf([1], facts(T0 + 2 * HOUR, [sha(5)])).get(1)?.rolledBackBy).toEqual({
      deploymentId: 11,
      at: T0 + 2 * HOUR,
    });
    expect(fatesOf([1], facts(T0 + HOUR, [sha(1)])).get(1)?.rolledBackBy).toEqual({ deploymentId: 11, at: T0 + HOUR });
    expect(fatesOf([1], facts(T0, [sha(1)])).get(1)?.rolledBackBy).toBeNull();
    // A squash is not rolled back by its pull request's commits.
    const squash = { ...facts(T0 + 2 * HOUR, [sha(5)]), changes: [{ ...rebased, mergeMethod: "squash" }] };
    expect(fatesOf([1], squash).get(1)?.rolledBackBy).toBeNull();
    // Never shipped: nothing to roll back.
    expect(
      fatesOf([1], { ...facts(T0 + 2 * HOUR, [sha(1)]), deployments: [shipping(11, T0 + 2 * HOUR, [], [sha(1)])] }).get(
        1,
      ),
    ).toEqual({
      shippedBy: null,
      revertedBy: null,
      rolledBackBy: null,
    });
  });

  it("a change the facts do not hold has no fate", () => {
    expect(fatesOf([42], { changes: [], deployments: [], reverts: [] }).get(42)).toEqual({
      shippedBy: null,
      revertedBy: null,
      rolledBackBy: null,
    });
  });
});

describe("revert targets", () => {
  it("name a pull request, commits, and a title only when nothing else is named", () => {
    expect(revertTargets({ pullRequests: [3], commits: [sha(1)], revertedTitle: "Add cache" })).toEqual([
      { kind: "pull", number: 3 },
      { kind: "commit", sha: sha(1) },
    ]);
    expect(revertTargets({ pullRequests: [], commits: [], revertedTitle: "Add cache" })).toEqual([
      { kind: "title", title: "Add cache" },
    ]);
  });

  it("a change is named by its number, merge commit, own commits, and title (a pull request's only)", () => {
    expect(
      targetsNaming({ number: 7, title: "T", mergeCommitSha: sha(1), commitShas: [sha(2)] }).map(targetKey),
    ).toEqual(["pr:7", `sha:${sha(1)}`, `sha:${sha(2)}`, "title:T"]);
    expect(targetsNaming({ number: null, title: "T", mergeCommitSha: sha(1), commitShas: [] }).map(targetKey)).toEqual([
      `sha:${sha(1)}`,
    ]);
  });

  it.each(["pr:12", `sha:${sha(1)}`, "title:Add: cache", "title:"])("stores %s and reads it back", (key) => {
    const target = parseTargetKey(key);
    expect(target).not.toBeNull();
    if (target) expect(targetKey(target)).toBe(key);
  });

  it.each(["pr:x", "sha:", "nonsense", "pr:"])("reads %s as no target", (key) => {
    expect(parseTargetKey(key)).toBeNull();
  });
});

describe("the revert window", () => {
  const shipped = Date.parse("2026-03-01T00:00:00Z");
  it.each<[string, number, boolean]>([
    ["the same deployment", shipped, true],
    ["on the last day", shipped + 14 * DAY, true],
    ["a moment after the window", shipped + 14 * DAY + 1, false],
    ["recorded before the shipment (out-of-order data)", shipped - DAY, true],
  ])("%s", (_name, at, expected) => {
    expect(isWithinRevertWindow(shipped, at, 14)).toBe(expected);
    expect(isUndone({ shippedAt: shipped, revertedAt: at, rolledBackAt: null }, 14)).toBe(expected);
    expect(isUndone({ shippedAt: shipped, revertedAt: null, rolledBackAt: at }, 14)).toBe(expected);
  });

  it.each<[string, number, boolean]>([
    ["just shipped", shipped, true],
    ["a moment before its last day ends", shipped + 14 * DAY - 1, true],
    ["at the end of its last day: nothing later can count", shipped + 14 * DAY, false],
    ["long after", shipped + 30 * DAY, false],
  ])("the window is open %s: %s", (_name, now, expected) => {
    expect(isRevertWindowOpen(shipped, 14, now)).toBe(expected);
    // Open exactly when an undoing a moment later would still count.
    expect(isWithinRevertWindow(shipped, now + 1, 14)).toBe(expected);
  });

  it("nothing undone is nothing undone", () => {
    expect(isUndone({ shippedAt: shipped, revertedAt: null, rolledBackAt: null }, 14)).toBe(false);
  });
});

describe("properties", () => {
  const arbitraryDeployments = fc
    .array(
      fc.record({
        environment: fc.constantFrom("production", "prod-eu"),
        at: fc.integer({ min: 0, max: 5 }),
        id: fc.integer({ min: 1, max: 200 }),
        shipped: fc.subarray([sha(1), sha(2), sha(3), sha(4), sha(5)]),
        rolledBack: fc.subarray([sha(1), sha(3), sha(6)]),
      }),
      { maxLength: 12 },
    )
    .map((rows) =>
      rows.map((row, i) =>
        deployment({
          id: i + 1,
          key: `deployment:${row.id * 10 + i}`,
          environment: row.environment,
          succeededAt: T0 + row.at * 1000,
          shipped: row.shipped,
          rolledBack: row.rolledBack,
        }),
      ),
    );
  const arbitraryChange = fc.record({
    mergeCommitSha: fc.option(fc.constantFrom(sha(1), sha(2), sha(3), sha(6))),
    mergeMethod: fc.constantFrom("merge", "squash", "rebase", "unknown"),
    commitShas: fc.subarray([sha(3), sha(4), sha(5), sha(6)]),
    mergedAt: fc.option(fc.integer({ min: -1, max: 6 }).map((at) => T0 + SHIP_CLOCK_SLACK_MS + at * 1000)),
  });

  it("a change's fate is the same for every order the facts come in", () => {
    fc.assert(
      fc.property(
        arbitraryDeployments.chain((ds) =>
          fc.tuple(fc.constant(ds), fc.shuffledSubarray(ds, { minLength: ds.length })),
        ),
        arbitraryChange,
        ([deployments, permuted], over) => {
          const c = change({ ...over, commitShas: over.commitShas });
          const a = fatesOf([1], { changes: [c], deployments, reverts: [] }).get(1);
          const b = fatesOf([1], { changes: [c], deployments: permuted, reverts: [] }).get(1);
          expect(b).toEqual(a);
          // No deployment that holds the change is earlier than its first shipment.
          const first = firstShipment(c, deployments);
          for (const d of deployments) {
            if (firstShipment(c, [d]) === null) continue;
            expect(first).not.toBeNull();
            if (first) expect(compareDeployments(first, d)).toBeLessThanOrEqual(0);
          }
        },
      ),
      propertyParams(),
    );
  });
});
