// Production deployments: link each production deployment to the changes it ships, and show it in a
// "Shipledger deployment" check run on the deployed commit.

import { DEPLOYMENT_CHECK_NAME, renderDeploymentCheck } from "../checks/deployment-check.js";
import { mayBeDeployment } from "../deployments/sources.js";
import { changesRolledBackBy } from "../ledger/fates.js";
import { linkDeploymentEvent } from "../ledger/link-deployment.js";
import type { ChangeContext } from "../ledger/record-merge.js";
import { buildReport, defaultPeriod, pricesInForce, reportOptions } from "../metrics/report.js";
import { sessionKey } from "../model/spend.js";
import { spendOfChanges } from "../spend/compute.js";
import type { ChangeRecord, DeploymentRecord } from "../store/types.js";
import { changeContext, scopeOf } from "./change-context.js";
import { type EventContext, type HandlerRegistry, handlers } from "./types.js";

/** The events that may be a production deployment, depending on the repository's configuration. */
type DeploymentEvent = "deployment_status" | "release" | "workflow_run" | "push";

async function onDeploymentEvent(ctx: EventContext<DeploymentEvent>): Promise<void> {
  // Most of these events (pending statuses, failed runs, tag pushes) are no deployment under any
  // configuration: decide that before spending two API calls on reading it.
  if (!mayBeDeployment({ name: ctx.delivery.event, payload: ctx.payload })) return;
  const cc = await changeContext(ctx, scopeOf(ctx.payload));
  const result = await linkDeploymentEvent(
    { ...cc, log: ctx.log, retried: !ctx.delivery.finalAttempt },
    { name: ctx.delivery.event, payload: ctx.payload },
  );
  // Each deployment's check run is written once: by the first delivery of it that gets this far
  // (a release fires two events at once; a failed write is left to the delivery's retry).
  if (!result || result.deployment.reportedAt !== null) return;
  const { deployment } = result;
  if (!(await ctx.store.deployments.claimDeploymentReport(deployment.id, ctx.now()))) return;
  try {
    await reportDeployment(ctx, cc, deployment, result.notes);
  } catch (error) {
    await ctx.store.deployments.releaseDeploymentReport(deployment.id);
    throw error;
  }
}

async function reportDeployment(
  ctx: EventContext<DeploymentEvent>,
  cc: ChangeContext,
  deployment: DeploymentRecord,
  notes: string[],
): Promise<void> {
  const shipped = await ctx.store.changes.changesShippedBy(cc.scope.installationId, deployment.id);
  const rolledBack =
    deployment.outcome === "rollback"
      ? await changesRolledBackBy(ctx.store, cc.scope.installationId, deployment.id)
      : [];
  const run = renderDeploymentCheck({
    repository: cc.scope.fullName,
    webUrl: ctx.app.webUrl,
    deployment,
    shipped,
    rolledBack,
    config: cc.config,
    notes,
    spend: await deploymentSpend(
      ctx,
      cc,
      shipped.filter((c) => c.ai),
    ),
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

/**
 * The AI spend of the sessions behind a deployment's AI-assisted changes, from the ledger alone, or
 * null: when there is none, when the repository's group is below the minimum (the same rule as its
 * report's per-engineer figures), or when the changes with spend have fewer distinct authors than
 * that minimum (one deployment's spend would be one person's, or a few people's).
 */
async function deploymentSpend(
  ctx: EventContext<DeploymentEvent>,
  cc: ChangeContext,
  aiShipped: readonly ChangeRecord[],
): Promise<{ total: number; estimated: number } | null> {
  if (aiShipped.length === 0) return null;
  const { installationId } = cc.scope;
  const sessions = await ctx.store.spend.sessionsOfChanges(aiShipped.map((c) => c.id));
  if (sessions.length === 0) return null;
  const now = ctx.now();
  const usage = await ctx.store.spend.listUsage(installationId, { since: 0, until: now + 1 }, sessions);
  if (usage.length === 0) return null;
  const scope = {
    label: cc.scope.fullName,
    installationId,
    repositoryIds: [cc.scope.repositoryId],
    owner: cc.scope.owner,
  };
  const options = await reportOptions(ctx.store, scope, ctx.app.metric, now);
  const facts = await ctx.store.spend.listSessionChanges(installationId, sessions);
  // One deployment's spend is its authors' sessions: shown only when the changes it comes from
  // have at least the minimum group of distinct authors, or the line would be one person's spend.
  // Checked first: it needs no report, and most deployments stop here.
  const spent = new Set(usage.map((u) => (u.sessionId === null ? null : sessionKey(u.sessionId))));
  const shippedById = new Map(aiShipped.map((c) => [c.id, c]));
  const authors = new Set(
    facts
      .filter((f) => spent.has(f.sessionKey) && shippedById.has(f.changeId))
      .map((f) => shippedById.get(f.changeId)?.authorLogin.toLowerCase()),
  );
  if (authors.size < options.minGroupSize) return null;
  const report = await buildReport(ctx.store, scope, defaultPeriod(now, cc.config.metric.periodDays), options);
  if (report.withheld !== null) return null;
  const links = facts.map((f) => ({
    session: f.sessionKey,
    changeId: f.changeId,
    repositoryId: f.repositoryId,
    fate: "pending" as const,
  }));
  const prices = await pricesInForce(ctx.store, installationId, options);
  const spend = spendOfChanges(usage, links, new Set(shippedById.keys()), prices);
  return spend.total > 0 ? spend : null;
}

export const deploymentHandlers: HandlerRegistry = handlers({
  deployment_status: [onDeploymentEvent],
  release: [onDeploymentEvent],
  workflow_run: [onDeploymentEvent],
  push: [onDeploymentEvent],
});
