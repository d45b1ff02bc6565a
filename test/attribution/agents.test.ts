// One realistic commit or pull request per marker of the catalogue, run through the public
// functions. The last test checks that no marker of the catalogue is left without a case.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  AGENT_IDS,
  AGENTS,
  agentForBotLogin,
  agentOfMarker,
  GENERIC_CONVENTIONS,
  isBot,
  MARKER_IDS,
  type MarkerMatch,
  PERSON_TRAILER_KEYS,
  RECORD_MARKERS,
} from "../../src/attribution/agents.js";
import { attributeChange, attributeCommit } from "../../src/attribution/attribute.js";
import type { ChangeInput, CommitInput, Evidence, EvidenceSource, Identity } from "../../src/attribution/types.js";

const SHA = "3f9a1c2b4d5e6f708192a3b4c5d6e7f809a1b2c3";
const jane: Identity = { name: "Jane Doe", email: "jane@example.com", login: "jane-doe" };
const web: Identity = { name: "GitHub", email: "noreply@github.com", login: "web-flow" };

const CLAUDE_SESSION = "session_01Vh7QmZ2c8sKxT4pLw9NbRd";
const COPILOT_UUID = "6f1c2a9e-4b7d-4e2a-9c3f-0d8e7b6a5c41";
const CODEX_TASK = "task_e_68a4f1c2b3d48329a1f0e6b7c8d9e0f1";
const CURSOR_BC = "bc-3f2b8c1d-7a4e-4f6b-9d2c-1e0a5b7c9d8e";
const DEVIN_SESSION = "4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b";
const AMP_THREAD = "T-5d1c2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

function commit(message: string, author: Identity = jane, committer: Identity = author): CommitInput {
  return { sha: SHA, message, author, committer };
}

function change(overrides: Partial<ChangeInput>): ChangeInput {
  return {
    number: 7,
    title: "Add retries to webhook delivery",
    body: "",
    author: { login: "jane-doe", type: "User" },
    headRef: "feature/webhook-retries",
    labels: [],
    ...overrides,
  };
}

type Case = [marker: string, input: { commit: CommitInput } | { change: ChangeInput }, expected: Partial<Evidence>];

const cases: Case[] = [
  // ---- Claude Code
  [
    "claude-code/co-author",
    {
      commit: commit(
        "Add retry with backoff to webhook delivery\n\nFailed deliveries are retried three times with exponential backoff\nbefore the event is parked in the dead-letter table.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>\n",
      ),
    },
    {
      agent: "claude-code",
      source: "trailer",
      commit: SHA,
      text: "Co-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>",
      model: "claude-opus-4.1",
    },
  ],
  [
    "claude-code/co-author",
    {
      // Claude Code committing on its own (a headless run, the GitHub Action's default identity).
      commit: commit("Bump the retry budget to five attempts", { name: "Claude", email: "noreply@anthropic.com" }),
    },
    { agent: "claude-code", source: "author", text: "Claude <noreply@anthropic.com>" },
  ],
  [
    "claude-code/footer",
    {
      commit: commit(
        "Fix off-by-one in the pagination cursor\n\nThe last page was skipped when the total was a multiple of the page size.\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
      ),
    },
    { agent: "claude-code", source: "body", text: "🤖 Generated with [Claude Code](https://claude.ai/code)" },
  ],
  [
    "claude-code/session",
    {
      commit: commit(
        `Make the ledger clock injectable\n\nTests pass a fixed clock instead of patching Date.\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\nClaude-Session: https://claude.ai/code/${CLAUDE_SESSION}`,
      ),
    },
    {
      agent: "claude-code",
      source: "trailer",
      session: { agent: "claude-code", id: CLAUDE_SESSION, url: `https://claude.ai/code/${CLAUDE_SESSION}` },
    },
  ],
  [
    "claude-code/session-link",
    {
      change: change({
        body: `## Summary\n- retry failed deliveries with backoff\n- park exhausted events\n\n## Test plan\n- [x] npm test\n\nhttps://claude.ai/code/${CLAUDE_SESSION}`,
      }),
    },
    { agent: "claude-code", source: "pr-body", text: `https://claude.ai/code/${CLAUDE_SESSION}` },
  ],
  [
    "claude-code/session-branch",
    { change: change({ headRef: `claude/webhook-retries-${CLAUDE_SESSION}` }) },
    {
      agent: "claude-code",
      source: "branch",
      session: { agent: "claude-code", id: CLAUDE_SESSION, url: `https://claude.ai/code/${CLAUDE_SESSION}` },
    },
  ],
  [
    "claude-code/bot",
    {
      commit: commit("fix: handle empty deployment payloads\n\nCo-authored-by: Jane Doe <jane@example.com>", {
        name: "claude[bot]",
        email: "209825114+claude[bot]@users.noreply.github.com",
        login: "claude[bot]",
      }),
    },
    { agent: "claude-code", source: "author", text: "claude[bot] <209825114+claude[bot]@users.noreply.github.com>" },
  ],
  [
    "claude-code/branch",
    { change: change({ headRef: "claude/issue-42-20250611-0915" }) },
    { agent: "claude-code", source: "branch", text: "claude/issue-42-20250611-0915" },
  ],

  // ---- GitHub Copilot
  [
    "github-copilot/co-author",
    {
      commit: commit(
        "Validate the environment name before creating a deployment (#311)\n\n* Validate environment names\n\n* Address review comments\n\n---------\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
      ),
    },
    {
      agent: "github-copilot",
      source: "trailer",
      text: "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    },
  ],
  [
    "github-copilot/co-author",
    {
      // Copilot in the IDE (commit message generation, agent mode) co-authors with its plain e-mail.
      commit: commit("Retry webhook deliveries on 502 and 503\n\nCo-authored-by: Copilot <copilot@github.com>"),
    },
    { agent: "github-copilot", source: "trailer", text: "Co-authored-by: Copilot <copilot@github.com>" },
  ],
  [
    "github-copilot/autofix",
    {
      commit: commit(
        "Potential fix for code scanning alert no. 12: Incomplete URL substring sanitization\n\nCo-authored-by: Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "github-copilot", source: "trailer" },
  ],
  [
    "github-copilot/agent",
    {
      commit: commit(
        `Add pagination to the deployments list\n\nAgent-Logs-Url: https://github.com/acme/api/sessions/${COPILOT_UUID}\n\nCo-authored-by: jane-doe <1234567+jane-doe@users.noreply.github.com>`,
        { name: "copilot-swe-agent[bot]", email: "198982749+Copilot@users.noreply.github.com", login: "Copilot" },
      ),
    },
    {
      agent: "github-copilot",
      source: "author",
      text: "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
    },
  ],
  [
    "github-copilot/session",
    {
      commit: commit(
        `Fix typo in the README\n\nAgent-Logs-Url: https://github.com/acme/api/sessions/${COPILOT_UUID}\nCo-authored-by: jane-doe <1234567+jane-doe@users.noreply.github.com>`,
        { name: "copilot-swe-agent[bot]", email: "198982749+Copilot@users.noreply.github.com" },
      ),
    },
    {
      agent: "github-copilot",
      source: "trailer",
      session: {
        agent: "github-copilot",
        id: COPILOT_UUID,
        url: `https://github.com/acme/api/sessions/${COPILOT_UUID}`,
      },
    },
  ],
  [
    "github-copilot/session-link",
    {
      // Copilot writes Agent-Logs-Url above the Co-authored-by paragraph: not a trailer by git's rules.
      commit: commit(
        `Add pagination to the deployments list\n\nAgent-Logs-Url: https://github.com/acme/api/sessions/${COPILOT_UUID}\n\nCo-authored-by: jane-doe <1234567+jane-doe@users.noreply.github.com>`,
        { name: "copilot-swe-agent[bot]", email: "198982749+Copilot@users.noreply.github.com" },
      ),
    },
    {
      agent: "github-copilot",
      source: "body",
      session: {
        agent: "github-copilot",
        id: COPILOT_UUID,
        url: `https://github.com/acme/api/sessions/${COPILOT_UUID}`,
      },
    },
  ],
  [
    "github-copilot/pr-body",
    {
      change: change({
        title: "Add pagination to the deployments list",
        body: "Adds `page` and `per_page` to `GET /deployments`.\n\nFixes #88.\n\n<!-- START COPILOT CODING AGENT TIPS -->\n---\n\n💡 You can make Copilot smarter by setting up custom instructions.",
        author: { login: "Copilot", type: "Bot" },
        headRef: "copilot/fix-88",
      }),
    },
    { agent: "github-copilot", source: "pr-body", text: "<!-- START COPILOT CODING AGENT TIPS -->" },
  ],
  [
    "github-copilot/branch",
    { change: change({ headRef: "copilot/fix-88" }) },
    { agent: "github-copilot", source: "branch", text: "copilot/fix-88" },
  ],

  // ---- OpenAI Codex
  [
    "codex/co-author",
    {
      commit: commit("Parse Link headers when paging deployments\n\nCo-authored-by: Codex <noreply@openai.com>"),
    },
    { agent: "codex", source: "trailer", text: "Co-authored-by: Codex <noreply@openai.com>" },
  ],
  [
    "codex/co-author",
    {
      commit: commit("feat: concise change summary\n\nCo-authored-by: Codex <codex@openai.com>"),
    },
    { agent: "codex", source: "trailer", text: "Co-authored-by: Codex <codex@openai.com>" },
  ],
  [
    "codex/co-author",
    {
      // Codex committing as itself, author and committer.
      commit: commit("fix: persist episode bridge identity", { name: "Codex", email: "codex@openai.com" }),
    },
    { agent: "codex", source: "author", text: "Codex <codex@openai.com>" },
  ],
  [
    "codex/task-link",
    {
      change: change({
        body: `## Summary\n- page through list-commits beyond 250\n\n## Testing\n- ✅ \`npm test\`\n\n------\nhttps://chatgpt.com/codex/tasks/${CODEX_TASK}`,
      }),
    },
    {
      agent: "codex",
      source: "pr-body",
      session: { agent: "codex", id: CODEX_TASK, url: `https://chatgpt.com/codex/tasks/${CODEX_TASK}` },
    },
  ],
  [
    "codex/session-branch",
    { change: change({ headRef: `codex/page-commits-${CODEX_TASK}` }) },
    {
      agent: "codex",
      source: "branch",
      session: { agent: "codex", id: CODEX_TASK, url: `https://chatgpt.com/codex/tasks/${CODEX_TASK}` },
    },
  ],
  [
    "codex/bot",
    { change: change({ author: { login: "chatgpt-codex-connector[bot]", type: "Bot" } }) },
    { agent: "codex", source: "pr-author", text: "chatgpt-codex-connector[bot]" },
  ],
  [
    "codex/bot",
    {
      // The Codex connector's account as co-author: GitHub's numeric id is part of the address.
      commit: commit(
        "Address review feedback on the retry budget\n\nCo-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
      ),
    },
    {
      agent: "codex",
      source: "trailer",
      text: "Co-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
    },
  ],
  [
    "codex/bot",
    {
      commit: commit(
        "Page through list-commits beyond 250\n\nCo-authored-by: Codex <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "codex", source: "trailer" },
  ],
  ["codex/branch", { change: change({ headRef: "codex/add-pagination" }) }, { agent: "codex", source: "branch" }],

  // ---- Cursor
  [
    "cursor/co-author",
    { commit: commit("Extract the retry policy\n\nCo-authored-by: Cursor <cursoragent@cursor.com>") },
    { agent: "cursor", source: "trailer", text: "Co-authored-by: Cursor <cursoragent@cursor.com>" },
  ],
  [
    "cursor/made-with",
    { commit: commit("Tidy the config loader\n\nMade-with: Cursor") },
    { agent: "cursor", source: "trailer", text: "Made-with: Cursor" },
  ],
  [
    "cursor/agent",
    {
      commit: commit("Add missing index on deployments.sha", { name: "Cursor Agent", email: "cursoragent@cursor.com" }),
    },
    { agent: "cursor", source: "author", text: "Cursor Agent <cursoragent@cursor.com>" },
  ],
  [
    "cursor/agent-link",
    {
      change: change({
        body: `Adds the missing index.\n\n<a href="https://cursor.com/background-agent?bcId=${CURSOR_BC}"><picture><img alt="Open in Cursor" src="https://cursor.com/open-in-cursor.svg"></picture></a>&nbsp;<a href="https://cursor.com/agents?id=${CURSOR_BC}"><picture><img alt="Open in Web" src="https://cursor.com/open-in-web.svg"></picture></a>`,
        headRef: "cursor/add-missing-index-4a1f",
      }),
    },
    {
      agent: "cursor",
      source: "pr-body",
      session: { agent: "cursor", id: CURSOR_BC, url: `https://cursor.com/background-agent?bcId=${CURSOR_BC}` },
    },
  ],
  [
    "cursor/session-branch",
    { change: change({ headRef: `cursor/${CURSOR_BC}` }) },
    {
      agent: "cursor",
      source: "branch",
      session: { agent: "cursor", id: CURSOR_BC, url: `https://cursor.com/agents?id=${CURSOR_BC}` },
    },
  ],
  [
    "cursor/branch",
    { change: change({ headRef: "cursor/add-missing-index-4a1f" }) },
    { agent: "cursor", source: "branch" },
  ],

  // ---- Aider
  [
    "aider/co-author",
    {
      commit: commit(
        "feat: Add retry budget to the webhook client\n\nCo-authored-by: aider (openrouter/anthropic/claude-sonnet-4) <aider@aider.chat>",
      ),
    },
    { agent: "aider", source: "trailer", model: "claude-sonnet-4" },
  ],
  [
    "aider/co-author",
    {
      // aider's first co-author trailers (Aider-AI/aider#3788) used noreply@aider.dev.
      commit: commit("feat: Add retry budget\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.dev>"),
    },
    { agent: "aider", source: "trailer", model: "gpt-4o" },
  ],
  [
    "aider/author",
    {
      commit: commit("fix: Handle 422 from compare API", { name: "Jane Doe (aider)", email: "jane@example.com" }),
    },
    { agent: "aider", source: "author", text: "Jane Doe (aider) <jane@example.com>" },
  ],
  [
    "aider/subject",
    { commit: commit("aider: Added exponential backoff to the webhook client.\n\n# Aider chat conversation:") },
    { agent: "aider", source: "subject", text: "aider: Added exponential backoff to the webhook client." },
  ],

  // ---- Devin
  [
    "devin/bot",
    {
      change: change({
        author: { login: "devin-ai-integration[bot]", type: "Bot" },
        headRef: "devin/1717171717-add-retries",
      }),
    },
    { agent: "devin", source: "pr-author" },
  ],
  [
    "devin/co-author",
    {
      commit: commit(
        "Add retries to webhook delivery\n\nCo-Authored-By: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>\nCo-Authored-By: jane@example.com <jane@example.com>",
      ),
    },
    { agent: "devin", source: "trailer" },
  ],
  [
    "devin/bot",
    {
      commit: commit(
        "Add retries to webhook delivery\n\nCo-authored-by: devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "devin", source: "trailer" },
  ],
  [
    "devin/session-link",
    {
      change: change({
        body: `# Add retries to webhook delivery\n\nLink to Devin run: https://app.devin.ai/sessions/${DEVIN_SESSION}\nRequested by: Jane Doe (jane@example.com)`,
      }),
    },
    {
      agent: "devin",
      source: "pr-body",
      session: { agent: "devin", id: DEVIN_SESSION, url: `https://app.devin.ai/sessions/${DEVIN_SESSION}` },
    },
  ],
  [
    "devin/branch",
    { change: change({ headRef: "devin/1717171717-add-retries" }) },
    { agent: "devin", source: "branch" },
  ],

  // ---- Google Jules
  [
    "jules/bot",
    { change: change({ author: { login: "google-labs-jules[bot]", type: "Bot" } }) },
    { agent: "jules", source: "pr-author" },
  ],
  [
    "jules/bot",
    {
      commit: commit(
        "Add retries to webhook delivery (#41)\n\nCo-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "jules", source: "trailer" },
  ],
  [
    "jules/task-link",
    {
      change: change({
        body: "This change adds retries to webhook delivery.\n\n---\n*PR created automatically by Jules for task [15583719305227386045](https://jules.google.com/task/15583719305227386045)*",
      }),
    },
    {
      agent: "jules",
      source: "pr-body",
      session: {
        agent: "jules",
        id: "15583719305227386045",
        url: "https://jules.google.com/task/15583719305227386045",
      },
    },
  ],

  // ---- Amp
  [
    "amp/thread",
    {
      commit: commit(
        `Split the deployment linker into pure steps\n\nAmp-Thread-ID: https://ampcode.com/threads/${AMP_THREAD}\nCo-authored-by: Amp <amp@ampcode.com>`,
      ),
    },
    {
      agent: "amp",
      source: "trailer",
      session: { agent: "amp", id: AMP_THREAD, url: `https://ampcode.com/threads/${AMP_THREAD}` },
    },
  ],
  [
    "amp/thread-link",
    { change: change({ body: `Refactor only.\n\nThread: https://ampcode.com/threads/${AMP_THREAD}` }) },
    { agent: "amp", source: "pr-body" },
  ],
  ["amp/session-branch", { change: change({ headRef: `amp/${AMP_THREAD}` }) }, { agent: "amp", source: "branch" }],
  [
    "amp/co-author",
    {
      commit: commit(
        `Split the deployment linker into pure steps\n\nAmp-Thread-ID: https://ampcode.com/threads/${AMP_THREAD}\nCo-authored-by: Amp <amp@ampcode.com>`,
      ),
    },
    { agent: "amp", source: "trailer", text: "Co-authored-by: Amp <amp@ampcode.com>" },
  ],
  [
    "amp/co-author",
    {
      commit: commit(
        `Split the deployment linker into pure steps\n\nAmp-Thread-ID: https://ampcode.com/threads/${AMP_THREAD}`,
        { name: "Amp", email: "amp@ampcode.com" },
        jane,
      ),
    },
    { agent: "amp", source: "author", text: "Amp <amp@ampcode.com>" },
  ],

  // ---- Kiro, Amazon Q
  [
    "kiro/agent",
    {
      commit: commit("Implement task 3: deployment status handler", {
        name: "Kiro Agent",
        email: "agent@kiro.example",
      }),
    },
    { agent: "kiro", source: "author" },
  ],
  [
    "kiro/session",
    {
      commit: commit(
        "Implement task 3: deployment status handler\n\nKiro-Session-Id: 0c5e1f7a-2b3d-4e8f-9a1b-6c7d8e9f0a1b",
      ),
    },
    { agent: "kiro", source: "trailer", session: { agent: "kiro", id: "0c5e1f7a-2b3d-4e8f-9a1b-6c7d8e9f0a1b" } },
  ],
  [
    "kiro/bot",
    {
      change: change({
        title: "Implement task 2: retry failed webhook deliveries",
        author: { login: "kiro-agent[bot]", type: "Bot" },
      }),
    },
    { agent: "kiro", source: "pr-author", text: "kiro-agent[bot]" },
  ],
  [
    "amazon-q/bot",
    { change: change({ author: { login: "amazon-q-developer[bot]", type: "Bot" } }) },
    { agent: "amazon-q", source: "pr-author" },
  ],

  // ---- OpenHands, OpenCode, Sweep
  [
    "openhands/co-author",
    { commit: commit("Fix failing lint job\n\nCo-authored-by: openhands <openhands@all-hands.dev>") },
    { agent: "openhands", source: "trailer" },
  ],
  [
    "openhands/bot",
    { change: change({ title: "Fix issue #88: retries", author: { login: "openhands-ai[bot]", type: "Bot" } }) },
    { agent: "openhands", source: "pr-author" },
  ],
  [
    "opencode/co-author",
    { commit: commit("Rename ledger columns\n\nCo-authored-by: opencode <noreply@opencode.ai>") },
    { agent: "opencode", source: "trailer" },
  ],
  [
    "opencode/bot",
    {
      commit: commit(
        "fix: default unknown models to a 200k context\n\nCo-authored-by: opencode-agent[bot] <opencode-agent[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "opencode", source: "trailer" },
  ],
  [
    "sweep/bot",
    { change: change({ author: { login: "sweep-ai[bot]", type: "Bot" }, headRef: "sweep/add-type-hints" }) },
    { agent: "sweep", source: "pr-author" },
  ],
  ["sweep/branch", { change: change({ headRef: "sweep/add-type-hints" }) }, { agent: "sweep", source: "branch" }],

  // ---- Factory, Warp, Gemini, Qodo, Roo Code, Entire
  [
    "factory/bot",
    {
      commit: commit(
        "feat: add feature flags for the rollout\n\n- Flag definitions for all phases\n- Safe defaults (all flags false)\n\nCo-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>",
      ),
    },
    {
      agent: "factory",
      source: "trailer",
      text: "Co-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>",
    },
  ],
  [
    "warp/co-author",
    {
      commit: commit(
        "chore(wiki): apply bundle and stage drafts idempotently\n\nCo-Authored-By: Warp <agent@warp.dev>",
      ),
    },
    { agent: "warp", source: "trailer", text: "Co-Authored-By: Warp <agent@warp.dev>" },
  ],
  [
    "warp/co-author",
    { commit: commit("Update third-party labels\n\nCo-Authored-By: Oz <oz-agent@warp.dev>") },
    { agent: "warp", source: "trailer", text: "Co-Authored-By: Oz <oz-agent@warp.dev>" },
  ],
  [
    "gemini/code-assist",
    {
      // A squash merge in which a review suggestion of Gemini Code Assist was applied.
      commit: commit(
        "[Attention] Integrate FlashAttention 4 head dim 256 support (#42669)\n\nSigned-off-by: Jane Doe <jane@example.com>\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "gemini", source: "trailer" },
  ],
  [
    "gemini/cli-bot",
    {
      commit: commit("feat: add example/index.html", {
        name: "gemini-cli[bot]",
        email: "gemini-cli[bot]@users.noreply.github.com",
      }),
    },
    { agent: "gemini", source: "author", text: "gemini-cli[bot] <gemini-cli[bot]@users.noreply.github.com>" },
  ],
  [
    "gemini/co-author",
    { commit: commit("Add the metric endpoint\n\nCo-authored-by: Gemini CLI <gemini-cli@google.com>") },
    { agent: "gemini", source: "trailer" },
  ],
  [
    "qodo/bot",
    {
      commit: commit(
        "Apply suggestion from @qodo-merge-pro[bot]\n\nCo-authored-by: qodo-merge-pro[bot] <151058649+qodo-merge-pro[bot]@users.noreply.github.com>",
      ),
    },
    { agent: "qodo", source: "trailer" },
  ],
  [
    "coderabbit/bot",
    {
      // open-space-collective/open-space-toolkit-astrodynamics ce35abf: a squash merge in which
      // CodeRabbit's committable suggestion was applied ("Apply suggestions from code review").
      commit: commit(
        "feat!: include states with Maneuver (#432)\n\n* wip:\n\n* wip:\n\n* fix: tests\n\n* feat: address remaining feedback\n\n* fix: python tests\n\n* Apply suggestions from code review\n\n* feat: address last bit of feedback\n\n* chore: style\n\n* Apply suggestions from code review\n\nCo-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>\n\n* feat: use maneuver static var\n\n* fix: tests\n\n---------\n\nCo-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>",
        { name: "Vishwa Shah", email: "vishwa2710@gmail.com" },
      ),
    },
    {
      agent: "coderabbit",
      source: "trailer",
      // Its section's trailer and GitHub's closing block name it alike: one piece of evidence.
      text: "Co-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>",
    },
  ],
  [
    "roo-code/co-author",
    {
      commit: commit(
        "fix: keep the settings view usable after an import clears the provider\n\nCo-authored-by: Roomote <roomote@roocode.com>",
      ),
    },
    { agent: "roo-code", source: "trailer" },
  ],
  [
    "roo-code/bot",
    { change: change({ author: { login: "roomote[bot]", type: "Bot" } }) },
    { agent: "roo-code", source: "pr-author" },
  ],
  [
    "entire/checkpoint",
    {
      commit: commit(
        "feat: Add user authentication\n\nThis commit adds OAuth2 login flow with Google and GitHub providers.\n\nEntire-Checkpoint: a3b2c4d5e6f7",
      ),
    },
    {
      agent: "entire",
      source: "trailer",
      text: "Entire-Checkpoint: a3b2c4d5e6f7",
      session: { agent: "entire", id: "a3b2c4d5e6f7" },
    },
  ],

  // ---- generic conventions
  [
    "generic/assisted-by",
    {
      commit: commit(
        'mm/slab: fix a typo in a comment\n\nFix "recieve" -> "receive" in the comment above kmem_cache_free().\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Jane Doe <jane@example.org>',
      ),
    },
    {
      agent: "claude-code",
      source: "trailer",
      model: "claude-3-opus",
      text: "Assisted-by: Claude:claude-3-opus coccinelle sparse",
    },
  ],
  [
    "generic/generated-by",
    { commit: commit("Add unit tests for the glob matcher\n\nGenerated-by: GitHub Copilot (gpt-4.1)") },
    { agent: "github-copilot", source: "trailer", model: "gpt-4.1" },
  ],
  [
    "generic/co-authored-by-ai",
    { commit: commit("Document the revert window\n\nCo-authored-by-AI: GPT-4o") },
    { agent: "generic", source: "trailer", model: "gpt-4o" },
  ],
  [
    "generic/ai-assisted",
    { commit: commit("Speed up the compare loop\n\nAI-assisted: true\nSigned-off-by: Jane Doe <jane@example.com>") },
    { agent: "generic", source: "trailer", text: "AI-assisted: true" },
  ],
  [
    "generic/agent-session",
    { commit: commit(`Add the metric endpoint\n\nAgent-Session: codex:${CODEX_TASK}`) },
    {
      agent: "codex",
      source: "trailer",
      session: { agent: "codex", id: CODEX_TASK, url: `https://chatgpt.com/codex/tasks/${CODEX_TASK}` },
    },
  ],
  [
    "config/label",
    { change: change({ labels: ["enhancement", "AI-Assisted"] }) },
    { agent: "generic", source: "label", text: "AI-Assisted" },
  ],
];

describe("every marker, from a realistic commit or pull request", () => {
  it.each(cases)("%s", (marker, input, expected) => {
    const result = "commit" in input ? attributeCommit(input.commit) : attributeChange(input.change, []);
    expect(result.ai).toBe(true);
    expect(result.evidence).toContainEqual(expect.objectContaining({ marker, ...expected }));
    expect(result.agents).toContain(expected.agent);
  });

  it("covers every marker of the catalogue", () => {
    const covered = new Set(cases.map(([marker]) => marker));
    // A record's markers come from records, not messages: test/handlers/agent-records.test.ts.
    expect(MARKER_IDS.filter((id) => !covered.has(id) && !RECORD_MARKERS.includes(id))).toEqual([]);
  });

  it("recognises every form of a marker on its own, wherever the marker can sit", () => {
    // The cases above are realistic, so a bot author shows its name, e-mail and login at once, and
    // a marker with two e-mails (Copilot's co-author) needs only one of them to pass. Here each
    // e-mail, name, login and trailer value of the catalogue is shown alone, in every place the
    // marker looks: dropping any one of them from agents.ts fails this test.
    const missed: string[] = [];
    let shown = 0;
    for (const agent of AGENTS) {
      for (const marker of agent.markers) {
        for (const form of formsOf(marker.match)) {
          for (const { source, input } of showings(form, marker.where)) {
            shown++;
            const result = "commit" in input ? attributeCommit(input.commit) : attributeChange(input.change, []);
            if (!result.evidence.some((e) => e.marker === marker.id && e.source === source)) {
              missed.push(`${marker.id} ${form.list} ${JSON.stringify(form.pattern)} at ${source}`);
            }
          }
        }
      }
    }
    expect(missed).toEqual([]);
    // Every form the catalogue holds today: a form dropped from agents.ts is missed here.
    expect(shown).toBe(403);
  });
});

describe("prefixes", () => {
  const found = (where: "subject" | "body" | "branch", text: string) =>
    (where === "branch"
      ? attributeChange(change({ headRef: text }), [])
      : attributeCommit(commit(where === "subject" ? text : `Fix the retries\n\n${text}`))
    ).evidence.map((e) => e.marker);

  // Written out, not derived from the catalogue: a prefix changed in agents.ts changes no input here.
  it.each<[string, "subject" | "body" | "branch", string, string[]]>([
    ["aider's subject", "subject", "aider: fix the retries", ["aider/subject"]],
    ["aider's subject in upper case", "subject", "Aider: fix the retries", ["aider/subject"]],
    ["a subject about aider", "subject", "aider:fix the retries", []],
    ["a subject about aider's users", "subject", "aiders: fix the retries", []],
    ["aider's subject on a body line", "body", "aider: fix the retries", []],
    ["Claude Code's branch", "branch", "claude/fix-retries-x7Kq2", ["claude-code/branch"]],
    ["a branch about Claude", "branch", "claude-docs/fix-retries", []],
    ["a person's branch", "branch", "claudette/fix-retries", []],
    ["Copilot's branch", "branch", "copilot/fix-retries", ["github-copilot/branch"]],
    ["a branch about Copilot", "branch", "copilot-docs/fix-retries", []],
    ["Codex's branch", "branch", "codex/fix-retries", ["codex/branch"]],
    ["a branch about codecs", "branch", "codexes/fix-retries", []],
    ["Cursor's branch", "branch", "cursor/fix-retries-4f2a", ["cursor/branch"]],
    ["a branch about the text cursor", "branch", "cursor-blink/fix", []],
    ["Devin's branch", "branch", "devin/1712345678-fix-retries", ["devin/branch"]],
    ["a person's branch called Devin", "branch", "devinsmith/fix-retries", []],
    ["Sweep's branch", "branch", "sweep/fix-retries", ["sweep/branch"]],
    ["a branch about sweeping", "branch", "sweeper/fix-retries", []],
  ])("%s: %s %j", (_name, where, text, markers) => {
    expect(found(where, text)).toEqual(markers);
  });
});

describe("catalogue", () => {
  it("has the agents of PRODUCT.md, with unique ids and markers named after their agent", () => {
    expect(AGENT_IDS).toEqual([
      "claude-code",
      "github-copilot",
      "codex",
      "cursor",
      "aider",
      "devin",
      "jules",
      "amp",
      "kiro",
      "amazon-q",
      "openhands",
      "opencode",
      "sweep",
      "factory",
      "warp",
      "gemini",
      "qodo",
      "coderabbit",
      "roo-code",
      "entire",
    ]);
    expect(new Set(MARKER_IDS).size).toBe(MARKER_IDS.length);
    for (const agent of AGENTS) {
      for (const marker of agent.markers) expect(marker.id.startsWith(`${agent.id}/`)).toBe(true);
    }
    expect(GENERIC_CONVENTIONS.map((g) => g.key)).toEqual([
      "assisted-by",
      "generated-by",
      "co-authored-by-ai",
      "ai-assisted",
      "agent-session",
    ]);
  });

  it("looks for an agent's identity wherever a person's can appear, and a bot's login as the PR author", () => {
    const person: EvidenceSource[] = ["trailer", "author", "committer"];
    // aider names itself the committer of the user's own changes too: only its author name counts.
    const notThere: Record<string, EvidenceSource[]> = { "aider/author": ["committer"] };
    for (const agent of AGENTS) {
      for (const marker of agent.markers) {
        if (marker.match.kind !== "identity") continue;
        const { emails = [], names = [], logins = [] } = marker.match;
        const missing = person.filter((p) => !marker.where.includes(p));
        if (emails.length + names.length > 0)
          expect([marker.id, ...missing]).toEqual([marker.id, ...(notThere[marker.id] ?? [])]);
        if (logins.length > 0) expect([marker.id, marker.where.includes("pr-author")]).toEqual([marker.id, true]);
      }
    }
  });

  it("gives each e-mail, name and login to one marker of its agent (one identity, one piece of evidence)", () => {
    for (const agent of AGENTS) {
      const seen = new Map<string, string>();
      for (const marker of agent.markers) {
        for (const form of formsOf(marker.match)) {
          const key = `${form.list} ${form.pattern.toLowerCase()}`;
          expect([key, seen.get(key) ?? marker.id]).toEqual([key, marker.id]);
          seen.set(key, marker.id);
        }
      }
    }
  });

  it("is listed in the README, agent by agent", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("What is recognised (see `src/attribution/agents.ts`");
    const section = readme.slice(start, readme.indexOf("\n\n", start)).replace(/\s+/g, " ");
    expect(start).toBeGreaterThan(0);
    expect(AGENTS.map((a) => a.name).filter((name) => !section.includes(name))).toEqual([]);
  });

  it("gives the agent of a marker", () => {
    expect(agentOfMarker("cursor/made-with")).toBe("cursor");
    expect(agentOfMarker("generic/assisted-by")).toBe("generic");
    expect(agentOfMarker("nope/nope")).toBeUndefined();
  });
});

describe("bots", () => {
  it.each([
    ["copilot-swe-agent[bot]", "github-copilot"],
    ["Copilot", "github-copilot"],
    ["claude[bot]", "claude-code"],
    ["Devin-AI-Integration[bot]", "devin"],
    ["google-labs-jules[bot]", "jules"],
    ["chatgpt-codex-connector[bot]", "codex"],
    ["amazon-q-developer[bot]", "amazon-q"],
    ["sweep-ai[bot]", "sweep"],
    ["kiro-agent[bot]", "kiro"],
    ["openhands-ai[bot]", "openhands"],
    ["opencode-agent[bot]", "opencode"],
    ["factory-droid[bot]", "factory"],
    ["gemini-code-assist[bot]", "gemini"],
    ["gemini-cli[bot]", "gemini"],
    ["qodo-merge-pro[bot]", "qodo"],
    ["qodo-code-review[bot]", "qodo"],
    ["coderabbitai[bot]", "coderabbit"],
    ["roomote[bot]", "roo-code"],
  ])("%s is the bot of %s", (login, agent) => {
    expect(agentForBotLogin(login)).toBe(agent);
    expect(isBot(login)).toBe(true);
  });

  it.each(["dependabot[bot]", "renovate[bot]", "github-actions[bot]", "renovate-bot", "web-flow", "some-app[bot]"])(
    "%s is a bot but not an agent",
    (login) => {
      expect(isBot(login)).toBe(true);
      expect(agentForBotLogin(login)).toBeNull();
    },
  );

  it.each(["jane-doe", "claude", "devin", "copilot-fan"])("%s is a person", (login) => {
    expect(isBot(login)).toBe(false);
    expect(agentForBotLogin(login)).toBeNull();
  });

  it("trusts GitHub's account type", () => {
    expect(isBot("some-automation", "Bot")).toBe(true);
    expect(isBot("some-automation", "User")).toBe(false);
  });
});

// The committer of web-flow merges is not evidence of anything.
it("a human commit through the web UI has no evidence", () => {
  expect(attributeCommit(commit("Update README.md", jane, web))).toMatchObject({ ai: false, evidence: [], agents: [] });
});

// ---- the forms of a marker, each shown alone ------------------------------------------------------

type Form = { list: "email" | "name" | "login" | "trailer"; pattern: string; keys?: readonly string[] };

function formsOf(match: MarkerMatch): Form[] {
  switch (match.kind) {
    case "identity":
      return [
        ...(match.emails ?? []).map((pattern): Form => ({ list: "email", pattern })),
        ...(match.names ?? []).map((pattern): Form => ({ list: "name", pattern })),
        ...(match.logins ?? []).map((pattern): Form => ({ list: "login", pattern })),
      ];
    case "trailer":
      return match.values.map((pattern) => ({ list: "trailer", pattern, keys: match.keys }));
    default:
      return [];
  }
}

/** A text a glob matches: its wildcards filled in. */
const example = (pattern: string) => pattern.replaceAll("*", "41898282").replaceAll("?", "a");

/** Inputs that show `form` and nothing else of its agent, one per place the marker looks. */
function showings(form: Form, where: readonly EvidenceSource[]): { source: EvidenceSource; input: Case[1] }[] {
  const text = example(form.pattern);
  const subject = "Tidy up the retry settings\n\nThe defaults move to one place.\n\n";
  if (form.list === "trailer") {
    return (form.keys ?? []).map((key) => ({
      source: "trailer",
      input: { commit: commit(`${subject}${key}: ${text}`) },
    }));
  }
  const someone: Identity =
    form.list === "email"
      ? { name: "Build Helper", email: text }
      : form.list === "name"
        ? { name: text, email: "helper@example.com" }
        : { name: "Build Helper", email: "helper@example.com", login: text };
  const shown: { source: EvidenceSource; input: Case[1] }[] = [];
  for (const source of where) {
    if (source === "author") shown.push({ source, input: { commit: commit(subject, someone, jane) } });
    if (source === "committer") shown.push({ source, input: { commit: commit(subject, jane, someone) } });
    if (source === "trailer" && form.list !== "login") {
      // Every trailer that names one who wrote the change (Co-authored-by, Signed-off-by…).
      for (const key of PERSON_TRAILER_KEYS) {
        const name = key.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase());
        shown.push({ source, input: { commit: commit(`${subject}${name}: ${someone.name} <${someone.email}>`) } });
      }
    }
    if (source === "pr-author" && form.list === "login") {
      shown.push({ source, input: { change: change({ author: { login: text, type: "Bot" } }) } });
    }
  }
  return shown;
}
