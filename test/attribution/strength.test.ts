// Explicit evidence (trailers, identities, session links or ids, records of authorship) against
// circumstantial hints (branch names, labels, text phrases and prefixes), for the catalogue's
// markers, configured agents' and the generic conventions; and every catalogue marker has one.
import { describe, expect, it } from "vitest";
import { AGENTS } from "../../src/attribution/agents.js";
import { attributeCommit } from "../../src/attribution/attribute.js";
import { changeEvidenceStrength, evidenceStrength, strongestEvidence } from "../../src/attribution/strength.js";
import type { EvidenceSource } from "../../src/attribution/types.js";

describe("evidenceStrength", () => {
  it.each<[string, EvidenceSource, "explicit" | "circumstantial"]>([
    ["claude-code/co-author", "trailer", "explicit"],
    ["claude-code/footer", "body", "circumstantial"],
    ["claude-code/session", "trailer", "explicit"],
    ["claude-code/session-link", "pr-body", "explicit"],
    ["claude-code/branch", "branch", "circumstantial"],
    ["cursor/made-with", "trailer", "explicit"],
    ["cursor/session-branch", "branch", "circumstantial"],
    ["github-copilot/agent", "pr-author", "explicit"],
    ["github-copilot/pr-body", "pr-body", "circumstantial"],
    ["aider/subject", "subject", "circumstantial"],
    ["codex/task-link", "pr-body", "explicit"],
    ["generic/assisted-by", "trailer", "explicit"],
    ["generic/agent-session", "trailer", "explicit"],
    ["config/label", "label", "circumstantial"],
    ["acme-bot/config/email", "author", "explicit"],
    ["acme-bot/config/trailer[0]", "trailer", "explicit"],
    ["acme-bot/config/text", "pr-title", "circumstantial"],
    ["acme-bot/config/branch", "branch", "circumstantial"],
    ["acme-bot/config/link", "body", "explicit"],
    ["git-ai/note", "git-ai", "explicit"],
    ["agent-trace/record", "agent-trace", "explicit"],
  ])("%s in %s: %s", (marker, source, expected) => {
    expect(evidenceStrength({ marker, source })).toBe(expected);
  });

  it("knows every marker of the catalogue", () => {
    for (const agent of AGENTS) {
      for (const marker of agent.markers) {
        const strength = evidenceStrength({ marker: marker.id, source: marker.where[0] as EvidenceSource });
        const hint =
          ["text", "prefix", "session-branch"].includes(marker.match.kind) ||
          marker.where.every((w) => w === "branch" || w === "label");
        expect(strength, marker.id).toBe(hint ? "circumstantial" : "explicit");
      }
    }
  });

  it("a change is as strong as its strongest evidence", () => {
    const footerOnly = attributeCommit({
      sha: "a".repeat(40),
      message: "Add search\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
      author: { name: "Mona", email: "mona@example.com" },
    });
    expect(footerOnly.ai).toBe(true);
    expect(strongestEvidence(footerOnly.evidence)).toBe("circumstantial");
    const withTrailer = attributeCommit({
      sha: "b".repeat(40),
      message:
        "Add search\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
      author: { name: "Mona", email: "mona@example.com" },
    });
    expect(strongestEvidence(withTrailer.evidence)).toBe("explicit");
    expect(strongestEvidence([])).toBeNull();
  });
});

describe("changeEvidenceStrength (what the ledger keeps of a change)", () => {
  const trailer = { agent: "claude-code", marker: "claude-code/co-author", source: "trailer" };
  const branch = { agent: "claude-code", marker: "claude-code/branch", source: "branch" };
  it.each<[string, boolean, unknown[], "explicit" | "circumstantial" | null]>([
    ["not AI-assisted", false, [trailer], null],
    ["a trailer", true, [trailer], "explicit"],
    ["a trailer and a branch", true, [branch, trailer], "explicit"],
    ["a branch alone", true, [branch], "circumstantial"],
    ["no evidence kept: explicit is never assumed", true, [], "circumstantial"],
    ["unreadable evidence only", true, [null, "x", { marker: 1 }], "circumstantial"],
  ])("%s", (_name, ai, evidence, expected) => {
    expect(changeEvidenceStrength(ai, evidence)).toBe(expected);
  });
});
