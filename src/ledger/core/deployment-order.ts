// The one order of production deployments. Deployments form chains (one per repository and
// environment) ordered by when they succeeded, never by when their webhooks arrived; a change is
// shipped by the first deployment that holds it. Deployments that succeed in the same second (a
// workflow re-run beside the next run, two environments of one workflow) still need one order:
// their source keys, shorter first, then by code unit, so that numeric ids sort as numbers
// ("deployment:99" before "deployment:100").
//
// The store sorts by the same key in SQL (src/store: `succeeded_at, length(source_key),
// source_key COLLATE "C"`); test/ledger/fate-binding.test.ts holds the two together.

export interface OrderedDeployment {
  succeededAt: number;
  /** `<source>:<source id>`, unique within a repository. */
  sourceKey: string;
}

/** Negative when `a` comes first. A total order within a repository. */
export function compareDeployments(a: OrderedDeployment, b: OrderedDeployment): number {
  return (
    a.succeededAt - b.succeededAt ||
    a.sourceKey.length - b.sourceKey.length ||
    (a.sourceKey < b.sourceKey ? -1 : a.sourceKey > b.sourceKey ? 1 : 0)
  );
}

/** The first of `deployments` in that order, or null. */
export function firstDeployment<T extends OrderedDeployment>(deployments: Iterable<T>): T | null {
  let first: T | null = null;
  for (const d of deployments) if (first === null || compareDeployments(d, first) < 0) first = d;
  return first;
}

/** When a deployment succeeded, as far as one observation of it tells. */
export interface SuccessTime {
  succeededAt: number;
  /** False for a lower bound (an `inactive` status seen before its success, a run's update time). */
  exact: boolean;
}

/**
 * Whether `candidate` tells a deployment's success time better than `known`: an exact time beats
 * an estimate; of two exact times the earlier wins (the first success: a redelivery or a later
 * `inactive` says nothing new); of two estimates (lower bounds) the later is the tighter.
 */
export function improvesSuccessTime(candidate: SuccessTime, known: SuccessTime): boolean {
  if (candidate.exact !== known.exact) return candidate.exact;
  return candidate.exact ? candidate.succeededAt < known.succeededAt : candidate.succeededAt > known.succeededAt;
}
