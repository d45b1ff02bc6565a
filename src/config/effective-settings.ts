// Which configuration a repository runs with: its own `.github/shipledger.yml`, its organisation's
// (the owner's `.github` repository), or the defaults. Pure: files in, effective config and where
// each field came from out.
//
// The organisation's file is written by whoever can write the owner's `.github` repository — when
// an organisation has none, any member allowed to create repositories can create it, and an
// installation on all repositories reads it at once. Those are not necessarily the people who own
// a given repository, so for a repository that did not ask for it, the organisation's file may only
// make reports stricter or change how they are shown, never what counts:
// - `metric.minGroupSize`: raise only (it withholds per-engineer figures, never changes a number);
// - `metric.periodDays`: the period the PR check's repository line covers (it is labelled there);
// - nothing else. Attribution (agents and labels included: any marker can be written to match
//   everyone), deployments (which events are production, which branches ship), the revert window
//   (shorter inflates every count; longer lowers the counts but can raise the AI share, when other
//   changes are reverted later), ignored paths and the evidence basis (explicit only lowers the AI
//   counts of one repository against the others) all decide what counts. They are ignored, and
//   the check names each one.
// A repository's own file opts in to the organisation's with `inherit: organization`: then every
// field it does not write is the organisation's, and `minGroupSize` still only rises. A repository
// with a file that does not opt in uses that file alone (the organisation's minimum group size
// still applies to its reports, through the installation: see minGroupSizeInForce).

import { isDeepStrictEqual } from "node:util";
import { attributionConfigSchema, CONFIG_FIELDS, defaults, type RepoConfig } from "./repo-config.js";

export type SettingsOrigin = "repository file" | "organisation file" | "default";

/** A configuration file as read and validated. */
export interface ConfigFile {
  /** Where it was read, e.g. "acme/.github:.github/shipledger.yml". */
  source: string;
  /** As parseRepoConfig validated it (invalid parts take their defaults). */
  config: RepoConfig;
  /** The fields the file writes (writtenFields). */
  written: readonly string[];
}

export type ConfigSection = "attribution" | "deployments" | "metric";

export interface IgnoredSetting {
  /** "section.field", e.g. "metric.ignorePaths". */
  field: string;
  /** Why it was not applied, one short clause. */
  reason: string;
}

export interface EffectiveSettings {
  config: RepoConfig;
  /** The repository's own file, or null. */
  repositoryFile: string | null;
  /** The organisation's file when it was consulted (no own file, or `inherit`), or null. */
  organisationFile: string | null;
  /** The repository's own file says `inherit: organization`. */
  inherits: boolean;
  /** Where each field's value came from, by "section.field". */
  fields: Readonly<Record<string, SettingsOrigin>>;
  /** Per top-level key: where its fields came from, "default" alone when none was written. */
  sections: Readonly<Record<ConfigSection, readonly SettingsOrigin[]>>;
  /** Fields the organisation's file writes that were not applied here (and would have changed something). */
  ignored: readonly IgnoredSetting[];
}

/** What an organisation's file may set for a repository that did not opt in, and how. */
export const FROM_ORGANISATION: Readonly<Record<string, "raise only" | "as written">> = {
  "metric.minGroupSize": "raise only",
  "metric.periodDays": "as written",
};

/** Why a field is not taken from an organisation's file without `inherit`. */
export function whyNotInherited(field: string): string {
  if (field.startsWith("attribution.")) return "it decides which changes count as AI-assisted";
  if (field === "deployments.revertWindowDays") return "it decides which changes count as reverted";
  if (field === "deployments.deployableBranches") return "it decides which merged pull requests are changes";
  if (field.startsWith("deployments.")) return "it decides which deployments are production";
  if (field === "metric.ignorePaths") return "it decides which changes the figures leave out";
  if (field === "metric.evidence") return "it decides which changes the figures count as AI-assisted";
  if (field.startsWith("costs."))
    return "it decides which prices estimate the organisation's spend, read from its own file alone";
  return "only a repository's own file may set it";
}

const SECTIONS: readonly ConfigSection[] = ["attribution", "deployments", "metric"];

type PlainConfig = Record<string, Record<string, unknown>>;
const valueAt = (config: RepoConfig, field: string): unknown => {
  const [section = "", key = ""] = field.split(".");
  return (config as unknown as PlainConfig)[section]?.[key];
};

/**
 * The configuration a repository runs with, from its own file and its organisation's (null when
 * there is none, or when it was not read: a repository with a file that does not opt in needs no
 * read of it). See the rule at the top of this file.
 */
export function settingsFor(files: { own: ConfigFile | null; organisation: ConfigFile | null }): EffectiveSettings {
  const { own, organisation } = files;
  const inherits = own !== null && own.config.inherit !== undefined;
  const config = structuredClone(own?.config ?? defaults) as unknown as PlainConfig;
  const fields: Record<string, SettingsOrigin> = {};
  const ignored: IgnoredSetting[] = [];
  const set = (field: string, value: unknown) => {
    const [section = "", key = ""] = field.split(".");
    const target = config[section];
    if (target === undefined) return;
    if (value === undefined) delete target[key];
    else target[key] = structuredClone(value);
  };

  for (const field of CONFIG_FIELDS) {
    if (!field.includes(".")) continue; // `inherit` is the repository's own say
    const ownWrites = own?.written.includes(field) ?? false;
    const orgWrites = organisation?.written.includes(field) ?? false;
    const policy = FROM_ORGANISATION[field];

    if (policy === "raise only") {
      // Whoever asks for more, wins: neither file can lower the other's minimum.
      const mine = own ? (valueAt(own.config, field) as number | undefined) : undefined;
      const theirs =
        organisation && orgWrites ? (valueAt(organisation.config, field) as number | undefined) : undefined;
      if (theirs !== undefined && (mine === undefined || theirs > mine)) {
        set(field, theirs);
        fields[field] = "organisation file";
      } else {
        set(field, mine);
        fields[field] = mine !== undefined && ownWrites ? "repository file" : "default";
      }
      continue;
    }

    if (ownWrites) {
      fields[field] = "repository file";
    } else if (organisation && orgWrites && (inherits || (own === null && policy === "as written"))) {
      set(field, valueAt(organisation.config, field));
      fields[field] = "organisation file";
    } else {
      fields[field] = "default";
    }
    // With `inherit`, what the own file writes overrides the organisation's by the repository's choice.
    if (organisation && orgWrites && !inherits && fields[field] !== "organisation file") {
      const theirs = valueAt(organisation.config, field);
      if (!isDeepStrictEqual(theirs, valueAt(config as unknown as RepoConfig, field))) {
        ignored.push({
          field,
          reason: own !== null ? "this repository has a file of its own" : whyNotInherited(field),
        });
      }
    }
  }

  // Two files' attribution sections, each within the pattern budget, may exceed it together: then
  // the organisation's part gives way (the repository's own file is what its people wrote).
  if (!attributionConfigSchema.safeParse(config.attribution).success) {
    for (const field of CONFIG_FIELDS.filter((f) => f.startsWith("attribution."))) {
      if (fields[field] !== "organisation file") continue;
      set(field, valueAt(own?.config ?? defaults, field));
      fields[field] = own?.written.includes(field) ? "repository file" : "default";
      ignored.push({ field, reason: "with this repository's file it exceeds the attribution pattern budget" });
    }
  }

  const sections = Object.fromEntries(
    SECTIONS.map((section) => {
      const ofSection = Object.entries(fields).filter(([field]) => field.startsWith(`${section}.`));
      const origins = (["repository file", "organisation file"] as const).filter((origin) =>
        ofSection.some(([, o]) => o === origin),
      );
      return [section, origins.length > 0 ? origins : (["default"] as SettingsOrigin[])];
    }),
  ) as Record<ConfigSection, SettingsOrigin[]>;

  return {
    config: config as unknown as RepoConfig,
    repositoryFile: own?.source ?? null,
    organisationFile: organisation?.source ?? null,
    inherits,
    fields,
    sections,
    ignored,
  };
}
