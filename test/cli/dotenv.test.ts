// The `.env` the CLI loads where the app runs (main.ts) may exist and still be unreadable: a file the
// app's own user keeps to itself (mode 600: it holds the App's key), or not a file at all. The
// command then stops with one line naming `.env` and why, exit 1, never Node's stack trace.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliProcess } from "../helpers/cli.js";

const cwd = mkdtempSync(join(tmpdir(), "shipledger-dotenv-"));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe("shipledger with a .env it cannot read", () => {
  it("says so in one line and exits 1", async () => {
    mkdirSync(join(cwd, ".env"));
    const run = await runCliProcess(["inbox"], { env: { PATH: process.env.PATH, DATABASE_URL: ":memory:" }, cwd });
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: "shipledger: cannot read .env: EISDIR: illegal operation on a directory, read\n",
    });
  });
});
