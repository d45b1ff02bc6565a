// One history for the backfill tests: a quarter in miniature on a model of GitHub, and the ledger
// rows a report or a check would read of it, keyed by what identifies them on GitHub (so that two
// ledgers built differently can be compared row by row).
import { defaultHandlers } from "../../src/app.js";
import { defaults, type RepoConfig } from "../../src/config/repo-config.js";
import type { LinkContext } from "../../src/ledger/link-deployment.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { type Payload, webhookFixture } from "./fixtures.js";
import type { GitHubModel } from "./github-model.js";
import { loadApp } from "./probot.js";
import { Scenario } from "./scenario.js";

export const INSTALLATION = 99;

/** A quarter-like history in miniature: a deployment before the window, then merges and deployments. */
export function history(sc = new Scenario()) {
  const before = sc.deploy(sc.main, -48);
  sc.merge(1, { ai: true, at: 2 });
  sc.merge(2, { method: "merge", at: 3 });
  const first = sc.deploy(sc.main, 4);
  sc.merge(3, { method: "rebase", at: 5, commits: 2 });
  sc.merge(5, { method: "squash", at: 5.5, title: "Fix login" });
  const second = sc.deploy(sc.main, 6);
  const redeploy = sc.deploy(sc.main, 7);
  sc.merge(6, { title: 'Revert "Change 1"', body: "Reverts acme/shop#1\n\nIt broke checkout.", at: 8 });
  const third = sc.deploy(sc.main, 9);
  // Merged, not deployed yet: only the pull request listing finds it.
  sc.merge(7, { at: 10, ai: true });
  return { sc, deployments: [first, second, redeploy, third], before };
}

/**
 * Every row a report or a check would read, keyed by what identifies it on GitHub: the changes of
 * the model's pull requests and of its commits pushed straight to a branch, the deployments with
 * what each shipped.
 */
export async function ledgerRows(store: Store, sc: Scenario) {
  const deployments = await store.deployments.listDeployments(INSTALLATION, sc.gh.repositoryId);
  const keyOf = new Map(deployments.map((d) => [d.id, d.sourceKey]));
  const found = [];
  for (const number of [...sc.gh.pulls.keys()].sort((a, b) => a - b))
    found.push(await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, number));
  for (const sha of [...sc.gh.commits.keys()].sort())
    found.push(await store.changes.getPushChange(INSTALLATION, sc.gh.repositoryId, sha));
  const changes = [];
  for (const c of found) {
    if (!c) continue;
    // When each path read the pull request (its updated_at) is bookkeeping, as updatedAt is.
    const { id: _id, updatedAt: _updated, pullUpdatedAt: _read, shippedDeploymentId, ...rest } = c;
    changes.push({
      ...rest,
      shippedBy: shippedDeploymentId === null ? null : keyOf.get(shippedDeploymentId),
      commits: (await store.changes.listChangeCommits(c.id)).map((k) => k.sha),
    });
  }
  return {
    changes,
    deployments: await Promise.all(
      deployments.map(async ({ id, updatedAt: _u, settledAt: _s, reportedAt: _r, ...d }) => ({
        ...d,
        id: undefined,
        shipped: (await store.changes.changesShippedBy(INSTALLATION, id)).map((c) => c.number ?? c.headSha),
      })),
    ),
  };
}

/**
 * GitHub's installation.created delivery for the model's owner, with its one repository, installed
 * at `createdAt` (ms; default: when it is received).
 */
export function installationCreated(sc: Scenario, createdAt?: number) {
  const payload = webhookFixture("installation.created");
  payload.installation.id = INSTALLATION;
  if (createdAt === undefined) delete payload.installation.created_at;
  else payload.installation.created_at = Math.floor(createdAt / 1000);
  payload.installation.account = { ...payload.installation.account, id: sc.gh.ownerId, login: sc.gh.owner };
  payload.repositories = [
    { id: sc.gh.repositoryId, name: sc.gh.repo, full_name: `${sc.gh.owner}/${sc.gh.repo}`, private: false },
  ];
  return payload;
}

/**
 * Delivers the history's merges (every pull request the model has, merged or not: a closed one is
 * ignored) and the given deployments' successes as webhooks, in the order they happened, and lets
 * the worker process each before the next.
 */
export async function deliverLive(
  app: Awaited<ReturnType<typeof loadApp>>,
  sc: Scenario,
  deployments: number[],
  options: { skipPulls?: number[]; skipDeployments?: number[] } = {},
): Promise<void> {
  const events: Array<{ at: number; name: string; payload: Payload }> = [];
  for (const [number, pull] of sc.gh.pulls) {
    if (options.skipPulls?.includes(number)) continue;
    events.push({
      at: Date.parse(pull.merged_at as string),
      name: "pull_request",
      payload: sc.gh.closedEvent(number, INSTALLATION),
    });
  }
  for (const id of deployments) {
    if (options.skipDeployments?.includes(id)) continue;
    const payload = sc.gh.statusEvent(id, "success", INSTALLATION);
    events.push({ at: Date.parse(payload.deployment_status.created_at), name: "deployment_status", payload });
  }
  events.sort((a, b) => a.at - b.at || (a.name === b.name ? 0 : a.name === "pull_request" ? -1 : 1));
  let n = 0;
  for (const e of events) {
    await app.probot.receive({ id: `live-${++n}`, name: e.name as never, payload: e.payload });
    await app.worker.drain();
  }
}

/**
 * The context a backfill of `sc`'s repository runs in, on `store`, with the installation and its
 * repository recorded there as the installation event records them (`config`: the repository's
 * settings).
 */
export async function backfillContextOf(
  store: Store,
  app: Awaited<ReturnType<typeof loadApp>>,
  sc: { gh: GitHubModel },
  now: number,
  config: RepoConfig = defaults,
): Promise<LinkContext> {
  const fullName = `${sc.gh.owner}/${sc.gh.repo}`;
  await store.installations.upsertInstallation({
    id: INSTALLATION,
    accountId: sc.gh.ownerId,
    accountLogin: sc.gh.owner,
    accountType: "Organization",
    now,
  });
  await store.installations.upsertRepositories(
    INSTALLATION,
    [{ id: sc.gh.repositoryId, fullName, private: false, defaultBranch: "main" }],
    now,
  );
  return {
    octokit: await app.probot.auth(INSTALLATION),
    store,
    now: () => now,
    scope: {
      installationId: INSTALLATION,
      repositoryId: sc.gh.repositoryId,
      owner: sc.gh.owner,
      repo: sc.gh.repo,
      fullName,
      defaultBranch: "main",
    },
    config,
    log: app.probot.log,
  };
}

/** A ledger and an app over the model GitHub of `sc` (already mounted), and a backfill's context (backfillContextOf). */
export async function backfillSetup(
  sc: { gh: GitHubModel },
  now: number,
  config: RepoConfig = defaults,
): Promise<{ store: Store; app: Awaited<ReturnType<typeof loadApp>>; lc: LinkContext }> {
  const store = await openStore(":memory:");
  const app = await loadApp({
    store,
    now: () => now,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  return { store, app, lc: await backfillContextOf(store, app, sc, now, config) };
}

/** The `push` webhook GitHub sends for a push of `sc`'s model (to main), as live delivery has it. */
export function pushEvent(
  sc: { gh: GitHubModel },
  push: { before: string; after: string; at: string },
): { at: number; name: "push"; payload: Payload } {
  const head = sc.gh.commits.get(push.after);
  const at = Date.parse(push.at);
  return {
    at,
    name: "push",
    payload: {
      ref: "refs/heads/main",
      before: push.before,
      after: push.after,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `https://github.com/${sc.gh.owner}/${sc.gh.repo}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
      commits: [],
      head_commit: { id: push.after, message: head?.message ?? "", timestamp: head?.date },
      repository: { ...sc.gh.repositoryJson(), pushed_at: Math.floor(at / 1000) },
      pusher: { name: "lead", email: "lead@example.com" },
      installation: { id: INSTALLATION },
    },
  };
}
