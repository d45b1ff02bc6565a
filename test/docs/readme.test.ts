// The README's examples stay true.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSchema } from "../../src/config/env.js";
import { parseRepoConfig } from "../../src/config/repo-config.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows a .github/shipledger.yml that validates without errors", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const { errors } = parseRepoConfig(parse(yaml ?? ""));
    expect(errors).toEqual([]);
  });

  it("documents every environment variable the app reads", () => {
    for (const variable of Object.keys(envSchema.shape)) {
      if (variable === "NODE_ENV") continue;
      expect(readme, variable).toContain(`\`${variable}\``);
    }
  });

  it("names the two commands", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm install && npm test");
  });
});
