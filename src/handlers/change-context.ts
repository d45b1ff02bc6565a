// The repository a delivery is about, and what recording its changes needs: shared by the handlers
// of merges and of deployments.

import { loadRepoConfig } from "../github/repo-config-loader.js";
import type { ChangeContext, RepositoryScope } from "../ledger/record-merge.js";
import { rememberSettings } from "./settings.js";
import { type DeliveryContext, installationIdOf } from "./types.js";

/** The parts of a webhook's `repository` that name it (every event about a repository has them). */
interface RepositoryPayload {
  id: number;
  name: string;
  full_name: string;
  default_branch?: string;
  master_branch?: string;
  /** Never null in a delivery, though GitHub's types for `push` allow it. */
  owner: { login: string } | null;
}

export function scopeOf(payload: { installation?: { id: number }; repository: RepositoryPayload }): RepositoryScope {
  const { repository } = payload;
  if (repository.owner === null) throw new Error(`repository ${repository.full_name} has no owner in the delivery`);
  return {
    installationId: installationIdOf(payload),
    repositoryId: repository.id,
    owner: repository.owner.login,
    repo: repository.name,
    fullName: repository.full_name,
    defaultBranch: repository.default_branch ?? repository.master_branch ?? "main",
  };
}

export async function changeContext(
  ctx: Pick<DeliveryContext, "octokit" | "store" | "now" | "configReads">,
  scope: RepositoryScope,
): Promise<ChangeContext> {
  // Problems in the file are shown on pull request checks; here the valid parts and defaults apply.
  const loaded = await loadRepoConfig(
    ctx.octokit,
    { owner: scope.owner, repo: scope.repo },
    ctx.configReads.forInstallation(scope.installationId),
  );
  await rememberSettings(ctx.store, scope, loaded, ctx.now());
  return { octokit: ctx.octokit, store: ctx.store, now: ctx.now, scope, config: loaded.config };
}
