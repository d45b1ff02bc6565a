// The catalogue of AI coding agents and the markers they leave, as data.
//
// This file answers "what counts as AI-assisted"; src/attribution/attribute.ts only interprets it.
// Every marker has a stable id (used in evidence and in `attribution.disableMarkers`) and a test
// in test/attribution/agents.test.ts built from a realistic commit or pull request.
//
// Rules that keep false positives out:
// - Identities are matched on the raw e-mail written in the commit or trailer, never on the GitHub
//   account GitHub resolved it to (GitHub maps some agent e-mails to unrelated users).
// - Logins are trusted only when GitHub reserves them for an app (`name[bot]`, `Copilot`).
// - A person called Claude, Devin or Jules is a person: names alone never identify an agent,
//   except agent-specific names such as "Cursor Agent" or "Copilot Autofix powered by AI".
// - An agent's identity counts wherever a person's can appear as one who wrote the change: as a
//   co-author (`Co-authored-by:`, the kernel's `Co-developed-by:`), in `Signed-off-by:` (which
//   certifies having written it; the kernel and Apache policies say an agent must not sign off,
//   and the check says so, but it is still the agent's work), in git.git's `Helped-by:`, as the
//   commit's author and as its committer (and a bot's login as the PR author), but for a tool that
//   names itself the committer of commits it did not write (aider/author). Not where a person
//   only reviewed, tested, acked or reported it. Each form
//   (e-mail, name, login) belongs to one marker of its agent, and one identity is one piece of
//   evidence per agent: the agent's first marker in this list that matches it.
//
// The regular expressions here are fixed, written by us, start with a literal and use only bounded
// quantifiers, so scanning a 1 MB message is linear. Patterns from repository configuration never
// become RegExps (see glob.ts).

import type { EvidenceSource } from "./types.js";

/** Trailer keys whose value is a person (`Name <e-mail>`) who took part in writing the change. */
export const PERSON_TRAILER_KEYS = ["co-authored-by", "co-developed-by", "signed-off-by", "helped-by"] as const;

export type MarkerMatch =
  /**
   * An identity: a PERSON_TRAILER_KEYS value (`Co-authored-by:`…), the commit author or
   * committer, or the PR author.
   * `emails` and `names` are case-insensitive globs on the raw e-mail / name; `logins` are
   * app-reserved logins compared case-insensitively. Any one of them matching is enough.
   * `model: "name"` reads the model from the name (`Claude Sonnet 4.5`), `"parenthesised"` from
   * a parenthesis (`aider (gpt-4o)`).
   */
  | {
      kind: "identity";
      emails?: readonly string[];
      names?: readonly string[];
      logins?: readonly string[];
      model?: "name" | "parenthesised";
    }
  /** A trailer with one of `keys` (lower-case) whose value matches one of the `values` globs. */
  | { kind: "trailer"; keys: readonly string[]; values: readonly string[] }
  /** A trailer with one of `keys` whose value is this agent's session link or a bare session id. */
  | { kind: "session-trailer"; keys: readonly string[] }
  /** This agent's session link (its `session.link`) anywhere in the text. */
  | { kind: "session-link" }
  /** A session id of this agent's distinctive shape (`session.branchId`) inside the branch name. */
  | { kind: "session-branch" }
  /**
   * A case-insensitive phrase in the text: anywhere, or with `startsLine` only where it begins its
   * line after nothing but spaces and emoji (`🤖 Generated with [Claude Code]`: a footer the tool
   * writes on a line of its own counts, the phrase quoted in a human's sentence does not).
   */
  | { kind: "text"; phrases: readonly string[]; startsLine?: boolean }
  /** The commit subject starts with one of the prefixes (case-insensitive). */
  | { kind: "prefix"; prefixes: readonly string[] };

export interface Marker {
  /** Stable id, `<agent>/<name>`. */
  id: string;
  /** Where the marker can sit; the engine looks for it nowhere else. */
  where: readonly EvidenceSource[];
  match: MarkerMatch;
  /** One line for humans: what the marker is. */
  description: string;
}

export interface SessionShape {
  /** A session link; capture group 1 is the session id. */
  link?: RegExp;
  /** The shape of a bare session id (anchored), e.g. in `Claude-Session: session_…`. */
  id?: RegExp;
  /** A session id inside a branch name; capture group 1 is the id. Only for distinctive shapes. */
  branchId?: RegExp;
  /** The link for a bare id; `{id}` is replaced. Absent when a link needs more than the id. */
  url?: string;
}

export interface Agent {
  /** Canonical id, e.g. "claude-code". */
  id: string;
  /** Display name, e.g. "Claude Code". */
  name: string;
  /**
   * Lower-case names that identify the agent in free text such as `Assisted-by: Claude Code`.
   * Checked at the start of a value only.
   */
  aliases: readonly string[];
  /** Aliases that are also people's first names: they count only when no surname follows. */
  personNames?: readonly string[];
  session?: SessionShape;
  markers: readonly Marker[];
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const COMMIT_TEXT: readonly EvidenceSource[] = ["trailer", "subject", "body"];
const ALL_TEXT: readonly EvidenceSource[] = [...COMMIT_TEXT, "pr-title", "pr-body"];
/** Where a person's identity can appear: a co-author trailer, the commit's author, its committer. */
const PERSON: readonly EvidenceSource[] = ["trailer", "author", "committer"];
/** A bot account: wherever a person can appear, and as the pull request's author. */
const ACCOUNT: readonly EvidenceSource[] = [...PERSON, "pr-author"];

/**
 * The e-mail GitHub gives an app's bot account, `<id>+<slug>[bot]@users.noreply.github.com`: the
 * numeric id is part of the address and differs per app, so the pattern names the slug only.
 */
const botEmail = (slug: string) => `*+${slug}[bot]@users.noreply.github.com`;

/** An app's bot account, by its login, its git name and its e-mail (`…[bot]` forms only). */
function botAccount(slug: string, extraEmails: readonly string[] = []): MarkerMatch {
  const login = `${slug}[bot]`;
  return { kind: "identity", logins: [login], names: [login], emails: [botEmail(slug), ...extraEmails] };
}

export const AGENTS: readonly Agent[] = [
  {
    id: "claude-code",
    name: "Claude Code",
    aliases: ["claude code", "claude-code", "claude"],
    personNames: ["claude"],
    session: {
      link: /https?:\/\/claude\.ai\/code\/(session_[A-Za-z0-9]{8,64})/,
      id: /^session_[A-Za-z0-9]{8,64}$/,
      branchId: /(?:^|[/_-])(session_[A-Za-z0-9]{20,64})(?![A-Za-z0-9])/,
      url: "https://claude.ai/code/{id}",
    },
    markers: [
      {
        id: "claude-code/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["noreply@anthropic.com"], model: "name" },
        description: "Co-Authored-By: Claude <model> <noreply@anthropic.com> (or the author or committer)",
      },
      {
        id: "claude-code/footer",
        where: ["body", "pr-body"],
        match: { kind: "text", phrases: ["generated with [claude code]"], startsLine: true },
        description: "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
      },
      {
        id: "claude-code/session",
        where: ["trailer"],
        match: { kind: "session-trailer", keys: ["claude-session"] },
        description: "Claude-Session: https://claude.ai/code/session_…",
      },
      {
        id: "claude-code/session-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a https://claude.ai/code/session_… link",
      },
      {
        id: "claude-code/session-branch",
        where: ["branch"],
        match: { kind: "session-branch" },
        description: "a session_… id in the head branch name",
      },
      {
        id: "claude-code/bot",
        where: ACCOUNT,
        match: botAccount("claude"),
        description: "claude[bot] (the Claude GitHub app) as author, co-author or PR author",
      },
      {
        id: "claude-code/branch",
        where: ["branch"],
        match: { kind: "prefix", prefixes: ["claude/"] },
        description: "head branch claude/…",
      },
    ],
  },
  {
    id: "github-copilot",
    name: "GitHub Copilot",
    aliases: ["github copilot", "github-copilot", "copilot"],
    session: {
      link: new RegExp(`https://github\\.com/[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}/sessions/(${UUID})`, "i"),
      id: new RegExp(`^${UUID}$`, "i"),
    },
    markers: [
      {
        id: "github-copilot/agent",
        where: ACCOUNT,
        match: {
          kind: "identity",
          logins: ["copilot-swe-agent[bot]", "Copilot"],
          names: ["copilot-swe-agent[bot]"],
          emails: [botEmail("copilot-swe-agent")],
        },
        description: "copilot-swe-agent[bot] / Copilot (Copilot coding agent) as author or PR author",
      },
      {
        id: "github-copilot/co-author",
        where: PERSON,
        match: {
          kind: "identity",
          emails: ["*+copilot@users.noreply.github.com", "copilot@github.com"],
        },
        description: "Co-authored-by: Copilot <…+Copilot@users.noreply.github.com> or <copilot@github.com>",
      },
      {
        id: "github-copilot/autofix",
        where: PERSON,
        match: { kind: "identity", names: ["Copilot Autofix powered by AI"] },
        description: "Co-authored-by: Copilot Autofix powered by AI <…>",
      },
      {
        id: "github-copilot/session",
        where: ["trailer"],
        match: { kind: "session-trailer", keys: ["agent-logs-url"] },
        description: "Agent-Logs-Url: https://github.com/<owner>/<repo>/sessions/<uuid>",
      },
      {
        id: "github-copilot/session-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a https://github.com/<owner>/<repo>/sessions/<uuid> link",
      },
      {
        id: "github-copilot/pr-body",
        where: ["pr-body"],
        match: { kind: "text", phrases: ["<!-- start copilot coding agent"], startsLine: true },
        description: "the Copilot coding agent's hidden <!-- START COPILOT CODING AGENT … --> block",
      },
      {
        id: "github-copilot/branch",
        where: ["branch"],
        match: { kind: "prefix", prefixes: ["copilot/"] },
        description: "head branch copilot/…",
      },
    ],
  },
  {
    id: "codex",
    name: "OpenAI Codex",
    aliases: ["openai codex", "codex cli", "codex"],
    session: {
      link: /https:\/\/chatgpt\.com\/codex\/tasks\/(task_[A-Za-z0-9_]{4,100})/,
      id: /^task_[A-Za-z0-9_]{4,100}$/,
      branchId: /(?:^|[/-])(task_e_[0-9a-f]{16,64})(?![0-9a-z])/,
      url: "https://chatgpt.com/codex/tasks/{id}",
    },
    markers: [
      {
        id: "codex/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["noreply@openai.com", "codex@openai.com"], model: "name" },
        description: "Co-authored-by: Codex <noreply@openai.com> or <codex@openai.com> (or the author)",
      },
      {
        id: "codex/task-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a https://chatgpt.com/codex/tasks/task_… link",
      },
      {
        id: "codex/session-branch",
        where: ["branch"],
        match: { kind: "session-branch" },
        description: "a task_e_… id in the head branch name",
      },
      {
        id: "codex/bot",
        where: ACCOUNT,
        match: botAccount("chatgpt-codex-connector"),
        description:
          "chatgpt-codex-connector[bot] as author, co-author (<id>+chatgpt-codex-connector[bot]@…) or PR author",
      },
      {
        id: "codex/branch",
        where: ["branch"],
        match: { kind: "prefix", prefixes: ["codex/"] },
        description: "head branch codex/…",
      },
    ],
  },
  {
    id: "cursor",
    name: "Cursor",
    aliases: ["cursor agent", "cursor"],
    session: {
      link: /(?:https?:\/\/)?(?:www\.)?cursor\.com\/(?:agents\?id=|background-agent\?bcId=)(bc-[A-Za-z0-9-]{4,64})/i,
      id: /^bc-[A-Za-z0-9-]{4,64}$/,
      branchId: new RegExp(`(?:^|[/_-])(bc-${UUID})(?![0-9a-z])`, "i"),
      url: "https://cursor.com/agents?id={id}",
    },
    markers: [
      {
        id: "cursor/agent",
        where: PERSON,
        match: { kind: "identity", names: ["Cursor Agent"] },
        description: "Cursor Agent as author, committer or co-author",
      },
      {
        id: "cursor/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["cursoragent@cursor.com"] },
        description: "Co-authored-by: Cursor <cursoragent@cursor.com> (or the author)",
      },
      {
        id: "cursor/made-with",
        where: ["trailer"],
        match: { kind: "trailer", keys: ["made-with"], values: ["cursor", "cursor *"] },
        description: "Made-with: Cursor",
      },
      {
        id: "cursor/agent-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a cursor.com/agents?id=bc-… link",
      },
      {
        id: "cursor/session-branch",
        where: ["branch"],
        match: { kind: "session-branch" },
        description: "a bc-<uuid> id in the head branch name",
      },
      {
        id: "cursor/branch",
        where: ["branch"],
        match: { kind: "prefix", prefixes: ["cursor/"] },
        description: "head branch cursor/…",
      },
    ],
  },
  {
    id: "aider",
    name: "Aider",
    aliases: ["aider"],
    markers: [
      {
        id: "aider/co-author",
        where: PERSON,
        match: {
          kind: "identity",
          // noreply@aider.dev: the form of aider's first co-author trailers (Aider-AI/aider#3788).
          emails: ["aider@aider.chat", "noreply@aider.chat", "noreply@aider.dev"],
          model: "parenthesised",
        },
        description: "Co-authored-by: aider (<model>) <aider@aider.chat> (or noreply@aider.chat, noreply@aider.dev)",
      },
      {
        id: "aider/author",
        // Not the committer: aider appends (aider) to the committer's name of every commit it makes,
        // the user's own changes included (its `/commit` and the commit of dirty files before an
        // edit: "aider_edits=False -> Author=You, Committer=You(aider)", aider/repo.py), and to the
        // author's name only when its model wrote the change (Aider-AI/aider 3be2109, 9e22867).
        where: ["trailer", "author"],
        match: { kind: "identity", names: ["* (aider)"] },
        description: "author name ending in (aider) (not the committer's: aider marks every commit it makes)",
      },
      {
        id: "aider/subject",
        where: ["subject"],
        match: { kind: "prefix", prefixes: ["aider: "] },
        description: "subject starting with aider: ",
      },
    ],
  },
  {
    id: "devin",
    name: "Devin",
    aliases: ["devin ai", "devin"],
    personNames: ["devin"],
    session: {
      link: /https:\/\/app\.devin\.ai\/sessions\/([0-9a-f]{32})(?![0-9a-z])/i,
      id: /^[0-9a-f]{32}$/i,
      url: "https://app.devin.ai/sessions/{id}",
    },
    markers: [
      {
        id: "devin/co-author",
        where: PERSON,
        match: { kind: "identity", names: ["Devin AI"] },
        description: "Co-Authored-By: Devin AI <…+devin-ai-integration[bot]@users.noreply.github.com>",
      },
      {
        id: "devin/bot",
        where: ACCOUNT,
        match: botAccount("devin-ai-integration"),
        description: "devin-ai-integration[bot] as author, co-author or PR author",
      },
      {
        id: "devin/session-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a https://app.devin.ai/sessions/<32 hex> link",
      },
      {
        id: "devin/branch",
        where: ["branch"],
        match: { kind: "prefix", prefixes: ["devin/"] },
        description: "head branch devin/…",
      },
    ],
  },
  {
    id: "jules",
    name: "Google Jules",
    aliases: ["google jules", "jules"],
    personNames: ["jules"],
    session: {
      link: /https:\/\/jules\.google\.com\/task\/([0-9]{1,40})(?![0-9])/,
      id: /^[0-9]{1,40}$/,
      url: "https://jules.google.com/task/{id}",
    },
    markers: [
      {
        id: "jules/bot",
        where: ACCOUNT,
        match: botAccount("google-labs-jules"),
        description: "google-labs-jules[bot] as author, co-author or PR author",
      },
      {
        id: "jules/task-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a https://jules.google.com/task/<n> link",
      },
    ],
  },
  {
    id: "amp",
    name: "Amp",
    aliases: ["sourcegraph amp", "amp"],
    session: {
      link: new RegExp(`https://ampcode\\.com/threads/(T-${UUID})`, "i"),
      id: new RegExp(`^T-${UUID}$`, "i"),
      branchId: new RegExp(`(?:^|[/_-])(T-${UUID})(?![0-9a-z])`, "i"),
      url: "https://ampcode.com/threads/{id}",
    },
    markers: [
      {
        id: "amp/thread",
        where: ["trailer"],
        match: { kind: "session-trailer", keys: ["amp-thread-id", "amp-thread"] },
        description: "Amp-Thread-ID: https://ampcode.com/threads/T-<uuid>",
      },
      {
        id: "amp/thread-link",
        where: ALL_TEXT,
        match: { kind: "session-link" },
        description: "a https://ampcode.com/threads/T-<uuid> link",
      },
      {
        id: "amp/session-branch",
        where: ["branch"],
        match: { kind: "session-branch" },
        description: "a T-<uuid> thread id in the head branch name",
      },
      {
        id: "amp/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["amp@ampcode.com"] },
        description: "Co-authored-by: Amp <amp@ampcode.com> (or the author)",
      },
    ],
  },
  {
    id: "kiro",
    name: "Kiro",
    aliases: ["kiro"],
    // A given name too (`Assisted-by: Kiro Tanaka`).
    personNames: ["kiro"],
    session: { id: /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/ },
    markers: [
      {
        id: "kiro/agent",
        where: PERSON,
        match: { kind: "identity", names: ["Kiro Agent"] },
        description: "Kiro Agent as author, committer or co-author",
      },
      {
        id: "kiro/bot",
        where: ACCOUNT,
        match: botAccount("kiro-agent"),
        description: "kiro-agent[bot] (the Kiro GitHub app) as author, co-author or PR author",
      },
      {
        id: "kiro/session",
        where: ["trailer"],
        match: { kind: "session-trailer", keys: ["kiro-session-id"] },
        description: "Kiro-Session-Id: <id>",
      },
    ],
  },
  {
    id: "amazon-q",
    name: "Amazon Q Developer",
    aliases: ["amazon q developer", "amazon q", "q developer"],
    markers: [
      {
        id: "amazon-q/bot",
        where: ACCOUNT,
        match: botAccount("amazon-q-developer"),
        description: "amazon-q-developer[bot] as author, co-author or PR author",
      },
    ],
  },
  {
    id: "openhands",
    name: "OpenHands",
    aliases: ["openhands", "all hands"],
    markers: [
      {
        id: "openhands/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["openhands@all-hands.dev"] },
        description: "Co-authored-by: openhands <openhands@all-hands.dev> (or the author)",
      },
      {
        id: "openhands/bot",
        where: ACCOUNT,
        match: botAccount("openhands-ai"),
        description: "openhands-ai[bot] (the OpenHands GitHub app) as author, co-author or PR author",
      },
    ],
  },
  {
    id: "opencode",
    name: "OpenCode",
    aliases: ["opencode"],
    markers: [
      {
        id: "opencode/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["noreply@opencode.ai"] },
        description: "Co-authored-by: opencode <noreply@opencode.ai> (or the author)",
      },
      {
        id: "opencode/bot",
        where: ACCOUNT,
        // Its GitHub workflow also commits as `opencode-agent[bot]@users.noreply.github.com`, without an id.
        match: botAccount("opencode-agent", ["opencode-agent[bot]@users.noreply.github.com"]),
        description: "opencode-agent[bot] (the opencode GitHub app) as author, co-author or PR author",
      },
    ],
  },
  {
    id: "sweep",
    name: "Sweep",
    aliases: ["sweep ai", "sweep"],
    markers: [
      {
        id: "sweep/bot",
        where: ACCOUNT,
        match: botAccount("sweep-ai"),
        description: "sweep-ai[bot] as author, co-author or PR author",
      },
      {
        id: "sweep/branch",
        where: ["branch"],
        match: { kind: "prefix", prefixes: ["sweep/"] },
        description: "head branch sweep/…",
      },
    ],
  },
  {
    id: "factory",
    name: "Factory Droid",
    aliases: ["factory droid", "factory ai", "droid"],
    markers: [
      {
        id: "factory/bot",
        where: ACCOUNT,
        match: botAccount("factory-droid"),
        description: "factory-droid[bot] as co-author, author or PR author",
      },
    ],
  },
  {
    id: "warp",
    name: "Warp",
    aliases: ["warp agent", "warp"],
    markers: [
      {
        id: "warp/co-author",
        where: PERSON,
        // Warp's agent signs as Warp <agent@warp.dev>, and since its rename as Oz <oz-agent@warp.dev>.
        match: { kind: "identity", emails: ["agent@warp.dev", "oz-agent@warp.dev"] },
        description: "Co-Authored-By: Warp <agent@warp.dev> or Oz <oz-agent@warp.dev> (or the author)",
      },
    ],
  },
  {
    id: "gemini",
    name: "Google Gemini",
    aliases: ["gemini cli", "gemini code assist", "google gemini", "gemini"],
    personNames: ["gemini"],
    markers: [
      {
        id: "gemini/code-assist",
        where: ACCOUNT,
        match: botAccount("gemini-code-assist"),
        description: "gemini-code-assist[bot] as co-author (an applied review suggestion), author or PR author",
      },
      {
        id: "gemini/cli-bot",
        where: ACCOUNT,
        // The run-gemini-cli workflows commit as `gemini-cli[bot]@users.noreply.github.com`, without an id.
        match: botAccount("gemini-cli", ["gemini-cli[bot]@users.noreply.github.com"]),
        description: "gemini-cli[bot] (Gemini CLI's GitHub workflows) as author, co-author or PR author",
      },
      {
        id: "gemini/co-author",
        where: PERSON,
        // Gemini CLI writes no trailer of its own; these are the addresses its users write.
        match: { kind: "identity", emails: ["gemini-cli@google.com", "gemini@google.com"] },
        description: "Co-authored-by: Gemini CLI <gemini-cli@google.com> (or <gemini@google.com>)",
      },
    ],
  },
  {
    id: "qodo",
    name: "Qodo",
    aliases: ["qodo merge", "qodo gen", "qodo command", "qodo"],
    markers: [
      {
        id: "qodo/bot",
        where: ACCOUNT,
        match: {
          kind: "identity",
          logins: ["qodo-merge-pro[bot]", "qodo-code-review[bot]"],
          names: ["qodo-merge-pro[bot]", "qodo-code-review[bot]"],
          emails: [botEmail("qodo-merge-pro"), botEmail("qodo-code-review")],
        },
        description: "qodo-merge-pro[bot] / qodo-code-review[bot] as co-author (an applied suggestion) or author",
      },
    ],
  },
  {
    id: "coderabbit",
    name: "CodeRabbit",
    aliases: ["coderabbit"],
    markers: [
      {
        id: "coderabbit/bot",
        where: ACCOUNT,
        // Its review alone is no evidence (reviews are not read); code it wrote is: a committable
        // suggestion applied from its review names it as co-author, as Gemini Code Assist's does,
        // and the pull requests it opens (docstrings, unit tests) are its own.
        match: botAccount("coderabbitai"),
        description: "coderabbitai[bot] as co-author (an applied suggestion), author or PR author",
      },
    ],
  },
  {
    id: "roo-code",
    name: "Roo Code",
    aliases: ["roo code", "roomote"],
    markers: [
      {
        id: "roo-code/co-author",
        where: PERSON,
        match: { kind: "identity", emails: ["roomote@roocode.com"] },
        description: "Co-authored-by: Roomote <roomote@roocode.com> (Roo Code's cloud agent; or the author)",
      },
      {
        id: "roo-code/bot",
        where: ACCOUNT,
        match: botAccount("roomote"),
        description: "roomote[bot] as author, co-author or PR author",
      },
    ],
  },
  {
    id: "entire",
    name: "Entire",
    // "entire" is an English word: the agent is named by its trailer, never in free text.
    aliases: [],
    session: {
      // Checkpoint ids: 12 hex digits, or a ULID in newer versions.
      id: /^(?:[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26})$/i,
    },
    markers: [
      {
        id: "entire/checkpoint",
        where: ["trailer"],
        match: { kind: "session-trailer", keys: ["entire-checkpoint"] },
        description: "Entire-Checkpoint: <checkpoint id> (an agent session captured by Entire)",
      },
    ],
  },
];

/**
 * How a generic trailer counts:
 * - "ai-name": only when the value names a known AI agent or model (`Assisted-by: Claude:claude-3-opus`),
 *   because curl writes `Assisted-by:` for human helpers and non-AI tools write `Generated-by:`;
 *   `attribution.trustGenericTrailers` relaxes this to any value.
 * - "explicit": the key itself says AI; the value may name the agent.
 * - "affirmative": counts unless the value is a negation (`AI-assisted: no`).
 * - "session": an agent session link or id.
 */
export type GenericRule = "ai-name" | "explicit" | "affirmative" | "session";

export interface GenericConvention {
  /** Marker id, e.g. "generic/assisted-by". */
  id: string;
  /** Lower-case trailer key. */
  key: string;
  rule: GenericRule;
  description: string;
}

export const GENERIC_AGENT = "generic";

export const GENERIC_CONVENTIONS: readonly GenericConvention[] = [
  {
    id: "generic/assisted-by",
    key: "assisted-by",
    rule: "ai-name",
    description: "Assisted-by: AGENT:MODEL [TOOLS] (Linux kernel, Fedora)",
  },
  {
    id: "generic/generated-by",
    key: "generated-by",
    rule: "ai-name",
    description: "Generated-by: <AI agent or model>",
  },
  {
    id: "generic/co-authored-by-ai",
    key: "co-authored-by-ai",
    rule: "explicit",
    description: "Co-authored-by-AI: <agent or model>",
  },
  {
    id: "generic/ai-assisted",
    key: "ai-assisted",
    rule: "affirmative",
    description: "AI-assisted: true",
  },
  {
    id: "generic/agent-session",
    key: "agent-session",
    rule: "session",
    description: "Agent-Session: <session link or id>",
  },
];

/** Marker of the configured PR labels (`attribution.labels`). */
export const LABEL_MARKER = "config/label";

/** Why a marker the repository switched off was seen and not counted (IgnoredEvidence.reason). */
export const DISABLED_BY_CONFIG = "disabled by attribution.disableMarkers";

/**
 * First words of a generic trailer's value that mean "no", or that it was left unfilled: what a
 * team's commit template gets when every author must fill in an AI-disclosure field
 * (`AI-assisted: No.`, `Agent-Session: n/a`, `Kiro-Session-Id: TBD`).
 */
export const NEGATIONS: readonly string[] = [
  // Placeholders, not answers.
  "tbd",
  "tba",
  "todo",
  "unknown",
  "pending",
  "placeholder",
  "xxx",
  "no",
  "false",
  "0",
  "none",
  "n",
  "off",
  "n/a",
  "na",
  "nil",
  "null",
  "not",
  "nope",
  "never",
  "unset",
];
const NEGATION_SET = new Set(NEGATIONS);

/**
 * Whether a trailer's value says no: a negation as its first word (`No.`, `no - written by hand`,
 * `N/A`), or only dashes or underscores (a template's blank: `-`, `___`).
 */
export function saysNo(value: string): boolean {
  const text = value.trim().toLowerCase();
  if (/^[-_\u2013\u2014]+$/.test(text)) return true;
  const first = /^[^\s,;:.!?()[\]]+/.exec(text)?.[0] ?? "";
  return NEGATION_SET.has(first);
}

/**
 * Model families: a token that starts with one of these, then ends or goes on with `-`, `.`, `_`,
 * `:` or a digit (only `-` after a family ending in a digit, so `o365` is not `o3`), and contains a
 * digit names a model (`claude-3-opus`, `gpt-4o`, `o3-mini`, `gemini-2.5-pro`, `sonnet-4.5`).
 */
export const MODEL_FAMILIES: readonly string[] = [
  "claude",
  "sonnet",
  "opus",
  "haiku",
  "gpt",
  "chatgpt",
  "o1",
  "o3",
  "o4",
  "gemini",
  "gemma",
  "llama",
  "codellama",
  "mistral",
  "mixtral",
  "codestral",
  "devstral",
  "magistral",
  "deepseek",
  "qwen",
  "grok",
  "phi-",
  "kimi",
  "glm",
  "starcoder",
  "command-r",
];

/**
 * A model is also named in words, as people write it in trailers (`Assisted-by: Opus 4.7` in
 * git.git, `Generated-by: GPT 5.2`, `Generated-By: DeepSeek V4 Flash`): a family of letters
 * (from MODEL_FAMILIES), then a version of one or two numbers (`4`, `4.7`, `4o`, `V4`, `7b`),
 * then any of these words. `Opus 1.5.2` (the audio codec's version) or `Sphinx 7.2.6` names none.
 */
export const MODEL_QUALIFIERS: readonly string[] = [
  "pro",
  "flash",
  "lite",
  "mini",
  "nano",
  "max",
  "turbo",
  "coder",
  "codex",
  "sonnet",
  "opus",
  "haiku",
  "thinking",
  "preview",
  "instruct",
];

/** Names of OTHER_AI_NAMES that are given names too (`Assisted-by: Junie Park` is a person). */
export const OTHER_AI_PERSON_NAMES: readonly string[] = ["junie"];

/** AI tools and models named in free text that are not agents of the catalogue (agent "generic"). */
export const OTHER_AI_NAMES: readonly string[] = [
  "chatgpt",
  "windsurf",
  "cline",
  "tabnine",
  "codeium",
  "augment code",
  "junie",
  "codestral",
  "devstral",
  "deepseek",
  "qwen",
  "grok",
  "mistral",
];

/** Bots that are not coding agents: they are bots (never engineers) but not AI evidence. */
export const NON_AGENT_BOTS: readonly string[] = [
  "dependabot[bot]",
  "dependabot-preview[bot]",
  "renovate[bot]",
  "renovate-bot",
  "github-actions[bot]",
  "github-actions",
  "github-advanced-security[bot]",
  "mergify[bot]",
  "pre-commit-ci[bot]",
  "allcontributors[bot]",
  "imgbot[bot]",
  "greenkeeper[bot]",
  "snyk-bot",
  "codecov[bot]",
  "netlify[bot]",
  "vercel[bot]",
  "release-please[bot]",
  "semantic-release-bot",
  "web-flow",
];

// ---- lookups -------------------------------------------------------------------------------------

const agentsById = new Map(AGENTS.map((a) => [a.id, a]));
const markerAgent = new Map<string, string>(AGENTS.flatMap((a) => a.markers.map((m) => [m.id, a.id] as const)));
const botLoginAgent = new Map<string, string>();
for (const agent of AGENTS) {
  for (const marker of agent.markers) {
    if (marker.match.kind === "identity" && marker.where.includes("pr-author")) {
      for (const login of marker.match.logins ?? []) botLoginAgent.set(login.toLowerCase(), agent.id);
    }
  }
}
const nonAgentBots = new Set(NON_AGENT_BOTS.map((l) => l.toLowerCase()));

export const AGENT_IDS: readonly string[] = AGENTS.map((a) => a.id);

/**
 * The markers of agent records (records.ts): an Agent Trace record, a git-ai note. Not in any
 * agent's list, since a record names whichever agent its tool was; listed so that
 * `attribution.disableMarkers` can switch records off as evidence.
 */
export const RECORD_MARKERS: readonly string[] = ["agent-trace/record", "git-ai/note"];

/**
 * Every built-in marker id: the agents' markers, the generic conventions, the label marker and
 * the records' markers.
 */
export const MARKER_IDS: readonly string[] = [
  ...AGENTS.flatMap((a) => a.markers.map((m) => m.id)),
  ...GENERIC_CONVENTIONS.map((g) => g.id),
  LABEL_MARKER,
  ...RECORD_MARKERS,
];

export function agentById(id: string): Agent | undefined {
  return agentsById.get(id);
}

/** The agent a built-in marker belongs to ("generic" for generic conventions and labels). */
export function agentOfMarker(markerId: string): string | undefined {
  if (markerAgent.has(markerId)) return markerAgent.get(markerId);
  return MARKER_IDS.includes(markerId) ? GENERIC_AGENT : undefined;
}

/** The agent whose bot account this login is, if any (case-insensitive). */
export function agentForBotLogin(login: string): string | null {
  return botLoginAgent.get(login.trim().toLowerCase()) ?? null;
}

/**
 * True for any bot account: GitHub's `type: "Bot"`, an app login `name[bot]`, an agent's bot, or a
 * known automation account without the suffix (renovate-bot, web-flow…). Bots never count as engineers.
 */
export function isBot(login: string, type?: string): boolean {
  if (type === "Bot") return true;
  const normalised = login.trim().toLowerCase();
  return normalised.endsWith("[bot]") || nonAgentBots.has(normalised) || botLoginAgent.has(normalised);
}
