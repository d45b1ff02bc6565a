// `shipledger scan` on a history squash-merged on GitHub: a commit's AI trailers in the middle of
// a squash message are attributed; the jsonl `trailers` stay git's own parse of the message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { captureCli } from "../helpers/cli.js";
import { type FakeCommit, makeRepo, removeTempDirs } from "../helpers/git-repo.js";

afterAll(removeTempDirs);

const ALICE = "Alice Doe <alice@example.com>";

/** Squashed by GitHub: Cursor's `Made-with` in the first section, another author credited below. */
const SQUASH = `Retry webhook deliveries with backoff (#41)

* Retry webhook deliveries with backoff

Failed deliveries were dropped; they are now retried three times.

Made-with: Cursor

* Address review comments

---------

Co-authored-by: Bob Roe <bob@example.com>
`;

/** A person's message under a (#N) title: a tight list, `Made-with` quoted in the body. */
const NOT_SQUASH = `Explain agent trailers in the docs (#42)

* Add a page on trailers
* Link it from the README

Cursor writes this one:

Made-with: Cursor

Signed-off-by: Alice Doe <alice@example.com>
`;

const history: FakeCommit[] = [
  { mark: 1, author: ALICE, time: "1736503200 +0000", message: "Initial commit\n" },
  { mark: 2, author: ALICE, time: "1736589600 +0000", message: SQUASH, from: 1 },
  { mark: 3, author: ALICE, time: "1736676000 +0000", message: NOT_SQUASH, from: 2 },
];

let repo: ReturnType<typeof makeRepo>;

beforeAll(() => {
  repo = makeRepo(history);
});

async function scanJsonl(): Promise<Array<Record<string, unknown>>> {
  const c = captureCli(repo.env, { cwd: "/" });
  const code = await runCli(["scan", repo.dir, "--format", "jsonl"], c.io);
  expect({ code, stderr: c.err() }).toEqual({ code: 0, stderr: "" });
  return c
    .out()
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Git's own trailers of a commit, as `git log --format=%(trailers:only,unfold)` prints them. */
function gitTrailers(rev: string) {
  return repo
    .git("log", "-1", "--format=%(trailers:only,unfold)", rev)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const colon = line.indexOf(":");
      return { key: line.slice(0, colon), value: line.slice(colon + 1).trim() };
    });
}

describe("scan of a squash-merged history", () => {
  it("attributes the squash commit from its section, and keeps git's trailers", async () => {
    const [notSquash, squash] = await scanJsonl();
    expect(squash?.sha).toBe(repo.sha("main~1"));
    expect(squash?.trailers).toEqual([{ key: "Co-authored-by", value: "Bob Roe <bob@example.com>" }]);
    expect(squash?.trailers).toEqual(gitTrailers("main~1"));
    expect(squash).toMatchObject({
      ai: true,
      agents: ["cursor"],
      evidence: [
        {
          agent: "cursor",
          marker: "cursor/made-with",
          source: "trailer",
          commit: repo.sha("main~1"),
          text: "Made-with: Cursor",
          squashed: "Retry webhook deliveries with backoff",
        },
      ],
    });

    expect(notSquash?.sha).toBe(repo.sha("main"));
    expect(notSquash?.trailers).toEqual(gitTrailers("main"));
    expect(notSquash).toMatchObject({ ai: false, agents: [], evidence: [] });
  });

  it("counts the squash commit in the summary", async () => {
    const c = captureCli(repo.env, { cwd: "/" });
    expect(await runCli(["scan", repo.dir, "--format", "json"], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({
      commits: 3,
      aiAssisted: 1,
      agents: [{ agent: "cursor", commits: 1 }],
    });
  });
});
