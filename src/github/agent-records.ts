// A pull request's agent records on GitHub: git-ai notes (`refs/notes/ai`), Agent Trace notes
// (`refs/notes/agent-trace`) through the Git Data API, and `.agent-trace/traces.jsonl` at the head.
//
// API calls, per pull request:
// - always 2: `GET git/matching-refs/notes/` (both notes refs at once; [] without any) and
//   `GET contents/.agent-trace/traces.jsonl?ref=<head>` (404 without the file);
// - per notes ref present: the notes commit and its tree (2), then per commit with a note its blob
//   (1), and per fan-out directory (`ab/cdef…`, once git has many notes) its subtree (1);
// - when the pull request merged its base branch in ("Update branch": a merge commit with a parent
//   from outside it) and the head has a traces file, that file at the base's tip too (1, or 2 for
//   a file over 1 MB): its records are the base branch's commits', not the pull request's;
// - all of them capped at MAX_RECORD_CALLS (newest commits first); what the cap leaves unread is
//   counted in `unread` for the check to say.
// With the installation's cache of file reads (config-cache.ts), the two probes are asked as the
// configuration is: the notes refs with If-None-Match (GitHub's 304 costs no rate limit: nearly
// every check of a repository, whose notes refs rarely move); the traces file at a head commit,
// which never changes, with If-None-Match when it was there, and not at all when it was not
// (a recent 404 is believed: re-runs and edits of a pull request ask nothing).

import type { ProbotOctokit } from "probot";
import { parseTraceRecords, TraceIndex, traceEvidence, unreadTraceLines } from "../attribution/agent-trace.js";
import { gitAiEvidence, MAX_NOTE_LENGTH, parseGitAiNote } from "../attribution/git-ai.js";
import type { RecordEvidence } from "../attribution/records.js";
import type { PullCommit } from "../attribution/types.js";
import { blobText } from "./blob.js";
import type { InstallationConfigReads } from "./config-cache.js";

export const GIT_AI_REF = "refs/notes/ai";
export const AGENT_TRACE_REF = "refs/notes/agent-trace";
export const TRACE_FILE = ".agent-trace/traces.jsonl";
/** Calls one pull request may spend on agent records, the two probes included. */
export const MAX_RECORD_CALLS = 20;
/**
 * The largest traces file read (bytes). A record is a kilobyte or two, so this is thousands of
 * them; a larger file is left unread, and the check says so, rather than held whole in memory.
 */
export const MAX_TRACE_BYTES = 16 * 1024 * 1024;
/** The largest traces file kept in the installation's cache of reads (with configuration files). */
const MAX_CACHED_TRACE_CHARS = 64 * 1024;

export interface PullAgentRecords {
  /** By commit sha. */
  records: Map<string, RecordEvidence[]>;
  /** API calls made. */
  calls: number;
  /** Commits whose note the call cap left unread. */
  unread: number;
  /** What was left unread for its size, one sentence each, for the check to say. */
  skipped: string[];
}

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
  size?: number;
}

export async function readPullAgentRecords(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; headSha: string; baseSha?: string | null },
  commits: readonly PullCommit[],
  reads?: InstallationConfigReads,
): Promise<PullAgentRecords> {
  const { owner, repo } = where;
  let calls = 0;
  const unread = new Set<string>();
  const skipped: string[] = [];
  const count = () => calls++;
  const refSha = await notesRefs(octokit, { owner, repo }, reads, count);
  const traceFile = await cachedFileAt(octokit, { owner, repo, path: TRACE_FILE, ref: where.headSha }, reads, count);
  if (traceFile.tooLarge !== null) skipped.push(tooLargeToRead(TRACE_FILE, traceFile.tooLarge, MAX_TRACE_BYTES));
  let traceText = traceFile.text ?? "";
  if (traceText !== "" && where.baseSha && mergesFromOutside(commits)) {
    // The base branch merged in brought its traces with it: a record its agent wrote at the commit
    // this branch was made from is for the base branch's next commit, not for this branch's first.
    const base = await cachedFileAt(octokit, { owner, repo, path: TRACE_FILE, ref: where.baseSha }, reads, count);
    if (base.text) traceText = withoutLinesOf(traceText, base.text);
  }
  const read = TraceIndex.read(traceText);
  if (read.unread > 0) skipped.push(`${unreadTraceLines(TRACE_FILE, read.unread)}.`);
  const traces = read.index;

  // Newest first: the head matters most.
  const newestFirst = [...commits].reverse();
  const notes = async (ref: string): Promise<Map<string, string>> => {
    const texts = new Map<string, string>();
    const sha = refSha.get(ref);
    if (sha === undefined) return texts;
    if (calls + 2 > MAX_RECORD_CALLS) {
      for (const c of commits) unread.add(c.sha);
      return texts;
    }
    calls += 2;
    const { data: notesCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
    const top = await tree(octokit, owner, repo, notesCommit.tree.sha);
    const subtrees = new Map<string, TreeEntry[]>();
    let tooLarge = 0;
    for (const c of newestFirst) {
      // git notes fans out as `ab/cdef…` (or deeper) once it holds many notes.
      let entries = top;
      let path = c.sha;
      let blob: TreeEntry | undefined;
      for (;;) {
        blob = entries.find((e) => e.type === "blob" && e.path === path);
        if (blob) break;
        const dir = entries.find((e) => e.type === "tree" && path.startsWith(e.path));
        if (!dir) break;
        path = path.slice(dir.path.length).replace(/^\//, "");
        let sub = subtrees.get(dir.sha);
        if (!sub) {
          if (calls >= MAX_RECORD_CALLS) break;
          calls++;
          sub = await tree(octokit, owner, repo, dir.sha);
          subtrees.set(dir.sha, sub);
        }
        entries = sub;
      }
      if (!blob) {
        if (calls >= MAX_RECORD_CALLS) unread.add(c.sha);
        continue;
      }
      // A note is a few kilobytes; a larger one is not fetched (GitHub would send up to 100 MB).
      if (blob.size !== undefined && blob.size > MAX_NOTE_LENGTH) {
        tooLarge++;
        continue;
      }
      if (calls >= MAX_RECORD_CALLS) {
        unread.add(c.sha);
        continue;
      }
      calls++;
      texts.set(c.sha, await blobText(octokit, { owner, repo, sha: blob.sha }));
    }
    if (tooLarge > 0) skipped.push(notesTooLarge(ref, tooLarge));
    return texts;
  };

  const byRef = new Map([
    [GIT_AI_REF, await notes(GIT_AI_REF)],
    [AGENT_TRACE_REF, await notes(AGENT_TRACE_REF)],
  ]);
  const records = commitRecords(commits, (ref, sha) => byRef.get(ref)?.get(sha), traces);
  return { records, calls, unread: unread.size, skipped };
}

/**
 * The agent records of one list of commits (oldest first, as a pull request lists them), by sha:
 * each commit's git-ai note and Agent Trace note (from `noteOf`), and the traces file's records
 * written at it or at its parent (`traces`, whose records each count for one commit). Shared by
 * the PR check and the backfill, so that both join records to commits alike.
 */
export function commitRecords(
  commits: readonly PullCommit[],
  noteOf: (ref: string, sha: string) => string | undefined,
  traces: TraceIndex,
  into = new Map<string, RecordEvidence[]>(),
  /**
   * The records already joined to commits in this pass (a backfill's, across its pull requests and
   * pages), by sha: a commit two pull requests list (stacked ones) gets the same records in both,
   * neither its note twice nor, for the second, none because the first claimed its trace records.
   */
  joined?: Map<string, readonly RecordEvidence[]>,
): Map<string, RecordEvidence[]> {
  // Newest first: TraceIndex wants children before parents.
  for (let i = commits.length - 1; i >= 0; i--) {
    const c = commits[i] as PullCommit;
    const known = joined?.get(c.sha);
    if (known !== undefined) {
      if (known.length > 0 && !into.has(c.sha)) into.set(c.sha, [...known]);
      continue;
    }
    const own: RecordEvidence[] = [];
    const text = noteOf(GIT_AI_REF, c.sha);
    const note = text === undefined ? null : parseGitAiNote(text);
    if (note) own.push(gitAiEvidence(c.sha, note));
    const noted = noteOf(AGENT_TRACE_REF, c.sha);
    const records = noted === undefined ? [] : parseTraceRecords(noted).records;
    // GitHub lists each commit's parents; a list without them (the ledger's copy of a pull
    // request's commits) is taken as a linear branch, each commit the child of the one before.
    const previous = commits[i - 1]?.sha;
    const parents = c.parents ?? (previous ? [previous] : []);
    for (const record of traces.recordsFor({
      sha: c.sha,
      parents,
      // As `scan` reads it: the committer's date (a cherry-pick keeps its author's).
      committedAt: c.committedAt ?? c.authoredAt ?? Number.POSITIVE_INFINITY,
    })) {
      records.push(record);
    }
    if (records.length > 0) own.push(traceEvidence(c.sha, records));
    joined?.set(c.sha, own.length > 0 ? own : NO_RECORDS);
    if (own.length === 0) continue;
    const list = into.get(c.sha);
    if (list) list.push(...own);
    else into.set(c.sha, own);
  }
  return into;
}

const NO_RECORDS: readonly RecordEvidence[] = Object.freeze([]);

/** Whether a commit of the pull request merges in a commit from outside it (its base branch, updated). */
function mergesFromOutside(commits: readonly PullCommit[]): boolean {
  const own = new Set(commits.map((c) => c.sha));
  return commits.some((c) => (c.parents?.length ?? 0) > 1 && c.parents?.slice(1).some((p) => !own.has(p)));
}

/**
 * `text` without the records `other` has too: JSON Lines records (a line that is one object naming
 * its `vcs`), compared without their surrounding spaces. Other lines stay, so that a file that is
 * one pretty-printed record or array is never cut into pieces.
 */
export function withoutLinesOf(text: string, other: string): string {
  const isRecordLine = (line: string) => line.startsWith("{") && line.endsWith("}") && line.includes('"vcs"');
  const known = new Set<string>();
  for (const line of other.split("\n")) {
    const trimmed = line.trim();
    if (isRecordLine(trimmed)) known.add(trimmed);
  }
  if (known.size === 0) return text;
  return text
    .split("\n")
    .filter((line) => {
      const trimmed = line.trim();
      return !(isRecordLine(trimmed) && known.has(trimmed));
    })
    .join("\n");
}

/** A sentence for the check and the backfill: how many notes of `ref` were too large to fetch. */
export function notesTooLarge(ref: string, count: number): string {
  return `${count === 1 ? "1 note" : `${count} notes`} of ${ref} ${count === 1 ? "was" : "were"} not read: over ${mb(MAX_NOTE_LENGTH)}, where a note is a few kilobytes.`;
}

/** A sentence for the check: what was not read, and why. */
export function tooLargeToRead(what: string, bytes: number, limit: number): string {
  return `${what} was not read: it is ${mb(bytes)}, over the ${mb(limit)} a check reads.`;
}

/** Bytes in megabytes, to a tenth. */
const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

async function tree(octokit: ProbotOctokit, owner: string, repo: string, sha: string): Promise<TreeEntry[]> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha });
  return data.tree.map((e) => ({
    path: e.path ?? "",
    type: e.type ?? "",
    sha: e.sha ?? "",
    ...(typeof e.size === "number" ? { size: e.size } : {}),
  }));
}

/** The cache's place for the notes refs' listing: no file can be called so (a path ends in a name). */
const NOTES_REFS_PLACE = "git/matching-refs/notes/";

/** GitHub's answer to a conditional request whose ETag matched (Octokit throws it as an error). */
const notModified = (error: unknown) => (error as { status?: number }).status === 304;

/**
 * The notes refs (`refs/notes/…` → its commit sha): one call, asked with If-None-Match when the
 * listing was read before (kept as its JSON text).
 */
async function notesRefs(
  octokit: ProbotOctokit,
  repository: { owner: string; repo: string },
  reads: InstallationConfigReads | undefined,
  counted: () => void,
): Promise<Map<string, string>> {
  const place = { ...repository, path: NOTES_REFS_PLACE };
  const known = reads?.lookup(place);
  const since = reads?.begin() ?? 0;
  let listing: string;
  counted();
  try {
    const response = await octokit.rest.git.listMatchingRefs({
      ...repository,
      ref: "notes/",
      ...(known?.kind === "revalidate" ? { headers: { "if-none-match": known.etag } } : {}),
    });
    listing = JSON.stringify(response.data.map((r) => [r.ref, r.object.sha]));
    reads?.store(place, { etag: response.headers.etag ?? null, read: listing }, since);
  } catch (error) {
    if (!(known?.kind === "revalidate" && notModified(error) && typeof known.read === "string")) throw error;
    listing = known.read;
  }
  return new Map(JSON.parse(listing) as Array<[string, string]>);
}

/** A file's text, null when there is none or it is too large (`tooLarge`: its size in bytes). */
export interface FileText {
  text: string | null;
  tooLarge: number | null;
}

/**
 * A file's text at `ref` (a commit: what it holds never changes): through the cache, a file read
 * before is asked with If-None-Match, a recent 404 not asked again.
 */
async function cachedFileAt(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; path: string; ref: string },
  reads: InstallationConfigReads | undefined,
  counted: () => void,
): Promise<FileText> {
  const known = reads?.lookup(where);
  if (known?.kind === "hit") return { text: null, tooLarge: null };
  const since = reads?.begin() ?? 0;
  try {
    const answer = await fileAt(
      octokit,
      where,
      MAX_TRACE_BYTES,
      counted,
      known?.kind === "revalidate" ? known.etag : undefined,
    );
    // Kept when small: the cache is every installation's, sized for configuration files.
    if (answer.tooLarge === null && (answer.text === null || answer.text.length <= MAX_CACHED_TRACE_CHARS)) {
      reads?.store(where, { etag: answer.etag, read: answer.text }, since);
    }
    return answer;
  } catch (error) {
    if (known?.kind === "revalidate" && notModified(error)) {
      return { text: typeof known.read === "string" ? known.read : null, tooLarge: null };
    }
    throw error;
  }
}

/**
 * A file's text at `ref` (null when there is none: a 404), with GitHub's ETag of the answer. A
 * file over `maxBytes` is not fetched: contents gives its size first.
 */
export async function fileAt(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; path: string; ref: string },
  maxBytes: number,
  counted: () => void,
  ifNoneMatch?: string,
): Promise<FileText & { etag: string | null }> {
  counted();
  try {
    const { data, headers } = await octokit.rest.repos.getContent({
      ...where,
      ...(ifNoneMatch ? { headers: { "if-none-match": ifNoneMatch } } : {}),
    });
    const etag = headers.etag ?? null;
    if (Array.isArray(data) || data.type !== "file") return { etag, text: null, tooLarge: null };
    if (data.size > maxBytes) return { etag, text: null, tooLarge: data.size };
    if (data.size === 0) return { etag, text: "", tooLarge: null };
    if (data.encoding === "base64" && data.content) {
      return { etag, text: Buffer.from(data.content, "base64").toString("utf8"), tooLarge: null };
    }
    // Over 1 MB, contents gives no content: the blob has it.
    counted();
    return {
      etag,
      text: await blobText(octokit, { owner: where.owner, repo: where.repo, sha: data.sha }),
      tooLarge: null,
    };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { etag: null, text: null, tooLarge: null };
    throw error;
  }
}
