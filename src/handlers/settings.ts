// What the app remembers of a configuration file it has just read, for the reports that run from
// the ledger alone (the CLI, the HTTP API, /metrics): a repository's metric settings, and the
// organisation-wide minimum group size.

import type { LoadedRepoConfig } from "../github/repo-config-loader.js";
import type { Store } from "../store/types.js";

export interface SettingsPlace {
  installationId: number;
  repositoryId: number;
  /** The repository's owner: its `.github` repository holds the organisation-wide file. */
  owner: string;
}

/**
 * Records the metric settings the repository runs with (loaded.settings: src/config/effective-settings.ts)
 * when it has a file of its own, or that it has none (then the instance's METRIC_* settings apply
 * to it: an organisation's file does not set a repository's revert window or ignored paths).
 * When the organisation-wide file was read (or looked for), its `metric.minGroupSize` (or none) is
 * recorded for the installation, where it can raise the instance's minimum (never lower it: see
 * minGroupSizeInForce).
 */
export async function rememberSettings(
  store: Store,
  place: SettingsPlace,
  loaded: LoadedRepoConfig,
  now: number,
): Promise<void> {
  const { config, settings: effective } = loaded;
  const settings =
    effective.repositoryFile === null
      ? null
      : {
          revertWindowDays: config.deployments.revertWindowDays,
          ignorePaths: config.metric.ignorePaths,
          minGroupSize: config.metric.minGroupSize,
          evidence: config.metric.evidence,
        };
  await store.installations.recordRepositorySettings(place.installationId, place.repositoryId, settings, now);
  if (loaded.organisationPrices !== undefined) {
    await store.installations.recordInstallationPrices(place.installationId, loaded.organisationPrices, now);
  }
  if (loaded.organisationMinGroupSize !== undefined) {
    await store.installations.recordInstallationMinGroupSize(
      place.installationId,
      loaded.organisationMinGroupSize,
      now,
    );
  }
}
