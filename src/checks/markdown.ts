// Commit subjects, names and trailer values are written by whoever pushed the commits: they are
// shown as text, never as markdown or HTML (no links, images, mentions or broken tables).

const SPECIAL = /[\\`*_{}[\]()#+!|<>~@&]/g;

/**
 * Escapes text for a markdown paragraph or table cell, on one line: markdown and HTML become
 * entities, and what GitHub would turn into a mention, a reference or a link is broken up (see
 * neutraliseReferences).
 */
export function escapeMarkdown(text: string, max = 200): string {
  return entities(neutraliseReferences(oneLine(text, max)));
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/[\r\n\t]+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Markdown and HTML characters as entities; zero-width spaces written out, so they show in review. */
function entities(text: string): string {
  return text.replace(SPECIAL, (c) => `&#${c.charCodeAt(0)};`).replace(/\u200b/g, "&#8203;");
}

/** Zero-width space: invisible, and not a character any of GitHub's patterns continue with. */
const BREAK = "\u200b";

/**
 * GitHub decodes entities before it looks for what to link, so `&#64;org/team` still notifies a
 * team. A zero-width space (written `&#8203;`, as Renovate writes it in release notes) inside
 * each pattern breaks it without changing what a reader sees:
 * - `@user`, `@org/team`, e-mail addresses, `user@sha`, `owner/repo@sha`: after the `@`;
 * - `#123`, `owner/repo#1`: after the `#`; `GH-123`: after the `-`;
 * - commit SHAs (a word of 7 or more hexadecimal digits): after every 6th digit, so that no
 *   run of 7 is left;
 * - bare URLs (`https://…`, `ftp://…`): after the `:`; `www.…`: before the dot.
 * Code spans and link labels need none of this: GitHub links nothing inside them.
 */
export function neutraliseReferences(text: string): string {
  return text
    .replace(/[@#]/g, `$&${BREAK}`)
    .replace(/\b(gh)-(?=[0-9])/gi, `$1-${BREAK}`)
    .replace(/\b[0-9a-f]{7,}\b/gi, (hex) => hex.replace(/[0-9a-f]{6}(?=[0-9a-f])/gi, `$&${BREAK}`))
    .replace(/\b([a-z][a-z0-9+.-]*):(?=\/\/)/gi, `$1:${BREAK}`)
    .replace(/\b(www)\./gi, `$1${BREAK}.`);
}

/** Shows text as inline code; backticks inside are replaced so the code span cannot end early. */
export function code(text: string, max = 120): string {
  const oneLine = text.replace(/[\r\n\t]+/g, " ").trim();
  const clipped = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return `\`${clipped.replace(/`/g, "ˋ").replace(/\|/g, "¦")}\``;
}

/**
 * A link to an http(s) address with no spaces or brackets; its label is escaped. GitHub links
 * nothing inside a link (a label's `#12` or SHA stays as it is); a mention is broken all the same.
 */
export function link(label: string, url: string): string {
  if (!/^https?:\/\/[^\s()<>]+$/.test(url)) return escapeMarkdown(label);
  // A "#" cannot start a heading inside a link label.
  return `[${entities(oneLine(label, 200).replace(/@/g, `@${BREAK}`)).replace(/&#35;/g, "#")}](${url})`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A text's size as GitHub counts its check-run limits: UTF-8 bytes (a kana is 3, an emoji 4). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** `text` cut to at most `max` UTF-8 bytes, between characters (never inside a surrogate pair). */
export function clipToBytes(text: string, max: number): string {
  if (text.length <= max / 3 || utf8Bytes(text) <= max) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Bytes(char);
    if (bytes + size > max) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
