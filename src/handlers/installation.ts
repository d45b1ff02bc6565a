import { loadRepoConfig } from "../github/repo-config-loader.js";
import { rememberSettings } from "./settings.js";
import type { DeliveryContext, HandlerRegistry } from "./types.js";

interface RepositoryRef {
  id: number;
  full_name: string;
  private: boolean;
  default_branch?: string;
}

interface InstallationPayload {
  action: string;
  installation: { id: number; account: { login: string; type?: string } | null; suspended_at?: string | null };
  repositories?: RepositoryRef[];
  repositories_added?: RepositoryRef[];
  repositories_removed?: RepositoryRef[];
}

const toRepository = (r: RepositoryRef) => ({
  id: r.id,
  fullName: r.full_name,
  private: r.private,
  defaultBranch: r.default_branch ?? null,
});

async function recordInstallation(context: DeliveryContext): Promise<void> {
  const { payload, store, now } = context;
  const p = payload as InstallationPayload;
  const at = now();
  if (p.action === "deleted") {
    await store.markInstallationDeleted(p.installation.id, at);
    return;
  }
  const suspendedAt = p.installation.suspended_at ? Date.parse(p.installation.suspended_at) : null;
  await store.upsertInstallation({
    id: p.installation.id,
    accountLogin: p.installation.account?.login ?? "unknown",
    accountType: p.installation.account?.type ?? "unknown",
    suspendedAt: p.action === "unsuspend" ? null : suspendedAt,
    now: at,
  });
  if (p.action === "created" && p.repositories) {
    await store.upsertRepositories(p.installation.id, p.repositories.map(toRepository), at, {
      receivedAt: context.delivery.receivedAt,
    });
  }
  if (p.action === "created" || p.action === "new_permissions_accepted" || p.action === "unsuspend") {
    await syncRepositories(context);
  }
}

/**
 * Installation payloads list repositories without their default branch, which decides what is
 * deployable; the installation's repository listing has it (100 per page, one call per page).
 */
async function syncRepositories({ payload, octokit, store, now }: DeliveryContext): Promise<void> {
  const installationId = (payload as InstallationPayload).installation.id;
  const repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  // GitHub's answer now: the installation has these repositories, whatever arrived before.
  await store.upsertRepositories(installationId, repositories.map(toRepository), now());
  // The organisation-wide file, when the app can read it: it sets the installation's minimum group
  // size, which a repository with a file of its own would otherwise never tell (one read).
  const organisation = repositories.find((r) => r.name === ".github");
  if (organisation) {
    const owner = organisation.owner.login;
    const loaded = await loadRepoConfig(octokit, { owner, repo: ".github" });
    await rememberSettings(store, { installationId, repositoryId: organisation.id, owner }, loaded, now());
  }
}

async function recordInstallationRepositories(context: DeliveryContext): Promise<void> {
  const { payload, store, now } = context;
  const p = payload as InstallationPayload;
  const at = now();
  await store.upsertInstallation({
    id: p.installation.id,
    accountLogin: p.installation.account?.login ?? "unknown",
    accountType: p.installation.account?.type ?? "unknown",
    now: at,
  });
  await store.upsertRepositories(p.installation.id, (p.repositories_added ?? []).map(toRepository), at, {
    receivedAt: context.delivery.receivedAt,
  });
  await store.markRepositoriesRemoved(
    p.installation.id,
    (p.repositories_removed ?? []).map((r) => r.id),
    at,
  );
  if ((p.repositories_added ?? []).length > 0) await syncRepositories(context);
}

export const installationHandlers: HandlerRegistry = {
  installation: [recordInstallation],
  installation_repositories: [recordInstallationRepositories],
};
