// How strongly a piece of evidence says an agent took part: explicit when the agent (or its
// tooling) put its name where a tool records authorship — a trailer, an identity (author,
// committer, co-author, the pull request's bot author), a session link or id, an Agent Trace or
// git-ai record; circumstantial when it is a hint a person could leave for other reasons — a
// branch name, a label, a phrase or prefix in a title or a message.

import type { EvidenceStrength } from "../model/ledger.js";
import { AGENTS, GENERIC_AGENT, LABEL_MARKER, type MarkerMatch, RECORD_MARKERS } from "./agents.js";
import type { Evidence } from "./types.js";

export type { EvidenceStrength };

const CIRCUMSTANTIAL_KINDS: ReadonlySet<MarkerMatch["kind"]> = new Set(["text", "prefix", "session-branch"]);

const kindOfMarker = new Map<string, MarkerMatch["kind"]>(
  AGENTS.flatMap((a) => a.markers.map((m) => [m.id, m.match.kind] as const)),
);

/** A configured agent's marker (`<agent>/config/<kind>`, from `.github/shipledger.yml`). */
const CONFIG_MARKER = /\/config\/(email|name|login|trailer\[\d+\]|branch|text|link|label)$/;
const CONFIG_CIRCUMSTANTIAL = new Set(["branch", "text", "label"]);

export function evidenceStrength(e: Pick<Evidence, "marker" | "source">): EvidenceStrength {
  if (e.source === "branch" || e.source === "label" || e.marker === LABEL_MARKER) return "circumstantial";
  const kind = kindOfMarker.get(e.marker);
  if (kind) return CIRCUMSTANTIAL_KINDS.has(kind) ? "circumstantial" : "explicit";
  const configured = CONFIG_MARKER.exec(e.marker)?.[1];
  if (configured) return CONFIG_CIRCUMSTANTIAL.has(configured) ? "circumstantial" : "explicit";
  // Generic conventions are trailers (Assisted-by:, Generated-by:, Agent-Session:, …).
  if (e.marker.startsWith(`${GENERIC_AGENT}/`)) return "explicit";
  // A record of authorship (git-ai, Agent Trace) is written by the agent's own tooling.
  if (RECORD_MARKERS.includes(e.marker)) return "explicit";
  return EXPLICIT_SOURCES.has(e.source) ? "explicit" : "circumstantial";
}

/** Where an unknown marker's evidence is explicit: where a tool records authorship. */
const EXPLICIT_SOURCES: ReadonlySet<Evidence["source"]> = new Set([
  "trailer",
  "author",
  "committer",
  "pr-author",
  "git-ai",
  "agent-trace",
]);

/** The strongest of a change's evidence: explicit when any piece is, circumstantial when only hints. */
export function strongestEvidence(evidence: readonly Pick<Evidence, "marker" | "source">[]): EvidenceStrength | null {
  if (evidence.length === 0) return null;
  return evidence.some((e) => evidenceStrength(e) === "explicit") ? "explicit" : "circumstantial";
}

/** The agents that explicit pieces of `evidence` name, each once, in the order first named. */
export function explicitAgents(evidence: readonly unknown[]): string[] {
  const agents: string[] = [];
  for (const e of evidence) {
    if (typeof e !== "object" || e === null) continue;
    const { agent, marker, source } = e as Partial<Evidence>;
    if (typeof agent !== "string" || typeof marker !== "string" || typeof source !== "string") continue;
    if (evidenceStrength({ marker, source }) === "explicit" && !agents.includes(agent)) agents.push(agent);
  }
  return agents;
}

/**
 * What the ledger keeps of a change's evidence (its `aiEvidence`): null when the change is not
 * AI-assisted; else the strongest piece's strength. An AI-assisted verdict with no evidence kept
 * (none is written so today) is circumstantial: explicit must be shown, never assumed.
 */
export function changeEvidenceStrength(ai: boolean, evidence: readonly unknown[]): EvidenceStrength | null {
  if (!ai) return null;
  const readable = evidence.filter(
    (e): e is Pick<Evidence, "marker" | "source"> =>
      typeof e === "object" &&
      e !== null &&
      typeof (e as Evidence).marker === "string" &&
      typeof (e as Evidence).source === "string",
  );
  return strongestEvidence(readable) ?? "circumstantial";
}
