// A CliIO that keeps what a command writes, for tests of `shipledger …` run in-process; and the
// CLI run as a process, for what only a process shows (its environment, `.env`, its exit code).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CliIO } from "../../src/cli/io.js";

export interface CapturedCli {
  io: CliIO;
  /** Everything written to stdout (text and bytes alike), as UTF-8. */
  out(): string;
  err(): string;
}

export function captureCli(
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; now?: () => number; isTTY?: boolean; stdin?: string } = {},
): CapturedCli {
  const out: Buffer[] = [];
  const err: string[] = [];
  const io: CliIO = {
    // Bytes are decoded once, at the end: a chunk may end inside a character.
    stdout: (t) => out.push(typeof t === "string" ? Buffer.from(t) : Buffer.from(t)),
    stderr: (t) => err.push(t),
    env,
    cwd: options.cwd ?? "/tmp",
    now: options.now ?? (() => 0),
    isTTY: options.isTTY ?? false,
    ...(options.stdin === undefined ? {} : { readStdin: async () => options.stdin as string }),
  };
  return { io, out: () => Buffer.concat(out).toString("utf8"), err: () => err.join("") };
}

/** What `shipledger …` did when run as a process. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as operators do, in a process of its own (src/cli/main.ts through tsx, which is
 * what `npm run build` compiles), with exactly `env` and in `cwd` (where it would find a `.env`).
 */
export async function runCliProcess(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; stdin?: string },
): Promise<CliRun> {
  return spawnCli(argv, options).done;
}

/** The CLI started as a process (as runCliProcess does), for tests that signal it while it works. */
export function spawnCli(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; stdin?: string },
): { child: ChildProcess; output(): { stdout: string; stderr: string }; done: Promise<CliRun> } {
  const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), main, ...argv], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  // Standard input as given (empty by default), and no error if the process ends without reading it.
  child.stdin.on("error", () => {});
  child.stdin.end(options.stdin ?? "");
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => stdout.push(b));
  child.stderr.on("data", (b: Buffer) => stderr.push(b));
  const output = () => ({
    stdout: Buffer.concat(stdout).toString("utf8"),
    stderr: Buffer.concat(stderr).toString("utf8"),
  });
  const done = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  }).then((code) => ({ code, ...output() }));
  return { child, output, done };
}

/**
 * The CLI as a process whose reader goes away after its first output (`shipledger … | head -c 1`):
 * that output, then how the process ended.
 */
export async function runCliUntilFirstOutput(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<CliRun & { first: string }> {
  const { child, done } = spawnCli(argv, options);
  const stdout = child.stdout as NonNullable<typeof child.stdout>;
  const first = await new Promise<string>((resolve) => stdout.once("data", (b: Buffer) => resolve(b.toString())));
  stdout.destroy();
  return { ...(await done), first };
}
