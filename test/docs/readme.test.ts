// The README's examples stay true.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { envSchema } from "../../src/config/env.js";
import { agentConfigSchema, defaults, parseRepoConfig, repoConfigSchema } from "../../src/config/repo-config.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const configExample = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";

describe("README", () => {
  it("shows a .github/shipledger.yml that validates without errors", () => {
    expect(configExample).not.toBe("");
    const { errors } = parseRepoConfig(parse(configExample));
    expect(errors).toEqual([]);
  });

  it("shows every field of .github/shipledger.yml, each with its default", () => {
    const schemaFields = fieldPaths(repoConfigSchema, "");
    expect(keyPaths(parse(configExample), "").sort()).toEqual([...schemaFields].sort());

    const documented = commentedKeys(configExample);
    // Keys inside a flow mapping (`{ key: Acme-Run, value: "*" }`) are described by their parent's comment.
    const blockFields = schemaFields.filter((path) => !path.startsWith("attribution.agents[].trailers[]."));
    expect([...documented.keys()].sort()).toEqual([...blockFields].sort());
    const agentDefaults = agentConfigSchema.parse({ id: "acme" });
    for (const [path, comment] of documented) {
      if (schemaFields.some((other) => other.startsWith(`${path}.`)) && !path.endsWith("agents")) continue; // a section
      const stated = /Default: (.*)$/m.exec(comment)?.[1];
      if (stated === undefined) {
        expect(comment, path).toMatch(/Required\./);
        continue;
      }
      const expected = path.startsWith("attribution.agents[].")
        ? (agentDefaults as Record<string, unknown>)[path.slice("attribution.agents[].".length)]
        : at(defaults, path);
      expect(/^none\b/.test(stated) ? undefined : parse(stated.replace(/\.$/, "")), path).toEqual(expected);
    }
  });

  it("documents every environment variable the app reads", () => {
    for (const variable of Object.keys(envSchema.shape)) {
      if (variable === "NODE_ENV") continue;
      expect(readme, variable).toContain(`\`${variable}\``);
    }
  });

  it("names every folder of src/, test/ and drizzle/, and every script of bench/ and scripts/, in its Layout", () => {
    const layout = readme.slice(readme.indexOf("\n## Layout\n"));
    expect(layout).not.toBe("");
    const root = new URL("../../", import.meta.url);
    const entries = (dir: string) => readdirSync(new URL(dir, root), { withFileTypes: true });
    const named = [
      ...["src", "test", "drizzle"].flatMap((dir) =>
        entries(dir)
          .filter((e) => e.isDirectory())
          .map((e) => `\`${dir}/${e.name}/\``),
      ),
      ...["bench", "scripts"].flatMap((dir) =>
        entries(dir)
          .filter((e) => e.isFile() && e.name.endsWith(".mjs"))
          .map((e) => `\`${e.name}\``),
      ),
    ];
    expect(named.length).toBeGreaterThan(30);
    expect(named.filter((name) => !layout.includes(name))).toEqual([]);
  });

  it("names the two commands", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm install && npm test");
  });
});

// ---- the config example against the schema --------------------------------------------------------

interface ZodLike {
  _zod: { def: { type: string; shape?: Record<string, ZodLike>; innerType?: ZodLike; element?: ZodLike } };
}

/** Every field of a zod schema, as `section.field`, with `[]` for a list's items. */
function fieldPaths(schema: ZodLike, prefix: string): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case "object":
      return Object.entries(def.shape ?? {}).flatMap(([key, field]) => {
        const path = prefix === "" ? key : `${prefix}.${key}`;
        return [path, ...fieldPaths(field, path)];
      });
    case "default":
    case "prefault":
    case "optional":
    case "nullable":
      return def.innerType ? fieldPaths(def.innerType, prefix) : [];
    case "array":
      return def.element ? fieldPaths(def.element, `${prefix}[]`) : [];
    default:
      return [];
  }
}

/** Every key of parsed YAML, named as fieldPaths names them (each path once). */
function keyPaths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((item) => keyPaths(item, `${prefix}[]`)))];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return [path, ...keyPaths(inner, path)];
  });
}

/** The block keys of a YAML text, by path, with the comment lines just above each. */
function commentedKeys(yaml: string): Map<string, string> {
  const keys = new Map<string, string>();
  const open: { indent: number; path: string }[] = [];
  let comment: string[] = [];
  for (const line of yaml.split("\n")) {
    const note = /^\s*# ?(.*)$/.exec(line);
    if (note) {
      comment.push(note[1] ?? "");
      continue;
    }
    const key = /^( *)(- )?([A-Za-z]+):/.exec(line);
    if (!key) {
      comment = [];
      continue;
    }
    const indent = (key[1] ?? "").length;
    const item = key[2] !== undefined;
    const own = indent + (item ? 2 : 0);
    while ((open.at(-1)?.indent ?? -1) >= (item ? indent : own)) open.pop();
    let parent = open.at(-1)?.path ?? "";
    if (item) {
      parent = `${parent}[]`;
      open.push({ indent, path: parent });
    }
    const path = parent === "" ? (key[3] ?? "") : `${parent}.${key[3]}`;
    open.push({ indent: own, path });
    keys.set(path, comment.join("\n"));
    comment = [];
  }
  return keys;
}

function at(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((inner, key) => (inner as Record<string, unknown> | undefined)?.[key], value);
}
