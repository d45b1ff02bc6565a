// Streams a repository's history, one commit at a time, in bounded memory: `git rev-list
// --parents <revs>` (the commits `git log <revs>` shows, in its order, each with its parents) piped
// into `git cat-file --batch`, which prints each commit object raw behind its size. src/git/objects.ts
// frames and reads those objects exactly as git log would show them. Reading raw objects costs git
// about a tenth less CPU than having `git log --format` print the same fields (cat-file a fifth
// less, rev-list runs beside it on the commit-graph; bench/README.md).
// Trailers are not asked of git: the attribution engine parses the message anyway
// (src/attribution/trailers.ts; scan.ts reports them as git would, see src/git/trailers.ts).

import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";

import { CAT_FILE_FORMAT, decodeCommits, type GitCommit, ObjectFramer, type Records } from "../git/objects.js";

/** Thrown when reading the history fails; `stderr` is what git said, `exitCode` its status. */
export class GitLogError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
    /** Commits already read when git failed. */
    readonly commitsRead: number,
    /** The signal that ended git, when one did (`SIGKILL`). */
    readonly signal: NodeJS.Signals | null = null,
  ) {
    super(message);
    this.name = "GitLogError";
  }
}

export interface GitLogOptions {
  /** The repository (any directory inside its work tree, or a bare repository). */
  repository: string;
  /** Revisions and ranges, as `git log` takes them (default: HEAD). */
  revs?: readonly string[];
  env: NodeJS.ProcessEnv;
  maxFieldLength?: number;
}

/**
 * Yields the commits of `git log <revs>` as git prints them (newest first). Reads git's stdout only
 * as fast as the consumer asks for commits, so a slow consumer pauses git through the pipe. Stopping
 * the iteration early kills git. Throws GitLogError when git exits with an error.
 */
export async function* readGitLog(options: GitLogOptions): AsyncGenerator<GitCommit, void, undefined> {
  for await (const batch of readGitLogBatches(options)) yield* batch;
}

/** readGitLog by the batch: the commits completed by each chunk of git's output (never empty). */
export async function* readGitLogBatches(options: GitLogOptions): AsyncGenerator<GitCommit[], void, undefined> {
  for await (const records of readGitLogRecords(options)) yield decodeCommits(records, options.maxFieldLength);
}

/** git's output read ahead of the consumer, at most: beyond it, git waits. */
const READ_AHEAD = 512 * 1024;
/** The event loop turns (to read git's output) after about this many bytes of records. */
const TURN_BYTES = 64 * 1024;

/**
 * git writes through stdio, whose buffer on a pipe is 4 KB: about 19,000 writes for the 77 MB
 * cat-file prints for a 100,000-commit history, each one a system call for git and a wake-up and a
 * small read for this process. GNU coreutils' stdbuf library, preloaded with `_STDBUF_O` set (exactly what
 * `stdbuf -o` does, without running stdbuf), makes it STDOUT_BUFFER bytes instead, which cut the
 * CPU time of reading a large history by about a quarter (bench/README.md). Larger buffers
 * measured slower: git then waits on a full pipe. Where the library is not installed (macOS,
 * Windows, a system without GNU coreutils) git runs as it is.
 */
const STDOUT_BUFFER = 64 * 1024;

/** Where distributions install GNU coreutils' libstdbuf.so (stdbuf's own PKGLIBEXECDIR). */
export const STDBUF_LIBRARIES: readonly string[] = [
  "/usr/libexec/coreutils/libstdbuf.so",
  "/usr/lib/coreutils/libstdbuf.so",
  "/usr/lib64/coreutils/libstdbuf.so",
  "/usr/local/libexec/coreutils/libstdbuf.so",
];

let stdbufLibrary: string | null | undefined;

/** Owned by root and writable by no one else. */
function rootOnly(stat: { uid: number; mode: number }): boolean {
  return stat.uid === 0 && (stat.mode & 0o022) === 0;
}

/**
 * The first of `candidates` that is a regular file owned by root and writable by no one else, in a
 * directory that is too (it is loaded into git, so nobody but root may be able to change or
 * replace it), or null.
 */
export function stdbufLibraryIn(candidates: readonly string[]): string | null {
  if (process.platform !== "linux") return null;
  for (const path of candidates) {
    try {
      const stat = statSync(path);
      if (stat.isFile() && rootOnly(stat) && rootOnly(statSync(dirname(path)))) return path;
    } catch {
      // not installed there
    }
  }
  return null;
}

/** The installed stdbuf library (stdbufLibraryIn(STDBUF_LIBRARIES)), looked up once. */
export function findStdbufLibrary(): string | null {
  if (stdbufLibrary === undefined) stdbufLibrary = stdbufLibraryIn(STDBUF_LIBRARIES);
  return stdbufLibrary;
}

/** The environment for the gits of the scan: no flush per commit, and a 64 KB stdout buffer where possible. */
export function gitLogEnv(env: NodeJS.ProcessEnv, library = findStdbufLibrary()): NodeJS.ProcessEnv {
  // GIT_FLUSH=0: git flushes stdout after every commit when it is a pipe; that costs a write and a
  // wake-up of this process per commit, about half the time of a large scan.
  const result: NodeJS.ProcessEnv = { ...env, GIT_FLUSH: "0" };
  if (library === null) return result;
  // As stdbuf does: the library after any the user preloads.
  result.LD_PRELOAD = env.LD_PRELOAD ? `${env.LD_PRELOAD}:${library}` : library;
  result._STDBUF_O = String(STDOUT_BUFFER);
  return result;
}

/** A git process of the pipeline: how it ended, and what it said on stderr. */
interface Git {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal?: NodeJS.Signals | null; error?: Error }>;
  stderr: () => string;
}

function runPiped(args: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions): Git {
  const child = spawn("git", args, { env, stdio });
  const exited = new Promise<{ code: number | null; signal?: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, error }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    if (stderr.length < 8192) stderr += text;
  });
  return { child, exited, stderr: () => stderr };
}

function stop(git: Git): void {
  if (git.child.exitCode === null && git.child.signalCode === null) git.child.kill();
}

/** The GitLogError for a git of the pipeline that failed, or null when it exited with 0. */
async function failure(git: Git, command: string, count: number): Promise<GitLogError | null> {
  const { code, signal, error } = await git.exited;
  if (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return new GitLogError(missing ? "git was not found on PATH" : `git: ${error.message}`, git.stderr(), null, count);
  }
  if (code === 0) return null;
  const stderr = git.stderr();
  if (code === null && signal) {
    return new GitLogError(`git ${command} was killed (${signal})`, stderr, null, count, signal);
  }
  return new GitLogError(firstFatalLine(stderr) ?? `git ${command} exited with ${code}`, stderr, code, count);
}

/**
 * readGitLog undecoded: the bytes of whole commit objects (never empty), for decodeCommits.
 *
 * `git rev-list --parents <revs>` writes straight into `git cat-file --batch` (this process never
 * sees the list). cat-file's output is read whenever the event loop turns (flowing mode, into a
 * queue of up to READ_AHEAD bytes), and the event loop turns between batches: git keeps writing
 * while the consumer works, instead of waiting on a full pipe (a paused stream stops reading at 16 KB).
 */
export async function* readGitLogRecords(options: GitLogOptions): AsyncGenerator<Records, void, undefined> {
  const env = gitLogEnv(options.env);
  const repository = ["-C", options.repository];
  // --buffer: cat-file would otherwise flush its output after every object.
  const catFile = runPiped([...repository, "cat-file", "--buffer", `--batch=${CAT_FILE_FORMAT}`], env, "pipe");
  let revList: Git | null = null;
  if (catFile.child.pid !== undefined && catFile.child.stdin) {
    const revs = options.revs ?? ["HEAD"];
    const args = [...repository, "rev-list", "--parents", "--end-of-options", ...revs, "--"];
    revList = runPiped(args, env, ["ignore", catFile.child.stdin, "pipe"]);
    // Only rev-list writes to cat-file now: once it exits, cat-file reads the end of its list.
    catFile.child.stdin.destroy();
  }
  const processes = revList ? [revList, catFile] : [catFile];

  const framer = new ObjectFramer(options.maxFieldLength);
  const stdout = catFile.child.stdout as Readable;
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  /**
   * Whether this reader paused git's output (kept here rather than asked of the stream with
   * isPaused(): the stream's object changes shape as it runs, and V8 then throws away this
   * function's optimised code and compiles it again).
   */
  let paused = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  stdout.on("data", (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= READ_AHEAD && !paused) {
      paused = true;
      stdout.pause();
    }
    notify();
  });
  stdout.once("end", () => {
    ended = true;
    notify();
  });
  stdout.once("error", () => {
    ended = true; // the exit codes say what went wrong
    notify();
  });

  let finished = false;
  try {
    let sinceTurn = 0;
    for (;;) {
      const chunk = queue.shift();
      if (chunk === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        sinceTurn = 0;
        continue;
      }
      queued -= chunk.length;
      if (paused && queued < READ_AHEAD / 2) {
        paused = false;
        stdout.resume();
      }
      for (const records of framer.push(chunk)) {
        yield records;
        sinceTurn += records.bytes.length;
      }
      if (sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await nextTurn(); // read what git wrote meanwhile
      }
    }
    // rev-list's failure (a bad revision) explains cat-file's, if any; but rev-list ended by
    // SIGPIPE is cat-file's doing (it went away, rev-list wrote on).
    const count = framer.records;
    const listed = revList ? await failure(revList, "rev-list", count) : null;
    const read = await failure(catFile, "cat-file", count);
    const failed = listed && listed.signal !== "SIGPIPE" ? listed : (read ?? listed);
    if (failed) throw failed;
    framer.end();
    finished = true;
  } finally {
    if (!finished) for (const git of processes) stop(git);
  }
}

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short git command to completion (for checks before the log; not for big output). */
export function runGit(args: readonly string[], env: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.once("error", (error) => reject(spawnFailure(error)));
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The error of a git that could not be started. */
export function spawnFailure(error: Error): GitLogError {
  const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
  return new GitLogError(missing ? "git was not found on PATH" : `git: ${error.message}`, "", null, 0);
}

/** Git's own one-line reason, without its "fatal: " prefix. */
export function firstFatalLine(stderr: string): string | undefined {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  const line = lines.find((l) => l.startsWith("fatal: ") || l.startsWith("error: ")) ?? lines[0];
  return line?.replace(/^(fatal|error): /, "").trim();
}
