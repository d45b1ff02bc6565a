// A commit's trailers as `git log --format=%(trailers:only,unfold)` reports them, without asking
// git: that placeholder costs git a third more time than the log itself.
//
// src/attribution/trailers.ts finds trailers as `git interpret-trailers --parse` does. git log's
// placeholder reads the message the same way but for two things (git's pretty.c): it starts after
// the message's leading blank lines, which are therefore never an empty title, and it knows no
// `---` patch divider (a commit message has no patch below it). Messages with either are rare; for
// all others the parse the attribution engine made is the answer.

import { isSpace, parseTrailers, type Trailer } from "../attribution/trailers.js";

const LF = 0x0a;

/** Where git log's view of the message starts: after its leading blank lines (git's skip_blank_lines). */
function afterBlankLines(message: string): number {
  let start = 0;
  for (;;) {
    let i = start;
    while (i < message.length && message.charCodeAt(i) !== LF && isSpace(message.charCodeAt(i))) i++;
    if (i >= message.length) return message.length;
    if (message.charCodeAt(i) !== LF) return start;
    start = i + 1;
  }
}

/** True at a line that interpret-trailers takes for a patch divider: `---` then whitespace. */
function isDivider(text: string, lineStart: number): boolean {
  return text.startsWith("---", lineStart) && isSpace(text.charCodeAt(lineStart + 3));
}

function hasDivider(text: string): boolean {
  for (let at = text.indexOf("---"); at !== -1; at = text.indexOf("---", at + 1)) {
    if ((at === 0 || text.charCodeAt(at - 1) === LF) && isDivider(text, at)) return true;
  }
  return false;
}

/**
 * The text with each divider line rewritten so that the parser reads it as git log does, as an
 * ordinary line: `--- : value` (a trailer with key `---` to git) loses the blanks before its colon,
 * and any other divider line starts with `x` instead, which keeps it a line that is not a trailer,
 * not blank, not a comment and not a continuation, exactly what it is to git log.
 */
function withoutDividers(text: string): string {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    // A final line without its newline is still a line, as `---` then end of text is not a divider.
    if (!isDivider(i < lines.length - 1 ? `${line}\n` : line, 0)) continue;
    const trailer = /^---[ \t]+:/.exec(line);
    lines[i] = trailer ? `---${line.slice(trailer[0].length - 1)}` : `x${line.slice(1)}`;
  }
  return lines.join("\n");
}

/**
 * The trailers git log reports for `message`. `parsed` is `parseTrailers(message)` (or the
 * `trailers` of splitMessage), when the caller has it.
 */
export function gitLogTrailers(message: string, parsed?: readonly Trailer[]): readonly Trailer[] {
  const start = afterBlankLines(message);
  const text = start === 0 ? message : message.slice(start);
  if (!hasDivider(text)) return start === 0 && parsed ? parsed : parseTrailers(text);
  return parseTrailers(withoutDividers(text));
}
