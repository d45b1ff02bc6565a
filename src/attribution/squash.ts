// GitHub's squash-merge messages, read as the commits they were. Pure: no I/O.
//
// Squashing a pull request of more than one commit, GitHub's default message ("pull request title
// and commit details") is, as real histories hold it (e.g. Monadical-SAS/cubbi b28c2bd, 9c8ddbb):
//
//   <pull request title> (#<number>)
//
//   * <first commit's subject>
//
//   <its body, unindented, as the commit had it, its trailers included>
//
//   * <next commit's subject>
//   …
//
//   ---------
//
//   Co-authored-by: <each other author, and each co-author of a commit>
//
// The `---------` block is left out when nobody else wrote a commit (and its blank line before is
// sometimes edited away: oraios/serena 0e3f665). A pull request of one commit gets either that
// commit's own message or one section and, when someone else is credited, the block (oraios/serena
// fd3e29a). Git reads the last paragraph as the trailers (the co-author block, or the last
// section's trailers), so a middle section's `Made-with: Cursor` is body text to git. readSquash
// gives each section as a message of its own, for the attribution engine to read its trailers as
// that commit's trailers.
//
// Recognition is strict, because a human message with a bullet list must not be split: the title
// ends in ` (#N)`, the second line is blank, the third starts a section, every section's `* ` line
// stands alone between blank lines, and there are two sections or more, or one closed by the
// `---------` block (without it, one section's trailers are the message's own). A commit's body may
// hold a loose list of its own (`* item` between blank lines): it is then split there too, which
// moves no trailer out of the last paragraph of the text it belongs to.

import { isSpace } from "./trailers.js";

export interface SquashSection {
  /** The commit's subject, as GitHub wrote it after `* ` (trimmed). */
  subject: string;
  /** The section as a commit message: the subject line and the body, as they were. */
  message: string;
}

export interface GitHubSquash {
  /** The pull request's number, from the title's ` (#N)`. */
  number: number;
  /** The commits' sections, in the message's order (oldest commit first). */
  sections: SquashSection[];
  /** Whether the message ends in GitHub's `---------` line (and its co-author block). */
  closed: boolean;
  /**
   * That block as a message: the `---------` line, then the trailers GitHub wrote (the co-authors).
   * Git reads them as the message's own unless a `---` line above ends its message for git first.
   */
  block: string | null;
}

const LF = 0x0a;
const STAR = 0x2a;
const SPACE = 0x20;
const CLOSE_PARENTHESIS = 0x29;

const TITLE_NUMBER = / \(#([1-9][0-9]{0,9})\)$/;
/** GitHub's line before the co-author block: nine dashes (a blank line before it, unless edited away). */
const CLOSING = "\n---------";
/** A trailer line's start, as git's separator rule reads it (trailers.ts). */
const TRAILER_LINE = /[A-Za-z0-9-]+[ \t]*:/y;

/**
 * A cheap test that rules out nearly every message from a few characters at the end of its first
 * line: a squash's title ends in `)` and is followed by a blank line and `* `.
 */
export function mayBeSquash(message: string): boolean {
  const nl = message.indexOf("\n");
  return (
    nl > 4 &&
    message.charCodeAt(nl - 1) === CLOSE_PARENTHESIS &&
    message.charCodeAt(nl + 1) === LF &&
    message.charCodeAt(nl + 2) === STAR &&
    message.charCodeAt(nl + 3) === SPACE
  );
}

/** The sections of a GitHub squash-merge message, or null when `message` is not one. */
export function readSquash(raw: string): GitHubSquash | null {
  if (!mayBeSquash(raw)) return null;
  const message = asGitReadsIt(raw);
  if (message !== raw && !mayBeSquash(message)) return null;
  const titleEnd = message.indexOf("\n");
  const number = TITLE_NUMBER.exec(message.slice(0, titleEnd));
  if (!number) return null;

  const start = titleEnd + 2;
  const end = dropSpaces(message, start, message.length);
  const closing = closingAt(message, start, end);
  const bodyEnd = closing === -1 ? end : closing;

  // A section starts at a `* ` line with text, between blank lines (or the body's ends).
  const headers: number[] = [];
  let previousBlank = true;
  for (let pos = start; pos < bodyEnd; ) {
    let nl = message.indexOf("\n", pos);
    if (nl === -1 || nl > bodyEnd) nl = bodyEnd;
    const blank = isBlank(message, pos, nl);
    if (
      previousBlank &&
      !blank &&
      message.charCodeAt(pos) === STAR &&
      message.charCodeAt(pos + 1) === SPACE &&
      !isBlank(message, pos + 2, nl) &&
      (nl >= bodyEnd || isBlank(message, nl + 1, lineEnd(message, nl + 1, bodyEnd)))
    ) {
      headers.push(pos);
    }
    previousBlank = blank;
    pos = nl + 1;
  }
  // One section is a squash only when GitHub closed it: without the block, its trailers are the message's.
  if (headers[0] !== start || headers.length < (closing === -1 ? 2 : 1)) return null;

  const sections: SquashSection[] = [];
  for (let i = 0; i < headers.length; i++) {
    const from = skipBlanks(message, (headers[i] as number) + 2);
    const to = dropSpaces(message, from, headers[i + 1] ?? bodyEnd);
    const nl = message.indexOf("\n", from);
    const subjectEnd = nl === -1 || nl > to ? to : nl;
    sections.push({
      subject: message.slice(from, dropSpaces(message, from, subjectEnd)),
      message: message.slice(from, to),
    });
  }
  const block = closing === -1 ? null : message.slice(closing + 1);
  return { number: Number(number[1]), sections, closed: closing !== -1, block };
}

/**
 * A squash merge whose message GitHub wrote from the pull request's title and description (`Title
 * (#N)`, the description, then the `---------` co-author block), read as a squash of no sections: only
 * its block, or null. Git reads that block as the message's trailers unless a `---` line of the
 * description (a Markdown rule: Renovate's and Dependabot's descriptions hold one) ended the
 * message for it first, as in astral-sh/uv b73f6cb, whose block credits `Claude Opus 4.5
 * <noreply@anthropic.com>`. A message with sections is readSquash's.
 */
export function readClosedDescription(raw: string): GitHubSquash | null {
  // Read for every commit: nearly all are ruled out by their first line before the message is scanned.
  const firstLine = raw.indexOf("\n");
  if (firstLine < 5 || raw.charCodeAt(firstLine - 1) !== CLOSE_PARENTHESIS) return null;
  const message = asGitReadsIt(raw);
  const titleEnd = message.indexOf("\n");
  if (titleEnd < 5 || message.charCodeAt(titleEnd - 1) !== CLOSE_PARENTHESIS) return null;
  const number = TITLE_NUMBER.exec(message.slice(0, titleEnd));
  if (!number) return null;
  const end = dropSpaces(message, titleEnd, message.length);
  const closing = closingAt(message, titleEnd, end);
  if (closing === -1) return null;
  return { number: Number(number[1]), sections: [], closed: true, block: message.slice(closing + 1) };
}

/**
 * What GitHub wrote of a squash merge besides its commits' sections, as a message: the title, and
 * what git reads as the message's trailers — the closing co-author block (`---------` and the
 * trailers after it), or without it the last paragraph (where a `Co-authored-by:` typed in the
 * merge dialog lands). For when the pull request's commits are read themselves: the sections add
 * nothing then, and a commit body's loose list (`* item` between blank lines) could make a line of
 * its prose look like a middle section's trailer. A message that is not a squash is returned as it is.
 */
export function squashTitleAndClosing(raw: string): string {
  const squash = readSquash(raw);
  if (squash === null) return raw;
  const message = asGitReadsIt(raw);
  const title = message.slice(0, message.indexOf("\n"));
  if (squash.block !== null) return `${title}\n\n${squash.block}`;
  const end = dropSpaces(message, 0, message.length);
  const last = message.lastIndexOf("\n\n", end - 1);
  return `${title}\n\n${message.slice(last + 2, end)}\n`;
}

/**
 * Where GitHub's closing `---------` line starts (the newline before it), or -1: the last such line,
 * followed only by blank lines and trailer lines up to `end`.
 */
function closingAt(text: string, start: number, end: number): number {
  const at = text.lastIndexOf(CLOSING, end - CLOSING.length);
  if (at < start) return -1;
  let pos = at + CLOSING.length;
  if (pos < end && text.charCodeAt(pos) !== LF) return -1; // a longer rule, or text after the dashes
  while (pos < end) {
    pos++; // the newline
    const nl = lineEnd(text, pos, end);
    if (!isBlank(text, pos, nl)) {
      TRAILER_LINE.lastIndex = pos;
      if (!TRAILER_LINE.test(text) || TRAILER_LINE.lastIndex > nl) return -1;
    }
    pos = nl;
  }
  return at;
}

/** The message as git reads it, as a C string (as trailers.ts does): a NUL byte ends it. */
function asGitReadsIt(raw: string): string {
  const nul = raw.indexOf("\0");
  return nul === -1 ? raw : raw.slice(0, nul);
}

/** The end of the line starting at `pos` (its newline, or `limit`). */
function lineEnd(text: string, pos: number, limit: number): number {
  const nl = text.indexOf("\n", pos);
  return nl === -1 || nl > limit ? limit : nl;
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** `pos` moved past spaces and tabs (not newlines). */
function skipBlanks(text: string, pos: number): number {
  let s = pos;
  while (s < text.length && (text.charCodeAt(s) === SPACE || text.charCodeAt(s) === 0x09)) s++;
  return s;
}

/** The end of text[start, end) without its trailing whitespace. */
function dropSpaces(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && isSpace(text.charCodeAt(e - 1))) e--;
  return e;
}
