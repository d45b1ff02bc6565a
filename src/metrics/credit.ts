// Which engineer a change is credited to (shared PRODUCT.md, "Engineer credited"): the PR author
// when human; for a PR opened by an agent bot, the human who asked for it, or else the merger; for
// a commit pushed straight to a branch, its author when human.
// Bots never count as engineers: when no candidate is human the change is credited to nobody.
//
// Logins are returned lower-cased: GitHub logins are case-insensitive, so "Mona" and "mona" are
// one engineer when counting.

import { agentForBotLogin, isBot } from "../attribution/agents.js";
import { parseTrailers } from "../attribution/trailers.js";

/** A commit of the pull request; PullCommit (src/github/pull-commits.ts) fits. */
export interface CreditCommit {
  /** Full message: its `Co-authored-by:` trailers can name the human an agent worked for. */
  message: string;
}

/** The parts of a merged pull request that decide the credit. */
export interface CreditPull {
  /** The PR's author; null for a deleted account. */
  author: { login: string; type?: string } | null;
  /** Assignee logins, in GitHub's order. */
  assignees: readonly string[];
  body: string | null;
  commits: readonly CreditCommit[];
  /** Login of who merged it, if known. */
  mergedBy: string | null;
}

/** True for any bot account (GitHub's `type: "Bot"`, `name[bot]`, known automation accounts). */
export type IsBot = (login: string, type?: string) => boolean;
/** True for the bot account of a coding agent (its PRs are credited to whoever asked for them). */
export type IsAgentLogin = (login: string) => boolean;

const catalogueAgent: IsAgentLogin = (login) => agentForBotLogin(login) !== null;

/**
 * The engineer credited with a pull request, lower-cased, or null when it is a bot's own.
 *
 * - A human author is credited.
 * - An agent bot's PR (Copilot, Devin, Claude…) is credited to the first human among: its
 *   assignees (in order); a `Requested by` line in its body (`Requested by: @mona`,
 *   `**Requested by:** Mona Lisa (@mona)`, or a `…@users.noreply.github.com` address); a
 *   `Co-authored-by:` of its commits with a GitHub no-reply address (`<id+login@users.noreply.github.com>`);
 *   and finally the merger.
 * - Any other bot's PR (dependabot, renovate…) and a deleted author are credited to nobody.
 *
 * `isBot` and `isAgentLogin` default to the agent catalogue (src/attribution/agents.ts); pass
 * predicates that also know the repository's configured agents to extend them.
 */
export function creditEngineer(
  pull: CreditPull,
  isBotLogin: IsBot = isBot,
  isAgentLogin: IsAgentLogin = catalogueAgent,
): string | null {
  const author = pull.author;
  if (author === null || isGhost(author.login)) return null;
  if (!isBotLogin(author.login, author.type)) return normaliseLogin(author.login);
  if (!isAgentLogin(author.login)) return null;

  const human = (login: string | null | undefined): string | null =>
    login && !isGhost(login) && !isBotLogin(login) && !isAgentLogin(login) ? normaliseLogin(login) : null;
  const candidates = function* (): Generator<string | null> {
    for (const login of pull.assignees) yield human(login);
    for (const login of requestedBy(pull.body)) yield human(login);
    for (const commit of pull.commits) for (const login of coAuthorLogins(commit.message)) yield human(login);
    yield human(pull.mergedBy);
  };
  for (const login of candidates()) if (login !== null) return login;
  return null;
}

/**
 * The engineer credited with a commit pushed straight to a branch (no pull request), lower-cased:
 * its author's GitHub login when human; nobody for a bot (an agent's included: a push says nothing
 * of who asked for it) or an author GitHub does not know.
 */
export function creditPushedCommit(authorLogin: string | null, isBotLogin: IsBot = isBot): string | null {
  return authorLogin && !isGhost(authorLogin) && !isBotLogin(authorLogin) ? normaliseLogin(authorLogin) : null;
}

/**
 * GitHub's stand-in for a deleted account: REST and webhooks give `ghost` (a User) where GraphQL
 * gives null. No one to credit, however many changes it seems to have.
 */
function isGhost(login: string): boolean {
  return login.toLowerCase() === "ghost";
}

export function normaliseLogin(login: string): string {
  return login.trim().toLowerCase();
}

// A GitHub login: letters, digits and hyphens, at most 39 characters; an app's bot adds `[bot]`.
const LOGIN = "[A-Za-z0-9][A-Za-z0-9-]{0,38}(?![A-Za-z0-9-])(?:\\[bot\\])?";
/** `@login`, not inside an e-mail address and not a team (`@org/team`). */
const MENTION = new RegExp(`(?<![\\w.%+-])@(${LOGIN})(?!/)`, "g");
/** GitHub's no-reply address: `login@…` or `id+login@users.noreply.github.com`. */
const NOREPLY = new RegExp(`(?:^|[^\\w.%+-])(?:\\d+\\+)?(${LOGIN})@users\\.noreply\\.github\\.com\\b`, "gi");
/** Markdown decoration before a line's words: quotes, list bullets, emphasis, headings. */
const LEADING_DECORATION = /^[\s>*_#-]+/;
const REQUESTED_BY = "requested by";
/** Lines longer than this are not an agent's `Requested by` line (and cost nothing to skip). */
const MAX_LINE = 500;

/** Logins named on `Requested by` lines of a PR body, in order. */
export function requestedBy(body: string | null): string[] {
  if (!body) return [];
  const logins: string[] = [];
  for (const rawLine of body.split("\n")) {
    if (rawLine.length > MAX_LINE) continue;
    const line = rawLine.replace(LEADING_DECORATION, "");
    if (!line.toLowerCase().startsWith(REQUESTED_BY)) continue;
    const rest = line.slice(REQUESTED_BY.length);
    for (const match of rest.matchAll(MENTION)) logins.push(trimHyphens(match[1] ?? ""));
    for (const match of rest.matchAll(NOREPLY)) logins.push(trimHyphens(match[1] ?? ""));
  }
  return logins.filter((login) => login !== "");
}

/** Logins of the `Co-authored-by:` trailers of a commit message that use a GitHub no-reply address. */
export function coAuthorLogins(message: string): string[] {
  const logins: string[] = [];
  for (const trailer of parseTrailers(message)) {
    if (trailer.key.toLowerCase() !== "co-authored-by") continue;
    const open = trailer.value.lastIndexOf("<");
    const close = trailer.value.lastIndexOf(">");
    if (open < 0 || close < open) continue;
    const email = trailer.value.slice(open + 1, close).trim();
    for (const match of ` ${email}`.matchAll(NOREPLY)) logins.push(trimHyphens(match[1] ?? ""));
  }
  return logins.filter((login) => login !== "");
}

function trimHyphens(login: string): string {
  return login.replace(/-+$/, "");
}
