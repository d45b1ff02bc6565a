// The spend store on both dialects: a point is stored once however often it is sent, cumulative
// series are differenced when read (out of order, across the period's start, across a restart),
// changes index the sessions they name, and ingest tokens keep no secret.

import { expect, it } from "vitest";
import type { UsagePointRecord } from "../../src/model/spend.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const MONDAY = Date.UTC(2026, 10, 2); // 2026-11-02, a Monday
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`.padStart(20, "0");

function point(over: Partial<UsagePointRecord> & { at: number }): UsagePointRecord {
  return {
    installationId: 1,
    series: "s-cost",
    startNs: ns(over.at),
    timeNs: ns(over.at),
    agent: "claude-code",
    sessionId: "Sess-1",
    sessionKey: "sess-1",
    model: "claude-sonnet-4-5",
    measure: "costUsd",
    value: 1,
    temporality: "delta",
    source: "otlp",
    receivedAt: over.at,
    ...over,
  };
}

eachDialect("spend store", ({ newStore }) => {
  it("stores a resent point once", async () => {
    const store = await newStore();
    const points = [point({ at: MONDAY + DAY, value: 0.5 }), point({ at: MONDAY + 2 * DAY, value: 0.25 })];
    expect(await store.spend.recordUsagePoints(points)).toBe(2);
    expect(await store.spend.recordUsagePoints(points)).toBe(0);
    const rows = await store.spend.listUsage(1, { since: MONDAY, until: MONDAY + 7 * DAY });
    expect(rows).toEqual([
      expect.objectContaining({
        agent: "claude-code",
        sessionId: "Sess-1",
        week: "2026-11-02",
        costUsd: 0.75,
        costReported: true,
      }),
    ]);
  });

  it("differences cumulative points: out of order, from before the period, and across a restart", async () => {
    const store = await newStore();
    const start = MONDAY - DAY; // the series started the day before the period
    const cumulative = (at: number, value: number, from = start) =>
      point({ series: "s-cum", temporality: "cumulative", startNs: ns(from), at, value, measure: "input" });
    // Sent out of order: the later point first.
    await store.spend.recordUsagePoints([cumulative(MONDAY + 2 * DAY, 900)]);
    await store.spend.recordUsagePoints([cumulative(MONDAY - DAY / 2, 100), cumulative(MONDAY + DAY, 400)]);
    await store.spend.recordUsagePoints([cumulative(MONDAY + DAY, 400)]); // a retry
    // The agent restarted: a new start, counting from zero again.
    const restart = MONDAY + 3 * DAY;
    await store.spend.recordUsagePoints([
      cumulative(restart + 60_000, 50, restart),
      cumulative(restart + 120_000, 80, restart),
    ]);
    const rows = await store.spend.listUsage(1, { since: MONDAY, until: MONDAY + 7 * DAY });
    // In the period: 400−100 + 900−400 + 50 + 80−50 = 880 (the 100 before the period is not in it).
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input: 880, costReported: false, costUsd: 0 });
  });

  it("buckets usage by week and narrows it to sessions", async () => {
    const store = await newStore();
    await store.spend.recordUsagePoints([
      point({ at: MONDAY + DAY, value: 1 }),
      point({ at: MONDAY + 8 * DAY, value: 2 }),
      point({ series: "other", sessionId: "x", sessionKey: "x", at: MONDAY + DAY, value: 4 }),
    ]);
    const all = await store.spend.listUsage(1, { since: MONDAY, until: MONDAY + 14 * DAY });
    expect(all.map((r) => [r.sessionId, r.week, r.costUsd]).sort()).toEqual([
      ["Sess-1", "2026-11-02", 1],
      ["Sess-1", "2026-11-09", 2],
      ["x", "2026-11-02", 4],
    ]);
    const one = await store.spend.listUsage(1, { since: MONDAY, until: MONDAY + 14 * DAY }, ["x"]);
    expect(one.map((r) => r.costUsd)).toEqual([4]);
    expect(await store.spend.listUsage(2, { since: MONDAY, until: MONDAY + 14 * DAY })).toEqual([]);
    expect(await store.spend.sessionsOnDay(1, MONDAY + DAY)).toEqual(new Set(["sess-1", "x"]));
    // The session bound's reads: which of some sessions the day has, and how many it has.
    expect(await store.spend.knownSessionsOnDay(1, MONDAY + DAY, ["x", "y", "sess-1"])).toEqual(
      new Set(["sess-1", "x"]),
    );
    expect(await store.spend.knownSessionsOnDay(1, MONDAY + 2 * DAY, ["x", "sess-1"])).toEqual(new Set());
    expect(await store.spend.knownSessionsOnDay(2, MONDAY + DAY, ["x"])).toEqual(new Set());
    expect(await store.spend.countSessionsOnDay(1, MONDAY + DAY)).toBe(2);
    expect(await store.spend.countSessionsOnDay(1, MONDAY + 8 * DAY)).toBe(1);
    expect(await store.spend.countSessionsOnDay(1, MONDAY + 9 * DAY)).toBe(0);
  });

  it("indexes the sessions changes name, and gives their fates' facts", async () => {
    const store = await newStore();
    await seedRepository(store, 1, "acme", 10, "shop", MONDAY);
    const shipped = await seedChange(store, 1, 10, {
      number: 1,
      engineer: "ana",
      ai: true,
      mergedAt: MONDAY + DAY,
      sessions: ["7D8E5A6C-1B2C-4D3E-8F9A-0B1C2D3E4F50"],
    });
    await seedChange(store, 1, 10, {
      number: 2,
      engineer: "ben",
      ai: true,
      mergedAt: MONDAY + DAY,
      sessions: ["session_01Hq", "7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50"],
      state: "closed",
    });
    await seedDeployment(store, 1, 10, "1", MONDAY + 2 * DAY, [shipped]);
    const facts = await store.spend.listSessionChanges(1, ["7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50", "session_01hq"]);
    expect(facts.map((f) => [f.sessionKey, f.state, f.shippedAt !== null]).sort()).toEqual([
      ["7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50", "closed", false],
      ["7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50", "merged", true],
      ["session_01hq", "closed", false],
    ]);
    expect(await store.spend.listSessionChanges(2, ["session_01hq"])).toEqual([]);
    // A change recorded again names what it names now.
    await seedChange(store, 1, 10, {
      number: 2,
      engineer: "ben",
      ai: false,
      mergedAt: MONDAY + DAY,
      sessions: [],
      state: "closed",
    });
    expect(await store.spend.listSessionChanges(1, ["session_01hq"])).toEqual([]);
  });

  it("a repository that moves to another installation takes the sessions its changes name with it", async () => {
    const store = await newStore();
    await seedRepository(store, 1, "acme", 10, "shop", MONDAY);
    await seedChange(store, 1, 10, { number: 1, engineer: "ana", ai: true, mergedAt: MONDAY + DAY, sessions: ["s-1"] });
    // Transferred to globex, which has the app (or acme installed it again: a new installation id).
    await seedRepository(store, 2, "globex", 10, "shop", MONDAY + 3 * DAY);
    expect((await store.spend.listSessionChanges(2, ["s-1"])).map((f) => f.repositoryId)).toEqual([10]);
    // acme's spend no longer reads the fate of globex's change.
    expect(await store.spend.listSessionChanges(1, ["s-1"])).toEqual([]);
  });

  it("keeps ingest tokens by hash, lists them without it, revokes once", async () => {
    const store = await newStore();
    const id = await store.spend.createIngestToken({
      installationId: 1,
      name: "laptops",
      tokenHash: "h1",
      createdAt: MONDAY,
    });
    expect(await store.spend.findIngestToken("h1")).toMatchObject({ id, installationId: 1, revokedAt: null });
    expect(await store.spend.findIngestToken("h2")).toBeNull();
    const listed = await store.spend.listIngestTokens(1);
    expect(listed).toEqual([
      { id, installationId: 1, name: "laptops", createdAt: MONDAY, lastUsedAt: null, revokedAt: null },
    ]);
    expect(await store.spend.revokeIngestToken(2, id, MONDAY)).toBe(false); // not another installation's
    expect(await store.spend.revokeIngestToken(1, id, MONDAY + 1)).toBe(true);
    expect(await store.spend.revokeIngestToken(1, id, MONDAY + 2)).toBe(false);
    expect(await store.spend.findIngestToken("h1")).toMatchObject({ revokedAt: MONDAY + 1 });
  });
});
