// When a configuration file may have changed, the app forgets what it read of it (the cache of
// src/github/config-cache.ts), so that the next delivery reads it in full: a push to the default
// branch that touches `.github/shipledger.yml`, any push to the default branch of the owner's
// `.github` repository (the organisation file), and any change to an installation's repositories.
// These handlers run before the others of the same event (src/app.ts), so a push that is also a
// deployment reads the file it brings.

import { CONFIG_PATH } from "../github/repo-config-loader.js";
import { type EventContext, type HandlerRegistry, handlers, installationIdOf } from "./types.js";

/** GitHub lists at most this many commits in a push delivery; beyond, what it touched is unknown. */
export const PUSH_COMMITS_LISTED = 2048;

/** What is read of a push delivery. */
export interface PushLike {
  ref: string;
  created?: boolean;
  deleted?: boolean;
  forced?: boolean;
  repository: { name: string; default_branch?: string; master_branch?: string };
  commits?: Array<{ added?: string[]; modified?: string[]; removed?: string[] }>;
}

/** Whether a push may have changed the repository's configuration file, as the app reads it. */
export function pushMayChangeConfig(push: PushLike): boolean {
  const branch = push.repository.default_branch ?? push.repository.master_branch ?? "main";
  if (push.ref !== `refs/heads/${branch}`) return false;
  // The organisation file's repository: few pushes, and each could change what every repository runs with.
  if (push.repository.name.toLowerCase() === ".github") return true;
  // A branch created, deleted or rewritten: its commit list does not say what changed.
  if (push.created || push.deleted || push.forced) return true;
  const commits = push.commits ?? [];
  if (commits.length >= PUSH_COMMITS_LISTED) return true;
  return commits.some((c) =>
    [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].some((path) => path === CONFIG_PATH),
  );
}

async function onPush(ctx: EventContext<"push">): Promise<void> {
  const { payload } = ctx;
  if (!pushMayChangeConfig(payload)) return;
  const owner = payload.repository.owner?.login ?? payload.repository.owner?.name;
  if (!owner) return;
  ctx.configReads.dropRepository(installationIdOf(payload), owner, payload.repository.name);
}

/** Repositories added, removed or transferred, access granted or withdrawn: what was a 404 may not be. */
async function onInstallationChange(ctx: EventContext<"installation" | "installation_repositories">): Promise<void> {
  ctx.configReads.dropInstallation(ctx.payload.installation.id);
}

export const configChangeHandlers: HandlerRegistry = handlers({
  push: [onPush],
  installation: [onInstallationChange],
  installation_repositories: [onInstallationChange],
});
