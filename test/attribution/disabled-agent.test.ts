// `attribution.disableMarkers: [<agent>]` switches a whole agent off wherever it is named: its own
// markers, its records of authorship (records.ts) and the generic trailers that name it
// (`Assisted-by: Claude:…`, `Agent-Session: <its session link>`), which counted before as explicit
// evidence of the agent the repository had switched off. Other agents' generic trailers still count.
import { describe, expect, it } from "vitest";
import { DISABLED_BY_CONFIG } from "../../src/attribution/agents.js";
import { attributeChange, attributeCommit } from "../../src/attribution/attribute.js";
import { withRecords } from "../../src/attribution/records.js";
import { changeEvidenceStrength } from "../../src/attribution/strength.js";
import { parseRepoConfig } from "../../src/config/repo-config.js";

const SHA = "a".repeat(40);
const { config } = parseRepoConfig({ attribution: { disableMarkers: ["claude-code"] } });
const commit = (message: string) => ({ sha: SHA, message, author: { name: "Mona", email: "mona@example.com" } });
const verdict = (a: { ai: boolean; agents: string[]; evidence: Parameters<typeof changeEvidenceStrength>[1] }) => ({
  ai: a.ai,
  agents: a.agents,
  strength: changeEvidenceStrength(a.ai, a.evidence),
});

describe("a switched-off agent (disableMarkers: [claude-code])", () => {
  it("is off in its records of authorship", () => {
    const plain = attributeCommit(commit("Fix the cache"), config);
    const record = {
      source: "git-ai" as const,
      commit: SHA,
      ai: true,
      evidence: [
        { agent: "claude-code", marker: "git-ai/note", source: "git-ai" as const, commit: SHA, text: "claude" },
      ],
      lines: null,
    };
    expect(withRecords(plain, [record], config.attribution.disableMarkers).ai).toBe(false);
  });

  it.each([
    ["Assisted-by naming it", "Fix the cache\n\nAssisted-by: Claude:claude-opus-4-5\n", "generic/assisted-by"],
    ["Generated-by naming it", "Fix the cache\n\nGenerated-by: Claude Code\n", "generic/generated-by"],
    [
      "Agent-Session with its link",
      "Fix the cache\n\nAgent-Session: https://claude.ai/code/session_01ABCdefGHIjklMNOpqrSTU\n",
      "generic/agent-session",
    ],
  ])("is off in a generic trailer: %s (seen, and not counted)", (_what, message, marker) => {
    const a = attributeCommit(commit(message), config);
    expect(verdict(a)).toEqual({ ai: false, agents: [], strength: null });
    expect(a.ignored).toContainEqual(expect.objectContaining({ marker, reason: DISABLED_BY_CONFIG }));
    // Without the configuration, the same trailer counts.
    expect(attributeCommit(commit(message)).agents).toEqual(["claude-code"]);
  });

  it("is off in a pull request's description too; another agent's generic trailer still counts", () => {
    const change = attributeChange(
      {
        title: "Fix the cache",
        body: "Session: https://claude.ai/code/session_01ABCdefGHIjklMNOpqrSTU",
        author: { login: "mona" },
        headRef: "fix-cache",
        labels: [],
      },
      [commit("Fix the cache\n\nAssisted-by: Cursor:gpt-5\n")],
      config,
    );
    expect(verdict(change)).toEqual({ ai: true, agents: ["cursor"], strength: "explicit" });
  });
});
