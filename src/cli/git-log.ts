// Streams a repository's history out of `git log`, one commit at a time, in bounded memory.
//
// Framing: `git log -z` with every field NUL-terminated. Git never prints a NUL inside a field (it
// reads messages and identities as C strings), so NUL is an unambiguous separator. Each record is
//
//   sha \0 parents \0 author name \0 e-mail \0 date \0 committer name \0 e-mail \0 date \0 message \0
//
// the last NUL being -z's record terminator. Trailers are not asked of git: `%(trailers)` costs
// git a third more time than the log itself, and the attribution engine parses the message anyway
// (src/attribution/trailers.ts; scan.ts reports them as git would, see git-trailers.ts).

import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";

export interface GitPerson {
  name: string;
  email: string;
  /** Strict ISO 8601 with the person's own offset, as git prints `%aI` / `%cI`. */
  date: string;
}

export interface GitCommit {
  /** Full sha. */
  sha: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  /** The author date in ms since the epoch; NaN if git printed something else. */
  authorTime: number;
  /** The raw message (`%B`), decoded as UTF-8 with invalid bytes replaced by U+FFFD. */
  message: string;
  /** True when a field was longer than the reader's limit and its middle was dropped. */
  truncated: boolean;
}

// Dates come raw (`--date=raw`: seconds and zone) and are written out as ISO here (isoDate): git's
// own `%aI` costs it more than this costs the scan, and the seconds are the author's instant too.
const FIELDS = ["%H", "%P", "%an", "%ae", "%ad", "%cn", "%ce", "%cd", "%B"] as const;
const FIELD_COUNT = FIELDS.length;

/** `git log --format` that the parser below reads (with -z, which ends each record with a NUL). */
export const GIT_LOG_FORMAT = FIELDS.join("%x00");

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

const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));

function twoDigits(n: number): string {
  return TWO_DIGITS[n] ?? `${n}`;
}

function digits4(n: number): string {
  return n >= 1000 ? `${n}` : n >= 100 ? `0${n}` : n >= 10 ? `00${n}` : `000${n}`;
}

/** text[from, to) as a decimal number; -1 when it is empty or holds anything but digits. */
function decimal(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return to > from ? value : -1;
}

/** The last second a JavaScript date can hold; git cannot show a later one either. */
const MAX_SECONDS = 8_640_000_000_000;

/** `YYYY-MM-DD` of a day counted from 1970-01-01 (H. Hinnant's days_from_civil, inverted). */
function civilDay(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  // March-based months to calendar ones without a branch (mp 10 and 11 are January and February of
  // the next year), so that no month of the year is a path the compiled code has not seen.
  const month = ((mp + 2) % 12) + 1;
  const year = yearOfEra + era * 400 + Math.floor(mp / 10);
  return `${digits4(year)}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

// A history is read newest first: one commit after another falls on the same day, in one of a few
// zones. The last day (with its `T`) and zone written are remembered.
let lastDays = Number.NaN;
let lastDayT = "";
let lastZone = Number.NaN;
let lastOffset = "";

const DIGIT_0 = 0x30;
const COLON_CODE = 0x3a;

/**
 * `--date=raw` (`1736506800 +0530`) as `%aI` shows it: `2025-01-10T16:30:00+05:30`, the wall time
 * in the person's own zone with that zone's offset. Like git, a zone is read as ±HHMM without
 * checking its minutes; a time before the epoch in its zone, which git refuses to show, is shown
 * as the epoch. Anything that is not a raw date (git never prints one) is kept as it is. Formatting
 * here costs less than git's own `%aI` (about 0.05 s of git's time per 100,000 dates).
 */
export function isoDate(raw: string): string {
  const space = raw.indexOf(" ");
  const seconds = decimal(raw, 0, space);
  const sign = raw.charCodeAt(space + 1);
  const zone = decimal(raw, space + 2, raw.length);
  if (seconds < 0 || zone < 0 || (sign !== 0x2b && sign !== 0x2d)) return raw;
  const zoneMinutes = Math.floor(zone / 100) * 60 + (zone % 100);
  let local = seconds + (sign === 0x2d ? -zoneMinutes : zoneMinutes) * 60;
  let offset: string;
  if (local < 0 || local > MAX_SECONDS || seconds > MAX_SECONDS) {
    local = 0;
    offset = "+00:00";
  } else {
    const zoneKey = sign === 0x2d ? -1 - zone : zone;
    if (zoneKey !== lastZone) {
      lastZone = zoneKey;
      lastOffset = `${sign === 0x2d ? "-" : "+"}${twoDigits(Math.floor(zone / 100))}:${twoDigits(zone % 100)}`;
    }
    offset = lastOffset;
  }
  const days = Math.floor(local / 86_400);
  if (days !== lastDays) {
    lastDays = days;
    lastDayT = `${civilDay(days)}T`;
  }
  const time = local - days * 86_400;
  const hours = Math.floor(time / 3600);
  const minutes = Math.floor(time / 60) % 60;
  const secs = time % 60;
  // HH:MM:SS as one flat string of character codes: one allocation instead of five joins.
  const clock = String.fromCharCode(
    DIGIT_0 + Math.floor(hours / 10),
    DIGIT_0 + (hours % 10),
    COLON_CODE,
    DIGIT_0 + Math.floor(minutes / 10),
    DIGIT_0 + (minutes % 10),
    COLON_CODE,
    DIGIT_0 + Math.floor(secs / 10),
    DIGIT_0 + (secs % 10),
  );
  return lastDayT + clock + offset;
}

/** The seconds of a raw date (`1736506800 +0530`) as ms since the epoch; NaN when it is not one. */
function rawDateMs(raw: string): number {
  const seconds = decimal(raw, 0, raw.indexOf(" "));
  return seconds < 0 ? Number.NaN : seconds * 1000;
}

const HEX = /^[0-9a-f]+$/;

/** A full sha: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
function isSha(text: string): boolean {
  return (text.length === 40 || text.length === 64) && HEX.test(text);
}

/** Parents as `%P` prints them: full shas, each after a space but the first. */
function parentList(parents: string): string[] {
  // One parent, as nearly all commits have: no split.
  return parents === "" ? [] : parents.length <= 64 ? [parents] : parents.split(" ");
}

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

/** Bytes of UTF-8 that can follow a character's first byte (10xxxxxx). */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/** Whole records of `git log -z` output, and where each ends in them (just after its last NUL). */
export interface Records {
  bytes: Uint8Array;
  ends: readonly number[];
}

/**
 * Cuts `git log -z --format=GIT_LOG_FORMAT` output, read as bytes in chunks of any size, at record
 * ends without decoding it, so that decodeRecords can decode each record on its own. Memory stays
 * bounded: a field longer than `3 × maxFieldLength / 2 + 4` bytes at each end keeps only its head
 * and tail (cut between characters), which decodeRecords then trims to `maxFieldLength` code units
 * exactly as it would have trimmed the whole field (each end keeps more than half the limit in
 * code units, as a UTF-16 code unit takes at most 3 bytes).
 */
export class RecordFramer {
  /** Bytes of the record in progress: whole fields, then the start of the current one. */
  private partial: Uint8Array[] = [];
  private partialBytes = 0;
  /** Of partialBytes, those of the fields already ended (each with its NUL). */
  private endedBytes = 0;
  /** NULs seen in the record in progress. */
  private fields = 0;
  /** Of the current field, the bytes kept as its head once it is too long; 0 while it is not. */
  private headBytes = 0;
  private readonly keep: number;
  /** Records completed so far. */
  records = 0;

  constructor(maxFieldLength = DEFAULT_MAX_FIELD_LENGTH) {
    this.keep = Math.ceil((3 * maxFieldLength) / 2) + 4;
  }

  /**
   * Takes a chunk; returns the records it completed (whole records only), in one or two pieces:
   * the record that began in earlier chunks (joined), then those wholly in this chunk (a view of
   * it, not a copy). Empty when the chunk completed none. Each piece says where its records end,
   * so that decodeRecords need not look for their NULs again.
   */
  push(chunk: Uint8Array): Records[] {
    let input = chunk;
    const done: Records[] = [];
    if (this.headBytes > 0) {
      // A long field is in progress: it ends at the first NUL.
      const nul = input.indexOf(0);
      this.append(nul === -1 ? input : input.subarray(0, nul + 1));
      if (nul === -1) {
        if (this.partialBytes - this.endedBytes > this.headBytes + 2 * this.keep) this.compact(false);
        return done;
      }
      this.compact(true);
      this.headBytes = 0;
      this.endedBytes = this.partialBytes;
      input = input.subarray(nul + 1);
      if (++this.fields === FIELD_COUNT) {
        this.fields = 0;
        this.records++;
        const bytes = this.take(input.subarray(0, 0));
        done.push({ bytes, ends: [bytes.length] });
      }
    }

    let fields = this.fields;
    const ends: number[] = []; // ends (after their last NUL) of the records completed in input
    for (let nul = input.indexOf(0); nul !== -1; nul = input.indexOf(0, nul + 1)) {
      if (++fields < FIELD_COUNT) continue;
      fields = 0;
      ends.push(nul + 1);
    }
    this.fields = fields;
    this.records += ends.length;
    const lastEnd = ends.length > 0 ? (ends[ends.length - 1] as number) : -1;
    if (lastEnd !== -1) {
      let from = 0;
      if (this.partialBytes > 0) {
        from = ends[0] as number;
        const bytes = this.take(input.subarray(0, from));
        done.push({ bytes, ends: [bytes.length] });
      }
      if (from < lastEnd) {
        const own = from === 0 ? ends : ends.slice(1);
        if (from > 0) for (let i = 0; i < own.length; i++) own[i] = (own[i] as number) - from;
        done.push({ bytes: input.subarray(from, lastEnd), ends: own });
      }
    }

    const rest = lastEnd === -1 ? input : input.subarray(lastEnd);
    if (rest.length > 0) {
      const lastNul = rest.lastIndexOf(0);
      if (lastNul !== -1) this.endedBytes = this.partialBytes + lastNul + 1;
      this.append(rest);
      if (this.partialBytes - this.endedBytes > 2 * this.keep) this.compact(false);
    }
    return done;
  }

  /** Checks that the output did not stop inside a record. */
  end(): void {
    if (this.partialBytes > 0 || this.fields > 0) throw new Error("git log output ended in the middle of a commit");
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.partial.push(bytes);
    this.partialBytes += bytes.length;
  }

  /** The record in progress plus `last`, and resets. */
  private take(last: Uint8Array): Uint8Array {
    this.append(last);
    const bytes = Buffer.concat(this.partial, this.partialBytes);
    this.partial = [];
    this.partialBytes = 0;
    this.endedBytes = 0;
    return bytes;
  }

  /**
   * Keeps the current field's first `keep` bytes (once) and its last `keep`, each cut between
   * characters (a UTF-8 sequence is at most 4 bytes). `ended`: the field's NUL is the last byte of
   * the record in progress.
   */
  private compact(ended: boolean): void {
    const all = Buffer.concat(this.partial, this.partialBytes);
    const nul = ended ? 1 : 0;
    const fieldStart = this.endedBytes;
    const fieldEnd = all.length - nul;
    let headEnd = fieldStart + this.headBytes;
    if (this.headBytes === 0) {
      headEnd = fieldStart + this.keep;
      for (let i = 0; i < 3 && isContinuation(all[headEnd]); i++) headEnd--;
      this.headBytes = headEnd - fieldStart;
    }
    let tailStart = Math.max(headEnd, fieldEnd - this.keep);
    for (let i = 0; i < 3 && tailStart < fieldEnd && isContinuation(all[tailStart]); i++) tailStart++;
    const kept = Buffer.concat([all.subarray(0, headEnd), all.subarray(tailStart)]);
    this.partial = [kept];
    this.partialBytes = kept.length;
  }
}

/**
 * The commits of `records`, whole records of `git log -z --format=GIT_LOG_FORMAT` (RecordFramer's
 * output). Each record is decoded on its own, so a commit that is all Latin-1 gets compact
 * one-byte strings whatever its neighbours hold (one emoji in a chunk decoded whole makes every
 * string in it two-byte, and everything after, from lower-casing to JSON, slower). A field longer
 * than `maxFieldLength` (UTF-16 code units) keeps its first and last halves, and the commit says
 * it was truncated.
 */
export function decodeRecords(records: Records, maxFieldLength = DEFAULT_MAX_FIELD_LENGTH): GitCommit[] {
  const { bytes, ends } = records;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commits: GitCommit[] = [];
  let start = 0;
  for (const end of ends) {
    const fields = buffer.toString("utf8", start, end - 1).split("\0");
    if (fields.length !== FIELD_COUNT) throw new Error("unexpected git log output (a commit framed wrongly)");
    start = end;
    let truncated = false;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f] ?? "";
      if (field.length <= maxFieldLength) continue;
      const half = Math.floor(maxFieldLength / 2);
      fields[f] = field.slice(0, half) + field.slice(field.length - half);
      truncated = true;
    }
    const sha = fields[0] ?? "";
    if (!isSha(sha)) throw new Error(`unexpected git log output (expected a commit sha, got ${preview(sha)})`);
    const parents = fields[1] ?? "";
    const authorDate = fields[4] ?? "";
    const committerDate = fields[7] ?? "";
    const author: GitPerson = { name: fields[2] ?? "", email: fields[3] ?? "", date: isoDate(authorDate) };
    const committerName = fields[5] ?? "";
    const committerEmail = fields[6] ?? "";
    // Most commits are committed by their author at the same time: one object for both, which
    // every later comparison of the two finds equal at once.
    const committer: GitPerson =
      committerDate === authorDate && committerName === author.name && committerEmail === author.email
        ? author
        : {
            name: committerName,
            email: committerEmail,
            date: committerDate === authorDate ? author.date : isoDate(committerDate),
          };
    commits.push({
      sha,
      parents: parentList(parents),
      author,
      committer,
      authorTime: rawDateMs(authorDate),
      message: fields[8] ?? "",
      truncated,
    });
  }
  return commits;
}

/** Reads `git log -z --format=GIT_LOG_FORMAT` output fed as bytes in chunks of any size. */
export class GitLogParser {
  private readonly framer: RecordFramer;

  constructor(private readonly maxFieldLength = DEFAULT_MAX_FIELD_LENGTH) {
    this.framer = new RecordFramer(maxFieldLength);
  }

  /** Parses a chunk; returns the commits it completed. */
  push(chunk: Uint8Array): GitCommit[] {
    return this.framer.push(chunk).flatMap((records) => decodeRecords(records, this.maxFieldLength));
  }

  /** Checks that the output did not stop inside a commit. */
  end(): void {
    this.framer.end();
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
  for await (const records of readGitLogRecords(options)) yield decodeRecords(records, options.maxFieldLength);
}

/** git's output read ahead of the consumer, at most: beyond it, git waits. */
const READ_AHEAD = 1024 * 1024;
/** The event loop turns (to read git's output) after about this many bytes of records. */
const TURN_BYTES = 64 * 1024;

/**
 * git writes its log through stdio, whose buffer on a pipe is 4 KB: about 16,000 writes for the
 * 64 MB of a 100,000-commit history, each one a system call for git and a wake-up and a small read
 * for this process. GNU coreutils' stdbuf library, preloaded with `_STDBUF_O` set (exactly what
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

/** The environment for git log: no flush per commit, and a 64 KB stdout buffer where possible. */
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

/**
 * readGitLog undecoded: the bytes of whole records (never empty), for decodeRecords.
 *
 * git's output is read whenever the event loop turns (flowing mode, into a queue of up to
 * READ_AHEAD bytes), and the event loop turns between batches: git keeps writing while the consumer
 * works, instead of waiting on a full pipe (a paused stream stops reading at 16 KB).
 */
export async function* readGitLogRecords(options: GitLogOptions): AsyncGenerator<Records, void, undefined> {
  const args = ["-C", options.repository];
  for (const setting of PINNED_CONFIG) args.push("-c", setting);
  args.push("log", "-z", "--no-color", "--date=raw", `--format=${GIT_LOG_FORMAT}`, "--end-of-options");
  args.push(...(options.revs ?? ["HEAD"]), "--");
  const env = gitLogEnv(options.env);
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

  const framer = new RecordFramer(options.maxFieldLength);
  const stdout = child.stdout;
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  stdout.on("data", (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= READ_AHEAD) stdout.pause();
    notify();
  });
  stdout.once("end", () => {
    ended = true;
    notify();
  });
  stdout.once("error", () => {
    ended = true; // the exit code says what went wrong
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
      if (stdout.isPaused() && queued < READ_AHEAD / 2) stdout.resume();
      for (const records of framer.push(chunk)) {
        yield records;
        sinceTurn += records.bytes.length;
      }
      if (sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await nextTurn(); // read what git wrote meanwhile
      }
    }
    const { code, error } = await exited;
    const count = framer.records;
    if (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new GitLogError(missing ? "git was not found on PATH" : `git: ${error.message}`, stderr, null, count);
    }
    if (code !== 0) {
      throw new GitLogError(firstFatalLine(stderr) ?? `git log exited with ${code}`, stderr, code, count);
    }
    framer.end();
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
