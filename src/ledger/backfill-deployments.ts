// The production deployments of a backfill window, read from the repository's configured source
// and shaped as the webhooks that would have announced them, so that backfill links them through
// the same use case as live delivery (link-deployment.ts), in success-time order. Which of them
// are production deployments is decided by the same function as live (productionDeploymentFrom),
// on the same payload shapes; only metadata is read (no diffs, no files).
//
// - deployment: GitHub's deployments, newest first, and their statuses in batches of 100 by GraphQL
//   node id (one call per 100 deployments instead of one each).
// - release: the releases list.
// - workflow_run: the runs of the deploy workflow(s) on the deploying branch, and the earlier
//   attempts of re-run ones (a re-run is a deployment of its own live: often a rollback).
// - push: one walk of the deploying branch's history (GraphQL). GitHub keeps no list of pushes, so
//   each first-parent commit is taken as one push of itself (`<parent>..<commit>`): the one place
//   where backfill can differ from live, which saw a push of several first-parent commits at once
//   (a rebase merge, a local branch pushed with several commits) as one deployment. Its time is the
//   commit's committer date, an estimate of the push (`succeededAtPrecision: "estimate"`, as live
//   when a push payload has no pushed_at).
//
// The walk's commits fill a CommitGraph (src/ledger/core/commit-graph.ts): given to linking as
// `LinkContext.ranges`, it settles deployments without a compare call per deployment.

import {
  isDeployWorkflow,
  isPullRequestRef,
  productionDeploymentFrom,
  successTimeFromStatuses,
  type WebhookEvent,
} from "../deployments/sources.js";
import { CommitGraph, type GraphCommit } from "./core/commit-graph.js";
import { compareDeployments } from "./core/deployment-order.js";
import { deploymentStatuses, type LinkContext } from "./link-deployment.js";

/** A deployment's success as the webhook that would have announced it. */
export interface DeploymentStep {
  /** When it succeeded (ms). */
  at: number;
  /** What identifies it among the window's steps (its source key), for resuming after it. */
  key: string;
  event: WebhookEvent;
}

export interface DeploymentHistory {
  /** Oldest success first. */
  steps: DeploymentStep[];
  /** What was not read, and why. */
  notes: string[];
  /**
   * The commits read on the way (the push source's walk of its branch), added to the graph given
   * (options.graph, else `lc.ranges` when it is a CommitGraph) or to a new one. Link the steps
   * with `{ ...lc, ranges: graph }` to settle them from it.
   */
  graph: CommitGraph;
}

export interface DeploymentHistoryOptions {
  /** The graph to add the commits read to (the one the pull-request phase fills too). */
  graph?: CommitGraph;
  /**
   * Also walk the deploying branch (`deployments.branch`, else the default branch) for a source
   * other than push, whose history is not read otherwise: a GraphQL page per 100 commits of the
   * window, for no compare call per deployment of that branch (a deployment of another ref is
   * still compared by GitHub).
   */
  walkBranch?: boolean;
}

/** Deployments, releases, workflows per page (GitHub's maximum). */
const PAGE = 100;
/**
 * Releases and workflow runs are listed by creation time, but succeed later (a draft published, an
 * old run re-run to roll back): those created up to this long before the window are read too.
 */
export const LATE_SUCCESS_LOOKBACK_MS = 30 * 24 * 3_600_000;
/** GitHub returns at most 1,000 workflow runs for a filtered list: a longer creation range is split. */
const RUN_SEARCH_CAP = 1_000;

/**
 * The repository's production deployments that succeeded at or after `since`, oldest first, as
 * webhook events for linkDeploymentEvent; and the graph of commits read on the way.
 */
export async function deploymentHistory(
  lc: LinkContext,
  since: number,
  options: DeploymentHistoryOptions = {},
): Promise<DeploymentHistory> {
  const graph = options.graph ?? (lc.ranges instanceof CommitGraph ? lc.ranges : new CommitGraph());
  const notes: string[] = [];
  let events: WebhookEvent[];
  switch (lc.config.deployments.source) {
    case "deployment":
      events = await githubDeployments(lc, since);
      break;
    case "release":
      events = await releases(lc, since);
      break;
    case "workflow_run":
      events = await workflowRuns(lc, since, notes);
      break;
    case "push":
      events = await branchPushes(lc, since, graph);
      break;
  }
  if (options.walkBranch && lc.config.deployments.source !== "push") {
    await readBranchHistory(lc, { branch: lc.config.deployments.branch ?? lc.scope.defaultBranch, since, graph });
  }
  // The same verdict as live: production or not, its source key and its success time.
  const steps = new Map<string, DeploymentStep>();
  for (const event of events) {
    const verdict = productionDeploymentFrom(event, lc.config.deployments);
    if (verdict.kind !== "production" || verdict.deployment.succeededAt < since) continue;
    const key = `${verdict.deployment.source}:${verdict.deployment.sourceId}`;
    if (!steps.has(key)) steps.set(key, { at: verdict.deployment.succeededAt, key, event });
  }
  // The one order of deployments (success time, then source key), as the ledger orders chains.
  const ordered = [...steps.values()].sort((a, b) =>
    compareDeployments({ succeededAt: a.at, sourceKey: a.key }, { succeededAt: b.at, sourceKey: b.key }),
  );
  if (graph.overflowed) notes.push(`more than ${graph.maxCommits} commits read: deployments are compared by GitHub`);
  return { steps: ordered, notes, graph };
}

/** The repository as webhooks describe it (the fields the sources read). */
function repositoryOf(lc: LinkContext) {
  return { id: lc.scope.repositoryId, full_name: lc.scope.fullName, default_branch: lc.scope.defaultBranch };
}

// ---- deployment ---------------------------------------------------------------------------------

const STATUSES_QUERY = `query DeploymentStatuses($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Deployment {
      databaseId
      statuses(first: 20) { totalCount nodes { state createdAt environment logUrl } }
    }
  }
}`;

interface StatusesPage {
  nodes: Array<{
    databaseId?: number | null;
    statuses?: {
      totalCount: number;
      nodes: Array<{ state: string; createdAt: string; environment: string | null; logUrl: string | null }>;
    };
  } | null>;
}

interface RestStatus {
  state: string;
  created_at: string;
  environment?: string | null;
  log_url?: string | null;
  target_url?: string | null;
}

/** GitHub deployments that succeeded at or after `since`, as deployment_status events. */
async function githubDeployments(lc: LinkContext, since: number): Promise<WebhookEvent[]> {
  const { owner, repo } = lc.scope;
  const candidates: Array<{ id: number; node_id?: string; created_at: string } & Record<string, unknown>> = [];
  for (let page = 1; ; page++) {
    const { data } = await lc.octokit.rest.repos.listDeployments({ owner, repo, per_page: PAGE, page });
    for (const deployment of data) {
      // Never production, whatever its statuses say: no need to read them.
      if (deployment.transient_environment === true) continue;
      if (isPullRequestRef(deployment.ref)) continue;
      candidates.push(deployment);
    }
    // Listed newest first: a page that ends before the window ends the listing.
    const last = data.at(-1);
    if (data.length < PAGE || (last && Date.parse(last.created_at) < since)) break;
  }

  // Statuses by GraphQL, 100 deployments a call; one with more statuses than a page, by REST.
  const statusesOf = new Map<number, RestStatus[]>();
  const byNode = candidates.filter((d) => typeof d.node_id === "string");
  for (let i = 0; i < byNode.length; i += PAGE) {
    const batch = byNode.slice(i, i + PAGE);
    const page: StatusesPage = await lc.octokit.graphql(STATUSES_QUERY, { ids: batch.map((d) => d.node_id) });
    for (const node of page.nodes) {
      if (!node?.databaseId || !node.statuses || node.statuses.totalCount > node.statuses.nodes.length) continue;
      statusesOf.set(
        node.databaseId,
        node.statuses.nodes.map((s) => ({
          state: s.state.toLowerCase(),
          created_at: s.createdAt,
          environment: s.environment,
          log_url: s.logUrl,
        })),
      );
    }
  }

  const events: WebhookEvent[] = [];
  for (const deployment of candidates) {
    const statuses = statusesOf.get(deployment.id) ?? (await deploymentStatuses(lc, deployment.id)).statuses;
    const at = successTimeFromStatuses(statuses);
    const success = statuses.find((s) => s.state === "success" && Date.parse(s.created_at) === at);
    if (at === null || at < since || success === undefined) continue;
    events.push({
      name: "deployment_status",
      payload: {
        deployment,
        deployment_status: {
          ...success,
          state: "success",
          environment: success.environment || (deployment.environment as string),
        },
        repository: repositoryOf(lc),
      },
    });
  }
  return events;
}

// ---- release ------------------------------------------------------------------------------------

/** The repository's releases created since the lookback before `since`, as `published` events. */
async function releases(lc: LinkContext, since: number): Promise<WebhookEvent[]> {
  const { owner, repo } = lc.scope;
  const events: WebhookEvent[] = [];
  for (let page = 1; ; page++) {
    const { data } = await lc.octokit.rest.repos.listReleases({ owner, repo, per_page: PAGE, page });
    for (const release of data) {
      events.push({ name: "release", payload: { action: "published", release, repository: repositoryOf(lc) } });
    }
    // Listed newest created first.
    const last = data.at(-1);
    if (data.length < PAGE || (last && Date.parse(last.created_at) < since - LATE_SUCCESS_LOOKBACK_MS)) return events;
  }
}

// ---- workflow_run -------------------------------------------------------------------------------

interface RunLike {
  id: number;
  status: string | null;
  conclusion: string | null;
  run_attempt?: number;
  created_at: string;
  updated_at: string;
}

/**
 * Completed runs of the deploy workflow(s) on the deploying branch, created since the lookback
 * before `since`, as `completed` events: each successful run as its latest attempt, and each
 * successful earlier attempt of a re-run run (read one by one: re-runs are few).
 */
async function workflowRuns(lc: LinkContext, since: number, notes: string[]): Promise<WebhookEvent[]> {
  const { owner, repo } = lc.scope;
  const config = lc.config.deployments;
  const branch = config.branch ?? lc.scope.defaultBranch;
  const workflows: Array<{ id: number; name: string; path: string }> = [];
  for (let page = 1; ; page++) {
    const { data } = await lc.octokit.rest.actions.listRepoWorkflows({ owner, repo, per_page: PAGE, page });
    workflows.push(...data.workflows.filter((w) => isDeployWorkflow(w, config)));
    if (data.workflows.length < PAGE) break;
  }
  if (workflows.length === 0) notes.push(`no workflow matches deployments.workflow "${config.workflow ?? ""}"`);

  const events: WebhookEvent[] = [];
  for (const workflow of workflows) {
    const runs = await runsCreatedIn(lc, workflow.id, branch, since - LATE_SUCCESS_LOOKBACK_MS, lc.now());
    for (const run of runs) {
      // Every attempt completed by the latest one's completion: none in the window.
      if (Date.parse(run.updated_at) < since) continue;
      const event = (attempt: RunLike) => ({
        name: "workflow_run",
        payload: {
          action: "completed",
          workflow: { id: workflow.id, name: workflow.name, path: workflow.path },
          workflow_run: attempt,
          repository: repositoryOf(lc),
        },
      });
      if (run.conclusion === "success") events.push(event(run));
      for (let n = 1; n < (run.run_attempt ?? 1); n++) {
        const { data } = await lc.octokit.rest.actions.getWorkflowRunAttempt({
          owner,
          repo,
          run_id: run.id,
          attempt_number: n,
        });
        if (data.status === "completed" && data.conclusion === "success") events.push(event(data as RunLike));
      }
    }
  }
  return events;
}

/** A workflow's completed runs on a branch created in [from, to] (ms), every page; split past GitHub's cap. */
async function runsCreatedIn(
  lc: LinkContext,
  workflowId: number,
  branch: string,
  from: number,
  to: number,
): Promise<RunLike[]> {
  const { owner, repo } = lc.scope;
  const created = `${isoSeconds(from)}..${isoSeconds(to)}`;
  const runs: RunLike[] = [];
  for (let page = 1; ; page++) {
    const { data } = await lc.octokit.rest.actions.listWorkflowRuns({
      owner,
      repo,
      workflow_id: workflowId,
      branch,
      status: "completed",
      created,
      per_page: PAGE,
      page,
    });
    if (page === 1 && data.total_count > RUN_SEARCH_CAP && to - from > 60_000) {
      const middle = Math.floor((from + to) / 2_000) * 1_000;
      return [
        ...(await runsCreatedIn(lc, workflowId, branch, from, middle)),
        ...(await runsCreatedIn(lc, workflowId, branch, middle + 1_000, to)),
      ];
    }
    runs.push(...(data.workflow_runs as RunLike[]));
    if (data.workflow_runs.length < PAGE) return runs;
  }
}

/** A time as GitHub's search filters take it: to the second. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1_000) * 1_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// ---- push ---------------------------------------------------------------------------------------

const HISTORY_QUERY = `query BranchHistory($owner: String!, $repo: String!, $rev: String!, $since: GitTimestamp, $cursor: String) {
  repository(owner: $owner, name: $repo) {
    object(expression: $rev) {
      ... on Commit {
        oid
        history(first: 100, after: $cursor, since: $since) {
          pageInfo { hasNextPage endCursor }
          nodes {
            oid message committedDate authoredDate
            author { name email user { login } }
            parents(first: 100) { totalCount nodes { oid } }
          }
        }
      }
    }
  }
}`;

interface HistoryPage {
  repository: {
    object: {
      oid?: string;
      history?: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: Array<{
          oid: string;
          message: string;
          committedDate: string;
          authoredDate: string | null;
          author: { name: string | null; email: string | null; user: { login: string } | null } | null;
          parents: { totalCount: number; nodes: Array<{ oid: string }> };
        }>;
      };
    } | null;
  } | null;
}

/** A commit of a branch's first-parent history: what one push of it would have said. */
export interface BranchCommit {
  sha: string;
  /** Its first parent (the branch's tip before it), or null for a root commit. */
  parent: string | null;
  /** Its committer date (ms). */
  committedAt: number;
  message: string;
}

/**
 * Walks a branch's history back to `since` (every commit of it committed since, read once, in
 * pages of 100) and adds the commits to `graph` as a history walk; returns the branch's
 * first-parent commits in the window, newest first. A walk that does not move (a cursor GitHub
 * repeats, a commit seen twice) stops.
 */
export async function readBranchHistory(
  lc: LinkContext,
  options: { branch: string; since: number; graph: CommitGraph },
): Promise<BranchCommit[]> {
  const { owner, repo } = lc.scope;
  const walked = new Map<string, BranchCommit>();
  let rev = `refs/heads/${options.branch}`;
  let tip: string | null = null;
  let cursor: string | null = null;
  for (;;) {
    const page: HistoryPage = await lc.octokit.graphql(HISTORY_QUERY, {
      owner,
      repo,
      rev,
      since: new Date(options.since).toISOString(),
      cursor,
    });
    const object = page.repository?.object;
    if (!object?.oid || !object.history) break;
    // Later pages start from the tip the first one saw, whatever the branch did since.
    tip ??= object.oid;
    rev = tip;
    const commits: GraphCommit[] = [];
    let repeated = false;
    for (const n of object.history.nodes) {
      if (walked.has(n.oid)) {
        repeated = true;
        continue;
      }
      const parents = n.parents.nodes.map((p) => p.oid);
      walked.set(n.oid, {
        sha: n.oid,
        parent: parents[0] ?? null,
        committedAt: Date.parse(n.committedDate),
        message: n.message,
      });
      commits.push({
        sha: n.oid,
        parents,
        partial: n.parents.totalCount > parents.length,
        message: n.message,
        author: { name: n.author?.name ?? "", email: n.author?.email ?? "", login: n.author?.user?.login ?? null },
        authoredAt: n.authoredDate ? Date.parse(n.authoredDate) : null,
      });
    }
    options.graph.addHistory(commits);
    const next = object.history.pageInfo.endCursor;
    if (repeated || !object.history.pageInfo.hasNextPage || !next || next === cursor) break;
    cursor = next;
  }
  // The first-parent chain from the tip, within the window.
  const chain: BranchCommit[] = [];
  for (let at = tip === null ? undefined : walked.get(tip); at; at = at.parent ? walked.get(at.parent) : undefined) {
    if (at.committedAt < options.since) break;
    chain.push(at);
  }
  return chain;
}

const ZERO = "0".repeat(40);

/** The deploying branch's first-parent commits since `since`, each as a push of itself. */
async function branchPushes(lc: LinkContext, since: number, graph: CommitGraph): Promise<WebhookEvent[]> {
  const branch = lc.config.deployments.branch ?? lc.scope.defaultBranch;
  const chain = await readBranchHistory(lc, { branch, since, graph });
  return chain.map((c) => {
    const before = c.parent ?? ZERO;
    return {
      name: "push",
      payload: {
        ref: `refs/heads/${branch}`,
        before,
        after: c.sha,
        created: false,
        deleted: false,
        forced: false,
        compare: `https://github.com/${lc.scope.fullName}/compare/${before.slice(0, 12)}...${c.sha.slice(0, 12)}`,
        // No pushed_at: GitHub keeps no push times, and the commit's date is an estimate of it.
        head_commit: { id: c.sha, message: c.message, timestamp: new Date(c.committedAt).toISOString() },
        repository: repositoryOf(lc),
      },
    };
  });
}
