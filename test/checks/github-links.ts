// A model of what GitHub turns into notifications and links when it renders Markdown, after it has
// decoded entities (`&#64;org/team` is `@org/team` to it): mentions, issue and commit references,
// commit SHAs, bare URLs and e-mail addresses. Code spans and links are left out, as GitHub leaves
// them. Each pattern is generous (it finds more than GitHub links), so "none found" is a safe answer.

const PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["mention", /(?<![A-Za-z0-9_`])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)?/g],
  ["issue", /(?<![A-Za-z0-9_])#\d+/g],
  ["cross-repository issue", /[\w.-]+\/[\w.-]+#\d+/g],
  ["GH- issue", /\bGH-\d+/gi],
  ["commit SHA", /(?<![A-Za-z0-9_])[0-9a-f]{7,64}(?![A-Za-z0-9_])/gi],
  ["commit reference", /[\w.-]+(?:\/[\w.-]+)?@[0-9a-f]{7,64}/gi],
  ["URL", /\b[a-z][a-z0-9+.-]*:\/\/[^\s<]+/gi],
  ["www link", /\bwww\.[^\s<]+/gi],
  ["e-mail address", /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g],
];

/** What GitHub would link or notify in `markdown`, as `kind: text`. */
export function githubLinks(markdown: string): string[] {
  const text = markdown
    .replace(/^```[^\n]*\n[\s\S]*?^```$/gm, " ")
    .replace(/`[^`\n]*`/g, " ")
    .replace(/\[[^\]\n]*\]\([^)\s]*\)/g, " ")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16)))
    .replace(/&amp;/g, "&");
  const found: string[] = [];
  for (const [kind, pattern] of PATTERNS) {
    for (const match of text.matchAll(pattern)) found.push(`${kind}: ${match[0]}`);
  }
  return found;
}

/** What a reader sees of escaped text: entities decoded, zero-width spaces gone. */
export function visibleText(markdown: string): string {
  return markdown.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/\u200b/g, "");
}
