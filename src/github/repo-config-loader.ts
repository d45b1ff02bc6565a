import type { ProbotOctokit } from "probot";
import { parse as parseYaml } from "yaml";
import { type ConfigError, defaults, parseRepoConfig, type RepoConfig } from "../config/repo-config.js";

export const CONFIG_PATH = ".github/shipledger.yml";
/** A config file larger than this is not read: it is data a stranger with write access controls. */
export const MAX_CONFIG_BYTES = 64 * 1024;

export interface LoadedRepoConfig {
  config: RepoConfig;
  errors: ConfigError[];
  /** Where the config came from: "owner/repo:.github/shipledger.yml", or null for the defaults. */
  source: string | null;
}

/**
 * Reads `.github/shipledger.yml` from the repository's default branch, else from the owner's
 * `.github` repository (the organisation-wide default), as Probot's context.config() does; at
 * most two reads. `_extends` is not followed: it would let a config chain any number of reads.
 * The default branch, not the PR's head, so that a pull request cannot rewrite its own rules.
 * A file that cannot be parsed or validated yields errors naming the field, and defaults.
 */
export async function loadRepoConfig(
  octokit: ProbotOctokit,
  repo: { owner: string; repo: string },
): Promise<LoadedRepoConfig> {
  const places = repo.repo === ".github" ? [repo] : [repo, { owner: repo.owner, repo: ".github" }];
  for (const place of places) {
    const text = await readFile(octokit, place);
    if (text === null) continue;
    const source = `${place.owner}/${place.repo}:${CONFIG_PATH}`;
    if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
      return {
        config: defaults,
        source,
        errors: [{ path: "(root)", message: `(root): the file is larger than ${MAX_CONFIG_BYTES / 1024} KiB` }],
      };
    }
    let raw: unknown;
    try {
      raw = parseYaml(text, { maxAliasCount: 50, prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      const message = (error as Error).message.split("\n")[0] ?? "invalid YAML";
      return { config: defaults, source, errors: [{ path: "(root)", message: `(root): invalid YAML: ${message}` }] };
    }
    const { config, errors } = parseRepoConfig(raw);
    return { config, errors, source };
  }
  return { config: defaults, errors: [], source: null };
}

async function readFile(octokit: ProbotOctokit, place: { owner: string; repo: string }): Promise<string | null> {
  try {
    const response = await octokit.rest.repos.getContent({
      ...place,
      path: CONFIG_PATH,
      mediaType: { format: "raw" },
    });
    const data: unknown = response.data;
    if (typeof data === "string") return data;
    // Octokit hands over bytes when the raw file is served with a binary-looking content type.
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      return new TextDecoder().decode(data instanceof ArrayBuffer ? data : (data as Uint8Array));
    }
    // A directory, symlink or submodule at that path: not a config file.
    return null;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}
