// `shipledger <command> --help` (or -h) prints that command's usage on stdout and exits 0, for every
// command and subcommand, before anything runs: no ledger is opened, nothing is read or written.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { demoCommand } from "../../src/demo/run.js";
import { captureCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "shipledger-help-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("shipledger <command> --help", () => {
  it.each([
    [["migrate", "--help"], "shipledger migrate"],
    [["inbox", "--help"], "shipledger inbox [list]"],
    [["inbox", "list", "-h"], "shipledger inbox [list]"],
    [["inbox", "retry", "--help"], "shipledger inbox retry"],
    [["report", "--help"], "shipledger report (--repo"],
    [["report", "--org", "acme", "-h"], "shipledger report (--repo"],
    [["backfill", "--help"], "shipledger backfill (--repo"],
    [["backfill", "status", "-h"], "shipledger backfill status"],
    [["costs", "--help"], "shipledger costs token create"],
    [["costs", "token", "create", "--help"], "shipledger costs token create"],
    [["costs", "import", "--help"], "shipledger costs import FILE"],
    [["demo", "--help"], "shipledger demo [--installed-late]"],
    [["scan", "--help"], "shipledger scan [PATH]"],
    [["agents", "-h"], "shipledger agents [--json]"],
    [["explain", "--help"], "shipledger explain (<sha>"],
  ])("%j prints the usage and exits 0, touching no ledger", async (argv, usage) => {
    const ledger = join(dir, `${argv.join("_")}.db`);
    const { io, out, err } = captureCli({ DATABASE_URL: ledger }, { cwd: dir });
    const code = await runCli(argv, io);
    expect({ code, err: err() }).toEqual({ code: 0, err: "" });
    expect(out()).toContain("Usage:");
    expect(out()).toContain(usage);
    expect(existsSync(ledger)).toBe(false);
  });

  it("npm run demo -- --help (the demo's own entry) prints the demo's usage and exits 0", async () => {
    const { io, out, err } = captureCli({}, { cwd: dir });
    expect(await demoCommand(["--help"], io)).toBe(0);
    expect(err()).toBe("");
    expect(out()).toContain("shipledger demo [--installed-late]");
  });

  it("reads --help after -- as an argument, not as a request for help", async () => {
    const { io, err } = captureCli({}, { cwd: dir });
    expect(await runCli(["scan", "--", "--help"], io)).toBe(1);
    expect(err()).toContain("does not exist");
  });
});
