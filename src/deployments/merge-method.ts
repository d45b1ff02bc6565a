// How a pull request was merged, from what is cheaply known. Pure.
//
// GitHub's webhook says a PR was merged and gives merge_commit_sha, but not how. What can be told:
// - merge_commit_sha is one of the PR's own commits: the branch was fast-forwarded (merged
//   locally and pushed); its commits are on the base branch as they are. Linked like a rebase.
// - the merge commit has two or more parents: a merge commit ("Create a merge commit", or a
//   local `git merge --no-ff`). Without the parent count, GitHub's default message
//   "Merge pull request #N from …" says the same, less surely.
// - one parent: squash or rebase. A squash commit's default subject ends in " (#N)" and its
//   author date is the merge time; a rebased tip keeps the message and author date of the PR's
//   last commit. Without those facts the two cannot be told apart.
// - a one-commit PR merged by squash or by rebase gives one new commit either way, and both link
//   by merge_commit_sha: the answer is "squash", not certain, and it does not matter.
// What cannot be told: a squash whose message was edited to match the last commit, or a merge
// commit whose message was rewritten, without the parent count; which rebased commits on the base
// branch belong to the PR (the PR's commits keep their pre-rebase shas; the rebased copies are the
// PR's commit count of first-parent ancestors ending at merge_commit_sha, or GitHub's
// associatedPullRequests).

import type { PullMergeMethod } from "./types.js";

/** A commit of the pull request as the API lists it. */
export interface PullCommitFacts {
  sha: string;
  message?: string;
  /** Author date as the API gives it (ISO 8601). */
  authorDate?: string;
}

export interface MergeFacts {
  /** The PR's merge_commit_sha (null if GitHub gave none). */
  mergeCommitSha: string | null;
  /** The PR's commits, oldest first (pulls.listCommits). */
  commits: readonly PullCommitFacts[];
  /** The PR's number, to recognise GitHub's default squash and merge messages. */
  number?: number;
  /** What is known of the merge commit (one git/commits call, or a push payload's commit). */
  mergeCommit?: { parents?: number; message?: string; authorDate?: string };
}

export interface MergeMethodInference {
  method: PullMergeMethod;
  /** False when another method could have produced the same facts. */
  certain: boolean;
  /** One line for logs and the ledger: which fact decided. */
  reason: string;
}

export function inferMergeMethod(facts: MergeFacts): MergeMethodInference {
  const mergeSha = facts.mergeCommitSha?.toLowerCase() ?? null;
  if (mergeSha === null) return { method: "unknown", certain: false, reason: "no merge_commit_sha" };
  if (facts.commits.some((commit) => commit.sha.toLowerCase() === mergeSha)) {
    return {
      method: "rebase",
      certain: true,
      reason: "merge_commit_sha is one of the PR's commits: fast-forwarded, its commits are on the branch as they are",
    };
  }
  const parents = facts.mergeCommit?.parents;
  if (parents !== undefined && parents >= 2) {
    return { method: "merge", certain: true, reason: `the merge commit has ${parents} parents` };
  }

  const message = facts.mergeCommit?.message;
  const subject = message === undefined ? undefined : firstLine(message);
  if (parents === undefined && subject !== undefined && /^Merge pull request #\d+ from /.test(subject)) {
    return { method: "merge", certain: false, reason: "GitHub's merge commit message (parent count not known)" };
  }

  const last = facts.commits[facts.commits.length - 1];
  const squashTitle =
    subject !== undefined && facts.number !== undefined && subject.trimEnd().endsWith(`(#${facts.number})`);
  const lastSubject = last?.message === undefined ? undefined : firstLine(last.message);
  const squashSignal = squashTitle && !(lastSubject?.trimEnd().endsWith(`(#${facts.number})`) ?? false);
  const rebaseSignal =
    last !== undefined &&
    ((message !== undefined && last.message !== undefined && message.trim() === last.message.trim()) ||
      (facts.mergeCommit?.authorDate !== undefined &&
        last.authorDate !== undefined &&
        sameInstant(facts.mergeCommit.authorDate, last.authorDate)));
  const oneParent = parents === 1;

  if (squashSignal && !rebaseSignal) {
    return {
      method: "squash",
      certain: oneParent,
      reason: `the merge commit's subject ends in GitHub's squash suffix (#${facts.number})`,
    };
  }
  if (rebaseSignal && !squashSignal) {
    return {
      method: "rebase",
      certain: oneParent && facts.commits.length > 1,
      reason: "the merge commit keeps the message or author date of the PR's last commit",
    };
  }
  if (oneParent && facts.commits.length === 1) {
    return {
      method: "squash",
      certain: false,
      reason: "one commit, one parent: squash and rebase look alike and link alike (by merge_commit_sha)",
    };
  }
  if (oneParent) {
    return { method: "unknown", certain: false, reason: "one parent: squash or rebase, nothing tells which" };
  }
  return { method: "unknown", certain: false, reason: "the merge commit's parents are not known" };
}

function firstLine(message: string): string {
  const end = message.indexOf("\n");
  return end === -1 ? message : message.slice(0, end);
}

function sameInstant(a: string, b: string): boolean {
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isFinite(x) && x === y;
}
