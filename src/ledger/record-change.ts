// Recording a merged change (a pull request, or a commit pushed without one) and what it reverts,
// then the fates it touches: its own, the changes it reverts (and those they revert, down the
// chain), and, when a title revert names its title, every change of that title (the latest one
// before the revert may now be another).

import type { ChangeInputRecord, CommitRecord, Store } from "../store/types.js";
import { type RevertTarget, targetKey } from "./core/revert-target.js";
import { changesNamedBy, changesRevertedByChain, refreshFates } from "./fates.js";

export async function recordChange(
  store: Store,
  change: ChangeInputRecord,
  commits: CommitRecord[],
  reverts: RevertTarget[],
  now: number,
): Promise<number> {
  const id = await store.changes.recordChange(change, commits, now);
  await store.changes.recordReverts(id, change.repositoryId, reverts.map(targetKey));
  const affected = [id, ...(await changesNamedBy(store, change.repositoryId, reverts))];
  if (change.number !== null && change.title !== "") {
    const titleReverts = await store.fates.revertsNaming(
      [change.repositoryId],
      [targetKey({ kind: "title", title: change.title })],
    );
    if (titleReverts.length > 0) {
      affected.push(...(await store.fates.changesNamed(change.repositoryId, { titles: [change.title] })));
    }
  }
  // And down the revert chain: a revert of a revert recorded after both shipped undoes the first
  // revert, so the change that one reverted counts again.
  await refreshFates(store, [...affected, ...(await changesRevertedByChain(store, affected))]);
  return id;
}
