import { describe, expect, it } from "vitest";
import { MARKER_IDS } from "../../src/attribution/agents.js";
import {
  CONFIG_LIMITS,
  DEFAULT_MIN_GROUP_SIZE,
  defaults,
  formatPath,
  minGroupSizeInForce,
  parseRepoConfig,
  repoConfigSchema,
} from "../../src/config/repo-config.js";
import { pathMatcher } from "../../src/metrics/compute.js";

const attributionDefaults = {
  agents: [],
  labels: ["ai-assisted"],
  ignoreAuthors: [],
  disableMarkers: [],
  trustGenericTrailers: false,
  policy: "none",
};

const deploymentsDefaults = {
  source: "deployment",
  environments: ["*prod*"],
  excludeEnvironments: ["*preprod*", "*pre-prod*", "*pre_prod*", "*nonprod*", "*non-prod*", "*non_prod*"],
  productionEnvironmentFlag: true,
  branch: null,
  deployableBranches: null,
  revertWindowDays: 14,
};

const agentDefaults = {
  emails: [],
  names: [],
  logins: [],
  trailers: [],
  branches: [],
  text: [],
  links: [],
  labels: [],
};

describe("defaults", () => {
  it("are the schema's parse of an empty file", () => {
    expect(defaults).toEqual({
      attribution: attributionDefaults,
      deployments: deploymentsDefaults,
      metric: { ignorePaths: [], periodDays: 28 },
      costs: { prices: {} },
    });
    expect(repoConfigSchema.parse({})).toEqual(defaults);
    expect(repoConfigSchema.parse({ attribution: {} })).toEqual(defaults);
  });

  it.each([null, undefined, {}])("a missing or empty file (%j) gives the defaults without errors", (raw) => {
    expect(parseRepoConfig(raw)).toEqual({ config: defaults, errors: [] });
  });
});

describe("parseRepoConfig: valid files", () => {
  it("fills defaults inside a configured agent and its trailers", () => {
    const { config, errors } = parseRepoConfig({
      attribution: {
        agents: [
          {
            id: "acme-bot",
            name: "Acme Bot",
            emails: ["bot@acme.dev"],
            trailers: [{ key: "Acme-Run" }, { key: "Generated-With", value: "acme *" }],
          },
        ],
        labels: ["ai-assisted", "agent:*"],
        disableMarkers: ["cursor/branch", "sweep", "generic"],
        trustGenericTrailers: true,
      },
    });
    expect(errors).toEqual([]);
    expect(config.attribution).toEqual({
      agents: [
        {
          ...agentDefaults,
          id: "acme-bot",
          name: "Acme Bot",
          emails: ["bot@acme.dev"],
          trailers: [
            { key: "Acme-Run", value: "*" },
            { key: "Generated-With", value: "acme *" },
          ],
        },
      ],
      labels: ["ai-assisted", "agent:*"],
      ignoreAuthors: [],
      disableMarkers: ["cursor/branch", "sweep", "generic"],
      trustGenericTrailers: true,
      policy: "none",
    });
  });

  it("takes the records' markers in disableMarkers", () => {
    const { config, errors } = parseRepoConfig({
      attribution: { disableMarkers: ["git-ai/note", "agent-trace/record"] },
    });
    expect(errors).toEqual([]);
    expect(config.attribution.disableMarkers).toEqual(["git-ai/note", "agent-trace/record"]);
  });

  it("accepts every catalogue marker id in disableMarkers", () => {
    const { errors } = parseRepoConfig({ attribution: { disableMarkers: [...MARKER_IDS] } });
    expect(errors).toEqual([]);
  });

  it.each<[string, unknown]>([
    ["an empty section", { attribution: null }],
    ["an empty key", { attribution: { labels: null, agents: null } }],
  ])("treats %s (null in YAML) as absent", (_name, raw) => {
    expect(parseRepoConfig(raw)).toEqual({ config: defaults, errors: [] });
  });

  it("keeps an empty agent field at its default", () => {
    const { config, errors } = parseRepoConfig({ attribution: { agents: [{ id: "acme", emails: null }] } });
    expect(errors).toEqual([]);
    expect(config.attribution.agents).toEqual([{ ...agentDefaults, id: "acme" }]);
  });

  it("lets `labels: []` switch labels off", () => {
    expect(parseRepoConfig({ attribution: { labels: [] } }).config.attribution.labels).toEqual([]);
  });
});

describe("parseRepoConfig: invalid files name the field, the value and what was expected", () => {
  it.each<[string, unknown, string[], Record<string, unknown>]>([
    [
      "a wrong item type drops that item only",
      { attribution: { labels: ["ai", "agent", 42] } },
      ["attribution.labels[2]: expected a string, got 42"],
      { labels: ["ai", "agent"] },
    ],
    [
      "a misspelt key is reported with a suggestion and ignored",
      { attribution: { lables: ["x"] } },
      ['attribution.lables: unknown key; did you mean "labels"?'],
      {},
    ],
    [
      "an unknown key without a near match lists the accepted keys",
      { attribution: { colour: "blue" } },
      [
        "attribution.colour: unknown key; expected one of agents, labels, ignoreAuthors, disableMarkers, trustGenericTrailers, policy",
      ],
      {},
    ],
    ["an unknown section", { atribution: {} }, ['atribution: unknown key; did you mean "attribution"?'], {}],
    [
      "a boolean written as a string",
      { attribution: { trustGenericTrailers: "yes" } },
      ['attribution.trustGenericTrailers: expected true or false, got "yes"'],
      {},
    ],
    [
      "a section that is not a mapping",
      { attribution: ["labels"] },
      ["attribution: expected a mapping, got a list"],
      {},
    ],
    [
      "a list written as a single string",
      { attribution: { ignoreAuthors: "release-bot" } },
      ['attribution.ignoreAuthors: expected a list, got "release-bot"'],
      {},
    ],
    [
      "an empty pattern",
      { attribution: { ignoreAuthors: ["", "ci@example.com"] } },
      ['attribution.ignoreAuthors[0]: expected a non-empty string, got ""'],
      { ignoreAuthors: ["ci@example.com"] },
    ],
    [
      "unknown markers in disableMarkers, keeping the known ones",
      { attribution: { disableMarkers: ["claude-code/coauthor", "sweep", "nope", "generic/foo", "git-ai/notes"] } },
      [
        'attribution.disableMarkers[0]: unknown marker "claude-code/coauthor"; expected one of claude-code/co-author, claude-code/footer, claude-code/session, claude-code/session-link, claude-code/session-branch, claude-code/bot, claude-code/branch',
        'attribution.disableMarkers[2]: unknown marker "nope"; expected a marker id such as "cursor/branch" or an agent id such as "sweep"',
        'attribution.disableMarkers[3]: unknown marker "generic/foo"; expected one of generic/assisted-by, generic/generated-by, generic/co-authored-by-ai, generic/ai-assisted, generic/agent-session',
        'attribution.disableMarkers[4]: unknown marker "git-ai/notes"; expected one of git-ai/note',
      ],
      { disableMarkers: ["sweep"] },
    ],
    [
      "invalid agents are dropped as a whole, valid ones kept",
      {
        attribution: {
          agents: [
            { name: "No id" },
            { id: "Acme Bot" },
            { id: "generic" },
            { id: "acme", emails: ["x".repeat(300), "bot@acme.dev"], colour: 1 },
          ],
        },
      },
      [
        "attribution.agents[0].id: missing; expected a string",
        'attribution.agents[1].id: expected a lower-case slug such as "acme-bot", got "Acme Bot"',
        'attribution.agents[2].id: expected an agent id other than "generic" or "config", got "generic"',
        "attribution.agents[3].emails[0]: expected at most 200 characters, got 300",
        "attribution.agents[3].colour: unknown key; expected one of id, name, emails, names, logins, trailers, branches, text, links, labels",
      ],
      { agents: [{ ...agentDefaults, id: "acme", emails: ["bot@acme.dev"] }] },
    ],
    [
      "a bad trailer marker",
      {
        attribution: {
          agents: [
            {
              id: "acme",
              trailers: [
                { key: "Acme Run", value: 3 },
                { key: "Acme-Run", val: "*" },
              ],
            },
          ],
        },
      },
      [
        "attribution.agents[0].trailers[0].key: expected a trailer key of letters, digits and '-', got \"Acme Run\"",
        "attribution.agents[0].trailers[0].value: expected a string, got 3",
        'attribution.agents[0].trailers[1].val: unknown key; did you mean "value"?',
      ],
      { agents: [{ ...agentDefaults, id: "acme", trailers: [{ key: "Acme-Run", value: "*" }] }] },
    ],
  ])("%s", (_name, raw, messages, attribution) => {
    const { config, errors } = parseRepoConfig(raw);
    expect(errors.map((e) => e.message)).toEqual(messages);
    expect(config.attribution).toEqual({ ...attributionDefaults, ...attribution });
  });

  it.each<[unknown, string]>([
    ["labels: ai", '(root): expected a mapping, got "labels: ai"'],
    [[1, 2], "(root): expected a mapping, got a list"],
    [42, "(root): expected a mapping, got 42"],
  ])("a file that is not a mapping (%j) falls back to the defaults", (raw, message) => {
    expect(parseRepoConfig(raw)).toEqual({ config: defaults, errors: [{ path: "(root)", message }] });
  });

  it("gives each error its path separately", () => {
    const { errors } = parseRepoConfig({ attribution: { labels: [1] } });
    expect(errors).toEqual([
      { path: "attribution.labels[0]", message: "attribution.labels[0]: expected a string, got 1" },
    ]);
  });
});

describe("size limits against hostile files", () => {
  it("rejects a list longer than the limit", () => {
    const labels = Array.from({ length: CONFIG_LIMITS.maxPatterns + 10 }, (_, i) => `l${i}`);
    const { config, errors } = parseRepoConfig({ attribution: { labels } });
    expect(errors.map((e) => e.message)).toEqual(["attribution.labels: expected at most 50 items, got 60"]);
    expect(config.attribution.labels).toEqual(["ai-assisted"]);
  });

  it("rejects too many agents", () => {
    const agents = Array.from({ length: CONFIG_LIMITS.maxAgents + 1 }, (_, i) => ({ id: `agent-${i}` }));
    const { errors } = parseRepoConfig({ attribution: { agents } });
    expect(errors.map((e) => e.message)).toEqual(["attribution.agents: expected at most 50 items, got 51"]);
  });

  it("rejects more patterns in total than the budget, even when each list is within its limit", () => {
    const agents = Array.from({ length: 20 }, (_, i) => ({ id: `agent-${i}`, emails: Array(30).fill(`*@${i}.dev`) }));
    const { config, errors } = parseRepoConfig({ attribution: { agents, labels: ["ai"] } });
    expect(errors.map((e) => e.message)).toEqual([
      "attribution.agents: expected at most 500 patterns in the attribution section, got 601",
    ]);
    expect(config.attribution).toEqual({ ...attributionDefaults, labels: ["ai"] });
  });

  it("reports the budget after a first round of item errors", () => {
    const agents = Array.from({ length: 20 }, (_, i) => ({ id: `agent-${i}`, emails: Array(30).fill(`*@${i}.dev`) }));
    const { errors } = parseRepoConfig({ attribution: { agents, labels: [7] } });
    expect(errors.map((e) => e.message)).toEqual([
      "attribution.labels[0]: expected a string, got 7",
      "attribution.agents: expected at most 500 patterns in the attribution section, got 600",
    ]);
  });

  it("clips long values in messages", () => {
    const { errors } = parseRepoConfig({ attribution: { trustGenericTrailers: "y".repeat(500) } });
    expect(errors[0]?.message).toBe(
      `attribution.trustGenericTrailers: expected true or false, got "${"y".repeat(57)}…"`,
    );
  });
});

describe("formatPath", () => {
  it.each<[PropertyKey[], string]>([
    [[], "(root)"],
    [["attribution"], "attribution"],
    [["attribution", "agents", 0, "emails", 3], "attribution.agents[0].emails[3]"],
  ])("%j → %s", (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe("deployments section", () => {
  it("defaults: GitHub deployments to any *prod* environment, the default branch, a 14-day revert window", () => {
    expect(parseRepoConfig({ deployments: {} })).toEqual({ config: defaults, errors: [] });
    expect(parseRepoConfig({ deployments: null })).toEqual({ config: defaults, errors: [] });
    expect(defaults.deployments).toEqual(deploymentsDefaults);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      "GitHub deployments to named environments, the flag ignored",
      { environments: ["live", "eu-*"], productionEnvironmentFlag: false, excludeEnvironments: [] },
      { environments: ["live", "eu-*"], productionEnvironmentFlag: false, excludeEnvironments: [] },
    ],
    ["releases", { source: "release" }, { source: "release" }],
    [
      "a deploy workflow on a release branch",
      { source: "workflow_run", workflow: "deploy.yml", branch: "release" },
      { source: "workflow_run", workflow: "deploy.yml", branch: "release" },
    ],
    ["pushes to the default branch", { source: "push" }, { source: "push" }],
    [
      "several deployable branches and a longer window",
      { deployableBranches: ["main", "release/*"], revertWindowDays: 30 },
      { deployableBranches: ["main", "release/*"], revertWindowDays: 30 },
    ],
    ["`branch:` left empty in YAML is the default branch", { source: "push", branch: null }, { source: "push" }],
  ])("%s", (_name, deployments, expected) => {
    const { config, errors } = parseRepoConfig({ deployments });
    expect(errors).toEqual([]);
    expect(config.deployments).toEqual({ ...deploymentsDefaults, ...expected });
  });

  it.each<[string, Record<string, unknown>, string[], Record<string, unknown>]>([
    [
      "workflow_run without a workflow names the field; the section falls back to its defaults",
      { source: "workflow_run", branch: "main" },
      [
        'deployments.workflow: expected a workflow name or file (glob), e.g. "deploy.yml", because source is "workflow_run"',
      ],
      {},
    ],
    [
      "an unknown source",
      { source: "circleci", revertWindowDays: 7 },
      ['deployments.source: expected one of "deployment", "release", "workflow_run", "push", got "circleci"'],
      { revertWindowDays: 7 },
    ],
    [
      "a misspelt key",
      { enviroments: ["live"] },
      ['deployments.enviroments: unknown key; did you mean "environments"?'],
      {},
    ],
    [
      "an environment list written as a string",
      { environments: "production" },
      ['deployments.environments: expected a list, got "production"'],
      {},
    ],
    [
      "window bounds and whole days",
      { revertWindowDays: 0 },
      ["deployments.revertWindowDays: expected at least 1, got 0"],
      {},
    ],
    [
      "too long a window",
      { revertWindowDays: 400 },
      ["deployments.revertWindowDays: expected at most 365, got 400"],
      {},
    ],
    ["half a day", { revertWindowDays: 0.5 }, ["deployments.revertWindowDays: expected a whole number, got 0.5"], {}],
    [
      "no deployable branch at all is a mistake",
      { deployableBranches: [] },
      ["deployments.deployableBranches: expected a non-empty list, got an empty list"],
      {},
    ],
    ["an empty branch name", { branch: "" }, ['deployments.branch: expected a non-empty string, got ""'], {}],
    [
      "a flag written as a string",
      { productionEnvironmentFlag: "no" },
      ['deployments.productionEnvironmentFlag: expected true or false, got "no"'],
      {},
    ],
  ])("%s", (_name, deployments, messages, expected) => {
    const { config, errors } = parseRepoConfig({ deployments, attribution: { labels: ["ai"] } });
    expect(errors.map((e) => e.message)).toEqual(messages);
    expect(config.deployments).toEqual({ ...deploymentsDefaults, ...expected });
    // A bad deployments section never costs the attribution section.
    expect(config.attribution.labels).toEqual(["ai"]);
  });

  it("bounds pattern lists like the attribution section", () => {
    const environments = Array.from({ length: CONFIG_LIMITS.maxPatterns + 1 }, (_, i) => `prod-${i}`);
    const { config, errors } = parseRepoConfig({
      deployments: { environments, workflow: "x".repeat(CONFIG_LIMITS.maxPatternLength + 1) },
    });
    expect(errors.map((e) => e.message)).toEqual([
      "deployments.environments: expected at most 50 items, got 51",
      "deployments.workflow: expected at most 200 characters, got 201",
    ]);
    expect(config.deployments).toEqual(deploymentsDefaults);
  });
});

describe("metric section", () => {
  const metricDefaults = { ignorePaths: [], periodDays: 28 };

  it("defaults: nothing ignored, a 28-day period, the installation's minimum group size", () => {
    expect(parseRepoConfig({ metric: {} })).toEqual({ config: defaults, errors: [] });
    expect(parseRepoConfig({ metric: null })).toEqual({ config: defaults, errors: [] });
    expect(defaults.metric).toEqual(metricDefaults);
    expect(defaults.metric.minGroupSize).toBeUndefined();
    // Left out, the instance's METRIC_EVIDENCE applies (see reportOptions).
    expect(defaults.metric.evidence).toBeUndefined();
  });

  it("reads ignored paths, a minimum group size and a period", () => {
    const metric = { ignorePaths: ["**/*.lock", "docs/**", "src/generated/*"], minGroupSize: 8, periodDays: 14 };
    const { config, errors } = parseRepoConfig({ metric });
    expect(errors).toEqual([]);
    expect(config.metric).toEqual(metric);
    // The globs are the metric's path globs.
    const ignored = pathMatcher(config.metric.ignorePaths);
    expect(["yarn.lock", "web/yarn.lock", "docs/a/b.md", "src/generated/api/v1.ts"].every((p) => ignored?.(p))).toBe(
      true,
    );
    expect(ignored?.("src/app.ts")).toBe(false);
  });

  it("takes the revert window from the deployments section, not a second one", () => {
    const { errors } = parseRepoConfig({ metric: { revertWindowDays: 7 } });
    expect(errors.map((e) => e.message)).toEqual([
      "metric.revertWindowDays: unknown key; expected one of ignorePaths, minGroupSize, periodDays, evidence",
    ]);
  });

  it.each<[string, Record<string, unknown>, string[], Record<string, unknown>]>([
    ["a group of none", { minGroupSize: 0 }, ["metric.minGroupSize: expected at least 1, got 0"], {}],
    ["half an engineer", { minGroupSize: 2.5 }, ["metric.minGroupSize: expected a whole number, got 2.5"], {}],
    [
      "a period of no days",
      { periodDays: 0, ignorePaths: ["*.lock"] },
      ["metric.periodDays: expected at least 1, got 0"],
      { ignorePaths: ["*.lock"] },
    ],
    ["a period over a year", { periodDays: 400 }, ["metric.periodDays: expected at most 366, got 400"], {}],
    [
      "an ignored path written as a string",
      { ignorePaths: "docs/**" },
      ['metric.ignorePaths: expected a list, got "docs/**"'],
      {},
    ],
    [
      "an empty pattern is dropped, the rest kept",
      { ignorePaths: ["", "*.lock"] },
      ['metric.ignorePaths[0]: expected a non-empty string, got ""'],
      { ignorePaths: ["*.lock"] },
    ],
    ["a misspelt key", { ignorePath: ["*.lock"] }, ['metric.ignorePath: unknown key; did you mean "ignorePaths"?'], {}],
    ["explicit evidence only", { evidence: "explicit" }, [], { evidence: "explicit" }],
    ["any evidence, as when left out", { evidence: "any" }, [], { evidence: "any" }],
    [
      "an evidence basis that does not exist",
      { evidence: "strong", periodDays: 14 },
      ['metric.evidence: expected one of "any", "explicit", got "strong"'],
      { periodDays: 14 },
    ],
    [
      "an evidence basis as a flag",
      { evidence: true },
      ['metric.evidence: expected one of "any", "explicit", got true'],
      {},
    ],
  ])("%s", (_name, metric, messages, expected) => {
    const { config, errors } = parseRepoConfig({ metric, attribution: { labels: ["ai"] } });
    expect(errors.map((e) => e.message)).toEqual(messages);
    expect(config.metric).toEqual({ ...metricDefaults, ...expected });
    // A bad metric section never costs another section.
    expect(config.attribution.labels).toEqual(["ai"]);
  });

  it("bounds the ignored paths like every pattern list", () => {
    const ignorePaths = Array.from({ length: CONFIG_LIMITS.maxPatterns + 1 }, (_, i) => `gen-${i}/**`);
    const { config, errors } = parseRepoConfig({ metric: { ignorePaths } });
    expect(errors.map((e) => e.message)).toEqual(["metric.ignorePaths: expected at most 50 items, got 51"]);
    expect(config.metric).toEqual(metricDefaults);
  });

  it.each<[string, number | undefined, number | null | undefined, number | undefined, number]>([
    ["nothing configured: 5", undefined, undefined, undefined, DEFAULT_MIN_GROUP_SIZE],
    ["the instance's minimum alone, lower than the default", 3, undefined, undefined, 3],
    ["the organisation's file can raise it", 5, 7, undefined, 7],
    ["the organisation's file cannot lower it", 5, 1, undefined, 5],
    ["nor lower the default", undefined, 2, undefined, 5],
    ["a repository can raise it further", 3, 4, 8, 8],
    ["a repository cannot lower the organisation's", 3, 6, 4, 6],
    ["a repository cannot lower the instance's", 5, null, 2, 5],
  ])("minimum group size in force: %s", (_name, instance, organisation, repository, expected) => {
    expect(minGroupSizeInForce(instance, organisation, repository)).toBe(expected);
  });
});

describe("attribution defaults without zod", () => {
  it("equal the schema's defaults for an empty file", async () => {
    const { DEFAULT_ATTRIBUTION } = await import("../../src/config/attribution-defaults.js");
    const { repoConfigSchema } = await import("../../src/config/repo-config.js");
    expect(DEFAULT_ATTRIBUTION).toEqual(repoConfigSchema.parse({}).attribution);
  });
});

describe("costs.prices", () => {
  it("takes prices by model, families with *", () => {
    const { config, errors } = parseRepoConfig({
      costs: {
        prices: {
          "gemini-2.5-pro": { input: 1.25, output: 10, cacheRead: 0.31 },
          "gpt-5*": { input: 1.25, output: 10 },
        },
      },
    });
    expect(errors).toEqual([]);
    expect(config.costs.prices["gpt-5*"]).toEqual({ input: 1.25, output: 10 });
  });

  it.each<[string, unknown, RegExp]>([
    ["a negative price", { m: { input: -1, output: 1 } }, /^costs\.prices\.m\.input: /],
    ["a price given as text", { m: { input: "cheap", output: 1 } }, /^costs\.prices\.m\.input: expected a number/],
    ["a missing output price", { m: { input: 1 } }, /^costs\.prices\.m\.output: /],
    [
      "an unknown kind of token",
      { m: { input: 1, output: 1, reasoning: 2 } },
      /^costs\.prices\.m\.reasoning: unknown key/,
    ],
  ])("names the field of %s", (_name, prices, message) => {
    const { errors } = parseRepoConfig({ costs: { prices } });
    expect(errors.map((e) => e.message).join("\n")).toMatch(message);
  });

  it("reports a wrong price once (not again as missing), and what a model name may be", () => {
    expect(parseRepoConfig({ costs: { prices: { "gpt-5": { input: "a", output: 2 } } } }).errors).toEqual([
      { path: "costs.prices.gpt-5.input", message: 'costs.prices.gpt-5.input: expected a number, got "a"' },
    ]);
    const long = "m".repeat(150);
    expect(
      parseRepoConfig({ costs: { prices: { [long]: { input: 1, output: 2 } } } }).errors.map((e) => e.message),
    ).toEqual([`costs.prices.${long}: expected a model name of at most 100 characters, got "${"m".repeat(57)}…"`]);
  });
});
