import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { captureCli, runCliUntilFirstOutput } from "../helpers/cli.js";
import { type FakeCommit, gitEnv, makeRepo, removeTempDirs, tempDir } from "../helpers/git-repo.js";
import { propertyParams } from "../helpers/property.js";

// ---- small real repositories, immune to the machine's git configuration ------------------------------

const projectRoot = fileURLToPath(new URL("../..", import.meta.url));
afterAll(removeTempDirs);

const cli = (env: NodeJS.ProcessEnv, cwd = "/", options: { isTTY?: boolean; now?: () => number } = {}) =>
  captureCli(env, { cwd, ...options });

async function scan(argv: string[], env: NodeJS.ProcessEnv, cwd = "/") {
  const c = cli(env, cwd);
  const code = await runCli(["scan", ...argv], c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

// ---- a small history: humans, three agents, a merge, a month boundary ---------------------------------

const ALICE = "Alice Doe <alice@example.com>";
const history: FakeCommit[] = [
  { mark: 1, author: ALICE, time: "1736503200 +0000", message: "Initial commit\n" },
  {
    mark: 2,
    author: "Bob Roe <bob@example.com>",
    // 2025-01-31T23:30Z, but February in Bob's own time zone.
    time: "1738366200 +0100",
    message: "Add the parser\n\nParses the input in one pass.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    from: 1,
  },
  {
    mark: 3,
    ref: "refs/heads/side",
    author: "Carol Poe <carol@example.com>",
    time: "1738576800 -0500",
    message: "Try aider\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>\n",
    from: 1,
  },
  { mark: 4, author: ALICE, time: "1738749600 +0000", message: "Merge branch 'side'\n", from: 2, merge: 3 },
  {
    mark: 5,
    author: ALICE,
    time: "1740823200 +0000",
    message: "Fix typo\n\nSigned-off-by: Alice Doe <alice@example.com>\n",
    from: 4,
  },
  {
    mark: 6,
    author: "Dan Foe <dan@example.com>",
    time: "1740909600 +0000",
    message:
      "Use Copilot agent\n\n" +
      "Agent-Logs-Url: https://github.com/acme/api/sessions/0f3c2a1e-1111-4222-8333-944445555666\n" +
      "Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\n",
    from: 5,
  },
];

let repo: ReturnType<typeof makeRepo>;
/** Shas by mark. */
let s: Record<number, string>;

beforeAll(() => {
  repo = makeRepo(history);
  s = {
    1: repo.sha("side~1"),
    2: repo.sha("main~2^1"),
    3: repo.sha("side"),
    4: repo.sha("main~2"),
    5: repo.sha("main~1"),
    6: repo.sha("main"),
  };
});

const who = (name: string, email: string, date: string) => ({ name, email, date });
const alice = (date: string) => who("Alice Doe", "alice@example.com", date);
const COPILOT_SESSION = {
  agent: "github-copilot",
  id: "0f3c2a1e-1111-4222-8333-944445555666",
  url: "https://github.com/acme/api/sessions/0f3c2a1e-1111-4222-8333-944445555666",
};

/** The jsonl record of each commit of `history`, by mark. */
function records() {
  const human = { ai: false, agents: [], models: [], sessions: [], evidence: [], ignored: [] };
  return {
    6: {
      sha: s[6],
      parents: [s[5]],
      author: who("Dan Foe", "dan@example.com", "2025-03-02T10:00:00+00:00"),
      committer: who("Dan Foe", "dan@example.com", "2025-03-02T10:00:00+00:00"),
      trailers: [
        { key: "Agent-Logs-Url", value: COPILOT_SESSION.url },
        { key: "Co-authored-by", value: "Copilot <198982749+Copilot@users.noreply.github.com>" },
      ],
      ai: true,
      agents: ["github-copilot"],
      models: [],
      sessions: [COPILOT_SESSION],
      evidence: [
        {
          agent: "github-copilot",
          marker: "github-copilot/session",
          source: "trailer",
          commit: s[6],
          text: `Agent-Logs-Url: ${COPILOT_SESSION.url}`,
          session: COPILOT_SESSION,
        },
        {
          agent: "github-copilot",
          marker: "github-copilot/co-author",
          source: "trailer",
          commit: s[6],
          text: "Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>",
        },
      ],
      ignored: [],
    },
    5: {
      sha: s[5],
      parents: [s[4]],
      author: alice("2025-03-01T10:00:00+00:00"),
      committer: alice("2025-03-01T10:00:00+00:00"),
      trailers: [{ key: "Signed-off-by", value: "Alice Doe <alice@example.com>" }],
      ...human,
    },
    4: {
      sha: s[4],
      parents: [s[2], s[3]],
      author: alice("2025-02-05T10:00:00+00:00"),
      committer: alice("2025-02-05T10:00:00+00:00"),
      trailers: [],
      ...human,
    },
    3: {
      sha: s[3],
      parents: [s[1]],
      author: who("Carol Poe", "carol@example.com", "2025-02-03T05:00:00-05:00"),
      committer: who("Carol Poe", "carol@example.com", "2025-02-03T05:00:00-05:00"),
      trailers: [{ key: "Co-authored-by", value: "aider (gpt-4o) <aider@aider.chat>" }],
      ai: true,
      agents: ["aider"],
      models: ["gpt-4o"],
      sessions: [],
      evidence: [
        {
          agent: "aider",
          marker: "aider/co-author",
          source: "trailer",
          commit: s[3],
          text: "Co-authored-by: aider (gpt-4o) <aider@aider.chat>",
          model: "gpt-4o",
        },
      ],
      ignored: [],
    },
    2: {
      sha: s[2],
      parents: [s[1]],
      author: who("Bob Roe", "bob@example.com", "2025-02-01T00:30:00+01:00"),
      committer: who("Bob Roe", "bob@example.com", "2025-02-01T00:30:00+01:00"),
      trailers: [{ key: "Co-Authored-By", value: "Claude <noreply@anthropic.com>" }],
      ai: true,
      agents: ["claude-code"],
      models: [],
      sessions: [],
      evidence: [
        {
          agent: "claude-code",
          marker: "claude-code/co-author",
          source: "trailer",
          commit: s[2],
          text: "Co-Authored-By: Claude <noreply@anthropic.com>",
        },
      ],
      ignored: [],
    },
    1: {
      sha: s[1],
      parents: [],
      author: alice("2025-01-10T10:00:00+00:00"),
      committer: alice("2025-01-10T10:00:00+00:00"),
      trailers: [],
      ...human,
    },
  };
}

let long: ReturnType<typeof makeRepo> | undefined;

/** 1,000 commits, about 1 MB of messages: more than a pipe holds. */
function longHistory() {
  if (long) return long;
  const many: FakeCommit[] = [];
  for (let i = 1; i <= 1000; i++) {
    many.push({
      mark: i,
      author: ALICE,
      time: `${1736503200 + i * 60} +0000`,
      message: `Change ${i}\n\n${"words ".repeat(150)}\n`,
      ...(i > 1 ? { from: i - 1 } : {}),
    });
  }
  long = makeRepo(many);
  return long;
}

const jsonl = (...lines: object[]) => lines.map((line) => `${JSON.stringify(line)}\n`).join("");

describe("shipledger scan", () => {
  it("summarises HEAD of the working directory as a table by default", async () => {
    const result = await scan([], repo.env, repo.dir);
    expect(result).toEqual({
      code: 0,
      stderr: "",
      stdout:
        `scan: ${repo.dir} (HEAD): 6 commits, 3 AI-assisted (50.0%), 1 merge, 1 with agent session links\n` +
        "\n" +
        "AGENT           COMMITS  SHARE\n" +
        "aider           1        16.7%\n" +
        "claude-code     1        16.7%\n" +
        "github-copilot  1        16.7%\n" +
        "\n" +
        "MODEL   COMMITS  SHARE\n" +
        "gpt-4o  1        16.7%\n" +
        "\n" +
        "MONTH    COMMITS  AI-ASSISTED  SHARE\n" +
        "2025-01  1        0            0.0%\n" +
        "2025-02  3        2            66.7%\n" +
        "2025-03  2        1            50.0%\n",
    });
  });

  it("writes one JSON object per commit with --format jsonl, newest first, merges included", async () => {
    const r = records();
    const result = await scan([repo.dir, "--format", "jsonl"], repo.env);
    expect(result).toEqual({ code: 0, stderr: "", stdout: jsonl(r[6], r[5], r[4], r[3], r[2], r[1]) });
  });

  it("writes the summary as one JSON document with --format json", async () => {
    const result = await scan([repo.dir, "--format", "json"], repo.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `${JSON.stringify(
        {
          repository: repo.dir,
          revs: ["HEAD"],
          commits: 6,
          merges: 1,
          aiAssisted: 3,
          aiShare: 0.5,
          withSessions: 1,
          firstAuthorDate: "2025-01-10T10:00:00+00:00",
          lastAuthorDate: "2025-03-02T10:00:00+00:00",
          agents: [
            { agent: "aider", commits: 1 },
            { agent: "claude-code", commits: 1 },
            { agent: "github-copilot", commits: 1 },
          ],
          models: [{ model: "gpt-4o", commits: 1 }],
          months: [
            { month: "2025-01", commits: 1, aiAssisted: 0 },
            { month: "2025-02", commits: 3, aiAssisted: 2 },
            { month: "2025-03", commits: 2, aiAssisted: 1 },
          ],
          truncatedCommits: 0,
        },
        null,
        2,
      )}\n`,
    );
  });

  it("scans only a range with --rev A..B", async () => {
    const r = records();
    const range = `${s[1]}..${s[4]}`;
    const result = await scan([repo.dir, "--rev", range, "--format", "jsonl"], repo.env);
    expect(result).toEqual({ code: 0, stderr: "", stdout: jsonl(r[4], r[3], r[2]) });

    const table = await scan([repo.dir, "--rev", "main~2..main"], repo.env);
    expect(table.stdout).toBe(
      `scan: ${repo.dir} (main~2..main): 2 commits, 1 AI-assisted (50.0%), 0 merges, 1 with agent session links\n` +
        "\n" +
        "AGENT           COMMITS  SHARE\n" +
        "github-copilot  1        50.0%\n" +
        "\n" +
        "MONTH    COMMITS  AI-ASSISTED  SHARE\n" +
        "2025-03  2        1            50.0%\n",
    );
  });

  it("says in one line when the directory is not a git repository, or does not exist", async () => {
    const dir = tempDir();
    expect(await scan([dir], gitEnv(dir))).toEqual({
      code: 1,
      stdout: "",
      stderr: `shipledger scan: ${dir} is not a git repository\n`,
    });
    expect(await scan(["missing"], gitEnv(dir), dir)).toEqual({
      code: 1,
      stdout: "",
      stderr: `shipledger scan: ${join(dir, "missing")} does not exist\n`,
    });
  });

  it("says in one line when git cannot be found", async () => {
    expect(await scan([repo.dir], { ...repo.env, PATH: tempDir() })).toEqual({
      code: 1,
      stdout: "",
      stderr: "shipledger scan: git was not found on PATH\n",
    });
  });

  it("says in one line when the range names no revision", async () => {
    expect(await scan([repo.dir, "--rev", "nope..main", "--format", "jsonl"], repo.env)).toEqual({
      code: 1,
      stdout: "",
      stderr: `shipledger scan: no such revision or range "nope..main" in ${repo.dir}\n`,
    });
  });

  it("scans the repository it is given even when a git hook's GIT_DIR points elsewhere", async () => {
    const other = makeRepo([{ mark: 1, author: ALICE, time: "1736503200 +0000", message: "Elsewhere\n" }]);
    const env = { ...repo.env, GIT_DIR: join(other.dir, ".git"), GIT_WORK_TREE: other.dir };
    const result = await scan([repo.dir, "--format", "json"], env);
    expect(JSON.parse(result.stdout)).toMatchObject({ commits: 6 });
  });

  it("rejects bad options with exit code 2", async () => {
    const xml = await scan([repo.dir, "--format", "xml"], repo.env);
    expect(xml).toEqual({
      code: 2,
      stdout: "",
      stderr: 'shipledger scan: --format "xml" is not one of table, json, jsonl\n',
    });
    // A range that looks like an option never reaches git as one.
    const option = await scan([repo.dir, "--rev=--output=/tmp/x"], repo.env);
    expect(option).toEqual({
      code: 2,
      stdout: "",
      stderr: 'shipledger scan: --rev "--output=/tmp/x" is not a revision or range\n',
    });
    const two = await scan([repo.dir, repo.dir], repo.env);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^shipledger scan: give at most one repository path\nUsage:/);
  });

  it("reports an empty repository as having no commits", async () => {
    const empty = makeRepo([]);
    expect(await scan([empty.dir], empty.env)).toEqual({
      code: 0,
      stderr: "",
      stdout: `scan: ${empty.dir} (HEAD): no commits\n`,
    });
    expect(await scan([empty.dir, "--format", "jsonl"], empty.env)).toEqual({ code: 0, stderr: "", stdout: "" });
    const json = await scan([empty.dir, "--format", "json"], empty.env);
    expect(JSON.parse(json.stdout)).toMatchObject({ commits: 0, aiAssisted: 0, aiShare: 0, firstAuthorDate: null });
    // A range in an empty repository names nothing that exists.
    expect((await scan([empty.dir, "--rev", "main"], empty.env)).stderr).toBe(
      `shipledger scan: no such revision or range "main" in ${empty.dir}\n`,
    );
  });

  it("reads messages with invalid UTF-8 and a 1 MB message", async () => {
    const big = `Import the data set\n\n${`${"y".repeat(1023)}\n`.repeat(1024)}\nAssisted-by: Claude:claude-3-opus\n`;
    const odd = makeRepo([
      {
        mark: 1,
        author: "Ren\xe9 <rene@example.com>",
        time: "1736503200 +0000",
        message: Buffer.concat([
          Buffer.from("Caf"),
          Buffer.from([0xe9, 0xff, 0xfe]),
          Buffer.from("\n\nCo-authored-by: Cursor <cursoragent@cursor.com>\n"),
        ]),
      },
      { mark: 2, author: ALICE, time: "1736503300 +0000", message: big, from: 1 },
    ]);
    const result = await scan([odd.dir, "--format", "jsonl"], odd.env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const [bigRecord, cafe] = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(bigRecord).toMatchObject({
      sha: odd.sha("main"),
      trailers: [{ key: "Assisted-by", value: "Claude:claude-3-opus" }],
      ai: true,
      agents: ["claude-code"],
      models: ["claude-3-opus"],
    });
    expect(bigRecord.truncated).toBeUndefined();
    expect(cafe).toMatchObject({
      sha: odd.sha("main~1"),
      author: { name: "René", email: "rene@example.com" },
      trailers: [{ key: "Co-authored-by", value: "Cursor <cursoragent@cursor.com>" }],
      ai: true,
      agents: ["cursor"],
    });
  });

  it("reads a message too long to keep whole by its head and tail, and says so", async () => {
    const huge = `Vendor the data\n\n${`${"z".repeat(1023)}\n`.repeat(9 * 1024)}\nCo-authored-by: Codex <noreply@openai.com>\n`;
    const odd = makeRepo([{ mark: 1, author: ALICE, time: "1736503200 +0000", message: huge }]);
    const result = await scan([odd.dir, "--format", "jsonl"], odd.env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      trailers: [{ key: "Co-authored-by", value: "Codex <noreply@openai.com>" }],
      ai: true,
      agents: ["codex"],
      truncated: true,
    });
    const table = await scan([odd.dir], odd.env);
    expect(table.stdout).toBe(
      `scan: ${odd.dir} (HEAD): 1 commit, 1 AI-assisted (100.0%), 0 merges, 0 with agent session links\n` +
        "scan: 1 commit had fields too long to read whole\n" +
        "\n" +
        "AGENT  COMMITS  SHARE\n" +
        "codex  1        100.0%\n" +
        "\n" +
        "MONTH    COMMITS  AI-ASSISTED  SHARE\n" +
        "2025-01  1        1            100.0%\n",
    );
  });

  it("reads a .github/shipledger.yml-style file with --config", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "shipledger.yml"), "attribution:\n  disableMarkers:\n    - claude-code\n");
    const result = await scan([repo.dir, "--format", "json", "--config", "shipledger.yml"], repo.env, dir);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      aiAssisted: 2,
      agents: [
        { agent: "aider", commits: 1 },
        { agent: "github-copilot", commits: 1 },
      ],
    });

    writeFileSync(join(dir, "config.json"), JSON.stringify({ attribution: { ignoreAuthors: ["dan@example.com"] } }));
    const json = await scan([repo.dir, "--format", "json", "--config", join(dir, "config.json")], repo.env);
    expect(JSON.parse(json.stdout)).toMatchObject({ aiAssisted: 2, withSessions: 0 });

    writeFileSync(join(dir, "bad.yml"), "attribution:\n  trustGenericTrailers: sometimes\n");
    const bad = await scan([repo.dir, "--config", "bad.yml"], repo.env, dir);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^shipledger scan: --config bad\.yml: attribution\.trustGenericTrailers: .*\n$/);

    const missing = await scan([repo.dir, "--config", "nope.yml"], repo.env, dir);
    expect(missing).toEqual({ code: 2, stdout: "", stderr: "shipledger scan: --config nope.yml: no such file\n" });
  });

  it("shows progress on a terminal's stderr for long scans, and clears it", async () => {
    const big = longHistory();
    let clock = 0;
    const c = cli(big.env, "/", { isTTY: true, now: () => (clock += 300) });
    expect(await runCli(["scan", big.dir], c.io)).toBe(0);
    const err = c.err();
    expect(err.endsWith("\r\u001b[K")).toBe(true);
    expect(err.slice(0, -"\r\u001b[K".length)).toMatch(/^(\rscan: \d+ commits…)+$/);
    expect(c.out()).toMatch(/: 1000 commits, 0 AI-assisted/);

    // jsonl counts its commits too (it does not fold them into a summary it never prints).
    const lines = cli(big.env, "/", { isTTY: true, now: () => (clock += 300) });
    expect(await runCli(["scan", big.dir, "--format", "jsonl"], lines.io)).toBe(0);
    const counts = [...lines.err().matchAll(/scan: (\d+) commits…/g)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(Math.max(...counts)).toBeLessThanOrEqual(1000);
    expect(lines.out().trimEnd().split("\n")).toHaveLength(1000);

    // Not a terminal (a pipe, a CI log): nothing on stderr, however long the scan takes.
    for (const format of ["table", "jsonl"]) {
      const piped = cli(big.env, "/", { isTTY: false, now: () => (clock += 300) });
      expect(await runCli(["scan", big.dir, "--format", format], piped.io)).toBe(0);
      expect(piped.err()).toBe("");
      expect(piped.out()).not.toContain("commits…");
    }
  });

  it("counts the commits of this project's own repository", async () => {
    const count = () =>
      Number(execFileSync("git", ["-C", projectRoot, "rev-list", "--count", "HEAD"], { encoding: "utf8" }).trim());
    const before = count();
    const result = await scan([projectRoot, "--format", "json"], process.env);
    const after = count(); // the repository is live: a commit may land meanwhile
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const { commits } = JSON.parse(result.stdout);
    expect(commits).toBeGreaterThan(0);
    expect(before === after ? commits === before : commits >= before && commits <= after).toBe(true);
  });

  it("stops quietly when the reader of its output goes away (scan | head)", async () => {
    const big = longHistory();
    mkdirSync(join(big.root, "cwd"));
    const { first, stderr, code } = await runCliUntilFirstOutput(["scan", big.dir, "--format", "jsonl"], {
      cwd: join(big.root, "cwd"),
      env: big.env,
    });
    expect(first).toMatch(/^\{"sha":"[0-9a-f]{40}"/);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

// ---- trailers "as git reports them" ---------------------------------------------------------------------

const SCISSORS = "# ------------------------ >8 ------------------------";

/** Messages whose trailer block is hard to find; git log and interpret-trailers disagree on some. */
const TRICKY_TRAILERS: string[] = [
  "Subject\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
  "Co-authored-by: Claude <noreply@anthropic.com>\n",
  "Subject\nCo-authored-by: A <a@b>\n",
  "\nFoo: bar\n",
  "\n\n  \nFoo: bar\n\nBaz: qux\n",
  "# comment\n\nFoo: bar\n",
  "S\n\nFoo: bar",
  "",
  "S\n\nhttp://example.com is not a trailer\nand this paragraph has prose.\n",
  "S\n\nFoo  \t : bar\nAssisted-by : aider:gpt-4o\n",
  "S\n\nFoo: a\n  folded\n\tover lines\nEmpty:\nBar:   \n",
  "S\n\nSigned-off-by: x\n# c\n  b\n",
  "S\n\na\nb\nc\nSigned-off-by: A <a@b>\n",
  "S\n\na\nb\nc\nd\nSigned-off-by: A <a@b>\n",
  "Fix the bug\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\nSigned-off-by: Ann <ann@example.com>\n",
  // A `---` line ends the message for interpret-trailers, not for git log.
  "S\n\nFoo: a\n---\nBar: b\n",
  "S\n\nBody\n\n---\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
  "S\n\nBody\n---\nCo-authored-by: Ghost <ghost@example.com>\n",
  "S\n\nFoo: a\n--- a/x.c\n+++ b/x.c\n",
  "S\n\nFoo: a\n---\t\nBar: b\n",
  "S\n\nFoo: a\n---\r\nBar: b\n",
  "S\n\nx: y\n--- : dashes\n---\t:tab\n",
  "---\n\nFoo: a\n",
  "S\n\nFoo: a\n---x\n----\nBar: b\n",
  "S\n\nFoo: a\n---",
  `S\n\nFoo: a\n${SCISSORS}\nBar: b\n`,
  `S\n\nFoo: a\n---\n${SCISSORS}\nBar: b\nTail: c\n`,
  "S\n\nFoo: a\nConflicts:\n\tx.c\n",
  "S\n\nConflicts:\n\tx.c\nFoo: a\n",
  "S\r\n\r\nFoo: a\r\n  b\r\nBar: c\r\n",
  "Add retry\n\nRetries 5xx.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
  "Feature (#7)\n\n## Summary\n- thing\n\n---\n\n## Test plan\n- ran it\n\nCo-authored-by: Codex <noreply@openai.com>\n",
];

const trailerKeys = ["Co-authored-by", "Signed-off-by", "Assisted-by", "X", "a1-", "-k"];
const oddLines = [
  "---",
  "--- a/file.c",
  "--- : v",
  "---\t",
  "----",
  "# comment",
  "Conflicts:",
  "\tsrc/a.c",
  SCISSORS,
  "(cherry picked from commit 0123abc)",
  "https://example.com/x",
  "prose with: a colon",
  "  continued",
  "",
  " ",
];
const lineArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...trailerKeys), fc.constantFrom(": v", " : w x", ":", ":y  ")) },
  { weight: 3, arbitrary: fc.constantFrom(...oddLines).map((line) => [line, ""] as const) },
);
/** Seeded random messages made of those lines, some with leading blank lines or CRLF. */
const generatedMessages = fc
  .sample(
    fc.tuple(
      fc.constantFrom("", "", "\n", " \n\n"),
      fc.array(lineArb, { minLength: 1, maxLength: 10 }),
      fc.constantFrom("\n", "\n", "\r\n"),
    ),
    propertyParams({ numRuns: 150 }),
  )
  .map(([lead, lines, eol]) => `${lead}Subject${eol}${eol}${lines.map(([a, b]) => a + b).join(eol)}${eol}`);

describe("shipledger scan --format jsonl trailers", () => {
  it("are what git log --format=%(trailers:only,unfold) reports", async () => {
    const messages = [...TRICKY_TRAILERS, ...generatedMessages];
    const repo = makeRepo(
      messages.map((message, i) => ({
        mark: i + 1,
        author: ALICE,
        time: `${1736503200 + i * 60} +0000`,
        message,
        ...(i > 0 ? { from: i } : {}),
      })),
    );
    const result = await scan([repo.dir, "--format", "jsonl"], repo.env);
    expect(result.code).toBe(0);
    const ours = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { trailers: { key: string; value: string }[] })
      .map((record) => record.trailers);

    const log = execFileSync(
      "git",
      ["-C", repo.dir, "log", "--format=%(trailers:only,unfold,separator=%x00,key_value_separator=%x00)%x01"],
      { env: repo.env, encoding: "utf8", timeout: 20_000 },
    );
    const gits = log
      .split("\x01")
      .slice(0, -1)
      .map((record) => {
        const parts = record.replace(/^\n/, "").split("\0");
        const trailers: { key: string; value: string }[] = [];
        for (let i = 0; i + 1 < parts.length; i += 2) trailers.push({ key: parts[i] ?? "", value: parts[i + 1] ?? "" });
        return trailers;
      });
    // Newest first: message i is record messages.length - 1 - i.
    const byMessage = (trailers: typeof ours) =>
      trailers.map((t, i) => ({ message: messages.at(-1 - i), trailers: t }));
    expect(byMessage(ours)).toEqual(byMessage(gits));
    expect(ours.some((t) => t.length > 0)).toBe(true);
  });
});
