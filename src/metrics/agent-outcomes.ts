// Per agent: the AI-assisted changes it helped ship in a period, and the share of them reverted or
// rolled back within the revert window. The same rules as the report (src/metrics/compute.ts):
// bot changes and changes touching only ignored paths are left out, and so are changes that the
// repository's evidence basis (`metric.evidence: explicit`) counts as not AI-assisted; a change
// naming two agents counts for each. Agents, never people: nothing here is per engineer.

import { isBot } from "../attribution/agents.js";
import { isUndone } from "../ledger/core/fate.js";
import { basisOf, countsAsAi, creditedAgents, pathMatcher } from "./compute.js";
import type { MetricChange, MetricOptions } from "./types.js";

export interface AgentOutcome {
  agent: string;
  /** Shipped in the period and not undone: the report's byAgent. */
  shipped: number;
  /** Shipped in the period and reverted or rolled back within the window. */
  reverted: number;
  /** reverted / (shipped + reverted); null when none shipped. */
  revertedShare: number | null;
}

export function agentOutcomes(
  changes: readonly MetricChange[],
  period: { since: number; until: number },
  options: Pick<MetricOptions, "revertWindowDays" | "ignorePaths" | "repositories" | "evidence">,
): AgentOutcome[] {
  const matchers = new Map<number, ((path: string) => boolean) | null>();
  const ignores = (change: MetricChange) => {
    let matches = matchers.get(change.repositoryId);
    if (matches === undefined) {
      matches = pathMatcher(options.repositories?.get(change.repositoryId)?.ignorePaths ?? options.ignorePaths);
      matchers.set(change.repositoryId, matches);
    }
    return matches !== null && change.pathsComplete && change.paths.length > 0 && change.paths.every(matches);
  };
  const byAgent = new Map<string, { shipped: number; reverted: number }>();
  const seen = new Set<number>();
  for (const change of changes) {
    const shipped = change.shipped;
    const basis = basisOf(options, change.repositoryId);
    if (!countsAsAi(change, basis) || shipped === null || shipped.at < period.since || shipped.at >= period.until)
      continue;
    if (seen.has(change.id)) continue;
    seen.add(change.id);
    const engineer = change.engineer?.trim().toLowerCase() ?? "";
    if (change.botChange || engineer === "" || isBot(engineer) || ignores(change)) continue;
    const window = options.repositories?.get(change.repositoryId)?.revertWindowDays ?? options.revertWindowDays;
    const undone = isUndone(
      { shippedAt: shipped.at, revertedAt: change.revertedAt, rolledBackAt: change.rolledBackAt },
      window,
    );
    for (const agent of new Set(creditedAgents(change, basis))) {
      const counts = byAgent.get(agent) ?? { shipped: 0, reverted: 0 };
      if (undone) counts.reverted++;
      else counts.shipped++;
      byAgent.set(agent, counts);
    }
  }
  return [...byAgent]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([agent, { shipped, reverted }]) => ({
      agent,
      shipped,
      reverted,
      revertedShare: shipped + reverted > 0 ? reverted / (shipped + reverted) : null,
    }));
}
