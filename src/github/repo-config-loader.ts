import type { ProbotOctokit } from "probot";
import { isScalar, LineCounter, parseDocument, visit } from "yaml";
import { type ConfigFile, type EffectiveSettings, settingsFor } from "../config/effective-settings.js";
import { type ConfigError, defaults, parseRepoConfig, type RepoConfig, writtenFields } from "../config/repo-config.js";
import type { PriceTable } from "../spend/prices.js";
import type { FileRead, InstallationConfigReads } from "./config-cache.js";

export const CONFIG_PATH = ".github/shipledger.yml";
/** A config file larger than this is not read: it is data a stranger with write access controls. */
export const MAX_CONFIG_BYTES = 64 * 1024;

export interface LoadedRepoConfig {
  /** What the repository runs with: src/config/effective-settings.ts decides it from the files read. */
  config: RepoConfig;
  /** Problems of the files read; `file` names the organisation's when the repository's own file was read too. */
  errors: ConfigError[];
  /** The repository's own file ("owner/repo:.github/shipledger.yml"), else its organisation's, or null. */
  source: string | null;
  /** Where each setting came from, and what of the organisation's file was not applied. */
  settings: EffectiveSettings;
  /**
   * The organisation-wide minimum group size, when its file was read (null: no file, or none set);
   * undefined when it was not read. It is recorded for the installation (src/handlers/settings.ts).
   */
  organisationMinGroupSize: number | null | undefined;
  /** The organisation file's `costs.prices` when it was read (null: no file or none), as organisationMinGroupSize. */
  organisationPrices: PriceTable | null | undefined;
}

/**
 * Reads `.github/shipledger.yml` from the repository's default branch and, when it has none or
 * its file says `inherit: organization`, from the owner's `.github` repository (the organisation
 * file); at most two reads. What the repository then runs with is settingsFor's decision: the
 * organisation's file alone sets little for other repositories. `_extends` is not followed: it
 * would let a config chain any number of reads. The default branch, not the PR's head, so that a
 * pull request cannot rewrite its own rules. A file that cannot be parsed or validated yields
 * errors naming the field, and defaults.
 *
 * With `reads` (the installation's cache, src/github/config-cache.ts), a file read before is asked
 * for with If-None-Match and reused on 304, and a recent "no file" is believed without asking.
 */
export async function loadRepoConfig(
  octokit: ProbotOctokit,
  repo: { owner: string; repo: string },
  reads?: InstallationConfigReads,
): Promise<LoadedRepoConfig> {
  const own = await readConfig(octokit, repo, reads);
  if (repo.repo === ".github") {
    // The organisation's file is this repository's own.
    const settings = settingsFor({ own: own?.file ?? null, organisation: null });
    return {
      config: settings.config,
      errors: own?.errors ?? [],
      source: own?.file.source ?? null,
      settings,
      organisationMinGroupSize: own?.file.config.metric.minGroupSize ?? null,
      organisationPrices: pricesOf(own?.file.config),
    };
  }
  const readOrganisation = own === null || own.file.config.inherit !== undefined;
  const organisation = readOrganisation
    ? await readConfig(octokit, { owner: repo.owner, repo: ".github" }, reads)
    : null;
  const settings = settingsFor({ own: own?.file ?? null, organisation: organisation?.file ?? null });
  const fromOrganisation = (organisation?.errors ?? []).map((e) =>
    own === null ? e : { ...e, file: organisation?.file.source },
  );
  return {
    config: settings.config,
    errors: [...(own?.errors ?? []), ...fromOrganisation],
    source: own?.file.source ?? organisation?.file.source ?? null,
    settings,
    organisationMinGroupSize: readOrganisation ? (organisation?.file.config.metric.minGroupSize ?? null) : undefined,
    organisationPrices: readOrganisation ? pricesOf(organisation?.file.config) : undefined,
  };
}

function pricesOf(config: RepoConfig | undefined): PriceTable | null {
  const prices = config?.costs.prices;
  return prices && Object.keys(prices).length > 0 ? prices : null;
}

/** One place's file, validated, or null when there is none. */
async function readConfig(
  octokit: ProbotOctokit,
  place: { owner: string; repo: string },
  reads: InstallationConfigReads | undefined,
): Promise<{ file: ConfigFile; errors: ConfigError[] } | null> {
  const text = await readCachedFile(octokit, place, reads);
  if (text === null) return null;
  const source = `${place.owner}/${place.repo}:${CONFIG_PATH}`;
  const unread = (message: string) => ({
    file: { source, config: defaults, written: [] },
    errors: [{ path: "(root)", message }],
  });
  if (typeof text !== "string") {
    return unread(
      `(root): the file is ${describeSize(text.tooLarge)}, larger than the limit of ${MAX_CONFIG_BYTES / 1024} KiB; it was not read`,
    );
  }
  const yaml = parseConfigYaml(text);
  if ("error" in yaml) return unread(`(root): invalid YAML: ${yaml.error}`);
  const { raw } = yaml;
  const { config, errors } = parseRepoConfig(raw);
  return { file: { source, config, written: writtenFields(raw) }, errors };
}

/** Aliases one file may expand: a few are handy, many are an exponential "billion laughs". */
const MAX_ALIASES = 50;

/**
 * The file's YAML as plain data, or the first problem with it (one line, no source excerpt).
 * A key written twice in one mapping is a problem, as yaml's `uniqueKeys` makes it; but yaml checks
 * that by comparing each key with every earlier one of its mapping, and a 64 KiB file of 15,000
 * keys took seconds of CPU on each read. Here each mapping's keys go into a Set: one pass.
 */
export function parseConfigYaml(text: string): { raw: unknown } | { error: string } {
  try {
    const lineCounter = new LineCounter();
    // logLevel "error": yaml's warnings (an unknown tag, a collection as a key) are the file's, not the server's log's.
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter, logLevel: "error" });
    const [problem] = doc.errors;
    if (problem) return { error: firstLine(problem.message) };
    let repeated: string | null = null;
    visit(doc, {
      Map(_, map) {
        const seen = new Set<unknown>();
        for (const pair of map.items) {
          // Scalars are equal by value (yaml's own rule); any other key (an alias, a collection) only to itself.
          const key = isScalar(pair.key) ? pair.key.value : pair.key;
          if (!seen.has(key)) {
            seen.add(key);
            continue;
          }
          const at = isScalar(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]) : null;
          repeated = `Map keys must be unique${at ? ` at line ${at.line}, column ${at.col}` : ""}`;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    if (repeated !== null) return { error: repeated };
    return { raw: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (error) {
    // Too many aliases (toJS), or a nesting too deep for the stack.
    return { error: firstLine((error as Error).message) };
  }
}

const firstLine = (message: string) => message.split("\n")[0] || "invalid YAML";

const describeSize = (bytes: number) =>
  !Number.isFinite(bytes)
    ? "of unknown size"
    : bytes >= 1024 * 1024
      ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
      : `${Math.ceil(bytes / 1024)} KiB`;

/**
 * readFile through the installation's cache: a known file is asked for with If-None-Match, and
 * Octokit reports GitHub's 304 as a RequestError with status 304 (@octokit/request), which means
 * "what you have is current". A recent 404 is not asked about again: GitHub gives a 404 no ETag.
 */
async function readCachedFile(
  octokit: ProbotOctokit,
  place: { owner: string; repo: string },
  reads: InstallationConfigReads | undefined,
): Promise<FileRead> {
  if (!reads) return (await readFile(octokit, place)).read;
  const key = { ...place, path: CONFIG_PATH };
  const known = reads.lookup(key);
  if (known.kind === "hit") return known.read;
  const since = reads.begin();
  try {
    const answer = await readFile(octokit, place, known.kind === "revalidate" ? known.etag : undefined);
    reads.store(key, answer, since);
    return answer.read;
  } catch (error) {
    if (known.kind === "revalidate" && (error as { status?: number }).status === 304) return known.read;
    throw error;
  }
}

/**
 * The file's text, or null when there is none; `tooLarge` when its size (the contents API's JSON
 * description of it, read first) is over MAX_CONFIG_BYTES. The JSON form carries a file's content
 * only up to 1 MB, and never more is downloaded: the raw form would serve up to 100 MB, whole.
 * With the ETag, GitHub's answer (the answer's, or null for a 404).
 */
async function readFile(
  octokit: ProbotOctokit,
  place: { owner: string; repo: string },
  ifNoneMatch?: string,
): Promise<{ etag: string | null; read: FileRead }> {
  let data: unknown;
  let etag: string | null;
  try {
    const response = await octokit.rest.repos.getContent({
      ...place,
      path: CONFIG_PATH,
      ...(ifNoneMatch ? { headers: { "if-none-match": ifNoneMatch } } : {}),
    });
    data = response.data;
    etag = response.headers.etag ?? null;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { etag: null, read: null };
    throw error;
  }
  return { etag, read: fileOf(data) };
}

function fileOf(data: unknown): FileRead {
  // A directory (a listing), symlink or submodule at that path: not a config file.
  if (typeof data !== "object" || data === null || Array.isArray(data)) return null;
  const file = data as { type?: string; size?: number; encoding?: string; content?: string };
  if (file.type !== "file") return null;
  if (typeof file.size !== "number" || file.size > MAX_CONFIG_BYTES) return { tooLarge: Number(file.size) };
  const bytes = file.encoding === "base64" ? Buffer.from(file.content ?? "", "base64") : Buffer.alloc(0);
  if (bytes.length > MAX_CONFIG_BYTES) return { tooLarge: bytes.length };
  return new TextDecoder().decode(bytes);
}
