import { describe, expect, it } from "vitest";
import {
  type CreditPull,
  coAuthorLogins,
  creditEngineer,
  creditPushedCommit,
  requestedBy,
} from "../../src/metrics/credit.js";
import { devinPull } from "./scenario.js";

const pull = (overrides: Partial<CreditPull>): CreditPull => ({
  author: { login: "mona", type: "User" },
  assignees: [],
  body: null,
  commits: [],
  mergedBy: null,
  ...overrides,
});

const copilot = { login: "Copilot", type: "Bot" };
const devin = { login: "devin-ai-integration[bot]", type: "Bot" };
const claude = { login: "claude[bot]", type: "Bot" };

describe("creditEngineer", () => {
  it.each<[string, CreditPull, string | null]>([
    ["a human author", pull({ mergedBy: "hubot" }), "mona"],
    ["a human author, lower-cased", pull({ author: { login: "MonaLisa", type: "User" } }), "monalisa"],
    ["a human author even when a human assignee differs", pull({ assignees: ["octocat"] }), "mona"],
    ["the Devin PR of the scenario: its requester", devinPull, "frank"],
    [
      "an agent PR: its first human assignee",
      pull({ author: copilot, assignees: ["Copilot", "octocat", "hubot"], mergedBy: "hubot" }),
      "octocat",
    ],
    [
      "an agent PR: `Requested by: @login`",
      pull({ author: devin, body: "Requested by: @octocat", mergedBy: "hubot" }),
      "octocat",
    ],
    [
      "an agent PR: `**Requested by:** Name (@login)` in Markdown",
      pull({ author: devin, body: "Summary\n\n- **Requested by:** Mona Lisa (@MonaLisa)\n", mergedBy: "hubot" }),
      "monalisa",
    ],
    [
      "an agent PR: a no-reply address on the `Requested by` line",
      pull({ author: devin, body: "Requested by: Mona (12345+mona@users.noreply.github.com)", mergedBy: "hubot" }),
      "mona",
    ],
    [
      "an agent PR: a human co-author of its commits",
      pull({
        author: copilot,
        commits: [
          { message: "Initial plan\n" },
          {
            message:
              "Fix the cart total\n\nCo-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\nCo-authored-by: Octo Cat <583231+octocat@users.noreply.github.com>\n",
          },
        ],
        mergedBy: "hubot",
      }),
      "octocat",
    ],
    [
      "an agent PR with no requester: its merger",
      pull({ author: claude, body: "Fixes #12", mergedBy: "Hubot" }),
      "hubot",
    ],
    [
      "an agent PR merged by a bot, with nobody else: nobody",
      pull({ author: claude, mergedBy: "github-actions[bot]" }),
      null,
    ],
    [
      "an agent PR whose only assignee and requester are bots: the merger",
      pull({
        author: devin,
        assignees: ["Copilot"],
        body: "Requested by: @devin-ai-integration[bot]",
        mergedBy: "octocat",
      }),
      "octocat",
    ],
    [
      "assignee before `Requested by` before co-author before merger",
      pull({
        author: copilot,
        assignees: ["first"],
        body: "Requested by: @second",
        commits: [{ message: "x\n\nCo-authored-by: Third <third@users.noreply.github.com>\n" }],
        mergedBy: "fourth",
      }),
      "first",
    ],
    [
      "dependabot: nobody (a bot change)",
      pull({ author: { login: "dependabot[bot]", type: "Bot" }, mergedBy: "mona" }),
      null,
    ],
    ["renovate without the [bot] suffix: nobody", pull({ author: { login: "renovate-bot" }, mergedBy: "mona" }), null],
    ["a deleted author (GraphQL's null): nobody", pull({ author: null, mergedBy: "mona" }), null],
    [
      "a deleted author (REST's ghost): nobody",
      pull({ author: { login: "ghost", type: "User" }, mergedBy: "mona" }),
      null,
    ],
    [
      "an agent's PR asked for by a deleted account: the next human",
      pull({ author: { login: "Copilot", type: "Bot" }, assignees: ["ghost"], mergedBy: "mona" }),
      "mona",
    ],
  ])("%s", (_name, input, expected) => {
    expect(creditEngineer(input)).toBe(expected);
  });

  it("takes the caller's bot and agent predicates (a repository's own agent)", () => {
    const own = pull({ author: { login: "acme-agent" }, assignees: ["mona"], mergedBy: "hubot" });
    expect(creditEngineer(own)).toBe("acme-agent");
    const isAcme = (login: string) => login === "acme-agent";
    expect(
      creditEngineer(
        own,
        (login) => isAcme(login) || login.endsWith("[bot]"),
        (login) => isAcme(login),
      ),
    ).toBe("mona");
  });
});

describe("creditPushedCommit", () => {
  it.each<[string, string | null, string | null]>([
    ["a human author, lower-cased", "MonaLisa", "monalisa"],
    ["an app's bot", "dependabot[bot]", null],
    ["a known automation account without the suffix", "web-flow", null],
    // Unlike its pull request, an agent's push names nobody who asked for it.
    ["an agent's bot", "copilot-swe-agent[bot]", null],
    ["an author GitHub does not know (no login)", null, null],
    ["a deleted account (ghost)", "ghost", null],
  ])("credits a commit pushed straight to the branch by %s: %s", (_, login, expected) => {
    expect(creditPushedCommit(login)).toBe(expected);
  });

  it("asks the bot predicate it is given (e.g. one that knows configured agents)", () => {
    expect(creditPushedCommit("ci-robot", (login) => login === "ci-robot")).toBeNull();
    expect(creditPushedCommit("mona", (login) => login === "ci-robot")).toBe("mona");
  });
});

describe("requestedBy", () => {
  it.each<[string, string[]]>([
    ["Requested by: @mona", ["mona"]],
    ["requested by @mona and @octocat", ["mona", "octocat"]],
    ["> Requested by: Mona Lisa (@mona-lisa)", ["mona-lisa"]],
    ["## Requested by\n@mona", []], // the login must be on the line
    ["Requested by: Mona Lisa (mona@example.com)", []], // an e-mail names no login
    ["Requested by: @acme/platform", []], // a team is nobody
    ["Thanks to @mona, requested by nobody", []], // only lines that start with it
    [`Requested by: @${"a".repeat(40)}`, []], // longer than a login can be
    ["Requested by: @mona-", ["mona"]],
  ])("%j → %j", (body, logins) => {
    expect(requestedBy(body)).toEqual(logins);
  });

  it("reads nothing from an empty body", () => {
    expect(requestedBy(null)).toEqual([]);
    expect(requestedBy("")).toEqual([]);
  });
});

describe("coAuthorLogins", () => {
  it.each<[string, string[]]>([
    ["x\n\nCo-authored-by: Mona <1+mona@users.noreply.github.com>\n", ["mona"]],
    ["x\n\nco-authored-by: Mona <mona@users.noreply.github.com>\n", ["mona"]],
    ["x\n\nCo-authored-by: Mona <mona@example.com>\n", []],
    ["x\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", []],
    ["x\n\nCo-authored-by: Bot <2+copilot-swe-agent[bot]@users.noreply.github.com>\n", ["copilot-swe-agent[bot]"]],
    ["Co-authored-by: Mona <1+mona@users.noreply.github.com> in the subject is no trailer\n\nbody", []],
  ])("%j → %j", (message, logins) => {
    expect(coAuthorLogins(message)).toEqual(logins);
  });
});
