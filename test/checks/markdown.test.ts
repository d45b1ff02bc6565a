// What untrusted text can do in a check run's Markdown: nothing. Each case is something GitHub
// would link or notify (tested against the model in github-links.ts), shown as the same text.
import { describe, expect, it } from "vitest";
import { code, escapeMarkdown, link, neutraliseReferences } from "../../src/checks/markdown.js";
import { githubLinks, visibleText } from "./github-links.js";

describe("escapeMarkdown: mentions, references and links are shown, never linked", () => {
  it.each<[string, string, string]>([
    ["a user mention", "Thanks @octocat", "mention: @octocat"],
    ["a team mention", "Notify @org/security-team now", "mention: @org/security-team"],
    ["a mention at the start", "@acme/everyone please look", "mention: @acme/everyone"],
    ["an issue reference", "Fixes #123", "issue: #123"],
    ["a GH- reference", "See GH-123 for context", "GH- issue: GH-123"],
    ["a lower-case gh- reference", "see gh-7", "GH- issue: gh-7"],
    ["a cross-repository issue", "Closes acme/web#1", "cross-repository issue: acme/web#1"],
    ["a cross-repository commit", "Port of acme/web@1a2b3c4d", "commit reference: acme/web@1a2b3c4d"],
    ["a user's commit", "As in octocat@a1b2c3d", "commit reference: octocat@a1b2c3d"],
    ["a short SHA", "Revert deadbeef", "commit SHA: deadbeef"],
    ["a full SHA", `Revert ${"1a2b3c4d5e".repeat(4)}`, `commit SHA: ${"1a2b3c4d5e".repeat(4)}`],
    ["a SHA-256 commit", `Pick ${"ab12".repeat(16)}`, `commit SHA: ${"ab12".repeat(16)}`],
    ["an https URL", "Log in at https://evil.example/login", "URL: https://evil.example/login"],
    ["another scheme", "Get ftp://files.example/x", "URL: ftp://files.example/x"],
    ["a www link", "Visit www.evil.example today", "www link: www.evil.example"],
    ["an e-mail address", "Mail jane@example.com", "e-mail address: jane@example.com"],
    ["a mention in a heading position", "# @org/team", "mention: @org/team"],
  ])("%s", (_, text, kind) => {
    // The model finds it in the raw text: the case is real.
    expect(githubLinks(text)).toContain(kind);
    const shown = escapeMarkdown(text);
    expect(githubLinks(shown)).toEqual([]);
    // A reader sees exactly the text that was written.
    expect(visibleText(shown)).toBe(text);
  });

  it.each<[string, string]>([
    ["a subject with nothing to link", "Add search endpoint"],
    ["version numbers", "Bump lodash from 4.17.20 to 4.17.21"],
    ["a six-digit number", "Handle 123456 rows"],
    ["a word that is not hexadecimal", "Refactor deadline handling"],
    ["a path", "Update docs/setup.md and src/app.ts"],
  ])("leaves %s as it was", (_, text) => {
    expect(escapeMarkdown(text)).toBe(text);
  });

  it.each<[string, string, string]>([
    ["@", "@org/team", "@\u200borg/team"],
    ["#", "#12", "#\u200b12"],
    ["GH-", "GH-12", "GH-\u200b12"],
    ["a 7-digit SHA", "abc1234", "abc123\u200b4"],
    ["a 14-digit SHA", "abc1234def5678", "abc123\u200b4def56\u200b78"],
    ["a URL", "https://x.example", "https:\u200b//x.example"],
    ["www.", "www.x.example", "www\u200b.x.example"],
  ])("neutraliseReferences puts a zero-width space in %s", (_, text, expected) => {
    expect(neutraliseReferences(text)).toBe(expected);
  });

  it("still shows markdown and HTML as text, on one line", () => {
    const shown = escapeMarkdown("[click](https://evil) <img src=x> | `x`\nnext");
    expect(shown).not.toMatch(/[[\]()<>|`\n]/);
    expect(visibleText(shown)).toBe("[click](https://evil) <img src=x> | `x` next");
  });

  it("code spans and link labels are left alone: GitHub links nothing inside them", () => {
    expect(code("Co-authored-by: Jane <jane@example.com> #12")).toBe("`Co-authored-by: Jane <jane@example.com> #12`");
    expect(githubLinks(code("@org/team #12 deadbeef https://x.example"))).toEqual([]);
    expect(githubLinks(link("#12", "https://github.com/acme/web/pull/12"))).toEqual([]);
  });
});
