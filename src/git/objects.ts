// Commits as `git cat-file --batch` prints them, read as git log reads them.
//
// The scan feeds `git rev-list --parents <revs>` into `git cat-file --batch` (src/cli/git-log.ts): the same
// commits in the same order as `git log <revs>`, each printed as
//
//   <sha> commit <size> <parents…>\n<the commit object, size bytes>\n
//
// and parsed here exactly as git log's `%an %ae %ad %cn %ce %cd %P %B` would show it (git's
// pretty.c parse_commit_header, ident.c split_ident_line, show_ident_date with --date=raw, and
// the re-encoding of a commit that declares another encoding than UTF-8). Reading raw objects
// costs git about a fifth less than formatting them (bench/README.md), and the size in front of
// each object frames it without looking for separators.

import { isSpace } from "../attribution/trailers.js";
import { isoDate, rawDateMs, rawIdentDate } from "./dates.js";

export interface GitPerson {
  name: string;
  email: string;
  /** Strict ISO 8601 with the person's own offset, as git prints `%aI` / `%cI`; "" without a date. */
  date: string;
}

export interface GitCommit {
  /** Full sha. */
  sha: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  /** The author date in ms since the epoch; NaN when the commit has none. */
  authorTime: number;
  /** The raw message (`%B`), decoded as UTF-8 with invalid bytes replaced by U+FFFD. */
  message: string;
  /** True when a field was longer than the reader's limit and its middle was dropped. */
  truncated: boolean;
}

/** `git cat-file --batch=<format>` as the framer below reads it (%(rest): what rev-list put after the sha). */
export const CAT_FILE_FORMAT = "%(objectname) %(objecttype) %(objectsize) %(rest)";

/** Per-field cap (UTF-16 code units); longer fields keep their first and last halves. */
export const DEFAULT_MAX_FIELD_LENGTH = 4 * 1024 * 1024;

const LF = 0x0a;
const SPACE = 0x20;

/** Whole objects of `git cat-file --batch` output, and where each ends in `bytes`. */
export interface Records {
  bytes: Uint8Array;
  ends: readonly number[];
  /**
   * For an object too large to keep whole (one per Records): where its kept head ends in `bytes`
   * and its kept tail begins (the middle was dropped).
   */
  gap?: number;
}

/** Bytes of UTF-8 that can follow a character's first byte (10xxxxxx). */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/**
 * The size in a header line `<sha> commit <size>[ <rest>]` starting at bytes[from], or -1 when the
 * line is not one (another type, `<name> missing`, garbage) or is not whole before `limit`.
 * Returns the size and, in `lineEnd`, where the line's newline is.
 */
function objectSize(bytes: Uint8Array, from: number, limit: number, lineEnd: { at: number }): number {
  // Nothing is read past `limit` (the end of a chunk, where a header is often cut): a read out of
  // bounds would make V8 throw away this function's optimised code, once per kind of read.
  if (from + 41 > limit) return -1;
  const shaLength = bytes[from + 40] === SPACE ? 40 : from + 65 <= limit && bytes[from + 64] === SPACE ? 64 : -1;
  if (shaLength === -1) return -1;
  let i = from + shaLength + 1;
  if (i + 7 > limit) return -1;
  for (let k = 0; k < 6; k++) if (bytes[i + k] !== COMMIT_TYPE[k]) return -1;
  i += 6;
  if (bytes[i] !== SPACE) return -1;
  const digits = ++i;
  let size = 0;
  for (; i < limit; i++) {
    const d = (bytes[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    size = size * 10 + d;
  }
  if (i === digits || i >= limit) return -1;
  // Then the newline, right away or after what rev-list wrote after the sha: its parents, a space
  // and a sha each (jumped over), else anything up to the newline.
  while (bytes[i] === SPACE) {
    const next = i + shaLength + 1;
    if (next >= limit || (bytes[next] !== SPACE && bytes[next] !== LF)) break;
    i = next;
  }
  while (i < limit && bytes[i] !== LF) i++;
  if (i >= limit) return -1;
  lineEnd.at = i;
  return size;
}

/** `commit`, the only type rev-list lists. */
const COMMIT_TYPE = Buffer.from("commit");

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function headerError(bytes: Uint8Array): Error {
  const line = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 200)).toString("utf8");
  const got = preview(line.split("\n")[0] ?? "");
  return new Error(`unexpected git cat-file output (expected "<sha> commit <size>", got ${got})`);
}

/**
 * Of a large object, its head keeps this much more than the tail: room for its headers (tree,
 * parents, people, and signatures or merged tags of a few kilobytes), so that the head still holds
 * `keep` bytes of the message.
 */
const HEADERS_ALLOWANCE = 256 * 1024;

/** A header line longer than this is not one (a sha, a type, a size and up to a few hundred parents). */
const MAX_HEADER_LINE = 64 * 1024;

type Phase = "none" | "header" | "whole" | "head" | "skip" | "tail";

/**
 * Cuts `git cat-file --batch` output, read as bytes in chunks of any size, into whole objects
 * without decoding it: each object's size is in front of it. Memory stays bounded: of an object
 * larger than about `3 × maxFieldLength` bytes (plus HEADERS_ALLOWANCE) only the last `keep =
 * 3 × maxFieldLength / 2 + 4` bytes and the first `keep` + HEADERS_ALLOWANCE are kept (cut between
 * characters), which decodeCommits then trims to `maxFieldLength` code units exactly as it would
 * have trimmed the whole message: each end keeps more than half the limit in code units, as a
 * UTF-16 code unit takes at most 3 bytes. (A commit whose headers alone are larger than the
 * allowance, which git never writes, may lose its message in such a cut.)
 */
export class ObjectFramer {
  /** Bytes kept of a large object's end, and of its start (room for its headers too). */
  private readonly keep: number;
  private readonly headKeep: number;
  /** Objects completed so far. */
  records = 0;
  // The object in progress, when one spans chunks (or is too large to keep whole).
  private phase: Phase = "none";
  private parts: Uint8Array[] = [];
  private partBytes = 0;
  /** Bytes still wanted in the current phase. */
  private remaining = 0;
  private headerLength = 0;
  private size = 0;
  /** A large object's header line and kept head. */
  private head: Uint8Array | null = null;
  private readonly line = { at: 0 };

  constructor(maxFieldLength = DEFAULT_MAX_FIELD_LENGTH) {
    this.keep = Math.ceil((3 * maxFieldLength) / 2) + 4;
    this.headKeep = this.keep + HEADERS_ALLOWANCE;
  }

  /**
   * Takes a chunk; returns the objects it completed (whole objects only), in one or more pieces:
   * the object that began in earlier chunks, then those wholly in this chunk (a view of it, not a
   * copy), then any that only the slow path below completes. Each piece says where its objects end.
   */
  push(chunk: Uint8Array): Records[] {
    const done: Records[] = [];
    let input = chunk;
    while (this.phase !== "none" && input.length > 0) input = input.subarray(this.feed(input, done));
    const ends: number[] = [];
    let pos = 0;
    const line = this.line;
    while (pos < input.length) {
      const size = objectSize(input, pos, input.length, line);
      if (size < 0) break; // a line not whole yet, or not a header: the slow path tells which
      const end = line.at + size + 2;
      if (end > input.length || this.isLarge(size)) break;
      if (input[end - 1] !== LF) throw new Error("unexpected git cat-file output (an object framed wrongly)");
      ends.push(end);
      pos = end;
    }
    if (ends.length > 0) {
      this.records += ends.length;
      done.push({ bytes: input.subarray(0, pos), ends });
    }
    input = input.subarray(pos);
    while (input.length > 0) input = input.subarray(this.feed(input, done));
    return done;
  }

  /** Checks that the output did not stop inside an object. */
  end(): void {
    if (this.phase !== "none") throw new Error("git cat-file output ended in the middle of a commit");
  }

  /** Kept whole, or only its two ends (with three bytes more at each, to cut between characters). */
  private isLarge(size: number): boolean {
    return size > this.headKeep + 3 + this.keep + 3;
  }

  /** Feeds the object in progress (starting one if none is); returns how many bytes it took. */
  private feed(input: Uint8Array, done: Records[]): number {
    switch (this.phase) {
      case "none":
        this.phase = "header";
        return this.feed(input, done);
      case "header": {
        const lf = input.indexOf(LF);
        const line = lf === -1 ? input : input.subarray(0, lf + 1);
        this.append(line);
        if (lf === -1) {
          if (this.partBytes > MAX_HEADER_LINE) throw headerError(this.joined());
          return input.length;
        }
        const header = this.joined();
        const size = objectSize(header, 0, header.length, this.line);
        if (size < 0) throw headerError(header);
        this.headerLength = header.length;
        this.size = size;
        if (this.isLarge(size)) {
          this.phase = "head";
          this.remaining = this.headKeep + 3;
        } else {
          this.phase = "whole";
          this.remaining = size + 1;
        }
        return line.length;
      }
      case "whole": {
        const take = this.take(input);
        if (this.remaining > 0) return take;
        const bytes = this.joined();
        if (bytes[bytes.length - 1] !== LF)
          throw new Error("unexpected git cat-file output (an object framed wrongly)");
        this.emit(done, { bytes, ends: [bytes.length] });
        return take;
      }
      case "head": {
        const take = this.take(input);
        if (this.remaining > 0) return take;
        const all = this.joined();
        // Cut before the first byte that continues a character.
        let end = this.headerLength + this.headKeep;
        for (let i = 0; i < 3 && isContinuation(all[end]); i++) end--;
        this.head = all.subarray(0, end);
        this.parts = [];
        this.partBytes = 0;
        this.phase = "skip";
        // The tail is the object's last `keep` bytes, read with the three before them.
        this.remaining = this.size - (this.headKeep + 3) - (this.keep + 3);
        return take;
      }
      case "skip": {
        const skipped = Math.min(this.remaining, input.length);
        this.remaining -= skipped;
        if (this.remaining === 0) {
          this.phase = "tail";
          this.remaining = this.keep + 3 + 1;
        }
        return skipped;
      }
      case "tail": {
        const take = this.take(input);
        if (this.remaining > 0) return take;
        const tail = this.joined();
        if (tail[tail.length - 1] !== LF) throw new Error("unexpected git cat-file output (an object framed wrongly)");
        let start = 3;
        for (let i = 0; i < 3 && isContinuation(tail[start]); i++) start++;
        const head = this.head as Uint8Array;
        const bytes = Buffer.concat([head, tail.subarray(start)]);
        this.emit(done, { bytes, ends: [bytes.length], gap: head.length });
        return take;
      }
    }
  }

  private take(input: Uint8Array): number {
    const take = Math.min(this.remaining, input.length);
    this.append(input.subarray(0, take));
    this.remaining -= take;
    return take;
  }

  private emit(done: Records[], records: Records): void {
    done.push(records);
    this.records++;
    this.phase = "none";
    this.parts = [];
    this.partBytes = 0;
    this.head = null;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.partBytes += bytes.length;
  }

  private joined(): Uint8Array {
    if (this.parts.length !== 1) this.parts = [Buffer.concat(this.parts, this.partBytes)];
    return this.parts[0] as Uint8Array;
  }
}

// ---- decoding ---------------------------------------------------------------------------------------

const NUL = 0x00;
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** An ident split as git log shows it: `%an`, `%ae` and `%ad` with --date=raw ("" when absent). */
interface Ident {
  name: string;
  email: string;
  raw: string;
}

const NOBODY: Ident = { name: "", email: "", raw: "" };

/**
 * The ident in text[from, to) (`Name <e-mail> seconds zone`), as git's split_ident_line reads it:
 * the name up to the first `<` (trailing blanks dropped), the e-mail up to the next `>`, the date
 * after the last `>`. Without `<` or `>` git shows nothing; without a well-formed date, no date.
 */
function splitIdent(text: string, from: number, to: number): Ident {
  const lt = text.indexOf("<", from);
  if (lt === -1 || lt >= to) return NOBODY;
  const gt = text.indexOf(">", lt + 1);
  if (gt === -1 || gt >= to) return NOBODY;
  let nameEnd = lt - 1;
  while (nameEnd >= from && isSpace(text.charCodeAt(nameEnd))) nameEnd--;
  const name = text.slice(from, nameEnd + 1);
  const email = text.slice(lt + 1, gt);
  if (isPlainDate(text, gt + 1, to)) return { name, email, raw: text.slice(gt + 2, to) };
  let at = text.lastIndexOf(">", to - 1) + 1;
  while (at < to && isSpace(text.charCodeAt(at))) at++;
  const secondsFrom = at;
  while (at < to && isDigit(text.charCodeAt(at))) at++;
  const secondsTo = at;
  while (at < to && isSpace(text.charCodeAt(at))) at++;
  const sign = text.charCodeAt(at);
  const zoneFrom = at;
  if (secondsTo === secondsFrom || at >= to || (sign !== 0x2b && sign !== 0x2d)) return { name, email, raw: "" };
  at++;
  while (at < to && isDigit(text.charCodeAt(at))) at++;
  if (at === zoneFrom + 1) return { name, email, raw: "" };
  return { name, email, raw: rawIdentDate(text, secondsFrom, secondsTo, zoneFrom, at) };
}

/**
 * ` <seconds> <sign><4 digits>` up to the end of the line, the seconds (1 to 15 digits) not starting
 * with 0 unless they are 0, and the zone not `-0000`: what `--date=raw` prints as it is (nearly
 * every commit's date). No `>` in it, so the e-mail's was the last.
 */
const PLAIN_DATE = / (?:0|[1-9][0-9]{0,14}) (?:\+[0-9]{4}|-(?!0000)[0-9]{4})(?=\n|$)/y;

function isPlainDate(text: string, from: number, to: number): boolean {
  PLAIN_DATE.lastIndex = from;
  return PLAIN_DATE.test(text) && PLAIN_DATE.lastIndex === to;
}

/** Where a commit object's parts are, as git's parse_commit_header and find_commit_header see them. */
interface Layout {
  author: Ident;
  committer: Ident;
  /** The `encoding` header's value, or null. */
  encoding: string | null;
  /** Where the message starts (just after the empty line that ends the headers), or -1: none. */
  message: number;
}

/**
 * Reads the headers of a commit object, up to the empty line that ends them (or `end`). The last
 * `author` and `committer` lines count, and the first `encoding`, as for git log.
 */
function readHeaders(text: string, from: number, end: number): Layout {
  return plainHeaders(text, from, end) ?? anyHeaders(text, from, end);
}

/**
 * The headers of nearly every commit, found with a few native searches: `tree`, any `parent`s,
 * then one `author` and one `committer` line, then the empty line. Null for any other layout (an
 * `encoding`, a signature, a missing line), which anyHeaders reads line by line.
 */
function plainHeaders(text: string, from: number, end: number): Layout | null {
  if (!text.startsWith("tree ", from)) return null;
  let line = text.indexOf("\n", from) + 1;
  while (text.startsWith("parent ", line)) line = text.indexOf("\n", line) + 1;
  if (line === 0 || !text.startsWith("author ", line)) return null;
  const authorEnd = text.indexOf("\n", line);
  if (authorEnd === -1 || !text.startsWith("committer ", authorEnd + 1)) return null;
  const committerEnd = text.indexOf("\n", authorEnd + 1);
  if (committerEnd === -1 || committerEnd + 1 >= end || text.charCodeAt(committerEnd + 1) !== LF) return null;
  return {
    author: splitIdent(text, line + 7, authorEnd),
    committer: splitIdent(text, authorEnd + 11, committerEnd),
    encoding: null,
    message: committerEnd + 2,
  };
}

function anyHeaders(text: string, from: number, end: number): Layout {
  let author = NOBODY;
  let committer = NOBODY;
  let authorFrom = -1;
  let authorTo = -1;
  let committerFrom = -1;
  let committerTo = -1;
  let encoding: string | null = null;
  let i = from;
  while (i < end) {
    let eol = text.indexOf("\n", i);
    if (eol === -1 || eol > end) eol = end;
    if (eol === i) break; // the empty line
    const c = text.charCodeAt(i);
    if (c === 0x61 && text.startsWith("author ", i)) {
      authorFrom = i + 7;
      authorTo = eol;
    } else if (c === 0x63 && text.startsWith("committer ", i)) {
      committerFrom = i + 10;
      committerTo = eol;
    } else if (c === 0x65 && encoding === null && text.startsWith("encoding ", i)) {
      encoding = text.slice(i + 9, eol);
    }
    i = eol + 1;
  }
  if (authorFrom !== -1) author = splitIdent(text, authorFrom, authorTo);
  if (committerFrom !== -1) committer = splitIdent(text, committerFrom, committerTo);
  const message = i < end && text.charCodeAt(i) === LF ? i + 1 : -1;
  return { author, committer, encoding, message };
}

/** True for the names git takes for UTF-8 (its is_encoding_utf8). */
function isUtf8(encoding: string): boolean {
  const lower = encoding.toLowerCase();
  return lower === "utf-8" || lower === "utf8";
}

/**
 * The object's text in its declared encoding, as git log re-encodes it to UTF-8; null when the
 * encoding is unknown here or the bytes are not valid in it (git then shows them as they are).
 */
function reencoded(bytes: Uint8Array, encoding: string): string | null {
  try {
    return new TextDecoder(encoding.trim(), { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function person(ident: Ident, date: string): GitPerson {
  return { name: ident.name, email: ident.email, date };
}

function capped(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return text.slice(0, half) + text.slice(text.length - half);
}

/**
 * The commits of `records` (ObjectFramer's output). Each object is decoded on its own, so a commit
 * that is all Latin-1 gets compact one-byte strings whatever its neighbours hold (one emoji in a
 * chunk decoded whole makes every string in it two-byte, and everything after, from lower-casing
 * to JSON, slower). A NUL byte, which git itself never writes in a commit, ends the headers or the
 * message, as it ends them for git log. A name, e-mail or message longer than `maxFieldLength`
 * (UTF-16 code units) keeps its first and last halves, and the commit says it was truncated.
 */
export function decodeCommits(records: Records, maxFieldLength = DEFAULT_MAX_FIELD_LENGTH): GitCommit[] {
  const { bytes, ends, gap } = records;
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commits: GitCommit[] = [];
  // One native search of the whole batch spares each commit its own for a NUL (few have one).
  const nuls = buffer.indexOf(NUL) !== -1;
  let start = 0;
  for (const end of ends) {
    commits.push(decodeCommit(buffer, start, end, gap, maxFieldLength, nuls));
    start = end;
  }
  return commits;
}

function decodeCommit(
  buffer: Buffer,
  start: number,
  end: number,
  gap: number | undefined,
  max: number,
  nuls: boolean,
): GitCommit {
  // One string for the header line `<sha> commit <size> <parents…>` (ASCII, so its characters are
  // its bytes) and the object, or its head when the middle was dropped.
  let text = buffer.toString("utf8", start, gap ?? end - 1);
  let tail = gap === undefined ? "" : buffer.toString("utf8", gap, end - 1);
  const shaLength = text.charCodeAt(40) === SPACE ? 40 : 64;
  const lf = text.indexOf("\n");
  // The framer found `<40 or 64 characters> commit <size>`; the sha is cat-file's own %(objectname).
  if (!text.startsWith(" commit ", shaLength) || lf === -1) {
    throw headerError(buffer.subarray(start, end));
  }
  const sha = text.slice(0, shaLength);
  const rest = text.indexOf(" ", shaLength + 8) + 1; // after the size: the parents, if any
  const parents = rest === 0 || rest >= lf ? [] : parentList(text.slice(rest, lf));

  const from = lf + 1;
  let nul = nuls ? text.indexOf("\0", from) : -1;
  let layout = readHeaders(text, from, nul === -1 ? text.length : nul);
  if (layout.encoding !== null && !isUtf8(layout.encoding)) {
    // Re-encoded as git log does, headers and all; kept as UTF-8 when that fails, as git keeps them.
    const objectBytes = buffer.subarray(start + from, gap ?? end - 1);
    const decoded = reencoded(objectBytes, layout.encoding);
    const decodedTail = gap === undefined ? "" : reencoded(buffer.subarray(gap, end - 1), layout.encoding);
    if (decoded !== null && decodedTail !== null) {
      text = text.slice(0, from) + decoded;
      tail = decodedTail;
      nul = text.indexOf("\0", from);
      layout = readHeaders(text, from, nul === -1 ? text.length : nul);
    }
  }

  // The message ends at a NUL (git log reads it as a C string).
  let message = "";
  if (layout.message !== -1) {
    if (nul !== -1) message = text.slice(layout.message, nul);
    else {
      const tailNul = nuls ? tail.indexOf("\0") : -1;
      message = text.slice(layout.message) + (tailNul === -1 ? tail : tail.slice(0, tailNul));
    }
  }

  let truncated = gap !== undefined;
  let { author, committer } = layout;
  if (author.name.length > max || author.email.length > max) {
    author = { name: capped(author.name, max), email: capped(author.email, max), raw: author.raw };
    truncated = true;
  }
  if (committer.name.length > max || committer.email.length > max) {
    committer = { name: capped(committer.name, max), email: capped(committer.email, max), raw: committer.raw };
    truncated = true;
  }
  if (message.length > max) {
    message = capped(message, max);
    truncated = true;
  }

  const authorPerson = person(author, isoDate(author.raw));
  // Most commits are committed by their author at the same time: one object for both, which
  // every later comparison of the two finds equal at once.
  const committerPerson =
    committer.raw === author.raw && committer.name === author.name && committer.email === author.email
      ? authorPerson
      : person(committer, committer.raw === author.raw ? authorPerson.date : isoDate(committer.raw));
  return {
    sha,
    parents,
    author: authorPerson,
    committer: committerPerson,
    authorTime: rawDateMs(author.raw),
    message,
    truncated,
  };
}

/** Parents as rev-list prints them: full shas, each after a space but the first. */
function parentList(parents: string): string[] {
  // One parent, as nearly all commits have: no split.
  return parents.length <= 64 ? [parents] : parents.split(" ");
}

/** Reads `git cat-file --batch=CAT_FILE_FORMAT` output fed as bytes in chunks of any size. */
export class GitLogParser {
  private readonly framer: ObjectFramer;

  constructor(private readonly maxFieldLength = DEFAULT_MAX_FIELD_LENGTH) {
    this.framer = new ObjectFramer(maxFieldLength);
  }

  /** Parses a chunk; returns the commits it completed. */
  push(chunk: Uint8Array): GitCommit[] {
    return this.framer.push(chunk).flatMap((records) => decodeCommits(records, this.maxFieldLength));
  }

  /** Checks that the output did not stop inside a commit. */
  end(): void {
    this.framer.end();
  }
}
