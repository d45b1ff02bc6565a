// What the app remembers of a configuration file it has just read, for the reports that run from
// the ledger alone (the CLI, the HTTP API, /metrics): a repository's metric settings, and the
// organisation-wide minimum group size.

import { CONFIG_PATH, type LoadedRepoConfig } from "../github/repo-config-loader.js";
import type { Store } from "../store/types.js";

export interface SettingsPlace {
  installationId: number;
  repositoryId: number;
  /** The repository's owner: its `.github` repository holds the organisation-wide file. */
  owner: string;
}

/**
 * Records the metric settings of `loaded` (the repository's file, or its organisation's when it
 * has none) for the repository, or that it has no file at all (then the instance's METRIC_*
 * settings apply to it). When the organisation-wide file was what was read, or no file exists at
 * all, its `metric.minGroupSize` (or none) is recorded for the installation, where it can raise
 * the instance's minimum (never lower it: see minGroupSizeInForce). A repository with a file of
 * its own says nothing about the organisation's.
 */
export async function rememberSettings(
  store: Store,
  place: SettingsPlace,
  loaded: LoadedRepoConfig,
  now: number,
): Promise<void> {
  const { config } = loaded;
  const minGroupSize = config.metric.minGroupSize;
  // No file at all: nothing of the repository's own; the instance's settings apply to it.
  const settings =
    loaded.source === null
      ? null
      : { revertWindowDays: config.deployments.revertWindowDays, ignorePaths: config.metric.ignorePaths, minGroupSize };
  await store.recordRepositorySettings(place.installationId, place.repositoryId, settings, now);
  const organisationFile = `${place.owner}/.github:${CONFIG_PATH}`.toLowerCase();
  if (loaded.source === null || loaded.source.toLowerCase() === organisationFile) {
    await store.recordInstallationMinGroupSize(place.installationId, minGroupSize ?? null, now);
  }
}
