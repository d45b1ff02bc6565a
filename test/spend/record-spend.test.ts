// The session bound under concurrency, on both dialects: requests that race on one installation-day,
// each bringing sessions the day does not have, cannot together name more sessions than the bound;
// what they acknowledge is stored, and what they refuse is not.

import { expect, it } from "vitest";
import { recordSpend } from "../../src/ledger/record-spend.js";
import type { UsageReading } from "../../src/spend/usage.js";
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
    const next = await recordSpend(store, 1, [reading("new-0-a", at + DAY)], at, limits);
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
    expect(await recordSpend(store, 1, readings, at, limits)).toMatchObject({
      stored: 702,
      duplicates: 0,
      refused: 1,
      reasons: ["more than 2 sessions on 2026-11-03: points of further sessions refused"],
    });
    // Resent: nothing new, the same refusal.
    expect(await recordSpend(store, 1, readings, at, limits)).toMatchObject({ stored: 0, duplicates: 702, refused: 1 });
    expect(await store.spend.countSessionsOnDay(1, MONDAY)).toBe(1);
    expect(await store.spend.countSessionsOnDay(1, MONDAY + DAY)).toBe(2);
  });
});
