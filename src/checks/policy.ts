// A project's rules for AI contributions, pointed out in the check (never enforced: the check
// stays neutral). The Linux kernel's (Documentation/process/coding-assistants.rst): an AI agent
// must not add `Signed-off-by:` (only a human can certify the DCO), and AI assistance is named in
// an `Assisted-by: AGENT_NAME:MODEL_VERSION [TOOLS]` trailer. The Apache Software Foundation's
// (its guidance on generative tooling): a `Generated-by: <tool>` token in the commit message.

import { attributeCommit } from "../attribution/attribute.js";
import { splitMessage } from "../attribution/trailers.js";
import type { CommitInput } from "../attribution/types.js";
import type { RepoConfig } from "../config/repo-config.js";

export type AttributionPolicy = RepoConfig["attribution"]["policy"];

export interface PolicyCommit extends CommitInput {
  /** Whether attribution found AI assistance in it. */
  ai: boolean;
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

/** What the project's rules ask that the commits do not do; null for no policy. */
export function policyNotes(
  policy: AttributionPolicy,
  commits: readonly PolicyCommit[],
  config: RepoConfig,
): PolicyNotes | null {
  if (policy === "none") return null;
  const notes: string[] = [];
  const hasTrailer = (c: PolicyCommit, key: string) =>
    splitMessage(c.message).trailers.some((t) => t.key.toLowerCase() === key);
  if (policy === "kernel") {
    // An agent's identity in Signed-off-by: read as the engine reads a co-author.
    const signedByAgent = commits.filter((c) =>
      splitMessage(c.message)
        .trailers.filter((t) => t.key.toLowerCase() === "signed-off-by")
        .some((t) => attributeCommit(asCoAuthor(c.sha, t.value), config).ai),
    );
    if (signedByAgent.length > 0) {
      notes.push(
        `An AI agent is named in \`Signed-off-by:\` in ${list(signedByAgent.map((c) => c.sha))}: under the kernel's rules only a human can certify the Developer Certificate of Origin; an agent is named in \`Assisted-by:\` instead.`,
      );
    }
    const unnamed = commits.filter((c) => c.ai && !hasTrailer(c, "assisted-by"));
    if (unnamed.length > 0) {
      notes.push(
        `AI assistance was found in ${list(unnamed.map((c) => c.sha))} without an \`Assisted-by: AGENT_NAME:MODEL_VERSION\` trailer, which the kernel's rules ask for.`,
      );
    }
    return { rules: "Linux kernel", notes };
  }
  const unnamed = commits.filter((c) => c.ai && !hasTrailer(c, "generated-by"));
  if (unnamed.length > 0) {
    notes.push(
      `AI assistance was found in ${list(unnamed.map((c) => c.sha))} without a \`Generated-by: <tool>\` trailer, which the ASF's guidance on generative tooling recommends.`,
    );
  }
  return { rules: "Apache Software Foundation", notes };
}

function asCoAuthor(sha: string, identity: string): CommitInput {
  return { sha, message: `x\n\nCo-authored-by: ${identity}\n`, author: { name: "", email: "" } };
}
