/**
 * Commit-message trailers, found exactly as `git interpret-trailers --parse` (git 2.39, default
 * configuration) finds them. A port of git's trailer.c and commit.c:ignore_non_trailer, checked
 * against the real git by test/attribution/trailers.git-parity.test.ts.
 *
 * Everything is a forward or backward scan over character codes: linear time, no regular
 * expressions. Git decides on ASCII bytes only, so scanning UTF-16 code units gives the same
 * answers (non-ASCII characters are never letters, digits or spaces to git).
 */

export interface Trailer {
  /**
   * Key exactly as written (case preserved), e.g. "Co-authored-by": one or more ASCII letters,
   * digits and `-`, as git's separator rule admits (scan-json.ts writes it without escaping).
   */
  key: string;
  /** Value unfolded the way `git interpret-trailers --parse` prints it (continuation lines joined by one space, trimmed). */
  value: string;
}

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const HASH = 0x23; // core.commentChar's default

// Git counts a paragraph holding one of these as a trailer block when ≥25% of its lines are trailers.
// git's trailer.c `git_generated_prefixes`, tested one by one below (no closure per line).
const SIGNED_OFF = "Signed-off-by: ";
const CHERRY_PICKED = "(cherry picked from commit ";
const SCISSORS = "\n# ------------------------ >8 ------------------------\n";
const SCISSORS_FIRST = SCISSORS.slice(1);
const CONFLICTS = "Conflicts:\n";

/** git's isspace(): its own ctype table, where \v and \f are not spaces. */
export function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR;
}

function nextLine(text: string, pos: number): number {
  const nl = text.indexOf("\n", pos);
  return nl === -1 ? text.length : nl + 1;
}

/** Start of the last line of text[0, len), or -1 when len is 0 (git's last_line). */
function lastLine(text: string, len: number): number {
  if (len <= 0) return -1;
  // A newline at len-1 belongs to the last line.
  const nl = text.lastIndexOf("\n", len - 2);
  return len === 1 ? 0 : nl + 1;
}

function isBlankLine(text: string, pos: number): boolean {
  let i = pos;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === LF) return true;
    if (!isSpace(c)) return false;
    i++;
  }
  return true;
}

/**
 * `<key><optional blanks>:` at a line's start, as git's find_separator reads it: a key of letters,
 * digits and `-`, then blanks (never first), then the colon. A RegExp rather than a loop over the
 * characters: a long line of key characters (a 1 MB paragraph of `xxx…`) is scanned natively.
 */
const SEPARATOR = /(?:[A-Za-z0-9-]+[ \t]*)?:/y;

/**
 * Offset of the separator in `<key><optional blanks>:`, or -1 (git's find_separator). Returns 0
 * for a line starting with ':', which callers treat as "not a trailer".
 */
function findSeparator(text: string, pos: number, end: number): number {
  SEPARATOR.lastIndex = pos;
  if (!SEPARATOR.test(text)) return -1;
  const colon = SEPARATOR.lastIndex - 1;
  return colon < end ? colon - pos : -1;
}

/**
 * End of the log message: before a `---` patch divider, the scissors line and any trailing run of
 * comment lines, empty lines or an old-style "Conflicts:" block (git's trailer_info_get up to
 * find_trailer_end).
 */
function endOfMessage(text: string): number {
  let len = text.length;
  // "---" at the start of a line, followed by whitespace: "--- a/file" and "---" end the message,
  // "----" does not. Jumping from one "---" to the next is much cheaper than walking every line.
  for (let s = text.indexOf("---"); s !== -1; s = text.indexOf("---", s + 1)) {
    if ((s === 0 || text.charCodeAt(s - 1) === LF) && isSpace(text.charCodeAt(s + 3))) {
      len = s;
      break;
    }
  }

  let cutoff = len;
  if (text.startsWith(SCISSORS_FIRST)) cutoff = 0;
  else {
    // Most messages hold no ">8": a two-character search rules the 54-character one out.
    const p = text.includes(">8") ? text.indexOf(SCISSORS) : -1;
    // Git 2.39 loops forever on a scissors line below the divider; it is past the end, so ignore it.
    if (p !== -1 && p + 1 <= len) cutoff = p + 1;
  }

  // What follows only matters when the message ends in a run of comment or blank lines (or a
  // Conflicts: block): a last line that can be none of those ends any run, so the answer is the
  // cutoff without walking every line of the message (nearly every message ends in text).
  if (cutoff === 0) return 0;
  const last = lastLine(text, cutoff);
  const first = text.charCodeAt(last);
  if (first !== HASH && first !== LF && first !== TAB && !text.startsWith(CONFLICTS, last)) return cutoff;

  // boc = 0 means "no run yet", so a run starting on line one is not seen, and a "Conflicts:"
  // title leaves the Conflicts state open: git's quirks, kept.
  let boc = 0;
  let inConflicts = false;
  for (let bol = 0; bol < cutoff; ) {
    const nl = text.indexOf("\n", bol);
    const next = nl === -1 || nl >= len ? len : nl + 1;
    const c = text.charCodeAt(bol);
    if (c === HASH || c === LF) {
      if (!boc) boc = bol;
    } else if (text.startsWith(CONFLICTS, bol)) {
      inConflicts = true;
      if (!boc) boc = bol;
    } else if (inConflicts && c === TAB) {
      // a path listed under "Conflicts:"
    } else if (boc) {
      boc = 0;
      inConflicts = false;
    }
    bol = next;
  }
  return boc ? boc : cutoff;
}

/** End of the title: the first paragraph, which is never a trailer block. */
function endOfTitle(text: string, len: number): number {
  let s = 0;
  while (s < len && !isBlankLine(text, s)) s = nextLine(text, s);
  return Math.min(s, len);
}

/**
 * Start of the trailer block, or len if there is none: the last paragraph counts when all its
 * lines are trailers, or when it holds a git-generated trailer and ≥25% of its lines are
 * trailers (git's find_trailer_start).
 */
function findBlockStart(text: string, len: number, titleEnd: number): number {
  let onlySpaces = true;
  let recognizedPrefix = false;
  let trailerLines = 0;
  let nonTrailerLines = 0;
  // Indented lines seen below: continuations if a trailer comes next, non-trailers otherwise.
  let possibleContinuations = 0;

  for (let l = lastLine(text, len); l >= titleEnd; l = lastLine(text, l)) {
    const c = text.charCodeAt(l);
    if (c === HASH) {
      nonTrailerLines += possibleContinuations;
      possibleContinuations = 0;
      continue;
    }
    if (isBlankLine(text, l)) {
      if (onlySpaces) continue;
      nonTrailerLines += possibleContinuations;
      if (recognizedPrefix && trailerLines * 3 >= nonTrailerLines) return nextLine(text, l);
      if (trailerLines && !nonTrailerLines) return nextLine(text, l);
      return len;
    }
    onlySpaces = false;

    if (text.startsWith(SIGNED_OFF, l) || text.startsWith(CHERRY_PICKED, l)) {
      trailerLines++;
      possibleContinuations = 0;
      recognizedPrefix = true;
      continue;
    }
    if (findSeparator(text, l, len) >= 1) {
      trailerLines++;
      possibleContinuations = 0;
    } else if (isSpace(c)) {
      possibleContinuations++;
    } else {
      nonTrailerLines += 1 + possibleContinuations;
      possibleContinuations = 0;
    }
  }
  return len;
}

/** The first position in text[start, end) that is not git whitespace, or end. */
function skipSpaces(text: string, start: number, end: number): number {
  let s = start;
  while (s < end && isSpace(text.charCodeAt(s))) s++;
  return s;
}

/** The end of text[start, end) without its trailing git whitespace. */
function dropSpaces(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && isSpace(text.charCodeAt(e - 1))) e--;
  return e;
}

/** text[start, end) without leading and trailing git whitespace. */
function trimmed(text: string, start: number, end: number): string {
  const s = skipSpaces(text, start, end);
  return text.slice(s, dropSpaces(text, s, end));
}

/** The value from after the separator to end, trimmed and unfolded (git's unfold_value). */
function unfoldValue(text: string, start: number, end: number): string {
  const s = skipSpaces(text, start, end);
  const e = dropSpaces(text, s, end);
  let out = "";
  let chunk = s;
  // Each newline inside the value, and the blanks after it, become one space. The value's own
  // line ends just after e, so no search runs past it.
  for (let nl = text.indexOf("\n", s); nl !== -1 && nl < e; nl = text.indexOf("\n", chunk)) {
    out += `${text.slice(chunk, nl)} `;
    chunk = skipSpaces(text, nl + 1, e);
  }
  // The value was trimmed first, so a folded value cannot start or end with the joining space.
  return out + text.slice(chunk, e);
}

/** Trailers in the block text[start, end): one per trailer line plus its indented continuations. */
function parseBlock(text: string, start: number, end: number): Trailer[] {
  const trailers: Trailer[] = [];
  let pos = start;
  while (pos < end) {
    let lineEnd = nextLine(text, pos);
    if (lineEnd > end) lineEnd = end;
    // Comment lines and indented orphans have no separator, so they are dropped here.
    const sep = findSeparator(text, pos, lineEnd);
    let itemEnd = lineEnd;
    if (sep >= 1) {
      // Any following line that starts with whitespace (blank ones included) continues the value.
      while (itemEnd < end && isSpace(text.charCodeAt(itemEnd))) {
        itemEnd = Math.min(nextLine(text, itemEnd), end);
      }
      trailers.push({ key: trimmed(text, pos, pos + sep), value: unfoldValue(text, pos + sep + 1, itemEnd) });
    }
    pos = itemEnd;
  }
  return trailers;
}

interface Layout {
  text: string;
  titleEnd: number;
  blockStart: number;
  end: number;
}

function layout(message: string): Layout {
  // Git reads the message as a C string: a NUL byte ends it.
  const nul = message.indexOf("\0");
  const text = nul === -1 ? message : message.slice(0, nul);
  const end = endOfMessage(text);
  const titleEnd = endOfTitle(text, end);
  const blockStart = findBlockStart(text, end, titleEnd);
  return { text, titleEnd, blockStart, end };
}

/** Trailers of a commit message under git's default configuration, in order. */
export function parseTrailers(message: string): Trailer[] {
  const { text, blockStart, end } = layout(message);
  return parseBlock(text, blockStart, end);
}

/**
 * The message split git's way: the part before the trailer block, and the block. Useful for
 * subject/body matching.
 *
 * `subject` is the first paragraph, its lines trimmed and joined by one space (git's `%s`); it is
 * empty when the message starts with a blank line, because git then sees no title. `body` is the
 * text between the subject and the trailer block, trimmed. What git ignores after the message (a
 * `---` divider or scissors line and all below it, trailing comment lines) is appended to the body
 * after a blank line: in a stored commit message those are Markdown rules and headings from a PR
 * description, not a patch or editor comments, and their text is still evidence.
 */
export function splitMessage(message: string): {
  subject: string;
  body: string;
  trailers: Trailer[];
} {
  const { text, titleEnd, blockStart, end } = layout(message);
  let subject: string;
  if (nextLine(text, 0) >= titleEnd) {
    // A title of one line, as nearly all are.
    subject = trimmed(text, 0, titleEnd);
  } else {
    const subjectLines: string[] = [];
    for (let pos = 0; pos < titleEnd; ) {
      const lineEnd = Math.min(nextLine(text, pos), titleEnd);
      const line = trimmed(text, pos, lineEnd);
      if (line !== "") subjectLines.push(line);
      pos = lineEnd;
    }
    subject = subjectLines.join(" ");
  }
  const main = trimmed(text, titleEnd, blockStart);
  const after = trimmed(text, end, text.length);
  const body = after === "" ? main : main === "" ? after : `${main}\n\n${after}`;
  return { subject, body, trailers: parseBlock(text, blockStart, end) };
}
