// A repository's agent records for a history backfill, read per repository rather than per pull
// request (src/github/agent-records.ts reads them per check: 2 calls each, which a backfill of
// thousands of pull requests cannot spend).
//
// API calls, per repository and pass:
// - always 1: one GraphQL query for the notes refs (`refs/notes/ai`, `refs/notes/agent-trace`,
//   each with its tree) and `.agent-trace/traces.jsonl` at the default branch (a blob's text; a file
//   GraphQL gives truncated is read once more, through contents);
// - per notes ref present, 1: its tree, recursive (`git/trees/<tree>?recursive=1`), which lists a
//   fanned-out tree's notes (`ab/cdef…`) as paths: the notes of every commit in one call;
// - per page of pull requests whose commits have notes, 1 GraphQL query per 100 note blobs: only
//   the notes of the commits being backfilled are fetched.
// A repository without notes refs or traces file costs the one query.

import type { ProbotOctokit } from "probot";
import { TraceIndex, unreadTraceLines } from "../attribution/agent-trace.js";
import { MAX_NOTE_LENGTH } from "../attribution/git-ai.js";
import type { RecordEvidence } from "../attribution/records.js";
import type { PullCommit } from "../attribution/types.js";
import {
  AGENT_TRACE_REF,
  commitRecords,
  fileAt,
  GIT_AI_REF,
  MAX_TRACE_BYTES,
  notesTooLarge,
  TRACE_FILE,
  tooLargeToRead,
} from "./agent-records.js";
import { blobText } from "./blob.js";

/** Note blobs one GraphQL query fetches. */
const BLOBS_PER_QUERY = 100;
/** A git object id: SHA-1, or SHA-256 in a repository that uses it. */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** The notes refs read: the two formats' refs. */
const NOTES_REFS = [GIT_AI_REF, AGENT_TRACE_REF] as const;

export interface RepositoryRecordIndex {
  /** Per notes ref present: annotated commit sha → its note's blob sha. */
  notes: Map<string, Map<string, string>>;
  /** The records of `.agent-trace/traces.jsonl` at the default branch, by the revision they name. */
  traces: TraceIndex;
  /** API calls made. */
  calls: number;
  /** What could not be read whole, for the backfill's notes. */
  warnings: string[];
  /** The records joined to each commit read so far in this pass, by sha (see commitRecords). */
  joined: Map<string, readonly RecordEvidence[]>;
}

interface ProbeAnswer {
  repository: {
    refs: { nodes: Array<{ name: string; target: { oid: string; tree?: { oid: string } } } | null> } | null;
    traces: { text: string | null; isTruncated: boolean } | null;
  } | null;
}

const PROBE_QUERY = `query AgentRecordProbe($owner: String!, $repo: String!, $traces: String!) {
  repository(owner: $owner, name: $repo) {
    refs(refPrefix: "refs/notes/", first: 100) { nodes { name target { oid ... on Commit { tree { oid } } } } }
    traces: object(expression: $traces) { ... on Blob { text isTruncated } }
  }
}`;

/** Reads what the repository holds of agent records: its notes refs' trees, and its traces file. */
export async function readRepositoryRecordIndex(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string; defaultBranch: string },
): Promise<RepositoryRecordIndex> {
  const { owner, repo } = where;
  let calls = 1;
  const warnings: string[] = [];
  const answer = await octokit.graphql<ProbeAnswer>(PROBE_QUERY, {
    owner,
    repo,
    // The branch by its full name: a short name is a tag's first, where one has the same name.
    traces: `refs/heads/${where.defaultBranch}:${TRACE_FILE}`,
  });
  const found = answer.repository;

  let traceText = found?.traces?.text ?? null;
  if (found?.traces?.isTruncated) {
    const file = await fileAt(
      octokit,
      { owner, repo, path: TRACE_FILE, ref: where.defaultBranch },
      MAX_TRACE_BYTES,
      () => calls++,
    );
    traceText = file.text;
    if (file.tooLarge !== null) warnings.push(tooLargeToRead(TRACE_FILE, file.tooLarge, MAX_TRACE_BYTES));
  }
  const traces = TraceIndex.read(traceText ?? "");
  if (traces.unread > 0) warnings.push(unreadTraceLines(TRACE_FILE, traces.unread));

  const notes = new Map<string, Map<string, string>>();
  for (const node of found?.refs?.nodes ?? []) {
    const ref = `refs/notes/${node?.name ?? ""}`;
    const tree = node?.target.tree?.oid;
    if (!tree || !(NOTES_REFS as readonly string[]).includes(ref)) continue;
    calls++;
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: "1" });
    const bySha = new Map<string, string>();
    let tooLarge = 0;
    for (const entry of data.tree) {
      if (entry.type !== "blob" || !entry.path || !entry.sha) continue;
      // git notes fans out as `ab/cdef…` (or deeper) once it holds many notes: the path is the sha.
      const commit = entry.path.replaceAll("/", "");
      // Object ids only (SHA-1 or SHA-256): a blob's id is written into a query (blobTexts).
      if (!OBJECT_ID.test(commit) || !OBJECT_ID.test(entry.sha)) continue;
      // A note is a few kilobytes; a larger one is not fetched (GitHub would send up to 100 MB).
      if (entry.size !== undefined && entry.size > MAX_NOTE_LENGTH) {
        tooLarge++;
        continue;
      }
      bySha.set(commit, entry.sha);
    }
    if (tooLarge > 0) warnings.push(notesTooLarge(ref, tooLarge));
    // GitHub lists at most 100,000 entries of a recursive tree.
    if (data.truncated) warnings.push(`${ref} has more notes than GitHub lists at once: some were not read`);
    notes.set(ref, bySha);
  }
  return { notes, traces: traces.index, calls, warnings, joined: new Map() };
}

/**
 * The agent records of these pull requests' commits (each list oldest first, as listed), by sha:
 * their notes fetched (only theirs), the traces file's records joined as the PR check joins them.
 */
export async function readPullsRecords(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string },
  index: RepositoryRecordIndex,
  pulls: ReadonlyArray<readonly PullCommit[]>,
): Promise<{ records: Map<string, RecordEvidence[]>; calls: number }> {
  const wanted = new Map<string, string>();
  for (const commits of pulls) {
    for (const c of commits) {
      if (index.joined.has(c.sha)) continue; // joined on an earlier page: its notes are not read again
      for (const bySha of index.notes.values()) {
        const blob = bySha.get(c.sha);
        if (blob !== undefined) wanted.set(blob, "");
      }
    }
  }
  const texts = await blobTexts(octokit, where, [...wanted.keys()]);
  const noteOf = (ref: string, sha: string) => {
    const blob = index.notes.get(ref)?.get(sha);
    return blob === undefined ? undefined : texts.texts.get(blob);
  };
  const records = new Map<string, RecordEvidence[]>();
  for (const commits of pulls) commitRecords(commits, noteOf, index.traces, records, index.joined);
  return { records, calls: texts.calls };
}

interface BlobAnswer {
  repository: Record<string, { text: string | null; isTruncated: boolean; oid: string } | null> | null;
}

/** Blob texts by sha, 100 a GraphQL query (a note GraphQL gives truncated is read through REST). */
async function blobTexts(
  octokit: ProbotOctokit,
  where: { owner: string; repo: string },
  shas: readonly string[],
): Promise<{ texts: Map<string, string>; calls: number }> {
  const texts = new Map<string, string>();
  let calls = 0;
  for (let start = 0; start < shas.length; start += BLOBS_PER_QUERY) {
    const batch = shas.slice(start, start + BLOBS_PER_QUERY);
    // The ids are a tree's, checked to be hex digits (OBJECT_ID): written into the query as they are.
    const fields = batch.map((sha, i) => `b${i}: object(oid: "${sha}") { ... on Blob { oid text isTruncated } }`);
    calls++;
    const answer = await octokit.graphql<BlobAnswer>(
      `query NoteBlobs($owner: String!, $repo: String!) {\n  repository(owner: $owner, name: $repo) {\n    ${fields.join("\n    ")}\n  }\n}`,
      { owner: where.owner, repo: where.repo },
    );
    for (const [i, sha] of batch.entries()) {
      const blob = answer.repository?.[`b${i}`];
      if (!blob) continue;
      if (blob.isTruncated) {
        calls++;
        texts.set(sha, await blobText(octokit, { owner: where.owner, repo: where.repo, sha }));
      } else if (blob.text !== null) texts.set(sha, blob.text);
    }
  }
  return { texts, calls };
}
