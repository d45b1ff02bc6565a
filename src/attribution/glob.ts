// A glob matcher for patterns that come from repository configuration.
//
// Anyone with write access to a repository writes `.github/shipledger.yml`, so its patterns are
// untrusted: they are never compiled into a RegExp (no ReDoS, no regex syntax surprises). The
// matcher is the classic two-pointer wildcard algorithm, which on a star failure backtracks only
// to the most recent `*`; its worst case is O(|text| × |pattern|) and it allocates nothing per
// step. Callers bound both sides (config limits the pattern length, attribution caps the text).
//
// Syntax: `*` matches any run of characters (including `/` and the empty run), `?` exactly one
// character (a code point), `\` makes the next character literal. Everything else is literal.

export interface GlobOptions {
  /** Compare case-insensitively (both sides lower-cased). */
  caseInsensitive?: boolean;
}

/** Token kinds of a compiled pattern: a literal code point, `?` (ANY) or `*` (STAR). */
const ANY = -1;
const STAR = -2;

/** Where a caller that bounds the work adds up what its tests did (steps of the matcher). */
export interface GlobMeter {
  steps: number;
  /** Steps after which a test stops, answers false and sets `cut` (none: no limit). */
  limit?: number;
  cut?: boolean;
}

export interface Glob {
  readonly source: string;
  readonly caseInsensitive: boolean;
  /** True when the pattern has no wildcard: matching is plain string equality. */
  readonly literal: boolean;
  /**
   * The most steps a test can take per character of the text: 1 for a literal pattern (string
   * equality), else the pattern's length in tokens (the matcher's worst case is text × pattern).
   */
  readonly costPerChar: number;
  /** Whether the pattern matches all of `text`; what it took is added to `meter` when given. */
  test(text: string, meter?: GlobMeter): boolean;
}

/** Compiles a pattern once, for matching many texts. */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  const caseInsensitive = options.caseInsensitive ?? false;
  const tokens = tokenize(caseInsensitive ? pattern.toLowerCase() : pattern);
  const literal = tokens.every((t) => t >= 0);
  const literalText = literal ? tokens.map((cp) => String.fromCodePoint(cp)).join("") : "";
  return {
    source: pattern,
    caseInsensitive,
    literal,
    costPerChar: literal ? 1 : tokens.length,
    test(text: string, meter?: GlobMeter): boolean {
      const subject = caseInsensitive ? text.toLowerCase() : text;
      if (meter) {
        meter.steps += subject.length;
        if (meter.steps > (meter.limit ?? Number.POSITIVE_INFINITY)) {
          meter.cut = true;
          return false;
        }
      }
      if (literal) return subject === literalText;
      return matchTokens(tokens, codePoints(subject), meter);
    },
  };
}

/** One-off match; prefer compileGlob when the same pattern is tested repeatedly. */
export function globMatch(pattern: string, text: string, options: GlobOptions = {}): boolean {
  return compileGlob(pattern, options).test(text);
}

/** True when the pattern contains an unescaped `*` or `?`. */
export function hasWildcard(pattern: string): boolean {
  return tokenize(pattern).some((t) => t < 0);
}

function tokenize(pattern: string): number[] {
  const tokens: number[] = [];
  let escaped = false;
  for (const ch of pattern) {
    const cp = ch.codePointAt(0) as number;
    if (escaped) {
      tokens.push(cp);
      escaped = false;
    } else if (ch === "\\") {
      escaped = true;
    } else if (ch === "*") {
      // Consecutive stars are one star; collapsing them keeps the backtracking bound tight.
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (ch === "?") {
      tokens.push(ANY);
    } else {
      tokens.push(cp);
    }
  }
  if (escaped) tokens.push("\\".codePointAt(0) as number); // a trailing `\` is literal
  return tokens;
}

function codePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(ch.codePointAt(0) as number);
  return out;
}

function matchTokens(pattern: readonly number[], text: readonly number[], meter?: GlobMeter): boolean {
  let p = 0;
  let t = 0;
  let starP = -1; // position of the last `*` seen in the pattern
  let starT = 0; // text position that `*` is currently assumed to extend to
  let steps = 0;
  const room = meter ? (meter.limit ?? Number.POSITIVE_INFINITY) - meter.steps : Number.POSITIVE_INFINITY;
  while (t < text.length) {
    if (++steps > room) {
      (meter as GlobMeter).steps += steps;
      (meter as GlobMeter).cut = true;
      return false;
    }
    const token = pattern[p];
    if (token !== undefined && token !== STAR && (token === ANY || token === text[t])) {
      p++;
      t++;
    } else if (token === STAR) {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      // Mismatch: let the last star swallow one more character and retry after it.
      p = starP + 1;
      t = ++starT;
    } else {
      if (meter) meter.steps += steps;
      return false;
    }
  }
  if (meter) meter.steps += steps;
  while (pattern[p] === STAR) p++;
  return p === pattern.length;
}
