// The session bound under concurrency, on both dialects: requests that race on one installation-day,
// each bringing sessions the day does not have, cannot together name more sessions than the bound;
// what they acknowledge is stored, and what they refuse is not.

import { expect, it } from "vitest";
import { recordSpend } from "../../src/ledger/record-spend.js";
import { type UsageReading, usageFromMetrics } from "../../src/spend/usage.js";
import { eachDialect } from "../helpers/stores.js";

const DAY = 86_400_000;
const MONDAY = Date.UTC(2026, 10, 2);
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

function reading(sessionId: string, at: number, series = `s-${sessionId}`): UsageReading {
  return {
    agent: "claude-code",
    sessionId,
    model: "claude-sonnet-4-5",
    measure: "costUsd",
    value: 1,
    temporality: "delta",
    series,
    startNs: ns(at - 1_000),
    timeNs: ns(at),
    at,
  };
}

eachDialect("the session bound under concurrent requests", ({ newStore }) => {
  it("lets racing requests together name at most the bound's sessions a day", async () => {
    const store = await newStore();
    const limits = { maxPointsPerRequest: 1_000, maxSessionsPerDay: 5 };
    const at = MONDAY + 3_600_000;
    // The day has two sessions already.
    await recordSpend(store, 1, [reading("old-1", at), reading("old-2", at)], at, limits);
    // 24 requests at once, each bringing two new sessions (and a point of a known one, always let in).
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        recordSpend(
          store,
          1,
          [
            reading(`new-${i}-a`, at + i),
            reading(`new-${i}-b`, at + i),
            reading("old-1", at + 100 + i, `s-old-1-${i}`),
          ],
          at,
          limits,
        ),
      ),
    );
    expect(await store.spend.countSessionsOnDay(1, MONDAY)).toBe(5);
    const sessions = await store.spend.sessionsOnDay(1, MONDAY);
    const stored = results.reduce((n, r) => n + r.stored, 0);
    const refused = results.reduce((n, r) => n + r.refused, 0);
    expect(stored).toBe(3 + 24); // three new sessions' points, and every known session's point
    expect(refused).toBe(24 * 2 - 3);
    // Exactly the points acknowledged as stored are stored, and their sessions are the day's.
    const rows = await store.spend.listUsage(1, { since: MONDAY, until: MONDAY + DAY });
    expect(rows.reduce((n, r) => n + r.costUsd, 0)).toBe(2 + stored);
    expect(new Set(rows.map((r) => r.sessionId?.toLowerCase()))).toEqual(sessions);
    // Another day is bounded on its own.
    const next = await recordSpend(store, 1, [reading("new-0-a", at + DAY)], at + DAY, limits);
    expect(next).toMatchObject({ stored: 1, refused: 0 });
  });

  it("stores a request's points over several days, each day within its bound, in one go", async () => {
    const store = await newStore();
    const limits = { maxPointsPerRequest: 5_000, maxSessionsPerDay: 2 };
    const at = MONDAY + 3_600_000;
    // More points than one INSERT takes (500), over two days, the second over its bound.
    const readings = [
      ...Array.from({ length: 700 }, (_, i) => reading("a", at + i, `s-a-${i}`)),
      ...Array.from({ length: 3 }, (_, i) => reading(`b-${i}`, at + DAY + i)),
    ];
    expect(await recordSpend(store, 1, readings, at + DAY, limits)).toMatchObject({
      stored: 702,
      duplicates: 0,
      refused: 1,
      reasons: ["more than 2 sessions on 2026-11-03: points of further sessions refused"],
    });
    // Resent: nothing new, the same refusal.
    expect(await recordSpend(store, 1, readings, at + DAY, limits)).toMatchObject({
      stored: 0,
      duplicates: 702,
      refused: 1,
    });
    expect(await store.spend.countSessionsOnDay(1, MONDAY)).toBe(1);
    expect(await store.spend.countSessionsOnDay(1, MONDAY + DAY)).toBe(2);
  });

  it("refuses what no agent sends, and says why: points far from now, values beyond any session's", async () => {
    const store = await newStore();
    const limits = { maxPointsPerRequest: 1_000, maxSessionsPerDay: 2 };
    const now = MONDAY + 40 * DAY;
    const value = (r: UsageReading, v: number, measure: UsageReading["measure"] = r.measure) => ({
      ...r,
      value: v,
      measure,
    });
    const result = await recordSpend(
      store,
      1,
      [
        reading("fine", now - 30 * DAY),
        reading("old", now - 32 * DAY), // would rewrite a period long reported
        reading("ahead", now + 2 * 3_600_000), // a clock two hours ahead, or the year 5138
        value(reading("rich", now), 1e308), // every report of the period would be infinite
        value(reading("rich-tokens", now), 2e11, "input"),
        value(reading("big-but-real", now - 1), 250, "costUsd"),
      ],
      now,
      limits,
    );
    expect(result).toEqual({
      stored: 2,
      duplicates: 0,
      refused: 4,
      reasons: [
        "points timed more than 31 days before or an hour after their arrival refused",
        "costs above $100,000 in one data point refused",
        "token counts above 1e+11 in one data point refused",
      ],
    });
    // Refused points name no session of the day either: the day's bound is still free.
    const rows = await store.spend.listUsage(1, { since: MONDAY, until: now + DAY });
    expect(rows.reduce((n, r) => n + r.costUsd, 0)).toBe(251);
    expect(await store.spend.countSessionsOnDay(1, Math.floor((now - 1) / DAY) * DAY)).toBe(1);
  });

  it("differences a cumulative series that gives no start time (allowed: 'unknown'), never counting a running total twice", async () => {
    const store = await newStore();
    const now = MONDAY + 3_600_000;
    const total = (usd: number, at: number) => ({
      asDouble: usd,
      timeUnixNano: ns(at),
      attributes: [{ key: "session.id", value: { stringValue: "no-start" } }],
    });
    const export_ = (points: ReturnType<typeof total>[]) =>
      usageFromMetrics({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: "claude_code.cost.usage",
                    unit: "USD",
                    sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: points },
                  },
                ],
              },
            ],
          },
        ],
      }).readings;
    const limits = { maxPointsPerRequest: 100, maxSessionsPerDay: 10 };
    // Running totals 1, 2, 3 in three exports (one resent), then a restart of the agent (back to 0.5).
    for (const points of [
      [total(1, now - 3_000)],
      [total(2, now - 2_000)],
      [total(2, now - 2_000)],
      [total(3, now - 1_000)],
    ]) {
      await recordSpend(store, 1, export_(points), now, limits);
    }
    await recordSpend(store, 1, export_([total(0.5, now)]), now, limits);
    const rows = await store.spend.listUsage(1, { since: MONDAY, until: MONDAY + DAY });
    expect(rows.reduce((n, r) => n + r.costUsd, 0)).toBeCloseTo(3.5, 9);
  });

  it("counts a cumulative session over midnight once, each day its own increments, and a day refused by the bound once, on the next day it is let in", async () => {
    const store = await newStore();
    const start = MONDAY + 23 * 3_600_000;
    const running = (session: string, usd: number, at: number) =>
      usageFromMetrics({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: "claude_code.cost.usage",
                    unit: "USD",
                    sum: {
                      aggregationTemporality: 2,
                      isMonotonic: true,
                      dataPoints: [
                        {
                          asDouble: usd,
                          startTimeUnixNano: ns(start),
                          timeUnixNano: ns(at),
                          attributes: [{ key: "session.id", value: { stringValue: session } }],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }).readings;
    const send = (session: string, usd: number, at: number) =>
      recordSpend(store, 1, running(session, usd, at), at, { maxPointsPerRequest: 100, maxSessionsPerDay: 1 });
    const day = async (d: number, session: string) =>
      (await store.spend.listUsage(1, { since: MONDAY + d * DAY, until: MONDAY + (d + 1) * DAY }))
        .filter((r) => r.sessionId === session)
        .reduce((n, r) => n + r.costUsd, 0);
    const h = (d: number, hour: number) => MONDAY + d * DAY + hour * 3_600_000;

    // Over midnight, nothing refused: $1 on Monday, $2 more on Tuesday.
    await send("over-midnight", 1, h(0, 23.5));
    expect(await send("over-midnight", 3, h(1, 1))).toMatchObject({ stored: 1, refused: 0 });
    expect([await day(0, "over-midnight"), await day(1, "over-midnight")]).toEqual([1, 2]);

    // Thursday's one session is another's: the session's Thursday totals ($3, then $5) are
    // refused. Friday's total ($6) is let in, and its increment is counted from the last total
    // stored (Wednesday's $1): Thursday's $4 lands on Friday, counted once, never twice. (A delta
    // export's refused points are lost instead: nothing carries them.)
    await send("refused", 1, h(2, 23.5));
    await send("thursday", 0.1, h(3, 0.1));
    expect(await send("refused", 3, h(3, 1))).toMatchObject({ stored: 0, refused: 1 });
    expect(await send("refused", 5, h(3, 12))).toMatchObject({ stored: 0, refused: 1 });
    expect(await send("refused", 6, h(4, 1))).toMatchObject({ stored: 1, refused: 0 });
    expect([await day(2, "refused"), await day(3, "refused"), await day(4, "refused")]).toEqual([1, 0, 5]);
  });
});
