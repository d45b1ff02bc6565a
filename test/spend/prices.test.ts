// The instance's price file (COST_PRICES_FILE): YAML or JSON, validated field by field.

import { describe, expect, it } from "vitest";
import { instanceMetricDefaults } from "../../src/metrics/report.js";
import { parsePriceTable, pricer } from "../../src/spend/prices.js";

const base = { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [], evidence: "any" as const };

describe("COST_PRICES_FILE", () => {
  it("reads YAML or JSON, at the top level or under prices:", () => {
    const yaml = "prices:\n  gemini-2.5-pro: { input: 1.25, output: 10 }\n";
    const json = '{"gpt-5*": {"input": 1.25, "output": 10, "cacheRead": 0.125}}';
    expect(parsePriceTable(yaml, "f")).toEqual({ "gemini-2.5-pro": { input: 1.25, output: 10 } });
    expect(pricer(parsePriceTable(json, "f")).priceOf("GPT-5-mini")).toEqual({
      input: 1.25,
      output: 10,
      cacheRead: 0.125,
    });
    expect(parsePriceTable("", "f")).toEqual({});
  });

  it.each([
    ["m: { input: -1, output: 2 }", /prices\.yml: m\.input: /],
    ["m: { input: 1 }", /prices\.yml: m\.output: /],
    ["m: [1, 2]", /prices\.yml: m: /],
    ["m: { input: 1, output: 2", /prices\.yml: not YAML or JSON/],
  ])("names the file and the field of %j", (text, message) => {
    expect(() => parsePriceTable(text, "prices.yml")).toThrow(message);
  });

  it("is read once for the instance's defaults, and a missing file is named", () => {
    const files: Record<string, string> = { "/etc/prices.yml": "m: { input: 1, output: 2 }" };
    const read = (path: string) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
      return text;
    };
    expect(instanceMetricDefaults({ ...base, pricesFile: "/etc/prices.yml" }, read).prices).toEqual({
      m: { input: 1, output: 2 },
    });
    expect(instanceMetricDefaults({ ...base, pricesFile: null }, read)).toEqual(base);
    expect(() => instanceMetricDefaults({ ...base, pricesFile: "/nope.yml" }, read)).toThrow(
      "COST_PRICES_FILE: cannot read /nope.yml: ENOENT",
    );
  });
});

describe("pricing tokens: cached tokens priced once", () => {
  const prices = pricer({
    "gpt-5-codex": { input: 1.25, output: 10, cacheRead: 0.125 },
    "gemini-2.5-pro": { input: 1.25, output: 10, cacheRead: 0.31 },
    "claude-sonnet-4-5": { input: 3, output: 15, cacheRead: 0.3 },
  });
  const tokens = { input: 412_003, output: 38_211, cacheRead: 305_120, cacheWrite: 0 };
  const inside = ((412_003 - 305_120) * 1.25 + 305_120 * 0.125 + 38_211 * 10) / 1e6;
  it.each([
    // OpenAI's input_tokens include cached_tokens: whoever reported them (an export has no agent).
    ["codex", "gpt-5-codex", inside],
    ["unknown", "gpt-5-codex", inside],
    ["unknown", "openai/gpt-5-codex", null], // not in the table: not priced
    ["generic", "gpt-5-codex", inside],
    ["unknown", "gemini-2.5-pro", ((412_003 - 305_120) * 1.25 + 305_120 * 0.31 + 38_211 * 10) / 1e6],
    // Anthropic counts cached tokens apart from input.
    ["claude-code", "claude-sonnet-4-5", (412_003 * 3 + 305_120 * 0.3 + 38_211 * 15) / 1e6],
    ["unknown", "claude-sonnet-4-5", (412_003 * 3 + 305_120 * 0.3 + 38_211 * 15) / 1e6],
  ])("%s with %s", (agent, model, usd) => {
    const estimate = prices.estimate(agent, model, tokens);
    if (usd === null) expect(estimate).toBeNull();
    else expect(estimate).toBeCloseTo(usd, 9);
  });
});

describe("the prices in force: the organisation's table, then the instance's, model by model", () => {
  const organisation = { "claude-sonnet-*": { input: 2.4, output: 12 }, "gpt-5-codex": { input: 1, output: 8 } };
  const instance = {
    "claude-sonnet-4-5": { input: 3, output: 15 },
    "gpt-5*": { input: 1.25, output: 10 },
    "gemini-2.5-pro": { input: 1.25, output: 10 },
  };
  it.each([
    // The organisation's pattern covers the model: its price, over the instance's exact key.
    ["claude-sonnet-4-5", organisation["claude-sonnet-*"]],
    ["gpt-5-codex", organisation["gpt-5-codex"]],
    // Models the organisation does not price: the instance's, exact or by pattern.
    ["gpt-5-mini", instance["gpt-5*"]],
    ["gemini-2.5-pro", instance["gemini-2.5-pro"]],
    ["claude-opus-4-1", null],
  ])("%s", (model, price) => {
    expect(pricer(organisation, instance).priceOf(model)).toEqual(price);
  });
});
