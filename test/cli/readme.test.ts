// README's `npm run shipledger -- …` commands are copied as they are, output piped on included
// (`… --format jsonl | jq`): npm writes its banner ("> shipledger@… shipledger", the script) to
// stdout before the CLI's own output unless run with -s, and jq or a JSON parser then fails on it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README's CLI commands", () => {
  const lines = readme.split("\n").filter((line) => /npm run (-s )?shipledger\b/.test(line));

  it("are there", () => {
    expect(lines.length).toBeGreaterThan(0);
  });

  it("run npm with -s, so that the output (json, jsonl, csv, piped) is the CLI's alone", () => {
    expect(lines.filter((line) => /npm run shipledger\b/.test(line))).toEqual([]);
  });
});
