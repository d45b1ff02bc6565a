// The audit sample: which shipped AI-assisted changes a lead checks by hand, and how precise the
// attribution was on them. Pure: the same scope and period always give the same sample (seeded by
// them, ordered by a hash of seed and change id), so two leads, or one lead a week later, look at
// the same changes, and a mark made on one visit is still on the page at the next.

import { createHash } from "node:crypto";
import type { MetricChange } from "../model/ledger.js";
import { basisOf, countsAsAi } from "./compute.js";
import type { MetricOptions } from "./types.js";

/** How many changes a sample shows. */
export const AUDIT_SAMPLE_SIZE = 20;

export interface AuditScope {
  installationId: number;
  /** The repository, for a repository's sample; absent for the organisation's. */
  repositoryId?: number;
}

/** The sample's seed: the scope and the period, nothing else (no clock, no user). */
export function auditSeed(scope: AuditScope, period: { since: number; until: number }): string {
  return `shipledger-audit:${scope.installationId}:${scope.repositoryId ?? "*"}:${period.since}:${period.until}`;
}

/** Where a change falls in a seed's order: the first 12 hex digits of SHA-256(seed:id). */
export function auditRank(seed: string, changeId: number): string {
  return createHash("sha256").update(`${seed}:${changeId}`).digest("hex").slice(0, 12);
}

/**
 * The changes that can be sampled: counted as AI-assisted by the report (under `options`' evidence
 * basis: on explicit evidence only, a change with hints alone is not), not a bot's, shipped in the
 * period (reverted or not).
 */
export function auditCandidates(
  changes: readonly MetricChange[],
  period: { since: number; until: number },
  options: Pick<MetricOptions, "evidence" | "repositories"> = {},
): MetricChange[] {
  return changes.filter(
    (c) =>
      countsAsAi(c, basisOf(options, c.repositoryId)) &&
      !c.botChange &&
      c.shipped !== null &&
      c.shipped.at >= period.since &&
      c.shipped.at < period.until,
  );
}

/** The first `size` candidates in the seed's order (ties, which a 48-bit rank makes rare, by id). */
export function auditSample<T extends { id: number }>(
  candidates: readonly T[],
  seed: string,
  size = AUDIT_SAMPLE_SIZE,
): T[] {
  const seen = new Set<number>();
  const ranked: Array<{ rank: string; item: T }> = [];
  for (const item of candidates) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    ranked.push({ rank: auditRank(seed, item.id), item });
  }
  ranked.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.item.id - b.item.id));
  return ranked.slice(0, Math.max(0, size)).map((r) => r.item);
}

export interface AuditPrecision {
  sampled: number;
  /** Sampled changes whose attribution a lead marked wrong. */
  markedWrong: number;
  /** Share of the sample not marked wrong; null for an empty sample. */
  precision: number | null;
}

/** The precision of the attribution on a sample: marks on changes outside it do not count. */
export function auditPrecision(sampleIds: readonly number[], markedWrongIds: Iterable<number>): AuditPrecision {
  const sample = new Set(sampleIds);
  let markedWrong = 0;
  for (const id of new Set(markedWrongIds)) if (sample.has(id)) markedWrong++;
  return {
    sampled: sample.size,
    markedWrong,
    precision: sample.size > 0 ? (sample.size - markedWrong) / sample.size : null,
  };
}
