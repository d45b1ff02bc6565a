// Recording merged changes: a pull request merged (from its webhook, or found while linking a
// deployment), or a commit pushed straight to a branch.

import type { ProbotOctokit } from "probot";
import { isBot } from "../attribution/agents.js";
import { attributeCommit } from "../attribution/attribute.js";
import type { RecordEvidence, RecordSource } from "../attribution/records.js";
import { squashTitleAndClosing } from "../attribution/squash.js";
import { withSquashCommit } from "../attribution/squash-commit.js";
import { changeEvidenceStrength } from "../attribution/strength.js";
import { splitMessage } from "../attribution/trailers.js";
import type { Evidence } from "../attribution/types.js";
import {
  attributePull,
  changeFromPull,
  commitsFromLedger,
  isBotChange,
  type PullRequestLike,
} from "../changes/from-pull.js";
import type { RepoConfig } from "../config/repo-config.js";
import { inferMergeMethod } from "../deployments/merge-method.js";
import { detectReverts } from "../deployments/reverts.js";
import { isDeployableBranch } from "../deployments/sources.js";
import type { RangeCommit } from "../github/compare.js";
import type { MergedPull } from "../github/merged-pulls.js";
import { listPullCommits, type PullCommit } from "../github/pull-commits.js";
import { creditEngineer, creditPushedCommit } from "../metrics/credit.js";
import type { CommitRecord, Store } from "../store/types.js";
import { revertTargets } from "./core/revert-target.js";
import { recordChange } from "./record-change.js";

export interface RepositoryScope {
  installationId: number;
  repositoryId: number;
  owner: string;
  repo: string;
  fullName: string;
  defaultBranch: string;
}

export interface ChangeContext {
  octokit: ProbotOctokit;
  store: Store;
  now: () => number;
  scope: RepositoryScope;
  config: RepoConfig;
}

/**
 * What a caller has already read of a pull request (a backfill's GraphQL page, src/github/merged-pulls.ts),
 * so that recording it reads nothing more from GitHub.
 */
export interface PrefetchedPull {
  /** Its commits, oldest first, as listPullCommits gives them. */
  commits: PullCommit[];
  /** Its merge commit (null when GitHub gives none). */
  mergeCommit: MergedPull["mergeCommit"];
  /** The files it touched; without them they are read as usual. */
  files?: { paths: string[]; complete: boolean };
  /** Agent records of its commits, by sha (a backfill reads them per repository: repository-records.ts). */
  agentRecords?: ReadonlyMap<string, readonly RecordEvidence[]>;
}

/**
 * Records a merged pull request with its final attribution, merge method, deployability and what
 * it reverts. The commits are read again only when the ledger's copy is stale (another head);
 * what `prefetched` brings is not read at all.
 */
export async function recordMergedPull(
  cc: ChangeContext,
  pull: PullRequestLike,
  prefetched?: PrefetchedPull,
): Promise<number> {
  const { store, scope } = cc;
  const known = await store.changes.getChange(scope.installationId, scope.repositoryId, pull.number);
  let commits: PullCommit[];
  // What the PR check read of git-ai notes and Agent Trace records stays with the change: the
  // ledger's copy of its commits carries that evidence, and the merge is not a second read.
  let agentRecords: ReadonlyMap<string, readonly RecordEvidence[]> | undefined;
  if (known && known.attributedSha === pull.head.sha) {
    const ledgerCommits = await store.changes.listChangeCommits(known.id);
    commits = commitsFromLedger(ledgerCommits);
    agentRecords = recordsFromLedger(ledgerCommits);
  } else if (prefetched) {
    commits = prefetched.commits;
  } else {
    commits = await readPullCommits(cc, pull.number);
  }
  const fromCommits = attributePull(pull, commits, cc.config, agentRecords ?? prefetched?.agentRecords);
  const records = fromCommits.commits;
  // One read of the merge commit tells merge commits (two parents) from squash and rebase.
  let mergeCommit: { parents: number; message: string; authorDate?: string } | undefined;
  const mergeSha = pull.merge_commit_sha ?? null;
  if (mergeSha && !commits.some((c) => c.sha === mergeSha)) {
    // A prefetched merge commit is another's only when the caller mixed sources: then it is read.
    const given = prefetched?.mergeCommit;
    if (given && given.sha === mergeSha) {
      mergeCommit = {
        parents: given.parents.length,
        message: given.message,
        ...(given.authorDate === null ? {} : { authorDate: given.authorDate }),
      };
    } else {
      const { data } = await cc.octokit.rest.git.getCommit({
        owner: scope.owner,
        repo: scope.repo,
        commit_sha: mergeSha,
      });
      mergeCommit = { parents: data.parents.length, message: data.message, authorDate: data.author.date };
    }
  }
  const inferred = inferMergeMethod({
    mergeCommitSha: mergeSha,
    commits: commits.map((c) => ({
      sha: c.sha,
      message: c.message,
      ...(c.authoredAt === null ? {} : { authorDate: new Date(c.authoredAt).toISOString() }),
    })),
    number: pull.number,
    ...(mergeCommit ? { mergeCommit } : {}),
  });
  // A squash commit may say what the pull request's commits did not (a co-author added in the merge
  // dialog), or all there is when they are gone. Its message only: its author is GitHub's choice
  // (the pull request's author, read already) and its committer GitHub; backfill reads no more.
  // Its sections are the commits' own messages: read from the commits when GitHub still lists them.
  const squashMessage =
    mergeCommit && commits.length > 0 ? squashTitleAndClosing(mergeCommit.message) : mergeCommit?.message;
  const attribution =
    mergeSha && squashMessage !== undefined && inferred.method === "squash"
      ? withSquashCommit(
          fromCommits.attribution,
          attributeCommit({ sha: mergeSha, message: squashMessage, author: { name: "", email: "" } }, cc.config),
        )
      : fromCommits.attribution;
  const change = changeFromPull(
    { installationId: scope.installationId, repositoryId: scope.repositoryId },
    pull,
    attribution,
    records,
  );
  const files = prefetched?.files ?? (await listPullFiles(cc, pull.number));
  const reverts = detectReverts({
    repository: scope.fullName,
    number: pull.number,
    title: pull.title,
    body: pull.body,
    headRef: pull.head.ref,
    commits: commits.map((c) => ({ sha: c.sha, message: c.message })),
  });
  return recordChange(
    store,
    {
      ...change,
      mergeMethod: inferred.method,
      deployable: isDeployableBranch(pull.base.ref, cc.config.deployments, scope.defaultBranch),
      paths: files.paths,
      pathsComplete: files.complete,
      engineer: creditEngineer({
        author: pull.user,
        assignees: (pull.assignees ?? []).map((a) => a.login),
        body: pull.body,
        commits,
        mergedBy: pull.merged_by?.login ?? null,
      }),
    },
    records,
    revertTargets(reverts),
    cc.now(),
  );
}

/**
 * A merged pull request's commits. GitHub answers 404 (or an empty list) for some pull requests
 * whose head branch was force-pushed or deleted after the merge: they are recorded without
 * commits, attributed from what else there is (the pull request, its squash commit).
 */
async function readPullCommits(cc: ChangeContext, number: number): Promise<PullCommit[]> {
  try {
    return (await listPullCommits(cc.octokit, { owner: cc.scope.owner, repo: cc.scope.repo, number })).commits;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return [];
    throw error;
  }
}

/** Pages of files read per merged pull request (100 a page): enough to tell docs-only changes. */
const MAX_FILE_PAGES = 3;

/** The files a pull request touched, for `metric.ignorePaths` (capped; `complete` says whether all). */
async function listPullFiles(cc: ChangeContext, number: number): Promise<{ paths: string[]; complete: boolean }> {
  const paths: string[] = [];
  for (let page = 1; page <= MAX_FILE_PAGES; page++) {
    const { data } = await cc.octokit.rest.pulls.listFiles({
      owner: cc.scope.owner,
      repo: cc.scope.repo,
      pull_number: number,
      per_page: 100,
      page,
    });
    paths.push(...data.map((f) => f.filename));
    if (data.length < 100) return { paths, complete: true };
  }
  return { paths, complete: false };
}

/** A commit that reached a deployable branch without a pull request: a change of its own. */
export async function recordPushedCommit(cc: ChangeContext, commit: RangeCommit, branch: string): Promise<number> {
  const { store, scope } = cc;
  const attribution = attributeCommit({ sha: commit.sha, message: commit.message, author: commit.author }, cc.config);
  const subject = splitMessage(commit.message).subject;
  const login = commit.author.login;
  const at = commit.authoredAt ?? cc.now();
  const reverts = detectReverts({
    repository: scope.fullName,
    title: subject,
    body: commit.message,
    commits: [{ sha: commit.sha, message: commit.message }],
  });
  return recordChange(
    store,
    {
      installationId: scope.installationId,
      repositoryId: scope.repositoryId,
      number: null,
      kind: "push",
      title: subject || commit.sha.slice(0, 7),
      authorLogin: login ?? commit.author.email,
      authorType: login && isBot(login) ? "Bot" : "User",
      botChange: isBotChange({ bot: Boolean(login && isBot(login)), agent: attribution.ai }),
      headRef: branch,
      headSha: commit.sha,
      baseRef: branch,
      state: "merged",
      openedAt: at,
      mergedAt: at,
      mergeCommitSha: commit.sha,
      mergedBy: login,
      mergeMethod: "direct",
      deployable: true,
      ai: attribution.ai,
      aiEvidence: changeEvidenceStrength(attribution.ai, attribution.evidence),
      agents: attribution.agents,
      models: attribution.models,
      sessions: attribution.sessions,
      evidence: attribution.evidence,
      commitsTotal: 1,
      commitsAi: attribution.ai ? 1 : 0,
      firstCommitAt: commit.authoredAt,
      engineer: creditPushedCommit(login),
      attributedSha: commit.sha,
    },
    [
      {
        sha: commit.sha,
        authorName: commit.author.name,
        authorEmail: commit.author.email,
        authorLogin: login,
        authoredAt: commit.authoredAt,
        subject,
        message: commit.message,
        ai: attribution.ai,
        agents: attribution.agents,
        models: attribution.models,
        sessions: attribution.sessions,
        evidence: attribution.evidence,
      },
    ],
    revertTargets(reverts),
    cc.now(),
  );
}

/** The agent records (git-ai notes, Agent Trace) a change's commits carried when they were recorded. */
function recordsFromLedger(commits: readonly CommitRecord[]): Map<string, RecordEvidence[]> | undefined {
  const bySha = new Map<string, RecordEvidence[]>();
  for (const commit of commits) {
    for (const source of RECORD_SOURCES) {
      // The ledger keeps evidence as the engine wrote it (model records hold it as plain data).
      const evidence = (commit.evidence as Evidence[]).filter((e) => e.source === source);
      if (evidence.length === 0) continue;
      const list = bySha.get(commit.sha) ?? [];
      list.push({ source, commit: commit.sha, ai: true, evidence, lines: null });
      bySha.set(commit.sha, list);
    }
  }
  return bySha.size > 0 ? bySha : undefined;
}

const RECORD_SOURCES: readonly RecordSource[] = ["agent-trace", "git-ai"];
