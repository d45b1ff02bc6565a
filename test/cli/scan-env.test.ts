// `shipledger scan` runs inside repositories that are not ours: nothing they hold (a committed
// `.env`) and nothing else in the environment but an allow-list reaches the gits it runs.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findStdbufLibrary } from "../../src/cli/git-log.js";
import { runCliProcess } from "../helpers/cli.js";
import { makeRepo, removeTempDirs, tempDir } from "../helpers/git-repo.js";

afterAll(removeTempDirs);

/** What each git the scan ran was given, recorded by a `git` earlier on PATH that then runs the real one. */
function spyGit() {
  const bin = tempDir("shipledger-spy-");
  const logs = join(bin, "envs");
  mkdirSync(logs);
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  writeFileSync(
    join(bin, "git"),
    `#!/bin/sh\nenv -0 > '${logs}'/$$\nprintf '%s\\n' "$@" > '${logs}'/$$.args\nexec '${realGit}' "$@"\n`,
  );
  chmodSync(join(bin, "git"), 0o755);
  return {
    path: `${bin}:${process.env.PATH}`,
    /** The environment of each git run, without what the spy's shell adds itself. */
    environments: () =>
      readdirSync(logs)
        .filter((file) => !file.endsWith(".args"))
        .map((file) => {
          const entries = readFileSync(join(logs, file), "utf8")
            .split("\0")
            .filter(Boolean)
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const)
            .filter(([name]) => !["PWD", "OLDPWD", "SHLVL", "_"].includes(name));
          return Object.fromEntries(entries) as Record<string, string>;
        }),
    /** The git command of each run (its first argument that is not an option or -C's folder), sorted. */
    commands: () =>
      readdirSync(logs)
        .filter((file) => file.endsWith(".args"))
        .map((file) => {
          const args = readFileSync(join(logs, file), "utf8").split("\n");
          return args.find((arg, i) => !arg.startsWith("-") && args[i - 1] !== "-C");
        })
        .sort(),
  };
}

describe("shipledger scan: the environment git runs with", () => {
  const repo = makeRepo([
    { mark: 1, author: "Ann <ann@example.com>", time: "1736503200 +0000", message: "Root\n" },
    {
      mark: 2,
      author: "Ann <ann@example.com>",
      time: "1736506800 +0000",
      message: "Add it\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
      from: 1,
    },
  ]);
  const traces = tempDir("shipledger-trace-");
  const hostile = {
    // Code loaded into git (a library the repository ships, here one that does not exist).
    LD_PRELOAD: join(repo.dir, "x.so"),
    // Settings on git's command line: an alias, a pager, and a key that stops git if it is read.
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "core.bigFileThreshold",
    GIT_CONFIG_VALUE_0: "not-a-number",
    GIT_CONFIG_KEY_1: "core.pager",
    GIT_CONFIG_VALUE_1: "touch pwned",
    GIT_CONFIG_PARAMETERS: "'alias.rev-list'='!touch pwned'",
    // Files written wherever the repository says.
    GIT_TRACE: join(traces, "trace"),
    GIT_TRACE2_EVENT: join(traces, "trace2"),
    GIT_TRACE_PACKET: join(traces, "packet"),
    // Another repository than the one scanned.
    GIT_DIR: join(traces, "elsewhere.git"),
    // Variables git may be given, but not from the repository: its own configuration, its zone.
    XDG_CONFIG_HOME: join(repo.dir, "config"),
    TZ: "Pacific/Kiritimati",
  };
  beforeAll(() => {
    // A clone that commits a .env, scanned the natural way: `cd repo && shipledger scan`.
    writeFileSync(
      join(repo.dir, ".env"),
      `${Object.entries(hostile)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join("\n")}\n`,
    );
    repo.git("checkout", "-q", "main", "--", ".");
    repo.git("add", ".env");
    repo.git("-c", "user.name=Ann", "-c", "user.email=ann@example.com", "commit", "-q", "-m", "Add .env");
  });

  const library = findStdbufLibrary();
  /** What the scan sets for git itself, beside what the allow-list lets through. */
  const scanSets = {
    LC_ALL: "C",
    GIT_FLUSH: "0",
    ...(library === null ? {} : { LD_PRELOAD: library, _STDBUF_O: "65536" }),
  };

  it("does not read the scanned repository's .env", async () => {
    const spy = spyGit();
    const env = { PATH: spy.path, HOME: repo.root, GIT_CONFIG_NOSYSTEM: "1" };
    const result = await runCliProcess(["scan", "--format", "json"], { env, cwd: repo.dir });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ commits: 3, aiAssisted: 1 });
    expect(readdirSync(traces)).toEqual([]);
    expect(existsSync(join(repo.dir, "pwned"))).toBe(false);
    const environments = spy.environments();
    // A successful scan runs these: the check for records of authorship (git-ai notes, Agent Trace), the
    // check of HEAD, and the walk.
    expect(spy.commands()).toEqual(["cat-file", "cat-file", "rev-list"]);
    expect(environments).toHaveLength(3);
    // Each git gets the allow-listed variables; the walk also what the scan sets for speed.
    for (const environment of environments) expect(withoutScanSets(environment)).toEqual({ ...env, LC_ALL: "C" });
    expect(environments.at(-1)).toEqual({ ...env, ...scanSets });
  });

  it("gives git only allow-listed variables from its own environment", async () => {
    const spy = spyGit();
    // Everything above but the preload (it would be loaded into this test's node as well).
    const { LD_PRELOAD: _, XDG_CONFIG_HOME: __, TZ: ___, ...rest } = hostile;
    const allowed = {
      PATH: spy.path,
      HOME: repo.root,
      XDG_CONFIG_HOME: repo.root,
      GIT_CONFIG_NOSYSTEM: "1",
      LANG: "en_US.UTF-8",
      LC_MESSAGES: "en_US.UTF-8",
      TZ: "Europe/Paris",
    };
    const env = {
      ...rest,
      ...allowed,
      GIT_EXTERNAL_DIFF: "touch pwned",
      GIT_SSH_COMMAND: "touch pwned",
      GIT_ALTERNATE_OBJECT_DIRECTORIES: join(traces, "objects"),
      SHIPLEDGER_UNRELATED: "x",
    };
    const result = await runCliProcess(["scan", repo.dir, "--format", "json"], {
      env,
      cwd: tempDir("shipledger-cwd-"),
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ commits: 3, aiAssisted: 1 });
    expect(readdirSync(traces)).toEqual([]);
    const environments = spy.environments();
    // A successful scan runs these: the check for records of authorship (git-ai notes, Agent Trace), the
    // check of HEAD, and the walk.
    expect(spy.commands()).toEqual(["cat-file", "cat-file", "rev-list"]);
    expect(environments).toHaveLength(3);
    for (const environment of environments) expect(withoutScanSets(environment)).toEqual({ ...allowed, LC_ALL: "C" });
    expect(environments.at(-1)).toEqual({ ...allowed, ...scanSets });
  });
});

/** An environment without what the scan adds for its walk alone (GIT_FLUSH, the stdbuf preload). */
function withoutScanSets(environment: Record<string, string>): Record<string, string> {
  const walkOnly = new Set(["GIT_FLUSH", "LD_PRELOAD", "_STDBUF_O"]);
  return Object.fromEntries(Object.entries(environment).filter(([name]) => !walkOnly.has(name)));
}
