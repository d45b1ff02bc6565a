// Linking production deployments to the changes they ship: the I/O around shipping.ts.
//
// A deployment is recorded once (by its source key), then settled against its predecessor in its
// chain (same repository and environment, ordered by success time): the predecessor in the
// ledger, else GitHub's previous successful deployment, else none (a baseline that ships
// nothing). When a deployment arrives late, its successor is settled again. Which deployment
// first shipped a change is a join in the ledger, so the answer does not depend on the order the
// events arrived in.

import type { Logger } from "probot";
import type { PullRequestLike } from "../changes/from-pull.js";
import { whatDeploymentShips } from "../deployments/shipping.js";
import {
  isPullRequestRef,
  productionDeploymentFrom,
  successTimeFromStatuses,
  withResolvedSha,
  workflowRunIdOf,
} from "../deployments/sources.js";
import type { CompareResult, ProductionDeployment } from "../deployments/types.js";
import { findAssociatedPulls } from "../github/associated-pulls.js";
import { type Comparison, compareCommits, type RangeCommit } from "../github/compare.js";
import type { DeploymentRecord } from "../store/types.js";
import { recordDeployment } from "./record-deployment.js";
import { type ChangeContext, recordMergedPull, recordPushedCommit } from "./record-merge.js";
import { settleDeployment as recordSettlement } from "./settle-deployment.js";

export interface LinkContext extends ChangeContext {
  log: Logger;
  /**
   * Commits already read (a backfill's walk of the deploying branch: src/ledger/core/commit-graph.ts),
   * asked before GitHub's compare; null means "not known exactly here", and GitHub is asked.
   */
  ranges?: { compare(base: string, head: string): Comparison | null };
  /**
   * Whether the delivery will be tried again if this one fails (a webhook's attempt before its
   * last); absent for one-off work (a backfill) and the last attempt.
   */
  retried?: boolean;
}

export interface LinkResult {
  deployment: DeploymentRecord;
  notes: string[];
}

const ZERO = /^0{40}$/;
const sourceKey = (d: Pick<ProductionDeployment, "source" | "sourceId">) => `${d.source}:${d.sourceId}`;

function asProduction(record: DeploymentRecord, fullName: string): ProductionDeployment {
  return {
    repositoryId: record.repositoryId,
    repositoryFullName: fullName,
    environment: record.environment,
    source: record.source,
    sourceId: record.sourceKey.slice(record.source.length + 1),
    sha: record.sha,
    ref: record.ref,
    succeededAt: record.succeededAt,
    succeededAtPrecision: record.succeededAtExact ? "exact" : "estimate",
    url: record.url,
  };
}

/** Resolves a tag to the commit it points at, dereferencing annotated tags. */
async function resolveTag(lc: LinkContext, tag: string): Promise<string> {
  const { owner, repo } = lc.scope;
  const { data: ref } = await lc.octokit.rest.git.getRef({ owner, repo, ref: `tags/${tag}` });
  if (ref.object.type === "commit") return ref.object.sha;
  const { data: annotated } = await lc.octokit.rest.git.getTag({ owner, repo, tag_sha: ref.object.sha });
  return annotated.object.sha;
}

/**
 * Records a production deployment from a webhook and links it. Returns null when the webhook is
 * not a production deployment (the reason is logged).
 */
export async function linkDeploymentEvent(
  lc: LinkContext,
  event: { name: string; payload: unknown },
): Promise<LinkResult | null> {
  const verdict = productionDeploymentFrom(event, lc.config.deployments);
  if (verdict.kind === "ignored") {
    lc.log.debug({ reason: verdict.reason, detail: verdict.detail }, "not a production deployment");
    return null;
  }
  let deployment = verdict.deployment;
  if (deployment.sha === null && deployment.ref)
    deployment = withResolvedSha(deployment, await resolveTag(lc, deployment.ref));
  if (deployment.sha === null) return null;

  if (verdict.superseded) {
    // An `inactive` status: a past success. Known to the ledger: nothing to do, unless a delivery
    // failed half-way through linking it. Unknown: its statuses tell when it succeeded, or that it
    // never did.
    const known = await lc.store.deployments.findDeployment(
      lc.scope.installationId,
      lc.scope.repositoryId,
      sourceKey(deployment),
    );
    if (known) {
      return known.settledAt === null ? linkRecorded(lc, deployment) : { deployment: known, notes: [] };
    }
    const { succeededAt } = await deploymentStatuses(lc, Number(deployment.sourceId));
    if (succeededAt === null) return null;
    deployment = { ...deployment, succeededAt, succeededAtPrecision: "exact" };
  }

  return linkRecorded(lc, deployment);
}

/** Records the deployment (or reconciles it with the ledger's copy) and links what is pending. */
async function linkRecorded(lc: LinkContext, deployment: ProductionDeployment): Promise<LinkResult> {
  const {
    deployment: record,
    inserted,
    moved,
  } = await recordDeployment(
    lc.store,
    {
      installationId: lc.scope.installationId,
      repositoryId: lc.scope.repositoryId,
      environment: deployment.environment,
      source: deployment.source,
      sourceKey: sourceKey(deployment),
      sha: deployment.sha as string,
      ref: deployment.ref,
      succeededAt: deployment.succeededAt,
      succeededAtExact: deployment.succeededAtPrecision === "exact",
      url: deployment.url,
    },
    lc.now(),
  );
  const next = await lc.store.deployments.adjacentDeployment(record, "next");
  if (!inserted && !moved && record.settledAt !== null) {
    // A repeated delivery of a deployment linked in full. A failure while settling the one after
    // it (below) left that one pending: finish it.
    if (next && next.settledAt === null) await resettle(lc, next);
    return { deployment: record, notes: [] };
  }
  // New, moved, or left half-done by an earlier delivery that failed (a GitHub error): link it.
  // Deployments before it whose delivery failed for good are settled first, oldest first.
  for (const earlier of await pendingBefore(lc, record)) await resettle(lc, earlier);
  // Arrived late (or its time moved): the deployment after it gets another predecessor. Marked
  // pending before anything else is written, so that no failure from here on can leave it stale.
  if (next) await lc.store.deployments.markDeploymentSettled(next.id, null);
  const notes = await settleDeployment(lc, record, deployment);
  await lc.store.deployments.markDeploymentSettled(record.id, lc.now());
  if (next) await resettle(lc, next);
  // Its check run is the caller's (it says whether one was written: reportedAt).
  const settled = (await lc.store.deployments.getDeployment(lc.scope.installationId, record.id)) ?? record;
  return { deployment: settled, notes };
}

/** Pending deployments before `record` in its chain, oldest first (at most a few: each costs a compare). */
const MAX_PENDING_BEFORE = 5;

async function pendingBefore(lc: LinkContext, record: DeploymentRecord): Promise<DeploymentRecord[]> {
  const pending: DeploymentRecord[] = [];
  let previous = await lc.store.deployments.adjacentDeployment(record, "previous");
  while (previous && previous.settledAt === null && pending.length < MAX_PENDING_BEFORE) {
    pending.unshift(previous);
    previous = await lc.store.deployments.adjacentDeployment(previous, "previous");
  }
  return pending;
}

/** Settles a deployment again (its predecessor changed, or its own linking failed) and marks it settled. */
async function resettle(lc: LinkContext, record: DeploymentRecord): Promise<void> {
  await settleDeployment(lc, record, null);
  await lc.store.deployments.markDeploymentSettled(record.id, lc.now());
}

/** Works out what `record` ships relative to its predecessor, records it, and learns unknown changes. */
export async function settleDeployment(
  lc: LinkContext,
  record: DeploymentRecord,
  observed: ProductionDeployment | null,
): Promise<string[]> {
  const notes: string[] = [];
  const current = asProduction(record, lc.scope.fullName);
  const previousRecord = await lc.store.deployments.adjacentDeployment(record, "previous");
  let previous: ProductionDeployment | null = previousRecord ? asProduction(previousRecord, lc.scope.fullName) : null;
  if (!previous) {
    const sha = await previousShaOnGitHub(lc, current, observed);
    if (sha) previous = { ...current, sourceId: `github-previous-${sha}`, sha, succeededAt: current.succeededAt - 1 };
  }
  let compare: CompareResult | null = null;
  let range: RangeCommit[] = [];
  let comparable = true;
  if (previous?.sha && previous.sha !== current.sha) {
    const { owner, repo } = lc.scope;
    const forward =
      lc.ranges?.compare(previous.sha, current.sha as string) ??
      (await compareCommits(lc.octokit, { owner, repo, base: previous.sha, head: current.sha as string }));
    if (forward === null) {
      // GitHub's 404 is asked again while the delivery has attempts left (about 20 minutes of them):
      // a commit just pushed can be missing from a replica for a moment, and a baseline made of
      // that would never ship what this deployment brought.
      if (lc.retried) {
        throw new Error(`GitHub cannot compare ${previous.sha}...${current.sha} (404): asked again`);
      }
      // The previous production commit is gone, or shares no history with this one (main was
      // rewritten): what this deployment adds cannot be known. A new baseline (with the previous
      // sha it could not be compared with): it ships nothing, as a chain's first deployment does,
      // and the next ones are compared with it.
      comparable = false;
    } else {
      range = forward.commits;
      if (!forward.complete) notes.push(`Only the first ${forward.commits.length} commits of this range were read.`);
      if (forward.via === "history")
        notes.push("GitHub could not compare this range; its commits were read from the history.");
      let behind: string[] = [];
      if (forward.status === "behind") {
        const backward =
          lc.ranges?.compare(current.sha as string, previous.sha) ??
          (await compareCommits(lc.octokit, { owner, repo, base: current.sha as string, head: previous.sha }));
        behind = backward?.commits.map((c) => c.sha) ?? [];
      }
      compare = { status: forward.status, aheadShas: forward.commits.map((c) => c.sha), behindShas: behind };
    }
  }
  const outcome = whatDeploymentShips(comparable ? previous : null, current, compare);
  if (outcome.shipped.length > 0)
    await learnUnknownChanges(lc, outcome.shipped, range, record.ref ?? lc.scope.defaultBranch);
  await recordSettlement(
    lc.store,
    record.id,
    {
      outcome: outcome.kind,
      previousSha: previous?.sha ?? null,
      shipped: outcome.shipped,
      rolledBack: outcome.rolledBack,
    },
    lc.now(),
  );
  return notes;
}

/**
 * The environment's previous successful deployment on GitHub, for a deployment with no
 * predecessor in the ledger (the app was installed after it). Null when there is none at all.
 */
async function previousShaOnGitHub(
  lc: LinkContext,
  d: ProductionDeployment,
  observed: ProductionDeployment | null,
): Promise<string | null> {
  const { owner, repo } = lc.scope;
  switch (d.source) {
    case "push": {
      // The branch's tip before the push: GitHub's own answer, no call needed.
      const before = d.sourceId.split("..")[0] ?? "";
      return before && !ZERO.test(before) ? before : null;
    }
    case "deployment": {
      const environment = observed?.environment ?? d.environment;
      // Newest first; a backfill's deployment may have many later ones: pages until ten earlier.
      const earlier: Array<{ id: number; sha: string }> = [];
      for (let page = 1; page <= PREDECESSOR_PAGES && earlier.length < 10; page++) {
        const { data } = await lc.octokit.rest.repos.listDeployments({ owner, repo, environment, per_page: 100, page });
        for (const x of data) {
          // Never production (productionDeploymentFrom), so never a predecessor: a pull request's
          // test merge taken as one made the next deployment a rollback that shipped nothing.
          if (x.transient_environment === true || isPullRequestRef(x.ref)) continue;
          if (String(x.id) !== d.sourceId && Date.parse(x.created_at) <= d.succeededAt) earlier.push(x);
        }
        if (data.length < 100) break;
      }
      for (const candidate of earlier.slice(0, 10)) {
        const at = (await deploymentStatuses(lc, candidate.id)).succeededAt;
        if (at !== null && at < d.succeededAt) return candidate.sha;
      }
      return null;
    }
    case "release": {
      // Newest created first: pages until one published before it (the latest of those read).
      let last: { tag_name: string; published_at: string } | null = null;
      for (let page = 1; page <= PREDECESSOR_PAGES; page++) {
        const { data } = await lc.octokit.rest.repos.listReleases({ owner, repo, per_page: 100, page });
        for (const r of data) {
          if (r.draft || r.prerelease || !r.published_at || String(r.id) === d.sourceId) continue;
          if (Date.parse(r.published_at) >= d.succeededAt) continue;
          if (!last || Date.parse(r.published_at) > Date.parse(last.published_at)) {
            last = { tag_name: r.tag_name, published_at: r.published_at };
          }
        }
        if (last || data.length < 100) break;
      }
      return last ? resolveTag(lc, last.tag_name) : null;
    }
    case "workflow_run": {
      const path = d.environment.startsWith("workflow:") ? d.environment.slice("workflow:".length) : "";
      const file = path.split("/").pop();
      if (!file) return null;
      // The ledger keeps environments lower-cased; GitHub names a workflow by its file as written
      // (`Deploy.yml`): its id, from the repository's workflows, whatever the case.
      const { data: workflows } = await lc.octokit.rest.actions.listRepoWorkflows({ owner, repo, per_page: 100 });
      const workflow = workflows.workflows.find((w) => w.path.toLowerCase() === path.toLowerCase());
      const { data } = await lc.octokit.rest.actions.listWorkflowRuns({
        owner,
        repo,
        workflow_id: workflow?.id ?? file,
        status: "success",
        ...(d.ref ? { branch: d.ref } : {}),
        // Created before it succeeded: a backfill's run may have many later ones.
        created: `<=${new Date(d.succeededAt).toISOString()}`,
        per_page: 20,
      });
      const earlier = data.workflow_runs
        .filter((r) => String(r.id) !== workflowRunIdOf(d.sourceId) && Date.parse(r.updated_at) < d.succeededAt)
        .sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
      return earlier[0]?.head_sha ?? null;
    }
  }
}

/** Pages of 100 read back for a deployment's or a release's predecessor on GitHub. */
const PREDECESSOR_PAGES = 10;

/**
 * Shipped commits whose change the ledger does not know (merged before the installation, or a
 * missed delivery): their pull requests are looked up in batches and recorded; a commit with no
 * pull request is a direct push, a change of its own. A commit of a pull request still open (its
 * branch deployed to production before the merge) is neither: the pull request becomes a change
 * when it merges, and ships with the first deployment after that. Known commits cost nothing.
 */
async function learnUnknownChanges(lc: LinkContext, shipped: string[], range: RangeCommit[], branch: string) {
  const known = await lc.store.changes.knownShas(lc.scope.repositoryId, shipped);
  const unknown = shipped.filter((sha) => !known.has(sha));
  if (unknown.length === 0) return;
  const inRange = new Set(shipped);
  const associated = await findAssociatedPulls(lc.octokit, { owner: lc.scope.owner, repo: lc.scope.repo }, unknown);
  const pulls = new Set<number>();
  const direct: string[] = [];
  for (const sha of unknown) {
    const candidates = associated.get(sha) ?? [];
    const merged = candidates.filter((p) => p.merged && p.mergeCommitSha && inRange.has(p.mergeCommitSha));
    if (merged.length > 0) for (const p of merged) pulls.add(p.number);
    else if (!candidates.some((p) => p.merged || p.open)) direct.push(sha);
  }
  for (const number of pulls) {
    const { data } = await lc.octokit.rest.pulls.get({
      owner: lc.scope.owner,
      repo: lc.scope.repo,
      pull_number: number,
    });
    await recordMergedPull(lc, data as unknown as PullRequestLike);
  }
  const bySha = new Map(range.map((c) => [c.sha, c]));
  for (const sha of direct) {
    const commit = bySha.get(sha);
    // A merge commit of a pull request the ledger knows is not a direct push of its own.
    if (commit && commit.parents.length <= 1)
      await recordPushedCommit(lc, commit, branch.replace(/^refs\/heads\//, ""));
  }
}

/** A GitHub deployment's statuses, and when it first succeeded (null: never). */
export async function deploymentStatuses(lc: LinkContext, deploymentId: number) {
  const { data: statuses } = await lc.octokit.rest.repos.listDeploymentStatuses({
    owner: lc.scope.owner,
    repo: lc.scope.repo,
    deployment_id: deploymentId,
    per_page: 100,
  });
  return { statuses, succeededAt: successTimeFromStatuses(statuses) };
}
