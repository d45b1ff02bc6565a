// A newcomer's `npm install` is clean: no engine warning on any Node that package.json admits, and
// every install script reviewed (npm 11's allowScripts), as README's Quick start promises.
import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";

const read = (file: string) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
const pkg = read("package.json") as { engines: { node: string }; allowScripts: Record<string, boolean> };
const lock = read("package-lock.json") as {
  packages: Record<string, { version?: string; engines?: unknown; hasInstallScript?: boolean; link?: boolean }>;
};

/** name@version of every installed package in the lock (nested copies included). */
const installed = Object.entries(lock.packages)
  .filter(([path, entry]) => path !== "" && !entry.link)
  .map(([path, entry]) => ({ name: path.slice(path.lastIndexOf("node_modules/") + 13), ...entry }));

describe("package.json and its lock", () => {
  it("agree on the Node versions supported", () => {
    expect(lock.packages[""]?.engines).toEqual(pkg.engines);
  });

  // The first release of each line package.json admits (20.19.0, 22.13.0, 24.0.0): every package
  // must run there, or `npm install` warns EBADENGINE (content-type 3, via @octokit/request, wants 22).
  const oldest = pkg.engines.node.split("||").map((range) => semver.minVersion(range)?.version as string);

  it.each(oldest)("install on Node %s without an engine warning", (node) => {
    const refusing = installed
      .filter((p) => typeof p.engines === "object" && p.engines !== null && "node" in p.engines)
      .filter((p) => !semver.satisfies(node, (p.engines as { node: string }).node))
      .map((p) => `${p.name}@${p.version} (node ${(p.engines as { node: string }).node})`);
    expect(refusing).toEqual([]);
  });

  // protobufjs's postinstall only checks the versions its own command-line tools want: not needed.
  it("review every install script: better-sqlite3 builds its addon, esbuild and protobufjs need none of theirs", () => {
    const withScripts = [...new Set(installed.filter((p) => p.hasInstallScript).map((p) => p.name))].sort();
    expect(Object.keys(pkg.allowScripts).sort()).toEqual(withScripts);
    expect(pkg.allowScripts).toEqual({ "better-sqlite3": true, esbuild: false, protobufjs: false });
  });
});
