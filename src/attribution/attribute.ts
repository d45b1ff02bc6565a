// The attribution engine: commits and pull requests in, AI evidence out. Pure: no I/O, no clock.
//
// What counts is data in agents.ts (built-in agents) and the repository's `attribution` config
// (extra agents and markers, labels, ignored authors, disabled markers). This file interprets both.
//
// Cost: every text is scanned a bounded number of times with fixed regular expressions or
// indexOf; configured patterns are globs matched against short, capped strings (names, e-mails,
// trailer values, branch names, labels) and never compiled into a RegExp. A 1 MB message is
// linear work. Configured phrases and link prefixes are the one cost a repository multiplies (by
// up to 500): texts are capped and their searches share a budget per call (limits.ts).

import { DEFAULT_ATTRIBUTION_OPTIONS as defaults } from "../config/attribution-defaults.js";
import type { AttributionConfig } from "../config/repo-config.js";
import {
  AGENTS,
  DISABLED_BY_CONFIG,
  GENERIC_AGENT,
  GENERIC_CONVENTIONS,
  type GenericConvention,
  isBot as isBotAccount,
  LABEL_MARKER,
  MODEL_FAMILIES,
  MODEL_QUALIFIERS,
  OTHER_AI_NAMES,
  OTHER_AI_PERSON_NAMES,
  PERSON_TRAILER_KEYS,
  saysNo,
} from "./agents.js";
import { compileGlob, type Glob } from "./glob.js";
import { boundText, MatchBudget, READ_LIMITS } from "./limits.js";
import {
  clip,
  escapeLiteral,
  findPrefixedLinks,
  findSessionLinks,
  sessionFromTrailer,
  sessionsFromBranch,
} from "./sessions.js";
import { type GitHubSquash, readClosedDescription, readSquash } from "./squash.js";
import { parseTrailers, splitMessage, type Trailer } from "./trailers.js";
import type {
  AgentSession,
  Attribution,
  ChangeAttribution,
  ChangeInput,
  CommitAttribution,
  CommitInput,
  Evidence,
  EvidenceSource,
  IgnoredEvidence,
  Reading,
} from "./types.js";

/** Trailers read per commit; a longer trailer block is abuse, not more evidence. */
const MAX_TRAILERS = 200;
/** Evidence (and ignored entries) kept per commit or per pull request. */
const MAX_EVIDENCE = 50;
/** Identity strings (names, e-mails, logins, trailer values) are capped before glob matching. */
const MAX_FIELD = 320;
const MAX_LABELS = 100;

/** The engine takes the repository config (or anything with its `attribution` section). */
export interface AttributionOptions {
  attribution: AttributionConfig;
}

/** A commit message as `splitMessage` (trailers.ts) splits it. */
export interface SplitMessage {
  subject: string;
  body: string;
  trailers: readonly Trailer[];
}

/**
 * Attributes one commit: its identities, trailers, subject and body. `split` is
 * `splitMessage(commit.message)`, for a caller that needs it too and has already computed it.
 */
export function attributeCommit(
  commit: CommitInput,
  config: AttributionOptions = defaults,
  split?: SplitMessage,
): CommitAttribution {
  return engineFor(config.attribution).commit(commit, split);
}

/**
 * Attributes a pull request from its own evidence (author, title, body, head branch, labels) and
 * its commits'. PR-level evidence makes the change AI-assisted even when no commit is.
 */
export function attributeChange(
  change: ChangeInput,
  commits: readonly CommitInput[],
  config: AttributionOptions = defaults,
): ChangeAttribution {
  return engineFor(config.attribution).change(change, commits);
}

// ---- compiled markers ----------------------------------------------------------------------------

type Match =
  | { kind: "identity"; emails: Glob[]; names: Glob[]; logins: Glob[]; model?: "name" | "parenthesised" }
  | { kind: "trailer"; keys: Set<string>; values: Glob[] }
  | { kind: "text"; phrases: Phrase[]; startsLine: boolean }
  | { kind: "prefix"; prefixes: string[] }
  | { kind: "branch"; globs: Glob[] }
  | { kind: "link"; prefixes: string[] }
  | { kind: "label"; globs: Glob[] }
  /** Found by sessions.ts or the generic-trailer rules; the compiled marker only gates them. */
  | { kind: "external" };

interface CompiledMarker {
  id: string;
  agent: string;
  where: ReadonlySet<EvidenceSource>;
  match: Match;
  disabled: boolean;
  /** From the repository's configuration (its phrases and link prefixes draw on the budget). */
  configured: boolean;
}

/**
 * One call's reading: the matching budget, and what the limits cut, per commit message and for
 * the pull request's own texts (`long` and `unsearched` describe the text being read now).
 */
class Pass {
  readonly budget = new MatchBudget();
  /** Whether the configured glob patterns were tried on a value (an identity, a trailer), by value. */
  readonly tried = new Map<string, boolean>();
  long = false;
  unsearched = false;
  longMessages = 0;
  unsearchedMessages = 0;
  longPullText = false;
  unsearchedPullText = false;

  /** `text`, or its head and tail when it is longer than `limit`. */
  bound(text: string, limit: number): string {
    if (text.length <= limit) return text;
    this.long = true;
    return boundText(text, limit);
  }

  reading(): Reading {
    const { longMessages, longPullText, unsearchedMessages, unsearchedPullText } = this;
    return { work: this.budget.work, longMessages, longPullText, unsearchedMessages, unsearchedPullText };
  }
}

interface Named {
  agent: string;
  model?: string;
}

/** An identity marker that matched, and the model it names. */
interface IdentityHit {
  marker: CompiledMarker;
  model: string | undefined;
}

/**
 * Identities and trailers remembered per engine (they recur); each cache is emptied when full. What
 * is remembered is made from copies (ownCopy), never from substrings of a commit's text.
 */
const MAX_CACHED = 20_000;

/** What evaluating a trailer did to its collector, to do again for the same trailer. */
type Effect =
  | { add: CompiledMarker; found: Found }
  | { ignore: Omit<IgnoredEvidence, "reason" | "commit">; reason: string };

/** Where evidence goes: a commit's or pull request's Collector, or a Recorder of effects. */
interface Sink {
  add(marker: CompiledMarker, found: Found): void;
  ignore(entry: Omit<IgnoredEvidence, "reason" | "commit">, reason: string): void;
}

class Recorder implements Sink {
  readonly effects: Effect[] = [];

  add(marker: CompiledMarker, found: Found): void {
    this.effects.push({ add: marker, found });
  }

  ignore(entry: Omit<IgnoredEvidence, "reason" | "commit">, reason: string): void {
    this.effects.push({ ignore: entry, reason });
  }
}

const glob = (pattern: string): Glob => compileGlob(pattern, { caseInsensitive: true });

/** A phrase searched case-insensitively, and a character of it that case cannot change. */
interface Phrase {
  lower: string;
  /**
   * For a phrase of ASCII characters (every built-in one), the phrase as an escaped literal with
   * the `i` flag: found without lower-casing the text, with a Boyer-Moore skip (even a hostile
   * 150-character phrase costs about what indexOf does). Null for any other phrase, which is
   * searched in the lower-cased text: lower-casing (`İ`, `ẞ`, the Kelvin sign) is not what the
   * `i` flag folds, and a phrase must match the text it was copied from. A text holding one of
   * the two characters that lower-case to ASCII letters (LOWERS_TO_ASCII) is lower-cased too.
   */
  pattern: RegExp | null;
  /** `pattern` with the `g` flag, to find every place of the phrase (a phrase that must start a line). */
  every: RegExp | null;
  /**
   * An ASCII character of the phrase other than a letter (punctuation first, then a digit, then a
   * space: `[` in `generated with [claude code]`), or "". Lower-casing maps no other character to
   * one of these, so a text without it cannot hold the phrase and is not searched for it.
   */
  anchor: string;
}

/** İ (lower-cased `i` and a combining dot) and the Kelvin sign (`k`). */
const LOWERS_TO_ASCII = /[\u0130\u212a]/;

/** A text searched for phrases, with what is worked out once per text when first needed. */
interface Haystack {
  text: string;
  lower?: string;
  lowersToAscii?: boolean;
}

/** Where `phrase` first occurs in the text, in any case, or -1. */
function findPhrase(hay: Haystack, phrase: Phrase): number {
  const { text } = hay;
  if (!text.includes(phrase.anchor)) return -1;
  hay.lowersToAscii ??= LOWERS_TO_ASCII.test(text);
  if (phrase.pattern !== null && !hay.lowersToAscii) return text.search(phrase.pattern);
  hay.lower ??= text.toLowerCase();
  return hay.lower.indexOf(phrase.lower);
}

function phrase(text: string): Phrase {
  const lower = text.toLowerCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any character beyond ASCII
  const ascii = !/[^\u0000-\u007f]/.test(text);
  let anchor = "";
  let best = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const isLetter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const isDigit = c >= 0x30 && c <= 0x39;
    const rank = c >= 0x80 || isLetter ? 0 : isDigit ? 2 : c <= 0x20 || c === 0x7f ? 1 : 3;
    if (rank > best) {
      best = rank;
      anchor = lower.charAt(i);
    }
  }
  return {
    lower,
    pattern: ascii ? new RegExp(escapeLiteral(lower), "i") : null,
    every: ascii ? new RegExp(escapeLiteral(lower), "gi") : null,
    anchor,
  };
}

/** Where `phrase` first occurs at the start of a line (after spaces and emoji only), in any case, or -1. */
function findPhraseStartingLine(hay: Haystack, phrase: Phrase): number {
  const { text } = hay;
  if (!text.includes(phrase.anchor)) return -1;
  hay.lowersToAscii ??= LOWERS_TO_ASCII.test(text);
  if (phrase.every !== null && !hay.lowersToAscii) {
    const every = phrase.every;
    every.lastIndex = 0;
    for (let m = every.exec(text); m !== null; m = every.exec(text)) {
      if (startsLine(text, m.index)) return m.index;
    }
    return -1;
  }
  hay.lower ??= text.toLowerCase();
  const lower = hay.lower;
  for (let at = lower.indexOf(phrase.lower); at >= 0; at = lower.indexOf(phrase.lower, at + 1)) {
    if (startsLine(lower, at)) return at;
  }
  return -1;
}

/** At most this many characters (spaces, emoji) may come before a phrase that starts its line. */
const MAX_LINE_LEAD = 32;
/** What may come before such a phrase on its line: spaces and emoji (`🤖 `, with its modifiers). */
const LINE_LEAD = /^(?:\s|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u{FE0F}|\u{200D})*$/u;

/** Whether only spaces and emoji precede `at` on its line (a bounded look back, not the whole line). */
function startsLine(text: string, at: number): boolean {
  const limit = Math.max(0, at - MAX_LINE_LEAD - 1);
  let start = at;
  while (start > limit && text.charCodeAt(start - 1) !== 0x0a) start--;
  if (start > 0 && text.charCodeAt(start - 1) !== 0x0a) return false; // a longer lead, or text
  return start === at || LINE_LEAD.test(text.slice(start, at));
}

/**
 * What the configuration's glob patterns cost per character of the text they test (src/attribution/
 * glob.ts's costPerChar, summed): a repository's file may hold 500 patterns of 200 characters, and
 * the commits they are tried on are written by the same hands. They draw on the pass's budget.
 */
interface GlobWork {
  /** Agents' identity patterns, on an e-mail, a name, a login. */
  email: number;
  name: number;
  login: number;
  /** attribution.ignoreAuthors, on each of an author's name, e-mail and login. */
  ignore: number;
  /** Agents' trailer value patterns, by lower-case key. */
  trailerValues: Map<string, number>;
  /** Whether there is any. */
  any: boolean;
}

function globWorkOf(configured: readonly CompiledMarker[], ignoreAuthors: readonly Glob[]): GlobWork {
  const cost = (globs: readonly Glob[]) => globs.reduce((sum, g) => sum + g.costPerChar, 0);
  const work: GlobWork = {
    email: 0,
    name: 0,
    login: 0,
    ignore: cost(ignoreAuthors),
    trailerValues: new Map(),
    any: false,
  };
  for (const { match } of configured) {
    if (match.kind === "identity") {
      work.email += cost(match.emails);
      work.name += cost(match.names);
      work.login += cost(match.logins);
    } else if (match.kind === "trailer") {
      for (const key of match.keys)
        work.trailerValues.set(key, (work.trailerValues.get(key) ?? 0) + cost(match.values));
    }
  }
  work.any = work.email + work.name + work.login + work.ignore > 0 || work.trailerValues.size > 0;
  return work;
}

class Engine {
  private readonly markers: CompiledMarker[] = [];
  private readonly byId = new Map<string, CompiledMarker>();
  private readonly disabledRefs: Set<string>;
  private readonly ignoreAuthors: Glob[];
  private readonly trustGeneric: boolean;
  /** Lower-case name → agent, for free-text values such as `Assisted-by: Claude Code`. */
  private readonly aliases = new Map<string, string>();
  private readonly personNames = new Set<string>();
  private readonly generic = new Map<string, GenericConvention>();
  private readonly personKeys = new Set<string>(PERSON_TRAILER_KEYS);
  /** Markers by kind and source, filled on first use. */
  private readonly index = new Map<Match["kind"], Map<EvidenceSource, CompiledMarker[]>>();
  /** Lower-case keys that some trailer marker looks at. */
  private readonly trailerKeys = new Set<string>();
  /** Configured phrases and link prefixes searched in a text at a source (memoised). */
  private readonly patternCounts = new Map<EvidenceSource, number>();
  /** True while the repository's own agents are compiled. */
  private compilingConfig = false;
  /** Whether the configuration has phrases, link prefixes or glob patterns of its own. */
  private readonly hasPatterns: boolean;
  /** Steps per character of text that the configured glob patterns cost, by what they test. */
  private readonly globWork: GlobWork;
  private readonly sharedPass = new Pass();
  /** What identity() finds, by source, then e-mail, then name and login. */
  private readonly identities = new Map<EvidenceSource, Map<string, Map<string, IdentityHit[]>>>();
  private cachedIdentities = 0;
  /** What trailer() found, by raw key, then raw value. */
  private readonly trailers = new Map<string, Map<string, Effect[]>>();
  private cachedTrailers = 0;

  constructor(config: AttributionConfig) {
    this.disabledRefs = new Set(config.disableMarkers);
    this.ignoreAuthors = config.ignoreAuthors.map(glob);
    this.trustGeneric = config.trustGenericTrailers;
    for (const convention of GENERIC_CONVENTIONS) this.generic.set(convention.key, convention);

    for (const name of OTHER_AI_NAMES) this.aliases.set(name, GENERIC_AGENT);
    for (const name of OTHER_AI_PERSON_NAMES) this.personNames.add(name);
    for (const agent of AGENTS) {
      for (const alias of agent.aliases) this.aliases.set(alias, agent.id);
      for (const name of agent.personNames ?? []) this.personNames.add(name);
      for (const marker of agent.markers) {
        const where = new Set(marker.where);
        const m = marker.match;
        switch (m.kind) {
          case "identity":
            this.add(marker.id, agent.id, where, {
              kind: "identity",
              emails: (m.emails ?? []).map(glob),
              names: (m.names ?? []).map(glob),
              logins: (m.logins ?? []).map(glob),
              ...(m.model ? { model: m.model } : {}),
            });
            break;
          case "trailer":
            this.add(marker.id, agent.id, where, {
              kind: "trailer",
              keys: new Set(m.keys),
              values: m.values.map(glob),
            });
            break;
          case "text":
            this.add(marker.id, agent.id, where, {
              kind: "text",
              phrases: m.phrases.map(phrase),
              startsLine: m.startsLine === true,
            });
            break;
          case "prefix":
            this.add(marker.id, agent.id, where, { kind: "prefix", prefixes: m.prefixes.map((p) => p.toLowerCase()) });
            break;
          default:
            this.add(marker.id, agent.id, where, { kind: "external" });
        }
      }
    }
    for (const convention of GENERIC_CONVENTIONS) {
      this.add(convention.id, GENERIC_AGENT, new Set<EvidenceSource>(["trailer"]), { kind: "external" });
    }
    this.add(LABEL_MARKER, GENERIC_AGENT, new Set<EvidenceSource>(["label"]), {
      kind: "label",
      globs: config.labels.map(glob),
    });

    this.compilingConfig = true;
    for (const agent of config.agents) {
      const prefix = `${agent.id}/config`;
      const commitIdentity = new Set<EvidenceSource>(["trailer", "author", "committer"]);
      if (!this.aliases.has(agent.id)) this.aliases.set(agent.id, agent.id);
      if (agent.name) this.aliases.set(agent.name.toLowerCase(), agent.id);
      const identity = (emails: string[], names: string[], logins: string[]): Match => ({
        kind: "identity",
        emails: emails.map(glob),
        names: names.map(glob),
        logins: logins.map(glob),
      });
      this.addIf(agent.emails, `${prefix}/email`, agent.id, commitIdentity, identity(agent.emails, [], []));
      this.addIf(agent.names, `${prefix}/name`, agent.id, commitIdentity, identity([], agent.names, []));
      this.addIf(
        agent.logins,
        `${prefix}/login`,
        agent.id,
        new Set<EvidenceSource>(["author", "committer", "pr-author"]),
        identity([], [], agent.logins),
      );
      agent.trailers.forEach((t, i) => {
        this.add(`${prefix}/trailer[${i}]`, agent.id, new Set<EvidenceSource>(["trailer"]), {
          kind: "trailer",
          keys: new Set([t.key.toLowerCase()]),
          values: [glob(t.value)],
        });
      });
      this.addIf(agent.branches, `${prefix}/branch`, agent.id, new Set<EvidenceSource>(["branch"]), {
        kind: "branch",
        globs: agent.branches.map(glob),
      });
      this.addIf(
        agent.text,
        `${prefix}/text`,
        agent.id,
        new Set<EvidenceSource>(["subject", "body", "pr-title", "pr-body"]),
        { kind: "text", phrases: agent.text.map(phrase), startsLine: false },
      );
      this.addIf(
        agent.links,
        `${prefix}/link`,
        agent.id,
        new Set<EvidenceSource>(["trailer", "subject", "body", "pr-title", "pr-body"]),
        { kind: "link", prefixes: agent.links },
      );
      this.addIf(agent.labels, `${prefix}/label`, agent.id, new Set<EvidenceSource>(["label"]), {
        kind: "label",
        globs: agent.labels.map(glob),
      });
    }
    this.compilingConfig = false;
    this.globWork = globWorkOf(
      this.markers.filter((m) => m.configured),
      this.ignoreAuthors,
    );
    this.hasPatterns = config.agents.some((a) => a.text.length > 0 || a.links.length > 0) || this.globWork.any;
  }

  private add(id: string, agent: string, where: ReadonlySet<EvidenceSource>, match: Match): void {
    const disabled = this.disabledRefs.has(id) || this.disabledRefs.has(id.slice(0, id.indexOf("/")));
    const marker = { id, agent, where, match, disabled, configured: this.compilingConfig };
    this.markers.push(marker);
    this.byId.set(id, marker);
    if (match.kind === "trailer") for (const key of match.keys) this.trailerKeys.add(key);
  }

  private addIf(list: readonly unknown[], id: string, agent: string, where: ReadonlySet<EvidenceSource>, match: Match) {
    if (list.length > 0) this.add(id, agent, where, match);
  }

  /** The markers of one kind that can sit at a source (memoised). */
  private of<K extends Match["kind"]>(kind: K, source: EvidenceSource) {
    let bySource = this.index.get(kind);
    if (!bySource) {
      bySource = new Map();
      this.index.set(kind, bySource);
    }
    let list = bySource.get(source);
    if (!list) {
      list = this.markers.filter((m) => m.match.kind === kind && m.where.has(source));
      bySource.set(source, list);
    }
    return list as (CompiledMarker & { match: Extract<Match, { kind: K }> })[];
  }

  /**
   * A pass for one commit read on its own. Without configured phrases or link prefixes nothing
   * draws on a budget and nobody reads what it counted: one pass serves every such commit (a scan
   * reads 100,000 of them).
   */
  private ownPass(): Pass {
    if (!this.hasPatterns) return this.sharedPass;
    return new Pass();
  }

  /** The configured phrases and link prefixes that a text at `source` is searched with. */
  private patternsAt(source: EvidenceSource): number {
    let count = this.patternCounts.get(source);
    if (count === undefined) {
      count = 0;
      for (const m of this.of("text", source)) if (m.configured) count += m.match.phrases.length;
      for (const m of this.of("link", source)) if (m.configured) count += m.match.prefixes.length;
      this.patternCounts.set(source, count);
    }
    return count;
  }

  /**
   * The part of `text` that the configured patterns at `source` may search: all of it, a head, or
   * "" once the budget is spent (noted in the pass).
   */
  private granted(pass: Pass, source: EvidenceSource, text: string): string {
    const length = pass.budget.grant(text.length, this.patternsAt(source));
    if (length === text.length) return text;
    pass.unsearched = true;
    return text.slice(0, length);
  }

  /**
   * Whether the configured glob patterns are tried on a value (`key`) that they cost `work` on:
   * paid from the pass's budget the first time the pass meets the value (a pull request's
   * commits share a few people and trailers; a hostile one makes every one different), and noted
   * in the pass when the budget cannot. All or nothing on a value, and decided by the pass alone,
   * so that what a budget leaves out never depends on what an engine remembers.
   */
  private affords(pass: Pass, key: string, work: number): boolean {
    if (work === 0) return true;
    let tried = pass.tried.get(key);
    if (tried === undefined) {
      tried = pass.budget.afford(work);
      pass.tried.set(key, tried);
    }
    if (!tried) pass.unsearched = true;
    return tried;
  }

  /** Whether the configured identity patterns are tried on a commit's author or committer. */
  private affordsIdentity(pass: Pass, person: CommitInput["author"]): boolean {
    const w = this.globWork;
    if (!w.any) return true;
    const { name, email } = person;
    const login = person.login ?? "";
    const capped = (text: string) => Math.min(text.length, MAX_FIELD);
    const work = capped(name) * w.name + capped(email) * w.email + capped(login) * w.login;
    return this.affords(pass, `i\u0000${name}\u0000${email}\u0000${login}`, work);
  }

  // ---- commits ---------------------------------------------------------------------------------

  /** A commit on its own (a scan, a pushed commit) has a budget of its own. */
  commit(commit: CommitInput, split?: SplitMessage, pass = this.ownPass()): CommitAttribution {
    pass.long = false;
    pass.unsearched = false;
    const result = this.readCommit(commit, split, pass);
    if (pass.long) pass.longMessages++;
    if (pass.unsearched) pass.unsearchedMessages++;
    return result;
  }

  private readCommit(commit: CommitInput, split: SplitMessage | undefined, pass: Pass): CommitAttribution {
    const found = new Collector(commit.sha, this.disabledRefs);
    const author = commit.author;
    if (this.isIgnoredAuthor(author.name, author.email, author.login, pass)) {
      found.ignore(
        { marker: "config/ignore-authors", source: "author", text: identityText(author.name, author.email) },
        "author matches attribution.ignoreAuthors",
      );
      return found.commitResult(true);
    }

    this.identity(found, "author", author.name, author.email, author.login, this.affordsIdentity(pass, author));
    const committer = commit.committer;
    if (committer && (committer.name !== author.name || committer.email !== author.email)) {
      this.identity(
        found,
        "committer",
        committer.name,
        committer.email,
        committer.login,
        this.affordsIdentity(pass, committer),
      );
    }

    // The trailer block is found in the whole message (a linear scan), so no cap can lose it.
    const whole = split ?? splitMessage(commit.message);
    const { trailers } = whole;
    const count = Math.min(trailers.length, MAX_TRAILERS);
    for (let i = 0; i < count; i++) {
      const trailer = trailers[i] as Trailer;
      this.trailer(found, trailer.key, trailer.value, pass);
    }
    // A GitHub squash merge: what its sections hold in their own trailers is each commit's evidence,
    // and its co-author block is read even where a `---` line of a description hid it from git.
    const squash = readSquash(commit.message) ?? readClosedDescription(commit.message);
    if (squash !== null) this.squashSections(found, squash, trailers, pass);
    const subject = pass.bound(whole.subject, READ_LIMITS.messageText);
    const body = pass.bound(whole.body, READ_LIMITS.messageText);

    for (const marker of this.of("prefix", "subject")) {
      if (marker.match.prefixes.some((p) => startsWithLowerCase(subject, p))) {
        found.add(marker, { source: "subject", text: subject });
      }
    }
    this.text(found, "subject", subject, pass);
    this.text(found, "body", body, pass);
    return found.commitResult(false);
  }

  /**
   * The trailers and subjects of a squash merge's sections (squash.ts), read as those of the commits
   * they were: `Made-with: Cursor` in a middle section is that commit's trailer, though git sees body
   * text. Their bodies are already read as the message's body. A trailer that the message's own block
   * gave (GitHub repeats the commits' co-authors there), or an earlier section, is read once.
   */
  private squashSections(found: Collector, squash: GitHubSquash, read: readonly Trailer[], pass: Pass): void {
    const seen = new Set<string>();
    for (const t of read) seen.add(`${t.key.toLowerCase()}\u0000${t.value}`);
    let room = MAX_TRAILERS - Math.min(read.length, MAX_TRAILERS);
    /** The trailers of `message` not read yet, while there is room. */
    const readNew = (sink: Sink, message: string) => {
      for (const t of parseTrailers(message)) {
        const key = `${t.key.toLowerCase()}\u0000${t.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        this.trailer(sink, t.key, t.value, pass);
        if (--room === 0) return;
      }
    };
    // GitHub's closing block is the message's own trailers, also where a section's `---` line (a
    // dependabot body's) ended the message for git before it.
    if (squash.block !== null && room > 0) readNew(found, squash.block);
    const prefixes = this.of("prefix", "subject");
    for (const section of squash.sections) {
      const sink = new InSection(found, section.subject);
      for (const marker of prefixes) {
        if (marker.match.prefixes.some((p) => startsWithLowerCase(section.subject, p))) {
          sink.add(marker, { source: "subject", text: section.subject });
        }
      }
      if (room > 0) readNew(sink, section.message);
    }
  }

  /** Whether attribution.ignoreAuthors names the author; not when the budget cannot pay for asking. */
  private isIgnoredAuthor(name: string, email: string, login: string | null | undefined, pass: Pass): boolean {
    if (this.ignoreAuthors.length === 0) return false;
    const fields = [name, email, login ?? ""].filter((f) => f.length > 0).map((f) => f.slice(0, MAX_FIELD));
    const work = fields.reduce((sum, f) => sum + f.length, 0) * this.globWork.ignore;
    if (!this.affords(pass, `a\u0000${fields.join("\u0000")}`, work)) return false;
    return this.ignoreAuthors.some((g) => fields.some((f) => g.test(f)));
  }

  /**
   * An identity (`Name <e-mail>` and maybe a login) at a source: author, committer, trailer. `own`:
   * whether the configuration's identity patterns are tried too (the budget paid for them).
   */
  private identity(
    found: Sink,
    source: EvidenceSource,
    rawName: string,
    rawEmail: string,
    login: string | null | undefined,
    own: boolean,
    text?: () => string,
  ): void {
    const hits = own
      ? this.identityHits(source, rawName, rawEmail, login ?? "")
      : this.matchIdentity(source, rawName, rawEmail, login ?? "", false);
    if (hits.length === 0) return;
    const evidenceText = text ? text() : identityText(rawName, rawEmail);
    for (const { marker, model } of hits) {
      found.add(marker, model ? { source, text: evidenceText, model } : { source, text: evidenceText });
    }
  }

  /** The identity markers that match, remembered: the same few people author most commits. */
  private identityHits(source: EvidenceSource, rawName: string, rawEmail: string, login: string): IdentityHit[] {
    let byEmail = this.identities.get(source);
    if (!byEmail) {
      byEmail = new Map();
      this.identities.set(source, byEmail);
    }
    let byName = byEmail.get(rawEmail);
    if (!byName) {
      byName = new Map();
      byEmail.set(ownCopy(rawEmail), byName);
    }
    const nameKey = login === "" ? rawName : `${rawName}\u0000${login}`;
    let hits = byName.get(nameKey);
    if (hits) return hits;

    if (this.cachedIdentities >= MAX_CACHED) {
      this.identities.clear();
      this.cachedIdentities = 0;
      // The maps above were just dropped: start again with fresh ones.
      return this.identityHits(source, rawName, rawEmail, login);
    }
    hits = this.matchIdentity(source, rawName, rawEmail, login, true);
    byName.set(ownCopy(nameKey), hits);
    this.cachedIdentities++;
    return hits;
  }

  /** The identity markers that match, the configuration's own ones only if `own`. */
  private matchIdentity(
    source: EvidenceSource,
    rawName: string,
    rawEmail: string,
    login: string,
    own: boolean,
  ): IdentityHit[] {
    const hits: IdentityHit[] = [];
    // A copy: the models read from it are remembered with the hits.
    const name = ownCopy(rawName.trim().slice(0, MAX_FIELD));
    const email = rawEmail.trim().slice(0, MAX_FIELD);
    const user = login.trim().slice(0, MAX_FIELD);
    for (const marker of this.of("identity", source)) {
      if (marker.configured && !own) continue;
      const m = marker.match;
      const hit =
        (email !== "" && m.emails.some((g) => g.test(email))) ||
        (name !== "" && m.names.some((g) => g.test(name))) ||
        (user !== "" && m.logins.some((g) => g.test(user)));
      if (!hit) continue;
      const model =
        m.model === "name" ? modelFromName(name) : m.model === "parenthesised" ? modelInParentheses(name) : undefined;
      // One identity is one piece of evidence per agent (`Cursor Agent <cursoragent@cursor.com>`
      // matches two of Cursor's markers): its first marker that matches, an enabled one first.
      const same = hits.findIndex((h) => h.marker.agent === marker.agent);
      if (same < 0) hits.push({ marker, model });
      else if ((hits[same] as IdentityHit).marker.disabled && !marker.disabled) hits[same] = { marker, model };
    }
    return hits;
  }

  /** A trailer's evidence, remembered: most trailers recur (`Signed-off-by`, co-authors, `Assisted-by`). */
  private trailer(found: Sink, rawKey: string, fullValue: string, pass: Pass): void {
    let rawValue = fullValue;
    if (rawValue.length > READ_LIMITS.trailerValue) {
      pass.long = true;
      rawValue = rawValue.slice(0, READ_LIMITS.trailerValue);
    }
    // Charged whether remembered or not, so that what a budget leaves out never depends on the cache.
    const own = this.granted(pass, "trailer", rawValue);
    const work = this.trailerWork(rawKey, rawValue);
    const globs = work === 0 || this.affords(pass, `t\u0000${rawKey}\u0000${rawValue}`, work);
    if (own.length < rawValue.length || !globs) {
      // Read without (all of) the configured link prefixes or patterns: not the trailer's full evidence, not remembered.
      this.evaluateTrailer(found, rawKey, rawValue, own, pass.budget, globs);
      return;
    }
    let byValue = this.trailers.get(rawKey);
    if (!byValue) {
      if (this.cachedTrailers >= MAX_CACHED) {
        this.trailers.clear();
        this.cachedTrailers = 0;
      }
      byValue = new Map();
      this.trailers.set(ownCopy(rawKey), byValue);
    }
    let effects = byValue.get(rawValue);
    if (!effects) {
      // Read in copies, so that the evidence texts remembered keep no commit's text alive.
      const key = ownCopy(rawKey);
      const value = ownCopy(rawValue);
      const recorder = new Recorder();
      this.evaluateTrailer(recorder, key, value, value, pass.budget, true);
      effects = recorder.effects;
      byValue.set(value, effects);
      this.cachedTrailers++;
    }
    for (const effect of effects) {
      if ("add" in effect) {
        const { session } = effect.found;
        // A session object of its own in each result, as if the trailer had been read afresh.
        found.add(effect.add, session ? { ...effect.found, session: { ...session } } : effect.found);
      } else found.ignore(effect.ignore, effect.reason);
    }
  }

  /**
   * What the configured patterns cost on a trailer's value (at most MAX_FIELD of it is tested): its
   * person's name and e-mail by the identity patterns, an e-mail a generic trailer names, and the
   * value by the trailer patterns of its key.
   */
  private trailerWork(rawKey: string, rawValue: string): number {
    const w = this.globWork;
    if (!w.any) return 0;
    const key = rawKey.trim().toLowerCase();
    const perChar =
      (this.personKeys.has(key) ? w.name + w.email : 0) +
      (this.generic.has(key) ? w.email : 0) +
      (w.trailerValues.get(key) ?? 0);
    return Math.min(rawValue.length, MAX_FIELD) * perChar;
  }

  /**
   * `own`: the head of the value that the configured link prefixes may search; `globs`: whether the
   * configured glob patterns are tried (the budget paid for them).
   */
  private evaluateTrailer(
    found: Sink,
    rawKey: string,
    rawValue: string,
    own: string,
    budget: MatchBudget,
    globs: boolean,
  ): void {
    const key = rawKey.trim().toLowerCase();
    const value = rawValue.trim();
    let evidenceText: string | undefined;
    const text = () => {
      evidenceText ??= clip(`${rawKey.trim()}: ${value}`);
      return evidenceText;
    };
    const short = value.slice(0, MAX_FIELD);

    if (this.personKeys.has(key)) {
      const person = parsePerson(short);
      this.identity(found, "trailer", person.name, person.email, null, globs, text);
    }
    if (this.trailerKeys.has(key)) {
      for (const marker of this.of("trailer", "trailer")) {
        if (marker.configured && !globs) continue;
        if (marker.match.keys.has(key) && marker.match.values.some((g) => g.test(short))) {
          found.add(marker, { source: "trailer", text: text() });
        }
      }
    }

    const session = sessionFromTrailer({ key, value });
    if (session) {
      const marker = this.byId.get(session.marker);
      if (marker) found.add(marker, { source: "trailer", text: text(), session: session.session });
      return; // its link is this session, not another piece of evidence
    }

    const convention = this.generic.get(key);
    if (convention) this.genericTrailer(found, convention, short, text(), globs);

    if (isLinkTrailer(key, value)) {
      // git reads a line that is only a link (`https://claude.ai/code/session_…`, as Claude Code on
      // the web ends its commits) as the trailer `https: //claude.ai/…`: the link is the whole line.
      const scheme = rawKey.trim();
      this.links(found, "trailer", `${scheme}:${value}`, `${scheme}:${own.trim()}`, budget);
    } else this.links(found, "trailer", value, own.trim(), budget);
  }

  private genericTrailer(
    found: Sink,
    convention: GenericConvention,
    value: string,
    text: string,
    globs: boolean,
  ): void {
    const marker = this.byId.get(convention.id);
    if (!marker || value === "") return;
    if (saysNo(value)) {
      found.ignore({ marker: marker.id, source: "trailer", text }, "value says no");
      return;
    }
    const named = this.nameAi(value, globs);
    const evidence = (n: Named) =>
      found.add(marker, { source: "trailer", text, agent: n.agent, ...(n.model ? { model: n.model } : {}) });
    switch (convention.rule) {
      case "ai-name":
        if (named) evidence(named);
        else if (this.trustGeneric) evidence({ agent: GENERIC_AGENT });
        else found.ignore({ marker: marker.id, source: "trailer", text }, "value names no known AI agent or model");
        return;
      case "affirmative":
        evidence(named ?? { agent: GENERIC_AGENT });
        return;
      case "session":
        // A valid session was taken by sessionFromTrailer before we got here.
        found.ignore({ marker: marker.id, source: "trailer", text }, "value is not a session link or id");
        return;
      default:
        evidence(named ?? { agent: GENERIC_AGENT });
    }
  }

  /**
   * Session links and phrases/links in a text (subject, body, PR title, PR body). The built-in
   * markers search all of it; the configured phrases and link prefixes what the budget grants.
   */
  private text(found: Sink, source: EvidenceSource, text: string, pass: Pass): void {
    if (text === "") return;
    const own = this.granted(pass, source, text);
    const markers = this.of("text", source);
    // Most sources have no phrase to look for (a subject, with the defaults): no haystack then.
    const whole: Haystack | null = markers.length === 0 ? null : { text };
    const mine: Haystack | null = own === text ? whole : { text: own };
    for (const marker of markers) {
      const hay = (marker.configured ? mine : whole) as Haystack;
      if (hay.text === "") continue;
      for (const phrase of marker.match.phrases) {
        if (marker.configured) pass.budget.work += hay.text.length;
        const at = marker.match.startsLine ? findPhraseStartingLine(hay, phrase) : findPhrase(hay, phrase);
        if (at >= 0) {
          found.add(marker, { source, text: lineAround(hay.text, at) });
          break;
        }
      }
    }
    this.links(found, source, text, own, pass.budget);
  }

  /** Session links in `text`; the configured link prefixes in `own`, its head that the budget granted. */
  private links(found: Sink, source: EvidenceSource, text: string, own: string, budget: MatchBudget): void {
    for (const link of findSessionLinks(text)) {
      const marker = this.byId.get(link.marker);
      if (marker?.where.has(source)) found.add(marker, { source, text: link.text, session: link.session });
    }
    const configured = this.of("link", source);
    if (configured.length === 0 || own === "") return;
    const lower = own.toLowerCase();
    for (const marker of configured) {
      for (const prefix of marker.match.prefixes) {
        budget.work += own.length;
        for (const hit of findPrefixedLinks(own, lower, prefix)) {
          found.add(marker, {
            source,
            text: clip(hit.url),
            session: { agent: marker.agent, id: hit.id, url: hit.url },
          });
        }
      }
    }
  }

  /**
   * The AI agent or model a free-text value names (`Claude:claude-3-opus coccinelle`,
   * `GitHub Copilot`, `Claude Sonnet 4.5 <noreply@anthropic.com>`, `gpt-4o`), or null when it
   * names a person (`Jane Doe <jane@example.com>`, `Claude Dupont`) or a non-AI tool (`protoc`).
   */
  private nameAi(raw: string, globs: boolean): Named | null {
    const value = raw.trim().slice(0, MAX_FIELD);
    const person = parsePerson(value);
    if (person.email !== "") {
      // An e-mail decides: an agent's e-mail is the agent, any other is a person.
      const agent = this.agentForEmail(person.email, globs);
      if (!agent) return null;
      const model = modelFromName(person.name) ?? modelInParentheses(person.name);
      return model ? { agent, model } : { agent };
    }

    // Linux kernel form AGENT:MODEL [TOOLS…]; a URL's "://" is not that colon.
    const colon = value.indexOf(":");
    if (colon > 0 && value[colon + 1] !== "/") {
      const agentPart = value.slice(0, colon).trim().toLowerCase();
      const after = value
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .slice(0, 8);
      const modelPart = after[0] ?? "";
      if (agentPart.split(/\s+/).length <= 4) {
        const agent = this.aliases.get(agentPart);
        // `Claude:claude-3-opus` names a model; `Copilot: wrote the tests` does not.
        const kernelForm = modelPart !== "" && !/\s/.test(value[colon + 1] ?? " ");
        const known = modelToken(modelPart) ?? spacedModelAt(after, 0);
        const model = known ?? (kernelForm ? normaliseModel(modelPart) : undefined);
        if (agent) return model ? { agent, model } : { agent };
        if (known) return { agent: GENERIC_AGENT, model: known };
        return null;
      }
    }

    // Free text: an agent's name at the start, or a model name anywhere.
    const words = value
      .split(/\s+/)
      .filter((w) => w.length > 0)
      .slice(0, 32);
    const head = this.agentAt(words, 0);
    if (head === "person") return null; // "Claude Dupont"
    if (head) {
      const { agent, end } = head;
      const rest = words.slice(end);
      // "Claude Sonnet 4.5 and coccinelle": the model is the name and the AI words right after it
      // ("Gemini 2.5 Pro": and the qualifiers after a version).
      const nameWords = words.slice(0, end);
      let versioned = false;
      for (const word of rest) {
        const qualifier = versioned && QUALIFIERS.has(stripPunctuation(word.toLowerCase()));
        if (!qualifier && (!isAiWord(word) || word.startsWith("("))) break;
        nameWords.push(word);
        versioned ||= /[0-9]/.test(word);
      }
      const model = firstModel(rest) ?? modelFromName(nameWords.join(" ")) ?? spacedModel(rest);
      return model ? { agent, model } : { agent };
    }
    // A model first, then maybe the agent that ran it: "Sonnet 4.5 via Claude Code".
    const model = firstModel(words) ?? spacedModel(words);
    const via = words.findIndex((w, i) => i > 0 && VIA.has(w.toLowerCase()));
    const runner = via > 0 ? this.agentAt(words, via + 1) : undefined;
    const agent = runner && runner !== "person" ? runner.agent : undefined;
    if (agent) return model ? { agent, model } : { agent };
    return model ? { agent: GENERIC_AGENT, model } : null;
  }

  /**
   * The agent whose name (up to four words) starts at `words[start]`, the longest one; "person"
   * when that name is a first name followed by a surname (`Claude Dupont`, `Gemini Smith`).
   */
  private agentAt(words: readonly string[], start: number): { agent: string; end: number } | "person" | undefined {
    for (let n = Math.min(4, words.length - start); n >= 1; n--) {
      const phrase = words
        .slice(start, start + n)
        .join(" ")
        .toLowerCase()
        .replace(/[.,;!]+$/, "");
      const agent = this.aliases.get(phrase);
      if (!agent) continue;
      const next = words[start + n];
      if (this.personNames.has(phrase) && next !== undefined && !this.keepsAgent(next)) return "person";
      return { agent, end: start + n };
    }
    return undefined;
  }

  /**
   * Whether the word after an agent's name that is a given name too keeps it the agent: an AI word
   * (isAiWord), an agent's name (`Claude (Claude Code)`), `via`, or a domain (`Claude (claude.ai)`).
   * Anything else is a surname, or a note about a person (`Devin (ops)`, `Claude (from QA)`).
   */
  private keepsAgent(word: string): boolean {
    const w = stripPunctuation(word.toLowerCase());
    return isAiWord(word) || this.aliases.has(w) || VIA.has(w) || /^[a-z0-9-]+\.[a-z]{2,}$/.test(w);
  }

  /** The agent whose identity markers take `email`; the configuration's own ones only if `globs`. */
  private agentForEmail(email: string, globs: boolean): string | undefined {
    for (const marker of this.markers) {
      if (marker.configured && !globs) continue;
      if (marker.match.kind === "identity" && marker.match.emails.some((g) => g.test(email))) return marker.agent;
    }
    return undefined;
  }

  // ---- pull requests -----------------------------------------------------------------------------

  change(change: ChangeInput, commits: readonly CommitInput[]): ChangeAttribution {
    const found = new Collector(undefined, this.disabledRefs);
    const pass = new Pass();
    const login = change.author.login.trim().slice(0, MAX_FIELD);
    let authorAgent: string | null = null;
    for (const marker of this.of("identity", "pr-author")) {
      if (!marker.match.logins.some((g) => g.test(login))) continue;
      // Who the author is does not depend on disableMarkers; whether it counts as evidence does.
      authorAgent ??= marker.agent;
      found.add(marker, { source: "pr-author", text: login });
    }
    this.text(found, "pr-title", pass.bound(change.title, READ_LIMITS.pullText), pass);
    this.text(found, "pr-body", pass.bound(change.body ?? "", READ_LIMITS.pullText), pass);
    pass.longPullText = pass.long;
    pass.unsearchedPullText = pass.unsearched;
    this.branch(found, change.headRef);
    for (const label of change.labels.slice(0, MAX_LABELS)) {
      const name = label.slice(0, MAX_FIELD);
      for (const marker of this.of("label", "label")) {
        if (marker.match.globs.some((g) => g.test(name))) found.add(marker, { source: "label", text: name });
      }
    }

    const perCommit = commits.map((c) => this.commit(c, undefined, pass));
    const own = found.result();
    const all = aggregate(
      [...own.evidence, ...perCommit.flatMap((c) => c.evidence)],
      [...own.ignored, ...perCommit.flatMap((c) => c.ignored)],
    );
    return {
      ...all,
      commits: { total: perCommit.length, ai: perCommit.filter((c) => c.ai).length },
      perCommit,
      authorIsBot: authorAgent !== null || isBotAccount(change.author.login, change.author.type),
      authorIsAgent: authorAgent !== null,
      authorAgent,
      reading: pass.reading(),
    };
  }

  private branch(found: Collector, headRef: string): void {
    const branch = headRef.replace(/^refs\/heads\//, "").slice(0, MAX_FIELD);
    if (branch === "") return;
    const lower = branch.toLowerCase();
    for (const marker of this.of("prefix", "branch")) {
      if (marker.match.prefixes.some((p) => lower.startsWith(p))) found.add(marker, { source: "branch", text: branch });
    }
    for (const marker of this.of("branch", "branch")) {
      if (marker.match.globs.some((g) => g.test(branch))) found.add(marker, { source: "branch", text: branch });
    }
    for (const hit of sessionsFromBranch(branch)) {
      const marker = this.byId.get(hit.marker);
      if (marker) found.add(marker, { source: "branch", text: hit.text, session: hit.session });
    }
  }
}

// ---- collecting and aggregating ------------------------------------------------------------------

interface Found {
  source: EvidenceSource;
  text: string;
  /** Overrides the marker's agent (generic conventions name their agent in the value). */
  agent?: string;
  model?: string;
  session?: AgentSession;
  /** The subject of the squashed commit whose section held it (Evidence.squashed). */
  squashed?: string;
}

/** Evidence found in a section of a squash merge's message, said to be (InSection → Evidence.squashed). */
class InSection implements Sink {
  constructor(
    private readonly to: Sink,
    private readonly subject: string,
  ) {}

  add(marker: CompiledMarker, found: Found): void {
    this.to.add(marker, { ...found, squashed: this.subject });
  }

  ignore(entry: Omit<IgnoredEvidence, "reason" | "commit">, reason: string): void {
    this.to.ignore(entry, reason);
  }
}

class Collector implements Sink {
  private readonly evidence: Evidence[] = [];
  private readonly ignored: IgnoredEvidence[] = [];

  /** `off`: the configuration's disableMarkers, marker ids and agent ids. */
  constructor(
    private readonly sha: string | undefined,
    private readonly off: ReadonlySet<string>,
  ) {}

  add(marker: CompiledMarker, found: Found): void {
    const text = clip(found.text);
    // A switched-off agent is off wherever it is named: a generic trailer (`Assisted-by: Claude:…`,
    // `Agent-Session: <its link>`) names it as much as its own markers do, and records.ts drops
    // its records alike.
    const named = found.agent ?? found.session?.agent;
    if (marker.disabled || (named !== undefined && this.off.size > 0 && this.off.has(named))) {
      this.ignore({ marker: marker.id, source: found.source, text }, DISABLED_BY_CONFIG);
      return;
    }
    if (this.evidence.length >= MAX_EVIDENCE) return;
    // The same marker, source, text and session once (a commit has a few pieces: a scan is enough).
    const sessionId = found.session?.id;
    for (const e of this.evidence) {
      if (e.marker === marker.id && e.source === found.source && e.text === text && e.session?.id === sessionId) return;
    }
    const agent = found.agent ?? found.session?.agent ?? marker.agent;
    // Properties in this order (the order of the JSON a scan prints), set without spreads.
    const evidence: Evidence =
      this.sha === undefined
        ? { agent, marker: marker.id, source: found.source, text }
        : { agent, marker: marker.id, source: found.source, commit: this.sha, text };
    if (found.model) evidence.model = found.model;
    if (found.session) evidence.session = found.session;
    if (found.squashed !== undefined) evidence.squashed = clip(found.squashed);
    this.evidence.push(evidence);
  }

  ignore(entry: Omit<IgnoredEvidence, "reason" | "commit">, reason: string): void {
    if (this.ignored.length >= MAX_EVIDENCE) return;
    if (this.ignored.some((i) => i.marker === entry.marker && i.source === entry.source && i.text === entry.text))
      return;
    // Properties in this order (the order of the JSON a scan prints), set without spreads.
    const { marker, source } = entry;
    const text = clip(entry.text);
    this.ignored.push(
      this.sha === undefined ? { marker, source, text, reason } : { marker, source, text, commit: this.sha, reason },
    );
  }

  result(): Attribution {
    return aggregate(this.evidence, this.ignored);
  }

  /** The result for a commit (the collector was made with its sha). */
  commitResult(authorIgnored: boolean): CommitAttribution {
    const sha = this.sha ?? "";
    if (this.evidence.length === 0) {
      // Most commits: nothing to aggregate.
      const { evidence, ignored } = this;
      return {
        sha,
        authorIgnored,
        ai: false,
        agents: [],
        models: [],
        sessions: [],
        evidence,
        ignored,
      };
    }
    const { ai, agents, models, sessions, evidence, ignored } = this.result();
    return { sha, authorIgnored, ai, agents, models, sessions, evidence, ignored };
  }
}

function aggregate(evidence: Evidence[], ignored: IgnoredEvidence[]): Attribution {
  if (evidence.length === 0) return { ai: false, agents: [], models: [], sessions: [], evidence, ignored };
  if (evidence.length === 1) {
    // One piece of evidence, as most AI-assisted commits have: nothing to merge or sort.
    const [only] = evidence as [Evidence];
    const sessions = only.session ? [{ ...only.session }] : [];
    return { ai: true, agents: [only.agent], models: only.model ? [only.model] : [], sessions, evidence, ignored };
  }
  const sessions: AgentSession[] = [];
  const byKey = new Map<string, AgentSession>();
  for (const e of evidence) {
    if (!e.session) continue;
    const key = `${e.session.agent}\u0000${e.session.id}`;
    const known = byKey.get(key);
    if (!known) {
      const copy = { ...e.session };
      byKey.set(key, copy);
      sessions.push(copy);
    } else if (known.url === undefined && e.session.url !== undefined) {
      known.url = e.session.url;
    }
  }
  const agents: string[] = [];
  const models: string[] = [];
  for (const e of evidence) {
    if (!agents.includes(e.agent)) agents.push(e.agent);
    if (e.model !== undefined && !models.includes(e.model)) models.push(e.model);
  }
  return { ai: true, agents: sorted(agents), models: sorted(models), sessions, evidence, ignored };
}

/** Sorted by UTF-16 code units, in place (the few agents or models of one change). */
function sorted(values: string[]): string[] {
  return values.length < 2 ? values : values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---- text helpers -------------------------------------------------------------------------------

/**
 * A copy of `text` that shares no memory with it, for what the engine remembers. A substring in V8
 * can be a view of its parent (a name or trailer value, of the whole commit object it was cut
 * from): kept in a cache of 20,000 entries, such views kept as many commits alive.
 */
function ownCopy(text: string): string {
  return ` ${text}`.slice(1);
}

/** True when `text` starts with `lowerPrefix` (lower case) in any case. */
function startsWithLowerCase(text: string, lowerPrefix: string): boolean {
  if (text.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    const c = text.charCodeAt(i);
    // Beyond ASCII, leave it to toLowerCase (U+212A KELVIN SIGN lower-cases to "k").
    if (c >= 0x80) return text.slice(0, lowerPrefix.length).toLowerCase() === lowerPrefix;
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}

function identityText(name: string, email: string): string {
  const n = name.trim();
  const e = email.trim();
  return e === "" ? n : n === "" ? `<${e}>` : `${n} <${e}>`;
}

/** `Name <e-mail>`, a bare e-mail, or a bare name. */
function parsePerson(value: string): { name: string; email: string } {
  const open = value.lastIndexOf("<");
  const close = value.lastIndexOf(">");
  if (open >= 0 && close > open) {
    const email = value.slice(open + 1, close).trim();
    if (email.includes("@")) return { name: value.slice(0, open).trim(), email };
  }
  if (/^[^\s@<>]+@[^\s@<>]+$/.test(value)) return { name: "", email: value };
  return { name: value, email: "" };
}

/** The line of `text` around position `at`, trimmed and clipped. */
function lineAround(text: string, at: number): string {
  const start = text.lastIndexOf("\n", at) + 1;
  const end = text.indexOf("\n", at);
  return clip(text.slice(start, end < 0 ? Math.min(text.length, at + 400) : Math.min(end, at + 400)));
}

/** A trailer that git split out of a link: the key a URL scheme, the value what follows its colon. */
function isLinkTrailer(key: string, value: string): boolean {
  return (key === "https" || key === "http") && value.startsWith("//");
}

/** Words after an agent's name that keep it an agent (`Claude Code`, `Devin AI`, `Claude (Anthropic)`). */
const AI_WORDS = new Set([
  "code",
  "ai",
  "agent",
  "assistant",
  "cli",
  "chat",
  "sonnet",
  "opus",
  "haiku",
  "bot",
  "anthropic",
  "openai",
  "google",
  "jetbrains",
  "amazon",
  "aws",
  "ide",
  "by",
  "web",
  "desktop",
  "extension",
]);

/**
 * Whether a word after an agent's name keeps it an agent. A parenthesis counts for what it holds
 * (`Claude (Opus 4.5)`), not for being one: `Devin (ops)` is a person.
 */
function isAiWord(word: string): boolean {
  const w = stripPunctuation(word.toLowerCase());
  return AI_WORDS.has(w) || /[0-9]/.test(w) || word.startsWith(":") || modelToken(w) !== undefined;
}

function stripPunctuation(word: string): string {
  return word.replace(/^[("'[]+/, "").replace(/[)"'\],.;:!]+$/, "");
}

/** A normalised model name if `word` is one (`gpt-4o`, `claude-3-opus`, `o3-mini`, `anthropic/claude-3.5-sonnet`). */
function modelToken(word: string): string | undefined {
  const normalised = normaliseModel(word);
  if (normalised === undefined || !/[0-9]/.test(normalised)) return undefined;
  for (const family of MODEL_FAMILIES) {
    if (!normalised.startsWith(family)) continue;
    const next = normalised[family.length];
    const familyEndsInDigit = /[0-9]$/.test(family);
    if (next === undefined || next === "-" || (!familyEndsInDigit && /[._:0-9]/.test(next))) return normalised;
  }
  return undefined;
}

/** Families written as one word (`opus`, `gpt`, `phi`), for a model named in words. */
const WORD_FAMILIES = new Set(MODEL_FAMILIES.map((f) => f.replace(/-$/, "")).filter((f) => /^[a-z]+$/.test(f)));
const QUALIFIERS = new Set(MODEL_QUALIFIERS);
/** A model's version in words: `4`, `4.7`, `4o`, `V4`, `7b`; never three numbers (`1.5.2`). */
const VERSION = /^v?[0-9]{1,2}(?:\.[0-9]{1,2})?[a-z]?$/;
/** Words between a model and the agent that ran it: "Sonnet 4.5 via Claude Code". */
const VIA = new Set(["via", "using"]);

/** A model named in words at `words[at]`: `Opus 4.7` → `opus-4.7`, `DeepSeek V4 Flash` → `deepseek-v4-flash`. */
function spacedModelAt(words: readonly string[], at: number): string | undefined {
  const family = stripPunctuation((words[at] ?? "").toLowerCase());
  if (!WORD_FAMILIES.has(family)) return undefined;
  const version = stripPunctuation((words[at + 1] ?? "").toLowerCase());
  if (!VERSION.test(version)) return undefined;
  const parts = [family, version];
  for (let i = at + 2; i < words.length && parts.length < 6; i++) {
    const word = stripPunctuation((words[i] as string).toLowerCase());
    if (!QUALIFIERS.has(word)) break;
    parts.push(word);
  }
  return normaliseModel(parts.join("-"));
}

function spacedModel(words: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < words.length; i++) {
    const model = spacedModelAt(words, i);
    if (model) return model;
  }
  return undefined;
}

function firstModel(words: readonly string[]): string | undefined {
  for (const word of words) {
    const model = modelToken(word);
    if (model) return model;
  }
  return undefined;
}

/** `Claude Opus 4.1 (1M context)` → `claude-opus-4.1`; undefined when the name has no version. */
function modelFromName(name: string): string | undefined {
  const withoutNotes = name.replace(/\([^()]{0,100}\)/g, " ").trim();
  if (!/[0-9]/.test(withoutNotes) || !/\s/.test(withoutNotes)) return undefined;
  return normaliseModel(withoutNotes);
}

/** `aider (anthropic/claude-3-5-sonnet-20241022)` → `claude-3-5-sonnet-20241022`. */
function modelInParentheses(name: string): string | undefined {
  const open = name.indexOf("(");
  const close = name.indexOf(")", open + 1);
  if (open < 0 || close < 0) return undefined;
  return normaliseModel(name.slice(open + 1, close));
}

/** Lower-case, provider prefix dropped, spaces as `-`, only `[a-z0-9._:-]`, at most 64 characters. */
function normaliseModel(raw: string): string | undefined {
  let model = stripPunctuation(raw.trim().toLowerCase());
  const slash = model.lastIndexOf("/");
  if (slash >= 0) model = model.slice(slash + 1);
  model = model
    .replace(/\s+/g, "-")
    .replace(/[^a-z0-9._:-]/g, "")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.:]+|[-.:]+$/g, "")
    .slice(0, 64);
  return model === "" ? undefined : model;
}

// ---- engine cache ----------------------------------------------------------------------------------

const engines = new WeakMap<AttributionConfig, Engine>();

function engineFor(config: AttributionConfig): Engine {
  let engine = engines.get(config);
  if (!engine) {
    engine = new Engine(config);
    engines.set(config, engine);
  }
  return engine;
}
