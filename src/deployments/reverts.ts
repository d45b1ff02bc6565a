// What a merged change reverts. Pure.
//
// Two conventions:
// - GitHub's "Revert" button opens a pull request titled `Revert "<title>"` whose body starts with
//   `Reverts owner/repo#N`, from a branch `revert-N-<branch>`.
// - `git revert` writes `This reverts commit <40-hex sha>.` (for a merge: `…<sha>, reversing
//   changes made to <parent>.`; the parent is not reverted).
// A revert of a revert re-applies the original: GitHub titles it `Revert "Revert "<title>""` with
// `Reverts owner/repo#M`, M being the first revert's PR, and git (2.43+) titles it
// `Reapply "<title>"`. Either way it reverts the revert, never the original; the metric follows
// the chain (the original counts again once its revert is itself reverted).

/** The reverting change: a merged pull request, or a direct push's commit (title = subject). */
export interface RevertCandidate {
  /** "owner/name" of the repository the change was merged in. */
  repository: string;
  /** The change's own PR number, which it can never revert. */
  number?: number;
  title: string;
  body: string | null;
  /** The PR's head branch, e.g. GitHub's "revert-12-feature". */
  headRef?: string | null;
  /** The change's commits; a sha lets reverts inside the change cancel out. */
  commits: readonly { sha?: string; message: string }[];
}

export interface Reverts {
  /** PRs of the same repository that this change reverts, ascending. */
  pullRequests: number[];
  /** Commits this change reverts (lower-case), excluding its own commits, in order found. */
  commits: string[];
  /**
   * The reverted PR's title by GitHub's `Revert "<title>"` (one level unwrapped) or git's
   * `Reapply "<title>"` (which reverts `Revert "<title>"`), for finding it by title when the body
   * lost its reference; null when the title follows neither.
   */
  revertedTitle: string | null;
}

/** Bodies and messages are scanned up to this many characters (GitHub caps bodies at 65,536). */
const MAX_TEXT = 65_536;

/**
 * `Reverts owner/repo#N`, `Reverts #N` or `Reverts https://github.com/owner/repo/pull/N` at the
 * start of a line.
 */
const REVERTS_LINE =
  /^[ \t]*Reverts[ \t]+(?:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)#|#|https:\/\/github\.com\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/pull\/)(\d{1,9})\b/gim;
const REVERTS_COMMIT = /This reverts commit ([0-9a-fA-F]{40})(?![0-9a-fA-F])/g;
const REVERT_BRANCH = /^revert-(\d{1,9})-/;

export function detectReverts(change: RevertCandidate): Reverts {
  const self = change.number;
  const repository = change.repository.toLowerCase();
  const numbers = new Set<number>();
  for (const match of clip(change.body ?? "").matchAll(REVERTS_LINE)) {
    const named = (match[1] ?? match[2])?.toLowerCase();
    if (named !== undefined && named !== repository) continue;
    numbers.add(Number(match[3]));
  }
  // The body may have been rewritten; GitHub's branch name still names the reverted PR.
  if (numbers.size === 0 && change.headRef) {
    const fromBranch = REVERT_BRANCH.exec(change.headRef);
    if (fromBranch?.[1] !== undefined) numbers.add(Number(fromBranch[1]));
  }
  if (self !== undefined) numbers.delete(self);

  return {
    pullRequests: [...numbers].filter((n) => n > 0).sort((a, b) => a - b),
    commits: revertedCommits(change),
    revertedTitle: revertedTitle(change.title),
  };
}

/**
 * Shas reverted by the change's commits (and body), minus its own commits. A commit of the change
 * that a later active commit of it reverts is cancelled, and so is what it reverted: "revert X"
 * then "revert the revert" in one PR reverts nothing. Commits are oldest first, and a commit can
 * only name an earlier one, so one pass from the newest decides each commit.
 */
function revertedCommits(change: RevertCandidate): string[] {
  const commits = change.commits.map((commit) => ({
    sha: commit.sha?.toLowerCase(),
    reverted: shasIn(commit.message),
  }));
  const own = new Set(commits.flatMap((commit) => (commit.sha === undefined ? [] : [commit.sha])));
  const decided = new Set<string>();
  const cancelled = new Set<string>();
  const activeReverts: string[][] = [];
  for (let i = commits.length - 1; i >= 0; i--) {
    const commit = commits[i];
    if (commit === undefined) continue;
    const active = commit.sha === undefined || !cancelled.has(commit.sha);
    if (commit.sha !== undefined) decided.add(commit.sha);
    if (!active) continue;
    for (const sha of commit.reverted) if (own.has(sha) && !decided.has(sha)) cancelled.add(sha);
    activeReverts.push(commit.reverted);
  }

  const found = new Set<string>();
  for (const reverted of activeReverts.reverse()) {
    for (const sha of reverted) if (!own.has(sha)) found.add(sha);
  }
  for (const sha of shasIn(change.body ?? "")) if (!own.has(sha)) found.add(sha);
  return [...found];
}

function shasIn(text: string): string[] {
  return Array.from(clip(text).matchAll(REVERTS_COMMIT), (match) => (match[1] ?? "").toLowerCase());
}

function revertedTitle(title: string): string | null {
  const trimmed = title.trim();
  if (!trimmed.endsWith('"')) return null;
  if (trimmed.startsWith('Revert "') && trimmed.length > 'Revert ""'.length) {
    return trimmed.slice('Revert "'.length, -1);
  }
  if (trimmed.startsWith('Reapply "') && trimmed.length > 'Reapply ""'.length) {
    return `Revert "${trimmed.slice('Reapply "'.length, -1)}"`;
  }
  return null;
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}
