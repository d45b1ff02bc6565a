// Inputs and outputs of the normalised-deployments metric (see shared PRODUCT.md, "The metric").
// The ledger queries (src/metrics/query.ts) produce MetricInput; the pure computation
// (src/metrics/compute.ts) turns it into a Report; surfaces (CLI, HTTP API, Prometheus, the PR
// check line) only format a Report.

import type { EvidenceBasis, MetricChange, RepositoryMetricSettings } from "../model/ledger.js";
import type { SpendFigures } from "../spend/compute.js";
import type { PriceTable } from "../spend/prices.js";

export type { EvidenceBasis, MetricChange, RepositoryMetricSettings };

export interface MetricInput {
  /** What the report covers, e.g. "acme/shop" or "acme (organisation)". */
  scope: string;
  /** Start (inclusive) and end (exclusive) of the period, ms since the epoch. */
  since: number;
  until: number;
  /** Changes merged in the period, plus changes shipped in the period (merged earlier). */
  changes: MetricChange[];
  /**
   * Where the ledger's history of the scope starts (ms): the earliest backfilled window, or when
   * the app was installed; the latest such start of the scope's repositories. Null: unknown.
   */
  historyFrom?: number | null;
}

export interface MetricOptions {
  /** A revert or rollback within this many days after shipping counts against the change. */
  revertWindowDays: number;
  /** Changes touching only these paths (globs) are not counted. */
  ignorePaths: string[];
  /** Scopes with fewer active engineers report counts but withhold per-engineer figures. */
  minGroupSize: number;
  /**
   * Which AI evidence counts (`metric.evidence`): "explicit" counts a change whose AI evidence is
   * circumstantial only as not AI-assisted. Left out: "any".
   */
  evidence?: EvidenceBasis;
  /**
   * The instance's token prices (COST_PRICES_FILE), for agents that report tokens but no cost; the
   * organisation's file (`costs.prices`) adds to them and wins model by model.
   */
  prices?: PriceTable;
  /** Now, for "is the revert window still open" decisions. */
  now: number;
  /**
   * Per-repository overrides (each repository's own `.github/shipledger.yml`), by repositoryId, for
   * organisation reports; a repository without an entry uses the options above.
   */
  repositories?: ReadonlyMap<number, RepositoryMetricSettings>;
}

export interface Comparison<T> {
  ai: T;
  other: T;
}

export interface WeekFigures {
  /** Monday 00:00 UTC of the week, ISO date (YYYY-MM-DD). */
  week: string;
  /** Days of this week inside the period: 7, or fewer for a partial first or last week. */
  days: number;
  /** True when the period starts or ends inside this week (then `days` < 7). */
  partial: boolean;
  activeEngineers: number;
  /**
   * Distinct (engineer, deployment) pairs: AI-assisted production deployments credited this week.
   * Null when the report's per-engineer figures are withheld: in a small group this sum is one
   * person's figure.
   */
  aiDeployments: number | null;
  aiChangesShipped: number;
  changesShipped: number;
  /** Null when per-engineer figures are withheld. */
  normalisedDeployments: number | null;
  adoption: number | null;
}

/** How much of a report rests on circumstantial AI evidence (branch names, labels, phrases). */
export interface EvidenceFigures {
  /** The `metric.evidence` in force for the changes shipped; "mixed" when an organisation's repositories differ. */
  basis: EvidenceBasis | "mixed";
  /** Counted AI-assisted changes shipped whose AI evidence is circumstantial only (repositories under "any"). */
  circumstantialChanges: number;
  /** circumstantialChanges / aiChangesShipped; null when no AI-assisted change shipped. */
  circumstantialShare: number | null;
  /** Of Σ|D(e)|, the (engineer, deployment) pairs only circumstantial-only changes make; null when withheld. */
  circumstantialDeployments: number | null;
  /** circumstantialDeployments / Σ|D(e)|; null when withheld or Σ|D(e)| is 0. */
  circumstantialDeploymentShare: number | null;
  /** Changes shipped with circumstantial-only AI evidence counted as other changes (repositories under "explicit"). */
  leftOut: number;
}

export interface Report {
  scope: string;
  since: string;
  until: string;
  weeks: number;
  activeEngineers: number;
  /** Σ|D(e)| / (|E| × W); null when withheld (see `withheld`) or no engineer was active. */
  normalisedDeployments: number | null;
  /** Share of active engineer-weeks with at least one AI-assisted production deployment. */
  adoption: number | null;
  /** Why per-engineer figures are withheld, or null. */
  withheld: string | null;
  aiChangesShipped: number;
  changesShipped: number;
  /** aiChangesShipped / changesShipped, null when nothing shipped. */
  aiShare: number | null;
  /** Median hours from first commit to production. */
  medianLeadTimeHours: Comparison<number | null>;
  /** Share of shipped changes reverted or rolled back within the window. */
  changeFailureRate: Comparison<number | null>;
  /** AI-assisted changes shipped, by agent id. */
  byAgent: Record<string, number>;
  /** How much of the figures rests on circumstantial evidence (src/metrics/compute.ts defines each). */
  evidence: EvidenceFigures;
  excluded: { bot: number; ignoredPaths: number; reverted: number };
  /** Counted changes whose revert window is still open at `now`: a later revert can still remove them. */
  provisional: number;
  series: WeekFigures[];
  /**
   * Set when the period starts before the history the ledger holds for the scope (what was
   * backfilled, or heard live since the app was installed): "history before 2026-09-07 not read".
   */
  historyNote: string | null;
  /**
   * AI spend in the period joined to the changes that spent it (src/spend/compute.ts); null when
   * the ledger holds no spend for the scope and period. Filled in by buildReport.
   */
  spend: SpendFigures | null;
}
