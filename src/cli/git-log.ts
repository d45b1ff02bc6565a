// Streams a repository's history out of `git log`, one commit at a time, in bounded memory.
//
// Framing: `git log -z` with every field NUL-terminated. Git never prints a NUL inside a field (it
// reads messages and identities as C strings), so NUL is an unambiguous separator. Each record is
//
//   sha \0 parents \0 author name \0 e-mail \0 date \0 committer name \0 e-mail \0 date \0 message \0
//   [key \0 value (\0 key \0 value)*] \0 \0
//
// The bracket is git's own `%(trailers:only,unfold)`, printed with NUL between key and value and
// between trailers; the last NUL is -z's record separator. Keys are never empty, so an empty field
// where a key is expected ends the record; empty fields before a sha (the separator, after a record
// without trailers) are skipped, since a sha is never empty.

import { spawn } from "node:child_process";

export interface GitPerson {
  name: string;
  email: string;
  /** Strict ISO 8601 with the person's own offset, as git prints `%aI` / `%cI`. */
  date: string;
}

export interface GitTrailer {
  key: string;
  value: string;
}

export interface GitCommit {
  /** Full sha. */
  sha: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  /** The raw message (`%B`), decoded as UTF-8 with invalid bytes replaced by U+FFFD. */
  message: string;
  /** Trailers as git itself reports them (`%(trailers:only,unfold)`), in order. */
  trailers: GitTrailer[];
  /** True when a field was longer than the reader's limit and its middle was dropped. */
  truncated: boolean;
}

const FIELDS = ["%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"] as const;
const FIXED_FIELDS = FIELDS.length;
const TRAILERS = "%(trailers:only,unfold,separator=%x00,key_value_separator=%x00)";

/** `git log --format` that the parser below reads. */
export const GIT_LOG_FORMAT = `${FIELDS.join("%x00")}%x00${TRAILERS}%x00`;

/**
 * Settings that would change what git prints or how it finds trailers, pinned to git's defaults so
 * the user's configuration cannot change the output (the attribution parser assumes defaults).
 */
const PINNED_CONFIG = [
  "log.showSignature=false",
  "i18n.logOutputEncoding=UTF-8",
  "core.commentChar=#",
  "trailer.separators=:",
];

/** Per-field cap (UTF-16 code units); longer fields keep their first and last halves. */
export const DEFAULT_MAX_FIELD_LENGTH = 4 * 1024 * 1024;

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Thrown when `git log` fails; `stderr` is what git said, `exitCode` its status. */
export class GitLogError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
    /** Commits already read when git failed. */
    readonly commitsRead: number,
  ) {
    super(message);
    this.name = "GitLogError";
  }
}

/** One field being read, possibly across many chunks; bounded by keeping its head and tail. */
class FieldBuffer {
  private parts: string[] = [];
  private length = 0;
  private head: string | null = null;
  truncated = false;

  constructor(private readonly limit: number) {}

  get empty(): boolean {
    return this.length === 0 && this.head === null;
  }

  add(text: string): void {
    if (text.length === 0) return;
    this.parts.push(text);
    this.length += text.length;
    if (this.length > this.limit) this.compact();
  }

  /** The field so far plus `last`, and resets. */
  take(last: string): string {
    if (this.empty && last.length <= this.limit) return last;
    this.add(last);
    let tail = this.parts.length === 1 ? (this.parts[0] ?? "") : this.parts.join("");
    if (this.head !== null) tail = tail.slice(Math.max(0, tail.length - Math.floor(this.limit / 2)));
    const text = this.head === null ? tail : this.head + tail;
    this.parts = [];
    this.length = 0;
    this.head = null;
    return text;
  }

  private compact(): void {
    const half = Math.floor(this.limit / 2);
    let rest = this.parts.join("");
    if (this.head === null) {
      this.head = rest.slice(0, half);
      rest = rest.slice(half);
    }
    const keep = rest.slice(Math.max(0, rest.length - half));
    this.truncated = true;
    this.parts = [keep];
    this.length = keep.length;
  }
}

/**
 * Incremental parser of `git log -z --format=GIT_LOG_FORMAT` output, fed decoded text in chunks of
 * any size (a chunk boundary may fall anywhere, even inside a field).
 */
export class GitLogParser {
  private readonly field: FieldBuffer;
  private fields: string[] = [];
  private trailers: GitTrailer[] = [];
  private key: string | null = null;
  private truncated = false;

  constructor(private readonly maxFieldLength = DEFAULT_MAX_FIELD_LENGTH) {
    this.field = new FieldBuffer(maxFieldLength);
  }

  /** Parses a chunk; returns the commits it completed. */
  push(chunk: string): GitCommit[] {
    const done: GitCommit[] = [];
    let start = 0;
    for (;;) {
      const nul = chunk.indexOf("\0", start);
      if (nul === -1) {
        if (start < chunk.length) this.field.add(start === 0 ? chunk : chunk.slice(start));
        return done;
      }
      const piece = chunk.slice(start, nul);
      const text = this.field.empty && piece.length <= this.maxFieldLength ? piece : this.field.take(piece);
      if (this.field.truncated) {
        this.truncated = true;
        this.field.truncated = false;
      }
      const commit = this.onField(text);
      if (commit) done.push(commit);
      start = nul + 1;
    }
  }

  /** Checks that the output did not stop inside a commit. */
  end(): void {
    if (this.fields.length > 0 || !this.field.empty) {
      throw new Error("git log output ended in the middle of a commit");
    }
  }

  private onField(text: string): GitCommit | undefined {
    const fields = this.fields;
    if (fields.length < FIXED_FIELDS) {
      if (fields.length === 0) {
        if (text === "") return undefined; // record separator
        if (!SHA.test(text)) throw new Error(`unexpected git log output (expected a commit sha, got ${preview(text)})`);
      }
      fields.push(text);
      return undefined;
    }
    if (this.key !== null) {
      this.trailers.push({ key: this.key, value: text });
      this.key = null;
      return undefined;
    }
    if (text !== "") {
      this.key = text;
      return undefined;
    }
    const [sha = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", message = ""] = fields;
    const commit: GitCommit = {
      sha,
      parents: parents === "" ? [] : parents.split(" "),
      author: { name: an, email: ae, date: ad },
      committer: { name: cn, email: ce, date: cd },
      message,
      trailers: this.trailers,
      truncated: this.truncated,
    };
    this.fields = [];
    this.trailers = [];
    this.truncated = false;
    return commit;
  }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
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
  const args = ["-C", options.repository];
  for (const setting of PINNED_CONFIG) args.push("-c", setting);
  args.push("log", "-z", "--no-color", `--format=${GIT_LOG_FORMAT}`, "--end-of-options");
  args.push(...(options.revs ?? ["HEAD"]), "--");

  // GIT_FLUSH=0: git flushes stdout after every commit when it is a pipe; that costs a write and a
  // wake-up of this process per commit, about half the time of a large scan.
  const env = { ...options.env, GIT_FLUSH: "0" };
  const child = spawn("git", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once("error", (error) => resolve({ code: null, error }));
    child.once("close", (code) => resolve({ code }));
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    if (stderr.length < 8192) stderr += text;
  });

  const parser = new GitLogParser(options.maxFieldLength);
  let count = 0;
  let finished = false;
  try {
    child.stdout.setEncoding("utf8");
    for await (const chunk of child.stdout as AsyncIterable<string>) {
      const commits = parser.push(chunk);
      if (commits.length === 0) continue;
      count += commits.length;
      yield commits;
    }
    const { code, error } = await exited;
    if (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new GitLogError(missing ? "git was not found on PATH" : `git: ${error.message}`, stderr, null, count);
    }
    if (code !== 0) {
      throw new GitLogError(firstFatalLine(stderr) ?? `git log exited with ${code}`, stderr, code, count);
    }
    parser.end();
    finished = true;
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) child.kill();
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
    child.once("error", (error) => {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      reject(new GitLogError(missing ? "git was not found on PATH" : `git: ${error.message}`, "", null, 0));
    });
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Git's own one-line reason, without its "fatal: " prefix. */
export function firstFatalLine(stderr: string): string | undefined {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  const line = lines.find((l) => l.startsWith("fatal: ") || l.startsWith("error: ")) ?? lines[0];
  return line?.replace(/^(fatal|error): /, "").trim();
}
