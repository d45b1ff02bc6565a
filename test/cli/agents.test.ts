// `shipledger agents` lists the whole catalogue; `shipledger explain` shows why a commit is or is
// not attributed, for a message file or a commit of a real repository, and says what is wrong
// with what it was given.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AGENTS, GENERIC_CONVENTIONS } from "../../src/attribution/agents.js";
import { runCli } from "../../src/cli/main.js";
import { gitAiSessionsNote } from "../fixtures/records/examples.js";
import { addNote } from "../helpers/agent-records.js";
import { captureCli, runCliProcess, runCliUntilFirstOutput } from "../helpers/cli.js";
import { makeRepo, removeTempDirs, tempDir } from "../helpers/git-repo.js";

afterAll(removeTempDirs);

async function run(argv: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }, cwd = "/tmp") {
  const cli = captureCli(env, { cwd });
  const code = await runCli(argv, cli.io);
  return { code, out: cli.out(), err: cli.err() };
}

describe("shipledger agents", () => {
  it("lists every agent and every marker of the catalogue, and the generic conventions", async () => {
    const { code, out } = await run(["agents"]);
    expect(code).toBe(0);
    for (const agent of AGENTS) {
      expect(out).toContain(`${agent.name} (${agent.id})`);
      for (const marker of agent.markers) expect(out).toContain(`  ${marker.id}  [`);
    }
    for (const c of GENERIC_CONVENTIONS) expect(out).toContain(c.id);
    // A prefix is looked for where its marker sits: the head branch, or the subject.
    expect(out).toContain('looks for: branch starts with "claude/"');
    expect(out).toContain('looks for: subject starts with "aider: "');
    expect(out).toContain('looks for: text "generated with [claude code]" starting a line');
  });

  it("as JSON: the same catalogue, markers with what they match", async () => {
    const { code, out } = await run(["agents", "--json"]);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as {
      agents: Array<{ id: string; markers: Array<{ id: string; match: { kind: string } }> }>;
    };
    expect(doc.agents.map((a) => a.id)).toEqual(AGENTS.map((a) => a.id));
    expect(doc.agents.flatMap((a) => a.markers.map((m) => m.id))).toEqual(
      AGENTS.flatMap((a) => a.markers.map((m) => m.id)),
    );
  });
});

describe("shipledger explain", () => {
  it("explains a message file: the trailers git reads, the evidence, the verdict", async () => {
    const dir = tempDir();
    const file = join(dir, "msg.txt");
    writeFileSync(file, "Fix login\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n");
    const { code, out } = await run(["explain", "--message", "msg.txt"], { PATH: process.env.PATH }, dir);
    expect(code).toBe(0);
    expect(out).toMatch(/^message msg\.txt\n/);
    expect(out).toContain("trailers (1, as git reads them):");
    expect(out).toContain(
      'claude-code/co-author  in trailer: "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"',
    );
    expect(out).toContain("model claude-sonnet-4.5");
    expect(out).toContain("verdict: AI-assisted (claude-code; claude-sonnet-4.5)");
  });

  it("reads the message from standard input with --message - (in-process and as a process)", async () => {
    const message = "Fix login\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n";
    const cli = captureCli({ PATH: process.env.PATH }, { stdin: message });
    expect(await runCli(["explain", "--message", "-"], cli.io)).toBe(0);
    expect(cli.out()).toMatch(/^message \(standard input\)\n/);
    expect(cli.out()).toContain("verdict: AI-assisted (claude-code; claude-sonnet-4.5)");

    const json = captureCli({ PATH: process.env.PATH }, { stdin: message });
    expect(await runCli(["explain", "--message", "-", "--json"], json.io)).toBe(0);
    const doc = JSON.parse(json.out()) as Record<string, unknown>;
    expect(doc.message).toBe("-");
    expect(doc).not.toHaveProperty("sha");
    expect(doc.attribution).toMatchObject({ ai: true, agents: ["claude-code"] });

    // Without a standard input to read (an IO that has none), the error says so.
    const none = await run(["explain", "--message", "-"]);
    expect(none).toMatchObject({ code: 1, err: expect.stringContaining("--message -: there is no standard input") });

    const piped = await runCliProcess(["explain", "--message", "-"], {
      cwd: tempDir(),
      env: { PATH: process.env.PATH },
      stdin: "Add retries\n\nMade-with: Cursor\n",
    });
    expect(piped).toMatchObject({ code: 0, stderr: "" });
    expect(piped.stdout).toContain('cursor/made-with  in trailer: "Made-with: Cursor"');
  });

  it("explains a commit of a repository, and what was seen and not counted", async () => {
    const repo = makeRepo([
      {
        mark: 1,
        author: "Daniel <daniel@example.com>",
        time: "1700000000 +0000",
        message: "lib: fix a leak\n\nAssisted-by: Jim Smith\n",
      },
    ]);
    const { code, out } = await run(["explain", "HEAD", "--repo", repo.dir], repo.env);
    expect(code).toBe(0);
    expect(out).toContain(`commit ${repo.sha("HEAD")}`);
    expect(out).toContain("author Daniel <daniel@example.com>");
    expect(out).toContain("seen and not counted (1):");
    expect(out).toContain("verdict: not AI-assisted");
    const json = JSON.parse((await run(["explain", "HEAD", "--repo", repo.dir, "--json"], repo.env)).out);
    expect(json.attribution).toMatchObject({ ai: false, evidence: [] });
    expect(json.split.trailers).toEqual([{ key: "Assisted-by", value: "Jim Smith" }]);
  });

  it.each([
    [["explain"], 2, "give a commit sha or --message FILE"],
    [["explain", "HEAD", "--message", "x"], 2, "give a commit sha or --message FILE"],
    [["explain", "--message", "/nonexistent/msg"], 1, "cannot read /nonexistent/msg (ENOENT)"],
    [["explain", "--not-an-option"], 2, "Unknown option"],
  ])("%j exits %i: %s", async (argv, exit, message) => {
    const { code, err } = await run(argv);
    expect(code).toBe(exit);
    expect(err).toContain(message);
  });

  it.each([[["agents", "--help"]], [["explain", "-h"]]])("%j prints the usage and exits 0", async (argv) => {
    const { code, out, err } = await run(argv);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain("shipledger explain (<sha> [--repo PATH] | --message FILE|-)");
  });

  it("names a commit git cannot read", async () => {
    const repo = makeRepo([{ mark: 1, author: "A <a@example.com>", time: "1700000000 +0000", message: "one\n" }]);
    const { code, err } = await run(["explain", "deadbeef", "--repo", repo.dir], repo.env);
    expect(code).toBe(1);
    expect(err).toMatch(/^shipledger explain: no commit deadbeef in /);
  });

  it("names the directory that is not a git repository, as scan does", async () => {
    const dir = tempDir();
    const env = { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: "1" };
    const { code, err } = await run(["explain", "HEAD", "--repo", dir], env);
    expect({ code, err }).toEqual({ code: 1, err: `shipledger explain: ${dir} is not a git repository\n` });
  });

  it("reads the commit as scan does, with its agent records: the same verdict and evidence", async () => {
    const repo = makeRepo([
      { mark: 1, author: "Dev <dev@example.com>", time: "1700000000 +0000", message: "Initial commit\n" },
      { mark: 2, author: "Dev <dev@example.com>", time: "1700003600 +0000", message: "Parse input\n", from: 1 },
    ]);
    const sha = repo.sha("HEAD");
    addNote(repo, "refs/notes/ai", sha, gitAiSessionsNote(sha));
    const explained = JSON.parse((await run(["explain", "HEAD", "--repo", repo.dir, "--json"], repo.env)).out);
    const cli = captureCli(repo.env, { cwd: "/" });
    expect(await runCli(["scan", repo.dir, "--format", "jsonl"], cli.io)).toBe(0);
    const scanned = JSON.parse(cli.out().split("\n")[0] as string);
    expect(scanned.sha).toBe(sha);
    expect(scanned.ai).toBe(true);
    for (const field of ["ai", "agents", "models", "sessions", "evidence", "ignored", "lines"]) {
      expect(explained.attribution[field], field).toEqual(scanned[field]);
    }
    const { out } = await run(["explain", sha, "--repo", repo.dir], repo.env);
    expect(out).toContain("git-ai/note  in git-ai:");
    expect(out).toContain("lines: AI wrote 73 of 82 recorded lines");
  });

  it("is not changed by the repository's git configuration (a log encoding, signatures shown)", async () => {
    const repo = makeRepo([
      {
        mark: 1,
        author: "José Doe <jose@example.com>",
        time: "1700000000 +0000",
        message: "Café fix\n\nMade-with: Cursor\n",
      },
    ]);
    repo.git("config", "i18n.logOutputEncoding", "ISO-8859-1");
    repo.git("config", "log.showSignature", "true");
    const { code, out } = await run(["explain", "HEAD", "--repo", repo.dir], repo.env);
    expect(code).toBe(0);
    expect(out).toContain(`commit ${repo.sha("HEAD")}\nauthor José Doe <jose@example.com>`);
    expect(out).toContain("subject: Café fix");
    expect(out).toContain("verdict: AI-assisted (cursor)");
  });

  it("writes control characters of a message as escapes: a commit cannot drive the terminal", async () => {
    const repo = makeRepo([
      {
        mark: 1,
        author: "Eve \u001b[32m <eve@example.com>",
        time: "1700000000 +0000",
        message:
          "Fix \u001b]0;pwned\u0007\u001b[2J\u202e\n\nCo-authored-by: Cursor Agent \u001b[8m<cursoragent@cursor.com>\n",
      },
    ]);
    const { code, out } = await run(["explain", "HEAD", "--repo", repo.dir], repo.env);
    expect(code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be printed
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out).toContain("subject: Fix \\u001b]0;pwned\\u0007\\u001b[2J\\u202e");
    expect(out).toContain("author Eve \\u001b[32m <eve@example.com>");
    expect(out).toContain("verdict: AI-assisted (cursor)");
  });

  it("writes what was seen and not counted with its control characters and bidi overrides as escapes too", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "msg.txt"), "Fix\n\nAssisted-by: Jim \u202eSmith \u009b2J \u2066x\n");
    const { code, out } = await run(["explain", "--message", "msg.txt"], { PATH: process.env.PATH }, dir);
    expect(code).toBe(0);
    expect(out).toContain("seen and not counted (1):");
    expect(out).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(out).toContain('"text":"Assisted-by: Jim \\u202eSmith \\u009b2J \\u2066x"');
  });

  it("stops quietly when the reader of its output goes away (explain --json | head)", async () => {
    const dir = tempDir();
    const trailers = Array.from({ length: 100_000 }, (_, i) => `Reviewed-by: Person ${i} <p${i}@example.com>`);
    writeFileSync(join(dir, "big.txt"), `Fix\n\n${trailers.join("\n")}\n`);
    const { first, stderr, code } = await runCliUntilFirstOutput(["explain", "--message", "big.txt", "--json"], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    expect(first).toMatch(/^\{\n {2}"message": "big.txt"/);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("reads --config as scan does, and names the squashed commit a piece of evidence came from", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "msg.txt"),
      "Add retries (#42)\n\n* Extract the client\n\nMade-with: Cursor\n\n* Add retries\n\n---------\n\nCo-authored-by: Bob <bob@example.com>\n",
    );
    writeFileSync(join(dir, "config.yml"), "attribution:\n  disableMarkers: [cursor/made-with]\n");
    const plain = await run(["explain", "--message", "msg.txt"], { PATH: process.env.PATH }, dir);
    expect(plain.out).toContain(
      'cursor/made-with  in trailer (in squashed commit "Extract the client"): "Made-with: Cursor"',
    );
    const configured = await run(
      ["explain", "--message", "msg.txt", "--config", "config.yml"],
      { PATH: process.env.PATH },
      dir,
    );
    expect(configured.code).toBe(0);
    expect(configured.out).toContain("verdict: not AI-assisted");
    const bad = await run(["explain", "--message", "msg.txt", "--config", "nope.yml"], { PATH: process.env.PATH }, dir);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining("explain: --config nope.yml: no such file") });
  });
});
