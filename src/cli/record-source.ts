// Agent records of a local repository, for `shipledger scan`: git-ai notes (`refs/notes/ai`),
// Agent Trace notes (`refs/notes/agent-trace`) and `.agent-trace/traces.jsonl` at HEAD.
//
// Cheap when there are none: one `git cat-file --batch-check` asks for all three at once. When
// there are some, memory is bounded by the notes' index (commit → note blob, two shas a note) and
// the trace file's records, never by the history: note blobs are read per batch of commits, by one
// `git cat-file --batch` kept open for the scan.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { parseTraceRecords, TraceIndex, type TraceRecord, traceEvidence } from "../attribution/agent-trace.js";
import { gitAiEvidence, MAX_NOTE_LENGTH, parseGitAiNote } from "../attribution/git-ai.js";
import type { RecordEvidence } from "../attribution/records.js";
import type { GitCommit, Records } from "../git/objects.js";
import { firstFatalLine, runGit, spawnFailure } from "./git-log.js";
import { CliError } from "./io.js";
import type { RecordSourceInfo } from "./scan-report.js";

export const GIT_AI_NOTES = "refs/notes/ai";
export const AGENT_TRACE_NOTES = "refs/notes/agent-trace";
export const TRACE_FILE = ".agent-trace/traces.jsonl";
/**
 * Bytes of notes kept for one group of commits (scan.ts: at most 2,048 commits a group, three
 * groups in hand). A note is a few kilobytes, so a group's notes are a few megabytes at most; this
 * bounds memory where a repository's notes were made large (each under 4 MB, compressing to
 * nothing in git), and what it leaves unread is counted.
 */
export const NOTES_READ_BUDGET = 32 * 1024 * 1024;

/** A traces.jsonl larger than this is not read (the scan says so). */
export const MAX_TRACE_FILE = 256 * 1024 * 1024;

export class RecordSource {
  /**
   * Annotated commits and revisions of trace records: the note blobs of a commit under
   * refs/notes/ai and refs/notes/agent-trace, and whether trace records are at it.
   */
  private readonly annotated = new Map<string, Annotations>();
  /**
   * Most commits have no record: these say so from five hex digits of a sha, which cost less than
   * hashing forty for a lookup. Commits with a note; commits with a note or trace records at them;
   * revisions of trace records (whose children they may describe).
   */
  private readonly withNote = new ShaFilter();
  private readonly atCommit = new ShaFilter();
  private readonly atParent = new ShaFilter();

  private constructor(
    private readonly blobs: BlobReader | null,
    gitAi: readonly Note[],
    traceNotes: readonly Note[],
    private readonly traces: TraceIndex | null,
    readonly info: RecordSourceInfo,
  ) {
    const annotations = (sha: string): Annotations => {
      let found = this.annotated.get(sha);
      if (found === undefined) {
        found = { gitAi: undefined, trace: undefined, traced: false };
        this.annotated.set(sha, found);
      }
      return found;
    };
    for (const [commit, blob] of gitAi) annotations(commit).gitAi = blob;
    for (const [commit, blob] of traceNotes) annotations(commit).trace = blob;
    for (const commit of this.annotated.keys()) this.withNote.add(commit);
    for (const revision of traces?.revisions() ?? []) annotations(revision).traced = true;
    for (const [sha, { traced }] of this.annotated) {
      this.atCommit.add(sha);
      if (traced) this.atParent.add(sha);
    }
  }

  /** The repository's records, or null when it has none (the scan then runs as without them). */
  static async open(repository: string, env: NodeJS.ProcessEnv): Promise<RecordSource | null> {
    const probe = await runGitInput(
      ["-C", repository, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
      `${GIT_AI_NOTES}\n${AGENT_TRACE_NOTES}\nHEAD:${TRACE_FILE}\n`,
      env,
    );
    if (probe === null) return null;
    const [gitAiRef, traceRef, traceFile] = probe.split("\n").map((line) => {
      const [sha, type, size] = line.split(" ");
      return type === undefined || type === "missing" ? null : { sha: sha ?? "", type, size: Number(size) };
    });
    if (!gitAiRef && !traceRef && traceFile?.type !== "blob") return null;
    const info: RecordSourceInfo = {
      gitAiNotes: 0,
      agentTraceNotes: 0,
      traceFileRecords: null,
      traceFileInvalid: 0,
      traceFileTooLarge: false,
      notesTooLarge: 0,
      notesOverBudget: 0,
      traceFileUnread: 0,
    };
    // The three at once: each is a git of its own.
    const traceText =
      traceFile?.type === "blob" && traceFile.size <= MAX_TRACE_FILE
        ? readBlob(repository, traceFile.sha, traceFile.size, env)
        : null;
    traceText?.catch(() => {}); // awaited below
    const version = gitAiRef || traceRef ? runGit(["version"], env) : null;
    version?.catch(() => {}); // awaited below
    const [gitAi, traceNotes] = await Promise.all([
      gitAiRef ? listNotes(repository, GIT_AI_NOTES, env) : [],
      traceRef ? listNotes(repository, AGENT_TRACE_NOTES, env) : [],
    ]);
    info.gitAiNotes = gitAi.length;
    info.agentTraceNotes = traceNotes.length;
    let traces: TraceIndex | null = null;
    if (traceFile?.type === "blob") {
      if (traceText === null) info.traceFileTooLarge = true;
      else {
        const text = await traceText;
        if (text.failure !== null) throw gitFailed(`cat-file blob HEAD:${TRACE_FILE}`, text.failure);
        const read = TraceIndex.read(text.bytes);
        info.traceFileRecords = read.records;
        info.traceFileInvalid = read.invalid;
        info.traceFileUnread = read.unread;
        traces = read.index;
      }
    }
    const batchCommand = version !== null && batchCommandIn((await version.catch(() => null))?.stdout ?? "");
    const blobs = gitAi.length + traceNotes.length > 0 ? new BlobReader(repository, env, batchCommand, info) : null;
    return new RecordSource(blobs, gitAi, traceNotes, traces, info);
  }

  /**
   * The texts of the notes of the commits of `group` (raw records, as git-log.ts reads them), by
   * blob: read from git at once for a group of batches. The commits are found by their headers'
   * bytes, before they are decoded.
   */
  async notesFor(group: readonly Records[]): Promise<Map<string, string>> {
    const wanted: string[] = [];
    for (const { bytes, ends } of group) {
      // One Buffer view of the batch, not one a commit: shas are read from it by position.
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let start = 0;
      for (const end of ends) {
        if (this.withNote.hasAt(bytes, start)) {
          const shaLength = bytes[start + 40] === SPACE ? 40 : 64;
          const note = this.annotated.get(view.toString("latin1", start, start + shaLength));
          if (note?.gitAi) wanted.push(note.gitAi);
          if (note?.trace) wanted.push(note.trace);
        }
        start = end;
      }
    }
    return wanted.length > 0 && this.blobs ? this.blobs.read(wanted) : new Map<string, string>();
  }

  /**
   * The records of a batch of commits (newest first, as git log gives them), by sha: their notes
   * (`texts`, from notesFor) and the trace file's records that describe them.
   */
  recordsFor(commits: readonly GitCommit[], texts: ReadonlyMap<string, string>): Map<string, RecordEvidence[]> {
    const found = new Map<string, RecordEvidence[]>();
    const traces = this.traces && this.traces.size > 0 ? this.traces : null;
    for (const c of commits) {
      const parent = c.parents[0];
      const own = this.atCommit.has(c.sha) ? this.annotated.get(c.sha) : undefined;
      const tracedParent = parent !== undefined && this.atParent.has(parent) && this.annotated.get(parent)?.traced;
      if (own === undefined && !tracedParent) continue;
      const evidence: RecordEvidence[] = [];
      const gitAiText = own?.gitAi && texts.get(own.gitAi);
      const note = gitAiText ? parseGitAiNote(gitAiText) : null;
      if (note) evidence.push(gitAiEvidence(c.sha, note));
      // A note is the annotated commit's, whatever revision its records name.
      const traceText = own?.trace && texts.get(own.trace);
      const records: TraceRecord[] = traceText ? parseTraceRecords(traceText).records : [];
      if (traces && (own?.traced || tracedParent)) {
        // Only records at the parent are compared with the commit's date: it is read for them.
        const committedAt = tracedParent ? Date.parse(c.committer.date) : Number.NaN;
        for (const record of traces.recordsFor({ sha: c.sha, parents: c.parents, committedAt })) records.push(record);
      }
      if (records.length > 0) evidence.push(traceEvidence(c.sha, records));
      if (evidence.length > 0) found.set(c.sha, evidence);
    }
    return found;
  }

  close(): void {
    this.blobs?.close();
  }
}

/** What RecordSource knows of a commit (or of a revision of trace records). */
interface Annotations {
  /** Its note blob under refs/notes/ai. */
  gitAi: string | undefined;
  /** Its note blob under refs/notes/agent-trace. */
  trace: string | undefined;
  /** Records of the trace file are at this revision. */
  traced: boolean;
}

/**
 * A set of shas by their first five hex digits (a bit each, 128 KiB): no false negatives, and
 * about one false positive in a hundred with ten thousand shas, where four digits let a third of
 * the history through.
 */
class ShaFilter {
  private readonly bits = new Uint32Array((1 << 20) / 32);

  add(sha: string): void {
    const key = prefix(sha);
    this.bits[key >>> 5] = (this.bits[key >>> 5] ?? 0) | (1 << (key & 31));
  }

  has(sha: string): boolean {
    return this.hasKey(prefix(sha));
  }

  /** has() of the sha that starts at bytes[at] (a header line of git cat-file). */
  hasAt(bytes: Uint8Array, at: number): boolean {
    return this.hasKey(prefixAt(bytes, at));
  }

  private hasKey(key: number): boolean {
    return (((this.bits[key >>> 5] ?? 0) >>> (key & 31)) & 1) === 1;
  }
}

/** The first five hex digits of a sha as a number (anything else as some number below 2^20). */
function prefix(sha: string): number {
  return (
    (hexDigit(sha.charCodeAt(0)) << 16) |
    (hexDigit(sha.charCodeAt(1)) << 12) |
    (hexDigit(sha.charCodeAt(2)) << 8) |
    (hexDigit(sha.charCodeAt(3)) << 4) |
    hexDigit(sha.charCodeAt(4))
  );
}

const hexDigit = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57) & 15;

/** prefix() of the sha that starts at bytes[at]. */
function prefixAt(bytes: Uint8Array, at: number): number {
  return (
    (hexDigit(bytes[at] ?? 0) << 16) |
    (hexDigit(bytes[at + 1] ?? 0) << 12) |
    (hexDigit(bytes[at + 2] ?? 0) << 8) |
    (hexDigit(bytes[at + 3] ?? 0) << 4) |
    hexDigit(bytes[at + 4] ?? 0)
  );
}

const SPACE = 0x20;

/** An annotated commit and its note blob. */
type Note = readonly [commit: string, blob: string];

/**
 * `git notes --ref=<ref> list`: annotated commits and their note blobs (git lists a commit once).
 * Its lines `<blob> <commit>` are read in place, not split: there is one a note, thousands of them.
 */
async function listNotes(repository: string, ref: string, env: NodeJS.ProcessEnv): Promise<Note[]> {
  const notes: Note[] = [];
  const listed = await runGit(["-C", repository, "notes", `--ref=${ref}`, "list"], env);
  // The ref is there (the probe saw it): a failure is not "no notes", and the scan says so.
  if (listed.code !== 0) throw gitFailed(`notes --ref=${ref} list`, listed.stderr);
  const text = listed.stdout;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end === -1) end = text.length;
    const space = text.indexOf(" ", at);
    if (space > at && space + 1 < end) {
      const next = text.indexOf(" ", space + 1);
      const commit = text.slice(space + 1, next !== -1 && next < end ? next : end);
      if (commit !== "") notes.push([commit, text.slice(at, space)]);
    }
    at = end + 1;
  }
  return notes;
}

/** The scan's error for a git that failed reading the records: they would be incomplete. */
function gitFailed(command: string, stderr: string): CliError {
  const reason = firstFatalLine(stderr) ?? stderr.trim().split("\n")[0] ?? "";
  return new CliError(
    `scan: git ${command} failed${reason ? `: ${reason}` : ""}; the agent records would be incomplete`,
  );
}

/**
 * A blob's bytes, read by `git cat-file blob` into a buffer of the size git listed for it (the
 * trace file is kept as bytes: see TraceText). `failure` says why when git failed, was killed, or
 * wrote other than `size` bytes.
 */
function readBlob(
  repository: string,
  sha: string,
  size: number,
  env: NodeJS.ProcessEnv,
): Promise<{ bytes: Buffer; failure: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", repository, "cat-file", "blob", sha], { env, stdio: ["ignore", "pipe", "pipe"] });
    const bytes = Buffer.allocUnsafe(size);
    let written = 0;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (written + chunk.length <= size) chunk.copy(bytes, written);
      written += chunk.length;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.once("error", (error) => reject(spawnFailure(error)));
    child.once("close", (code, signal) => {
      const why = firstFatalLine(stderr);
      if (signal) resolve({ bytes, failure: `killed (${signal})` });
      else if (code !== 0) resolve({ bytes, failure: why ?? `exit code ${code}` });
      else if (written !== size)
        resolve({ bytes, failure: `gave ${written} bytes of ${size}${why ? ` (${why})` : ""}` });
      else resolve({ bytes, failure: null });
    });
  });
}

/** Runs git with `input` on stdin; its stdout, or null when it failed. */
function runGitInput(args: string[], input: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn("git", args, { env, stdio: ["pipe", "pipe", "ignore"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.once("error", () => resolve(null));
    child.once("close", (code) => resolve(code === 0 ? stdout : null));
    child.stdin.on("error", () => {}); // git gone: close says so
    child.stdin.end(input);
  });
}

/**
 * Whether `git version`'s answer is git 2.36 or later, which has `cat-file --batch-command` (and
 * its `flush` with `--buffer`).
 */
export function batchCommandIn(version: string): boolean {
  const match = /^git version (\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const major = Number(match[1]);
  return major > 2 || (major === 2 && Number(match[2]) >= 36);
}

/**
 * One `git cat-file` for the scan: blobs by sha, a batch at a time. With git 2.36 or later it is
 * `--batch-command --buffer`, each batch ending in `flush`: git writes a batch's blobs in one go,
 * where `--batch` writes (and wakes this process) once a blob.
 */
class BlobReader {
  private readonly child: ChildProcessWithoutNullStreams;
  /** What git wrote and was not consumed yet: `buffer`, then `chunks` not yet joined to it. */
  private buffer: Buffer = Buffer.alloc(0);
  private chunks: Buffer[] = [];
  private pending = 0;
  private waiting: (() => void) | null = null;
  private ended = false;

  constructor(
    repository: string,
    env: NodeJS.ProcessEnv,
    private readonly batchCommand: boolean,
    /** Where the notes skipped unread are counted (the scan's summary reports them). */
    private readonly skipped: Pick<RecordSourceInfo, "notesTooLarge" | "notesOverBudget">,
  ) {
    const mode = batchCommand ? ["--batch-command", "--buffer"] : ["--batch"];
    this.child = spawn("git", ["-C", repository, "cat-file", ...mode], { env });
    this.child.stderr.resume();
    this.child.stdin.on("error", () => {});
    this.child.stdout.on("data", (chunk: Buffer) => {
      // Kept as chunks, joined once enough has come: a large blob is not copied once a chunk.
      this.chunks.push(chunk);
      this.pending += chunk.length;
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    this.child.stdout.once("end", end);
    this.child.once("error", end);
  }

  private wake(): void {
    const resume = this.waiting;
    this.waiting = null;
    resume?.();
  }

  /** Waits until `bytes` bytes are in `buffer`; throws when git ends before. */
  private async need(bytes: number): Promise<void> {
    while (this.buffer.length + this.pending < bytes) {
      if (this.ended) {
        throw new CliError(
          "scan: git cat-file stopped before it gave every note asked for; the records would be incomplete",
        );
      }
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    if (this.buffer.length < bytes) {
      this.buffer = Buffer.concat([this.buffer, ...this.chunks]);
      this.chunks = [];
      this.pending = 0;
    }
  }

  /** Drops the next `bytes` bytes as git writes them, never holding more than a chunk. */
  private async skip(bytes: number): Promise<void> {
    let left = bytes;
    while (left > 0) {
      if (this.buffer.length === 0) await this.need(1);
      const taken = Math.min(left, this.buffer.length);
      this.buffer = this.buffer.subarray(taken);
      left -= taken;
    }
  }

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The texts of `shas` (notes are a few kilobytes; one larger than MAX_NOTE_LENGTH bytes is
   * skipped, and counted in `skipped.notesTooLarge`). Reads may overlap: each is answered after those asked
   * before it. Rejects (a CliError) when git stops before it has answered.
   */
  read(shas: readonly string[]): Promise<Map<string, string>> {
    const texts = this.queue.then(() => this.readNow(shas));
    this.queue = texts.catch(() => {});
    return texts;
  }

  private async readNow(shas: readonly string[]): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    let kept = 0;
    if (this.batchCommand) this.child.stdin.write(`contents ${shas.join("\ncontents ")}\nflush\n`);
    else this.child.stdin.write(`${shas.join("\n")}\n`);
    for (let i = 0; i < shas.length; i++) {
      let newline = this.buffer.indexOf(0x0a);
      while (newline === -1) {
        await this.need(this.buffer.length + 1);
        newline = this.buffer.indexOf(0x0a);
      }
      const header = this.buffer.subarray(0, newline).toString("latin1").split(" ");
      this.buffer = this.buffer.subarray(newline + 1);
      if (header[1] === "missing" || header.length < 3) continue;
      const size = Number(header[2]);
      if (size > MAX_NOTE_LENGTH || kept + size > NOTES_READ_BUDGET) {
        if (size > MAX_NOTE_LENGTH) this.skipped.notesTooLarge++;
        else this.skipped.notesOverBudget++;
        await this.skip(size + 1);
        continue;
      }
      kept += size;
      await this.need(size + 1);
      const text = this.buffer.subarray(0, size).toString("utf8");
      this.buffer = this.buffer.subarray(size + 1);
      texts.set(header[0] ?? "", text);
    }
    return texts;
  }

  close(): void {
    this.child.stdin.end();
    if (this.child.exitCode === null) this.child.kill();
  }
}
