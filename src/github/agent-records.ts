// A pull request's agent records on GitHub: git-ai notes (`refs/notes/ai`), Agent Trace notes
// (`refs/notes/agent-trace`) through the Git Data API, and `.agent-trace/traces.jsonl` at the head.
//
// API calls, per pull request:
// - always 2: `GET git/matching-refs/notes/` (both notes refs at once; [] without any) and
//   `GET contents/.agent-trace/traces.jsonl?ref=<head>` (404 without the file);
// - per notes ref present: the notes commit and its tree (2), then per commit with a note its blob
//   (1), and per fan-out directory (`ab/cdef…`, once git has many notes) its subtree (1);
// - all of them capped at MAX_RECORD_CALLS (newest commits first); what the cap leaves unread is
//   counted in `unread` for the check to say.
// With the installation's cache of file reads (config-cache.ts), the two probes are asked as the
// configuration is: the notes refs with If-None-Match (GitHub's 304 costs no rate limit: nearly
// every check of a repository, whose notes refs rarely move); the traces file at a head commit,
// which never changes, with If-None-Match when it was there, and not at all when it was not
// (a recent 404 is believed: re-runs and edits of a pull request ask nothing).

import type { ProbotOctokit } from "probot";
import { parseTraceRecords, TraceIndex, type TraceRecord, traceEvidence } from "../attribution/agent-trace.js";
import { gitAiEvidence, parseGitAiNote } from "../attribution/git-ai.js";
import type { RecordEvidence } from "../attribution/records.js";
import type { PullCommit } from "../attribution/types.js";
import type { InstallationConfigReads } from "./config-cache.js";

export const GIT_AI_REF = "refs/notes/ai";
export const AGENT_TRACE_REF = "refs/notes/agent-trace";
export const TRACE_FILE = ".agent-trace/traces.jsonl";
/** Calls one pull request may spend on agent records, the two probes included. */
export const MAX_RECORD_CALLS = 20;

export interface PullAgentRecords {
  /** By commit sha. */
  records: Map<string, RecordEvidence[]>;
  /** API calls made. */
  calls: number;
  /** Commits whose note the call cap left unread. */
  unread: number;
}

interface TreeEntry {
  path: string;
  type: string;
  sha: string;
}

export async function readPullAgentRecords(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; headSha: string },
  commits: readonly PullCommit[],
  reads?: InstallationConfigReads,
): Promise<PullAgentRecords> {
  const { owner, repo } = where;
  let calls = 0;
  let unread = 0;
  const found = new Map<string, RecordEvidence[]>();
  const add = (record: RecordEvidence) => {
    const list = found.get(record.commit);
    if (list) list.push(record);
    else found.set(record.commit, [record]);
  };

  const count = () => calls++;
  const refSha = await notesRefs(octokit, { owner, repo }, reads, count);
  const traceRecords: TraceRecord[] = [];
  const traceText = await cachedFileAt(octokit, { owner, repo, path: TRACE_FILE, ref: where.headSha }, reads, count);
  if (traceText !== null) traceRecords.push(...parseTraceRecords(traceText).records);

  // Newest first: the head matters most, and TraceIndex wants children before parents.
  const newestFirst = [...commits].reverse();
  const notes = async (ref: string): Promise<Map<string, string>> => {
    const texts = new Map<string, string>();
    const sha = refSha.get(ref);
    if (sha === undefined) return texts;
    if (calls + 2 > MAX_RECORD_CALLS) {
      unread += commits.length;
      return texts;
    }
    calls += 2;
    const { data: notesCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha });
    const top = await tree(octokit, owner, repo, notesCommit.tree.sha);
    const subtrees = new Map<string, TreeEntry[]>();
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
        if (calls >= MAX_RECORD_CALLS) unread++;
        continue;
      }
      if (calls >= MAX_RECORD_CALLS) {
        unread++;
        continue;
      }
      calls++;
      const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: blob.sha });
      texts.set(c.sha, Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8").toString("utf8"));
    }
    return texts;
  };

  const gitAi = await notes(GIT_AI_REF);
  const traceNotes = await notes(AGENT_TRACE_REF);
  const index = new TraceIndex(traceRecords);
  for (const [i, c] of newestFirst.entries()) {
    const text = gitAi.get(c.sha);
    const note = text === undefined ? null : parseGitAiNote(text);
    if (note) add(gitAiEvidence(c.sha, note));
    const noted = traceNotes.get(c.sha);
    const records = noted === undefined ? [] : parseTraceRecords(noted).records;
    // A pull request's commits are listed oldest first; the one before is the parent of a linear branch.
    const parent = newestFirst[i + 1]?.sha;
    records.push(
      ...index.recordsFor({
        sha: c.sha,
        parents: parent ? [parent] : [],
        committedAt: c.authoredAt ?? Number.POSITIVE_INFINITY,
      }),
    );
    if (records.length > 0) add(traceEvidence(c.sha, records));
  }
  return { records: found, calls, unread };
}

async function tree(octokit: ProbotOctokit, owner: string, repo: string, sha: string): Promise<TreeEntry[]> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha });
  return data.tree.map((e) => ({ path: e.path ?? "", type: e.type ?? "", sha: e.sha ?? "" }));
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

/**
 * A file's text at `ref` (a commit: what it holds never changes), or null when there is none:
 * through the cache, a file read before is asked with If-None-Match, a recent 404 not asked again.
 */
async function cachedFileAt(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; path: string; ref: string },
  reads: InstallationConfigReads | undefined,
  counted: () => void,
): Promise<string | null> {
  const known = reads?.lookup(where);
  if (known?.kind === "hit") return null;
  const since = reads?.begin() ?? 0;
  try {
    const answer = await fileAt(octokit, where, counted, known?.kind === "revalidate" ? known.etag : undefined);
    reads?.store(where, answer, since);
    return typeof answer.read === "string" ? answer.read : null;
  } catch (error) {
    if (known?.kind === "revalidate" && notModified(error)) return typeof known.read === "string" ? known.read : null;
    throw error;
  }
}

/** A file's text at `ref`, or null when there is none (404), with GitHub's ETag of the answer. */
async function fileAt(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; path: string; ref: string },
  counted: () => void,
  ifNoneMatch?: string,
): Promise<{ etag: string | null; read: string | null }> {
  counted();
  try {
    const { data, headers } = await octokit.rest.repos.getContent({
      ...where,
      ...(ifNoneMatch ? { headers: { "if-none-match": ifNoneMatch } } : {}),
    });
    const etag = headers.etag ?? null;
    if (Array.isArray(data) || data.type !== "file") return { etag, read: null };
    if (data.encoding === "base64" && data.content) {
      return { etag, read: Buffer.from(data.content, "base64").toString("utf8") };
    }
    // Over 1 MB, contents gives no content: the blob has it.
    counted();
    const { data: blob } = await octokit.rest.git.getBlob({ owner: where.owner, repo: where.repo, file_sha: data.sha });
    return { etag, read: Buffer.from(blob.content, "base64").toString("utf8") };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { etag: null, read: null };
    throw error;
  }
}
