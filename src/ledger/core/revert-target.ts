// What a revert names: a pull request, a commit, or (a hand-made `Revert "<title>"` that names
// neither) a title, which undoes the latest change of that title merged before the revert.

export type RevertTarget =
  | { kind: "pull"; number: number }
  | { kind: "commit"; sha: string }
  | { kind: "title"; title: string };

/** The targets a change's revert detection found (src/deployments/reverts.ts's Reverts). */
export function revertTargets(reverts: {
  pullRequests: number[];
  commits: string[];
  revertedTitle: string | null;
}): RevertTarget[] {
  const named: RevertTarget[] = [
    ...reverts.pullRequests.map((number) => ({ kind: "pull" as const, number })),
    ...reverts.commits.map((sha) => ({ kind: "commit" as const, sha })),
  ];
  // GitHub's own revert pull requests always name the pull request; a title is a last resort.
  if (named.length === 0 && reverts.revertedTitle !== null) named.push({ kind: "title", title: reverts.revertedTitle });
  return named;
}

/** The targets that would name `change`: its number, its merge commit, its own commits, its title. */
export function targetsNaming(change: {
  number: number | null;
  title: string;
  mergeCommitSha: string | null;
  commitShas: readonly string[];
}): RevertTarget[] {
  const targets: RevertTarget[] = [];
  if (change.number !== null) targets.push({ kind: "pull", number: change.number });
  if (change.mergeCommitSha) targets.push({ kind: "commit", sha: change.mergeCommitSha });
  for (const sha of change.commitShas) targets.push({ kind: "commit", sha });
  // Only a pull request has a title a revert can name (a direct push's title is its subject).
  if (change.number !== null && change.title !== "") targets.push({ kind: "title", title: change.title });
  return targets;
}

/** One string per target, for storage and for sets. */
export function targetKey(target: RevertTarget): string {
  switch (target.kind) {
    case "pull":
      return `pr:${target.number}`;
    case "commit":
      return `sha:${target.sha}`;
    case "title":
      return `title:${target.title}`;
  }
}

/** The inverse of targetKey; null for text that is not a target. */
export function parseTargetKey(key: string): RevertTarget | null {
  if (key.startsWith("pr:") && /^\d+$/.test(key.slice(3))) return { kind: "pull", number: Number(key.slice(3)) };
  if (key.startsWith("sha:") && key.length > 4) return { kind: "commit", sha: key.slice(4) };
  if (key.startsWith("title:")) return { kind: "title", title: key.slice(6) };
  return null;
}
