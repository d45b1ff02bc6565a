// How much text the attribution engine reads, and how much phrase matching one pull request may
// cost. Pure: the engine (attribute.ts) applies these; the check (checks/attribution-check.ts)
// says what they left out.
//
// Why: a repository's `.github/shipledger.yml` may list up to 500 phrases and link prefixes, and
// each is searched in every subject, body, trailer value and PR text. Unbounded, 480 phrases over
// 6 MB of commit messages took 88 s of one synchronous CPU, during which no webhook was handled.
// The caps below are far above what a real message reaches, so they only ever cut abuse.

export const READ_LIMITS = {
  /**
   * Characters read of a commit's subject, and of its body (each). git.git's longest messages are
   * a few KB and a squash of a 200-commit pull request is tens of KB; 64 KiB is never reached by
   * a real message. A longer text is read at its head (three quarters) and its tail (the rest),
   * where footers such as "Generated with Claude Code" sit. The trailer block is not part of the
   * body: it is found in the whole message as git finds it (a linear scan, no phrases), so a cap
   * never loses a trailer.
   */
  messageText: 65_536,
  /**
   * Characters read of one trailer's value (at most 200 trailers are read per commit). Real values
   * (a name and e-mail, a session link, `Fixes: <sha> ("subject")`) are under 300 characters.
   */
  trailerValue: 4_096,
  /**
   * Characters read of a pull request's title, and of its description (each): twice GitHub's cap
   * of 65,536 characters on a description, so that one written in characters outside the Basic
   * Multilingual Plane (two UTF-16 units each) is never cut either.
   */
  pullText: 131_072,
  /**
   * Phrase-matching work per pull request (or per commit attributed on its own): characters
   * searched × the repository's configured phrases and link prefixes searched in them. The
   * built-in markers are a fixed few scans per character and are always run; only the configured
   * patterns, whose number the repository chooses, draw on this. With the largest configuration
   * allowed (500 patterns) it is about 64 KiB of text; with 10 phrases, 3 MB: a 250-commit pull
   * request of ordinary messages uses a few percent of it. Spent, the texts that follow are read
   * by everything but the configured phrases and link prefixes, and the check says so.
   */
  matchWork: 32_000_000,
} as const;

/** The line put between the head and the tail of a text that was cut. */
export const CUT_MARK = "\n…\n";

/** `text` if it fits in `limit` characters, else its first ¾ and its last ¼ around CUT_MARK. */
export function boundText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const head = Math.ceil((limit * 3) / 4);
  return `${text.slice(0, head)}${CUT_MARK}${text.slice(text.length - (limit - head))}`;
}

/**
 * The matching budget of one pull request (or one commit): what the configured phrases and link
 * prefixes may still search, and what was left out. The engine asks before each text.
 */
export class MatchBudget {
  /** Characters searched by a configured phrase or link prefix, once per pattern: the work done. */
  work = 0;
  private remaining: number;

  constructor(limit: number = READ_LIMITS.matchWork) {
    this.remaining = limit;
  }

  /**
   * How many leading characters of a text of `length` the configured patterns may search when
   * `patterns` of them apply to it: all of it, a head, or none. What it grants is spent.
   */
  grant(length: number, patterns: number): number {
    if (patterns === 0 || length === 0) return length;
    const affordable = Math.min(length, Math.floor(this.remaining / patterns));
    this.remaining -= affordable * patterns;
    return affordable;
  }

  /**
   * Whether `work` more is affordable, spent if it is: the configured glob patterns (agents'
   * e-mails, names, logins and trailer values, ignoreAuthors) are tried on a value all or not at all.
   */
  afford(work: number): boolean {
    if (work > this.remaining) return false;
    this.remaining -= work;
    this.work += work;
    return true;
  }
}
