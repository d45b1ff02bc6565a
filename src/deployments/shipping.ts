// What a production deployment ships, and which deployment first shipped a change. Pure: the
// compare between two deployments is fetched by the caller and passed in.
//
// Deployments form chains, one per (repository, environment), ordered by the time they
// succeeded, never by arrival. Each deployment ships what its predecessor in the chain did not
// have. A change is shipped by the earliest deployment (across all chains of its repository)
// whose shipped commits contain it; `firstShipment` is the reference model of that ledger join,
// and gives the same answer whatever order the deployments arrived in.

import type {
  CompareResult,
  DeploymentOutcome,
  LinkableChange,
  MergeMethod,
  ProductionDeployment,
  Shipment,
} from "./types.js";

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
  if (a.succeededAtPrecision !== b.succeededAtPrecision) return a.succeededAtPrecision === "exact" ? -1 : 1;
  const byTime = a.succeededAtPrecision === "exact" ? a.succeededAt - b.succeededAt : b.succeededAt - a.succeededAt;
  return (
    byTime ||
    codeUnitOrder(a.environment, b.environment) ||
    codeUnitOrder(a.sha ?? "~", b.sha ?? "~") ||
    codeUnitOrder(a.ref ?? "", b.ref ?? "") ||
    codeUnitOrder(a.url ?? "", b.url ?? "")
  );
}

/**
 * Total order on deployments: by `succeededAt`, then source, then source id (shorter first, then
 * by code unit, so numeric ids sort numerically; in SQL: `length(source_id), source_id COLLATE "C"`),
 * then repository and environment. Deployments succeeding in the same second (two environments
 * of one workflow) still have one earliest.
 */
export function compareDeployments(a: ProductionDeployment, b: ProductionDeployment): number {
  return (
    a.succeededAt - b.succeededAt ||
    codeUnitOrder(a.source, b.source) ||
    a.sourceId.length - b.sourceId.length ||
    codeUnitOrder(a.sourceId, b.sourceId) ||
    a.repositoryId - b.repositoryId ||
    codeUnitOrder(a.environment.toLowerCase(), b.environment.toLowerCase())
  );
}

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

/**
 * Merge methods whose change is also identified by its own commits: a rebase (and a fast-forward,
 * linked as one) puts them on the base branch; for a method not known, they may be there. A merge
 * commit or a squash is identified by its merge commit alone. The ledger's joins use the same list.
 */
export const OWN_COMMIT_METHODS = ["rebase", "unknown"] as const satisfies readonly MergeMethod[];

/** Whether a change merged by `method` is identified by its own commits too (null: not recorded). */
export function ownCommitsIdentify(method: string | null): boolean {
  return method === null || (OWN_COMMIT_METHODS as readonly string[]).includes(method);
}

/**
 * The shas that identify a change in shipped ranges: its merge_commit_sha, and for rebase merges
 * (and when the method is unknown) its commits on the base branch as well.
 */
export function shasOfChange(change: LinkableChange): string[] {
  const shas = change.mergeCommitSha === null ? [] : [change.mergeCommitSha];
  if (ownCommitsIdentify(change.mergeMethod)) shas.push(...change.commitShas);
  return distinctShas(shas);
}

/**
 * GitHub's merge and deployment times are to the second and come from different services: a
 * deployment this close before the merge is taken as after it.
 */
export const SHIP_CLOCK_SLACK_MS = 60_000;

/**
 * Whether `deployment` can have shipped `change` by one of the pull request's own commits: not when
 * it succeeded before the pull request was merged. A production deployment of a branch (a "deploy
 * this branch" bot, a preview sent to production) holds those commits before the change exists;
 * a rebase-merged change ships with the first deployment after, by its rebased copies. Its merge
 * commit is never subject to this: a deployment holding it deployed the merged code (for a
 * fast-forward, the branch's tip that the merge put on the base branch as it was).
 */
export function mayShip(
  change: Pick<LinkableChange, "mergedAt">,
  deployment: Pick<ProductionDeployment, "succeededAt">,
) {
  return change.mergedAt === null || deployment.succeededAt >= change.mergedAt - SHIP_CLOCK_SLACK_MS;
}

/**
 * The earliest production deployment (by `compareDeployments`) of the change's repository whose
 * shipped commits contain its merge commit, or another of `shasOfChange(change)` when it `mayShip`
 * it, or null when none has shipped it yet. Independent of the order of `shipments`: this is what the ledger's join must answer.
 */
export function firstShipment(change: LinkableChange, shipments: Iterable<Shipment>): Shipment | null {
  const wanted = new Set(shasOfChange(change));
  if (wanted.size === 0) return null;
  const merge = new Set(change.mergeCommitSha === null ? [] : [change.mergeCommitSha.toLowerCase()]);
  let first: Shipment | null = null;
  for (const shipment of shipments) {
    if (shipment.deployment.repositoryId !== change.repositoryId) continue; // forks share shas
    if (first !== null && compareDeployments(shipment.deployment, first.deployment) >= 0) continue;
    const identifying = mayShip(change, shipment.deployment) ? wanted : merge;
    if (shipment.shipped.some((sha) => identifying.has(sha.toLowerCase()))) first = shipment;
  }
  return first;
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
