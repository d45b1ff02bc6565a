// Record what coding agents report of their spend (src/spend/usage.ts's readings) for one
// installation, within its bounds: a request carries at most `maxPointsPerRequest` points (more is
// refused whole, 413, before anything is read into the ledger), and an installation's spend names
// at most `maxSessionsPerDay` distinct sessions a day (points of sessions beyond that are refused
// and said so in the OTLP partial success; known sessions keep being recorded).

import { type UsageMeasure, type UsagePointRecord, usagePoint } from "../model/spend.js";
import type { UsageReading } from "../spend/usage.js";
import type { SessionDayBound, Store } from "../store/types.js";

export interface SpendLimits {
  maxPointsPerRequest: number;
  maxSessionsPerDay: number;
}

export const DEFAULT_SPEND_LIMITS: SpendLimits = Object.freeze({
  maxPointsPerRequest: 50_000,
  maxSessionsPerDay: 5_000,
});

export class TooManyPoints extends Error {
  constructor(
    readonly points: number,
    readonly limit: number,
  ) {
    super(`${points} data points in one request; at most ${limit}: send smaller batches`);
    this.name = "TooManyPoints";
  }
}

export interface SpendRecorded {
  /** Points stored now. */
  stored: number;
  /** Points stored before (a resent export): acknowledged, not counted again. */
  duplicates: number;
  /** Points refused by the session bound. */
  refused: number;
  reasons: string[];
}

const DAY_MS = 86_400_000;

/** A point may be this old when it arrives (an agent offline for a while, a collector's queue)… */
export const MAX_POINT_AGE_MS = 31 * DAY_MS;
/** …or this far ahead of the server's clock. */
export const MAX_POINT_SKEW_MS = 60 * 60_000;
/** The most one data point may say: USD for a cost, tokens for the rest (a running total included). */
export const MAX_POINT_VALUE: Readonly<Record<UsageMeasure, number>> = Object.freeze({
  costUsd: 100_000,
  input: 1e11,
  output: 1e11,
  cacheRead: 1e11,
  cacheWrite: 1e11,
});

/** The readings an agent could have sent, and a count (with reasons) of the rest. */
function plausibleReadings(
  readings: readonly UsageReading[],
  now: number,
): { kept: UsageReading[]; refused: { count: number; reasons: string[] } } {
  const kept: UsageReading[] = [];
  const refused = { count: 0, reasons: [] as string[] };
  const refuse = (reason: string) => {
    refused.count++;
    if (!refused.reasons.includes(reason)) refused.reasons.push(reason);
  };
  for (const reading of readings) {
    if (reading.at < now - MAX_POINT_AGE_MS || reading.at > now + MAX_POINT_SKEW_MS) {
      refuse("points timed more than 31 days before or an hour after their arrival refused");
    } else if (reading.value > MAX_POINT_VALUE[reading.measure]) {
      refuse(
        reading.measure === "costUsd"
          ? `costs above $${MAX_POINT_VALUE.costUsd.toLocaleString("en-US")} in one data point refused`
          : `token counts above ${MAX_POINT_VALUE.input.toExponential()} in one data point refused`,
      );
    } else kept.push(reading);
  }
  return { kept, refused };
}

export async function recordSpend(
  store: Store,
  installationId: number,
  readings: readonly UsageReading[],
  now: number,
  limits: SpendLimits,
): Promise<SpendRecorded> {
  if (readings.length > limits.maxPointsPerRequest)
    throw new TooManyPoints(readings.length, limits.maxPointsPerRequest);
  let accepted: UsagePointRecord[] = [];
  let refused = 0;
  const reasons: string[] = [];

  // What no agent sends: a point far from now (it would rewrite periods already reported, and the
  // day bound below is by the point's day) or a value beyond any session's (one point of 1e308
  // would make every report of the period infinite, or overflow PostgreSQL's sum).
  const { kept: admissible, refused: rejected } = plausibleReadings(readings, now);

  // The session bound, day by day: which of this request's sessions the day has already, and (only
  // when it brings a new one) how many the day has, both from ai_usage_sessions (one row per
  // installation, day and session). Read from the day's points, they grew with the day: on a day of
  // 100,000 points, 15–30 ms a request on SQLite (bench/README.md, "The OpenTelemetry endpoint").
  // The store reads them, calls `admit`, and writes the new sessions and the points in one commit,
  // serialised per installation-day with the requests that bring new sessions (recordBoundedUsage).
  const points = admissible.map((reading) => usagePoint(installationId, reading, "otlp", now));
  const sessionsByDay = new Map<number, Set<string>>();
  for (const { sessionKey: key, at } of points) {
    if (key === null) continue;
    const day = Math.floor(at / DAY_MS) * DAY_MS;
    const keys = sessionsByDay.get(day) ?? new Set<string>();
    keys.add(key);
    sessionsByDay.set(day, keys);
  }
  const admit = (days: Map<number, SessionDayBound>): UsagePointRecord[] => {
    accepted = [];
    refused = rejected.count;
    reasons.length = 0;
    reasons.push(...rejected.reasons);
    for (const point of points) {
      const key = point.sessionKey;
      if (key !== null) {
        const day = Math.floor(point.at / DAY_MS) * DAY_MS;
        const bound = days.get(day) as SessionDayBound;
        if (!bound.known.has(key)) {
          if (bound.count >= limits.maxSessionsPerDay) {
            refused++;
            const reason = `more than ${limits.maxSessionsPerDay} sessions on ${new Date(day).toISOString().slice(0, 10)}: points of further sessions refused`;
            if (!reasons.includes(reason)) reasons.push(reason);
            continue;
          }
          bound.known.add(key);
          bound.count++;
        }
      }
      accepted.push(point);
    }
    return accepted;
  };
  const stored = await store.spend.recordBoundedUsage({ installationId, sessionsByDay, admit });
  return { stored, duplicates: accepted.length - stored, refused, reasons };
}
