// Agent session ids and links, from trailers, commit messages, PR bodies and branch names.
//
// The shapes are data in agents.ts (`Agent.session`); this file only applies them. Each finder is
// linear in its input: the link patterns start with a literal and have bounded quantifiers only.

import { AGENTS, type Agent, GENERIC_AGENT, saysNo } from "./agents.js";
import type { AgentSession } from "./types.js";

export interface FoundSession {
  /** Marker id that found it, e.g. "claude-code/session-link". */
  marker: string;
  session: AgentSession;
  /** The text that named the session (a link, a trailer, a branch), trimmed to 200 characters. */
  text: string;
}

/** At most this many links are taken from one text; more is noise, not more evidence. */
export const MAX_LINKS_PER_TEXT = 50;
const MAX_ID_LENGTH = 128;

interface LinkFinder {
  agent: Agent;
  marker: string;
  pattern: RegExp;
  /** Lower-case text that every match contains (the link's host), or null when none is known. */
  needle: string | null;
  /** `needle` found in any ASCII case, without lower-casing the text. */
  hasNeedle: RegExp | null;
}

function markerOf(agent: Agent, kind: string): string | undefined {
  return agent.markers.find((m) => m.match.kind === kind)?.id;
}

/**
 * The host a link pattern requires, lower-cased with its slash ("claude.ai/"), so that a text
 * without it is skipped without running the RegExp: most texts hold no link at all. Only a host
 * written as a plain literal outside any group, in a pattern without a top-level `|`, is required;
 * for any other pattern (or a Unicode case-insensitive one, where `K` matches `k`) this is null and
 * the pattern always runs.
 */
function requiredHost(pattern: RegExp): string | null {
  const source = pattern.source;
  if (/[uv]/.test(pattern.flags) && pattern.flags.includes("i")) return null;
  const host = /((?:[A-Za-z0-9-]+\\\.)+[A-Za-z]+)\\\/(?![?*+{])/.exec(source);
  if (!host?.[1]) return null;
  let depth = 0;
  let depthAtHost = -1;
  for (let i = 0; i < source.length; i++) {
    if (i === host.index) depthAtHost = depth;
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") {
      while (++i < source.length && source[i] !== "]") if (source[i] === "\\") i++;
    } else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return null;
  }
  return depthAtHost === 0 ? `${host[1].replaceAll("\\.", ".").toLowerCase()}/` : null;
}

const linkFinders: LinkFinder[] = AGENTS.flatMap((agent) => {
  const link = agent.session?.link;
  const marker = markerOf(agent, "session-link");
  if (!link || !marker) return [];
  const flags = link.flags.includes("g") ? link.flags : `${link.flags}g`;
  const needle = requiredHost(link);
  const hasNeedle = needle === null ? null : new RegExp(escapeLiteral(needle), "i");
  return [{ agent, marker, pattern: new RegExp(link.source, flags), needle, hasNeedle }];
});

/** `text` as a RegExp matching exactly it (valid with or without the `u` flag). */
export function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Each agent's session link pattern and its marker, for a test to search texts without shortcuts. */
export function sessionLinkPatterns(): { marker: string; pattern: RegExp }[] {
  return linkFinders.map((f) => ({ marker: f.marker, pattern: new RegExp(f.pattern.source, f.pattern.flags) }));
}

/**
 * The required hosts, lower-cased, each ending with "/": most texts with a slash (a URL, a path)
 * still name none of them, and anyNeedleIn rules them out without lower-casing the text. It can
 * only let through more than the hosts' own patterns match (they are case-sensitive or
 * ASCII-insensitive), never fewer.
 */
const needles: readonly string[] = [...new Set(linkFinders.flatMap((f) => (f.needle === null ? [] : [f.needle])))];

/**
 * Whether `text` holds one of the needles in any ASCII case (as a case-insensitive RegExp without
 * the `u` flag reads it: only ASCII letters fold to ASCII letters). Every needle ends with the
 * slash, so only the text before each slash is compared: a few slashes in a message, against a
 * RegExp alternation tried at every character.
 */
function anyNeedleIn(text: string): boolean {
  for (let slash = text.indexOf("/"); slash !== -1; slash = text.indexOf("/", slash + 1)) {
    for (const needle of needles) {
      const start = slash + 1 - needle.length;
      if (start >= 0 && endsWithNeedle(text, start, needle)) return true;
    }
  }
  return false;
}

/** text[start, start + needle.length) equals `needle` (lower-case ASCII) in any ASCII case. */
function endsWithNeedle(text: string, start: number, needle: string): boolean {
  // From the end: the character before the slash tells most needles apart at once.
  for (let i = needle.length - 2; i >= 0; i--) {
    let c = text.charCodeAt(start + i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== needle.charCodeAt(i)) return false;
  }
  return true;
}

const sessionTrailerKeys = new Map<string, { agent: Agent; marker: string }>();
for (const agent of AGENTS) {
  for (const marker of agent.markers) {
    if (marker.match.kind === "session-trailer") {
      for (const key of marker.match.keys) sessionTrailerKeys.set(key, { agent, marker: marker.id });
    }
  }
}

/** The lower-case trailer keys that carry a specific agent's session. */
export const SESSION_TRAILER_KEYS: readonly string[] = [...sessionTrailerKeys.keys()];

const NONE_FOUND: readonly FoundSession[] = Object.freeze([]);

export function clip(text: string, max = 200): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}

function urlFor(agent: Agent, id: string): string | undefined {
  return agent.session?.url?.replace("{id}", id);
}

function withUrl(agent: Agent, id: string, url: string | undefined): AgentSession {
  const resolved = url ?? urlFor(agent, id);
  return resolved === undefined ? { agent: agent.id, id } : { agent: agent.id, id, url: resolved };
}

/** Every known agent's session links in a text, in order of appearance per agent. */
export function findSessionLinks(text: string, limit = MAX_LINKS_PER_TEXT): readonly FoundSession[] {
  let found: FoundSession[] | null = null; // made on the first find: most texts name no session
  // Every required host ends with "/": one scan rules them all out in a text without a slash, and
  // one more in a text that names none of them.
  const hosts = needles.length === 0 ? text.includes("/") : anyNeedleIn(text);
  for (const finder of linkFinders) {
    if (finder.hasNeedle !== null && !(hosts && finder.hasNeedle.test(text))) continue;
    const pattern = finder.pattern;
    pattern.lastIndex = 0;
    let count = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const id = match[1];
      const raw = match[0];
      if (raw === "") pattern.lastIndex++; // never loop on an empty match
      if (id === undefined) continue;
      const url = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
      found ??= [];
      found.push({ marker: finder.marker, session: withUrl(finder.agent, id, url), text: clip(raw) });
      if (++count >= limit) break;
    }
  }
  return found ?? NONE_FOUND;
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
const URL_START = /^https?:\/\/\S+$/i;

/** A bare session id of the agent: its distinctive shape, or (for its own trailer) any token. */
function bareId(agent: Agent, value: string, anyToken: boolean): AgentSession | null {
  if (value.length === 0 || value.length > MAX_ID_LENGTH) return null;
  if (agent.session?.id?.test(value)) return withUrl(agent, value, undefined);
  return anyToken && TOKEN.test(value) ? { agent: agent.id, id: value } : null;
}

const aliasToAgent = new Map<string, Agent>();
for (const agent of AGENTS) {
  aliasToAgent.set(agent.id, agent);
  for (const alias of agent.aliases) aliasToAgent.set(alias, agent);
}

/**
 * The session a trailer names, for the agents' own session trailers (`Claude-Session:`,
 * `Agent-Logs-Url:`, `Amp-Thread-ID:`, `Kiro-Session-Id:`) and the generic `Agent-Session:`.
 * Returns null for any other key, or a value that is not a session link or id.
 */
export function sessionFromTrailer(trailer: { key: string; value: string }): FoundSession | null {
  const key = trailer.key.trim().toLowerCase();
  const own = sessionTrailerKeys.get(key);
  if (!own && key !== "agent-session") return null;
  const value = trailer.value.trim();
  // A template's blank (`Agent-Session: none`, `n/a`, `-`) names no session.
  if (saysNo(value)) return null;
  const text = clip(`${trailer.key}: ${value}`);
  if (own) {
    const link = findSessionLinks(value, 1).find((f) => f.session.agent === own.agent.id);
    if (link) return { marker: own.marker, session: link.session, text };
    const session = bareId(own.agent, value, true);
    return session ? { marker: own.marker, session, text } : null;
  }
  if (key === "agent-session") {
    const session = genericSession(value);
    return session ? { marker: "generic/agent-session", session, text } : null;
  }
  return null;
}

/** `Agent-Session:` value: a known link, `AGENT:ID`, a distinctive bare id, or any id (generic). */
function genericSession(value: string): AgentSession | null {
  const link = findSessionLinks(value, 1)[0];
  if (link) return link.session;
  const separator = value.search(/[:\s/]/);
  if (separator > 0 && !/^https?:/i.test(value)) {
    const agent = aliasToAgent.get(value.slice(0, separator).toLowerCase());
    const rest = value.slice(separator + 1).trim();
    if (agent && rest.length > 0) {
      const session = bareId(agent, rest, true);
      if (session) return session;
    }
  }
  for (const agent of AGENTS) {
    // Only shapes that name their agent (bc-…, T-<uuid>, session_…, task_…), not plain numbers.
    if (agent.session?.branchId && agent.session.id?.test(value)) return withUrl(agent, value, undefined);
  }
  if (value.length > MAX_ID_LENGTH) return null;
  if (URL_START.test(value)) return { agent: GENERIC_AGENT, id: value, url: value };
  return TOKEN.test(value) ? { agent: GENERIC_AGENT, id: value } : null;
}

/** Session ids embedded in a branch name, for agents whose ids have a distinctive shape. */
export function sessionsFromBranch(branch: string): FoundSession[] {
  const name = branch.slice(0, 512);
  const found: FoundSession[] = [];
  for (const agent of AGENTS) {
    const pattern = agent.session?.branchId;
    const marker = markerOf(agent, "session-branch");
    if (!pattern || !marker) continue;
    const id = pattern.exec(name)?.[1];
    if (id) found.push({ marker, session: withUrl(agent, id, undefined), text: clip(name) });
  }
  return found;
}

/**
 * Links that start with a configured prefix (e.g. "https://acme.dev/runs/"), compared
 * case-insensitively; the id is what follows the prefix up to whitespace or closing punctuation.
 * Plain indexOf scanning: configured prefixes are never compiled into a RegExp.
 */
export function findPrefixedLinks(
  text: string,
  lowerText: string,
  prefix: string,
  limit = MAX_LINKS_PER_TEXT,
): { url: string; id: string }[] {
  const needle = prefix.toLowerCase();
  const found: { url: string; id: string }[] = [];
  if (needle.length === 0) return found;
  let from = 0;
  while (found.length < limit) {
    const at = lowerText.indexOf(needle, from);
    if (at < 0) break;
    let end = at + needle.length;
    const max = Math.min(text.length, end + MAX_ID_LENGTH);
    while (end < max && !isLinkEnd(text.charCodeAt(end))) end++;
    const id = text.slice(at + needle.length, end).replace(/[.,;:!?]+$/, "");
    if (id.length > 0) found.push({ url: text.slice(at, at + needle.length + id.length), id });
    from = at + needle.length;
  }
  return found;
}

function isLinkEnd(code: number): boolean {
  // whitespace, quotes, brackets, angle brackets, backtick
  return (
    code <= 0x20 ||
    code === 0x22 ||
    code === 0x27 ||
    code === 0x28 ||
    code === 0x29 ||
    code === 0x3c ||
    code === 0x3e ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x60 ||
    code === 0x7b ||
    code === 0x7d
  );
}
