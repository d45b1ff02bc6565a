// The normalised-deployments metric (shared PRODUCT.md, "The metric"): MetricInput in, Report out.
// Pure: no I/O, no clock (`options.now` is passed).
//
// Definitions, for a period [since, until) of W weeks:
// - W = (until − since) / 7 days, a real number: a 10-day period is 10/7 weeks, so a period that is
//   not whole weeks is neither rounded nor padded.
// - A change is credited to its engineer (lower-cased: GitHub logins are case-insensitive). Bot
//   changes, changes no human is credited with (engineer null) and changes credited to a bot login
//   are "bot": they never make anyone active and never count as shipped.
// - E = active engineers: credited with at least one change merged in the period. Every merged
//   change counts for activity, even one that only touches ignored paths or is later reverted.
// - A change ships in the period when its first production deployment (`shipped.at`) is in the
//   period, whenever it was merged. It is *counted* unless it is bot, touches only ignored paths
//   (`pathsComplete` and every path matches `ignorePaths`), or was reverted or rolled back within
//   the revert window after shipping. `excluded` gives the others by first reason in that order, so
//   changesShipped + excluded.bot + excluded.ignoredPaths + excluded.reverted = changes shipped.
// - The revert window is whole days after shipping, its end included (src/ledger/core/fate.ts's isUndone); an
//   organisation report takes each repository's window and ignored paths (`options.repositories`).
//   `provisional` counts the counted changes whose window is still open at `now`. A change listed
//   twice (a redeploy joined in) keeps its first shipment.
// - D(e) = distinct deployments in the period that shipped a counted AI-assisted change credited to
//   e; normalised deployments = Σ|D(e)| / (|E| × W). The sum runs over every credited engineer,
//   also one whose shipped change merged before the period (and who may not be in E): restricting
//   it to E would let someone make an earlier change count by merging anything, even a PR that
//   never ships. As it is, more merges can only grow the denominator.
// - Change failure rate = changes reverted or rolled back within the window / changes shipped, bot
//   and ignored-path changes left out; reverted changes are its numerator, not excluded.
// - Median lead time: first commit → production, in hours, over counted changes whose first commit
//   is known; the mean of the two middle values for an even count.
// - Evidence basis (`metric.evidence`, per repository like the revert window; `options.evidence`,
//   default "any", elsewhere). A change's AI evidence is explicit or circumstantial
//   (src/attribution/strength.ts; `aiEvidence`, null read as circumstantial: explicit is never
//   assumed). Under "explicit", an AI-assisted change whose evidence is circumstantial only counts
//   as *not* AI-assisted everywhere (AI changes shipped, byAgent, D(e), lead time and change
//   failure rate on the "other" side, the weekly series); it is still a change shipped.
// - `evidence` says how much rests on circumstantial evidence. `basis` is the basis of the
//   repositories whose counted changes shipped in the period ("mixed" when they differ; the
//   options' when none did). Of the counted changes shipped with circumstantial-only AI evidence,
//   `circumstantialChanges` were counted as AI-assisted (repositories under "any": they are part of
//   aiChangesShipped, and `circumstantialShare` = circumstantialChanges / aiChangesShipped) and
//   `leftOut` were counted as other changes (repositories under "explicit"). `circumstantialDeployments`
//   = Σ|D(e)| − Σ|D′(e)|, where D′(e) keeps only the deployments that shipped a counted change of
//   e's with explicit evidence: the (engineer, deployment) pairs that exist only because of
//   circumstantial-only changes; `circumstantialDeploymentShare` = that / Σ|D(e)| (null when
//   Σ|D(e)| is 0). Both are sums over engineers: null when per-engineer figures are withheld.
//
// Weekly series: weeks start on Monday 00:00 UTC. The first and last weeks are cut to the period
// and marked `partial` with the `days` they keep, so a period that does not start on a Monday has
// a partial first week. A week's active engineers merged a change that week; its AI deployments
// are the (engineer, deployment) pairs shipped that week, so they add up to Σ|D(e)|; its
// normalised figure is AI deployments / (active × days/7). An engineer-week is adopting when the
// engineer was active that week and a pair of theirs shipped that week; adoption = adopting /
// active engineer-weeks, for each week and over the period.
//
// Privacy: nothing per person leaves this module. When |E| is below minGroupSize, every
// per-engineer figure (normalised deployments, adoption, the circumstantial part of Σ|D(e)|, and
// those of each week) is null and `withheld` says why; counts stay. A week with fewer active
// engineers than the minimum has its per-engineer figures withheld too, even when the period has
// enough.

import { isBot } from "../attribution/agents.js";
import { compileGlob, type Glob, type GlobMeter } from "../attribution/glob.js";
import { isRevertWindowOpen, isUndone } from "../ledger/core/fate.js";
import type {
  EvidenceBasis,
  EvidenceFigures,
  MetricChange,
  MetricInput,
  MetricOptions,
  Report,
  RepositoryMetricSettings,
  WeekFigures,
} from "./types.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** Computes the report of `input` (see the definitions above). Throws a RangeError for an empty period. */
export function computeReport(input: MetricInput, options: MetricOptions): Report {
  const { since, until } = input;
  if (!Number.isFinite(since) || !Number.isFinite(until) || until <= since) {
    throw new RangeError(`the period must end after it starts (since ${since}, until ${until})`);
  }
  const inPeriod = (t: number) => t >= since && t < until;
  const calendar = weekCalendar(since, until);
  const settings = repositorySettings(options);
  const changes = firstShipments(input.changes);
  // Engineers are numbered (see engineerNumbers): an organisation's report reads ~100k changes, and
  // sets of small numbers cost far less than sets of logins and "login + deployment" strings.
  const credited = engineerNumbers();
  const engineers = new Int32Array(changes.length);
  for (let i = 0; i < changes.length; i++) engineers[i] = credited(changes[i] as MetricChange);

  // Activity: who merged a change in the period, and in which weeks.
  const active = new Set<number>();
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as MetricChange;
    const engineer = engineers[i] as number;
    if (engineer === NOBODY || !inPeriod(change.mergedAt)) continue;
    active.add(engineer);
    calendar.at(change.mergedAt)?.active.add(engineer);
  }

  // What shipped in the period.
  const pairs = new Set<PairKey>();
  /** The pairs of counted AI-assisted changes with explicit evidence (D′(e)). */
  const explicitPairs = new Set<PairKey>();
  const circumstantial = { counted: 0, leftOut: 0 };
  const bases = new Set<EvidenceBasis>();
  const excluded = { bot: 0, ignoredPaths: 0, reverted: 0 };
  const byAgent = new Map<string, number>();
  const leadTimes = { ai: [] as number[], other: [] as number[] };
  const failures = { ai: { failed: 0, shipped: 0 }, other: { failed: 0, shipped: 0 } };
  let aiChangesShipped = 0;
  let changesShipped = 0;
  let provisional = 0;

  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as MetricChange;
    const shipped = change.shipped;
    if (shipped === null || !inPeriod(shipped.at)) continue;
    const engineer = engineers[i] as number;
    if (engineer === NOBODY) {
      excluded.bot++;
      continue;
    }
    const repo = settings(change.repositoryId);
    if (repo.onlyIgnoredPaths(change)) {
      excluded.ignoredPaths++;
      continue;
    }
    const explicit = change.aiEvidence === "explicit";
    const ai = countsAsAi(change, repo.evidence);
    const kind = ai ? "ai" : "other";
    const failed = isUndone(
      { shippedAt: shipped.at, revertedAt: change.revertedAt, rolledBackAt: change.rolledBackAt },
      repo.revertWindowDays,
    );
    failures[kind].shipped++;
    if (failed) {
      failures[kind].failed++;
      excluded.reverted++;
      continue;
    }

    changesShipped++;
    if (isRevertWindowOpen(shipped.at, repo.revertWindowDays, options.now)) provisional++;
    if (change.firstCommitAt !== null) leadTimes[kind].push(Math.max(0, shipped.at - change.firstCommitAt) / HOUR_MS);
    const week = calendar.at(shipped.at);
    if (week) week.changesShipped++;
    bases.add(repo.evidence);
    if (change.ai && !explicit) {
      if (ai) circumstantial.counted++;
      else circumstantial.leftOut++;
    }
    if (!ai) continue;

    aiChangesShipped++;
    const named = creditedAgents(change, repo.evidence);
    const agents = named.length === 1 ? named : new Set(named);
    for (const agent of agents) byAgent.set(agent, (byAgent.get(agent) ?? 0) + 1);
    const pair = pairKey(engineer, shipped.deploymentId);
    pairs.add(pair);
    if (explicit) explicitPairs.add(pair);
    if (week) {
      week.aiChangesShipped++;
      week.pairs.add(pair);
      if (week.active.has(engineer)) week.adopters.add(engineer);
    }
  }

  const withheld = active.size < options.minGroupSize ? withheldReason(active.size, options.minGroupSize) : null;
  const W = (until - since) / WEEK_MS;

  let activeEngineerWeeks = 0;
  let adoptingEngineerWeeks = 0;
  const series = calendar.weeks.map((week): WeekFigures => {
    const engineers = week.active.size;
    activeEngineerWeeks += engineers;
    adoptingEngineerWeeks += week.adopters.size;
    const shown = withheld === null && engineers > 0 && engineers >= options.minGroupSize;
    return {
      week: week.monday,
      days: week.days,
      partial: week.days < 7,
      activeEngineers: engineers,
      // Σ|D(e)| of the week: with the report withheld (a small group), one person's count, maybe.
      aiDeployments: withheld === null ? week.pairs.size : null,
      aiChangesShipped: week.aiChangesShipped,
      changesShipped: week.changesShipped,
      normalisedDeployments: shown ? week.pairs.size / (engineers * (week.days / 7)) : null,
      adoption: shown ? week.adopters.size / engineers : null,
    };
  });

  const shown = withheld === null && active.size > 0;
  return {
    scope: input.scope,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    weeks: W,
    activeEngineers: active.size,
    normalisedDeployments: shown ? pairs.size / (active.size * W) : null,
    adoption: shown && activeEngineerWeeks > 0 ? adoptingEngineerWeeks / activeEngineerWeeks : null,
    withheld,
    aiChangesShipped,
    changesShipped,
    aiShare: changesShipped > 0 ? aiChangesShipped / changesShipped : null,
    medianLeadTimeHours: { ai: median(leadTimes.ai), other: median(leadTimes.other) },
    changeFailureRate: {
      ai: failures.ai.shipped > 0 ? failures.ai.failed / failures.ai.shipped : null,
      other: failures.other.shipped > 0 ? failures.other.failed / failures.other.shipped : null,
    },
    byAgent: Object.fromEntries([...byAgent].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    evidence: evidenceFigures({
      basis: bases.size > 1 ? "mixed" : ([...bases][0] ?? options.evidence ?? "any"),
      circumstantial,
      aiChangesShipped,
      // Σ|D(e)| and Σ|D′(e)|, or null when withheld.
      deployments: withheld === null ? { all: pairs.size, explicit: explicitPairs.size } : null,
    }),
    excluded,
    provisional,
    series,
    historyNote: historyNote(since, input.historyFrom ?? null),
    spend: null,
  };
}

/** The report's `evidence` (see the definitions above). */
function evidenceFigures(counts: {
  basis: EvidenceFigures["basis"];
  circumstantial: { counted: number; leftOut: number };
  aiChangesShipped: number;
  deployments: { all: number; explicit: number } | null;
}): EvidenceFigures {
  const { deployments } = counts;
  const onlyCircumstantial = deployments === null ? null : deployments.all - deployments.explicit;
  return {
    basis: counts.basis,
    circumstantialChanges: counts.circumstantial.counted,
    circumstantialShare: counts.aiChangesShipped > 0 ? counts.circumstantial.counted / counts.aiChangesShipped : null,
    circumstantialDeployments: onlyCircumstantial,
    circumstantialDeploymentShare:
      deployments !== null && onlyCircumstantial !== null && deployments.all > 0
        ? onlyCircumstantial / deployments.all
        : null,
    leftOut: counts.circumstantial.leftOut,
  };
}

/** The evidence basis of a repository's changes: its own `metric.evidence`, else the options'. */
export function basisOf(
  options: Pick<MetricOptions, "evidence" | "repositories">,
  repositoryId: number,
): EvidenceBasis {
  return options.repositories?.get(repositoryId)?.evidence ?? options.evidence ?? "any";
}

/**
 * The agents a change counts for: on explicit evidence only, those its explicit evidence names
 * (`explicitAgents`, when read); else all it names.
 */
export function creditedAgents(change: Pick<MetricChange, "agents" | "explicitAgents">, basis: EvidenceBasis) {
  return basis === "explicit" && change.explicitAgents !== undefined ? change.explicitAgents : change.agents;
}

/**
 * Whether a change counts as AI-assisted under `basis`: with "explicit", only on explicit evidence
 * (an unclassified strength is not explicit).
 */
export function countsAsAi(change: Pick<MetricChange, "ai" | "aiEvidence">, basis: EvidenceBasis): boolean {
  return change.ai && (basis === "any" || change.aiEvidence === "explicit");
}

/** What a period that starts before the ledger's history must say. */
export function historyNote(since: number, historyFrom: number | null): string | null {
  if (historyFrom === null || since >= historyFrom) return null;
  const day = new Date(historyFrom).toISOString().slice(0, 10);
  return `history before ${day} not read: figures for the period before then may be low (see \`shipledger backfill\`)`;
}

/** The one sentence a report carries when its per-engineer figures are withheld. */
export function withheldReason(activeEngineers: number, minGroupSize: number): string {
  const unit = minGroupSize === 1 ? "engineer" : "engineers";
  return `fewer than ${minGroupSize} active ${unit} (${activeEngineers}): per-engineer figures are withheld so that the report cannot single anyone out`;
}

/** What engineerNumbers gives a change no human is credited with. */
const NOBODY = -1;

/**
 * Numbers the humans changes are credited to: the same number for one engineer however the login
 * is cased, NOBODY for a bot change, a change with no engineer and a bot login. A change's login is
 * normalised once per distinct spelling, not once per change.
 */
function engineerNumbers(): (change: MetricChange) => number {
  const byLogin = new Map<string, number>();
  const byEngineer = new Map<string, number>();
  return (change) => {
    if (change.botChange || change.engineer === null) return NOBODY;
    let number = byLogin.get(change.engineer);
    if (number === undefined) {
      const engineer = change.engineer.trim().toLowerCase();
      if (engineer === "" || isBot(engineer)) number = NOBODY;
      else {
        number = byEngineer.get(engineer) ?? byEngineer.size;
        byEngineer.set(engineer, number);
      }
      byLogin.set(change.engineer, number);
    }
    return number;
  };
}

/** An (engineer, deployment) pair as one number when it fits exactly (it always does in practice). */
type PairKey = number | string;
const DEPLOYMENT_IDS = 2 ** 32;
const PAIR_ENGINEERS = 2 ** 20;

function pairKey(engineer: number, deploymentId: number): PairKey {
  return Number.isInteger(deploymentId) &&
    deploymentId >= 0 &&
    deploymentId < DEPLOYMENT_IDS &&
    engineer < PAIR_ENGINEERS
    ? engineer * DEPLOYMENT_IDS + deploymentId
    : `${engineer}\u0000${deploymentId}`;
}

/**
 * One row per change, at its first shipment: a change listed twice (a redeploy joined in by a
 * query) keeps the earliest deployment, so redeploying ships nothing new.
 */
function firstShipments(changes: readonly MetricChange[]): readonly MetricChange[] {
  // The ledger query lists changes by increasing id: then none is listed twice.
  let increasing = true;
  for (let i = 1; i < changes.length && increasing; i++)
    increasing = (changes[i - 1] as MetricChange).id < (changes[i] as MetricChange).id;
  if (increasing) return changes;
  const byId = new Map<number, MetricChange>();
  for (const change of changes) {
    const seen = byId.get(change.id);
    if (seen === undefined || shipsEarlier(change, seen)) byId.set(change.id, change);
  }
  return [...byId.values()];
}

function shipsEarlier(a: MetricChange, b: MetricChange): boolean {
  if (a.shipped === null) return false;
  if (b.shipped === null) return true;
  if (a.shipped.at !== b.shipped.at) return a.shipped.at < b.shipped.at;
  return a.shipped.deploymentId < b.shipped.deploymentId;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort(); // numeric, and much faster than Array#sort
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

// ---- weeks --------------------------------------------------------------------------------------

interface Week {
  /** Monday 00:00 UTC of the week, YYYY-MM-DD. */
  monday: string;
  /** Days of the week inside the period. */
  days: number;
  /** Engineers (numbered) who merged a change this week. */
  active: Set<number>;
  /** (engineer, deployment) pairs shipped this week. */
  pairs: Set<PairKey>;
  /** Engineers active this week with a pair shipped this week. */
  adopters: Set<number>;
  aiChangesShipped: number;
  changesShipped: number;
}

/** Monday 00:00 UTC on or before `t`. */
export function mondayOf(t: number): number {
  const midnight = Math.floor(t / DAY_MS) * DAY_MS;
  const weekday = new Date(midnight).getUTCDay(); // 0 = Sunday
  return midnight - ((weekday + 6) % 7) * DAY_MS;
}

/** The weeks that meet [since, until), and the week of a time inside the period. */
function weekCalendar(since: number, until: number): { weeks: Week[]; at(t: number): Week | undefined } {
  const first = mondayOf(since);
  const weeks: Week[] = [];
  for (let start = first; start < until; start += WEEK_MS) {
    weeks.push({
      monday: new Date(start).toISOString().slice(0, 10),
      days: (Math.min(start + WEEK_MS, until) - Math.max(start, since)) / DAY_MS,
      active: new Set(),
      pairs: new Set(),
      adopters: new Set(),
      aiChangesShipped: 0,
      changesShipped: 0,
    });
  }
  return {
    weeks,
    at: (t) => (t >= since && t < until ? weeks[Math.floor((t - first) / WEEK_MS)] : undefined),
  };
}

// ---- ignored paths and per-repository settings --------------------------------------------------

interface ResolvedSettings {
  revertWindowDays: number;
  evidence: EvidenceBasis;
  onlyIgnoredPaths(change: MetricChange): boolean;
}

function repositorySettings(options: MetricOptions): (repositoryId: number) => ResolvedSettings {
  const resolve = (own: RepositoryMetricSettings | undefined): ResolvedSettings => {
    const matches = pathMatcher(own?.ignorePaths ?? options.ignorePaths);
    return {
      revertWindowDays: own?.revertWindowDays ?? options.revertWindowDays,
      evidence: own?.evidence ?? options.evidence ?? "any",
      // A truncated or empty list of paths can hide a real change: only a complete list is judged.
      onlyIgnoredPaths: (change) =>
        matches !== null && change.pathsComplete && change.paths.length > 0 && change.paths.every(matches),
    };
  };
  const fallback = resolve(undefined);
  const cache = new Map<number, ResolvedSettings>();
  return (repositoryId) => {
    const own = options.repositories?.get(repositoryId);
    if (own === undefined) return fallback;
    let resolved = cache.get(repositoryId);
    if (resolved === undefined) {
      resolved = resolve(own);
      cache.set(repositoryId, resolved);
    }
    return resolved;
  };
}

/**
 * How much matching judging paths may cost (steps of src/attribution/glob.ts's matcher). A
 * repository's file may hold 50 patterns of 200 characters (each `**` making up to 16), tried on
 * paths of up to 4 KiB that the same hands write: one such path cost 0.5 s. Each distinct path may
 * take PATH_MATCH_STEPS (an ordinary configuration takes a few hundred; 100 patterns on a path of
 * 200 characters, about 20,000); what paths take beyond that draws on PATH_MATCH_WORK, shared by
 * the matcher's paths. A path whose judging runs out is not ignored: its change counts as any other.
 */
export const PATH_MATCH_STEPS = 50_000;
export const PATH_MATCH_WORK = 100_000_000;

/** Most `**` segments a pattern may have optional; beyond that they stay as plain `*` runs. */
const MAX_OPTIONAL_SEGMENTS = 4;

/**
 * A matcher of file paths against `metric.ignorePaths`, or null for no patterns. Paths are
 * case-sensitive, as in git. Globs are src/attribution/glob.ts's: `*` matches any run of
 * characters *including* `/` (so `*.lock` matches lockfiles in any folder and `docs/*` everything
 * under docs/), `?` one character. A `**` path segment also matches no folder at all: `**\/*.lock`
 * matches `yarn.lock` at the root and `docs/**\/*.md` matches `docs/a.md`. A leading `/` is dropped.
 */
export function pathMatcher(
  patterns: readonly string[],
  work: number = PATH_MATCH_WORK,
): ((path: string) => boolean) | null {
  const globs: Glob[] = [];
  for (const pattern of patterns) {
    for (const variant of globstarVariants(pattern.replace(/^\/+/, ""))) globs.push(compileGlob(variant));
  }
  if (globs.length === 0) return null;
  // Each distinct path is judged once: the same files turn up in change after change.
  const decided = new Map<string, boolean>();
  let shared = work;
  return (path) => {
    let ignored = decided.get(path);
    if (ignored === undefined) {
      const meter: GlobMeter = { steps: 0, limit: PATH_MATCH_STEPS + Math.max(0, shared) };
      // A match found before the work ran out stands; after, no test runs (each is cut at once).
      ignored = globs.some((glob) => glob.test(path, meter));
      shared -= Math.max(0, meter.steps - PATH_MATCH_STEPS);
      decided.set(path, ignored);
    }
    return ignored;
  };
}

function globstarVariants(pattern: string): string[] {
  const segments = pattern.split("/");
  // A `**` segment before the last one may stand for no folder at all.
  const optional = segments.flatMap((s, i) => (s === "**" && i < segments.length - 1 ? [i] : []));
  if (optional.length === 0 || optional.length > MAX_OPTIONAL_SEGMENTS) return [pattern];
  const variants = new Set<string>();
  for (let mask = 0; mask < 1 << optional.length; mask++) {
    const dropped = new Set(optional.filter((_, bit) => (mask >> bit) & 1));
    variants.add(segments.filter((_, i) => !dropped.has(i)).join("/"));
  }
  return [...variants];
}
