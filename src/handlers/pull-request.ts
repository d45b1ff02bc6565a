// The "AI attribution" check: on every pull request update (and on "Re-run"), read the commits,
// attribute the change, record it in the ledger and publish a completed check run. A pull request
// closed is recorded as merged (or as never to ship).

import { globMatch } from "../attribution/glob.js";
import { attributePull, changeFromPull, type PullRequestLike, readingTime } from "../changes/from-pull.js";
import { CHECK_NAME, renderAttributionCheck, renderFailureCheck } from "../checks/attribution-check.js";
import { policyNotes } from "../checks/policy.js";
import { publishCheck } from "../checks/publish.js";
import type { RepoConfig } from "../config/repo-config.js";
import { type PullAgentRecords, readPullAgentRecords } from "../github/agent-records.js";
import { listPullCommits, type PullCommit } from "../github/pull-commits.js";
import { type LoadedRepoConfig, loadRepoConfig } from "../github/repo-config-loader.js";
import { recordMergedPull } from "../ledger/record-merge.js";
import { formatContextLine } from "../metrics/format.js";
import { buildReport, defaultPeriod, reportOptions } from "../metrics/report.js";
import { describeGitHubError, isInternalFailure } from "../util/github-errors.js";
import { changeContext, scopeOf } from "./change-context.js";
import { rememberSettings } from "./settings.js";
import { type EventContext, type HandlerRegistry, handlers, installationIdOf } from "./types.js";

/** A pull request opened or updated: its check is evaluated again. */
type PullRequestUpdate =
  | "pull_request.opened"
  | "pull_request.reopened"
  | "pull_request.synchronize"
  | "pull_request.ready_for_review"
  | "pull_request.edited"
  | "pull_request.labeled"
  | "pull_request.unlabeled";
/** "Re-run" on the check run or its suite. */
type Rerequest = "check_run.rerequested" | "check_suite.rerequested";

export interface RepositoryLike {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string };
}

/**
 * The repository's figures over the configured period, from the ledger alone (no API calls), with
 * the settings `shipledger report --repo` would take (just recorded from the file read for this check).
 */
async function repositoryContext(
  ctx: EventContext<PullRequestUpdate | Rerequest>,
  repository: RepositoryLike,
  config: RepoConfig,
): Promise<string> {
  const now = ctx.now();
  const scope = {
    label: repository.full_name,
    installationId: installationIdOf(ctx.payload),
    repositoryIds: [repository.id],
    owner: repository.owner.login,
  };
  const options = await reportOptions(ctx.store, scope, ctx.app.metric, now);
  const report = await buildReport(ctx.store, scope, defaultPeriod(now, config.metric.periodDays), options);
  return formatContextLine(report, config.metric.periodDays);
}

/** Retry on GitHub's transient failures; anything else (403, 404, 422…) will not get better. */
export function isTransient(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  if (typeof status !== "number") return true;
  return status >= 500 || status === 429 || status === 408;
}

export async function evaluatePullRequest(
  ctx: EventContext<PullRequestUpdate | Rerequest>,
  repository: RepositoryLike,
  pull: PullRequestLike,
  /** The repository's configuration, when the caller has just read it. */
  preloaded?: LoadedRepoConfig,
): Promise<void> {
  const owner = repository.owner.login;
  const repo = repository.name;
  const headSha = pull.head.sha;
  const publish = (run: Parameters<typeof publishCheck>[2]) =>
    publishCheck(ctx.octokit, { owner, repo, headSha, name: CHECK_NAME, appId: ctx.app.id, now: ctx.now() }, run);

  let step = "reading .github/shipledger.yml";
  try {
    const installationId = installationIdOf(ctx.payload);
    const loaded =
      preloaded ??
      (await loadRepoConfig(ctx.octokit, { owner, repo }, ctx.configReads.forInstallation(installationId)));
    const place = { installationId, repositoryId: repository.id, owner };
    step = "recording the repository's settings";
    await rememberSettings(ctx.store, place, loaded, ctx.now());
    step = "listing the pull request's commits";
    const listed = await listPullCommits(ctx.octokit, { owner, repo, number: pull.number });
    const notes: string[] = [];
    let commits: PullCommit[] = listed.commits;
    if (!listed.complete) {
      notes.push(`Only the first ${commits.length} commits could be read; the counts below cover those.`);
    }
    const headIndex = commits.findIndex((c) => c.sha === headSha);
    // A list cut short (past GitHub's 10,000, a cursor that went wrong) may just not reach the head.
    if (listed.complete && commits.length > 0 && headIndex === -1) {
      // Force-pushed while this delivery waited, or GitHub's list of commits has not caught up
      // with the push yet (it lags the webhook at times): the pull request's head tells which.
      step = "reading the pull request's head";
      const { data: current } = await ctx.octokit.rest.pulls.get({ owner, repo, pull_number: pull.number });
      if (current.head.sha === headSha) {
        // Asked again later (an error without a status is retried); the last attempt says so.
        if (!ctx.delivery.finalAttempt) {
          throw new Error(`GitHub does not list the head ${headSha} among the commits of #${pull.number} yet`);
        }
        await publish({
          conclusion: "neutral",
          output: {
            title: "AI attribution could not be evaluated",
            summary: `GitHub does not list this commit among the commits of #${pull.number} yet, so its attribution could not be read. Re-run this check.`,
          },
        });
        return;
      }
      // Moved on: the newer push has its own delivery and check.
      await publish({
        conclusion: "neutral",
        output: {
          title: "Superseded: the pull request's head moved on",
          summary: `This commit is no longer the head of #${pull.number}; the check on the new head commit has the attribution.`,
        },
      });
      return;
    }
    const superseded = headIndex >= 0 && headIndex < commits.length - 1;
    if (superseded) {
      commits = commits.slice(0, headIndex + 1);
      notes.push("Newer commits were pushed while this check ran; they get their own check.");
    }

    step = "reading agent records (git-ai notes, Agent Trace)";
    let agentRecords: PullAgentRecords | null = null;
    try {
      agentRecords = await readPullAgentRecords(
        ctx.octokit,
        { owner, repo, headSha, baseSha: pull.base.sha ?? null },
        commits,
        ctx.configReads.forInstallation(installationId),
      );
      if (agentRecords.unread > 0) {
        notes.push(
          `${agentRecords.unread} commits' agent records were not read: a pull request reads at most a few notes, newest commits first.`,
        );
      }
      notes.push(...agentRecords.skipped);
    } catch (error) {
      // Records add to the attribution; without them the check still has the commit messages.
      if (isTransient(error) && !ctx.delivery.finalAttempt) throw error;
      const failure = describeGitHubError(error);
      if (isInternalFailure(failure)) throw error;
      notes.push(`Agent records (git-ai notes, Agent Trace) could not be read: ${failure.message}`);
    }
    const {
      attribution,
      subjects,
      commits: records,
    } = attributePull(pull, commits, loaded.config, agentRecords?.records);
    // A superseded head is checked but not recorded: the newer push's delivery records the change,
    // whichever of the two is processed last.
    if (!superseded && (pull.merged || pull.merged_at)) {
      // Merged (an `edited` delivery, a re-run): recorded as its merge was, its merge commit read
      // again, so that a squash commit's evidence (the merge dialog's co-authors) is not lost.
      step = "recording the merged pull request in the ledger";
      await recordMergedPull(
        { octokit: ctx.octokit, store: ctx.store, now: ctx.now, scope: scopeOf(ctx.payload), config: loaded.config },
        pull,
        { commits, mergeCommit: null, ...(agentRecords ? { agentRecords: agentRecords.records } : {}) },
      );
    } else if (!superseded) {
      step = "recording the pull request in the ledger";
      await ctx.store.changes.recordChange(
        changeFromPull(
          { installationId: installationIdOf(ctx.payload), repositoryId: repository.id },
          pull,
          attribution,
          records,
        ),
        records,
        ctx.now(),
      );
    }

    step = "publishing the check run";
    const run =
      commits.length === 0 && !attribution.ai
        ? {
            conclusion: "neutral" as const,
            output: {
              title: "No commits to attribute",
              summary: `#${pull.number} has no commits yet. The check runs again when commits are pushed.`,
            },
          }
        : renderAttributionCheck({
            repository: repository.full_name,
            webUrl: ctx.app.webUrl,
            change: { number: pull.number, authorLogin: pull.user?.login ?? "ghost", headRef: pull.head.ref },
            attribution,
            subjects,
            config: loaded.config,
            configSource: loaded.source,
            configErrors: loaded.errors,
            settings: loaded.settings,
            notes,
            context: await repositoryContext(ctx, repository, loaded.config),
            policy: policyNotes(
              loaded.config.attribution.policy,
              commits.map((c) => {
                const found = attribution.perCommit.find((p) => p.sha === c.sha);
                return { ...c, ai: found?.ai ?? false, evidence: found?.evidence ?? [], ignored: found?.ignored ?? [] };
              }),
            ),
          });
    const result = await publish(run);
    ctx.log.info(
      {
        pull: pull.number,
        ai: attribution.ai,
        agents: attribution.agents,
        commits: commits.length,
        check: result,
        reading: attribution.reading,
        recordCalls: agentRecords?.calls ?? 0,
      },
      "attributed pull request",
    );
  } catch (error) {
    if (isTransient(error) && !ctx.delivery.finalAttempt) throw error;
    // Never leave the author without an answer: a completed check that says what went wrong.
    const failure = describeGitHubError(error);
    if (isInternalFailure(failure)) {
      // Ours, not GitHub's (the database, a bug): its message quotes SQL and data, so the public
      // check only names the delivery; the log has the details, and the inbox keeps the delivery
      // as failed with them (bounded), for `shipledger inbox` and a replay.
      const cause = (error as { cause?: unknown } | null)?.cause;
      ctx.log.error(
        {
          pull: pull.number,
          step,
          error: failure,
          ...(cause === undefined ? {} : { cause: describeGitHubError(cause).message }),
        },
        "cannot attribute pull request: internal error; publishing a generic failure",
      );
      await publish(renderFailureCheck(failure, step, ctx.delivery.id));
      throw error;
    }
    ctx.log.warn({ pull: pull.number, step, error: failure }, "cannot attribute pull request; publishing the failure");
    if (step === "publishing the check run" && failure.status !== null && failure.status < 500) throw error;
    await publish(renderFailureCheck(failure, step, ctx.delivery.id));
  }
}

async function onPullRequest(ctx: EventContext<PullRequestUpdate>): Promise<void> {
  // GitHub's types allow null entries in `assignees`; GitHub sends none.
  await evaluatePullRequest(ctx, ctx.payload.repository, ctx.payload.pull_request as PullRequestLike);
}

/**
 * A label added or removed: evaluated again when the configuration counts it (`attribution.labels`,
 * an agent's `labels`), as the check tells authors to add one; other labels (triage, size) ask nothing more.
 */
async function onLabelChanged(ctx: EventContext<"pull_request.labeled" | "pull_request.unlabeled">): Promise<void> {
  const name = ctx.payload.label?.name;
  if (name === undefined) return;
  const { repository } = ctx.payload;
  const loaded = await loadRepoConfig(
    ctx.octokit,
    { owner: repository.owner.login, repo: repository.name },
    ctx.configReads.forInstallation(installationIdOf(ctx.payload)),
  );
  const { attribution } = loaded.config;
  const counted = [...attribution.labels, ...attribution.agents.flatMap((a) => a.labels)];
  if (!counted.some((pattern) => globMatch(pattern, name, { caseInsensitive: true }))) return;
  await evaluatePullRequest(ctx, repository, ctx.payload.pull_request as PullRequestLike, loaded);
}

/** "Re-run" on the check or the suite: find the pull request(s) of that head commit and evaluate them. */
async function onRerequested(ctx: EventContext<Rerequest>): Promise<void> {
  const { payload } = ctx;
  const run = "check_run" in payload ? payload.check_run : payload.check_suite;
  if ("check_run" in payload && payload.check_run.name !== CHECK_NAME) return;
  const repository: RepositoryLike = payload.repository;
  const headSha: string = run.head_sha;
  const owner = repository.owner.login;
  const repo = repository.name;
  let numbers: number[] = (run.pull_requests ?? [])
    .filter(
      (p: { base?: { repo?: { id?: number } } }) => p.base?.repo?.id === undefined || p.base.repo.id === repository.id,
    )
    .map((p: { number: number }) => p.number);
  if (numbers.length === 0) {
    // Pull requests from forks are not listed in the payload.
    const { data } = await ctx.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: headSha,
    });
    numbers = data.filter((p) => p.state === "open" && p.head.sha === headSha).map((p) => p.number);
  }
  for (const number of numbers.slice(0, 10)) {
    const { data: pull } = await ctx.octokit.rest.pulls.get({ owner, repo, pull_number: number });
    await evaluatePullRequest(ctx, repository, pull as unknown as PullRequestLike);
  }
}

/** Merged: recorded with its final attribution. Closed without merging: it will never ship. */
async function onPullRequestClosed(ctx: EventContext<"pull_request.closed">): Promise<void> {
  const pull = ctx.payload.pull_request;
  const cc = await changeContext(ctx, scopeOf(ctx.payload));
  if (pull.merged || pull.merged_at) {
    const id = await recordMergedPull(cc, pull);
    ctx.log.info({ pull: pull.number, change: id }, "recorded merged pull request");
    return;
  }
  const known = await ctx.store.changes.getChange(cc.scope.installationId, cc.scope.repositoryId, pull.number);
  if (known && known.state === "open") {
    const { id: _id, updatedAt: _updated, ...rest } = known;
    await ctx.store.changes.recordChange(
      { ...rest, state: "closed", pullUpdatedAt: readingTime(pull) ?? rest.pullUpdatedAt },
      await ctx.store.changes.listChangeCommits(known.id),
      ctx.now(),
    );
  }
}

export const pullRequestHandlers: HandlerRegistry = handlers({
  "pull_request.opened": [onPullRequest],
  "pull_request.reopened": [onPullRequest],
  "pull_request.synchronize": [onPullRequest],
  "pull_request.ready_for_review": [onPullRequest],
  "pull_request.edited": [onPullRequest],
  "pull_request.labeled": [onLabelChanged],
  "pull_request.unlabeled": [onLabelChanged],
  "pull_request.closed": [onPullRequestClosed],
  "check_run.rerequested": [onRerequested],
  "check_suite.rerequested": [onRerequested],
});
