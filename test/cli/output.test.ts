// Output that cannot be written (stdout on a full disk) ends the CLI with one line on stderr and a
// failed exit, never a stack trace; a reader that goes away (EPIPE) is scan.test.ts's and agents.test.ts's.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { makeRepo, removeTempDirs } from "../helpers/git-repo.js";

afterAll(removeTempDirs);

/** The CLI as a process (as test/helpers/cli.ts runs it) whose stdout is /dev/full: every write fails (ENOSPC). */
async function runIntoFullDisk(argv: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
  const full = openSync("/dev/full", "w");
  try {
    const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), main, ...argv], {
      cwd,
      env,
      stdio: ["ignore", full, "pipe"],
    });
    const stderr: Buffer[] = [];
    child.stderr?.on("data", (b: Buffer) => stderr.push(b));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    return { code, stderr: Buffer.concat(stderr).toString("utf8") };
  } finally {
    closeSync(full);
  }
}

describe.skipIf(!existsSync("/dev/full"))("shipledger … > a full disk", () => {
  const repo = makeRepo([
    { mark: 1, author: "A <a@example.com>", time: "1700000000 +0000", message: "one\n\nMade-with: Cursor\n" },
  ]);

  it.each([[["agents"]], [["scan", repo.dir, "--format", "jsonl"]], [["explain", "HEAD", "--repo", repo.dir]]])(
    "%j says it could not write its output, in one line, and exits 1",
    async (argv) => {
      const { code, stderr } = await runIntoFullDisk(argv, repo.env, repo.dir);
      expect(stderr).toBe("shipledger: cannot write the output: ENOSPC: no space left on device, write\n");
      expect(code).toBe(1);
    },
  );
});
