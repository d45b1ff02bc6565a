// A pull request (webhook or REST object) and its commits, attributed and shaped for the ledger.
// Shared by the PR check, the merge handler and deployment linking (for pull requests the ledger
// did not know).

import { attributeChange } from "../attribution/attribute.js";
import { changeWithRecords, type RecordEvidence } from "../attribution/records.js";
import { changeEvidenceStrength } from "../attribution/strength.js";
import { splitMessage } from "../attribution/trailers.js";
import type { ChangeAttribution, PullCommit } from "../attribution/types.js";
import type { RepoConfig } from "../config/repo-config.js";
import type { ChangeInputRecord, CommitRecord } from "../model/ledger.js";

/** The parts of a pull request object (webhook or REST) that Shipledger needs. */
export interface PullRequestLike {
  number: number;
  title: string;
  body: string | null;
  state: string;
  merged?: boolean | null;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  merged_by?: { login: string } | null;
  created_at: string;
  updated_at?: string | null;
  user: { login: string; type?: string } | null;
  assignees?: Array<{ login: string }> | null;
  labels?: Array<{ name?: string } | string>;
  head: { ref: string; sha: string };
  base: { ref: string; sha?: string };
}

export interface AttributedPull {
  attribution: ChangeAttribution;
  /** Commit subjects by sha. */
  subjects: Map<string, string>;
  commits: CommitRecord[];
}

export function attributePull(
  pull: PullRequestLike,
  commits: readonly PullCommit[],
  config: RepoConfig,
  /** Agent records of the commits, by sha (src/github/agent-records.ts), joined to their attribution. */
  agentRecords?: ReadonlyMap<string, readonly RecordEvidence[]>,
): AttributedPull {
  const labels = (pull.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
  const fromMessages = attributeChange(
    {
      number: pull.number,
      title: pull.title,
      body: pull.body,
      author: { login: pull.user?.login ?? "ghost", type: pull.user?.type ?? "User" },
      headRef: pull.head.ref,
      labels,
    },
    commits,
    config,
  );
  const attribution = agentRecords
    ? changeWithRecords(fromMessages, agentRecords, config.attribution.disableMarkers)
    : fromMessages;
  const subjects = new Map(commits.map((c) => [c.sha, splitMessage(c.message).subject]));
  const byCommit = new Map(attribution.perCommit.map((c) => [c.sha, c]));
  const records = commits.map((c): CommitRecord => {
    const a = byCommit.get(c.sha);
    return {
      sha: c.sha,
      authorName: c.author.name,
      authorEmail: c.author.email,
      authorLogin: c.author.login ?? null,
      authoredAt: c.authoredAt,
      subject: subjects.get(c.sha) ?? "",
      message: c.message,
      ai: a?.ai ?? false,
      agents: a?.agents ?? [],
      models: a?.models ?? [],
      sessions: a?.sessions ?? [],
      evidence: a?.evidence ?? [],
    };
  });
  return { attribution, subjects, commits: records };
}

export const isMerged = (pull: PullRequestLike) => Boolean(pull.merged || pull.merged_at);

/** GitHub's updated_at of a reading of the pull request (ms), null when it carries none. */
export const readingTime = (pull: Pick<PullRequestLike, "updated_at">) =>
  pull.updated_at ? Date.parse(pull.updated_at) : null;

/**
 * A bot's own change (dependabot, renovate…), which the metric leaves out: made by a bot account
 * and not by an agent (an agent's work is AI-assisted, whichever account pushed it).
 */
export function isBotChange(author: { bot: boolean; agent: boolean }): boolean {
  return author.bot && !author.agent;
}

/** The ledger row of a pull request, as it stands in `pull`. */
export function changeFromPull(
  ids: { installationId: number; repositoryId: number },
  pull: PullRequestLike,
  attribution: ChangeAttribution,
  commits: readonly CommitRecord[],
): ChangeInputRecord {
  const merged = isMerged(pull);
  const times = commits.map((c) => c.authoredAt).filter((t): t is number => t !== null);
  return {
    firstCommitAt: times.length > 0 ? Math.min(...times) : null,
    ...ids,
    number: pull.number,
    kind: "pull_request",
    title: pull.title,
    authorLogin: pull.user?.login ?? "ghost",
    authorType: pull.user?.type ?? "User",
    botChange: isBotChange({ bot: attribution.authorIsBot, agent: attribution.authorIsAgent }),
    headRef: pull.head.ref,
    headSha: pull.head.sha,
    baseRef: pull.base.ref,
    state: merged ? "merged" : pull.state === "closed" ? "closed" : "open",
    openedAt: Date.parse(pull.created_at),
    pullUpdatedAt: readingTime(pull),
    mergedAt: pull.merged_at ? Date.parse(pull.merged_at) : null,
    mergeCommitSha: merged ? (pull.merge_commit_sha ?? null) : null,
    mergedBy: merged ? (pull.merged_by?.login ?? null) : null,
    ai: attribution.ai,
    aiEvidence: changeEvidenceStrength(attribution.ai, attribution.evidence),
    agents: attribution.agents,
    models: attribution.models,
    sessions: attribution.sessions,
    evidence: attribution.evidence,
    commitsTotal: attribution.commits.total,
    commitsAi: attribution.commits.ai,
    attributedSha: pull.head.sha,
  };
}

/** Commits as the ledger kept them, back in the shape the engine reads. */
export function commitsFromLedger(records: readonly CommitRecord[]): PullCommit[] {
  return records.map((r) => ({
    sha: r.sha,
    message: r.message,
    author: { name: r.authorName, email: r.authorEmail, login: r.authorLogin },
    authoredAt: r.authoredAt,
  }));
}
