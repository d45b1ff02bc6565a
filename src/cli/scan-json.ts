// The jsonl line of one commit, written by hand: the same text as JSON.stringify(commitRecord(…))
// (scan-batch.ts; test/cli/scan-json.test.ts holds the two equal) without building the record
// object first, and with a constant end for the commits in which nothing was found, as most are.
// Strings that need no escaping (nearly all) are quoted as they are; any other goes through
// JSON.stringify.

import type { Trailer } from "../attribution/trailers.js";
import type { AgentSession, CommitAttribution, Evidence, IgnoredEvidence } from "../attribution/types.js";
import type { GitCommit, GitPerson } from "../git/objects.js";

/** What JSON.stringify escapes: `"`, `\`, control characters and (when lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function list<T>(items: readonly T[], write: (item: T) => string): string {
  if (items.length === 0) return "[]";
  let out = `[${write(items[0] as T)}`;
  for (let i = 1; i < items.length; i++) out += `,${write(items[i] as T)}`;
  return `${out}]`;
}

/**
 * A person's name and e-mail as JSON, remembered for the next commit: one person commits most of a
 * history (a maintainer), and an author's commits come in runs. A date is git's ISO 8601 from
 * src/git/dates.ts, or "": nothing to escape.
 */
class People {
  private name = "";
  private email = "";
  private json = '{"name":"","email":"","date":"';

  write(p: GitPerson): string {
    if (p.name !== this.name || p.email !== this.email) {
      this.name = p.name;
      this.email = p.email;
      this.json = `{"name":${quote(p.name)},"email":${quote(p.email)},"date":"`;
    }
    return `${this.json}${p.date}"}`;
  }
}

const authors = new People();
const committers = new People();

/** Shas need no quoting check: the commit's own was checked to be hex, its parents git wrote. */
function shas(list: readonly string[]): string {
  return list.length === 0 ? "[]" : `["${list.join('","')}"]`;
}

/** A trailer's key is letters, digits and `-` (trailers.ts finds no other): nothing to escape. */
function trailer(t: Trailer): string {
  return `{"key":"${t.key}","value":${quote(t.value)}}`;
}

function session(s: AgentSession): string {
  const head = `{"agent":${quote(s.agent)},"id":${quote(s.id)}`;
  return s.url === undefined ? `${head}}` : `${head},"url":${quote(s.url)}}`;
}

// Evidence and ignored entries are made by the engine's Collector, always with their properties in
// this order; optional ones are absent rather than undefined.
function evidence(e: Evidence): string {
  let out = `{"agent":${quote(e.agent)},"marker":${quote(e.marker)},"source":${quote(e.source)}`;
  if (e.commit !== undefined) out += `,"commit":${quote(e.commit)}`;
  out += `,"text":${quote(e.text)}`;
  if (e.model !== undefined) out += `,"model":${quote(e.model)}`;
  if (e.session !== undefined) out += `,"session":${session(e.session)}`;
  if (e.squashed !== undefined) out += `,"squashed":${quote(e.squashed)}`;
  return `${out}}`;
}

function ignored(i: IgnoredEvidence): string {
  let out = `{"marker":${quote(i.marker)},"source":${quote(i.source)},"text":${quote(i.text)}`;
  if (i.commit !== undefined) out += `,"commit":${quote(i.commit)}`;
  return `${out},"reason":${quote(i.reason)}}`;
}

/** The end of the line of a commit in which nothing was found, as most are. */
const NOTHING_FOUND = ',"ai":false,"agents":[],"models":[],"sessions":[],"evidence":[],"ignored":[]}';

/** One line of `scan --format jsonl` (without its newline). */
export function commitLine(commit: GitCommit, trailers: readonly Trailer[], attribution: CommitAttribution): string {
  const { author, committer } = commit;
  const authorJson = authors.write(author);
  // src/git/objects.ts gives the author's object for a committer who is the author, at the same time.
  const committerJson = committer === author ? authorJson : committers.write(committer);
  const head =
    `{"sha":"${commit.sha}","parents":${shas(commit.parents)},"author":${authorJson}` +
    `,"committer":${committerJson},"trailers":${list(trailers, trailer)}`;
  const { ai, evidence: found, ignored: notCounted } = attribution;
  if (
    !ai &&
    found.length === 0 &&
    notCounted.length === 0 &&
    !attribution.authorIgnored &&
    !commit.truncated &&
    !attribution.lines
  ) {
    return head + NOTHING_FOUND;
  }
  let out =
    `${head},"ai":${ai},"agents":${list(attribution.agents, quote)},"models":${list(attribution.models, quote)}` +
    `,"sessions":${list(attribution.sessions, session)},"evidence":${list(found, evidence)}` +
    `,"ignored":${list(notCounted, ignored)}`;
  if (attribution.lines) {
    const { ai: aiLines, mixed, total } = attribution.lines;
    out += `,"lines":{"ai":${aiLines},"mixed":${mixed},"total":${total}}`;
  }
  if (attribution.authorIgnored) out += `,"authorIgnored":true`;
  if (commit.truncated) out += `,"truncated":true`;
  return `${out}}`;
}
