import { describe, expect, it } from "vitest";
import { detectReverts, type RevertCandidate, type Reverts } from "../../src/deployments/reverts.js";

const X = "1".repeat(40);
const Y = "2".repeat(40);
const OWN_REVERT = "3".repeat(40);
const OWN_REAPPLY = "4".repeat(40);

function candidate(overrides: Partial<RevertCandidate> = {}): RevertCandidate {
  return { repository: "octo-org/octo-repo", number: 30, title: "Fix", body: null, commits: [], ...overrides };
}

const none: Reverts = { pullRequests: [], commits: [], revertedTitle: null };

describe("detectReverts", () => {
  it.each<[string, Partial<RevertCandidate>, Reverts]>([
    ["an ordinary change", { title: "Add caching", body: "Makes it faster." }, none],
    [
      "GitHub's revert pull request",
      {
        title: 'Revert "Add caching"',
        body: "Reverts octo-org/octo-repo#12",
        headRef: "revert-12-caching",
        commits: [{ sha: OWN_REVERT, message: `Revert "Add caching"\n\nThis reverts commit ${X}.` }],
      },
      { pullRequests: [12], commits: [X], revertedTitle: "Add caching" },
    ],
    [
      "a revert of the revert re-applies: it reverts the revert PR (#20), not the original",
      {
        title: 'Revert "Revert "Add caching""',
        body: "Reverts octo-org/octo-repo#20",
        headRef: "revert-20-revert-12-caching",
        commits: [{ sha: OWN_REAPPLY, message: `Revert "Revert "Add caching""\n\nThis reverts commit ${OWN_REVERT}.` }],
      },
      { pullRequests: [20], commits: [OWN_REVERT], revertedTitle: 'Revert "Add caching"' },
    ],
    [
      "git's Reapply title reverts the revert",
      { title: 'Reapply "Add caching"', commits: [{ message: `Reapply "Add caching"\n\nThis reverts commit ${Y}.` }] },
      { pullRequests: [], commits: [Y], revertedTitle: 'Revert "Add caching"' },
    ],
    [
      "a reference written with the repository in another case, or short, or as a link",
      { body: "Reverts Octo-Org/Octo-Repo#12\nReverts #13\n  reverts https://github.com/octo-org/octo-repo/pull/14" },
      { pullRequests: [12, 13, 14], commits: [], revertedTitle: null },
    ],
    [
      "another repository's pull request is not this repository's change",
      { body: "Reverts other-org/other-repo#12" },
      none,
    ],
    ["a reference inside a sentence is not GitHub's convention", { body: "This partly reverts #12 and more." }, none],
    ["never itself", { number: 12, body: "Reverts octo-org/octo-repo#12" }, none],
    [
      "the body rewritten: GitHub's branch name still names the reverted PR",
      { title: 'Revert "Add caching"', body: "Caching broke the login page.", headRef: "revert-12-caching" },
      { pullRequests: [12], commits: [], revertedTitle: "Add caching" },
    ],
    [
      "git revert of a merge: the 'changes made to' parent is not reverted",
      {
        commits: [
          { message: `Revert "Merge branch 'x'"\n\nThis reverts commit ${X}, reversing\nchanges made to ${Y}.` },
        ],
      },
      { pullRequests: [], commits: [X], revertedTitle: null },
    ],
    [
      "upper-case hex is normalised; an abbreviated sha is not a reference",
      { commits: [{ message: `This reverts commit ${"A".repeat(40)}.\nThis reverts commit abc1234.` }] },
      { pullRequests: [], commits: ["a".repeat(40)], revertedTitle: null },
    ],
    [
      "a squash commit listing several reverts",
      {
        commits: [
          {
            message: `Undo two (#31)\n\n* Revert x\n\nThis reverts commit ${X}.\n\n* Revert y\n\nThis reverts commit ${Y}.`,
          },
        ],
      },
      { pullRequests: [], commits: [X, Y], revertedTitle: null },
    ],
    [
      "a revert and its revert inside one PR cancel out",
      {
        commits: [
          { sha: OWN_REVERT, message: `Revert x\n\nThis reverts commit ${X}.` },
          { sha: OWN_REAPPLY, message: `Revert "Revert x"\n\nThis reverts commit ${OWN_REVERT}.` },
        ],
      },
      none,
    ],
    [
      "reverting a revert that reverted a revert inside one PR: the first revert stands",
      {
        commits: [
          { sha: OWN_REVERT, message: `This reverts commit ${X}.` },
          { sha: OWN_REAPPLY, message: `This reverts commit ${OWN_REVERT}.` },
          { sha: "5".repeat(40), message: `This reverts commit ${OWN_REAPPLY}.` },
        ],
      },
      { pullRequests: [], commits: [X], revertedTitle: null },
    ],
    [
      "a revert of the PR's own commit is never a reference outside it",
      {
        commits: [
          { sha: OWN_REVERT, message: "WIP" },
          { sha: OWN_REAPPLY, message: `This reverts commit ${OWN_REVERT}.` },
        ],
      },
      none,
    ],
    [
      "a sha named in the PR body counts",
      { body: `This reverts commit ${Y}.` },
      { pullRequests: [], commits: [Y], revertedTitle: null },
    ],
    ['a title that only looks like it ("Revert" without quotes)', { title: "Revert the cache change" }, none],
  ])("%s", (_name, overrides, expected) => {
    expect(detectReverts(candidate(overrides))).toEqual(expected);
  });

  it("stays linear on a hostile PR: thousands of commits each reverting the previous", () => {
    const shas = Array.from({ length: 5000 }, (_, i) => i.toString(16).padStart(40, "0"));
    const commits = shas.map((sha, i) => ({
      sha,
      message: i === 0 ? `This reverts commit ${X}.` : `This reverts commit ${shas[i - 1]}.`,
    }));
    // 5000 alternating reverts: the last is active, so the one before is cancelled, and so on;
    // the first commit (reverting X) is cancelled by the second, which is active.
    expect(detectReverts(candidate({ commits })).commits).toEqual([]);
    expect(detectReverts(candidate({ commits: commits.slice(0, 4999) })).commits).toEqual([X]);
  });
});
