import { loadRepoConfig } from "../github/repo-config-loader.js";
import type { Store } from "../store/types.js";
import { rememberSettings } from "./settings.js";
import { type EventContext, type HandlerRegistry, handlers, PermanentDeliveryError } from "./types.js";

interface RepositoryRef {
  id: number;
  full_name: string;
  private: boolean;
  default_branch?: string;
}

interface Account {
  id: number;
  login: string;
  type?: string;
}

/**
 * What is read of `installation` and `installation_repositories` payloads (GitHub's types give the
 * account as a user or an enterprise, which has no login).
 */
interface InstallationPayload {
  action: string;
  installation: {
    id: number;
    account: Account | null;
    suspended_at?: string | null;
    /** When it was installed: epoch seconds in some payloads, ISO 8601 in others. */
    created_at?: number | string | null;
  };
  repositories?: RepositoryRef[];
  repositories_added?: RepositoryRef[];
  repositories_removed?: RepositoryRef[];
}

/** An installation's `created_at` (epoch seconds or ISO 8601) in ms; null when absent or unreadable. */
function installationTime(value: number | string | null | undefined): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value * 1000;
  if (typeof value === "string" && value.trim() !== "") {
    const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

const toRepository = (r: RepositoryRef) => ({
  id: r.id,
  fullName: r.full_name,
  private: r.private,
  defaultBranch: r.default_branch ?? null,
});

/**
 * An installation belongs to one account for good (a rename changes its login, not its id): a
 * delivery that gives a known installation another account is refused, and records nothing.
 */
async function checkAccount(store: Store, installationId: number, account: Account | null): Promise<void> {
  if (!account) return;
  const known = await store.installations.getInstallation(installationId);
  if (known?.accountId != null && known.accountId !== account.id) {
    throw new PermanentDeliveryError(
      `installation ${installationId} belongs to account ${known.accountId} (${known.accountLogin}), but the delivery names account ${account.id} (${account.login}); nothing was recorded`,
    );
  }
}

const accountOf = (account: Account | null) => ({
  accountId: account?.id ?? null,
  // No login in the payload: the one known stays (none is ever recorded as a login).
  accountLogin: account?.login || null,
  accountType: account?.type ?? "unknown",
});

async function recordInstallation(context: EventContext<"installation">): Promise<void> {
  const { payload, store, now } = context;
  const p = payload as InstallationPayload;
  const at = now();
  await checkAccount(store, p.installation.id, p.installation.account);
  if (p.action === "deleted") {
    await store.installations.markInstallationDeleted(p.installation.id, at);
    return;
  }
  const suspendedAt = p.installation.suspended_at ? Date.parse(p.installation.suspended_at) : null;
  await store.installations.upsertInstallation({
    id: p.installation.id,
    ...accountOf(p.installation.account),
    suspendedAt: p.action === "unsuspend" ? null : suspendedAt,
    now: at,
  });
  if (p.action === "created" && p.repositories) {
    // Heard since the installation was made: GitHub's own time of it (a redelivered or late
    // `created` still says when), else the delivery's receipt.
    const installedAt = installationTime(p.installation.created_at);
    const since =
      installedAt === null ? context.delivery.receivedAt : Math.min(installedAt, context.delivery.receivedAt);
    // The payload's list moves no repository from another installation: GitHub's listing
    // (syncRepositories, authenticated as this installation) does.
    await store.installations.upsertRepositories(p.installation.id, p.repositories.map(toRepository), at, {
      receivedAt: since,
      moves: false,
    });
  }
  if (p.action === "created" || p.action === "new_permissions_accepted" || p.action === "unsuspend") {
    await syncRepositories(context);
  }
  if (p.action === "created") {
    const repositories = await store.installations.listRepositories(p.installation.id);
    await queueBackfills(
      context,
      repositories.map((r) => r.id),
    );
  }
}

/** Queues the history of repositories the app was just given (BACKFILL_DAYS back). */
async function queueBackfills(
  { payload, store, now, app, log }: EventContext<"installation" | "installation_repositories">,
  repositoryIds: number[],
): Promise<void> {
  const days = app.backfill?.days ?? 0;
  if (days <= 0 || repositoryIds.length === 0) return;
  const at = now();
  const queued = await store.backfills.requestBackfills({
    installationId: payload.installation.id,
    repositoryIds,
    since: at - days * 24 * 60 * 60_000,
    kind: "install",
    now: at,
  });
  if (queued > 0) {
    log.info({ installation: payload.installation.id, repositories: queued, days }, "backfill queued");
    app.backfill?.queued?.();
  }
}

/**
 * Installation payloads list repositories without their default branch, which decides what is
 * deployable; the installation's repository listing has it (100 per page, one call per page).
 */
async function syncRepositories({
  payload,
  octokit,
  store,
  now,
  configReads,
}: EventContext<"installation" | "installation_repositories">): Promise<void> {
  const installationId = payload.installation.id;
  const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  // GitHub's answer now: the installation has these repositories, whatever arrived before.
  await store.installations.upsertRepositories(installationId, repositories.map(toRepository), now());
  // The organisation-wide file, when the app can read it: it sets the installation's minimum group
  // size, which a repository with a file of its own would otherwise never tell (one read).
  const organisation = repositories.find((r) => r.name === ".github");
  if (organisation) {
    const owner = organisation.owner.login;
    const loaded = await loadRepoConfig(
      octokit,
      { owner, repo: ".github" },
      configReads.forInstallation(installationId),
    );
    await rememberSettings(store, { installationId, repositoryId: organisation.id, owner }, loaded, now());
  }
}

async function recordInstallationRepositories(context: EventContext<"installation_repositories">): Promise<void> {
  const { payload, store, now } = context;
  const p = payload as InstallationPayload;
  const at = now();
  await checkAccount(store, p.installation.id, p.installation.account);
  await store.installations.upsertInstallation({
    id: p.installation.id,
    ...accountOf(p.installation.account),
    now: at,
  });
  await store.installations.upsertRepositories(p.installation.id, (p.repositories_added ?? []).map(toRepository), at, {
    receivedAt: context.delivery.receivedAt,
    moves: false,
  });
  await store.installations.markRepositoriesRemoved(
    p.installation.id,
    (p.repositories_removed ?? []).map((r) => r.id),
    at,
  );
  if ((p.repositories_added ?? []).length > 0) {
    await syncRepositories(context);
    await queueBackfills(
      context,
      (p.repositories_added ?? []).map((r) => r.id),
    );
  }
}

/**
 * The installation's account was renamed (`installation_target.renamed`, `organization.renamed`):
 * its new login, for the account the installation is known to belong to (by id) only.
 */
async function recordAccountRename({
  payload,
  store,
  now,
  log,
}: EventContext<"installation_target.renamed" | "organization.renamed">): Promise<void> {
  const p = payload as { account?: Account; organization?: Account; installation?: { id: number } };
  const account = p.account ?? p.organization;
  if (!account?.login || !p.installation) return;
  const known = await store.installations.getInstallation(p.installation.id);
  if (known?.accountId == null || known.accountId !== account.id) {
    log.warn(
      { installation: p.installation.id, account: account.id },
      "rename of an account the installation is not known to belong to: ignored",
    );
    return;
  }
  await store.installations.renameAccount(account.id, account.login, now());
}

export const installationHandlers: HandlerRegistry = handlers({
  installation: [recordInstallation],
  installation_repositories: [recordInstallationRepositories],
  "installation_target.renamed": [recordAccountRename],
  "organization.renamed": [recordAccountRename],
});
