import { expect, it } from "vitest";
import type { ChangeInputRecord, CommitRecord } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

const commit = (sha: string, ai: boolean): CommitRecord => ({
  sha,
  authorName: "Mona",
  authorEmail: "mona@example.com",
  authorLogin: "mona",
  authoredAt: T0,
  subject: `commit ${sha}`,
  message: `commit ${sha}\n`,
  ai,
  agents: ai ? ["claude-code"] : [],
  models: ai ? ["claude-opus-4.5"] : [],
  sessions: [],
  evidence: ai
    ? [{ agent: "claude-code", marker: "claude-code/co-author", source: "trailer", commit: sha, text: "x" }]
    : [],
});

const change = (over: Partial<ChangeInputRecord> = {}): ChangeInputRecord => ({
  installationId: 1,
  repositoryId: 10,
  number: 7,
  title: "Add search",
  authorLogin: "mona",
  authorType: "User",
  botChange: false,
  headRef: "feature/search",
  headSha: "b".repeat(40),
  baseRef: "main",
  state: "open",
  openedAt: T0,
  mergedAt: null,
  mergeCommitSha: null,
  ai: true,
  aiEvidence: "explicit",
  agents: ["claude-code"],
  models: ["claude-opus-4.5"],
  sessions: [{ agent: "claude-code", id: "session_1", url: "https://claude.ai/code/session_1" }],
  evidence: [{ agent: "claude-code", marker: "claude-code/co-author", source: "trailer", text: "x" }],
  commitsTotal: 2,
  commitsAi: 1,
  attributedSha: "b".repeat(40),
  ...over,
});

eachDialect("store: changes and commits", ({ newStore }) => {
  it("records a change with its commits in order, and replaces them when the PR is updated", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
    const id = await store.changes.recordChange(change(), [commit("a1", false), commit("a2", true)], T0);

    const saved = await store.changes.getChange(1, 10, 7);
    expect(saved).toMatchObject({ id, ...change(), updatedAt: T0 });
    expect((await store.changes.listChangeCommits(id)).map((c) => [c.sha, c.ai, c.agents])).toEqual([
      ["a1", false, []],
      ["a2", true, ["claude-code"]],
    ]);

    // Force-pushed: a2 dropped, a3 added; the same change row is updated.
    const again = await store.changes.recordChange(
      change({ headSha: "c".repeat(40), commitsTotal: 2, attributedSha: "c".repeat(40) }),
      [commit("a3", true), commit("a1", false)],
      T0 + 1,
    );
    expect(again).toBe(id);
    expect((await store.changes.listChangeCommits(id)).map((c) => c.sha)).toEqual(["a3", "a1"]);
    expect(await store.changes.getChange(1, 10, 7)).toMatchObject({ headSha: "c".repeat(40), updatedAt: T0 + 1 });
  });

  it("never unmerges a change when an older update is processed after the merge", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
    const id = await store.changes.recordChange(
      change({ state: "merged", mergedAt: T0 + 5, mergeCommitSha: "m".repeat(40) }),
      [commit("a1", true)],
      T0 + 5,
    );
    // Its attribution as the open pull request had it (no squash commit read): the merge's stands.
    const late = await store.changes.recordChange(
      change({ state: "open", ai: false, aiEvidence: null, agents: [], evidence: [], sessions: [] }),
      [commit("a1", false)],
      T0 + 6,
    );
    expect(late).toBe(id);
    expect(await store.changes.getChange(1, 10, 7)).toMatchObject({
      state: "merged",
      mergedAt: T0 + 5,
      mergeCommitSha: "m".repeat(40),
      ai: true,
      aiEvidence: "explicit",
      agents: ["claude-code"],
      updatedAt: T0 + 5,
    });
    expect((await store.changes.listChangeCommits(id)).map((c) => [c.sha, c.ai])).toEqual([["a1", true]]);
  });

  it("keeps the newest reading of a pull request whatever order its deliveries are processed in", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
    const reading = (at: number, over: Parameters<typeof change>[0] = {}) =>
      change({ pullUpdatedAt: T0 + at, ...over });
    // Opened (1), edited (2), closed without merging (3); the edit's delivery is retried after the close.
    const id = await store.changes.recordChange(reading(1, { title: "Add cache" }), [], T0 + 1);
    await store.changes.recordChange(reading(3, { title: "Add a cache", state: "closed" }), [], T0 + 3);
    expect(await store.changes.recordChange(reading(2, { title: "Add a cache" }), [], T0 + 4)).toBe(id);
    expect(await store.changes.getChange(1, 10, 7)).toMatchObject({
      title: "Add a cache",
      state: "closed",
      pullUpdatedAt: T0 + 3,
      updatedAt: T0 + 3,
    });
    // Reopened (4) and edited (5): an older edit (2) processed after them changes nothing either.
    await store.changes.recordChange(reading(5, { title: "Add an LRU cache" }), [], T0 + 5);
    await store.changes.recordChange(reading(2, { title: "Add a cache", state: "closed" }), [], T0 + 6);
    expect(await store.changes.getChange(1, 10, 7)).toMatchObject({ title: "Add an LRU cache", state: "open" });
    // A merge always lands, even read before a later edit was recorded; the newer time stays.
    await store.changes.recordChange(
      reading(4, { state: "merged", mergedAt: T0 + 4, mergeCommitSha: "m".repeat(40) }),
      [],
      T0 + 7,
    );
    expect(await store.changes.getChange(1, 10, 7)).toMatchObject({ state: "merged", pullUpdatedAt: T0 + 5 });
    // A reading without a time (a row from before it was kept, a re-attribution) is taken as before.
    await store.changes.recordChange(change({ state: "merged", title: "Add an LRU cache (#7)" }), [], T0 + 8);
    expect(await store.changes.getChange(1, 10, 7)).toMatchObject({
      title: "Add an LRU cache (#7)",
      pullUpdatedAt: T0 + 5,
    });
  });

  it("keeps each change's evidence strength, and classifies only AI-assisted rows that have none", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertInstallation({
      id: 2,
      accountLogin: "other",
      accountType: "Organization",
      now: T0,
    });
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
    await store.installations.upsertRepositories(2, [{ id: 20, fullName: "other/app", private: false }], T0);
    const hinted = await store.changes.recordChange(change({ number: 1, aiEvidence: "circumstantial" }), [], T0);
    const human = await store.changes.recordChange(
      change({ number: 2, ai: false, aiEvidence: null, agents: [], evidence: [] }),
      [],
      T0,
    );
    // Rows as an older version wrote them: AI-assisted, no strength (one in another installation).
    const old = await store.changes.recordChange(change({ number: 3, aiEvidence: null }), [], T0);
    const elsewhere = await store.changes.recordChange(
      change({ installationId: 2, repositoryId: 20, number: 3, aiEvidence: null }),
      [],
      T0,
    );
    expect((await store.changes.getChange(1, 10, 1))?.aiEvidence).toBe("circumstantial");
    expect(await store.changes.listUnclassifiedChanges(1, 10)).toEqual([{ id: old, evidence: change().evidence }]);
    expect((await store.changes.listUnclassifiedChanges(2, 10)).map((r) => r.id)).toEqual([elsewhere]);

    // A strength is only written where none is: a row recorded meanwhile keeps its own.
    await store.changes.recordEvidenceStrengths([
      { id: old, aiEvidence: "explicit" },
      { id: hinted, aiEvidence: "explicit" },
      { id: human, aiEvidence: "explicit" },
    ]);
    expect((await store.changes.getChange(1, 10, 3))?.aiEvidence).toBe("explicit");
    expect((await store.changes.getChange(1, 10, 1))?.aiEvidence).toBe("circumstantial");
    expect((await store.changes.getChange(1, 10, 2))?.aiEvidence).toBeNull();
    expect(await store.changes.listUnclassifiedChanges(1, 10)).toEqual([]);
    expect(await store.changes.listUnclassifiedChanges(2, 10)).toHaveLength(1);
  });

  it("keeps one installation's changes out of another's reach", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
    await store.changes.recordChange(change(), [], T0);
    expect(await store.changes.getChange(2, 10, 7)).toBeNull();
  });

  it("stores a 300-commit change", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: false }], T0);
    const many = Array.from({ length: 300 }, (_, i) => commit(`s${String(i).padStart(3, "0")}`, i % 3 === 0));
    const id = await store.changes.recordChange(change({ commitsTotal: 300, commitsAi: 100 }), many, T0);
    const listed = await store.changes.listChangeCommits(id);
    expect(listed).toHaveLength(300);
    expect(listed[299]?.sha).toBe("s299");
    expect(listed.filter((c) => c.ai)).toHaveLength(100);
  });
});
