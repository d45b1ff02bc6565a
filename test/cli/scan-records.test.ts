import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { batchCommandIn } from "../../src/cli/record-source.js";
import {
  gitAiHumanNote,
  gitAiSessionsNote,
  referenceHookRecord,
  specExampleRecord,
} from "../fixtures/records/examples.js";
import { addNote, addNoteAsIs, addNotes, commitFile } from "../helpers/agent-records.js";
import { captureCli } from "../helpers/cli.js";
import { makeRepo, removeTempDirs, tempDir } from "../helpers/git-repo.js";

afterAll(removeTempDirs);

async function scan(argv: string[], env: NodeJS.ProcessEnv) {
  const c = captureCli(env, { cwd: "/" });
  const code = await runCli(["scan", ...argv], c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

const DEV = "Dev <dev@example.com>";
// 2026-01-01T00:00Z, then an hour apart; no commit message names an agent.
const T0 = 1767225600;
const at = (hours: number) => `${T0 + hours * 3600} +0000`;
const iso = (hours: number) => new Date((T0 + hours * 3600) * 1000).toISOString();

function repository() {
  const repo = makeRepo([
    { mark: 1, author: DEV, time: at(0), message: "Initial commit\n" },
    { mark: 2, author: DEV, time: at(1), message: "Add the app\n", from: 1 },
    { mark: 3, author: DEV, time: at(2), message: "Parse input\n", from: 2 },
    { mark: 4, author: DEV, time: at(3), message: "Write the README\n", from: 3 },
  ]);
  const [c1, c2, c3, c4] = [1, 2, 3, 4].map((n) => repo.sha(`main~${4 - n}`)) as [string, string, string, string];
  // git-ai: an AI note on c3, a human-only note on c4.
  addNote(repo, "refs/notes/ai", c3, gitAiSessionsNote(c3));
  addNote(repo, "refs/notes/ai", c4, gitAiHumanNote(c4));
  // Agent Trace as a note on c4 (the annotated commit is the one described).
  addNote(repo, "refs/notes/agent-trace", c4, JSON.stringify(specExampleRecord(c4), null, 2));
  // traces.jsonl at HEAD: the reference hook's record, written at c1 while c2 was being made.
  const traces = `${JSON.stringify(referenceHookRecord(c1, iso(0.5)))}\nnot a record\n`;
  const c5 = commitFile(repo, "main", ".agent-trace/traces.jsonl", traces, at(4), "Keep the agent traces\n");
  return { repo, c1, c2, c3, c4, c5 };
}

/**
 * An environment whose `git` says it is git 2.30 (before `cat-file --batch-command`) and runs the
 * real git for everything else, noting the arguments of each `cat-file` it runs.
 */
function gitOlderThan236(env: NodeJS.ProcessEnv) {
  const dir = tempDir("shipledger-oldgit-");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { env, encoding: "utf8" }).trim();
  const log = join(dir, "calls");
  writeFileSync(log, "");
  const wrapper = join(dir, "git");
  writeFileSync(
    wrapper,
    `#!/bin/sh\nif [ "$1" = version ]; then echo "git version 2.30.2"; exit 0; fi\n` +
      `if [ "$3" = cat-file ]; then echo "$3 $4 $5" >> '${log}'; fi\n` +
      `exec '${realGit}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return { env: { ...env, PATH: `${dir}:${env.PATH ?? ""}` }, calls: () => readFileSync(log, "utf8") };
}

/** `env` with a `git` first on PATH that runs `action` (sh) when its arguments match `pattern`. */
function failingGit(env: NodeJS.ProcessEnv, pattern: string, action: string): NodeJS.ProcessEnv {
  const dir = tempDir("shipledger-failgit-");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { env, encoding: "utf8" }).trim();
  const wrapper = join(dir, "git");
  writeFileSync(
    wrapper,
    `#!/bin/sh\nREAL='${realGit}'\ncase "$*" in ${pattern}) ${action};; esac\nexec "$REAL" "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return { ...env, PATH: `${dir}:${env.PATH ?? ""}` };
}

describe("scan with agent records", () => {
  it("attributes commits from git-ai notes, Agent Trace notes and traces.jsonl (jsonl)", async () => {
    const { repo, c1, c2, c3, c4, c5 } = repository();
    const { code, stdout } = await scan([repo.dir, "--format", "jsonl"], repo.env);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const bySha = new Map(lines.map((l) => [l.sha, l]));
    expect(bySha.get(c5)).toMatchObject({ ai: false, evidence: [] });
    expect(bySha.get(c4)).toMatchObject({
      ai: true,
      agents: ["cursor"],
      models: ["claude-opus-4-5-20251101", "gpt-4o"],
      lines: { ai: 42, mixed: 0, total: 54 }, // Agent Trace's 42 AI lines, git-ai's 12 human ones
    });
    expect(bySha.get(c4).sessions.map((s: { id: string }) => s.id)).toEqual(["12345", "67890"]);
    expect(bySha.get(c3)).toMatchObject({
      ai: true,
      agents: ["claude-code", "cursor"],
      models: ["claude-sonnet-4-5-20250514"],
      lines: { ai: 73, mixed: 0, total: 82 },
    });
    expect(bySha.get(c3).evidence.map((e: { source: string }) => e.source)).toEqual(["git-ai", "git-ai"]);
    expect(bySha.get(c2)).toMatchObject({
      ai: true,
      agents: ["claude-code"],
      sessions: [{ agent: "claude-code", id: "7f3e9a2c-1b4d-4e6f-8a0b-2c4d6e8f0a1b" }],
      lines: { ai: 50, mixed: 0, total: 50 },
    });
    expect(bySha.get(c2).evidence[0]).toMatchObject({
      source: "agent-trace",
      marker: "agent-trace/record",
      commit: c2,
    });
    expect(bySha.get(c1)).toMatchObject({ ai: false });
    expect(bySha.get(c1).lines).toBeUndefined();
  });

  it.each([
    ["git as it is (cat-file --batch-command)", false],
    ["a git older than 2.36 (cat-file --batch)", true],
  ])("joins the notes of a long history read in many groups, pipelined, to the right commits: %s", async (_, old) => {
    // 6,000 commits: git's output is taken in groups (of 2,048 commits at most) whose notes are
    // asked for ahead of the groups being attributed; every 37th commit has a note.
    const count = 6000;
    const repo = makeRepo(
      Array.from({ length: count }, (_, i) => ({
        mark: i + 1,
        author: DEV,
        time: at(i),
        message: `Change ${i + 1}\n\nSigned-off-by: Dev <dev@example.com>\n`,
        ...(i > 0 ? { from: i } : {}),
      })),
    );
    const shas = repo.git("rev-list", "HEAD").split("\n");
    const noted = new Map(shas.filter((_, i) => i % 37 === 5).map((sha) => [sha, gitAiSessionsNote(sha)]));
    addNotes(repo, "refs/notes/ai", noted);
    const { env, calls } = old ? gitOlderThan236(repo.env) : { env: repo.env, calls: () => "" };
    const { code, stdout } = await scan([repo.dir, "--format", "jsonl"], env);
    expect(code).toBe(0);
    if (old) {
      // The notes were read with `cat-file --batch`, one blob after another.
      expect(calls()).toMatch(/^cat-file --batch *$/m);
      expect(calls()).not.toContain("--batch-command");
    }
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sha)).toEqual(shas);
    const attributed = lines.filter((l) => l.evidence.some((e: { source: string }) => e.source === "git-ai"));
    expect(attributed.map((l) => l.sha)).toEqual([...noted.keys()]);
    for (const line of attributed) expect(line).toMatchObject({ ai: true, lines: { ai: 73, mixed: 0, total: 82 } });
  });

  it("reports what the records add in the summary (json and table)", async () => {
    const { repo } = repository();
    const json = JSON.parse((await scan([repo.dir, "--format", "json"], repo.env)).stdout);
    expect(json).toMatchObject({ commits: 5, aiAssisted: 3, withSessions: 3 });
    expect(json.agentRecords).toEqual({
      gitAiNotes: 2,
      agentTraceNotes: 1,
      traceFileRecords: 1,
      traceFileInvalidLines: 1,
      traceFileTooLarge: false,
      traceFileUnreadLines: 0,
      notesTooLarge: 0,
      notesOverBudget: 0,
      commitsWithGitAi: 2,
      commitsWithAgentTrace: 2,
      lines: { ai: 165, mixed: 0, total: 186 },
    });
    const table = (await scan([repo.dir], repo.env)).stdout;
    expect(table).toContain(
      "scan: agent records: 2 commits with a git-ai note, 2 with Agent Trace records; AI wrote 165 of 186 recorded lines (88.7%)",
    );
    expect(table).toContain(".agent-trace/traces.jsonl: 1 line not a trace record");
  });

  it("skips a note larger than 4 MB unread, says so, and reads the others", async () => {
    const { repo, c2, c3 } = repository();
    // A valid note padded past 4 MB: git compresses it to a few kilobytes, so any pusher can write one.
    addNoteAsIs(repo, "refs/notes/ai", c2, `${gitAiSessionsNote(c2)}${" ".repeat(5 * 1024 * 1024)}`);
    const lines = (await scan([repo.dir, "--format", "jsonl"], repo.env)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { sha: string; evidence: Array<{ source: string }> });
    const gitAi = (sha: string) => lines.find((l) => l.sha === sha)?.evidence.some((e) => e.source === "git-ai");
    expect(gitAi(c2)).toBe(false);
    expect(gitAi(c3)).toBe(true);
    const json = JSON.parse((await scan([repo.dir, "--format", "json"], repo.env)).stdout);
    expect(json.agentRecords).toMatchObject({ gitAiNotes: 3, notesTooLarge: 1, commitsWithGitAi: 2 });
    expect((await scan([repo.dir], repo.env)).stdout).toContain("scan: 1 note larger than 4 MB not read");
  });

  it("reads a traces.jsonl written on Windows: a byte-order mark, CRLF line ends, a path outside Latin-1", async () => {
    const repo = makeRepo([
      { mark: 1, author: DEV, time: at(0), message: "Initial commit\n" },
      { mark: 2, author: DEV, time: at(1), message: "Add the guide\n", from: 1 },
    ]);
    const [c1, c2] = [repo.sha("main~1"), repo.sha("main")];
    const record = referenceHookRecord(c1, iso(0.5));
    const abroad = { ...record, files: record.files.map((f) => ({ ...f, path: "docs/日本語/読む.md" })) };
    const traces = `\ufeff${JSON.stringify(abroad)}\r\nnot a record\r\n${JSON.stringify(specExampleRecord(c2))}`;
    commitFile(repo, "main", ".agent-trace/traces.jsonl", traces, at(2), "Keep the agent traces\n");
    const { code, stdout } = await scan([repo.dir, "--format", "jsonl"], repo.env);
    expect(code).toBe(0);
    const bySha = new Map(
      stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((l) => [l.sha, l]),
    );
    expect(bySha.get(c2)).toMatchObject({ ai: true, agents: ["claude-code", "cursor"] });
    expect(
      bySha
        .get(c2)
        .evidence.map((e: { text: string }) => e.text)
        .join("\n"),
    ).toContain("docs/日本語/読む.md");
    const json = JSON.parse((await scan([repo.dir, "--format", "json"], repo.env)).stdout);
    expect(json.agentRecords).toMatchObject({ traceFileRecords: 2, traceFileInvalidLines: 1 });
  });

  it("says how many lines of traces.jsonl it left unread past its first 200,000 records", async () => {
    const repo = makeRepo([{ mark: 1, author: DEV, time: at(0), message: "Initial commit\n" }]);
    const c1 = repo.sha("main");
    const line = `${JSON.stringify({ version: "0.1.0", id: "x", files: [] })}\n`;
    const traces = `${line.repeat(200_000)}${JSON.stringify(referenceHookRecord(c1, iso(0.5)))}\n`;
    commitFile(repo, "main", ".agent-trace/traces.jsonl", traces, at(1), "Keep the agent traces\n");
    const json = JSON.parse((await scan([repo.dir, "--format", "json"], repo.env)).stdout);
    expect(json.agentRecords).toMatchObject({
      traceFileRecords: 200_000,
      traceFileUnreadLines: 1,
      commitsWithAgentTrace: 0,
    });
    expect((await scan([repo.dir], repo.env)).stdout).toContain(
      "scan: .agent-trace/traces.jsonl: 1 line past the first 200,000 records not read",
    );
  });

  it("keeps at most 32 MB of notes for a group of commits, and counts what it left unread", async () => {
    // Notes of just under 4 MB each on 12 commits: 47 MB in all, a few kilobytes in the repository.
    const commits = Array.from({ length: 12 }, (_, i) => ({
      mark: i + 1,
      author: DEV,
      time: at(i),
      message: `Step ${i + 1}\n`,
      ...(i > 0 ? { from: i } : {}),
    }));
    const repo = makeRepo(commits);
    const shas = repo.git("rev-list", "HEAD").split("\n");
    for (const sha of shas)
      addNoteAsIs(repo, "refs/notes/ai", sha, `${gitAiSessionsNote(sha)}${" ".repeat(3_900_000)}`);
    const json = JSON.parse((await scan([repo.dir, "--format", "json"], repo.env)).stdout);
    // 8 notes fit in 32 MiB (8 × 3.9 MB); the 4 oldest of the group are counted, not read.
    expect(json.agentRecords).toMatchObject({ gitAiNotes: 12, notesOverBudget: 4, commitsWithGitAi: 8 });
    expect((await scan([repo.dir], repo.env)).stdout).toContain(
      "scan: 4 notes not read: over 32 MB of notes in one group of commits",
    );
  });

  it.each([
    [
      "cat-file is killed before it has given every note",
      "*--batch-command*",
      "kill -9 $$",
      "git cat-file stopped before it gave every note asked for",
    ],
    [
      "git notes list fails",
      "*notes*--ref=refs/notes/ai*list*",
      'echo "fatal: bad notes tree" >&2; exit 128',
      "git notes --ref=refs/notes/ai list failed: bad notes tree",
    ],
    [
      "reading traces.jsonl fails",
      "*cat-file\\ blob*",
      'echo "fatal: unable to read blob" >&2; exit 128',
      "git cat-file blob HEAD:.agent-trace/traces.jsonl failed: unable to read blob",
    ],
    [
      "git gives less of traces.jsonl than the size it listed, and exits 0",
      "*cat-file\\ blob*",
      '"$REAL" "$@" | head -c 10; exit 0',
      "git cat-file blob HEAD:.agent-trace/traces.jsonl failed: gave 10 bytes of ",
    ],
    [
      "git gives more of traces.jsonl than the size it listed",
      "*cat-file\\ blob*",
      '"$REAL" "$@"; "$REAL" "$@"; exit 0',
      "git cat-file blob HEAD:.agent-trace/traces.jsonl failed: gave ",
    ],
    [
      "git reading traces.jsonl is killed",
      "*cat-file\\ blob*",
      "kill -9 $$",
      "git cat-file blob HEAD:.agent-trace/traces.jsonl failed: killed (SIGKILL)",
    ],
  ])("fails, and says why, when %s (the records would be incomplete)", async (_name, args, action, message) => {
    const { repo } = repository();
    const result = await scan([repo.dir, "--format", "jsonl"], failingGit(repo.env, args, action));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it("names the git that was killed, not the one that lost its reader", async () => {
    const { repo } = repository();
    const result = await scan([repo.dir, "--format", "jsonl"], failingGit(repo.env, "*--batch=*", "kill -9 $$"));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("git cat-file was killed (SIGKILL)");
  });

  it("says nothing of records in a repository that has none", async () => {
    const repo = makeRepo([{ mark: 1, author: DEV, time: at(0), message: "Initial commit\n" }]);
    const json = JSON.parse((await scan([repo.dir, "--format", "json"], repo.env)).stdout);
    expect(json.agentRecords).toBeUndefined();
    expect((await scan([repo.dir], repo.env)).stdout).not.toContain("agent records");
  });
});

describe("batchCommandIn", () => {
  it.each([
    ["git version 2.39.5\n", true],
    ["git version 2.36.0", true],
    ["git version 2.35.8", false],
    ["git version 3.0.0", true],
    ["git version 1.9.9", false],
    ["git version 2.40.1.windows.1", true],
    ["git version 2.34.1 (Apple Git-133)", false],
    ["", false],
    ["not git", false],
  ])("%j → %s", (version, supported) => expect(batchCommandIn(version)).toBe(supported));
});
