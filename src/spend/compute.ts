// What shipping costs: AI spend in a period, joined to the changes whose evidence names the session
// that spent it (PRODUCT.md, "Spend"). Pure: usage and links in, figures out.
//
// Definitions, for a report's scope and period [since, until):
// - Spend is counted in the period it was incurred (the usage's time), in USD. A session's cost per
//   model is what the agent reported (Claude Code's cost metric) when it reported any; otherwise
//   its tokens priced from the price table (prices.ts), and then `estimated`. Never both: a
//   reported cost makes the same session's tokens inputs only. Tokens of a model without a price
//   are not money: they are listed under `unpriced` and left out of every figure.
// - A session belongs to the changes whose evidence names it (any state: open, closed, merged). A
//   session named by n changes gives each 1/n of its spend, so nothing is counted twice.
// - Each change's share goes by the change's fate now: `reachedProduction` (shipped, and not
//   reverted or rolled back within the revert window), `didNotReach` (closed without merging,
//   merged where nothing deploys, or shipped and undone within the window) or `pending` (open, or
//   merged and not deployed yet).
// - `unlinked`: sessions no change names. `unattributed`: spend imported by agent and day, with no
//   session (a console export): it is the team's, never spread over changes. Both exist only in an
//   organisation's report; a repository's report holds the spend of its own changes' sessions.
// - total = reachedProduction + didNotReach + pending + unlinked + unattributed.
// - costPerAiDeployment = total / Σ|D(e)| (the report's AI-assisted production deployments) and
//   costPerAiChangeShipped = total / AI-assisted changes shipped: all the spend over what reached
//   production, so spending that ships nothing can only raise them (never a reward for burning).
// - Privacy as for the metric: nothing per person (sessions are never listed, and no figure is by
//   engineer). When the report's per-engineer figures are withheld (a group below the minimum),
//   only `total` and `estimated` are given: a split in a group of one is that person's.

import { isUndone } from "../ledger/core/fate.js";
import { sessionKey, type UsageRow } from "../model/spend.js";
import type { Pricer, TokenCounts } from "./prices.js";

export { sessionKey, type UsageRow };

export type SpendFate = "reachedProduction" | "didNotReach" | "pending";

/** A change that names a session, with its fate. */
export interface SessionLink {
  /** The session id as sessionKey gives it. */
  session: string;
  changeId: number;
  repositoryId: number;
  fate: SpendFate;
}

export interface SpendInput {
  usage: readonly UsageRow[];
  links: readonly SessionLink[];
  /** A repository report: only these repositories' changes' share. Null: the organisation's. */
  repositoryIds: ReadonlySet<number> | null;
  /** The report's weeks (Mondays), in order. */
  weeks: readonly string[];
  /** From the report: Σ|D(e)| (null when withheld) and AI-assisted changes shipped. */
  aiDeployments: number | null;
  aiChangesShipped: number;
  /** The report's per-engineer figures are withheld. */
  withheld: boolean;
}

export interface SpendWeek {
  week: string;
  reachedProduction: number;
  didNotReach: number;
  pending: number;
  unlinked: number;
  unattributed: number;
}

export interface SpendFigures {
  currency: "USD";
  total: number;
  /** The part of `total` priced from tokens (prices.ts), not reported by the agent. */
  estimated: number;
  reachedProduction: number | null;
  didNotReach: number | null;
  pending: number | null;
  unlinked: number | null;
  unattributed: number | null;
  costPerAiDeployment: number | null;
  costPerAiChangeShipped: number | null;
  byAgent: Record<string, number> | null;
  byModel: Record<string, number> | null;
  /** Sessions with spend in the scope and period. */
  sessions: number | null;
  /** Tokens of models the price table does not know: in no figure. */
  unpriced: { tokens: number; models: string[] };
  series: SpendWeek[] | null;
}

/** A change's fate for its spend (see the header). */
export function spendFate(
  change: {
    state: "open" | "closed" | "merged";
    deployable: boolean;
    shippedAt: number | null;
    revertedAt: number | null;
    rolledBackAt: number | null;
  },
  revertWindowDays: number,
): SpendFate {
  if (change.state === "open") return "pending";
  if (change.state === "closed" || !change.deployable) return "didNotReach";
  if (change.shippedAt === null) return "pending";
  const undone = isUndone(
    { shippedAt: change.shippedAt, revertedAt: change.revertedAt, rolledBackAt: change.rolledBackAt },
    revertWindowDays,
  );
  return undone ? "didNotReach" : "reachedProduction";
}

type Bucket = Exclude<keyof SpendWeek, "week">;

export function computeSpend(input: SpendInput, prices: Pricer): SpendFigures {
  const organisation = input.repositoryIds === null;
  const linksBySession = new Map<string, SessionLink[]>();
  for (const link of input.links) {
    const list = linksBySession.get(link.session);
    if (list) list.push(link);
    else linksBySession.set(link.session, [link]);
  }
  // A repository's report prices its own changes' sessions only: the rest of the organisation's
  // usage (the tokens and models without a price included) is not its to show.
  const usage = organisation
    ? input.usage
    : input.usage.filter(
        (row) =>
          row.sessionId !== null &&
          (linksBySession.get(sessionKey(row.sessionId)) ?? []).some((l) => input.repositoryIds?.has(l.repositoryId)),
      );
  const costs = costsOf(usage, prices);

  const weekIndex = new Map(input.weeks.map((w, i) => [w, i]));
  const series: SpendWeek[] = input.weeks.map((week) => ({
    week,
    reachedProduction: 0,
    didNotReach: 0,
    pending: 0,
    unlinked: 0,
    unattributed: 0,
  }));
  const totals: Record<Bucket, number> = {
    reachedProduction: 0,
    didNotReach: 0,
    pending: 0,
    unlinked: 0,
    unattributed: 0,
  };
  const byAgent = new Map<string, number>();
  const byModel = new Map<string, number>();
  const sessions = new Set<string>();
  let total = 0;
  let estimated = 0;

  const add = (bucket: Bucket, row: UsageRow, usd: number, isEstimate: boolean) => {
    if (usd === 0) return;
    totals[bucket] += usd;
    total += usd;
    if (isEstimate) estimated += usd;
    const week = weekIndex.get(row.week);
    if (week !== undefined) (series[week] as SpendWeek)[bucket] += usd;
    byAgent.set(row.agent, (byAgent.get(row.agent) ?? 0) + usd);
    const model = row.model ?? "(unknown)";
    byModel.set(model, (byModel.get(model) ?? 0) + usd);
    if (row.sessionId !== null) sessions.add(sessionKey(row.sessionId));
  };

  for (const { row, usd, isEstimate } of costs.rows) {
    if (row.sessionId === null) {
      if (organisation) add("unattributed", row, usd, isEstimate);
      continue;
    }
    const links = linksBySession.get(sessionKey(row.sessionId)) ?? [];
    if (links.length === 0) {
      if (organisation) add("unlinked", row, usd, isEstimate);
      continue;
    }
    const share = usd / links.length;
    for (const link of links) {
      if (!organisation && !input.repositoryIds?.has(link.repositoryId)) continue;
      add(link.fate, row, share, isEstimate);
    }
  }

  const round = (usd: number) => Math.round(usd * 1e6) / 1e6; // to the micro-dollar: sums of shares
  const withheld = input.withheld;
  const per = (n: number | null) => (withheld || n === null || n === 0 ? null : round(total / n));
  return {
    currency: "USD",
    total: round(total),
    estimated: round(estimated),
    reachedProduction: withheld ? null : round(totals.reachedProduction),
    didNotReach: withheld ? null : round(totals.didNotReach),
    pending: withheld ? null : round(totals.pending),
    unlinked: withheld || !organisation ? null : round(totals.unlinked),
    unattributed: withheld || !organisation ? null : round(totals.unattributed),
    costPerAiDeployment: per(input.aiDeployments),
    costPerAiChangeShipped: per(input.aiChangesShipped),
    byAgent: withheld ? null : sortedRecord(byAgent, round),
    byModel: withheld ? null : sortedRecord(byModel, round),
    sessions: withheld ? null : sessions.size,
    unpriced: costs.unpriced,
    series: withheld
      ? null
      : series.map((w) => ({
          week: w.week,
          reachedProduction: round(w.reachedProduction),
          didNotReach: round(w.didNotReach),
          pending: round(w.pending),
          unlinked: round(w.unlinked),
          unattributed: round(w.unattributed),
        })),
  };
}

/**
 * Each usage row's USD: reported when its (agent, session, model) reported a cost anywhere in the
 * period, else its tokens priced; tokens of an unknown model are counted under `unpriced` instead.
 */
function costsOf(usage: readonly UsageRow[], prices: Pricer) {
  const reported = new Set<string>();
  const group = (row: UsageRow) =>
    JSON.stringify([row.agent, row.sessionId, row.model, row.sessionId === null ? row.week : ""]);
  for (const row of usage) if (row.costReported) reported.add(group(row));
  const rows: Array<{ row: UsageRow; usd: number; isEstimate: boolean }> = [];
  const unpricedModels = new Set<string>();
  let unpricedTokens = 0;
  for (const row of usage) {
    if (reported.has(group(row))) {
      rows.push({ row, usd: row.costUsd, isEstimate: false });
      continue;
    }
    const tokens: TokenCounts = {
      input: row.input,
      output: row.output,
      cacheRead: row.cacheRead,
      cacheWrite: row.cacheWrite,
    };
    const count = tokens.input + tokens.output + tokens.cacheRead + tokens.cacheWrite;
    if (count === 0) continue;
    const usd = prices.estimate(row.agent, row.model, tokens);
    if (usd === null) {
      unpricedTokens += count;
      unpricedModels.add(row.model ?? "(unknown)");
    } else rows.push({ row, usd, isEstimate: true });
  }
  return { rows, unpriced: { tokens: unpricedTokens, models: [...unpricedModels].sort() } };
}

function sortedRecord(map: Map<string, number>, round: (n: number) => number): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, round(v)]));
}

/**
 * The spend behind some changes (a deployment's): each session's cost (as costsOf prices it) times
 * the share of the changes naming it that are among `changeIds`. Spend of any time: a session's
 * cost belongs to its changes whenever it was incurred.
 */
export function spendOfChanges(
  usage: readonly UsageRow[],
  links: readonly SessionLink[],
  changeIds: ReadonlySet<number>,
  prices: Pricer,
): { total: number; estimated: number } {
  const shareOf = new Map<string, number>();
  const bySession = new Map<string, SessionLink[]>();
  for (const link of links) bySession.set(link.session, [...(bySession.get(link.session) ?? []), link]);
  for (const [session, list] of bySession) {
    shareOf.set(session, list.filter((l) => changeIds.has(l.changeId)).length / list.length);
  }
  let total = 0;
  let estimated = 0;
  for (const { row, usd, isEstimate } of costsOf(usage, prices).rows) {
    if (row.sessionId === null) continue;
    const part = usd * (shareOf.get(sessionKey(row.sessionId)) ?? 0);
    total += part;
    if (isEstimate) estimated += part;
  }
  return { total: Math.round(total * 1e6) / 1e6, estimated: Math.round(estimated * 1e6) / 1e6 };
}
