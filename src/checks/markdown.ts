// Commit subjects, names and trailer values are written by whoever pushed the commits: they are
// shown as text, never as markdown or HTML (no links, images, mentions or broken tables).

const SPECIAL = /[\\`*_{}[\]()#+!|<>~@&]/g;

/** Escapes text for a markdown paragraph or table cell, on one line. */
export function escapeMarkdown(text: string, max = 200): string {
  const oneLine = text.replace(/[\r\n\t]+/g, " ").trim();
  const clipped = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return clipped.replace(SPECIAL, (c) => `&#${c.charCodeAt(0)};`);
}

/** Shows text as inline code; backticks inside are replaced so the code span cannot end early. */
export function code(text: string, max = 120): string {
  const oneLine = text.replace(/[\r\n\t]+/g, " ").trim();
  const clipped = oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
  return `\`${clipped.replace(/`/g, "ˋ").replace(/\|/g, "¦")}\``;
}

/** A link to an http(s) address with no spaces or brackets; its label is escaped. */
export function link(label: string, url: string): string {
  if (!/^https?:\/\/[^\s()<>]+$/.test(url)) return escapeMarkdown(label);
  // A "#" cannot start a heading inside a link label.
  return `[${escapeMarkdown(label).replace(/&#35;/g, "#")}](${url})`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
