// Reading `.github/shipledger.yml` as YAML (src/github/repo-config-loader.ts): what a file that is
// not plain YAML data gives, and what the largest file a stranger may write costs to read.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contentsFile } from "../../src/demo/github-model.js";
import { CONFIG_PATH, loadRepoConfig, MAX_CONFIG_BYTES, parseConfigYaml } from "../../src/github/repo-config-loader.js";

describe("parseConfigYaml", () => {
  it.each<[string, string, { raw: unknown } | { error: string }]>([
    ["a mapping", "metric:\n  periodDays: 14\n", { raw: { metric: { periodDays: 14 } } }],
    ["an empty file", "", { raw: null }],
    ["an alias of an anchor", "a: &x [1]\nb: *x\n", { raw: { a: [1], b: [1] } }],
    ["a key written twice", "a: 1\nb: 2\na: 3\n", { error: "Map keys must be unique at line 3, column 1" }],
    [
      "a key written twice in a nested mapping",
      "attribution:\n  labels: [x]\n  labels: [y]\n",
      { error: "Map keys must be unique at line 3, column 3" },
    ],
    ["keys equal as values", "1: a\n0x1: b\n", { error: "Map keys must be unique at line 2, column 1" }],
    ["the same key in two mappings", "a: {x: 1}\nb: {x: 2}\n", { raw: { a: { x: 1 }, b: { x: 2 } } }],
    [
      "an unclosed list",
      "attribution: [unclosed\n",
      {
        error: "Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:",
      },
    ],
    [
      "two documents",
      "a: 1\n---\nb: 2\n",
      { error: "Source contains multiple documents; please use YAML.parseAllDocuments() at line 2, column 1:" },
    ],
    [
      "an alias of nothing",
      "a: *nope\n",
      { error: "Unresolved alias (the anchor must be set before the alias): nope" },
    ],
  ])("%s", (_, text, expected) => {
    expect(parseConfigYaml(text)).toEqual(expected);
  });

  it("refuses aliases that would expand exponentially (a billion laughs)", () => {
    let text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      text += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]\n`;
    expect(parseConfigYaml(text)).toEqual({
      error: "Excessive alias count indicates a resource exhaustion attack",
    });
  });
});

describe("the largest file a stranger may write", () => {
  const API = "https://api.github.com";
  const octokit = new ProbotOctokit({
    auth: { token: "test" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending).toEqual([]);
  });

  /** 1-, 2- and 3-letter words (every one a string), as many as a 64 KiB file can hold. */
  function words(): string[] {
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const all: string[] = [];
    for (const a of letters) all.push(a);
    for (const a of letters) for (const b of letters) all.push(a + b);
    for (const a of letters) for (const b of letters) for (const c of letters) all.push(a + b + c);
    const fitting: string[] = [];
    let size = 8;
    for (const word of all) {
      size += word.length + 1;
      if (size > MAX_CONFIG_BYTES) break;
      fitting.push(word);
    }
    return fitting;
  }

  /** What the loader says of a file. */
  async function read(text: string): Promise<string[]> {
    expect(text.length).toBeLessThanOrEqual(MAX_CONFIG_BYTES);
    nock(API).get("/repos/acme/shop/contents/.github%2Fshipledger.yml").reply(200, contentsFile(CONFIG_PATH, text));
    const loaded = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" });
    return loaded.errors.map((e) => e.message);
  }

  // What the mapping costs against the list is measured by `npm run bench:config` (bench/README.md):
  // yaml's own duplicate check made it 10 to 25 times the list's.
  it("a mapping of 15,000 keys and a list of 15,000 items are read to the same one error", async () => {
    const keys = words();
    expect(keys.length).toBeGreaterThan(15_000);
    const unknown = "x: unknown key; expected one of inherit, attribution, deployments, metric, costs";
    expect(await read(`x: [${keys.join(",")}]\n`)).toEqual([unknown]);
    expect(await read(`x: {${keys.join(",")}}\n`)).toEqual([unknown]);
    // The first key written again in place of the last is still found.
    expect(await read(`x: {${[...keys.slice(0, -1), keys[0]].join(",")}}\n`)).toEqual([
      expect.stringMatching(/^\(root\): invalid YAML: Map keys must be unique/),
    ]);
  });
});
