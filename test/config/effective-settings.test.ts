// What an organisation's `.github/shipledger.yml` may set for other repositories: table-driven
// cases of settingsFor (src/config/effective-settings.ts).
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type ConfigFile,
  FROM_ORGANISATION,
  type SettingsOrigin,
  settingsFor,
  whyNotInherited,
} from "../../src/config/effective-settings.js";
import {
  CONFIG_FIELDS,
  CONFIG_LIMITS,
  defaults,
  parseRepoConfig,
  writtenFields,
} from "../../src/config/repo-config.js";

const OWN = "acme/shop:.github/shipledger.yml";
const ORG = "acme/.github:.github/shipledger.yml";

function file(source: string, yaml: string): ConfigFile {
  const raw = parse(yaml);
  const { config, errors } = parseRepoConfig(raw);
  expect(errors).toEqual([]);
  return { source, config, written: writtenFields(raw) };
}

/** Everything a hostile organisation file could write to change other repositories' numbers. */
const HOSTILE = `
attribution:
  agents: [{ id: everyone, names: ["*"] }]
  labels: ["*"]
  ignoreAuthors: ["*"]
  disableMarkers: [claude-code]
  trustGenericTrailers: true
  policy: kernel
deployments:
  source: workflow_run
  workflow: "*"
  environments: ["*"]
  excludeEnvironments: []
  productionEnvironmentFlag: false
  branch: anything
  deployableBranches: ["*"]
  revertWindowDays: 1
metric:
  ignorePaths: ["*"]
  minGroupSize: 9
  periodDays: 7
  evidence: any
costs:
  prices: { "*": { input: 0, output: 0 } }
`;

const at = (config: unknown, field: string) => {
  const [section = "", key = ""] = field.split(".");
  return (config as Record<string, Record<string, unknown>>)[section]?.[key];
};

describe("settingsFor: what an organisation file may set for other repositories", () => {
  it("the policy table names only fields of the schema", () => {
    for (const field of Object.keys(FROM_ORGANISATION)) expect(CONFIG_FIELDS).toContain(field);
  });

  it("a repository without a file of its own: the organisation's file only raises the minimum and sets the period", () => {
    const settings = settingsFor({ own: null, organisation: file(ORG, HOSTILE) });
    const taken = ["metric.minGroupSize", "metric.periodDays"];
    for (const field of CONFIG_FIELDS.filter((f) => f.includes("."))) {
      if (taken.includes(field)) {
        expect(settings.fields[field], field).toBe("organisation file");
      } else {
        expect(settings.fields[field], field).toBe("default");
        expect(at(settings.config, field), field).toEqual(at(defaults, field));
      }
    }
    expect(settings.config.metric.minGroupSize).toBe(9);
    expect(settings.config.metric.periodDays).toBe(7);
    // Every other field it writes is named, with why.
    const ignoredFields = CONFIG_FIELDS.filter((f) => f.includes(".") && !taken.includes(f));
    expect(settings.ignored.map((i) => i.field)).toEqual(ignoredFields);
    expect(settings.ignored.find((i) => i.field === "metric.ignorePaths")?.reason).toBe(
      "it decides which changes the figures leave out",
    );
    expect(settings.ignored.find((i) => i.field === "metric.evidence")?.reason).toBe(
      "it decides which changes the figures count as AI-assisted",
    );
    expect(settings.ignored.find((i) => i.field === "deployments.source")?.reason).toBe(
      "it decides which deployments are production",
    );
    expect(settings.ignored.find((i) => i.field === "attribution.agents")?.reason).toBe(
      "it decides which changes count as AI-assisted",
    );
    expect(settings).toMatchObject({
      repositoryFile: null,
      organisationFile: ORG,
      inherits: false,
      sections: { attribution: ["default"], deployments: ["default"], metric: ["organisation file"] },
    });
  });

  type Case = {
    name: string;
    own?: string;
    org?: string;
    field: string;
    value: unknown;
    origin: SettingsOrigin;
    ignored?: string[];
  };
  const cases: Case[] = [
    // No file of its own.
    { name: "no files at all", field: "metric.ignorePaths", value: [], origin: "default", ignored: [] },
    {
      name: "org ignorePaths: ignored",
      org: "metric:\n  ignorePaths: ['*']\n",
      field: "metric.ignorePaths",
      value: [],
      origin: "default",
      ignored: ["metric.ignorePaths"],
    },
    {
      name: "org deployments.source: ignored",
      org: "deployments:\n  source: release\n",
      field: "deployments.source",
      value: "deployment",
      origin: "default",
      ignored: ["deployments.source"],
    },
    {
      name: "org revert window shorter: ignored",
      org: "deployments:\n  revertWindowDays: 1\n",
      field: "deployments.revertWindowDays",
      value: 14,
      origin: "default",
      ignored: ["deployments.revertWindowDays"],
    },
    {
      name: "org revert window longer: ignored too (it can raise the AI share)",
      org: "deployments:\n  revertWindowDays: 60\n",
      field: "deployments.revertWindowDays",
      value: 14,
      origin: "default",
      ignored: ["deployments.revertWindowDays"],
    },
    {
      name: "org labels: ignored",
      org: "attribution:\n  labels: [made-with-ai]\n",
      field: "attribution.labels",
      value: ["ai-assisted"],
      origin: "default",
      ignored: ["attribution.labels"],
    },
    {
      name: "org agents: ignored",
      org: "attribution:\n  agents: [{ id: acme-bot, emails: [bot@acme.dev] }]\n",
      field: "attribution.agents",
      value: [],
      origin: "default",
      ignored: ["attribution.agents"],
    },
    {
      name: "org writes a default value: nothing to name",
      org: "metric:\n  ignorePaths: []\ndeployments:\n  source: deployment\n",
      field: "metric.ignorePaths",
      value: [],
      origin: "default",
      ignored: [],
    },
    {
      name: "org minGroupSize raises",
      org: "metric:\n  minGroupSize: 8\n",
      field: "metric.minGroupSize",
      value: 8,
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "org periodDays",
      org: "metric:\n  periodDays: 90\n",
      field: "metric.periodDays",
      value: 90,
      origin: "organisation file",
      ignored: [],
    },
    // A file of its own, without inherit: the organisation's says nothing (raise-only aside).
    {
      name: "own file: own value",
      own: "metric:\n  ignorePaths: [docs/**]\n",
      field: "metric.ignorePaths",
      value: ["docs/**"],
      origin: "repository file",
      ignored: [],
    },
    {
      name: "own file without the field: the default, not the organisation's",
      own: "metric:\n  periodDays: 14\n",
      org: "metric:\n  ignorePaths: ['*']\n",
      field: "metric.ignorePaths",
      value: [],
      origin: "default",
      ignored: ["metric.ignorePaths"],
    },
    {
      name: "own file lowers minGroupSize: the organisation's stays",
      own: "metric:\n  minGroupSize: 3\n",
      org: "metric:\n  minGroupSize: 7\n",
      field: "metric.minGroupSize",
      value: 7,
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "own file raises minGroupSize above the organisation's",
      own: "metric:\n  minGroupSize: 12\n",
      org: "metric:\n  minGroupSize: 7\n",
      field: "metric.minGroupSize",
      value: 12,
      origin: "repository file",
      ignored: [],
    },
    // inherit: organization — the organisation's file for whatever the own file does not write.
    {
      name: "inherit: the organisation's ignorePaths",
      own: "inherit: organization\n",
      org: "metric:\n  ignorePaths: ['*.lock']\n",
      field: "metric.ignorePaths",
      value: ["*.lock"],
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "inherit (British spelling): the organisation's agents",
      own: "inherit: organisation\n",
      org: "attribution:\n  agents: [{ id: acme-bot, emails: [bot@acme.dev] }]\n",
      field: "attribution.agents",
      value: [expect.objectContaining({ id: "acme-bot", emails: ["bot@acme.dev"] })],
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "inherit: the own file's value wins, even an empty list",
      own: "inherit: organization\nmetric:\n  ignorePaths: []\n",
      org: "metric:\n  ignorePaths: ['*.lock']\n",
      field: "metric.ignorePaths",
      value: [],
      origin: "repository file",
      ignored: [],
    },
    {
      name: "inherit: a shorter organisation revert window applies (the repository asked for it)",
      own: "inherit: organization\n",
      org: "deployments:\n  revertWindowDays: 7\n",
      field: "deployments.revertWindowDays",
      value: 7,
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "inherit: minGroupSize still only rises",
      own: "inherit: organization\nmetric:\n  minGroupSize: 2\n",
      org: "metric:\n  minGroupSize: 6\n",
      field: "metric.minGroupSize",
      value: 6,
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "org evidence explicit: ignored (it decides what counts as AI-assisted)",
      org: "metric:\n  evidence: explicit\n",
      field: "metric.evidence",
      value: undefined,
      origin: "default",
      ignored: ["metric.evidence"],
    },
    {
      name: "own file: its evidence basis",
      own: "metric:\n  evidence: explicit\n",
      field: "metric.evidence",
      value: "explicit",
      origin: "repository file",
      ignored: [],
    },
    {
      name: "inherit: the organisation's evidence basis",
      own: "inherit: organization\n",
      org: "metric:\n  evidence: explicit\n",
      field: "metric.evidence",
      value: "explicit",
      origin: "organisation file",
      ignored: [],
    },
    {
      name: "inherit: the own file's evidence basis wins",
      own: "inherit: organization\nmetric:\n  evidence: any\n",
      org: "metric:\n  evidence: explicit\n",
      field: "metric.evidence",
      value: "any",
      origin: "repository file",
      ignored: [],
    },
    {
      name: "inherit, organisation file missing: the own file and defaults",
      own: "inherit: organization\n",
      field: "deployments.source",
      value: "deployment",
      origin: "default",
      ignored: [],
    },
  ];

  it.each(cases)("$name", ({ own, org, field, value, origin, ignored }) => {
    const settings = settingsFor({
      own: own === undefined ? null : file(OWN, own),
      organisation: org === undefined ? null : file(ORG, org),
    });
    expect(at(settings.config, field)).toEqual(value);
    expect(settings.fields[field]).toBe(origin);
    if (ignored) expect(settings.ignored.map((i) => i.field)).toEqual(ignored);
    expect(settings.repositoryFile).toBe(own === undefined ? null : OWN);
    expect(settings.organisationFile).toBe(org === undefined ? null : ORG);
  });

  it("an own file that does not opt in names its reason for what the organisation's says", () => {
    const settings = settingsFor({ own: file(OWN, "metric:\n  periodDays: 14\n"), organisation: file(ORG, HOSTILE) });
    expect(new Set(settings.ignored.map((i) => i.reason))).toEqual(new Set(["this repository has a file of its own"]));
    expect(settings.config.attribution).toEqual(defaults.attribution);
    expect(settings.config.deployments).toEqual(defaults.deployments);
  });

  it("sections: which files each top-level key came from", () => {
    const settings = settingsFor({
      own: file(OWN, "inherit: organization\nattribution:\n  labels: [ai]\n"),
      organisation: file(ORG, "attribution:\n  agents: [{ id: acme-bot, emails: [bot@acme.dev] }]\n"),
    });
    expect(settings.inherits).toBe(true);
    expect(settings.sections).toEqual({
      attribution: ["repository file", "organisation file"],
      deployments: ["default"],
      metric: ["default"],
    });
  });

  it("inherit: two attribution sections over the pattern budget together: the organisation's part gives way", () => {
    const list = (prefix: string) =>
      `[${Array.from({ length: CONFIG_LIMITS.maxPatterns }, (_, i) => `"${prefix}${i}"`).join(", ")}]`;
    const agents = (prefix: string, count: number) =>
      `attribution:\n  agents:\n${Array.from(
        { length: count },
        (_, a) => `    - id: ${prefix}-${a}\n      text: ${list(`${prefix}${a}-`)}\n`,
      ).join("")}`;
    // 9 agents × 50 phrases each side: 450 + 1 label, within 500 apiece, 901 together.
    const settings = settingsFor({
      own: file(OWN, `inherit: organization\n${agents("own", 9)}`),
      organisation: file(ORG, `${agents("org", 9)}  ignoreAuthors: [release-bot]\n`),
    });
    expect(settings.config.attribution.agents.map((a) => a.id)).toEqual(
      Array.from({ length: 9 }, (_, a) => `own-${a}`),
    );
    expect(settings.config.attribution.ignoreAuthors).toEqual(["release-bot"]);
    expect(settings.ignored).toEqual([]);
    const over = settingsFor({
      own: file(OWN, `inherit: organization\n${agents("own", 9)}  labels: ${list("own-label-")}\n`),
      organisation: file(ORG, `attribution:\n  ignoreAuthors: ${list("bot-")}\n`),
    });
    expect(over.config.attribution.ignoreAuthors).toEqual([]);
    expect(over.fields["attribution.ignoreAuthors"]).toBe("default");
    expect(over.ignored).toEqual([
      {
        field: "attribution.ignoreAuthors",
        reason: "with this repository's file it exceeds the attribution pattern budget",
      },
    ]);
  });

  it("says why for every field it can ignore", () => {
    for (const field of CONFIG_FIELDS.filter((f) => f.includes(".") && !(f in FROM_ORGANISATION))) {
      expect(whyNotInherited(field), field).toMatch(/^it decides which /);
    }
  });
});

describe("writtenFields and inherit", () => {
  it.each<[string, unknown, string[]]>([
    ["nothing", null, []],
    ["a list", ["metric"], []],
    ["empty sections and null fields are not written", { metric: null, attribution: { labels: null } }, []],
    [
      "fields, valid or not, and inherit",
      { inherit: "organization", metric: { ignorePaths: [42], bogus: 1 }, deployments: "release" },
      ["inherit", "metric.ignorePaths"],
    ],
  ])("%s", (_, raw, expected) => {
    expect(writtenFields(raw)).toEqual(expected);
  });

  it("inherit takes either spelling, and says what it expects otherwise", () => {
    expect(parseRepoConfig({ inherit: "organisation" }).config.inherit).toBe("organisation");
    expect(parseRepoConfig({ inherit: "organization" }).errors).toEqual([]);
    expect(parseRepoConfig({ inherit: "everything" }).errors.map((e) => e.message)).toEqual([
      'inherit: expected one of "organization", "organisation", got "everything"',
    ]);
    expect(parseRepoConfig({}).config.inherit).toBeUndefined();
  });
});
