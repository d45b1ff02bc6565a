// The project's rules for AI contributions, pointed out in the check: the Linux kernel's (no agent
// in Signed-off-by; AI assistance named in Assisted-by) and the ASF's (Generated-by), table-driven
// on realistic commits; and the check's section.
import { describe, expect, it } from "vitest";
import { attributeChange } from "../../src/attribution/attribute.js";
import type { CommitInput } from "../../src/attribution/types.js";
import { renderAttributionCheck } from "../../src/checks/attribution-check.js";
import { policyNotes } from "../../src/checks/policy.js";
import { defaults } from "../../src/config/repo-config.js";

const dev = { name: "Jane Developer", email: "jane@example.org" };
const sha = (n: number) => String(n).repeat(40).slice(0, 40);
const commit = (n: number, message: string): CommitInput => ({ sha: sha(n), message, author: dev });

/** As the check sees them: each commit with whether attribution found AI in it. */
function policy(kind: "kernel" | "apache" | "none", commits: CommitInput[]) {
  const a = attributeChange(
    { number: 1, title: "x", body: null, author: { login: "jane" }, headRef: "topic", labels: [] },
    commits,
    defaults,
  );
  return policyNotes(
    kind,
    commits.map((c) => {
      const found = a.perCommit.find((p) => p.sha === c.sha);
      return { ...c, ai: found?.ai ?? false, evidence: found?.evidence ?? [], ignored: found?.ignored ?? [] };
    }),
  );
}

const SQUASH_OK =
  "mm: reclaim fixes (#12)\n\n* mm: fix a race in folio reclaim\n\nAssisted-by: Claude:claude-opus-4.5\nSigned-off-by: Jane Developer <jane@example.org>\n\n* mm: fix a typo\n\nSigned-off-by: Jane Developer <jane@example.org>\n";
const SQUASH_AGENT_SIGNED =
  "mm: reclaim fixes (#12)\n\n* mm: fix a race in folio reclaim\n\nAssisted-by: Claude:claude-opus-4.5\nSigned-off-by: Claude <noreply@anthropic.com>\n\n* mm: fix a typo\n\nSigned-off-by: Jane Developer <jane@example.org>\n";

const KERNEL_OK =
  "mm: fix a race in folio reclaim\n\nThe lock was dropped too early.\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Jane Developer <jane@example.org>\n";
const AGENT_SIGNED =
  "mm: fix a race in folio reclaim\n\nAssisted-by: Claude:claude-3-opus\nSigned-off-by: Claude <noreply@anthropic.com>\nSigned-off-by: Jane Developer <jane@example.org>\n";
const CO_AUTHOR_ONLY =
  "mm: fix a race in folio reclaim\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\nSigned-off-by: Jane Developer <jane@example.org>\n";
const HUMAN = "mm: fix a typo\n\nSigned-off-by: Jane Developer <jane@example.org>\n";
const APACHE_OK = "GH-123: Fix the parser\n\nGenerated-by: GitHub Copilot\n";

describe("policyNotes", () => {
  it("none: nothing to point out", () => {
    expect(policy("none", [commit(1, AGENT_SIGNED)])).toBeNull();
  });

  it.each<[string, "kernel" | "apache", string[], RegExp[]]>([
    ["kernel: Assisted-by and a human sign-off", "kernel", [KERNEL_OK], []],
    ["kernel: a human commit", "kernel", [HUMAN], []],
    ["kernel: an agent signs off", "kernel", [AGENT_SIGNED], [/An AI agent is named in `Signed-off-by:` in 1111111/]],
    [
      "kernel: AI found without Assisted-by",
      "kernel",
      [KERNEL_OK, CO_AUTHOR_ONLY],
      [/AI assistance was found in 2222222 without an `Assisted-by: AGENT_NAME:MODEL_VERSION` trailer/],
    ],
    ["apache: Generated-by present", "apache", [APACHE_OK], []],
    [
      "apache: AI found without Generated-by",
      "apache",
      [APACHE_OK, CO_AUTHOR_ONLY, HUMAN],
      [/AI assistance was found in 2222222 without a `Generated-by: <tool>` trailer/],
    ],
  ])("%s", (_name, kind, messages, expected) => {
    const result = policy(
      kind,
      messages.map((m, i) => commit(i + 1, m)),
    );
    expect(result?.notes).toHaveLength(expected.length);
    for (const [i, pattern] of expected.entries()) expect(result?.notes[i]).toMatch(pattern);
  });

  it.each<[string, "kernel" | "apache", string, RegExp[]]>([
    // A squashed commit's sections, read as the engine reads them (a release pull request of
    // squash merges).
    ["kernel: Assisted-by in a squashed commit's section", "kernel", SQUASH_OK, []],
    [
      "kernel: an agent signs off in a squashed commit's section",
      "kernel",
      SQUASH_AGENT_SIGNED,
      [/An AI agent is named in `Signed-off-by:` in 1111111/],
    ],
    // An Assisted-by that names a person, or a Generated-by that names a code generator, does not
    // name the AI assistance found.
    [
      "kernel: Assisted-by names a person",
      "kernel",
      "x\n\nAssisted-by: Daniel Stenberg\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
      [/AI assistance was found in 1111111 without an `Assisted-by/],
    ],
    [
      "apache: Generated-by names a code generator",
      "apache",
      "x\n\nGenerated-by: protoc-gen-go v1.34.2\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
      [/AI assistance was found in 1111111 without a `Generated-by/],
    ],
  ])("%s", (_name, kind, message, expected) => {
    const result = policy(kind, [commit(1, message)]);
    expect(result?.notes).toHaveLength(expected.length);
    for (const [i, pattern] of expected.entries()) expect(result?.notes[i]).toMatch(pattern);
  });

  it("an agent in Signed-off-by is AI assistance too: the check does not say none was found", () => {
    const a = attributeChange(
      { number: 1, title: "x", body: null, author: { login: "jane" }, headRef: "topic", labels: [] },
      [commit(1, "mm: fix\n\nSigned-off-by: Cursor Agent <cursoragent@cursor.com>\n")],
      defaults,
    );
    expect(a.ai).toBe(true);
    expect(
      policy("kernel", [commit(1, "mm: fix\n\nSigned-off-by: Cursor Agent <cursoragent@cursor.com>\n")])?.notes,
    ).toEqual([
      expect.stringMatching(/An AI agent is named in `Signed-off-by:` in 1111111/),
      expect.stringMatching(/without an `Assisted-by/),
    ]);
  });

  it("a human named in Signed-off-by like an agent's first name is not an agent", () => {
    const result = policy("kernel", [commit(1, "x\n\nSigned-off-by: Claude Monet <claude@example.org>\n")]);
    expect(result?.notes).toEqual([]);
  });
});

describe("the check's policy section", () => {
  it("lists what the rules ask, or says the commits follow them", () => {
    const render = (p: ReturnType<typeof policy>) =>
      renderAttributionCheck({
        repository: "acme/kernel",
        webUrl: "https://github.com",
        change: { number: 1, authorLogin: "jane", headRef: "topic" },
        attribution: attributeChange(
          { number: 1, title: "x", body: null, author: { login: "jane" }, headRef: "topic", labels: [] },
          [commit(2, AGENT_SIGNED)],
          defaults,
        ),
        subjects: new Map(),
        config: defaults,
        configSource: null,
        configErrors: [],
        notes: [],
        policy: p,
      }).output.summary;
    const flagged = render(policy("kernel", [commit(1, KERNEL_OK), commit(2, AGENT_SIGNED)]));
    expect(flagged).toContain("### The Linux kernel rules for AI contributions");
    expect(flagged).toContain("- An AI agent is named in `Signed-off-by:` in 2222222");
    expect(render(policy("kernel", [commit(1, KERNEL_OK)]))).toContain("The commits follow them.");
    expect(render(null)).not.toContain("rules for AI contributions");
  });
});
