// Recording what a production deployment shipped and rolled back, then the fates it touches: the
// changes whose commits it held before or holds now, and the changes those revert (a revert that
// now ships, or no longer does, decides whether its target was undone).

import type { DeploymentOutcomeKind, Store } from "../store/types.js";
import { changesRevertedByChain, refreshFates } from "./fates.js";

export interface Settlement {
  outcome: DeploymentOutcomeKind;
  previousSha: string | null;
  shipped: string[];
  rolledBack: string[];
}

export async function settleDeployment(store: Store, deploymentId: number, settled: Settlement, now: number) {
  const before = await store.fates.changesTouchedBy(deploymentId);
  await store.deployments.settleDeployment(deploymentId, settled, now);
  const touched = [...new Set([...before, ...(await store.fates.changesTouchedBy(deploymentId))])];
  await refreshFates(store, [...touched, ...(await changesRevertedByChain(store, touched))]);
}
