// Small real git repositories for tests, built with git fast-import (exact bytes, fixed dates,
// reproducible shas) and immune to the machine's git configuration.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const roots: string[] = [];

/** A temporary directory, removed by removeTempDirs(). */
export function tempDir(prefix = "shipledger-git-"): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  roots.push(root);
  return root;
}

/** Call from afterAll: removes every directory tempDir() made. */
export function removeTempDirs(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** HOME and XDG point at an empty directory and the system file is off: only git's defaults apply. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
}

export interface FakeCommit {
  mark: number;
  ref?: string;
  /** `Name <e-mail>` */
  author: string;
  /** `<epoch seconds> <zone>` */
  time: string;
  message: string | Buffer;
  from?: number;
  merge?: number;
}

/** A repository made of these commits (fast-import marks; `from`/`merge` name parents by mark). */
export function makeRepo(commits: FakeCommit[]) {
  const root = tempDir();
  const dir = join(root, "repo");
  const env = gitEnv(root);
  execFileSync("git", ["init", "-q", "-b", "main", dir], { env });
  const parts: Buffer[] = [];
  for (const c of commits) {
    const message = typeof c.message === "string" ? Buffer.from(c.message) : c.message;
    parts.push(
      Buffer.from(
        `commit ${c.ref ?? "refs/heads/main"}\nmark :${c.mark}\nauthor ${c.author} ${c.time}\n` +
          `committer ${c.author} ${c.time}\ndata ${message.length}\n`,
      ),
      message,
      Buffer.from(
        `\n${c.from ? `from :${c.from}\n` : ""}${c.merge ? `merge :${c.merge}\n` : ""}` +
          `M 644 inline file-${c.mark}.txt\ndata 2\n${c.mark % 10}\n\n`,
      ),
    );
  }
  if (parts.length > 0) {
    execFileSync("git", ["-C", dir, "fast-import", "--quiet"], { env, input: Buffer.concat(parts) });
  }
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { env, encoding: "utf8" }).trim();
  const sha = (rev: string) => git("rev-parse", rev);
  return { root, dir, env, git, sha };
}
