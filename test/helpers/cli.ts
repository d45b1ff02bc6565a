// A CliIO that keeps what a command writes, for tests of `shipledger …` run in-process.
import type { CliIO } from "../../src/cli/io.js";

export interface CapturedCli {
  io: CliIO;
  /** Everything written to stdout (text and bytes alike), as UTF-8. */
  out(): string;
  err(): string;
}

export function captureCli(
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; now?: () => number; isTTY?: boolean } = {},
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
  };
  return { io, out: () => Buffer.concat(out).toString("utf8"), err: () => err.join("") };
}
