// The layering of src/, checked on every file's imports (type-only and dynamic ones included):
// imports only go down (entry points → handlers → use cases → core / store), and the pure layers do
// no I/O. A rule that a test states stays true.
//
// Biome's noRestrictedImports could say most of this with one override per folder, but it matches
// import specifiers as written (not the files they name), and biome.json holds no comments: the
// allow-list below would have to exempt whole files, silently.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

type Layer =
  | "core" // pure: data in, data out (attribution, the ledger's rules, metrics, renderers)
  | "util" // pure helpers that know nothing of the domain
  | "model" // the ledger's records as plain data: every layer may read them, they import nothing
  | "platform" // I/O helpers that know nothing of the domain (environment, files, ports)
  | "store" // facts in, facts out: the database
  | "github" // GitHub's API, shaped into the core's types
  | "use case" // reads what it needs, calls the core, writes: one verb each
  | "handler" // a delivery's payload → GitHub reads → use cases → a check run
  | "entry"; // what runs things: the inbox, the HTTP server, the CLI, the demo, operations

/** Where each file of src/ sits: the first matching prefix wins. A file no line matches fails the test. */
const LAYERS: ReadonlyArray<readonly [prefix: string, layer: Layer]> = [
  ["src/attribution/", "core"],
  ["src/git/", "core"],
  ["src/metrics/report.ts", "use case"], // reads the store to build a report
  ["src/metrics/", "core"],
  ["src/spend/", "core"],
  ["src/config/env.ts", "platform"],
  ["src/config/dotenv.ts", "platform"],
  ["src/config/", "core"],
  ["src/changes/", "core"],
  ["src/deployments/", "core"],
  ["src/checks/publish.ts", "github"],
  ["src/checks/", "core"],
  ["src/ledger/core/", "core"],
  ["src/ledger/", "use case"],
  ["src/util/free-port.ts", "platform"],
  ["src/util/package-root.ts", "platform"],
  ["src/util/", "util"],
  ["src/model/", "model"],
  ["src/store/", "store"],
  ["src/github/", "github"],
  ["src/handlers/", "handler"],
  ["src/inbox/", "entry"],
  ["src/web/", "entry"],
  ["src/ops/", "entry"],
  ["src/cli/", "entry"],
  ["src/demo/", "entry"],
  ["src/log.ts", "entry"],
  ["src/app.ts", "entry"],
  ["src/start.ts", "entry"],
  ["src/server.ts", "entry"],
];

/** The layers each layer may import besides its own. */
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  model: [],
  core: ["model", "util"],
  util: [],
  platform: ["util"],
  store: ["model", "platform", "util"],
  github: ["core", "model", "util"],
  "use case": ["core", "model", "store", "github", "platform", "util"],
  handler: ["use case", "core", "model", "store", "github", "platform", "util"],
  entry: ["handler", "use case", "core", "model", "store", "github", "platform", "util"],
};

const PURE: ReadonlySet<Layer> = new Set(["model", "core", "util"]);

/** Packages that do I/O (or are the GitHub client, the database or the app framework): not for pure code. */
const IO_PACKAGE =
  /^(?:probot|pg|better-sqlite3|drizzle-orm|drizzle-kit|prom-client|pino|smee-client|@octokit\/.*|@probot\/.*)(?:\/|$)|^(?:node:)?(?:fs|net|http|https|http2|child_process|worker_threads|cluster|dgram|dns|tls|os|readline)(?:\/|$)/;

/**
 * Imports that break the rules, each with why, while they are being removed. Empty: #14's redesign
 * removed the last. The test fails when one is gone and still listed: this list only shrinks.
 */
const KNOWN_VIOLATIONS: ReadonlyArray<readonly [file: string, imported: string]> = [];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every module a file imports: import and export declarations, import(), `typeof import()`. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) specifiers.push(argument.text);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal))
        specifiers.push(argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // A module of src/ by its path ("src/store/types.ts"); a package by its name.
  return specifiers.map((s) => (s.startsWith(".") ? posix.join(posix.dirname(file), s).replace(/\.js$/, ".ts") : s));
}

function layerOf(file: string): Layer | undefined {
  return LAYERS.find(([prefix]) => file === prefix || (prefix.endsWith("/") && file.startsWith(prefix)))?.[1];
}

const files = sourceFiles("src");

/** Every import that breaks a rule, as "file → import (why)". */
function violations(): Array<{ file: string; imported: string; why: string }> {
  const found: Array<{ file: string; imported: string; why: string }> = [];
  for (const file of files) {
    const layer = layerOf(file);
    if (layer === undefined) continue;
    for (const imported of importsOf(file)) {
      if (imported.startsWith("src/")) {
        const target = layerOf(imported);
        if (target === undefined || target === layer || MAY_IMPORT[layer].includes(target)) continue;
        found.push({ file, imported, why: `${layer} may not import ${target}` });
      } else if (PURE.has(layer) && IO_PACKAGE.test(imported)) {
        found.push({ file, imported, why: `${layer} is pure: no I/O package` });
      }
    }
  }
  return found;
}

describe("architecture", () => {
  it("gives every file of src/ a layer", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((file) => layerOf(file) === undefined)).toEqual([]);
  });

  it("imports only go down, and the pure layers do no I/O (beyond today's known exceptions)", () => {
    const known = new Set(KNOWN_VIOLATIONS.map(([file, imported]) => `${file} → ${imported}`));
    const found = violations().map((v) => ({ ...v, key: `${v.file} → ${v.imported}` }));
    expect(found.filter((v) => !known.has(v.key)).map((v) => `${v.key} (${v.why})`)).toEqual([]);
    const stillThere = new Set(found.map((v) => v.key));
    // Fixed: remove it from KNOWN_VIOLATIONS.
    expect([...known].filter((key) => !stillThere.has(key))).toEqual([]);
  });

  it("finds a layer's every import, type-only and dynamic ones included", () => {
    // src/cli/scan.ts imports scan-batch.ts lazily (import() and typeof import()) and types from attribution/.
    const imports = importsOf("src/cli/scan.ts");
    expect(imports).toEqual(expect.arrayContaining(["src/cli/scan-batch.ts", "src/attribution/attribute.ts"]));
  });
});
