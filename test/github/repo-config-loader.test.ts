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

  /** The fastest of three reads of a file through the loader, in ms, and what the last one said. */
  async function timeRead(text: string): Promise<{ ms: number; errors: string[] }> {
    expect(text.length).toBeLessThanOrEqual(MAX_CONFIG_BYTES);
    let ms = Number.POSITIVE_INFINITY;
    let errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      nock(API).get("/repos/acme/shop/contents/.github%2Fshipledger.yml").reply(200, contentsFile(CONFIG_PATH, text));
      const started = performance.now();
      const loaded = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" });
      ms = Math.min(ms, performance.now() - started);
      errors = loaded.errors.map((e) => e.message);
    }
    return { ms, errors };
  }

  it("a mapping of 15,000 keys costs about what a list of 15,000 items does (yaml's own duplicate check took seconds)", async () => {
    const keys = words();
    expect(keys.length).toBeGreaterThan(15_000);
    const list = await timeRead(`x: [${keys.join(",")}]\n`);
    const mapping = await timeRead(`x: {${keys.join(",")}}\n`);
    const unknown = "x: unknown key; expected one of inherit, attribution, deployments, metric, costs";
    expect(list.errors).toEqual([unknown]);
    expect(mapping.errors).toEqual([unknown]);
    // Measured in the same run: a few times the list's cost at most (before: 10 to 25 times).
    expect(mapping.ms).toBeLessThan(4 * list.ms + 50);
  });
});
