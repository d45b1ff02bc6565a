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
    if (typeof text !== "string") {
      return {
        config: defaults,
        source,
        errors: [
          {
            path: "(root)",
            message: `(root): the file is ${describeSize(text.tooLarge)}, larger than the limit of ${MAX_CONFIG_BYTES / 1024} KiB; it was not read`,
          },
        ],
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

const describeSize = (bytes: number) =>
  !Number.isFinite(bytes)
    ? "of unknown size"
    : bytes >= 1024 * 1024
      ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
      : `${Math.ceil(bytes / 1024)} KiB`;

/**
 * The file's text, or null when there is none; `tooLarge` when its size (the contents API's JSON
 * description of it, read first) is over MAX_CONFIG_BYTES. The JSON form carries a file's content
 * only up to 1 MB, and never more is downloaded: the raw form would serve up to 100 MB, whole.
 */
async function readFile(
  octokit: ProbotOctokit,
  place: { owner: string; repo: string },
): Promise<string | { tooLarge: number } | null> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ ...place, path: CONFIG_PATH }));
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
  // A directory (a listing), symlink or submodule at that path: not a config file.
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  const file = data as { type?: string; size?: number; encoding?: string; content?: string };
  if (file.type !== "file") return null;
  if (typeof file.size !== "number" || file.size > MAX_CONFIG_BYTES) return { tooLarge: Number(file.size) };
  const bytes = file.encoding === "base64" ? Buffer.from(file.content ?? "", "base64") : Buffer.alloc(0);
  if (bytes.length > MAX_CONFIG_BYTES) return { tooLarge: bytes.length };
  return new TextDecoder().decode(bytes);
}
