// Which webhooks are successful production deployments. Pure: a webhook payload and the
// repository's `deployments` configuration in, a ProductionDeployment (or the reason it is not
// one, for logs) out.
//
// One source kind is active per repository (`deployments.source`):
// - deployment (default): a deployment_status `success`, or `inactive` (GitHub sets it on a past
//   success when a later deployment supersedes it), to an environment the configuration calls
//   production, never a transient one. GitHub Actions creates a deployment for every job with an
//   `environment:`, so a test job's deployment to "ci" arrives here too and is ignored by name.
// - release: a published release that is neither a draft nor a prerelease, deploying its tag (a
//   prerelease promoted to a release deploys at its promotion).
// - workflow_run: a completed, successful run of the configured workflow on the configured branch.
// - push: every push to the configured branch (continuous deployment), not deletions, not tags.
//
// Payloads are untrusted shapes: they are read through loose zod schemas (unknown keys ignored),
// and a missing field makes the verdict "malformed_payload", never an exception.

import { z } from "zod";
import { compileGlob, type Glob } from "../attribution/glob.js";
import type { DeploymentsConfig } from "../config/repo-config.js";
import type { DeploymentSource, DeploymentVerdict, IgnoredReason, ProductionDeployment } from "./types.js";

/** A webhook as Probot hands it over: the event name and its payload. */
export interface WebhookEvent {
  name: string;
  payload: unknown;
}

const SOURCE_OF_EVENT: Record<string, DeploymentSource> = {
  deployment_status: "deployment",
  release: "release",
  workflow_run: "workflow_run",
  push: "push",
};

/** Environment name of release deployments (one chain per repository). */
export const RELEASE_ENVIRONMENT = "release";

/**
 * Decides whether a webhook is a successful production deployment of the repository it came from.
 * The caller records it (merging observations of one deployment with `reconcileDeployment`), then
 * links it (shipping.ts).
 *
 * The lead can feed REST objects through the same path: `{ name: "deployment_status", payload:
 * { deployment, deployment_status, repository } }` for a deployment listed on GitHub.
 */
export function productionDeploymentFrom(event: WebhookEvent, config: DeploymentsConfig): DeploymentVerdict {
  const source = SOURCE_OF_EVENT[event.name];
  if (source === undefined) return ignored("unsupported_event", `${event.name} events are not deployments`);
  if (source !== config.source) {
    return ignored("other_source", `${event.name} is not read: deployments.source is "${config.source}"`);
  }
  switch (source) {
    case "deployment":
      return fromDeploymentStatus(event.payload, config);
    case "release":
      return fromRelease(event.payload);
    case "workflow_run":
      return fromWorkflowRun(event.payload, config);
    case "push":
      return fromPush(event.payload, config);
  }
}

/**
 * False when a webhook cannot be a successful deployment whatever the configuration says (a
 * pending status, an unfinished or failed run, a tag push…), so that the handler need not read
 * the repository's configuration for it. True means "read the configuration and decide".
 */
export function mayBeDeployment(event: WebhookEvent): boolean {
  const p = (event.payload ?? {}) as {
    action?: string;
    deployment_status?: { state?: string };
    workflow_run?: { conclusion?: string | null };
    ref?: string;
    deleted?: boolean;
  };
  switch (event.name) {
    case "deployment_status":
      return p.deployment_status?.state === "success" || p.deployment_status?.state === "inactive";
    case "release":
      return p.action === "published" || p.action === "released";
    case "workflow_run":
      return p.action === "completed" && p.workflow_run?.conclusion === "success";
    case "push":
      return typeof p.ref === "string" && p.ref.startsWith("refs/heads/") && p.deleted !== true;
    default:
      return false;
  }
}

/**
 * Whether an environment is production by the configuration: never when transient or when its
 * name matches `excludeEnvironments`; otherwise when its name matches `environments`
 * (case-insensitive globs) or, with `productionEnvironmentFlag`, it is marked production.
 */
export function isProductionEnvironment(
  environment: string,
  flags: { productionEnvironment?: boolean | null; transientEnvironment?: boolean | null },
  config: DeploymentsConfig,
): boolean {
  return environmentRejection(environment, flags, config) === null;
}

/**
 * Whether a deployment's ref is a pull request's (`refs/pull/N/merge`, `pull/N/head`): a preview
 * of an unmerged change, never a production deployment, nor any deployment's predecessor.
 */
export function isPullRequestRef(ref: string | null | undefined): boolean {
  return typeof ref === "string" && /^(refs\/)?pull\/\d+\//.test(ref);
}

/**
 * Whether pull requests merged into `branch` are changes that can ship: `deployableBranches`
 * (globs, case-sensitive like git), or only the default branch when it is null.
 */
export function isDeployableBranch(branch: string, config: DeploymentsConfig, defaultBranch: string): boolean {
  if (config.deployableBranches === null) return branch === defaultBranch;
  return compiled(config.deployableBranches, false).some((glob) => glob.test(branch));
}

/**
 * The time a deployment first succeeded, from its statuses (REST `listDeploymentStatuses`, any
 * order), or null when none is `success`. For an `inactive` seen without its `success`: one call
 * turns the estimate exact; null means it never succeeded (an `inactive` set by hand), so drop it.
 */
export function successTimeFromStatuses(statuses: Iterable<{ state: string; created_at: string }>): number | null {
  let first: number | null = null;
  for (const status of statuses) {
    if (status.state !== "success") continue;
    const time = Date.parse(status.created_at);
    if (Number.isFinite(time) && (first === null || time < first)) first = time;
  }
  return first;
}

/** The release deployment with its tag resolved to a commit (git/ref/tags, dereferencing annotated tags). */
export function withResolvedSha(deployment: ProductionDeployment, sha: string): ProductionDeployment {
  if (!SHA.test(sha)) throw new Error(`not a commit sha: ${JSON.stringify(sha)}`);
  return { ...deployment, sha: sha.toLowerCase() };
}

// ---- payload shapes ------------------------------------------------------------------------------

const SHA = /^[0-9a-f]{40}$/i;
const ZERO_SHA = /^0{40}$/;

const sha = z
  .string()
  .regex(SHA)
  .transform((value) => value.toLowerCase());
const time = z
  .string()
  .refine((value) => Number.isFinite(Date.parse(value)), { error: "an ISO 8601 time" })
  .transform((value) => Date.parse(value));
const link = z.string().nullish();

const repository = z.object({
  id: z.number(),
  full_name: z.string(),
  default_branch: z.string().optional(),
});

const deploymentStatusPayload = z.object({
  deployment_status: z.object({
    state: z.string(),
    environment: z.string().nullish(),
    created_at: time,
    log_url: link,
    target_url: link,
  }),
  deployment: z.object({
    id: z.number(),
    sha,
    ref: z.string().nullish(),
    environment: z.string(),
    created_at: time,
    transient_environment: z.boolean().nullish(),
    production_environment: z.boolean().nullish(),
  }),
  repository,
});

const releasePayload = z.object({
  action: z.string(),
  release: z.object({
    id: z.number(),
    tag_name: z.string().min(1),
    target_commitish: z.string().nullish(),
    draft: z.boolean(),
    prerelease: z.boolean(),
    published_at: time.nullable(),
    updated_at: time.nullish(),
    html_url: link,
  }),
  repository,
});

const workflowRunPayload = z.object({
  action: z.string(),
  workflow: z.object({ name: z.string().nullish(), path: z.string().nullish() }).nullish(),
  workflow_run: z.object({
    id: z.number(),
    name: z.string().nullish(),
    path: z.string().nullish(),
    head_branch: z.string().nullish(),
    head_sha: sha,
    status: z.string().nullish(),
    conclusion: z.string().nullish(),
    event: z.string().nullish(),
    updated_at: time,
    html_url: link,
    head_repository: z.object({ id: z.number() }).nullish(),
    run_attempt: z.number().int().positive().nullish(),
  }),
  repository,
});

const pushPayload = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  deleted: z.boolean().nullish(),
  compare: link,
  head_commit: z.object({ timestamp: time }).nullish(),
  // Push payloads carry pushed_at in seconds since the epoch; elsewhere it is an ISO time.
  repository: repository.extend({ pushed_at: z.union([z.number(), z.string()]).nullish() }),
});

// ---- sources ------------------------------------------------------------------------------------

function fromDeploymentStatus(raw: unknown, config: DeploymentsConfig): DeploymentVerdict {
  const parsed = deploymentStatusPayload.safeParse(raw);
  if (!parsed.success) return malformed("deployment_status", parsed.error);
  const { deployment_status: status, deployment, repository } = parsed.data;
  // A status may move the deployment to another environment; the status says where it is now.
  const environment = status.environment || deployment.environment;

  const rejection = environmentRejection(
    environment,
    {
      productionEnvironment: deployment.production_environment,
      transientEnvironment: deployment.transient_environment,
    },
    config,
  );
  if (rejection !== null) return rejection;
  if (isPullRequestRef(deployment.ref)) {
    return ignored("pull_request_ref", `deployment ${deployment.id} deploys ${deployment.ref}, not a merged change`);
  }

  let superseded: boolean;
  if (status.state === "success") superseded = false;
  else if (status.state === "inactive") superseded = true;
  else return ignored("not_successful", `deployment ${deployment.id} to ${environment} is ${status.state}`);

  return production(
    {
      repositoryId: repository.id,
      repositoryFullName: repository.full_name,
      environment,
      source: "deployment",
      sourceId: String(deployment.id),
      sha: deployment.sha,
      ref: deployment.ref || null,
      // `inactive` is stamped when a later deployment succeeded; the success itself happened after
      // the deployment was created, so its creation time is a lower bound until the success is seen.
      succeededAt: superseded ? deployment.created_at : status.created_at,
      succeededAtPrecision: superseded ? "estimate" : "exact",
      url: status.log_url || status.target_url || null,
    },
    superseded,
  );
}

function fromRelease(raw: unknown): DeploymentVerdict {
  const parsed = releasePayload.safeParse(raw);
  if (!parsed.success) return malformed("release", parsed.error);
  const { action, release, repository } = parsed.data;
  const name = `release ${release.tag_name}`;
  // `published` fires for every publication, `released` also when a prerelease becomes a release;
  // a full release fires both, with the same release id, so the ledger keeps one.
  if (action !== "published" && action !== "released") return ignored("not_successful", `${name} was ${action}`);
  if (release.draft) return ignored("draft_release", `${name} is a draft`);
  if (release.prerelease) return ignored("prerelease", `${name} is a prerelease`);
  if (release.published_at === null) return ignored("not_successful", `${name} is not published`);
  // A prerelease made a release keeps the prerelease's published_at, and sends no `published`: it
  // reached production when promoted, its last update. (Of a full release's two events, the ledger
  // keeps the earlier time: `published`'s.)
  const promotedAt =
    action === "released" && release.updated_at != null && release.updated_at > release.published_at
      ? release.updated_at
      : null;
  const target = release.target_commitish ?? "";
  return production(
    {
      repositoryId: repository.id,
      repositoryFullName: repository.full_name,
      environment: RELEASE_ENVIRONMENT,
      source: "release",
      sourceId: String(release.id),
      // target_commitish names the branch the tag was created from, not the tag's commit (the
      // branch may have moved since): only a sha there is the tag's commit; otherwise resolve the tag.
      sha: SHA.test(target) ? target.toLowerCase() : null,
      ref: release.tag_name,
      succeededAt: promotedAt ?? release.published_at,
      succeededAtPrecision: "exact",
      url: release.html_url || null,
    },
    false,
  );
}

/** A workflow run attempt's source id: the run id, and `.N` for a re-run's attempt N. */
export function workflowRunSourceId(runId: number, attempt: number): string {
  return attempt > 1 ? `${runId}.${attempt}` : String(runId);
}

/** The run id in a workflow run deployment's source id. */
export function workflowRunIdOf(sourceId: string): string {
  return sourceId.split(".")[0] ?? sourceId;
}

/** Whether a workflow is the one `deployments.workflow` names: by name, path or file name. */
export function isDeployWorkflow(
  workflow: { name?: string | null; path?: string | null },
  config: DeploymentsConfig,
): boolean {
  if (config.workflow === undefined) return false;
  const glob = compileGlob(config.workflow, { caseInsensitive: true });
  const path = workflow.path || null;
  const fileName = path === null ? null : (path.split("/").pop() ?? null);
  return [workflow.name || null, path, fileName].some((text) => text !== null && glob.test(text));
}

function fromWorkflowRun(raw: unknown, config: DeploymentsConfig): DeploymentVerdict {
  const parsed = workflowRunPayload.safeParse(raw);
  if (!parsed.success) return malformed("workflow_run", parsed.error);
  const { action, workflow, workflow_run: run, repository } = parsed.data;
  const path = run.path || workflow?.path || null;
  const workflowName = workflow?.name || run.name || null;
  const shown = workflowName ?? path ?? `workflow run ${run.id}`;

  if (config.workflow === undefined) return ignored("other_workflow", "deployments.workflow is not configured");
  if (!isDeployWorkflow({ name: workflowName, path }, config)) {
    return ignored("other_workflow", `${shown} does not match deployments.workflow "${config.workflow}"`);
  }
  if (action !== "completed" || (run.status != null && run.status !== "completed")) {
    return ignored("not_successful", `${shown} run ${run.id} is ${action}`);
  }
  if (run.conclusion !== "success") {
    return ignored("not_successful", `${shown} run ${run.id} concluded ${run.conclusion ?? "nothing"}`);
  }
  if (run.event === "pull_request" || run.event === "pull_request_target") {
    return ignored("pull_request_run", `${shown} run ${run.id} ran for a pull request`);
  }
  // A fork's branch can be called "main" too.
  if (run.head_repository != null && run.head_repository.id !== repository.id) {
    return ignored("pull_request_run", `${shown} run ${run.id} ran on a fork's branch`);
  }
  const branch = deployBranch(config, repository);
  if (branch === null) return ignored("malformed_payload", "workflow_run: repository.default_branch is missing");
  if (run.head_branch !== branch) {
    return ignored("other_branch", `${shown} run ${run.id} ran on ${run.head_branch ?? "no branch"}, not ${branch}`);
  }
  return production(
    {
      repositoryId: repository.id,
      repositoryFullName: repository.full_name,
      environment: `workflow:${path ?? workflowName ?? ""}`,
      source: "workflow_run",
      // A re-run (attempt 2 and later) deploys again, now: re-running an old deploy run is how
      // many teams roll back, and it must count as the rollback it is. Attempt 1 keeps the run id.
      sourceId: workflowRunSourceId(run.id, run.run_attempt ?? 1),
      sha: run.head_sha,
      ref: run.head_branch,
      // A completed run's updated_at is its completion.
      succeededAt: run.updated_at,
      succeededAtPrecision: "exact",
      url: run.html_url || null,
    },
    false,
  );
}

function fromPush(raw: unknown, config: DeploymentsConfig): DeploymentVerdict {
  const parsed = pushPayload.safeParse(raw);
  if (!parsed.success) return malformed("push", parsed.error);
  const push = parsed.data;
  const { repository } = push;
  if (push.ref.startsWith("refs/tags/")) return ignored("tag_push", `${push.ref} is a tag`);
  if (!push.ref.startsWith("refs/heads/")) return ignored("other_branch", `${push.ref} is not a branch`);
  const pushed = push.ref.slice("refs/heads/".length);
  if (push.deleted === true || ZERO_SHA.test(push.after)) return ignored("deleted_branch", `${pushed} was deleted`);
  const branch = deployBranch(config, repository);
  if (branch === null) return ignored("malformed_payload", "push: repository.default_branch is missing");
  if (pushed !== branch) return ignored("other_branch", `push to ${pushed}, not ${branch}`);
  if (!SHA.test(push.after) || !SHA.test(push.before))
    return ignored("malformed_payload", "push: before/after are not shas");

  const pushedAt = pushTime(repository.pushed_at);
  const commitTime = push.head_commit?.timestamp ?? null;
  if (pushedAt === null && commitTime === null) return ignored("malformed_payload", "push: no push or commit time");
  const after = push.after.toLowerCase();
  return production(
    {
      repositoryId: repository.id,
      repositoryFullName: repository.full_name,
      environment: `push:${branch}`,
      source: "push",
      sourceId: `${push.before.toLowerCase()}..${after}`,
      sha: after,
      ref: branch,
      // Without pushed_at, the head commit's time is a lower bound of the push.
      succeededAt: pushedAt ?? commitTime ?? 0,
      succeededAtPrecision: pushedAt === null ? "estimate" : "exact",
      url: push.compare || null,
    },
    false,
  );
}

// ---- helpers ------------------------------------------------------------------------------------

function environmentRejection(
  environment: string,
  flags: { productionEnvironment?: boolean | null; transientEnvironment?: boolean | null },
  config: DeploymentsConfig,
): DeploymentVerdict | null {
  if (flags.transientEnvironment === true) {
    return ignored("transient_environment", `${environment} is a transient environment`);
  }
  const excludedBy = compiled(config.excludeEnvironments, true).find((glob) => glob.test(environment));
  if (excludedBy !== undefined) {
    return ignored("not_production", `${environment} matches deployments.excludeEnvironments "${excludedBy.source}"`);
  }
  if (compiled(config.environments, true).some((glob) => glob.test(environment))) return null;
  if (config.productionEnvironmentFlag && flags.productionEnvironment === true) return null;
  return ignored("not_production", `${environment} matches no deployments.environments pattern`);
}

function deployBranch(config: DeploymentsConfig, repo: { default_branch?: string | undefined }): string | null {
  return config.branch ?? repo.default_branch ?? null;
}

function pushTime(value: number | string | null | undefined): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value * 1000 : null;
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

const globCache = new WeakMap<readonly string[], { sensitive?: Glob[]; insensitive?: Glob[] }>();

/** Config pattern lists are compiled once per parsed configuration. */
function compiled(patterns: readonly string[], caseInsensitive: boolean): Glob[] {
  const entry = globCache.get(patterns) ?? {};
  globCache.set(patterns, entry);
  const key = caseInsensitive ? "insensitive" : "sensitive";
  const globs = entry[key] ?? patterns.map((pattern) => compileGlob(pattern, { caseInsensitive }));
  entry[key] = globs;
  return globs;
}

function production(deployment: ProductionDeployment, superseded: boolean): DeploymentVerdict {
  return { kind: "production", deployment, superseded };
}

function ignored(reason: IgnoredReason, detail: string): DeploymentVerdict {
  return { kind: "ignored", reason, detail };
}

function malformed(event: string, error: z.ZodError): DeploymentVerdict {
  const issue = error.issues[0];
  const where = issue === undefined ? "(root)" : issue.path.map(String).join(".") || "(root)";
  return ignored("malformed_payload", `${event}: ${where}: ${issue?.message ?? "invalid"}`);
}
