import type { ProbotOctokit } from "probot";
import type { CheckRun } from "./attribution-check.js";

export interface PublishTarget {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  /** Our app's id, when known, to tell our run from another app's run of the same name. */
  appId?: number | undefined;
  detailsUrl?: string;
  /** Epoch milliseconds stamped as the run's completion time. */
  now: number;
}

export type PublishResult = "created" | "updated" | "unchanged";

/**
 * Publishes a completed check run on the head commit. Reads the existing run first: the same
 * output is not written again (write quota matters on big organisations), a different one
 * updates that run in place. One read and at most one write.
 */
export async function publishCheck(
  octokit: ProbotOctokit,
  target: PublishTarget,
  run: CheckRun,
): Promise<PublishResult> {
  const { data } = await octokit.rest.checks.listForRef({
    owner: target.owner,
    repo: target.repo,
    ref: target.headSha,
    check_name: target.name,
    filter: "latest",
    per_page: 10,
  });
  const ours = data.check_runs.find((r) => target.appId === undefined || r.app?.id === target.appId);
  if (
    ours &&
    ours.status === "completed" &&
    ours.conclusion === run.conclusion &&
    ours.output?.title === run.output.title &&
    ours.output?.summary === run.output.summary
  ) {
    return "unchanged";
  }
  const body = {
    owner: target.owner,
    repo: target.repo,
    status: "completed" as const,
    conclusion: run.conclusion,
    completed_at: new Date(target.now).toISOString(),
    output: run.output,
    ...(target.detailsUrl ? { details_url: target.detailsUrl } : {}),
  };
  if (ours) {
    await octokit.rest.checks.update({ ...body, check_run_id: ours.id });
    return "updated";
  }
  await octokit.rest.checks.create({ ...body, name: target.name, head_sha: target.headSha });
  return "created";
}
