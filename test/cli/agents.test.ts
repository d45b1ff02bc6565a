// `shipledger agents` lists the whole catalogue; `shipledger explain` shows why a commit is or is
// not attributed, for a message file or a commit of a real repository, and says what is wrong
// with what it was given.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AGENTS, GENERIC_CONVENTIONS } from "../../src/attribution/agents.js";
import { runCli } from "../../src/cli/main.js";
import { captureCli } from "../helpers/cli.js";
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
    expect(out).toContain("trailers (1, as git reads them):");
    expect(out).toContain(
      'claude-code/co-author  in trailer: "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"',
    );
    expect(out).toContain("model claude-sonnet-4.5");
    expect(out).toContain("verdict: AI-assisted (claude-code; claude-sonnet-4.5)");
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

  it("names a commit git cannot read", async () => {
    const repo = makeRepo([{ mark: 1, author: "A <a@example.com>", time: "1700000000 +0000", message: "one\n" }]);
    const { code, err } = await run(["explain", "deadbeef", "--repo", repo.dir], repo.env);
    expect(code).toBe(1);
    expect(err).toMatch(/^shipledger explain: fatal: /);
  });
});
