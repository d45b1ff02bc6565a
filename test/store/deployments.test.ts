import { expect, it } from "vitest";
import type { RevertTarget } from "../../src/ledger/core/revert-target.js";
import { changesRolledBackBy, fateOf } from "../../src/ledger/fates.js";
import { recordChange } from "../../src/ledger/record-change.js";
import { settleDeployment as settle } from "../../src/ledger/settle-deployment.js";
import type { ChangeInputRecord, CommitRecord, DeploymentInput, Store } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOUR = 3_600_000;
const s = (n: number) => n.toString(16).padStart(40, "0");

const change = (number: number | null, over: Partial<ChangeInputRecord> = {}): ChangeInputRecord => ({
  installationId: 1,
  repositoryId: 10,
  number,
  title: `change ${number}`,
  authorLogin: "mona",
  authorType: "User",
  botChange: false,
  headRef: "feature",
  headSha: s(900 + (number ?? 0)),
  baseRef: "main",
  state: "merged",
  openedAt: T0,
  mergedAt: T0 + HOUR,
  mergeCommitSha: s(number ?? 0),
  mergeMethod: "squash",
  ai: true,
  aiEvidence: "explicit",
  agents: ["claude-code"],
  models: [],
  sessions: [],
  evidence: [],
  commitsTotal: 1,
  commitsAi: 1,
  attributedSha: s(900 + (number ?? 0)),
  ...over,
});

const deployment = (key: string, sha: string, at: number, over: Partial<DeploymentInput> = {}): DeploymentInput => ({
  installationId: 1,
  repositoryId: 10,
  environment: "production",
  source: "deployment",
  sourceKey: key,
  sha,
  ref: "main",
  succeededAt: at,
  succeededAtExact: true,
  url: null,
  ...over,
});

/** Facts in through the ledger's use cases, as handlers record them (fates follow). */
const rec = (store: Store, c: ChangeInputRecord, commits: CommitRecord[], now: number, reverts: RevertTarget[] = []) =>
  recordChange(store, c, commits, reverts, now);

async function seed(store: Store) {
  await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
  await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
}

eachDialect("store: deployments", ({ newStore }) => {
  it("answers which deployment first shipped a change and what a deployment shipped", async () => {
    const store = await newStore();
    await seed(store);
    const c1 = await rec(store, change(1), [], T0);
    const c2 = await rec(store, change(2), [], T0);
    const { deployment: d1, inserted } = await store.deployments.upsertDeployment(
      deployment("deployment:1", s(1), T0 + 2 * HOUR),
      T0,
    );
    expect(inserted).toBe(true);
    await settle(store, d1.id, { outcome: "ship", previousSha: s(0), shipped: [s(1)], rolledBack: [] }, T0);
    const { deployment: d2 } = await store.deployments.upsertDeployment(
      deployment("deployment:2", s(2), T0 + 3 * HOUR),
      T0,
    );
    // d2's range overlaps d1's (e.g. compared against an older base): c1 is still shipped by d1 only.
    await settle(store, d2.id, { outcome: "ship", previousSha: s(0), shipped: [s(1), s(2)], rolledBack: [] }, T0);

    expect((await store.changes.changesShippedBy(1, d1.id)).map((c) => c.number)).toEqual([1]);
    expect((await store.changes.changesShippedBy(1, d2.id)).map((c) => c.number)).toEqual([2]);
    expect((await fateOf(store, 1, c1)).shippedBy).toEqual({
      deploymentId: d1.id,
      environment: "production",
      sha: s(1),
      at: T0 + 2 * HOUR,
    });
    expect((await fateOf(store, 1, c2)).shippedBy?.deploymentId).toBe(d2.id);
    // Another installation sees nothing.
    expect(await store.changes.changesShippedBy(2, d1.id)).toEqual([]);
    expect(await fateOf(store, 2, c1)).toEqual({ shippedBy: null, revertedBy: null, rolledBackBy: null });
    expect(await store.deployments.getDeployment(2, d1.id)).toBeNull();
  });

  it("the same delivery twice is one deployment; neighbours are by success time, not arrival", async () => {
    const store = await newStore();
    await seed(store);
    const late = await store.deployments.upsertDeployment(deployment("deployment:3", s(3), T0 + 3 * HOUR), T0);
    const early = await store.deployments.upsertDeployment(deployment("deployment:1", s(1), T0 + 1 * HOUR), T0);
    const middle = await store.deployments.upsertDeployment(deployment("deployment:2", s(2), T0 + 2 * HOUR), T0);
    await store.deployments.upsertDeployment(
      deployment("deployment:9", s(9), T0 + 2 * HOUR, { environment: "prod-eu" }),
      T0,
    );
    expect(
      (await store.deployments.upsertDeployment(deployment("deployment:2", s(2), T0 + 2 * HOUR), T0)).inserted,
    ).toBe(false);
    expect((await store.deployments.adjacentDeployment(middle.deployment, "previous"))?.sourceKey).toBe("deployment:1");
    expect((await store.deployments.adjacentDeployment(middle.deployment, "next"))?.sourceKey).toBe("deployment:3");
    expect(await store.deployments.adjacentDeployment(early.deployment, "previous")).toBeNull();
    expect(await store.deployments.adjacentDeployment(late.deployment, "next")).toBeNull();
  });

  it("a shipped revert and a rollback undo a change; an unshipped revert does not", async () => {
    const store = await newStore();
    await seed(store);
    const c1 = await rec(store, change(1), [], T0);
    const c2 = await rec(store, change(2), [], T0);
    const revert1 = await rec(store, change(3, { title: 'Revert "change 1"' }), [], T0, [{ kind: "pull", number: 1 }]);
    // Change 2's revert names its merge commit, and never ships.
    await rec(store, change(4, { title: 'Revert "change 2"' }), [], T0, [{ kind: "commit", sha: s(2) }]);

    const ship = async (key: string, sha: string, at: number, shipped: string[], outcome = "ship" as const) => {
      const { deployment: d } = await store.deployments.upsertDeployment(deployment(key, sha, at), T0);
      await settle(store, d.id, { outcome, previousSha: null, shipped, rolledBack: [] }, T0);
      return d;
    };
    await ship("d1", s(2), T0 + HOUR, [s(1), s(2)]);
    const d2 = await ship("d2", s(3), T0 + 5 * HOUR, [s(3)]);
    expect((await fateOf(store, 1, c1)).revertedBy).toEqual({ changeId: revert1, at: d2.succeededAt });
    // The revert of change 2 never shipped: change 2 is still in production.
    expect((await fateOf(store, 1, c2)).revertedBy).toBeNull();

    const { deployment: rollback } = await store.deployments.upsertDeployment(
      deployment("d3", s(1), T0 + 6 * HOUR),
      T0,
    );
    await settle(
      store,
      rollback.id,
      { outcome: "rollback", previousSha: s(3), shipped: [], rolledBack: [s(2), s(3)] },
      T0,
    );
    expect((await fateOf(store, 1, c2)).rolledBackBy).toEqual({ deploymentId: rollback.id, at: T0 + 6 * HOUR });
    expect((await changesRolledBackBy(store, 1, rollback.id)).map((c) => c.number)).toEqual([2, 3]);
  });

  it("changes merged into a branch that is not deployable never ship", async () => {
    const store = await newStore();
    await seed(store);
    const c = await rec(store, change(1, { baseRef: "release-1.x", deployable: false }), [], T0);
    const { deployment: d } = await store.deployments.upsertDeployment(deployment("d1", s(1), T0 + HOUR), T0);
    await settle(store, d.id, { outcome: "ship", previousSha: null, shipped: [s(1)], rolledBack: [] }, T0);
    expect((await fateOf(store, 1, c)).shippedBy).toBeNull();
    expect(await store.changes.changesShippedBy(1, d.id)).toEqual([]);
  });

  it("direct pushes are changes of their own, found by sha; known shas cover merge commits and PR commits", async () => {
    const store = await newStore();
    await seed(store);
    const pushed = await rec(
      store,
      change(null, { kind: "push", mergeCommitSha: s(77), mergeMethod: "direct" }),
      [],
      T0,
    );
    const again = await rec(
      store,
      change(null, { kind: "push", mergeCommitSha: s(77), mergeMethod: "direct" }),
      [],
      T0,
    );
    expect(again).toBe(pushed);
    expect((await store.changes.getPushChange(1, 10, s(77)))?.id).toBe(pushed);
    await rec(
      store,
      change(5, { mergeMethod: "merge" }),
      [
        {
          sha: s(51),
          authorName: "m",
          authorEmail: "m@x",
          authorLogin: null,
          authoredAt: null,
          subject: "a",
          message: "a\n",
          ai: false,
          agents: [],
          models: [],
          sessions: [],
          evidence: [],
        },
      ],
      T0,
    );
    expect([...(await store.changes.knownShas(10, [s(5), s(51), s(77), s(99)]))].sort()).toEqual(
      [s(5), s(51), s(77)].sort(),
    );
  });

  it("a repository that moves to another installation (the app installed again) takes its history along", async () => {
    const store = await newStore();
    await seed(store);
    await rec(store, change(1), [], T0);
    const { deployment: d1 } = await store.deployments.upsertDeployment(
      deployment("deployment:1", s(1), T0 + 2 * HOUR),
      T0,
    );
    await settle(store, d1.id, { outcome: "ship", previousSha: s(0), shipped: [s(1)], rolledBack: [] }, T0);

    // Uninstalled, then installed again: GitHub gives a new installation id.
    await store.installations.markInstallationDeleted(1, T0 + 3 * HOUR);
    await store.installations.upsertInstallation({
      id: 2,
      accountLogin: "octo",
      accountType: "Organization",
      now: T0 + 4 * HOUR,
    });
    await store.installations.upsertRepositories(2, [{ id: 10, fullName: "octo/app", private: false }], T0 + 4 * HOUR);
    await rec(store, change(2, { installationId: 2, mergedAt: T0 + 5 * HOUR }), [], T0 + 5 * HOUR);
    const { deployment: d2 } = await store.deployments.upsertDeployment(
      deployment("deployment:2", s(2), T0 + 6 * HOUR, { installationId: 2 }),
      T0,
    );
    await settle(store, d2.id, { outcome: "ship", previousSha: s(1), shipped: [s(2)], rolledBack: [] }, T0);

    const rows = await store.reports.listReportChanges({ installationId: 2 }, T0, T0 + 7 * HOUR);
    expect(rows.map((r) => [r.number, r.shipped?.deploymentId ?? null])).toEqual([
      [1, d1.id],
      [2, d2.id],
    ]);
    expect((await store.deployments.listDeployments(2, 10)).map((d) => d.sourceKey)).toEqual([
      "deployment:1",
      "deployment:2",
    ]);
    expect(await store.changes.getChange(2, 10, 1)).not.toBeNull();
    // A late delivery of the uninstalled installation does not take the repository back.
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0 + 8 * HOUR);
    expect((await store.installations.listRepositories(2)).map((r) => r.id)).toEqual([10]);
    // Nor does a delivery of another installation received before the event that moved it (the
    // installation it left, still installed after a transfer): the worker passes receivedAt.
    await store.installations.upsertInstallation({
      id: 3,
      accountLogin: "other",
      accountType: "Organization",
      now: T0,
    });
    await store.installations.upsertRepositories(
      3,
      [{ id: 10, fullName: "other/app", private: false }],
      T0 + 9 * HOUR,
      {
        receivedAt: T0 + 3 * HOUR,
      },
    );
    expect((await store.installations.listRepositories(2)).map((r) => r.fullName)).toEqual(["octo/app"]);
    expect(await store.deployments.listDeployments(3, 10)).toEqual([]);
    // One received after it moves it (transferred into an installation of all repositories, which
    // may send no installation event for it).
    await store.installations.upsertRepositories(
      3,
      [{ id: 10, fullName: "other/app", private: false }],
      T0 + 10 * HOUR,
      {
        receivedAt: T0 + 10 * HOUR,
      },
    );
    expect((await store.installations.listRepositories(3)).map((r) => r.fullName)).toEqual(["other/app"]);
    expect((await store.deployments.listDeployments(3, 10)).map((d) => d.sourceKey)).toEqual([
      "deployment:1",
      "deployment:2",
    ]);
    // The old installation sees none of it now.
    expect(await store.reports.listReportChanges({ installationId: 1 }, T0, T0 + 7 * HOUR)).toEqual([]);
    expect(await store.deployments.listDeployments(1, 10)).toEqual([]);
    expect(await store.changes.getChange(1, 10, 1)).toBeNull();
  });

  it("a title-only revert undoes the latest change of that title merged before it, whatever order they are recorded in", async () => {
    const store = await newStore();
    await seed(store);
    const revert = await rec(store, change(4, { title: 'Revert "Add cache"', mergedAt: T0 + 4 * HOUR }), [], T0, [
      { kind: "title", title: "Add cache" },
    ]);
    const { deployment: d } = await store.deployments.upsertDeployment(
      deployment("deployment:1", s(4), T0 + 5 * HOUR),
      T0,
    );
    await settle(store, d.id, { outcome: "ship", previousSha: s(0), shipped: [s(1), s(2), s(4)], rolledBack: [] }, T0);

    const older = await rec(store, change(1, { title: "Add cache", mergedAt: T0 + HOUR }), [], T0);
    expect((await fateOf(store, 1, older)).revertedBy?.changeId).toBe(revert); // the latest of its title, so far
    const newer = await rec(store, change(2, { title: "Add cache", mergedAt: T0 + 2 * HOUR }), [], T0);
    expect((await fateOf(store, 1, newer)).revertedBy?.changeId).toBe(revert);
    expect((await fateOf(store, 1, older)).revertedBy).toBeNull();
    // The materialised column follows.
    expect((await store.changes.getChange(1, 10, 1))?.revertedAt).toBeNull();
    // A change of that title merged after the revert is not what it reverted.
    const after = await rec(store, change(5, { title: "Add cache", mergedAt: T0 + 6 * HOUR }), [], T0);
    expect((await fateOf(store, 1, after)).revertedBy).toBeNull();
  });

  it("gives a deployment's report to one caller at a time, and back when writing it failed", async () => {
    const store = await newStore();
    await seed(store);
    const { deployment: d } = await store.deployments.upsertDeployment(deployment("release:1", s(1), T0), T0);
    expect(d).toMatchObject({ settledAt: null, reportedAt: null });
    const claims = await Promise.all([
      store.deployments.claimDeploymentReport(d.id, T0 + 1),
      store.deployments.claimDeploymentReport(d.id, T0 + 2),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.deployments.claimDeploymentReport(d.id, T0 + 3)).toBe(false);
    await store.deployments.releaseDeploymentReport(d.id);
    expect(await store.deployments.claimDeploymentReport(d.id, T0 + 4)).toBe(true);
    expect((await store.deployments.getDeployment(1, d.id))?.reportedAt).toBe(T0 + 4);
  });
});
