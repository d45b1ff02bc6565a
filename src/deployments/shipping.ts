// What a production deployment ships, and which deployment first shipped a change. Pure: the
// compare between two deployments is fetched by the caller and passed in.
//
// Deployments form chains, one per (repository, environment), ordered by the time they
// succeeded, never by arrival (src/ledger/core/deployment-order.ts). Each deployment ships what
// its predecessor in the chain did not have; which deployment first shipped a change is
// src/ledger/core/fate.ts's. `linkDeployments` is the reference model of a whole ledger's linking.

import { improvesSuccessTime, compareDeployments as orderDeployments } from "../ledger/core/deployment-order.js";
import type { CompareResult, DeploymentOutcome, ProductionDeployment } from "./types.js";

type Identity = Pick<ProductionDeployment, "repositoryId" | "source" | "sourceId">;
type ChainMember = Pick<ProductionDeployment, "repositoryId" | "environment">;

/** The chain a deployment belongs to; GitHub compares environment names case-insensitively. */
export function chainKey(deployment: ChainMember): string {
  return `${deployment.repositoryId}\u0000${deployment.environment.toLowerCase()}`;
}

/** The deployment's identity, for the ledger's unique key: repository, source and source id. */
export function deploymentKey(deployment: Identity): string {
  return `${deployment.repositoryId}\u0000${deployment.source}\u0000${deployment.sourceId}`;
}

/**
 * One record from two observations of the same deployment (a redelivery; its `success` and its
 * later `inactive`; a re-run of a workflow run), whatever order they arrived in: an exact success
 * time beats an estimate, the earlier exact time wins (the first success), and of two estimates
 * (lower bounds) the later is the tighter. A sha or link missing from the winner is taken from
 * the other. Throws when the two are different deployments.
 */
export function reconcileDeployment(a: ProductionDeployment, b: ProductionDeployment): ProductionDeployment {
  if (deploymentKey(a) !== deploymentKey(b)) {
    throw new Error(`cannot reconcile different deployments ${a.source} ${a.sourceId} and ${b.source} ${b.sourceId}`);
  }
  const [winner, other] = observationOrder(a, b) <= 0 ? [a, b] : [b, a];
  return { ...winner, sha: winner.sha ?? other.sha, ref: winner.ref ?? other.ref, url: winner.url ?? other.url };
}

/** Negative when `a` is the better observation of the success time. */
function observationOrder(a: ProductionDeployment, b: ProductionDeployment): number {
  const [x, y] = [successTime(a), successTime(b)];
  if (improvesSuccessTime(x, y)) return -1;
  if (improvesSuccessTime(y, x)) return 1;
  return (
    codeUnitOrder(a.environment, b.environment) ||
    codeUnitOrder(a.sha ?? "~", b.sha ?? "~") ||
    codeUnitOrder(a.ref ?? "", b.ref ?? "") ||
    codeUnitOrder(a.url ?? "", b.url ?? "")
  );
}

const successTime = (d: ProductionDeployment) => ({
  succeededAt: d.succeededAt,
  exact: d.succeededAtPrecision === "exact",
});

/**
 * The one order of deployments (src/ledger/core/deployment-order.ts), on their source keys: by
 * success time, then source key (shorter first, so numeric ids sort as numbers).
 */
export function compareDeployments(a: ProductionDeployment, b: ProductionDeployment): number {
  return orderDeployments(ordered(a), ordered(b));
}

const ordered = (d: ProductionDeployment) => ({ succeededAt: d.succeededAt, sourceKey: `${d.source}:${d.sourceId}` });

/**
 * The predecessor of `deployment` in its chain among `known` (the deployment itself and releases
 * whose sha is unresolved are skipped), or null when it is the first the ledger knows of. With
 * null, look for the environment's previous successful deployment on GitHub before calling it a
 * baseline.
 */
export function previousInChain(
  known: Iterable<ProductionDeployment>,
  deployment: ProductionDeployment,
): ProductionDeployment | null {
  let best: ProductionDeployment | null = null;
  for (const candidate of inChain(known, deployment)) {
    if (compareDeployments(candidate, deployment) >= 0) continue;
    if (best === null || compareDeployments(candidate, best) > 0) best = candidate;
  }
  return best;
}

/**
 * The successor of `deployment` in its chain among `known`. When a deployment arrives late (its
 * success is older than one already linked), its successor's predecessor changes: recompute what
 * the successor ships.
 */
export function nextInChain(
  known: Iterable<ProductionDeployment>,
  deployment: ProductionDeployment,
): ProductionDeployment | null {
  let best: ProductionDeployment | null = null;
  for (const candidate of inChain(known, deployment)) {
    if (compareDeployments(candidate, deployment) <= 0) continue;
    if (best === null || compareDeployments(candidate, best) < 0) best = candidate;
  }
  return best;
}

function* inChain(known: Iterable<ProductionDeployment>, deployment: ProductionDeployment) {
  const chain = chainKey(deployment);
  const self = deploymentKey(deployment);
  for (const candidate of known) {
    if (candidate.sha === null || chainKey(candidate) !== chain || deploymentKey(candidate) === self) continue;
    yield candidate;
  }
}

/**
 * What `deployment` ships, given its predecessor in the chain (`previousInChain`, or GitHub's
 * previous successful deployment of the environment; null when there is none at all) and the
 * compare of the predecessor's commit (base) with its own (head). Equal shas need no compare.
 *
 * Throws on programming errors: an unresolved sha, a predecessor from another chain or not
 * earlier, a missing compare.
 */
export function whatDeploymentShips(
  previous: ProductionDeployment | null,
  deployment: ProductionDeployment,
  compare: CompareResult | null,
): DeploymentOutcome {
  if (deployment.sha === null) throw new Error(`deployment ${deployment.sourceId} has no resolved sha`);
  if (previous === null) return outcome("baseline");
  if (previous.sha === null) throw new Error(`previous deployment ${previous.sourceId} has no resolved sha`);
  if (chainKey(previous) !== chainKey(deployment)) {
    throw new Error(`previous deployment ${previous.sourceId} is in another chain (${previous.environment})`);
  }
  if (compareDeployments(previous, deployment) >= 0) {
    throw new Error(`previous deployment ${previous.sourceId} did not succeed before ${deployment.sourceId}`);
  }
  if (previous.sha.toLowerCase() === deployment.sha.toLowerCase()) return outcome("redeploy");
  if (compare === null) throw new Error(`compare ${previous.sha}...${deployment.sha} is needed`);
  switch (compare.status) {
    case "identical":
      return outcome("redeploy");
    case "ahead":
      return outcome("ship", { shipped: distinctShas(compare.aheadShas) });
    case "behind":
      return outcome("rollback", { rolledBack: distinctShas(compare.behindShas) });
    case "diverged":
      return outcome("diverged", {
        shipped: distinctShas(compare.aheadShas),
        leftBehind: distinctShas(compare.behindShas),
      });
  }
}

export interface LinkedDeployment {
  deployment: ProductionDeployment;
  previous: ProductionDeployment | null;
  outcome: DeploymentOutcome;
}

/**
 * Reference model of a whole ledger's linking: every deployment with its predecessor and outcome,
 * chains in order of success. `compare(base, head)` answers like GitHub's compare API. The input
 * order does not matter (observations of one deployment are reconciled); shas must be resolved.
 * A chain's first deployment is a baseline.
 */
export function linkDeployments(
  deployments: Iterable<ProductionDeployment>,
  compare: (baseSha: string, headSha: string) => CompareResult,
): LinkedDeployment[] {
  const unique = new Map<string, ProductionDeployment>();
  for (const deployment of deployments) {
    if (deployment.sha === null) throw new Error(`deployment ${deployment.sourceId} has no resolved sha`);
    const key = deploymentKey(deployment);
    const seen = unique.get(key);
    unique.set(key, seen === undefined ? deployment : reconcileDeployment(seen, deployment));
  }
  const ordered = [...unique.values()].sort(compareDeployments);
  const lastOfChain = new Map<string, ProductionDeployment>();
  const linked: LinkedDeployment[] = [];
  for (const deployment of ordered) {
    const chain = chainKey(deployment);
    const previous = lastOfChain.get(chain) ?? null;
    const base = previous?.sha ?? null;
    const head = deployment.sha ?? "";
    const comparison = base !== null && base !== head ? compare(base, head) : null;
    linked.push({ deployment, previous, outcome: whatDeploymentShips(previous, deployment, comparison) });
    lastOfChain.set(chain, deployment);
  }
  return linked;
}

function outcome(
  kind: DeploymentOutcome["kind"],
  lists: Partial<Omit<DeploymentOutcome, "kind">> = {},
): DeploymentOutcome {
  return { kind, shipped: [], rolledBack: [], leftBehind: [], ...lists };
}

/** Lower-cased, first occurrence kept, order preserved. */
function distinctShas(shas: Iterable<string>): string[] {
  return [...new Set(Array.from(shas, (sha) => sha.toLowerCase()))];
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
