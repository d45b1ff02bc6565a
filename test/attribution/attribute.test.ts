import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeChange, attributeCommit } from "../../src/attribution/attribute.js";
import type { ChangeInput, CommitInput, Identity } from "../../src/attribution/types.js";
import { parseRepoConfig, type RepoConfig } from "../../src/config/repo-config.js";
import { propertyParams } from "../helpers/property.js";

const jane: Identity = { name: "Jane Doe", email: "jane@example.com", login: "jane-doe" };
let shaCounter = 0;

function commit(message: string, author: Identity = jane): CommitInput {
  shaCounter++;
  return { sha: shaCounter.toString(16).padStart(40, "0"), message, author, committer: author };
}

function change(overrides: Partial<ChangeInput> = {}): ChangeInput {
  return {
    number: 12,
    title: "Add retries to webhook delivery",
    body: "Retries failed deliveries with backoff.",
    author: { login: "jane-doe", type: "User" },
    headRef: "feature/webhook-retries",
    labels: [],
    ...overrides,
  };
}

function config(attribution: unknown): RepoConfig {
  const { config, errors } = parseRepoConfig({ attribution });
  expect(errors).toEqual([]);
  return config;
}

describe("not AI: people, human helpers and non-AI tools", () => {
  it.each<[string, CommitInput]>([
    [
      "a person called Claude with a personal e-mail",
      commit("Fix the login form", { name: "Claude Martin", email: "claude.martin@gmail.com", login: "claude" }),
    ],
    [
      "a co-author called Claude with a personal e-mail",
      commit("Fix the login form\n\nCo-Authored-By: Claude Martin <claude@martin.dev>"),
    ],
    ["a co-author called Devin", commit("Fix the login form\n\nCo-authored-by: Devin Smith <devin@example.com>")],
    [
      "a co-author with an e-mail containing an agent's name",
      commit("Fix\n\nCo-authored-by: Sam <copilot.fan@example.com>"),
    ],
    [
      "curl's Assisted-by for a human helper",
      commit("lib: fix a leak in the cookie parser\n\nAssisted-by: Jane Doe <jane@example.com>\nCloses #12345"),
    ],
    ["Assisted-by naming a person without e-mail", commit("docs: clarify --retry\n\nAssisted-by: Daniel Stenberg")],
    [
      "Assisted-by naming a person whose first name is an agent's",
      commit("docs: clarify --retry\n\nAssisted-by: Claude Dupont"),
    ],
    ["Generated-by a code generator", commit("Regenerate protobuf stubs\n\nGenerated-by: protoc-gen-go v1.34.2")],
    ["Generated-by a documentation tool", commit("Rebuild the docs\n\nGenerated-by: Sphinx 7.2.6")],
    ["Generated-by an export tool whose name looks like a model", commit("Export\n\nGenerated-by: O365 exporter")],
    ["AI-assisted: no", commit("Tidy imports\n\nAI-assisted: no")],
    // A team's commit template that asks every author to fill in an AI-disclosure field.
    ["AI-assisted: No.", commit("Tidy imports\n\nAI-assisted: No.")],
    ["AI-assisted: no, with an explanation", commit("Tidy imports\n\nAI-assisted: no - written by hand")],
    ["AI-assisted: N/A", commit("Tidy imports\n\nAI-assisted: N/A")],
    ["AI-assisted: a template's dash", commit("Tidy imports\n\nAI-assisted: -")],
    ["Co-authored-by-AI: none", commit("Tidy imports\n\nCo-authored-by-AI: none")],
    ["Agent-Session: n/a", commit("Tidy imports\n\nAgent-Session: n/a")],
    ["Kiro-Session-Id: none", commit("Tidy imports\n\nKiro-Session-Id: none")],
    // A template's placeholder left in: no session, no assistance named.
    ["Kiro-Session-Id: TBD", commit("Tidy imports\n\nKiro-Session-Id: TBD")],
    ["Entire-Checkpoint: unknown", commit("Tidy imports\n\nEntire-Checkpoint: unknown")],
    ["Claude-Session: todo", commit("Tidy imports\n\nClaude-Session: todo")],
    ["AI-assisted: TBD", commit("Tidy imports\n\nAI-assisted: TBD")],
    ["Agent-Session: pending", commit("Tidy imports\n\nAgent-Session: pending")],
    ["Generated-by: N/A", commit("Tidy imports\n\nGenerated-by: N/A")],
    ["Assisted-by naming a person called Junie", commit("Fix flaky test\n\nAssisted-by: Junie Park")],
    ["Assisted-by naming a person called Kiro", commit("Fix flaky test\n\nAssisted-by: Kiro Tanaka")],
    [
      "Assisted-by naming a person called Claude, with a note in parentheses",
      commit("Fix flaky test\n\nAssisted-by: Claude (from the QA team)"),
    ],
    ["Assisted-by naming a person called Devin, with a note in parentheses", commit("Fix\n\nAssisted-by: Devin (ops)")],
    ["a Claude Code footer that is not in the message", commit("Mention Claude Code in the README")],
    ["a trailer-looking line in the subject paragraph", commit("Co-authored-by: Claude <noreply@anthropic.com>")],
    [
      "a Claude link that is not a session",
      commit("Docs\n\nSee https://claude.ai/chat/7d1e2f3a-0000-4000-8000-000000000000"),
    ],
    // curl credits the people who helped with Assisted-by:, beside Reported-by: and Closes.
    [
      "curl's Assisted-by trailers for human helpers",
      commit(
        "http2: fix stream window size after unpausing\n\nReported-by: Jane Doe\nAssisted-by: Daniel Stenberg\nAssisted-by: Jay Satiro\nFixes #12345\nCloses #12346",
      ),
    ],
    ["Assisted-by naming a person called Gemini", commit("docs: clarify --retry\n\nAssisted-by: Gemini Smith")],
    ["Assisted-by naming a person called Gemma", commit("docs: clarify --retry\n\nAssisted-by: Gemma Jones")],
    [
      "Assisted-by naming a person after the word via",
      commit("docs: clarify --retry\n\nAssisted-by: Jane Doe via Devin Smith"),
    ],
    ["Generated-by asciidoctor", commit("Rebuild the manual\n\nGenerated-by: asciidoctor 2.0.20")],
    ["Generated-by autoconf", commit("Regenerate configure\n\nGenerated-by: autoconf 2.71")],
    ["Generated-by protoc", commit("Regenerate stubs\n\nGenerated-by: protoc 25.1")],
    ["Generated-by the Opus codec's three-part version", commit("Re-encode samples\n\nGenerated-by: Opus 1.5.2")],
    ["Generated-by a Haiku OS release", commit("Rebuild the package\n\nGenerated-by: Haiku R1/beta5 haikuporter")],
    ["Generated-by a GPT partition tool", commit("Update the image layout\n\nGenerated-by: sgdisk 1.0.9 (GPT fdisk)")],
    [
      "a co-author called Gemini with a personal e-mail",
      commit("Fix the login form\n\nCo-authored-by: Gemini Smith <gemini.smith@example.com>"),
    ],
    [
      "a vendor's employee as co-author",
      commit("Fix the login form\n\nCo-authored-by: Zach Lloyd <zach@warp.dev>\nCo-authored-by: Sam <sam@openai.com>"),
    ],
    [
      "a person's bot-looking co-author e-mail without [bot]",
      commit("Fix\n\nCo-authored-by: Fan <123+factory-droid@users.noreply.github.com>"),
    ],
    ["Entire-Checkpoint with no id", commit("Fix\n\nEntire-Checkpoint: [auto-generated]")],
    // AndyMik90/Auto-Claude 95ae0b0: a person fixing what CodeRabbit's review found, in their own words.
    ["a human fix of CodeRabbit's review findings", commit("fix: address CodeRabbit review issues")],
    [
      "a human fix naming CodeRabbit in its body",
      commit(
        "fix(pr49): address CodeRabbit + greptile review feedback\n\nCodeRabbit + greptile flagged 24 inline issues; 23 fixed here.",
      ),
    ],
  ])("%s", (_name, input) => {
    const result = attributeCommit(input);
    expect(result.ai).toBe(false);
    expect(result.evidence).toEqual([]);
    expect(result.agents).toEqual([]);
  });

  it("CodeRabbit reviewing a pull request (its summary in the description) is not evidence", () => {
    // What CodeRabbit writes into a description it reviews; its review comments are not read at all.
    const body =
      "Adds retries.\n\n<!-- This is an auto-generated comment: release notes by coderabbit.ai -->\n## Summary by CodeRabbit\n\n* **New Features**\n  * Failed webhook deliveries are retried with backoff.\n\n<!-- end of auto-generated comment: release notes by coderabbit.ai -->";
    const result = attributeChange(change({ body }), [commit("Add retries to webhook delivery")]);
    expect(result).toMatchObject({ ai: false, evidence: [], agents: [] });
  });

  it("says why a generic trailer was not counted", () => {
    const result = attributeCommit(
      commit("Regenerate stubs\n\nGenerated-by: protoc-gen-go v1.34.2\nAssisted-by: Jane Doe <jane@example.com>"),
    );
    expect(result.ignored).toEqual([
      expect.objectContaining({
        marker: "generic/generated-by",
        text: "Generated-by: protoc-gen-go v1.34.2",
        reason: "value names no known AI agent or model",
      }),
      expect.objectContaining({
        marker: "generic/assisted-by",
        text: "Assisted-by: Jane Doe <jane@example.com>",
        reason: "value names no known AI agent or model",
      }),
    ]);
  });

  it("matches the raw e-mail, not the GitHub account it resolved to", () => {
    // GitHub resolved noreply@anthropic.com to some unrelated user: the e-mail still decides.
    const resolved = attributeCommit(
      commit("Add retries", { name: "Claude", email: "noreply@anthropic.com", login: "someone-else" }),
    );
    expect(resolved.agents).toEqual(["claude-code"]);
    // A human's account called "claude" is not the Claude app.
    const human = attributeCommit(commit("Add retries", { name: "Claude", email: "c@example.com", login: "claude" }));
    expect(human.ai).toBe(false);
  });
});

describe("generic conventions name their agent and model", () => {
  it.each<[string, string, string[], string[]]>([
    [
      "Assisted-by: Claude:claude-3-opus coccinelle sparse",
      "kernel AGENT:MODEL TOOLS",
      ["claude-code"],
      ["claude-3-opus"],
    ],
    ["Assisted-by: Cline:claude-sonnet-4", "an AI outside the catalogue", ["generic"], ["claude-sonnet-4"]],
    ["Assisted-by: Gemini:gemini-2.5-pro", "Gemini", ["gemini"], ["gemini-2.5-pro"]],
    ["Assisted-by: Opus 4.7", "a model named in words (git.git)", ["generic"], ["opus-4.7"]],
    ["Assisted-by: Opus 4.8", "a newer version", ["generic"], ["opus-4.8"]],
    ["Assisted-by: Sonnet 4.5", "a model named in words", ["generic"], ["sonnet-4.5"]],
    ["Generated-by: GPT 5.2", "a model named in words", ["generic"], ["gpt-5.2"]],
    ["Generated-By: DeepSeek V4 Flash", "a model with a V-version and a qualifier", ["generic"], ["deepseek-v4-flash"]],
    ["Assisted-by: Gemini 2.5 Pro", "Gemini's model in words", ["gemini"], ["gemini-2.5-pro"]],
    ["Assisted-by: Sonnet 4.5 via Claude Code", "a model via an agent", ["claude-code"], ["sonnet-4.5"]],
    ["Assisted-by: GPT-5-codex (high) via OpenAI Codex", "a model token via an agent", ["codex"], ["gpt-5-codex"]],
    ["Assisted-by: Claude:Opus 4.7", "kernel form with a model in words", ["claude-code"], ["opus-4.7"]],
    ["Assisted-by: Claude Code (Opus 4.7)", "an agent and its model in parentheses", ["claude-code"], ["opus-4.7"]],
    ["Assisted-by: Gemini Code Assist", "an agent's three-word name", ["gemini"], []],
    ["Generated-by: Factory Droid", "Factory", ["factory"], []],
    ["Assisted-by: Cursor (claude-4-sonnet)", "agent with a model in parentheses", ["cursor"], ["claude-4-sonnet"]],
    ["Assisted-by: Claude Code", "agent name", ["claude-code"], []],
    ["Assisted-by: Claude", "a lone first name that is an agent's", ["claude-code"], []],
    ["Assisted-by: Claude Sonnet 4.5", "agent and model in words", ["claude-code"], ["claude-sonnet-4.5"]],
    ["Assisted-by: Devin AI", "agent with AI suffix", ["devin"], []],
    [
      "Assisted-by: Claude Opus 4.5 (1M context) and sparse",
      "model words, then other words",
      ["claude-code"],
      ["claude-opus-4.5"],
    ],
    ["Assisted-by: GitHub Copilot: wrote the tests", "a colon that is prose, not AGENT:MODEL", ["github-copilot"], []],
    ["Assisted-by: Claude <noreply@anthropic.com>", "an agent's e-mail", ["claude-code"], []],
    ["Generated-by: o3-mini", "a model only", ["generic"], ["o3-mini"]],
    ["Generated-by: ChatGPT", "an AI product outside the catalogue", ["generic"], []],
    ["Generated-by: OpenAI Codex", "agent name in two words", ["codex"], []],
    [
      "Co-authored-by-AI: Claude Opus 4.1 <noreply@anthropic.com>",
      "explicit AI key with an agent e-mail",
      ["claude-code"],
      ["claude-opus-4.1"],
    ],
    ["Co-authored-by-AI: our in-house assistant", "explicit AI key naming no agent", ["generic"], []],
    ["AI-assisted: yes (Cursor)", "affirmative with a name after it", ["generic"], []],
    ["Assisted-by: Claude (Anthropic)", "an agent with its vendor in parentheses", ["claude-code"], []],
    ["Assisted-by: Claude (Opus 4.5)", "an agent with its model in parentheses", ["claude-code"], ["opus-4.5"]],
    ["Assisted-by: Kiro", "an agent that is a given name too, alone", ["kiro"], []],
    ["Assisted-by: Claude (Claude Code)", "an agent with its product in parentheses", ["claude-code"], []],
    ["Assisted-by: Claude (claude.ai)", "an agent with its site in parentheses", ["claude-code"], []],
    ["Assisted-by: Claude (via Cursor)", "an agent with its runner in parentheses", ["claude-code"], []],
    ["Assisted-by: Claude (web)", "an agent with where it ran in parentheses", ["claude-code"], []],
    ["Assisted-by: Gemini (Gemini CLI)", "Gemini with its CLI in parentheses", ["gemini"], []],
    ["Assisted-by: Kiro IDE", "Kiro with its IDE", ["kiro"], []],
    ["Assisted-by: Kiro (Amazon)", "Kiro with its vendor", ["kiro"], []],
    ["Assisted-by: Junie by JetBrains", "Junie with its vendor", ["generic"], []],
    ["Assisted-by: Junie (JetBrains)", "Junie with its vendor in parentheses", ["generic"], []],
  ])("%s (%s)", (trailer, _name, agents, models) => {
    const result = attributeCommit(commit(`Add retries\n\n${trailer}`));
    expect(result.agents).toEqual(agents);
    expect(result.models).toEqual(models);
  });

  it("reads git.git's model-only trailer in a real message", () => {
    const result = attributeCommit(
      commit(
        'transport-helper: warn when renaming the fetched ref fails\n\nThe fetch itself succeeded by that point, so promoting this to a\nfatal error would be inappropriate.\n\nFlagged by Coverity as CID 1427723 ("Unchecked return value").\n\nAssisted-by: Opus 4.7\nSigned-off-by: Johannes Schindelin <johannes.schindelin@gmx.de>\n',
      ),
    );
    expect(result.evidence).toEqual([
      expect.objectContaining({
        agent: "generic",
        marker: "generic/assisted-by",
        source: "trailer",
        text: "Assisted-by: Opus 4.7",
        model: "opus-4.7",
      }),
    ]);
  });

  it("counts any Assisted-by / Generated-by value when trustGenericTrailers is set", () => {
    const trusted = config({ trustGenericTrailers: true });
    const result = attributeCommit(commit("Regenerate\n\nGenerated-by: acme-llm-runner"), trusted);
    expect(result.agents).toEqual(["generic"]);
    expect(result.evidence).toEqual([expect.objectContaining({ marker: "generic/generated-by", agent: "generic" })]);
  });
});

describe("models", () => {
  it.each<[string, string[]]>([
    ["Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>", ["claude-sonnet-4.5"]],
    ["Co-Authored-By: Claude 3.5 Sonnet <noreply@anthropic.com>", ["claude-3.5-sonnet"]],
    ["Co-Authored-By: Claude Opus 4.5 (1M context) <noreply@anthropic.com>", ["claude-opus-4.5"]],
    ["Co-Authored-By: Claude <noreply@anthropic.com>", []],
    ["Co-authored-by: aider (gpt-4o) <noreply@aider.chat>", ["gpt-4o"]],
    ["Co-authored-by: aider (anthropic/claude-3-5-sonnet-20241022) <aider@aider.chat>", ["claude-3-5-sonnet-20241022"]],
    ["Co-authored-by: Codex <noreply@openai.com>", []],
    [
      "Co-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>\nCo-Authored-By: Claude Haiku 4.5 <noreply@anthropic.com>\nAssisted-by: Claude:claude-opus-4.1",
      ["claude-haiku-4.5", "claude-opus-4.1"],
    ],
  ])("%s", (trailers, models) => {
    expect(attributeCommit(commit(`Add retries\n\n${trailers}`)).models).toEqual(models);
  });
});

describe("pull requests", () => {
  const claudeCommit = commit(
    "Add retries\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\nClaude-Session: https://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd",
  );
  const copilotCommit = commit("Add tests\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>");
  const humanCommit = commit("Fix lint");

  it("counts AI-assisted commits and merges their evidence", () => {
    const result = attributeChange(
      change({ body: "Retries.\n\nhttps://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd" }),
      [claudeCommit, copilotCommit, humanCommit],
    );
    expect(result.ai).toBe(true);
    expect(result.commits).toEqual({ total: 3, ai: 2 });
    expect(result.perCommit.map((c) => [c.sha, c.ai])).toEqual([
      [claudeCommit.sha, true],
      [copilotCommit.sha, true],
      [humanCommit.sha, false],
    ]);
    expect(result.agents).toEqual(["claude-code", "github-copilot"]);
    expect(result.models).toEqual(["claude-sonnet-4.5"]);
    // The same session in the PR body and in a commit trailer is one session.
    expect(result.sessions).toEqual([
      {
        agent: "claude-code",
        id: "session_01Vh7QmZ2c8sKxT4pLw9NbRd",
        url: "https://claude.ai/code/session_01Vh7QmZ2c8sKxT4pLw9NbRd",
      },
    ]);
    expect(result.evidence[0]).toMatchObject({ marker: "claude-code/session-link", source: "pr-body" });
    expect(result.evidence[0]).not.toHaveProperty("commit");
    expect(result.evidence.filter((e) => e.commit === claudeCommit.sha).map((e) => e.marker)).toEqual([
      "claude-code/co-author",
      "claude-code/session",
    ]);
    expect(result.authorIsBot).toBe(false);
    expect(result.authorIsAgent).toBe(false);
  });

  it.each<[string, Partial<ChangeInput>, string]>([
    ["an agent bot as PR author", { author: { login: "copilot-swe-agent[bot]", type: "Bot" } }, "github-copilot/agent"],
    [
      "a session link in the PR body",
      { body: "Link to Devin run: https://app.devin.ai/sessions/4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b" },
      "devin/session-link",
    ],
    [
      "a session link in the PR title",
      { title: "Retries (https://ampcode.com/threads/T-5d1c2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f)" },
      "amp/thread-link",
    ],
    ["an agent's branch prefix", { headRef: "refs/heads/codex/add-retries" }, "codex/branch"],
    ["a configured label", { labels: ["ai-assisted"] }, "config/label"],
    [
      "a Claude Code footer in the PR body",
      { body: "## Summary\n- retries\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)" },
      "claude-code/footer",
    ],
  ])("PR-level evidence makes the change AI-assisted without AI commits: %s", (_name, overrides, marker) => {
    const result = attributeChange(change(overrides), [humanCommit]);
    expect(result.ai).toBe(true);
    expect(result.commits).toEqual({ total: 1, ai: 0 });
    expect(result.evidence.map((e) => e.marker)).toEqual([marker]);
  });

  it("a Copilot coding agent PR: bot author, agent, branch and body", () => {
    const result = attributeChange(
      change({
        author: { login: "Copilot", type: "Bot" },
        headRef: "copilot/fix-88",
        body: "Fixes #88.\n\n<!-- START COPILOT CODING AGENT SUFFIX -->",
      }),
      [],
    );
    expect(result).toMatchObject({
      ai: true,
      authorIsBot: true,
      authorIsAgent: true,
      authorAgent: "github-copilot",
      agents: ["github-copilot"],
      commits: { total: 0, ai: 0 },
    });
    expect(result.evidence.map((e) => e.marker).sort()).toEqual([
      "github-copilot/agent",
      "github-copilot/branch",
      "github-copilot/pr-body",
    ]);
  });

  it("a dependabot PR is a bot's but not AI-assisted", () => {
    const bot: Identity = {
      name: "dependabot[bot]",
      email: "49699333+dependabot[bot]@users.noreply.github.com",
      login: "dependabot[bot]",
    };
    const result = attributeChange(
      change({
        title: "Bump zod from 4.6.6 to 4.6.7",
        body: "Bumps [zod](https://github.com/colinhacks/zod) from 4.6.6 to 4.6.7.\n\n---\nupdated-dependencies:\n- dependency-name: zod",
        author: { login: "dependabot[bot]", type: "Bot" },
        headRef: "dependabot/npm_and_yarn/zod-4.6.7",
        labels: ["dependencies", "javascript"],
      }),
      [commit("Bump zod from 4.6.6 to 4.6.7\n\nSigned-off-by: dependabot[bot] <support@github.com>", bot)],
    );
    expect(result).toMatchObject({
      ai: false,
      authorIsBot: true,
      authorIsAgent: false,
      authorAgent: null,
      agents: [],
      commits: { total: 1, ai: 0 },
    });
  });

  it("a human PR without evidence", () => {
    const result = attributeChange(change({ body: null }), [humanCommit]);
    expect(result).toMatchObject({ ai: false, agents: [], models: [], sessions: [], evidence: [], authorIsBot: false });
  });
});

describe("configuration", () => {
  it.each<[string, unknown, CommitInput | ChangeInput, string]>([
    [
      "a disabled marker",
      { disableMarkers: ["claude-code/branch"] },
      change({ headRef: "claude/fix-login" }),
      "claude-code/branch",
    ],
    [
      "a disabled agent",
      { disableMarkers: ["cursor"] },
      commit("Extract the retry policy\n\nCo-authored-by: Cursor <cursoragent@cursor.com>"),
      "cursor/co-author",
    ],
    [
      "disabled generic conventions",
      { disableMarkers: ["generic"] },
      commit("Tidy\n\nAI-assisted: true"),
      "generic/ai-assisted",
    ],
  ])("%s is not counted, and the check can say why", (_name, attribution, input, marker) => {
    const repo = config(attribution);
    const result = "sha" in input ? attributeCommit(input, repo) : attributeChange(input, [], repo);
    expect(result.ai).toBe(false);
    expect(result.ignored).toEqual([
      expect.objectContaining({ marker, reason: "disabled by attribution.disableMarkers" }),
    ]);
  });

  it("still knows an agent's bot as the PR author when its marker is disabled", () => {
    const result = attributeChange(
      change({ author: { login: "devin-ai-integration[bot]", type: "Bot" } }),
      [],
      config({ disableMarkers: ["devin/bot"] }),
    );
    expect(result).toMatchObject({ ai: false, authorIsBot: true, authorIsAgent: true, authorAgent: "devin" });
  });

  it("ignores commits of ignored authors entirely", () => {
    const repo = config({ ignoreAuthors: ["release-bot@acme.dev", "*[bot]"] });
    const release = commit("chore: release 1.2.0\n\nCo-Authored-By: Claude <noreply@anthropic.com>", {
      name: "Release Bot",
      email: "release-bot@acme.dev",
    });
    const renovate = commit("Update zod\n\nAI-assisted: true", {
      name: "renovate[bot]",
      email: "29139614+renovate[bot]@users.noreply.github.com",
      login: "renovate[bot]",
    });
    for (const input of [release, renovate]) {
      const result = attributeCommit(input, repo);
      expect(result).toMatchObject({ ai: false, authorIgnored: true, evidence: [] });
      expect(result.ignored).toEqual([
        expect.objectContaining({
          marker: "config/ignore-authors",
          reason: "author matches attribution.ignoreAuthors",
        }),
      ]);
    }
    const change_ = attributeChange(
      change(),
      [release, commit("Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>")],
      repo,
    );
    expect(change_.commits).toEqual({ total: 2, ai: 1 });
  });

  it("switches labels off with labels: []", () => {
    expect(attributeChange(change({ labels: ["ai-assisted"] }), [], config({ labels: [] })).ai).toBe(false);
  });

  it("uses configured label globs, case-insensitively", () => {
    const repo = config({ labels: ["ai:*"] });
    expect(attributeChange(change({ labels: ["AI:Claude"] }), [], repo).evidence).toEqual([
      expect.objectContaining({ marker: "config/label", agent: "generic", text: "AI:Claude" }),
    ]);
    expect(attributeChange(change({ labels: ["ai-assisted"] }), [], repo).ai).toBe(false);
  });

  it("finds a configured phrase exactly where the lower-cased text holds the lower-cased phrase", () => {
    // Letters whose cases fold differently (İ, ẞ, ß, the Kelvin sign), ASCII, and anchors.
    const char = fc.constantFrom(..."aAkKsSiIéÉß[] -", "İ", "ẞ", "\u212A");
    const phraseText = fc.array(char, { minLength: 3, maxLength: 6 }).map((c) => c.join(""));
    const body = fc.array(char, { maxLength: 40 }).map((c) => c.join(""));
    fc.assert(
      fc.property(phraseText, body, (configured, text) => {
        fc.pre(configured.trim().length > 0);
        const own = config({ agents: [{ id: "kit", text: [configured] }] });
        const found = attributeCommit(commit(`Fix\n\nx ${text} y`), own).evidence.some(
          (e) => e.marker === "kit/config/text",
        );
        expect(found).toBe(`x ${text} y`.toLowerCase().includes(configured.toLowerCase()));
      }),
      propertyParams({ numRuns: 400 }),
    );
  });

  it("finds a phrase in any case, and quotes the line it is on", () => {
    const repo = config({ agents: [{ id: "kit", text: ["made with kit [v2]", "généré par kit"] }] });
    const cases: [string, string | null][] = [
      ["Fix\n\nİİİ first line\nMADE WITH KIT [V2] here\nlast", "MADE WITH KIT [V2] here"],
      ["Fix\n\nGÉNÉRÉ PAR KIT, relu.", "GÉNÉRÉ PAR KIT, relu."],
      ["Fix\n\nmade with kit v2", null], // no bracket: the anchor rules it out
      ["Fix\n\nmade  with kit [v2]", null],
    ];
    for (const [message, line] of cases) {
      const evidence = attributeCommit(commit(message), repo).evidence.find((e) => e.marker === "kit/config/text");
      expect(evidence?.text ?? null, message).toBe(line);
    }
    // Phrases beyond ASCII match the text they were copied from, and lower-case as before.
    for (const [configured, text] of [
      ["İstanbul [bot]", "Drafted by İstanbul [bot] today"],
      ["\u212Aelvin [bot]", "Drafted by \u212Aelvin [bot] today"],
      ["GROẞ [bot]", "Drafted by GROẞ [bot] today"],
      ["straße [x]", "Drafted by STRAẞE [X] today"],
      ["kit [bot]", "Drafted by \u212AIT [bot] today"], // the Kelvin sign lower-cases to k
    ]) {
      const own = config({ agents: [{ id: "kit", text: [configured] }] });
      const evidence = attributeCommit(commit(`Fix\n\n${text}`), own).evidence;
      expect(
        evidence.map((e) => e.marker),
        configured,
      ).toEqual(["kit/config/text"]);
    }
    const footer = "Add\n\n🤖 GENERATED WITH [CLAUDE CODE](https://claude.com/claude-code)\n";
    expect(attributeCommit(commit(footer)).evidence).toMatchObject([
      { marker: "claude-code/footer", text: "🤖 GENERATED WITH [CLAUDE CODE](https://claude.com/claude-code)" },
    ]);
  });

  it("counts a tool's footer where the tool writes it, starting its line, not the phrase quoted in a sentence", () => {
    // [message, the footer line found, or null]: what humans write about the footer stays theirs.
    const cases: Array<[string, string | null]> = [
      [
        "Add\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
        "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
      ],
      [
        "Add\n\nGenerated with [Claude Code](https://claude.ai/code)",
        "Generated with [Claude Code](https://claude.ai/code)",
      ],
      ["Add\n\n   🤖️ generated with [claude code]", "🤖️ generated with [claude code]"], // spaces, the emoji's variation selector
      ["Add\n\n\t👩🏽‍💻 Generated with [Claude Code]", "👩🏽‍💻 Generated with [Claude Code]"], // a skin tone, a joiner
      // Quoted in a sentence first, then the footer itself: the footer is found.
      [
        "Add\n\nKeeps the Generated with [Claude Code] line.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
      ],
      // Beyond ASCII (İ makes the text be lower-cased to be searched): the same rule.
      ["İstanbul: add\n\nİzmir too.\n🤖 Generated with [Claude Code]", "🤖 Generated with [Claude Code]"],
      ["İstanbul: add\n\nİzmir: keeps Generated with [Claude Code] lines", null],
      // Human commits about the footer.
      ["Strip the footer\n\nRemove the line 'Generated with [Claude Code]' from the commit template.", null],
      ["Docs\n\nOur hook deletes `🤖 Generated with [Claude Code]` from messages.", null],
      ["Docs\n\nI did not use 🤖 Generated with [Claude Code] here", null],
      ["Revert\n\n> 🤖 Generated with [Claude Code](https://claude.com/claude-code)", null], // quoted
      ["Docs\n\n- Generated with [Claude Code] footers are dropped", null], // a list item about it
      [`Add\n\nAn example:\n${" ".repeat(40)}Generated with [Claude Code]`, null], // deep in a block, not a footer
    ];
    for (const [message, line] of cases) {
      const evidence = attributeCommit(commit(message)).evidence.find((e) => e.marker === "claude-code/footer");
      expect(evidence?.text ?? null, message).toBe(line);
    }
    // The Copilot coding agent's hidden block, in a pull request's body.
    const body = (text: string) =>
      attributeChange(change({ body: text }), []).evidence.filter((e) => e.agent === "github-copilot").length;
    expect(body("Fixes #88.\n\n<!-- START COPILOT CODING AGENT TIPS -->\n---\n💡 You can make Copilot smarter")).toBe(
      1,
    );
    expect(body("Our template had `<!-- START COPILOT CODING AGENT TIPS -->`; this removes it.")).toBe(0);
    // A configured phrase is looked for anywhere, as its configuration says.
    const own = config({ agents: [{ id: "kit", text: ["generated with [claude code]"] }] });
    expect(
      attributeCommit(commit("Docs\n\nI did not use Generated with [Claude Code] here"), own).evidence.map(
        (e) => e.marker,
      ),
    ).toEqual(["kit/config/text"]);
  });

  it("finds a footer after a long line that holds the phrase thousands of times, none starting it", () => {
    const line = "x Generated with [Claude Code] ".repeat(20_000); // 620 KB, 20,000 places mid-line
    const message = `Add\n\n${line}\n🤖 Generated with [Claude Code]`;
    const evidence = attributeCommit(commit(message)).evidence.filter((e) => e.marker === "claude-code/footer");
    // The body is read to its limit, its head and its tail (limits.ts): the footer is in the tail.
    expect(evidence.map((e) => e.text)).toEqual(["🤖 Generated with [Claude Code]"]);
    expect(attributeCommit(commit(`Add\n\n${line}`)).evidence).toEqual([]);
  });

  describe("a configured agent", () => {
    const repo = config({
      agents: [
        {
          id: "acme-bot",
          name: "Acme Bot",
          emails: ["*@agents.acme.dev"],
          names: ["Acme Agent"],
          logins: ["acme-bot[bot]"],
          trailers: [{ key: "Acme-Run", value: "run-*" }],
          branches: ["acme/*"],
          text: ["Drafted by Acme Bot"],
          links: ["https://runs.acme.dev/r/"],
          labels: ["acme"],
        },
        { id: "claude-code", emails: ["claude@ai.acme.internal"] },
      ],
    });

    it.each<[string, CommitInput | ChangeInput, string, string, Record<string, unknown>?]>([
      [
        "co-author e-mail",
        commit("Fix\n\nCo-authored-by: Acme Bot <r2d2@agents.acme.dev>"),
        "acme-bot/config/email",
        "acme-bot",
      ],
      [
        "author e-mail",
        commit("Fix", { name: "Acme", email: "r2d2@agents.acme.dev" }),
        "acme-bot/config/email",
        "acme-bot",
      ],
      ["author name", commit("Fix", { name: "Acme Agent", email: "ci@acme.dev" }), "acme-bot/config/name", "acme-bot"],
      [
        "PR author login",
        change({ author: { login: "acme-bot[bot]", type: "Bot" } }),
        "acme-bot/config/login",
        "acme-bot",
      ],
      ["trailer", commit("Fix\n\nAcme-Run: run-8812"), "acme-bot/config/trailer[0]", "acme-bot"],
      ["branch", change({ headRef: "acme/fix-8812" }), "acme-bot/config/branch", "acme-bot"],
      [
        "text in a commit body",
        commit("Fix\n\nDrafted by Acme Bot, reviewed by Jane."),
        "acme-bot/config/text",
        "acme-bot",
      ],
      [
        "session link in the PR body",
        change({ body: "Run: https://runs.acme.dev/r/8812." }),
        "acme-bot/config/link",
        "acme-bot",
        { session: { agent: "acme-bot", id: "8812", url: "https://runs.acme.dev/r/8812" } },
      ],
      ["label", change({ labels: ["Acme"] }), "acme-bot/config/label", "acme-bot"],
      ["its name in Assisted-by", commit("Fix\n\nAssisted-by: Acme Bot"), "generic/assisted-by", "acme-bot"],
      [
        "its e-mail in Assisted-by",
        commit("Fix\n\nAssisted-by: R2 <r2@agents.acme.dev>"),
        "generic/assisted-by",
        "acme-bot",
      ],
      [
        "extra marker of a built-in agent",
        commit("Fix\n\nCo-authored-by: Claude <claude@ai.acme.internal>"),
        "claude-code/config/email",
        "claude-code",
      ],
    ])("%s", (_name, input, marker, agent, extra = {}) => {
      const result = "sha" in input ? attributeCommit(input, repo) : attributeChange(input, [], repo);
      expect(result.agents).toEqual([agent]);
      expect(result.evidence).toEqual([expect.objectContaining({ marker, agent, ...extra })]);
    });

    it("is not matched by a person of another domain", () => {
      expect(attributeCommit(commit("Fix\n\nCo-authored-by: Acme Fan <fan@acme.dev>"), repo).ai).toBe(false);
    });

    it("disabling a built-in agent disables its configured markers too", () => {
      const off = config({
        agents: [{ id: "claude-code", emails: ["claude@ai.acme.internal"] }],
        disableMarkers: ["claude-code"],
      });
      expect(attributeCommit(commit("Fix\n\nCo-authored-by: Claude <claude@ai.acme.internal>"), off).ai).toBe(false);
    });
  });
});

// Claude Code on the web ends a commit with its session link alone on the last line (anthropics/
// claude-code#40733). git reads such a line as the trailer `https: //claude.ai/…`; the link is still
// the whole line, wherever it stands in the trailer block.
describe("a session link alone on the message's last line", () => {
  const UUID7 = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  it.each<[string, string, string, string]>([
    [
      "Claude Code",
      "https://claude.ai/code/session_01QdUs46nC48Q9senf85NSDc",
      "claude-code",
      "session_01QdUs46nC48Q9senf85NSDc",
    ],
    [
      "Devin",
      "https://app.devin.ai/sessions/0123456789abcdef0123456789abcdef",
      "devin",
      "0123456789abcdef0123456789abcdef",
    ],
    ["Copilot", `https://github.com/acme/api/sessions/${UUID7}`, "github-copilot", UUID7],
    ["Amp", `https://ampcode.com/threads/T-${UUID7}`, "amp", `T-${UUID7}`],
  ])("%s", (_name, link, agent, id) => {
    for (const message of [
      `Clarify the retry policy\n\nThe docs said five attempts; the code makes three.\n\n${link}\n`,
      `Clarify the retry policy\n\nThe docs said five attempts.\n\nSigned-off-by: Jane Doe <jane@example.com>\n${link}\n`,
    ]) {
      const result = attributeCommit(commit(message));
      expect(result.ai, message).toBe(true);
      expect(result.agents).toEqual([agent]);
      expect(result.sessions.map((s) => s.id)).toEqual([id]);
      expect(result.evidence[0]).toMatchObject({ source: "trailer", text: expect.stringMatching(/^https:\/\//i) });
    }
  });

  it("a link alone on the last line that is no session stays a link", () => {
    const result = attributeCommit(
      commit("Docs\n\nSee the thread.\n\nhttps://claude.ai/chat/7d1e2f3a-0000-4000-8000-000000000000\n"),
    );
    expect(result).toMatchObject({ ai: false, evidence: [] });
  });
});

describe("evidence", () => {
  it("sorts agents and models deterministically whatever the order found", () => {
    const a = attributeCommit(
      commit(
        "x\n\nCo-authored-by: Cursor <cursoragent@cursor.com>\nCo-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>",
      ),
    );
    const b = attributeCommit(
      commit(
        "x\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>\nCo-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>\nCo-authored-by: Cursor <cursoragent@cursor.com>",
      ),
    );
    expect(a.agents).toEqual(["aider", "claude-code", "cursor"]);
    expect(b.agents).toEqual(a.agents);
    expect(a.models).toEqual(["claude-opus-4.1", "gpt-4o"]);
    expect(b.models).toEqual(a.models);
  });

  it("clips long texts to about 200 characters", () => {
    const result = attributeCommit(commit(`x\n\nAssisted-by: Claude:claude-3-opus ${"tool ".repeat(100)}`));
    const text = result.evidence[0]?.text ?? "";
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text.endsWith("…")).toBe(true);
  });

  it("caps evidence per commit", () => {
    const trailers = Array.from(
      { length: 150 },
      (_, i) => `Co-Authored-By: Claude Opus 4.${i} <noreply@anthropic.com>`,
    ).join("\n");
    const result = attributeCommit(commit(`x\n\n${trailers}`));
    expect(result.evidence).toHaveLength(50);
  });

  it("counts one identity once per agent, even when two of its markers match it", () => {
    const copilot: Identity = {
      name: "copilot-swe-agent[bot]",
      email: "198982749+Copilot@users.noreply.github.com",
      login: "Copilot",
    };
    expect(attributeCommit(commit("Add pagination", copilot)).evidence.map((e) => [e.marker, e.source])).toEqual([
      ["github-copilot/agent", "author"],
    ]);
    const devin = attributeCommit(
      commit("Fix\n\nCo-Authored-By: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
    );
    expect(devin.evidence.map((e) => e.marker)).toEqual(["devin/co-author"]);
  });

  it("counts an identity by another marker of its agent when the first is disabled", () => {
    const cursor: Identity = { name: "Cursor Agent", email: "cursoragent@cursor.com" };
    const result = attributeCommit(commit("Fix", cursor), config({ disableMarkers: ["cursor/agent"] }));
    expect(result.evidence.map((e) => [e.marker, e.source])).toEqual([["cursor/co-author", "author"]]);
    const both = attributeCommit(commit("Fix", cursor), config({ disableMarkers: ["cursor"] }));
    expect(both.ai).toBe(false);
    expect(both.ignored.map((i) => i.marker)).toEqual(["cursor/agent"]);
  });

  it.each<[string, string, string[]]>([
    ["an agent signs off", "mm: fix a race\n\nSigned-off-by: Cursor Agent <cursoragent@cursor.com>", ["cursor"]],
    [
      "the kernel's Co-developed-by names an agent",
      "mm: fix a race\n\nCo-developed-by: Claude <noreply@anthropic.com>\nSigned-off-by: Jane Developer <jane@example.org>",
      ["claude-code"],
    ],
    ["git.git's Helped-by names an agent", "t: fix a flake\n\nHelped-by: aider (gpt-4o) <aider@aider.chat>", ["aider"]],
    [
      "an agent only reviewed, tested or acked: not its work",
      "Fix\n\nReviewed-by: Copilot <175728472+Copilot@users.noreply.github.com>\nTested-by: Cursor Agent <cursoragent@cursor.com>\nAcked-by: Claude <noreply@anthropic.com>\nReported-by: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
      [],
    ],
    [
      "a person called Claude signs off and helped",
      "Fix\n\nHelped-by: Devin Smith <devin@example.com>\nSigned-off-by: Claude Monet <claude@example.org>",
      [],
    ],
  ])("an agent's identity where a person who wrote the change is named: %s", (_name, message, agents) => {
    const result = attributeCommit(commit(message));
    expect(result.agents).toEqual(agents);
    expect(result.ai).toBe(agents.length > 0);
    for (const e of result.evidence) expect(e.source).toBe("trailer");
  });

  it("does not repeat the committer when it is the author", () => {
    const bot: Identity = { name: "Cursor Agent", email: "cursoragent@cursor.com" };
    expect(attributeCommit(commit("Fix", bot)).evidence.map((e) => e.source)).toEqual(["author"]);
    const other = attributeCommit({ sha: "f".repeat(40), message: "Fix", author: jane, committer: bot });
    expect(other.evidence.map((e) => [e.marker, e.source])).toEqual([["cursor/agent", "committer"]]);
  });

  // Real commits of Aider-AI/aider. aider appends (aider) to the committer's name of every commit it
  // makes, and to the author's only when its model wrote the change (aider/repo.py: "aider_edits=False
  // -> Author=You, Committer=You(aider)"): a committer alone is the user's own change.
  const paul: Identity = { name: "Paul Gauthier", email: "aider@paulg.org" };
  const paulByAider: Identity = { name: "Paul Gauthier (aider)", email: "aider@paulg.org" };
  it.each<[string, string, Identity, Identity, string[]]>([
    [
      "0bde1da42: aider wrote it (author and committer)",
      "feat: add Claude 3.5 Haiku model and provider variants",
      paulByAider,
      paulByAider,
      ["author"],
    ],
    [
      "3be2109964: the user's change, committed by aider",
      "fix: update Claude 3.5 Haiku models to use diff mode instead of whole",
      paul,
      paulByAider,
      [],
    ],
    [
      "e67c9327fd: another user's change, committed by aider",
      "fix: Correct Vertex AI model name prefixes in settings",
      { name: "Wietse Venema", email: "wietse@example.org" },
      { name: "Wietse Venema (aider)", email: "wietse@example.org" },
      [],
    ],
  ])("aider's (aider) names: %s", (_name, message, author, committer, sources) => {
    const result = attributeCommit({ sha: "a".repeat(40), message, author, committer });
    expect(result.evidence.map((e) => e.source)).toEqual(sources);
    expect(result.ai).toBe(sources.length > 0);
  });
});

describe("linear-time safety on 1 MB inputs", () => {
  const hostile = config({
    agents: [
      {
        id: "hostile",
        emails: Array.from({ length: 50 }, (_, i) => `${"*a".repeat(40)}*${i}`),
        names: Array.from({ length: 50 }, (_, i) => `${"*?".repeat(40)}*${i}`),
        trailers: Array.from({ length: 50 }, (_, i) => ({ key: "Co-authored-by", value: `${"*a".repeat(40)}*${i}` })),
        text: Array.from({ length: 50 }, (_, i) => `${"a".repeat(150)}${i}`),
        links: Array.from({ length: 50 }, (_, i) => `https://a${i}.example/`),
      },
    ],
  });

  it("a 1 MB message of near-misses and many trailers", () => {
    const body =
      "aaaa https://claude.ai/code/session_ https://github.com/a/b/sessions/ cursor.com/agents?id=bc Generated with [Claude \n".repeat(
        9_000,
      );
    const trailers = Array.from(
      { length: 5_000 },
      (_, i) => `Co-authored-by: ${"a".repeat(150)} <${"a".repeat(150)}${i}@example.com>`,
    ).join("\n");
    const message = `Subject\n\n${body}\n\n${trailers}`;
    expect(message.length).toBeGreaterThan(1_000_000);
    const result = attributeCommit(
      commit(message, { name: "a".repeat(5_000), email: `${"a".repeat(5_000)}@x` }),
      hostile,
    );
    expect(result.ai).toBe(false);
  });

  it("a 1 MB PR body", () => {
    const body = `${"a".repeat(1_000_000)}\nhttps://app.devin.ai/sessions/4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b`;
    const result = attributeChange(change({ body, headRef: "a".repeat(100_000) }), [], hostile);
    expect(result.agents).toEqual(["devin"]);
  });
});

describe("what the engine remembers changes nothing", () => {
  // One engine reads a run of commits, remembering the identities and trailers it saw (in copies
  // of their text); each commit must read as it does in an engine of its own (a fresh config).
  const cursor: Identity = { name: "Cursor Agent", email: "cursoragent@cursor.com" };
  const claude: Identity = { name: "Claude", email: "noreply@anthropic.com" };
  const janeNoLogin: Identity = { name: "Jane Doe", email: "jane@example.com" };
  const fresh = () => config({});
  it.each<[string, [string, Identity, Identity][]]>([
    [
      "one author in a run, then another, then the first again",
      [
        ["Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\n", jane, jane],
        ["Tidy\n\nSigned-off-by: Jane Doe <jane@example.com>\n", jane, jane],
        ["Fix", cursor, cursor],
        ["Fix", jane, jane],
      ],
    ],
    [
      "the same name and e-mail with and without a login",
      [
        ["Fix", jane, jane],
        ["Fix", janeNoLogin, janeNoLogin],
        ["Fix", jane, jane],
      ],
    ],
    [
      "an agent committing for people, and people committing for it",
      [
        ["Fix", jane, cursor],
        ["Fix", janeNoLogin, cursor],
        ["Fix", cursor, jane],
        ["Fix", claude, cursor],
      ],
    ],
    [
      "one trailer block shared by commits with different messages",
      [
        [
          "Fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\nSigned-off-by: Jane Doe <jane@example.com>\n",
          jane,
          jane,
        ],
        [
          "Other\n\nA body.\n\nCo-authored-by: Claude <noreply@anthropic.com>\nSigned-off-by: Jane Doe <jane@example.com>\n",
          jane,
          jane,
        ],
        ["Fix\n\nAssisted-by: Claude\nSigned-off-by: Jane Doe <jane@example.com>\n", janeNoLogin, cursor],
      ],
    ],
  ])("%s", (_name, commits) => {
    const shared = fresh();
    for (const [message, author, committer] of commits) {
      const input: CommitInput = { sha: "a".repeat(40), message, author, committer };
      expect(attributeCommit(input, shared)).toEqual(attributeCommit(input, fresh()));
    }
  });
});
