// One source of truth for a change's fate: random ledgers (deployments succeeding in the same
// second with ids across digit boundaries, rollbacks, reverts of every kind, a fork sharing shas)
// give the same fates through the pure core as through the store and the use cases, whatever
// order their facts arrive in; the reports the store reads equal those of the core's fates; and the
// store's chain neighbours follow the core's deployment order.
// On both dialects.
import fc from "fast-check";
import { expect, it } from "vitest";
import { compareDeployments } from "../../src/ledger/core/deployment-order.js";
import { type DeploymentFact, type FateChange, fatesOf, type RevertFact } from "../../src/ledger/core/fate.js";
import type { RevertTarget } from "../../src/ledger/core/revert-target.js";
import { recordChange } from "../../src/ledger/record-change.js";
import { settleDeployment } from "../../src/ledger/settle-deployment.js";
import { computeReport } from "../../src/metrics/compute.js";
import type { ChangeInputRecord, Store } from "../../src/store/types.js";
import { propertyParams } from "../helpers/property.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const SECOND = 1000;
const DAY = 86_400_000;
const POOL = Array.from({ length: 8 }, (_, i) => `${(i + 1).toString(16)}`.padStart(40, "a"));
const TITLES = ["Add cache", 'Revert "Add cache"'];
const ENVIRONMENTS = ["production", "prod-eu"];
/** Source ids across digit boundaries: "99" and "100" succeed in the same second. */
const SOURCE_IDS = ["9", "10", "99", "100", "101", "1000"];

interface ChangeSpec {
  number: number | null;
  title: string;
  merged: boolean;
  deployable: boolean;
  mergedAt: number;
  mergeMethod: "merge" | "squash" | "rebase" | "unknown" | "direct";
  mergeCommitSha: string;
  commitShas: string[];
  reverts: RevertTarget[];
}

interface DeploymentSpec {
  repository: "main" | "fork";
  sourceId: string;
  environment: string;
  succeededAt: number;
  shipped: string[];
  rolledBack: string[];
}

const sha = fc.constantFrom(...POOL);
const target: fc.Arbitrary<RevertTarget> = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((number) => ({ kind: "pull" as const, number })),
  sha.map((s) => ({ kind: "commit" as const, sha: s })),
  // Title reverts decide between several changes of one title: often.
  { weight: 2, arbitrary: fc.constantFrom(...TITLES).map((title) => ({ kind: "title" as const, title })) },
);

const changeSpec = (i: number): fc.Arbitrary<ChangeSpec> =>
  fc.record({
    number: fc.oneof({ weight: 4, arbitrary: fc.constant(i + 1) }, { weight: 1, arbitrary: fc.constant(null) }),
    title: fc.constantFrom(...TITLES),
    merged: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    deployable: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    mergedAt: fc.integer({ min: 0, max: 8 }).map((t) => T0 + t * 60 * SECOND),
    mergeMethod: fc.constantFrom("merge", "squash", "rebase", "unknown"),
    mergeCommitSha: sha,
    commitShas: fc.subarray(POOL, { maxLength: 3 }),
    reverts: fc.array(target, { maxLength: 2 }),
  });

const deploymentSpec: fc.Arbitrary<DeploymentSpec> = fc
  .record({
    repository: fc.oneof(
      { weight: 5, arbitrary: fc.constant("main" as const) },
      { weight: 1, arbitrary: fc.constant("fork" as const) },
    ),
    sourceId: fc.constantFrom(...SOURCE_IDS),
    environment: fc.constantFrom(...ENVIRONMENTS),
    // Few distinct seconds: ties are common.
    succeededAt: fc.integer({ min: 0, max: 12 }).map((t) => T0 + t * 60 * SECOND),
    shipped: fc.subarray(POOL, { maxLength: 4 }),
    rolledBack: fc.subarray(POOL, { maxLength: 2 }),
  })
  .map((d) => ({ ...d, rolledBack: d.rolledBack.filter((s) => !d.shipped.includes(s)) })); // one effect per commit

const ledgerArb = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => changeSpec(i))))
  .chain((changes) =>
    fc.record({
      changes: fc.constant(normalise(changes)),
      deployments: fc.uniqueArray(deploymentSpec, {
        maxLength: 7,
        selector: (d) => `${d.repository}:${d.sourceId}`,
      }),
    }),
  )
  .chain((ledger) =>
    fc.record({
      ledger: fc.constant(ledger),
      // The order the facts arrive in: change i is event i, deployment j is event n + j.
      order: fc.shuffledSubarray(
        Array.from({ length: ledger.changes.length + ledger.deployments.length }, (_, i) => i),
        { minLength: ledger.changes.length + ledger.deployments.length },
      ),
    }),
  );

/** Direct pushes are found by their commit: keep theirs distinct, and give them their kind's shape. */
function normalise(changes: ChangeSpec[]): ChangeSpec[] {
  const pushed = new Set<string>();
  return changes.map((c) => {
    if (c.number !== null) return c;
    let merge = c.mergeCommitSha;
    for (const candidate of POOL) {
      if (!pushed.has(merge)) break;
      merge = candidate;
    }
    if (pushed.has(merge)) return { ...c, number: 50 + changes.indexOf(c) };
    pushed.add(merge);
    return { ...c, merged: true, mergeMethod: "direct", mergeCommitSha: merge, commitShas: [] };
  });
}

function coreFates(ledger: { changes: ChangeSpec[]; deployments: DeploymentSpec[] }, repositoryId: number) {
  const changes: FateChange[] = ledger.changes.map((c, i) => ({
    id: i,
    repositoryId,
    number: c.number,
    kind: c.number === null ? "push" : "pull_request",
    title: c.title,
    merged: c.merged,
    deployable: c.deployable,
    // An open pull request has neither (as the ledger records it).
    mergedAt: c.merged ? c.mergedAt : null,
    mergeCommitSha: c.merged ? c.mergeCommitSha : null,
    mergeMethod: c.mergeMethod,
    commitShas: c.commitShas,
  }));
  const deployments: DeploymentFact[] = ledger.deployments.map((d, j) => ({
    id: j,
    repositoryId: d.repository === "main" ? repositoryId : repositoryId + 1,
    environment: d.environment,
    sha: d.shipped.at(-1) ?? (POOL[0] as string),
    sourceKey: `deployment:${d.sourceId}`,
    succeededAt: d.succeededAt,
    shipped: d.shipped,
    rolledBack: d.rolledBack,
  }));
  const reverts: RevertFact[] = ledger.changes.flatMap((c, i) =>
    c.reverts.map((t) => ({ revertingChangeId: i, repositoryId, target: t })),
  );
  return {
    fates: fatesOf(
      changes.map((c) => c.id),
      { changes, deployments, reverts },
    ),
    deployments,
  };
}

const ENGINEERS = ["mona", "lin", "sam"];

function changeInput(c: ChangeSpec, repositoryId: number, i: number): ChangeInputRecord {
  return {
    installationId: 1,
    repositoryId,
    number: c.number,
    kind: c.number === null ? "push" : "pull_request",
    title: c.title,
    authorLogin: "mona",
    authorType: "User",
    botChange: false,
    headRef: "feature",
    headSha: c.mergeCommitSha,
    baseRef: "main",
    state: c.merged ? "merged" : "open",
    openedAt: T0 - 3_600_000,
    mergedAt: c.merged ? c.mergedAt : null,
    mergeCommitSha: c.merged ? c.mergeCommitSha : null,
    mergeMethod: c.mergeMethod,
    deployable: c.deployable,
    engineer: ENGINEERS[i % ENGINEERS.length] as string,
    firstCommitAt: c.mergedAt - 3_600_000,
    ai: i % 2 === 0,
    aiEvidence: i % 2 === 0 ? "explicit" : null,
    agents: i % 2 === 0 ? ["claude-code"] : [],
    models: [],
    sessions: [],
    evidence: [],
    commitsTotal: c.commitShas.length,
    commitsAi: 0,
    attributedSha: c.mergeCommitSha,
  };
}

const commitRecord = (sha: string) => ({
  sha,
  authorName: "Mona",
  authorEmail: "mona@example.com",
  authorLogin: "mona",
  authoredAt: T0,
  subject: "s",
  message: "s\n",
  ai: false,
  agents: [],
  models: [],
  sessions: [],
  evidence: [],
});

eachDialect("ledger: the core and the store give the same fates", ({ dialect, newStore }) => {
  // A pull request "Add cache", a hand-made `Revert "Add cache"` (title only), and a direct push
  // whose subject is also "Add cache", authored between them: the ledger learns of a push when a
  // deployment ships it (src/ledger/link-deployment.ts), so possibly after the revert, and takes its
  // author date as its time. The revert undoes the pull request, whatever order they arrive in.
  it.each([
    ["pull", "push", "revert"],
    ["pull", "revert", "push"],
    ["push", "revert", "pull"],
  ] as const)(
    "a direct push with a pull request's title does not hide it from a title revert: %s, %s, %s",
    async (...order) => {
      const store: Store = await newStore();
      await store.installations.upsertInstallation({
        id: 1,
        accountLogin: "octo",
        accountType: "Organization",
        now: T0,
      });
      const repositoryId = 7;
      await store.installations.upsertRepositories(1, [{ id: repositoryId, fullName: "octo/app", private: false }], T0);
      const MINUTE = 60 * SECOND;
      const base = { merged: true, deployable: true, commitShas: [], reverts: [] };
      const specs: Record<(typeof order)[number], { change: ChangeSpec; shippedAt: number }> = {
        pull: {
          change: {
            ...base,
            number: 1,
            title: "Add cache",
            mergedAt: T0,
            mergeMethod: "squash",
            mergeCommitSha: POOL[0] as string,
          },
          shippedAt: T0 + MINUTE,
        },
        push: {
          change: {
            ...base,
            number: null,
            title: "Add cache",
            mergedAt: T0 + 5 * MINUTE,
            mergeMethod: "direct",
            mergeCommitSha: POOL[1] as string,
          },
          shippedAt: T0 + 20 * MINUTE,
        },
        revert: {
          change: {
            ...base,
            number: 3,
            title: 'Revert "Add cache"',
            mergedAt: T0 + 10 * MINUTE,
            mergeMethod: "squash",
            mergeCommitSha: POOL[2] as string,
            reverts: [{ kind: "title", title: "Add cache" }],
          },
          shippedAt: T0 + 11 * MINUTE,
        },
      };
      const ids = new Map<string, number>();
      for (const [i, key] of order.entries()) {
        const { change: c, shippedAt } = specs[key];
        ids.set(key, await recordChange(store, changeInput(c, repositoryId, i), [], c.reverts, T0));
        const { deployment } = await store.deployments.upsertDeployment(
          {
            installationId: 1,
            repositoryId,
            environment: "production",
            source: "deployment",
            sourceKey: `deployment:${i + 1}`,
            sha: c.mergeCommitSha,
            ref: "main",
            succeededAt: shippedAt,
            succeededAtExact: true,
            url: null,
          },
          T0,
        );
        const shipped = [c.mergeCommitSha];
        await settleDeployment(
          store,
          deployment.id,
          { outcome: "ship", previousSha: null, shipped, rolledBack: [] },
          T0,
        );
      }
      const reverted = new Map(
        (await store.changes.getChanges(1, [...ids.values()])).map((c) => [c.id, c.revertedAt ?? null]),
      );
      expect(reverted.get(ids.get("pull") ?? -1), "pull").toBe(T0 + 11 * MINUTE);
      expect(reverted.get(ids.get("push") ?? -1), "push").toBeNull();
      expect(reverted.get(ids.get("revert") ?? -1), "revert").toBeNull();
    },
  );

  it(`for random ledgers in random arrival orders`, async () => {
    const store: Store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(ledgerArb, async ({ ledger, order }) => {
        // Each run in repositories of its own (one database for all the runs of a dialect).
        const repositoryId = 10_000 + run * 2;
        run++;
        await store.installations.upsertRepositories(
          1,
          [
            { id: repositoryId, fullName: `octo/app-${run}`, private: false },
            { id: repositoryId + 1, fullName: `octo/fork-${run}`, private: false },
          ],
          T0,
        );
        const changeIds = new Map<number, number>();
        const deploymentIds = new Map<number, number>();
        for (const event of order) {
          if (event < ledger.changes.length) {
            const c = ledger.changes[event] as ChangeSpec;
            const id = await recordChange(
              store,
              changeInput(c, repositoryId, event),
              c.number === null ? [] : c.commitShas.map(commitRecord),
              c.reverts,
              T0,
            );
            changeIds.set(event, id);
          } else {
            const j = event - ledger.changes.length;
            const d = ledger.deployments[j] as DeploymentSpec;
            const { deployment } = await store.deployments.upsertDeployment(
              {
                installationId: 1,
                repositoryId: d.repository === "main" ? repositoryId : repositoryId + 1,
                environment: d.environment,
                source: "deployment",
                sourceKey: `deployment:${d.sourceId}`,
                sha: d.shipped.at(-1) ?? (POOL[0] as string),
                ref: "main",
                succeededAt: d.succeededAt,
                succeededAtExact: true,
                url: null,
              },
              T0,
            );
            deploymentIds.set(j, deployment.id);
            await settleDeployment(
              store,
              deployment.id,
              { outcome: "ship", previousSha: null, shipped: d.shipped, rolledBack: d.rolledBack },
              T0,
            );
          }
        }

        const { fates, deployments } = coreFates(ledger, repositoryId);
        const stored = await store.changes.getChanges(1, [...changeIds.values()]);
        const byId = new Map(stored.map((c) => [c.id, c]));
        for (const [i, id] of changeIds) {
          const fate = fates.get(i);
          const row = byId.get(id);
          expect(row, `change ${i}`).toBeDefined();
          const shipped = fate?.shippedBy ? deploymentIds.get(fate.shippedBy.deploymentId) : null;
          expect(
            {
              shippedDeploymentId: row?.shippedDeploymentId ?? null,
              shippedAt: row?.shippedAt ?? null,
              revertedAt: row?.revertedAt ?? null,
              rolledBackAt: row?.rolledBackAt ?? null,
            },
            `change ${i}`,
          ).toEqual({
            shippedDeploymentId: shipped ?? null,
            shippedAt: fate?.shippedBy?.at ?? null,
            revertedAt: fate?.revertedBy?.at ?? null,
            rolledBackAt: fate?.rolledBackBy?.at ?? null,
          });
        }

        // The same reports: the store's read of a period (SQL) against every change with the core's
        // fates, for a period that holds all of them and one that cuts through merges and shipments.
        const scope = { installationId: 1, repositoryIds: [repositoryId] };
        const every = await store.reports.listReportChanges(scope, T0 - 10 * DAY, T0 + 10 * DAY);
        const byStoreId = new Map([...changeIds].map(([i, id]) => [id, i]));
        const withCoreFates = every.map((row) => {
          const fate = fates.get(byStoreId.get(row.id) ?? -1);
          return {
            ...row,
            shipped: fate?.shippedBy
              ? { deploymentId: deploymentIds.get(fate.shippedBy.deploymentId) ?? -1, at: fate.shippedBy.at }
              : null,
            revertedAt: fate?.revertedBy?.at ?? null,
            rolledBackAt: fate?.rolledBackBy?.at ?? null,
          };
        });
        const options = { revertWindowDays: 14, ignorePaths: [], minGroupSize: 1, now: T0 + 30 * DAY };
        for (const [since, until] of [
          [T0 - DAY, T0 + DAY],
          [T0 + 3 * 60 * SECOND, T0 + 8 * 60 * SECOND],
        ] as const) {
          const read = await store.reports.listReportChanges(scope, since, until);
          expect(
            computeReport({ scope: "octo/app", since, until, changes: read }, options),
            `report ${since}..${until}`,
          ).toEqual(computeReport({ scope: "octo/app", since, until, changes: withCoreFates }, options));
        }

        // Each deployment's neighbours in its chain, by the store's SQL and by the core's order.
        for (const [j, id] of deploymentIds) {
          const mine = deployments[j] as DeploymentFact;
          const chain = deployments.filter(
            (d) => d.repositoryId === mine.repositoryId && d.environment === mine.environment && d.id !== j,
          );
          const before = chain
            .filter((d) => compareDeployments(d, mine) < 0)
            .sort(compareDeployments)
            .at(-1);
          const after = chain.filter((d) => compareDeployments(d, mine) > 0).sort(compareDeployments)[0];
          const record = await store.deployments.getDeployment(1, id);
          if (!record) throw new Error(`deployment ${j} was not stored`);
          expect((await store.deployments.adjacentDeployment(record, "previous"))?.id ?? null, `before ${j}`).toBe(
            before ? deploymentIds.get(before.id) : null,
          );
          expect((await store.deployments.adjacentDeployment(record, "next"))?.id ?? null, `after ${j}`).toBe(
            after ? deploymentIds.get(after.id) : null,
          );
        }
      }),
      propertyParams({ numRuns: dialect === "sqlite" ? 300 : 100 }),
    );
  });
});
