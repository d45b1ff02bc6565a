// A project's rules for AI contributions, pointed out in the check (never enforced: the check
// stays neutral). The Linux kernel's (Documentation/process/coding-assistants.rst): an AI agent
// must not add `Signed-off-by:` (only a human can certify the DCO), and AI assistance is named in
// an `Assisted-by: AGENT_NAME:MODEL_VERSION [TOOLS]` trailer. The Apache Software Foundation's
// (its guidance on generative tooling): a `Generated-by: <tool>` token in the commit message.

import { DISABLED_BY_CONFIG } from "../attribution/agents.js";
import type { CommitInput, Evidence, IgnoredEvidence } from "../attribution/types.js";
import type { RepoConfig } from "../config/repo-config.js";

export type AttributionPolicy = RepoConfig["attribution"]["policy"];

/**
 * A commit as the check attributed it: the rules are read from the engine's evidence, so that
 * they see what it saw (a squashed commit's sections too) and name what it counted.
 */
export interface PolicyCommit extends CommitInput {
  /** Whether attribution found AI assistance in it. */
  ai: boolean;
  evidence: readonly Evidence[];
  ignored: readonly IgnoredEvidence[];
}

export interface PolicyNotes {
  /** "Linux kernel" or "Apache Software Foundation". */
  rules: string;
  notes: string[];
}

const short = (sha: string) => sha.slice(0, 7);
const list = (shas: readonly string[]) =>
  shas.length <= 5
    ? shas.map(short).join(", ")
    : `${shas.slice(0, 5).map(short).join(", ")} and ${shas.length - 5} more`;

/**
 * Whether the commit names its AI assistance as the rules ask: the engine read the convention's
 * trailer as naming an agent or a model (`Assisted-by: Jim Smith` does not), or it would have but
 * for the repository's disableMarkers.
 */
const names = (c: PolicyCommit, marker: string) =>
  c.evidence.some((e) => e.marker === marker) ||
  c.ignored.some((i) => i.marker === marker && i.reason === DISABLED_BY_CONFIG);

/** What the project's rules ask that the commits do not do; null for no policy. */
export function policyNotes(policy: AttributionPolicy, commits: readonly PolicyCommit[]): PolicyNotes | null {
  if (policy === "none") return null;
  const notes: string[] = [];
  if (policy === "kernel") {
    // An agent's identity in Signed-off-by is evidence of its own (agents.ts: PERSON_TRAILER_KEYS).
    const signedByAgent = commits.filter((c) =>
      c.evidence.some((e) => e.source === "trailer" && /^signed-off-by\s*:/i.test(e.text)),
    );
    if (signedByAgent.length > 0) {
      notes.push(
        `An AI agent is named in \`Signed-off-by:\` in ${list(signedByAgent.map((c) => c.sha))}: under the kernel's rules only a human can certify the Developer Certificate of Origin; an agent is named in \`Assisted-by:\` instead.`,
      );
    }
    const unnamed = commits.filter((c) => c.ai && !names(c, "generic/assisted-by"));
    if (unnamed.length > 0) {
      notes.push(
        `AI assistance was found in ${list(unnamed.map((c) => c.sha))} without an \`Assisted-by: AGENT_NAME:MODEL_VERSION\` trailer, which the kernel's rules ask for.`,
      );
    }
    return { rules: "Linux kernel", notes };
  }
  const unnamed = commits.filter((c) => c.ai && !names(c, "generic/generated-by"));
  if (unnamed.length > 0) {
    notes.push(
      `AI assistance was found in ${list(unnamed.map((c) => c.sha))} without a \`Generated-by: <tool>\` trailer, which the ASF's guidance on generative tooling recommends.`,
    );
  }
  return { rules: "Apache Software Foundation", notes };
}
