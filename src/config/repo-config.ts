// The schema of `.github/shipledger.yml`, one zod schema per concern.
//
// Every optional field has a one-line doc and a default, so `repoConfigSchema.parse({})` is the
// configuration of a repository without the file. `parseRepoConfig` never throws: a bad file yields
// one-line errors naming the field, the value and what was expected (shown in the check run), and
// the invalid parts fall back to their defaults so attribution still runs.
//
// The file is written by anyone with write access to the repository, so it is untrusted input:
// lists and strings are bounded, and patterns are globs (src/attribution/glob.ts), never RegExps.
//
// zod 4: an object section uses `.prefault({})` (the `{}` is parsed, so inner defaults apply);
// `.default({})` would return the bare `{}` unparsed.

import { z } from "zod";
import { AGENT_IDS, agentById, GENERIC_AGENT, MARKER_IDS } from "../attribution/agents.js";
import { DEPLOYMENT_SOURCES } from "../deployments/types.js";
import type { EvidenceBasis } from "../model/ledger.js";
import { priceTableSchema } from "../spend/prices.js";

/** Bounds that keep a hostile configuration from costing much CPU per commit. */
export const CONFIG_LIMITS = {
  /** Agents defined or extended in `attribution.agents`. */
  maxAgents: 50,
  /** Items in any one list of patterns. */
  maxPatterns: 50,
  /** Characters in one pattern. */
  maxPatternLength: 200,
  /** Patterns in the whole attribution section together. */
  maxTotalPatterns: 500,
} as const;

const pattern = z.string().min(1).max(CONFIG_LIMITS.maxPatternLength);
const patterns = () => z.array(pattern).max(CONFIG_LIMITS.maxPatterns);

const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const RESERVED_AGENT_IDS = [GENERIC_AGENT, "config"];

export const trailerMarkerSchema = z.strictObject({
  /** Trailer key, compared case-insensitively as git does, e.g. "Acme-Session". */
  key: z.string().regex(TRAILER_KEY, { error: "a trailer key of letters, digits and '-'" }),
  /** Glob on the trailer value; "*" accepts any value. */
  value: pattern.default("*"),
});

export const agentConfigSchema = z.strictObject({
  /** A built-in agent id (adds these markers to it) or a new lower-case slug such as "acme-bot". */
  id: z
    .string()
    .regex(AGENT_ID, { error: 'a lower-case slug such as "acme-bot"' })
    .refine((id) => !RESERVED_AGENT_IDS.includes(id), {
      error: `an agent id other than ${RESERVED_AGENT_IDS.map((r) => `"${r}"`).join(" or ")}`,
    }),
  /** Display name of a new agent, also recognised in `Assisted-by:` values (default: the id). */
  name: z.string().min(1).max(80).optional(),
  /** Globs on raw e-mails in `Co-authored-by:` trailers and commit author/committer e-mails. */
  emails: patterns().default([]),
  /** Globs on author/committer/co-author names that only the agent uses, e.g. "Acme Agent". */
  names: patterns().default([]),
  /** Bot logins (globs) of the agent as PR author or commit author, e.g. "acme-bot[bot]". */
  logins: patterns().default([]),
  /** Trailers that the agent writes, e.g. { key: "Acme-Run", value: "*" }. */
  trailers: z.array(trailerMarkerSchema).max(CONFIG_LIMITS.maxPatterns).default([]),
  /** Globs on the PR head branch, e.g. "acme/*". */
  branches: patterns().default([]),
  /** Phrases (case-insensitive, not globs) in a commit message body, PR title or PR body. */
  text: patterns().default([]),
  /** URL prefixes of the agent's session links, e.g. "https://acme.dev/runs/"; the rest is the id. */
  links: patterns().default([]),
  /** PR labels (globs, case-insensitive) that name this agent. */
  labels: patterns().default([]),
});

function isMarkerRef(ref: string): boolean {
  return MARKER_IDS.includes(ref) || AGENT_IDS.includes(ref) || ref === GENERIC_AGENT;
}

function unknownMarkerMessage(ref: string): string {
  const agentPart = ref.split("/")[0] ?? "";
  const agent = agentById(agentPart);
  const ofAgent = agent ? agent.markers.map((m) => m.id) : MARKER_IDS.filter((id) => id.startsWith(`${agentPart}/`));
  const expected =
    ofAgent.length > 0
      ? `one of ${ofAgent.join(", ")}`
      : 'a marker id such as "cursor/branch" or an agent id such as "sweep"';
  return `unknown marker ${JSON.stringify(ref)}; expected ${expected}`;
}

const markerRef = z.string().superRefine((ref, ctx) => {
  if (!isMarkerRef(ref)) ctx.addIssue({ code: "custom", message: unknownMarkerMessage(ref), input: ref });
});

export const attributionConfigSchema = z
  .strictObject({
    /** Agents this repository defines, or extra markers for a built-in agent (same id). */
    agents: z.array(agentConfigSchema).max(CONFIG_LIMITS.maxAgents).default([]),
    /** PR labels (globs, case-insensitive) that mark a change as AI-assisted. */
    labels: patterns().default(["ai-assisted"]),
    /** Globs on a commit author's name, e-mail or login whose commits are never attributed. */
    ignoreAuthors: patterns().default([]),
    /**
     * Built-in markers to switch off: marker ids ("cursor/branch") or whole agents ("sweep",
     * "generic"); the records' markers ("git-ai/note", "agent-trace/record") switch off reading
     * records of authorship as evidence.
     */
    disableMarkers: z
      .array(markerRef)
      .max(MARKER_IDS.length + AGENT_IDS.length + 1)
      .default([]),
    /** Count `Assisted-by:` / `Generated-by:` even when the value names no known AI agent or model. */
    trustGenericTrailers: z.boolean().default(false),
    /**
     * A project's rules for AI contributions, pointed out (never enforced) in the check: the Linux
     * kernel's (an agent never signs off; `Assisted-by:` names it) or the ASF's (`Generated-by:`).
     */
    policy: z.enum(["kernel", "apache", "none"]).default("none"),
  })
  .superRefine((section, ctx) => {
    const total =
      section.labels.length +
      section.ignoreAuthors.length +
      section.agents.reduce(
        (sum, a) =>
          sum +
          a.emails.length +
          a.names.length +
          a.logins.length +
          a.trailers.length +
          a.branches.length +
          a.text.length +
          a.links.length +
          a.labels.length,
        0,
      );
    if (total > CONFIG_LIMITS.maxTotalPatterns) {
      ctx.addIssue({
        code: "custom",
        path: ["agents"],
        message: `expected at most ${CONFIG_LIMITS.maxTotalPatterns} patterns in the attribution section, got ${total}`,
        input: section.agents,
      });
    }
  });

/** A git branch name as written (not a glob); GitHub caps refs at 255 bytes. */
const branchName = z.string().min(1).max(255);

export const deploymentsConfigSchema = z
  .strictObject({
    /** Where production deployments come from: "deployment", "release", "workflow_run" or "push". */
    source: z.enum(DEPLOYMENT_SOURCES).default("deployment"),
    /** Environment names (globs, case-insensitive) that are production, for `source: deployment`. */
    environments: patterns().default(["*prod*"]),
    /** Environment names (globs, case-insensitive) that are never production, whatever the rest says. */
    excludeEnvironments: patterns().default([
      "*preprod*",
      "*pre-prod*",
      "*pre_prod*",
      "*nonprod*",
      "*non-prod*",
      "*non_prod*",
    ]),
    /** Also count a deployment marked `production_environment: true`, whatever its name. */
    productionEnvironmentFlag: z.boolean().default(true),
    /** Workflow name, path or file name (glob, case-insensitive) that deploys; required by `source: workflow_run`. */
    workflow: pattern.optional(),
    /** Branch whose pushes (`push`) or workflow runs (`workflow_run`) deploy; null: the default branch. */
    branch: branchName.nullable().default(null),
    /** Branches (globs) whose merged pull requests are changes that can ship; null: the default branch only. */
    deployableBranches: z.array(pattern).min(1).max(CONFIG_LIMITS.maxPatterns).nullable().default(null),
    /** Days after a change shipped within which a revert or rollback counts against it. */
    revertWindowDays: z.number().int().min(1).max(365).default(14),
  })
  .superRefine((section, ctx) => {
    // Without a workflow no run would deploy: say so, and the section falls back to its defaults.
    if (section.source === "workflow_run" && section.workflow === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["workflow"],
        message: 'expected a workflow name or file (glob), e.g. "deploy.yml", because source is "workflow_run"',
        input: undefined,
      });
    }
  });

/** Which AI evidence a report counts (`metric.evidence`, METRIC_EVIDENCE). */
export const EVIDENCE_BASES = ["any", "explicit"] as const satisfies readonly EvidenceBasis[];

/** The smallest group of active engineers whose per-engineer figures are shown, unless configured. */
export const DEFAULT_MIN_GROUP_SIZE = 5;

// The revert window is `deployments.revertWindowDays`: one window for linking and for the metric.
// `minGroupSize` has no schema default: left out, the minimum in force applies as it is (see
// minGroupSizeInForce); a default here would silently undo an operator's lower minimum. Likewise
// `evidence`: left out, the instance's METRIC_EVIDENCE applies, so that an operator's "explicit"
// holds for repositories whose files do not mention it.
export const metricConfigSchema = z.strictObject({
  /** Paths (globs; `*` also crosses `/`, `**` may be no folder) of files that alone never make a change count, e.g. "*.lock". */
  ignorePaths: patterns().default([]),
  /** Fewest active engineers for per-engineer figures: raises (never lowers) the instance's minimum (default 5) for the organisation in the owner's `.github` repository, for the repository in its own file. */
  minGroupSize: z.number().int().min(1).max(1000).optional(),
  /** Days a report covers unless asked otherwise (the PR check's repository line uses it too). */
  periodDays: z.number().int().min(1).max(366).default(28),
  /** Which AI evidence the figures count: "any", or "explicit" (trailers, identities, records) only; left out, the instance's (METRIC_EVIDENCE, default any). */
  evidence: z.enum(EVIDENCE_BASES).optional(),
});

export const costsConfigSchema = z.strictObject({
  /** USD per million tokens by model ("gemini-2.5-pro", or a family "gpt-5*"), for agents that report tokens but no cost. */
  prices: priceTableSchema.default({}),
});

/** Values of `inherit` that take the organisation's file (both spellings). */
export const INHERIT_ORGANISATION = ["organization", "organisation"] as const;

export const repoConfigSchema = z.strictObject({
  /** In a repository's own file: also take what it does not set from the owner's `.github` file (src/config/effective-settings.ts). */
  inherit: z.enum(INHERIT_ORGANISATION).optional(),
  /** How AI assistance is recognised on commits and pull requests. */
  attribution: attributionConfigSchema.prefault({}),
  /** Which events are production deployments, which branches ship, and the revert window. */
  deployments: deploymentsConfigSchema.prefault({}),
  /** What the normalised-deployments metric leaves out, and how small a group it reports on. */
  metric: metricConfigSchema.prefault({}),
  /** What AI spend costs (read from the owner's `.github` repository file only: spend is the organisation's). */
  costs: costsConfigSchema.prefault({}),
});

export type RepoConfig = z.infer<typeof repoConfigSchema>;
export type RepoConfigInput = z.input<typeof repoConfigSchema>;
export type AttributionConfig = z.infer<typeof attributionConfigSchema>;
export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type DeploymentsConfig = z.infer<typeof deploymentsConfigSchema>;
export type MetricConfig = z.infer<typeof metricConfigSchema>;

/** The configuration of a repository without `.github/shipledger.yml`. */
export const defaults: RepoConfig = repoConfigSchema.parse({});

/**
 * The minimum group size in force for a report: the instance's (METRIC_MIN_GROUP_SIZE, default 5),
 * raised, never lowered, by the organisation's `.github` repository file and, for a repository's
 * own reports, by the repository's file. Those files are written by anyone with write access (an
 * organisation's `.github` even by any member who may create a repository); lowering the minimum
 * would expose small teams, so only the operator can, for the whole instance.
 */
export function minGroupSizeInForce(
  instance: number | null | undefined,
  ...raisedBy: Array<number | null | undefined>
): number {
  let minimum = instance ?? DEFAULT_MIN_GROUP_SIZE;
  for (const value of raisedBy) if (value !== null && value !== undefined && value > minimum) minimum = value;
  return minimum;
}

export interface ConfigError {
  /** Field path as written in the file, e.g. "attribution.labels[2]"; "(root)" for the file. */
  path: string;
  /** One line for humans: `<path>: <what was expected>, got <value>`. */
  message: string;
  /** The file it is in, when not the one a check names first (an organisation file read beside a repository's). */
  file?: string | undefined;
}

/**
 * Validates a parsed `.github/shipledger.yml` (YAML already decoded; null/undefined = no file).
 * Never throws: invalid parts are reported and replaced by their defaults.
 */
export function parseRepoConfig(raw: unknown): { config: RepoConfig; errors: ConfigError[] } {
  if (raw === null || raw === undefined) return { config: defaults, errors: [] };
  // A key left empty in YAML (`attribution:` with everything below commented out) is null: treat
  // it as absent, so its default applies.
  const input = withoutNullFields(structuredCloneSafe(raw));
  if (input === undefined)
    return { config: defaults, errors: [{ path: "(root)", message: "(root): expected a mapping of plain values" }] };
  const first = repoConfigSchema.safeParse(input, { reportInput: true });
  if (first.success) return { config: first.data, errors: [] };
  const errors = first.error.issues.flatMap(describeIssue);

  // Drop each invalid node (a list item, a key) so its default applies, and parse again.
  // Checks over a whole section (the pattern budget) only run once its fields are valid, so a
  // later round can report something new. Only paths without list indices are reported from later
  // rounds: removals shift indices, and a removed required field (an agent's bad id) resurfaces
  // as "missing" before its parent is dropped, which the first report already explained.
  let value: unknown = input;
  let issues = first.error.issues;
  for (let round = 0; round < 5 && value !== undefined; round++) {
    value = removeInvalid(value, issues);
    if (value === undefined) break;
    const next = repoConfigSchema.safeParse(value, { reportInput: true });
    if (next.success) return { config: next.data, errors };
    issues = next.error.issues;
    for (const issue of issues) {
      if (issue.path.some((key) => typeof key === "number")) continue;
      for (const error of describeIssue(issue)) {
        // A field reported already (its bad value removed, it resurfaces as "missing"): once.
        if (!errors.some((e) => e.message === error.message || e.path === error.path)) errors.push(error);
      }
    }
  }
  return { config: defaults, errors };
}

/** Every field of the schema as "section.field" (and "inherit"), in schema order. */
export const CONFIG_FIELDS: readonly string[] = Object.entries(repoConfigSchema.shape).flatMap(([key, schema]) => {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape).map((field) => `${key}.${field}`) : [key];
});

/**
 * The fields a parsed file writes, as CONFIG_FIELDS names them, whether valid or not (null is
 * not written): what an organisation's file says for other repositories, and what a repository's
 * own file overrides of it (src/config/effective-settings.ts).
 */
export function writtenFields(raw: unknown): string[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return [];
  const file = raw as Record<string, unknown>;
  const given = (value: unknown) => value !== undefined && value !== null;
  return CONFIG_FIELDS.filter((path) => {
    const [key = "", field] = path.split(".");
    const value = file[key];
    if (field === undefined) return given(value);
    return (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      Object.hasOwn(value, field) &&
      given((value as Record<string, unknown>)[field])
    );
  });
}

// ---- error messages -----------------------------------------------------------------------------

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return "(root)";
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}…` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  number: "a number",
  int: "a whole number",
};

function describeIssue(issue: Issue): ConfigError[] {
  const at = (path: readonly PathKey[], message: string): ConfigError => {
    const p = formatPath(path);
    return { path: p, message: `${p}: ${message}` };
  };
  const got = describeValue(issue.input);
  switch (issue.code) {
    case "invalid_type":
      return [
        issue.input === undefined
          ? at(issue.path, `missing; expected ${EXPECTED[issue.expected] ?? issue.expected}`)
          : at(issue.path, `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`),
      ];
    case "too_big": {
      if (issue.origin === "number") return [at(issue.path, `expected at most ${String(issue.maximum)}, got ${got}`)];
      const size = sizeOf(issue.input);
      const unit = issue.origin === "string" ? "characters" : "items";
      return [at(issue.path, `expected at most ${String(issue.maximum)} ${unit}, got ${size}`)];
    }
    case "too_small": {
      if (issue.origin === "number") return [at(issue.path, `expected at least ${String(issue.minimum)}, got ${got}`)];
      if (issue.origin === "string" && Number(issue.minimum) === 1) {
        return [at(issue.path, `expected a non-empty string, got ${got}`)];
      }
      if (issue.origin === "array" && Number(issue.minimum) === 1) {
        return [at(issue.path, "expected a non-empty list, got an empty list")];
      }
      const unit = issue.origin === "string" ? "characters" : "items";
      return [at(issue.path, `expected at least ${String(issue.minimum)} ${unit}, got ${sizeOf(issue.input)}`)];
    }
    case "invalid_format":
      return [at(issue.path, `expected ${issue.message}, got ${got}`)];
    case "unrecognized_keys":
      return issue.keys.map((key) => at([...issue.path, key], unknownKeyMessage(issue.path, key)));
    case "invalid_key": {
      // A record's key (a model name in costs.prices): what the key's own check expected.
      const expected = issue.issues.map((i) => i.message).find((m) => m !== "");
      return [at(issue.path, `expected ${expected ?? "another key"}, got ${describeValue(issue.input)}`)];
    }
    case "invalid_value":
      return [at(issue.path, `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`)];
    case "custom":
      // Refinements with a plain expectation (`error: "…"`) get the usual shape; richer ones
      // (disableMarkers, the pattern budget) already read as a sentence.
      return [
        /^(unknown|expected) /.test(issue.message)
          ? at(issue.path, issue.message)
          : at(issue.path, `expected ${issue.message}, got ${got}`),
      ];
    default:
      return [at(issue.path, `${issue.message}, got ${got}`)];
  }
}

function sizeOf(value: unknown): string {
  if (typeof value === "string" || Array.isArray(value)) return String(value.length);
  return describeValue(value);
}

function unknownKeyMessage(parentPath: readonly PathKey[], key: string): string {
  const allowed = keysAt(parentPath);
  if (allowed.length === 0) return "unknown key";
  const close = allowed.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  if (close.length > 0) return `unknown key; did you mean ${close.map((k) => JSON.stringify(k)).join(" or ")}?`;
  return `unknown key; expected one of ${allowed.join(", ")}`;
}

/** The keys an object accepts at a path, walking the schema (arrays, defaults, optionals). */
function keysAt(path: readonly PathKey[]): string[] {
  let schema: z.core.$ZodType | undefined = repoConfigSchema;
  for (const key of [...path, null]) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      if (key === null) return Object.keys(schema.shape);
      schema = typeof key === "string" ? schema.shape[key] : undefined;
    } else if (schema instanceof z.ZodArray && typeof key === "number") {
      schema = schema.element;
    } else {
      return [];
    }
  }
  return [];
}

function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  for (let i = 0; i < 10 && current; i++) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
      current = current.unwrap();
    } else {
      break;
    }
  }
  return current;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 3;
}

// ---- fallback -----------------------------------------------------------------------------------

/** Deletes null-valued keys of mappings, at any depth (list items are kept, and reported). */
function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (const item of value) withoutNullFields(item);
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === null) delete record[key];
      else withoutNullFields(record[key]);
    }
  }
  return value;
}

function structuredCloneSafe(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return undefined; // not plain data (functions, symbols): use the defaults
  }
}

/**
 * Removes the node each issue points at. A missing required field removes its parent (an agent
 * without an id is dropped as a whole). Returns undefined when the root itself is invalid.
 */
function removeInvalid(root: unknown, issues: readonly Issue[]): unknown {
  const targets: PathKey[][] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) targets.push([...issue.path, key]);
    } else if ((issue.code === "invalid_type" || issue.code === "custom") && issue.input === undefined) {
      // A missing required field (or one a refinement requires, like `deployments.workflow`).
      targets.push(issue.path.slice(0, -1));
    } else {
      targets.push([...issue.path]);
    }
  }
  if (targets.some((t) => t.length === 0)) return undefined;
  const unique = new Map(targets.map((t) => [formatPath(t), t]));
  targets.length = 0;
  targets.push(...unique.values());
  // Deepest and highest indices first, so removing one node never shifts another target.
  targets.sort(comparePathsDescending);
  for (const target of targets) {
    const parent = nodeAt(root, target.slice(0, -1));
    const key = target[target.length - 1];
    if (Array.isArray(parent) && typeof key === "number") {
      if (key < parent.length) parent.splice(key, 1);
    } else if (parent !== null && typeof parent === "object" && key !== undefined) {
      delete (parent as Record<PropertyKey, unknown>)[key];
    }
  }
  return root;
}

function nodeAt(root: unknown, path: readonly PathKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function comparePathsDescending(a: readonly PathKey[], b: readonly PathKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return y - x;
    return String(y).localeCompare(String(x));
  }
  return b.length - a.length;
}
