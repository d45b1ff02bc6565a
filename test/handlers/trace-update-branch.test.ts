// A pull request that merged its base branch in ("Update branch") carries the base branch's
// traces.jsonl records with it. A record the base branch's agent wrote at the commit this branch
// was made from describes the base branch's next commit: `scan` gives it to that commit, and the
// check, which lists only the pull request's own commits, gave it to the branch's first commit (a
// human's). The check now leaves out the records the base branch's own file has (one call more,
// only for a pull request that merged a commit from outside it), and keeps the branch's own.
import nock from "nock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { runCli } from "../../src/cli/main.js";
import { withoutLinesOf } from "../../src/github/agent-records.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { referenceHookRecord } from "../fixtures/records/examples.js";
import { commitFile } from "../helpers/agent-records.js";
import { captureCli } from "../helpers/cli.js";
import { makeRepo, removeTempDirs } from "../helpers/git-repo.js";
import { GitHubModel } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";

afterAll(removeTempDirs);
const DEV = "Dev <dev@example.com>";
const T0 = Date.parse("2026-10-01T00:00:00Z") / 1000;
const at = (h: number) => `${T0 + h * 3600} +0000`;
const iso = (h: number) => new Date((T0 + h * 3600) * 1000).toISOString();
const mona = { name: "Dev", email: "dev@example.com", login: "dev" };

describe("a pull request that merged its base branch in, with Agent Trace records", () => {
  let store: Store;
  beforeEach(async () => {
    nock.disableNetConnect();
    store = await openStore(":memory:");
  });
  afterEach(async () => {
    nock.cleanAll();
    nock.enableNetConnect();
    await store.close();
  });

  /**
   * BASE (0h); P1 on feature (2h, a human's); M2 on main (5h, an agent's, its record written at
   * BASE at 1h and committed on main with it); PM merges main into feature (6h); C5 on feature
   * (7h) keeps the traces file, with `own` records of the branch's too.
   */
  async function check(own: (shas: { BASE: string; P1: string }) => object[]) {
    const repo = makeRepo([
      { mark: 1, author: DEV, time: at(0), message: "Initial commit\n" },
      { mark: 2, ref: "refs/heads/feature", author: DEV, time: at(2), message: "Human change\n", from: 1 },
      { mark: 3, author: DEV, time: at(5), message: "Agent change on main\n", from: 1 },
      { mark: 4, ref: "refs/heads/feature", author: DEV, time: at(6), message: "Merge main\n", from: 2, merge: 3 },
    ]);
    const [BASE, P1, M2, PM] = ["main~1", "feature~1", "main", "feature"].map((r) => repo.sha(r)) as [
      string,
      string,
      string,
      string,
    ];
    const mainRecord = `${JSON.stringify(referenceHookRecord(BASE, iso(1)))}\n`;
    const MAIN = commitFile(repo, "main", ".agent-trace/traces.jsonl", mainRecord, at(5.5), "Keep the traces\n");
    const headText =
      mainRecord +
      own({ BASE, P1 })
        .map((r) => `${JSON.stringify(r)}\n`)
        .join("");
    const C5 = commitFile(repo, "feature", ".agent-trace/traces.jsonl", headText, at(7), "Keep the traces\n");

    const gh = new GitHubModel("acme", "shop", 4242);
    gh.commit(BASE, [], "Initial commit\n", mona, iso(0));
    gh.commit(M2, [BASE], "Agent change on main\n", mona, iso(5));
    gh.commit(MAIN, [M2], "Keep the traces\n", mona, iso(5.5));
    gh.openPull(
      7,
      [
        { sha: P1, message: "Human change\n", author: mona, date: iso(2) },
        { sha: PM, message: "Merge main\n", author: mona, date: iso(6) },
        { sha: C5, message: "Keep the traces\n", author: mona, date: iso(7) },
      ],
      { base: BASE, baseTip: MAIN },
    );
    gh.commit(PM, [P1, M2], "Merge main\n", mona, iso(6));
    gh.files.set(".agent-trace/traces.jsonl", headText);
    gh.filesAt.set(MAIN, new Map([[".agent-trace/traces.jsonl", mainRecord]]));
    gh.mount();
    const app = await loadApp({
      store,
      now: () => Date.parse("2026-10-02T00:00:00Z"),
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await app.probot.receive({ id: "pr-1", name: "pull_request", payload: gh.openedEvent(7, 99) as never });
    await app.worker.drain();
    const output = (gh.checkRuns.at(-1) as unknown as { output: { title: string; summary: string } }).output;

    const scan = captureCli(repo.env, { cwd: "/" });
    repo.git("checkout", "-q", "feature");
    expect(await runCli(["scan", repo.dir, "--format", "jsonl"], scan.io)).toBe(0);
    const scanned = new Map(
      scan
        .out()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { sha: string; ai: boolean })
        .map((l) => [l.sha, l.ai]),
    );
    const traceReads = gh.calls.filter((r: string) => r.includes("contents .agent-trace/traces.jsonl"));
    return { output, scanned, shas: { BASE, P1, M2 }, traceReads };
  }

  it("gives the base branch's record to neither of the branch's commits, as scan does", async () => {
    const { output, scanned, shas, traceReads } = await check(() => []);
    expect(scanned.get(shas.M2)).toBe(true); // scan: the record describes M2
    expect(scanned.get(shas.P1)).toBe(false);
    expect(output.title).toBe("No AI assistance detected");
    expect(traceReads).toHaveLength(2); // the head's file and the base's
  });

  it("keeps the branch's own record at the same commit (its first commit's agent)", async () => {
    const { output } = await check(({ BASE }) => [
      { ...referenceHookRecord(BASE, iso(1.5)), id: "c0a80101-0000-4000-8000-0000000000b1" },
    ]);
    expect(output.title).toBe("AI-assisted: Claude Code — 1 of 3 commits");
  });
});

describe("withoutLinesOf", () => {
  const record = (id: string) => JSON.stringify({ id, vcs: { type: "git", revision: "a".repeat(40) } });
  it.each([
    [
      "drops the records the other file has",
      `${record("1")}\n${record("2")}\n`,
      `${record("1")}\n`,
      `${record("2")}\n`,
    ],
    [
      "compares without surrounding spaces (CRLF)",
      `${record("1")}\r\n${record("2")}\r\n`,
      `${record("1")}\n`,
      `${record("2")}\r\n`,
    ],
    [
      "keeps the lines of a pretty-printed file",
      `[\n  {\n    "id": "1"\n  }\n]\n`,
      `[\n  {\n    "id": "1"\n  }\n]\n`,
      `[\n  {\n    "id": "1"\n  }\n]\n`,
    ],
    [
      "keeps what is not a record",
      `{"note":"x"}\n${record("2")}\n`,
      `{"note":"x"}\n`,
      `{"note":"x"}\n${record("2")}\n`,
    ],
  ])("%s", (_what, text, other, expected) => {
    expect(withoutLinesOf(text, other)).toBe(expected);
  });
});
