// Inputs and results of the attribution engine (src/attribution/attribute.ts).

/** Where a piece of evidence was found. */
export type EvidenceSource =
  | "trailer"
  | "author"
  | "committer"
  | "subject"
  | "body"
  | "pr-author"
  | "pr-body"
  | "pr-title"
  | "branch"
  | "label"
  /** An Agent Trace record (`.agent-trace/traces.jsonl` or `refs/notes/agent-trace`), see agent-trace.ts. */
  | "agent-trace"
  /** A git-ai authorship note (`refs/notes/ai`), see git-ai.ts. */
  | "git-ai";

export interface AgentSession {
  /** Agent id, e.g. "claude-code", or "generic" for an `Agent-Session:` of an unknown agent. */
  agent: string;
  /** The session id as the agent writes it, e.g. "session_01Jc…", "bc-…", "T-…". */
  id: string;
  /** Link to the session, when it was found or can be built from the id. */
  url?: string;
}

export interface Evidence {
  /** Agent id, e.g. "claude-code", "generic", or the id of an agent defined in the config. */
  agent: string;
  /** Marker id, e.g. "claude-code/co-author" (see src/attribution/agents.ts). */
  marker: string;
  source: EvidenceSource;
  /** Full sha when the evidence is in a commit. */
  commit?: string;
  /** The matched text (trimmed, at most ~200 characters), for audit. */
  text: string;
  /** Normalised model name, e.g. "claude-sonnet-4.5", when the marker names one. */
  model?: string;
  session?: AgentSession;
  /**
   * The subject of the commit, squashed into a GitHub squash-merge message, whose section held the
   * evidence (src/attribution/squash.ts); absent for evidence found anywhere else.
   */
  squashed?: string;
}

/** A marker that matched but was not counted, so the check can say why. */
export interface IgnoredEvidence {
  marker: string;
  source: EvidenceSource;
  commit?: string;
  text: string;
  /** Human-readable reason, e.g. "value names no known AI agent or model". */
  reason: string;
}

/**
 * Lines a record (Agent Trace ranges, git-ai attestations) attributes, by who wrote them. Lines no
 * record speaks of are in none of these: `total` is the lines recorded, not the lines changed.
 */
export interface LineShare {
  /** Written by AI. */
  ai: number;
  /** AI output edited by a human, or the reverse (Agent Trace's `mixed`). */
  mixed: number;
  /** Every line recorded: AI, mixed, human and unknown. */
  total: number;
}

export interface Attribution {
  ai: boolean;
  /** Agent ids, deduplicated and sorted. */
  agents: string[];
  /** Model names, deduplicated and sorted. */
  models: string[];
  /** Deduplicated by (agent, id), in the order first found. */
  sessions: AgentSession[];
  evidence: Evidence[];
  ignored: IgnoredEvidence[];
  /** Lines attributed by agent records (records.ts); absent when no record gave line ranges. */
  lines?: LineShare;
}

export interface Identity {
  name: string;
  email: string;
  /** GitHub's account for the e-mail; only `[bot]` logins are trusted (see agents.ts). */
  login?: string | null;
}

export interface CommitInput {
  sha: string;
  message: string;
  author: Identity;
  committer?: Identity;
}

/** A pull request's commit as Shipledger reads it from GitHub. */
export interface PullCommit extends CommitInput {
  authoredAt: number | null;
  /**
   * When it was committed (its committer's date: later than the author's for a commit rebased,
   * amended or cherry-picked); absent where it was not read (the ledger's copy).
   */
  committedAt?: number | null;
  /** Its parents' shas, as GitHub lists them; absent where they were not read (the ledger's copy). */
  parents?: readonly string[];
}

export interface ChangeInput {
  number?: number;
  title: string;
  body: string | null;
  author: { login: string; type?: string };
  headRef: string;
  labels: string[];
}

export interface CommitAttribution extends Attribution {
  sha: string;
  /** True when the commit's author matched `attribution.ignoreAuthors`: nothing was attributed. */
  authorIgnored: boolean;
}

/** What the engine read of a change, against its limits (src/attribution/limits.ts). */
export interface Reading {
  /** Characters searched by the repository's configured phrases and link prefixes, once per pattern. */
  work: number;
  /** Commit messages with a subject or body over READ_LIMITS.messageText (or a trailer value over trailerValue). */
  longMessages: number;
  /** The pull request's title or description was over READ_LIMITS.pullText. */
  longPullText: boolean;
  /**
   * Commit messages not searched whole by the configured phrases and link prefixes, or with a person
   * or trailer not tried by the configured glob patterns: the budget was spent.
   */
  unsearchedMessages: number;
  /** The same for the pull request's title and description. */
  unsearchedPullText: boolean;
}

export interface ChangeAttribution extends Attribution {
  commits: { total: number; ai: number };
  perCommit: CommitAttribution[];
  /** The PR author is a bot (an agent bot or any other, e.g. dependabot[bot]). */
  authorIsBot: boolean;
  /** The PR author is a known agent's bot account (built-in or configured `logins`). */
  authorIsAgent: boolean;
  /** That agent's id, e.g. "github-copilot" for `copilot-swe-agent[bot]`; null for anyone else. */
  authorAgent: string | null;
  /** How much of the change's text was read, and what its limits left out. */
  reading: Reading;
}
