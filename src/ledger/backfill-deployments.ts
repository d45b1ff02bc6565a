// The production deployments of a backfill window, read from the repository's configured source
// and shaped as the webhooks that would have announced them, so that backfill links them through
// the same use case as live delivery (link-deployment.ts), in success-time order.

import { deploymentStatuses, type LinkContext } from "./link-deployment.js";

/** A deployment's success as the webhook that would have announced it. */
export interface DeploymentStep {
  /** When it succeeded (ms). */
  at: number;
  /** What identifies it among the window's steps (its source key), for resuming after it. */
  key: string;
  event: { name: string; payload: unknown };
}

export interface DeploymentHistory {
  /** Oldest success first. */
  steps: DeploymentStep[];
  /** What was not read, and why. */
  notes: string[];
}

/** Deployments per page (GitHub's maximum). */
const PAGE = 100;

/** The repository's production deployments that succeeded at or after `since`, oldest first. */
export async function deploymentHistory(lc: LinkContext, since: number): Promise<DeploymentHistory> {
  const source = lc.config.deployments.source;
  if (source !== "deployment") {
    return { steps: [], notes: [`deployments from "${source}" are not backfilled yet`] };
  }
  const steps = await githubDeploymentsSince(lc, since);
  steps.sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { steps, notes: [] };
}

/** The repository's GitHub deployments that succeeded at or after `since`, as deployment_status events. */
async function githubDeploymentsSince(lc: LinkContext, since: number): Promise<DeploymentStep[]> {
  const { owner, repo } = lc.scope;
  const steps: DeploymentStep[] = [];
  for (let page = 1; ; page++) {
    const { data } = await lc.octokit.rest.repos.listDeployments({ owner, repo, per_page: PAGE, page });
    for (const deployment of data) {
      const { statuses, succeededAt: at } = await deploymentStatuses(lc, deployment.id);
      if (at === null || at < since) continue;
      const success = statuses.find((s) => s.state === "success" && Date.parse(s.created_at) === at);
      steps.push({
        at,
        key: `deployment:${deployment.id}`,
        event: {
          name: "deployment_status",
          payload: {
            deployment,
            deployment_status: {
              ...success,
              state: "success",
              environment: success?.environment ?? deployment.environment,
              created_at: new Date(at).toISOString(),
            },
            repository: { id: lc.scope.repositoryId, full_name: lc.scope.fullName },
          },
        },
      });
    }
    // Listed newest first: a page that ends before the window ends the listing.
    const last = data.at(-1);
    if (data.length < PAGE || (last && Date.parse(last.created_at) < since)) return steps;
  }
}
