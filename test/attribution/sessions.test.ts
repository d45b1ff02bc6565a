import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  findPrefixedLinks,
  findSessionLinks,
  SESSION_TRAILER_KEYS,
  sessionFromTrailer,
  sessionLinkPatterns,
  sessionsFromBranch,
} from "../../src/attribution/sessions.js";
import { propertyParams } from "../helpers/property.js";

const CLAUDE_ID = "session_01Vh7QmZ2c8sKxT4pLw9NbRd";
const COPILOT_UUID = "6f1c2a9e-4b7d-4e2a-9c3f-0d8e7b6a5c41";
const CODEX_ID = "task_e_68a4f1c2b3d48329a1f0e6b7c8d9e0f1";
const CURSOR_ID = "bc-3f2b8c1d-7a4e-4f6b-9d2c-1e0a5b7c9d8e";
const DEVIN_ID = "4f9e2c7a1b3d4e5f8a6b7c9d0e1f2a3b";
const AMP_ID = "T-5d1c2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
/** A UUID of each version in use: time-based v1, random v4, time-ordered v6 and v7 (now common), custom v8. */
const UUIDS = {
  v1: "c232ab00-9414-11ec-b3c8-9f6bdeced846",
  v4: "6f1c2a9e-4b7d-4e2a-9c3f-0d8e7b6a5c41",
  v6: "1ec9414c-232a-6b00-b3c8-9f6bdeced846",
  v7: "019a6f3e-7c41-7b2d-9e58-3c0a1d2b4e6f",
  v8: "320c3d4d-cc00-875b-8ec9-32d5f69181c0",
};

describe("sessionFromTrailer", () => {
  it.each([
    [
      "Claude-Session",
      `https://claude.ai/code/${CLAUDE_ID}`,
      {
        marker: "claude-code/session",
        session: { agent: "claude-code", id: CLAUDE_ID, url: `https://claude.ai/code/${CLAUDE_ID}` },
      },
    ],
    [
      "claude-session",
      CLAUDE_ID,
      {
        marker: "claude-code/session",
        session: { agent: "claude-code", id: CLAUDE_ID, url: `https://claude.ai/code/${CLAUDE_ID}` },
      },
    ],
    [
      "Agent-Logs-Url",
      `https://github.com/acme/api/sessions/${COPILOT_UUID}`,
      {
        marker: "github-copilot/session",
        session: {
          agent: "github-copilot",
          id: COPILOT_UUID,
          url: `https://github.com/acme/api/sessions/${COPILOT_UUID}`,
        },
      },
    ],
    [
      "Amp-Thread-ID",
      `https://ampcode.com/threads/${AMP_ID}`,
      { marker: "amp/thread", session: { agent: "amp", id: AMP_ID, url: `https://ampcode.com/threads/${AMP_ID}` } },
    ],
    [
      "Amp-Thread-ID",
      AMP_ID,
      { marker: "amp/thread", session: { agent: "amp", id: AMP_ID, url: `https://ampcode.com/threads/${AMP_ID}` } },
    ],
    [
      "Kiro-Session-Id",
      "kiro-7c1f9b2e4d3a",
      { marker: "kiro/session", session: { agent: "kiro", id: "kiro-7c1f9b2e4d3a" } },
    ],
    [
      "Agent-Session",
      `https://chatgpt.com/codex/tasks/${CODEX_ID}`,
      {
        marker: "generic/agent-session",
        session: { agent: "codex", id: CODEX_ID, url: `https://chatgpt.com/codex/tasks/${CODEX_ID}` },
      },
    ],
    [
      "Agent-Session",
      `codex:${CODEX_ID}`,
      {
        marker: "generic/agent-session",
        session: { agent: "codex", id: CODEX_ID, url: `https://chatgpt.com/codex/tasks/${CODEX_ID}` },
      },
    ],
    ["Agent-Session", "kiro 8812-ab", { marker: "generic/agent-session", session: { agent: "kiro", id: "8812-ab" } }],
    [
      "Agent-Session",
      CURSOR_ID,
      {
        marker: "generic/agent-session",
        session: { agent: "cursor", id: CURSOR_ID, url: `https://cursor.com/agents?id=${CURSOR_ID}` },
      },
    ],
    ["Agent-Session", "run-8812", { marker: "generic/agent-session", session: { agent: "generic", id: "run-8812" } }],
    [
      "Agent-Session",
      "https://agents.example.com/runs/8812",
      {
        marker: "generic/agent-session",
        session: {
          agent: "generic",
          id: "https://agents.example.com/runs/8812",
          url: "https://agents.example.com/runs/8812",
        },
      },
    ],
  ])("%s: %s", (key, value, expected) => {
    expect(sessionFromTrailer({ key, value })).toEqual({ ...expected, text: `${key}: ${value}` });
  });

  it.each([
    ["a3b2c4d5e6f7", "the 12-hex-digit id of Entire's docs"],
    ["01M2VBJBJQZ2BP1W2PBWDF3J30", "a ULID, as newer versions write"],
  ])("Entire-Checkpoint: %s (%s)", (id) => {
    expect(sessionFromTrailer({ key: "Entire-Checkpoint", value: id })).toEqual({
      marker: "entire/checkpoint",
      session: { agent: "entire", id },
      text: `Entire-Checkpoint: ${id}`,
    });
  });

  it("takes an Entire checkpoint named in Agent-Session", () => {
    expect(sessionFromTrailer({ key: "Agent-Session", value: "entire:a3b2c4d5e6f7" })?.session).toEqual({
      agent: "entire",
      id: "a3b2c4d5e6f7",
    });
  });

  it("takes a session of any UUID version, time-ordered v7 included", () => {
    for (const uuid of Object.values(UUIDS)) {
      for (const id of [uuid, uuid.toUpperCase()]) {
        const logs = `https://github.com/acme/api/sessions/${id}`;
        expect(sessionFromTrailer({ key: "Agent-Logs-Url", value: logs })?.session).toEqual({
          agent: "github-copilot",
          id,
          url: logs,
        });
        expect(sessionFromTrailer({ key: "Amp-Thread-ID", value: `T-${id}` })?.session).toEqual({
          agent: "amp",
          id: `T-${id}`,
          url: `https://ampcode.com/threads/T-${id}`,
        });
        expect(sessionFromTrailer({ key: "Kiro-Session-Id", value: id })?.session).toEqual({ agent: "kiro", id });
        expect(sessionFromTrailer({ key: "Agent-Session", value: id })?.session).toEqual({ agent: "generic", id });
        expect(sessionsFromBranch(`cursor/bc-${id}`).map((f) => f.session.id)).toEqual([`bc-${id}`]);
        expect(findSessionLinks(`Thread: https://ampcode.com/threads/T-${id}`).map((f) => f.session.id)).toEqual([
          `T-${id}`,
        ]);
      }
    }
  });

  it.each([
    ["Agent-Session", "see the PR description"],
    ["Agent-Session", ""],
    ["Claude-Session", "not an id!"],
    ["Co-authored-by", `Claude <noreply@anthropic.com>`],
    ["Link", `https://claude.ai/code/${CLAUDE_ID}`],
  ])("%s: %j is not a session trailer", (key, value) => {
    expect(sessionFromTrailer({ key, value })).toBeNull();
  });

  it("lists the agents' session trailer keys", () => {
    expect([...SESSION_TRAILER_KEYS].sort()).toEqual([
      "agent-logs-url",
      "amp-thread",
      "amp-thread-id",
      "claude-session",
      "entire-checkpoint",
      "kiro-session-id",
    ]);
  });
});

describe("findSessionLinks", () => {
  it.each([
    [
      "Claude Code on the web",
      `Adds retry to the webhook inbox.\n\nhttps://claude.ai/code/${CLAUDE_ID}`,
      {
        marker: "claude-code/session-link",
        session: { agent: "claude-code", id: CLAUDE_ID, url: `https://claude.ai/code/${CLAUDE_ID}` },
      },
    ],
    [
      "Copilot coding agent",
      `Fixes #88.\n\n[View session](https://github.com/acme/api/sessions/${COPILOT_UUID})`,
      {
        marker: "github-copilot/session-link",
        session: {
          agent: "github-copilot",
          id: COPILOT_UUID,
          url: `https://github.com/acme/api/sessions/${COPILOT_UUID}`,
        },
      },
    ],
    [
      "Codex cloud task",
      `## Summary\n- add pagination\n\n------\nhttps://chatgpt.com/codex/tasks/${CODEX_ID}`,
      {
        marker: "codex/task-link",
        session: { agent: "codex", id: CODEX_ID, url: `https://chatgpt.com/codex/tasks/${CODEX_ID}` },
      },
    ],
    [
      "Cursor background agent",
      `<a href="https://cursor.com/agents?id=${CURSOR_ID}">Open in Cursor</a>`,
      {
        marker: "cursor/agent-link",
        session: { agent: "cursor", id: CURSOR_ID, url: `https://cursor.com/agents?id=${CURSOR_ID}` },
      },
    ],
    [
      "Devin",
      `Link to Devin run: https://app.devin.ai/sessions/${DEVIN_ID}\nRequested by: Jane Doe (@jane)`,
      {
        marker: "devin/session-link",
        session: { agent: "devin", id: DEVIN_ID, url: `https://app.devin.ai/sessions/${DEVIN_ID}` },
      },
    ],
    [
      "Jules",
      "PR created automatically by Jules for task [15583719305227386045](https://jules.google.com/task/15583719305227386045)",
      {
        marker: "jules/task-link",
        session: {
          agent: "jules",
          id: "15583719305227386045",
          url: "https://jules.google.com/task/15583719305227386045",
        },
      },
    ],
    [
      "Amp",
      `Thread: https://ampcode.com/threads/${AMP_ID}`,
      {
        marker: "amp/thread-link",
        session: { agent: "amp", id: AMP_ID, url: `https://ampcode.com/threads/${AMP_ID}` },
      },
    ],
  ])("%s", (_name, text, expected) => {
    expect(findSessionLinks(text)).toEqual([{ ...expected, text: expected.session.url }]);
  });

  it("completes a Cursor link written without a scheme, and quotes it as written", () => {
    expect(findSessionLinks(`Agent: cursor.com/background-agent?bcId=${CURSOR_ID}`)).toEqual([
      {
        marker: "cursor/agent-link",
        session: { agent: "cursor", id: CURSOR_ID, url: `https://cursor.com/background-agent?bcId=${CURSOR_ID}` },
        text: `cursor.com/background-agent?bcId=${CURSOR_ID}`,
      },
    ]);
  });

  it.each([
    ["a claude.ai chat", "https://claude.ai/chat/7d1e2f3a-0000-4000-8000-000000000000"],
    ["a pull request link", "https://github.com/acme/api/pull/12"],
    ["a session path that is not a uuid", "https://github.com/acme/api/sessions/latest"],
    ["a Devin id one digit short", `https://app.devin.ai/sessions/${DEVIN_ID.slice(1)}`],
    ["a Devin id one digit long", `https://app.devin.ai/sessions/${DEVIN_ID}0`],
    ["a Jules link without a task number", "https://jules.google.com/task/"],
    ["a Codex page that is not a task", "https://chatgpt.com/codex/settings"],
  ])("ignores %s", (_name, text) => {
    expect(findSessionLinks(text)).toEqual([]);
  });

  it("finds several links and caps how many it takes from one text", () => {
    const many = Array.from({ length: 80 }, (_, i) => `https://jules.google.com/task/${1000 + i}`).join("\n");
    const found = findSessionLinks(many);
    expect(found).toHaveLength(50);
    expect(found[0]?.session.id).toBe("1000");
  });

  it("finds nothing in 1 MB of near-misses", () => {
    const text = "https://github.com/a/b/sessions/ https://claude.ai/code/session_ cursor.com/agents?id=bc ".repeat(
      12_000,
    );
    expect(findSessionLinks(text)).toEqual([]);
  });
});

describe("findSessionLinks: ruling out texts without a host", () => {
  const links = [
    `https://claude.ai/code/${CLAUDE_ID}`,
    `https://github.com/acme/api/sessions/${COPILOT_UUID}`,
    `https://chatgpt.com/codex/tasks/${CODEX_ID}`,
    `https://cursor.com/agents?id=${CURSOR_ID}`,
    `https://app.devin.ai/sessions/${DEVIN_ID}`,
    "https://jules.google.com/task/123456789",
    `https://ampcode.com/threads/${AMP_ID}`,
  ];
  // Links in any case, among words, paths and other URLs: the quick scans for a slash and a host
  // must never drop what running every agent's pattern over the text finds.
  const everyPattern = (text: string) =>
    sessionLinkPatterns().flatMap(({ marker, pattern }) =>
      [...text.matchAll(pattern)].flatMap((m) => (m[1] === undefined ? [] : [`${marker} ${m[1]}`])),
    );
  const recase = (text: string, flips: boolean[]) =>
    [...text].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join("");
  const piece = fc.oneof(
    fc.constantFrom(...links, "see docs/setup.md", "https://example.com/a/b", "a / b", "K", "\u212Aursor.com/"),
    fc.string(),
  );
  it("finds the same links as the full search in any text", () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
        (parts, flips) => {
          const text = recase(parts.join(" "), flips);
          const found = findSessionLinks(text).map((f) => `${f.marker} ${f.session.id}`);
          expect(found).toEqual(everyPattern(text));
        },
      ),
      propertyParams({ numRuns: 500 }),
    );
  });
});

describe("sessionsFromBranch", () => {
  it.each([
    [
      `cursor/${CURSOR_ID}`,
      "cursor/session-branch",
      { agent: "cursor", id: CURSOR_ID, url: `https://cursor.com/agents?id=${CURSOR_ID}` },
    ],
    [`amp/${AMP_ID}`, "amp/session-branch", { agent: "amp", id: AMP_ID, url: `https://ampcode.com/threads/${AMP_ID}` }],
    [
      `codex/add-retries-${CODEX_ID}`,
      "codex/session-branch",
      { agent: "codex", id: CODEX_ID, url: `https://chatgpt.com/codex/tasks/${CODEX_ID}` },
    ],
    [
      `claude/fix-${CLAUDE_ID}`,
      "claude-code/session-branch",
      { agent: "claude-code", id: CLAUDE_ID, url: `https://claude.ai/code/${CLAUDE_ID}` },
    ],
  ])("%s", (branch, marker, session) => {
    expect(sessionsFromBranch(branch)).toEqual([{ marker, session, text: branch }]);
  });

  it.each(["main", "claude/fix-login", "copilot/fix-1234", "feature/bc-not-a-uuid", "devin/1717171717-add-retries"])(
    "%s carries no session id",
    (branch) => {
      expect(sessionsFromBranch(branch)).toEqual([]);
    },
  );
});

describe("findPrefixedLinks (configured link prefixes)", () => {
  it("takes the id after the prefix, case-insensitively, up to punctuation", () => {
    const text =
      "Run: [HTTPS://Acme.dev/runs/r-42](https://acme.dev/runs/r-42). Also https://acme.dev/runs/r-43, done.";
    expect(findPrefixedLinks(text, text.toLowerCase(), "https://acme.dev/runs/")).toEqual([
      { url: "HTTPS://Acme.dev/runs/r-42", id: "r-42" },
      { url: "https://acme.dev/runs/r-42", id: "r-42" },
      { url: "https://acme.dev/runs/r-43", id: "r-43" },
    ]);
  });

  it("ignores a bare prefix", () => {
    const text = "see https://acme.dev/runs/ for all runs";
    expect(findPrefixedLinks(text, text.toLowerCase(), "https://acme.dev/runs/")).toEqual([]);
  });
});
