// Refreshing fates: the one path from the ledger's facts to its changes' fate columns. Live
// webhooks, and whatever else records facts, call it after writing: it reads the neighbourhood of
// the changes (a bounded number of statements, whatever their number), asks the pure core, and
// writes the answer once.

import type { DeploymentCommitRow, FateChangeRow, FateColumns, RevertRow } from "../store/fate-queries.js";
import type { ChangeRecord, Store } from "../store/types.js";
import {
  type ChangeFate,
  type DeploymentFact,
  type FateChange,
  type FateFacts,
  fatesOf,
  MAX_REVERT_CHAIN,
  type RevertFact,
  removes,
} from "./core/fate.js";
import { parseTargetKey, type RevertTarget, targetKey, targetsNaming } from "./core/revert-target.js";

const toChange = (row: FateChangeRow): FateChange => row;

function toRevert(row: RevertRow): RevertFact | null {
  const target = parseTargetKey(row.target);
  return target ? { revertingChangeId: row.revertingChangeId, repositoryId: row.repositoryId, target } : null;
}

/** Reads every fact that decides the fates of `changeIds` (src/ledger/core/fate.ts's FateFacts). */
export async function readFateFacts(store: Store, changeIds: Iterable<number>): Promise<FateFacts> {
  const q = store.fates;
  const changes = new Map<number, FateChange>();
  const add = (rows: FateChangeRow[]) => {
    for (const row of rows) changes.set(row.id, toChange(row));
  };
  const seeds = await q.changes(changeIds);
  add(seeds);

  // The reverts naming them, and the changes that revert them; then the reverts of those reverts
  // (a revert that is itself reverted undoes nothing), down a few links of the chain.
  const reverts: RevertFact[] = [];
  const seen = new Set<string>();
  let level: FateChange[] = seeds;
  for (let depth = 0; depth < MAX_REVERT_CHAIN && level.length > 0; depth++) {
    const repositories = new Set(level.map((c) => c.repositoryId));
    const targets = new Set(level.flatMap((c) => targetsNaming(c).map(targetKey)));
    const found = (await q.revertsNaming(repositories, targets)).map(toRevert).filter((r) => r !== null);
    const fresh = found.filter((r) => {
      const key = `${r.revertingChangeId}\u0000${r.repositoryId}\u0000${targetKey(r.target)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    reverts.push(...fresh);
    const reverting = await q.changes(
      [...new Set(fresh.map((r) => r.revertingChangeId))].filter((id) => !changes.has(id)),
    );
    add(reverting);
    level = reverting;
  }

  // A title revert undoes the latest change of its title merged before it: every merged change of
  // such a title takes part.
  const titled = new Map<number, string[]>();
  for (const r of reverts) {
    if (r.target.kind !== "title") continue;
    titled.set(r.repositoryId, [...(titled.get(r.repositoryId) ?? []), r.target.title]);
  }
  for (const [repositoryId, titles] of titled) {
    const ids = await q.changesNamed(repositoryId, { titles, mergedOnly: true });
    add(await q.changes(ids.filter((id) => !changes.has(id))));
  }

  // The deployments that shipped or rolled back any of their commits.
  const all = [...changes.values()];
  const shas = all.flatMap((c) => (c.mergeCommitSha ? [c.mergeCommitSha, ...c.commitShas] : [...c.commitShas]));
  const deployments = toDeployments(await q.deploymentCommits(new Set(all.map((c) => c.repositoryId)), shas));
  return { changes: all, deployments, reverts };
}

/** Deployment facts from their commit rows. */
function toDeployments(rows: DeploymentCommitRow[]): DeploymentFact[] {
  const deployments = new Map<number, DeploymentFact & { shipped: string[]; rolledBack: string[] }>();
  for (const row of rows) {
    let d = deployments.get(row.deploymentId);
    if (!d) {
      d = {
        id: row.deploymentId,
        repositoryId: row.repositoryId,
        environment: row.environment,
        sha: row.deploymentSha,
        sourceKey: row.sourceKey,
        succeededAt: row.succeededAt,
        shipped: [],
        rolledBack: [],
      };
      deployments.set(row.deploymentId, d);
    }
    (row.effect === "shipped" ? d.shipped : d.rolledBack).push(row.sha);
  }
  return [...deployments.values()];
}

/** The installation's changes that a rollback deployment removed from production. */
export async function changesRolledBackBy(
  store: Store,
  installationId: number,
  deploymentId: number,
): Promise<ChangeRecord[]> {
  const [deployment] = toDeployments(await store.fates.deployment(deploymentId));
  if (!deployment || deployment.rolledBack.length === 0) return [];
  const candidates = await store.fates.changes(await store.fates.changesTouchedBy(deploymentId));
  const removed = candidates.filter((c) => removes(c, deployment)).map((c) => c.id);
  return store.changes.getChanges(installationId, removed);
}

/** Recomputes and stores the fates of these changes. */
export async function refreshFates(store: Store, changeIds: Iterable<number>): Promise<void> {
  const ids = [...new Set(changeIds)];
  if (ids.length === 0) return;
  const fates = fatesOf(ids, await readFateFacts(store, ids));
  const columns: FateColumns[] = ids.map((changeId) => {
    const fate = fates.get(changeId);
    return {
      changeId,
      shippedDeploymentId: fate?.shippedBy?.deploymentId ?? null,
      shippedAt: fate?.shippedBy?.at ?? null,
      revertedAt: fate?.revertedBy?.at ?? null,
      rolledBackAt: fate?.rolledBackBy?.at ?? null,
    };
  });
  await store.fates.write(columns);
}

/** The changes of a repository that these revert targets name (a title names every change of it). */
export async function changesNamedBy(store: Store, repositoryId: number, targets: RevertTarget[]): Promise<number[]> {
  const numbers: number[] = [];
  const shas: string[] = [];
  const titles: string[] = [];
  for (const t of targets) {
    if (t.kind === "pull") numbers.push(t.number);
    else if (t.kind === "commit") shas.push(t.sha);
    else titles.push(t.title);
  }
  return store.fates.changesNamed(repositoryId, { numbers, shas, titles });
}

/**
 * The changes that these changes revert, and those that those revert, down the chain: when a
 * revert of a revert ships, the original's fate changes too.
 */
export async function changesRevertedByChain(store: Store, changeIds: Iterable<number>): Promise<number[]> {
  const all = new Set<number>();
  let level = [...new Set(changeIds)];
  for (let depth = 0; depth < MAX_REVERT_CHAIN && level.length > 0; depth++) {
    const next = (await changesRevertedBy(store, level)).filter((id) => !all.has(id));
    for (const id of next) all.add(id);
    level = next;
  }
  return [...all];
}

/** The changes that these changes revert. */
export async function changesRevertedBy(store: Store, changeIds: Iterable<number>): Promise<number[]> {
  const byRepository = new Map<number, RevertTarget[]>();
  for (const row of await store.fates.revertsBy(changeIds)) {
    const target = parseTargetKey(row.target);
    if (target) byRepository.set(row.repositoryId, [...(byRepository.get(row.repositoryId) ?? []), target]);
  }
  const out: number[] = [];
  for (const [repositoryId, targets] of byRepository) out.push(...(await changesNamedBy(store, repositoryId, targets)));
  return out;
}

/** A change's fate as the ledger's facts decide it now (null fate for another installation's change). */
export async function fateOf(store: Store, installationId: number, changeId: number): Promise<ChangeFate> {
  const [change] = await store.fates.changes([changeId]);
  if (!change || !(await store.fates.belongsTo(installationId, changeId))) {
    return { shippedBy: null, revertedBy: null, rolledBackBy: null };
  }
  return fatesOf([changeId], await readFateFacts(store, [changeId])).get(changeId) as ChangeFate;
}
