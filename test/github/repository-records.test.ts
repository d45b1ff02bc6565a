// The backfill joins records to commits per repository, across its pull requests and pages. A
// commit two pull requests list (stacked ones, the lower squash-merged) gets the same records in
// both: its git-ai note once (it was joined twice, doubling its lines), and the Agent Trace record
// it claimed for the first pull request also for the second (a later page got none).
import { describe, expect, it } from "vitest";
import { TraceIndex } from "../../src/attribution/agent-trace.js";
import { attributePull } from "../../src/changes/from-pull.js";
import { defaults } from "../../src/config/repo-config.js";
import { type RepositoryRecordIndex, readPullsRecords } from "../../src/github/repository-records.js";
import { gitAiSessionsNote, specExampleRecord } from "../fixtures/records/examples.js";

const BASE = "0".repeat(40);
const X = "1".repeat(40);
const Y = "2".repeat(40);
const BLOB = "b".repeat(40);
const where = { owner: "acme", repo: "shop" };
const commit = (sha: string, parent: string) => ({
  sha,
  message: "Change\n",
  author: { name: "Mona", email: "mona@example.com" },
  authoredAt: Date.parse("2026-10-01T00:00:00Z"),
  committedAt: Date.parse("2026-10-01T00:00:00Z"),
  parents: [parent],
});
// Pull request A lists [X]; B, stacked on A, lists [X, Y].
const pullA = [commit(X, BASE)];
const pullB = [commit(X, BASE), commit(Y, X)];

/** A repository whose notes ref annotates X, and whose traces file has a record written at BASE before X. */
function repository(): { index: RepositoryRecordIndex; octokit: never; queries: () => number } {
  let queries = 0;
  const octokit = {
    graphql: async () => {
      queries++;
      return { repository: { b0: { oid: BLOB, text: gitAiSessionsNote(X), isTruncated: false } } };
    },
  } as never;
  const traces = TraceIndex.read(`${JSON.stringify(specExampleRecord(BASE, "2026-09-30T12:00:00Z"))}\n`).index;
  const index = {
    notes: new Map([["refs/notes/ai", new Map([[X, BLOB]])]]),
    traces,
    calls: 1,
    warnings: [],
    joined: new Map(),
  };
  return { index, octokit, queries: () => queries };
}

const sources = (records: Map<string, { source: string }[]>, sha: string) =>
  (records.get(sha) ?? []).map((r) => r.source).sort();

describe("backfill: a commit two pull requests list", () => {
  it("on one page: its note and its trace record once", async () => {
    const { index, octokit } = repository();
    const { records } = await readPullsRecords(octokit, where, index, [pullA, pullB]);
    expect(sources(records, X)).toEqual(["agent-trace", "git-ai"]);
    expect(records.has(Y)).toBe(false);
    // A's lines are what A alone gives.
    const alone = await readPullsRecords(octokit, where, repository().index, [pullA]);
    const pull = {
      number: 1,
      title: "A",
      body: null,
      user: { login: "mona", type: "User" },
      head: { ref: "a", sha: X },
      labels: [],
    } as never;
    expect(attributePull(pull, pullA, defaults, records).attribution.lines).toEqual(
      attributePull(pull, pullA, defaults, alone.records).attribution.lines,
    );
  });

  it("on a later page: the same records, its note not fetched again", async () => {
    const { index, octokit, queries } = repository();
    // Newest updated first, as backfill.ts reads pages: B, then A.
    const page1 = await readPullsRecords(octokit, where, index, [pullB]);
    const page2 = await readPullsRecords(octokit, where, index, [pullA]);
    expect(sources(page1.records, X)).toEqual(["agent-trace", "git-ai"]);
    expect(sources(page2.records, X)).toEqual(["agent-trace", "git-ai"]);
    expect(page2.records.get(X)).toEqual(page1.records.get(X));
    expect(queries()).toBe(1);
  });
});
