// A squash-merged pull request's squash commit, read beside the pull request's own commits. Pure.
//
// GitHub's squash commit repeats what the pull request's commits said (their sections, their
// co-authors in its closing block), and may say more: a `Co-authored-by:` the merger added in the
// merge dialog, or the whole story when the pull request's own commits are gone (a head branch
// force-pushed to nothing or deleted: GitHub then lists no commits, or answers 404). What it says
// that the commits (or the pull request) already said is the same evidence, counted once.

import { summarise } from "./records.js";
import type { ChangeAttribution, CommitAttribution, Evidence } from "./types.js";

/**
 * The same evidence wherever it was read: the same marker, text and session. Text is compared
 * without case: GitHub's closing block writes `Co-authored-by:` for a commit's `Co-Authored-By:`.
 */
const sameEvidence = (a: Evidence, b: Evidence) =>
  a.marker === b.marker && a.session?.id === b.session?.id && a.text.toLowerCase() === b.text.toLowerCase();

/**
 * `change` with what its squash commit (attributed on its own, `attributeCommit`) adds: its
 * evidence that the change does not have already, and why the rest of it was not counted. The
 * change's commits are its own: the squash commit is evidence, not one more commit.
 */
export function withSquashCommit(change: ChangeAttribution, squash: CommitAttribution): ChangeAttribution {
  if (squash.authorIgnored) return change;
  const added = squash.evidence.filter((e) => !change.evidence.some((known) => sameEvidence(known, e)));
  const ignored = squash.ignored.filter(
    (i) =>
      !change.ignored.some((known) => known.marker === i.marker && known.text.toLowerCase() === i.text.toLowerCase()),
  );
  if (added.length === 0 && ignored.length === 0) return change;
  const evidence = [...change.evidence, ...added];
  const joined = summarise(evidence);
  return {
    ...change,
    ai: change.ai || added.length > 0,
    agents: joined.agents,
    models: joined.models,
    sessions: joined.sessions,
    evidence,
    ignored: [...change.ignored, ...ignored],
  };
}
