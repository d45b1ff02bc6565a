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
