// GitHub limits a check run's summary to 65,535 bytes of UTF-8 (its 422 says "characters", but
// counts bytes). Both checks measured JavaScript's `.length` (UTF-16 units): a pull request of
// commits with Japanese subjects, or a deployment of changes with Chinese titles, came out at about
// twice the limit, GitHub refused it, and the pull request got no check at all. They now fill the
// table by bytes and cut between characters; the fake GitHub refuses what GitHub refuses.
import { describe, expect, it } from "vitest";
import { attributeChange } from "../../src/attribution/attribute.js";
import { renderAttributionCheck, SUMMARY_LIMIT } from "../../src/checks/attribution-check.js";
import { renderDeploymentCheck } from "../../src/checks/deployment-check.js";
import { clipToBytes, utf8Bytes } from "../../src/checks/markdown.js";
import { defaults, parseRepoConfig } from "../../src/config/repo-config.js";

const mona = { name: "Mona Lisa", email: "mona@example.com", login: "mona" };
const sha = (n: number) => n.toString(16).padStart(40, "0");

describe("check summaries fit GitHub's limit in bytes", () => {
  it("the attribution check of 300 commits with Japanese subjects and an agent named in Japanese", () => {
    const { config, errors } = parseRepoConfig({
      attribution: { agents: [{ id: "acme", name: "社内エージェント".repeat(10), emails: ["bot@acme.dev"] }] },
    });
    expect(errors).toEqual([]);
    const commits = Array.from({ length: 300 }, (_, i) => ({
      sha: sha(i + 1),
      author: mona,
      message: `${"検索機能のリファクタリングを行いました。".repeat(4)}${i}\n\nCo-authored-by: Acme <bot@acme.dev>\n`,
    }));
    const change = {
      number: 7,
      title: "検索",
      body: null,
      author: { login: "mona", type: "User" },
      headRef: "f",
      labels: [],
    };
    const { output } = renderAttributionCheck({
      repository: "acme/shop",
      webUrl: "https://github.com",
      change: { number: 7, authorLogin: "mona", headRef: "f" },
      attribution: attributeChange(change, commits, config),
      subjects: new Map(commits.map((c) => [c.sha, c.message.split("\n")[0] ?? ""])),
      config,
      configSource: "acme/shop:.github/shipledger.yml",
      configErrors: [],
      notes: [],
    });
    expect(utf8Bytes(output.summary)).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(utf8Bytes(output.summary)).toBeGreaterThan(SUMMARY_LIMIT - 2_000); // filled, not cut short
    expect(output.summary).toMatch(/more commits not shown \(GitHub limits a check summary to 65,535 bytes\)/);
  });

  it("the deployment check of 800 changes with Chinese titles", () => {
    const shipped = Array.from({ length: 800 }, (_, i) => ({
      number: i + 1,
      title: "修复搜索页面的性能问题并更新相关的单元测试用例".repeat(3),
      authorLogin: "mona",
      botChange: false,
      ai: true,
      agents: ["claude-code"],
      mergeCommitSha: sha(i + 1),
    }));
    const { output } = renderDeploymentCheck({
      repository: "acme/shop",
      webUrl: "https://github.com",
      deployment: { environment: "production", source: "deployment", outcome: "ship", previousSha: null } as never,
      shipped: shipped as never,
      rolledBack: [],
      config: defaults,
      notes: [],
    });
    expect(utf8Bytes(output.summary)).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(output.summary).toContain("more changes not shown (GitHub limits a check summary to 65,535 bytes)");
  });
});

describe("clipToBytes", () => {
  it.each([
    ["ascii", "abcdef", 4, "abcd"],
    ["a kana is 3 bytes: never half of one", "あいう", 7, "あい"],
    ["an emoji is a surrogate pair, 4 bytes: never split", "a🤖b", 4, "a"],
    ["what fits is kept whole", "a🤖b", 6, "a🤖b"],
  ])("%s", (_what, text, max, expected) => {
    expect(clipToBytes(text, max)).toBe(expected);
    expect(utf8Bytes(clipToBytes(text, max))).toBeLessThanOrEqual(max);
  });
});
