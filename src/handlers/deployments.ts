// Merges and production deployments: record merged changes, link each production deployment to
// the changes it ships, and show it in a "Shipledger deployment" check run on the deployed commit.

import type { PullRequestLike } from "../changes/from-pull.js";
import type { ChangeContext, RepositoryScope } from "../changes/merge.js";
import { recordMergedPull } from "../changes/merge.js";
import { DEPLOYMENT_CHECK_NAME, renderDeploymentCheck } from "../checks/deployment-check.js";
import { linkDeploymentEvent } from "../deployments/link.js";
import { mayBeDeployment } from "../deployments/sources.js";
import { loadRepoConfig } from "../github/repo-config-loader.js";
import type { DeploymentRecord } from "../store/types.js";
import { rememberSettings } from "./settings.js";
import type { DeliveryContext, HandlerRegistry } from "./types.js";

interface RepositoryPayload {
  id: number;
  name: string;
  full_name: string;
  default_branch?: string;
  master_branch?: string;
  owner: { login: string };
}

function scopeOf(ctx: DeliveryContext): RepositoryScope {
  const repository = ctx.payload.repository as RepositoryPayload;
  return {
    installationId: ctx.payload.installation.id,
    repositoryId: repository.id,
    owner: repository.owner.login,
    repo: repository.name,
    fullName: repository.full_name,
    defaultBranch: repository.default_branch ?? repository.master_branch ?? "main",
  };
}

async function changeContext(ctx: DeliveryContext): Promise<ChangeContext> {
  const scope = scopeOf(ctx);
  // Problems in the file are shown on pull request checks; here the valid parts and defaults apply.
  const loaded = await loadRepoConfig(ctx.octokit, { owner: scope.owner, repo: scope.repo });
  await rememberSettings(ctx.store, scope, loaded, ctx.now());
  return { octokit: ctx.octokit, store: ctx.store, now: ctx.now, scope, config: loaded.config };
}

async function onPullRequestClosed(ctx: DeliveryContext): Promise<void> {
  const pull = ctx.payload.pull_request as PullRequestLike;
  const cc = await changeContext(ctx);
  if (pull.merged || pull.merged_at) {
    const id = await recordMergedPull(cc, pull);
    ctx.log.info({ pull: pull.number, change: id }, "recorded merged pull request");
    return;
  }
  // Closed without merging: it will never ship.
  const known = await ctx.store.getChange(cc.scope.installationId, cc.scope.repositoryId, pull.number);
  if (known && known.state === "open") {
    const { id: _id, updatedAt: _updated, ...rest } = known;
    await ctx.store.recordChange({ ...rest, state: "closed" }, await ctx.store.listChangeCommits(known.id), ctx.now());
  }
}

async function onDeploymentEvent(ctx: DeliveryContext): Promise<void> {
  // Most of these events (pending statuses, failed runs, tag pushes) are no deployment under any
  // configuration: decide that before spending two API calls on reading it.
  if (!mayBeDeployment({ name: ctx.delivery.event, payload: ctx.payload })) return;
  const cc = await changeContext(ctx);
  const result = await linkDeploymentEvent({ ...cc, log: ctx.log }, { name: ctx.delivery.event, payload: ctx.payload });
  // Each deployment's check run is written once: by the first delivery of it that gets this far
  // (a release fires two events at once; a failed write is left to the delivery's retry).
  if (!result || result.deployment.reportedAt !== null) return;
  const { deployment } = result;
  if (!(await ctx.store.claimDeploymentReport(deployment.id, ctx.now()))) return;
  try {
    await reportDeployment(ctx, cc, deployment, result.notes);
  } catch (error) {
    await ctx.store.releaseDeploymentReport(deployment.id);
    throw error;
  }
}

async function reportDeployment(
  ctx: DeliveryContext,
  cc: ChangeContext,
  deployment: DeploymentRecord,
  notes: string[],
): Promise<void> {
  const shipped = await ctx.store.changesShippedBy(cc.scope.installationId, deployment.id);
  const rolledBack =
    deployment.outcome === "rollback"
      ? await ctx.store.changesRolledBackBy(cc.scope.installationId, deployment.id)
      : [];
  const run = renderDeploymentCheck({
    repository: cc.scope.fullName,
    webUrl: ctx.app.webUrl,
    deployment,
    shipped,
    rolledBack,
    config: cc.config,
    notes,
  });
  // A new deployment gets its own run: one write, no read.
  await ctx.octokit.rest.checks.create({
    owner: cc.scope.owner,
    repo: cc.scope.repo,
    name: DEPLOYMENT_CHECK_NAME,
    head_sha: deployment.sha,
    status: "completed",
    conclusion: run.conclusion,
    completed_at: new Date(ctx.now()).toISOString(),
    output: run.output,
    ...(deployment.url?.startsWith("https://") ? { details_url: deployment.url } : {}),
  });
  ctx.log.info(
    {
      deployment: deployment.sourceKey,
      outcome: deployment.outcome,
      shipped: shipped.length,
      rolledBack: rolledBack.length,
    },
    "linked production deployment",
  );
}

export const deploymentHandlers: HandlerRegistry = {
  "pull_request.closed": [onPullRequestClosed],
  deployment_status: [onDeploymentEvent],
  release: [onDeploymentEvent],
  workflow_run: [onDeploymentEvent],
  push: [onDeploymentEvent],
};
