// The dashboard's facts on both dialects: sessions found by their token's hash until they expire,
// ended by sign-out; a lead's verdict on a change, replaced, listed and withdrawn, per installation.
import { type SQL, sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { eachDialect } from "../helpers/stores.js";

eachDialect("store: dashboard", ({ newStore }) => {
  it("keeps a session until it expires or is deleted", async () => {
    const store = await newStore();
    const d = store.dashboard;
    const session = {
      tokenHash: "a".repeat(64),
      userId: 583231,
      login: "octocat",
      installationIds: [1, 20_000_000_001],
      repositoryIds: { 1: [10, 11], 20000000001: [] },
      csrf: "c".repeat(43),
      createdAt: 1_000,
      expiresAt: 9_000,
    };
    await d.createSession(session);
    await d.createSession({ ...session, tokenHash: "b".repeat(64), expiresAt: 5_000 });
    expect(await d.getSession("a".repeat(64), 8_999)).toEqual(session);
    expect(await d.getSession("a".repeat(64), 9_000)).toBeNull();
    expect(await d.getSession("z".repeat(64), 1_000)).toBeNull();
    expect(await d.deleteExpiredSessions(6_000)).toBe(1);
    await d.deleteSession("a".repeat(64));
    expect(await d.getSession("a".repeat(64), 1_000)).toBeNull();
  });

  it("does not take a session of an earlier version, which did not record the user's repositories", async () => {
    const store = await newStore();
    // As an earlier version wrote it: the installation ids alone.
    const driver = (store.dashboard as unknown as { driver: { rows(q: SQL): Promise<unknown[]> } }).driver;
    await driver.rows(sql`
      INSERT INTO dashboard_sessions (token_hash, user_id, login, installations, csrf, created_at, expires_at)
      VALUES (${"e".repeat(64)}, 583231, 'octocat', '[1]', ${"c".repeat(43)}, 1000, 9000)
      RETURNING token_hash`);
    expect(await store.dashboard.getSession("e".repeat(64), 2_000)).toBeNull();
  });

  it("records a verdict per change and installation, replaces it, withdraws it", async () => {
    const store = await newStore();
    const d = store.dashboard;
    const mark = {
      installationId: 1,
      changeId: 10,
      verdict: "wrong" as const,
      reason: "a human wrote it",
      markedBy: 7,
      markedAt: 100,
    };
    await d.markAttribution(mark);
    await d.markAttribution({ ...mark, installationId: 2 });
    await d.markAttribution({ ...mark, reason: "the trailer was pasted", markedAt: 200 });
    expect(await d.listMarks(1, [10, 11])).toEqual([{ ...mark, reason: "the trailer was pasted", markedAt: 200 }]);
    expect(await d.listMarks(1, [])).toEqual([]);
    await d.unmarkAttribution(1, 10);
    expect(await d.listMarks(1, [10])).toEqual([]);
    expect(await d.listMarks(2, [10])).toHaveLength(1);
  });
});
