import { describe, expect, it } from "vitest";
import { inferMergeMethod, type MergeFacts } from "../../src/deployments/merge-method.js";
import type { PullMergeMethod as MergeMethod } from "../../src/deployments/types.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const MERGE = "e".repeat(40);

const twoCommits = [
  { sha: A, message: "Add the parser", authorDate: "2026-03-01T10:00:00Z" },
  { sha: B, message: "Test the parser\n\nCovers the edge cases.", authorDate: "2026-03-01T11:00:00Z" },
];

describe("inferMergeMethod", () => {
  it.each<[string, MergeFacts, MergeMethod, boolean]>([
    ["no merge_commit_sha", { mergeCommitSha: null, commits: twoCommits }, "unknown", false],
    [
      "merge_commit_sha is the PR's head: fast-forwarded, linked like a rebase by its own commits",
      { mergeCommitSha: B.toUpperCase(), commits: twoCommits },
      "rebase",
      true,
    ],
    [
      "two parents: a merge commit",
      { mergeCommitSha: MERGE, commits: twoCommits, mergeCommit: { parents: 2 } },
      "merge",
      true,
    ],
    ["an octopus merge", { mergeCommitSha: MERGE, commits: twoCommits, mergeCommit: { parents: 3 } }, "merge", true],
    [
      "GitHub's merge message without the parent count",
      {
        mergeCommitSha: MERGE,
        number: 7,
        commits: twoCommits,
        mergeCommit: { message: "Merge pull request #7 from octo/parser\n\nParser" },
      },
      "merge",
      false,
    ],
    [
      "one parent, GitHub's squash suffix (#N)",
      {
        mergeCommitSha: MERGE,
        number: 7,
        commits: twoCommits,
        mergeCommit: { parents: 1, message: "Parser (#7)\n\n* Add the parser\n\n* Test the parser" },
      },
      "squash",
      true,
    ],
    [
      "the squash suffix without the parent count",
      { mergeCommitSha: MERGE, number: 7, commits: twoCommits, mergeCommit: { message: "Parser (#7)" } },
      "squash",
      false,
    ],
    [
      "one parent, the last commit's author date kept: rebased",
      {
        mergeCommitSha: MERGE,
        number: 7,
        commits: twoCommits,
        mergeCommit: { parents: 1, authorDate: "2026-03-01T12:00:00+01:00" },
      },
      "rebase",
      true,
    ],
    [
      "one parent, the last commit's message kept: rebased",
      {
        mergeCommitSha: MERGE,
        number: 7,
        commits: twoCommits,
        mergeCommit: { parents: 1, message: "Test the parser\n\nCovers the edge cases.\n" },
      },
      "rebase",
      true,
    ],
    [
      "a last commit that already ends in (#N) is no squash signal",
      {
        mergeCommitSha: MERGE,
        number: 7,
        commits: [{ sha: A, message: "Fix (#7)" }],
        mergeCommit: { parents: 1, message: "Fix (#7)" },
      },
      "rebase",
      false,
    ],
    [
      "one commit, one parent: squash and rebase look alike (and link alike)",
      { mergeCommitSha: MERGE, commits: [{ sha: A }], mergeCommit: { parents: 1 } },
      "squash",
      false,
    ],
    [
      "several commits, one parent, nothing else known",
      { mergeCommitSha: MERGE, commits: twoCommits, mergeCommit: { parents: 1 } },
      "unknown",
      false,
    ],
    ["nothing known of the merge commit", { mergeCommitSha: MERGE, commits: twoCommits }, "unknown", false],
  ])("%s", (_name, facts, method, certain) => {
    const inferred = inferMergeMethod(facts);
    expect({ method: inferred.method, certain: inferred.certain }).toEqual({ method, certain });
    expect(inferred.reason).not.toBe("");
  });
});
