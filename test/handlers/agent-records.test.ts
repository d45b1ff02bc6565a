// The PR check with agent records on GitHub: a fake GitHub serving a git-ai notes ref (fanned out
// as git stores many notes), an Agent Trace notes ref and .agent-trace/traces.jsonl at the head.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import {
  gitAiHumanNote,
  gitAiSessionsNote,
  referenceHookRecord,
  specExampleRecord,
} from "../fixtures/records/examples.js";
import { GitHubModel } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";

const INSTALLATION = 99;
const NOW = Date.parse("2026-10-02T00:00:00Z");
const mona = { name: "Mona", email: "mona@example.com", login: "mona" };
const [C1, C2, C3] = ["1", "2", "3"].map((d) => d.repeat(40)) as [string, string, string];
const BASE = "0".repeat(40);

describe("PR check with agent records", () => {
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

  async function check(gh: GitHubModel) {
    gh.mount();
    const app = await loadApp({
      store,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await app.probot.receive({ id: "pr-1", name: "pull_request", payload: gh.openedEvent(7, INSTALLATION) as never });
    await app.worker.drain();
    const run = gh.checkRuns.at(-1);
    if (!run) throw new Error("no check run");
    return run as unknown as { output: { title: string; summary: string } };
  }

  function model() {
    const gh = new GitHubModel("acme", "shop", 4242);
    gh.commit(BASE, [], "Initial commit\n", mona, "2026-10-01T00:00:00Z");
    gh.openPull(
      7,
      [
        { sha: C1, message: "Add the parser\n", author: mona },
        { sha: C2, message: "Write the README\n", author: mona },
        { sha: C3, message: "Wire it up\n", author: mona },
      ],
      { base: BASE },
    );
    // No commit message names an agent.
    return gh;
  }

  it("attributes from notes and traces read through the Git Data API, and shows agents, models, sessions and lines", async () => {
    const gh = model();
    gh.notesFanout = true;
    gh.notes.set(
      "refs/notes/ai",
      new Map([
        [C1, gitAiSessionsNote(C1)],
        [C2, gitAiHumanNote(C2)],
        ["9".repeat(40), gitAiSessionsNote("9".repeat(40))], // another branch's commit: not read
      ]),
    );
    gh.notes.set("refs/notes/agent-trace", new Map([[C3, JSON.stringify(specExampleRecord(C3))]]));
    // Written at C2 while C3 was being made (the reference hook records HEAD at edit time).
    gh.files.set(".agent-trace/traces.jsonl", `${JSON.stringify(referenceHookRecord(C2, "2026-01-01T00:00:00Z"))}\n`);

    const run = await check(gh);
    expect(run.output.title).toBe("AI-assisted: Claude Code, Cursor — 2 of 3 commits");
    const summary = run.output.summary;
    expect(summary).toContain("### Agent records");
    expect(summary).toContain("AI wrote 165 of 186 recorded lines (88.7%) in 3 commits with records.");
    expect(summary).toContain(
      "| `1111111` | git-ai note | Cursor, Claude Code | `claude-sonnet-4-5-20250514` | 73 of 82 |",
    );
    expect(summary).toContain("| `2222222` | record (no AI) | — | — | 0 of 12 |");
    // The Agent Trace note's 42 lines and the traces file's 50, recorded at C2 before C3 was made.
    expect(summary).toContain(
      "| `3333333` | Agent Trace record | Cursor, Claude Code | `claude-opus-4-5-20251101`, `gpt-4o` | 92 of 92 |",
    );
    expect(summary).toContain("- Claude Code: conv&#95;abc123def456");
    expect(summary).toContain("- [Cursor: 67890](https://api.cursor.com/v1/sessions/67890)");

    const change = await store.changes.getChange(INSTALLATION, 4242, 7);
    expect(change).toMatchObject({ ai: true, commitsAi: 2, commitsTotal: 3 });
    expect(change?.agents).toEqual(["claude-code", "cursor"]);
    // Records of authorship are written by the agents' own tooling: explicit evidence.
    expect(summary).toContain("Evidence: explicit (");
    expect(change?.aiEvidence).toBe("explicit");

    // The API calls agent records cost: 2 probes (notes refs; the traces file, read through
    // contents), per notes ref its commit and top tree, then per commit with a note its fan-out
    // subtree and blob: 12 in all here, under MAX_RECORD_CALLS (20).
    const kinds = gh.calls.filter((c) => c.startsWith("GET git/")).map((c) => c.split("/").slice(0, 2).join("/"));
    expect(kinds.filter((k) => k === "GET git/matching-refs")).toHaveLength(1);
    expect(kinds.filter((k) => k === "GET git/commits")).toHaveLength(2);
    expect(kinds.filter((k) => k === "GET git/trees")).toHaveLength(5);
    expect(kinds.filter((k) => k === "GET git/blobs")).toHaveLength(3);
  });

  it("keeps what the check read of the records when the pull request merges (no second read)", async () => {
    const gh = model();
    gh.notes.set("refs/notes/ai", new Map([[C1, gitAiSessionsNote(C1)]]));
    const run = await check(gh);
    expect(run.output.title).toMatch(/^AI-assisted/);
    // Squash-merged as it was checked.
    const merge = "5".repeat(40);
    gh.commit(merge, [BASE], "Wire it up (#7)\n", mona, "2026-10-01T12:00:00Z");
    Object.assign(gh.pulls.get(7) as object, {
      merged_at: "2026-10-01T12:00:00Z",
      merge_commit_sha: merge,
      merged_by: { login: "lead" },
    });
    const reads = gh.calls.length;
    const app = await loadApp({
      store,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await app.probot.receive({
      id: "pr-merged",
      name: "pull_request",
      payload: gh.closedEvent(7, INSTALLATION) as never,
    });
    await app.worker.drain();
    expect(await store.inbox.getDelivery("pr-merged")).toMatchObject({ status: "done" });
    const change = await store.changes.getChange(INSTALLATION, 4242, 7);
    expect(change).toMatchObject({ state: "merged", ai: true, commitsAi: 1 });
    expect(change?.agents).toEqual(expect.arrayContaining(["cursor"]));
    expect(
      gh.calls.slice(reads).filter((c) => c.startsWith("GET git/") && !c.startsWith("GET git/commits/5555")),
    ).toEqual([]);
  });

  it("reads no record as evidence whose marker the repository switched off (attribution.disableMarkers)", async () => {
    const gh = model();
    gh.notes.set("refs/notes/ai", new Map([[C1, gitAiSessionsNote(C1)]]));
    gh.notes.set("refs/notes/agent-trace", new Map([[C3, JSON.stringify(specExampleRecord(C3))]]));
    gh.files.set(".github/shipledger.yml", "attribution:\n  disableMarkers: [git-ai/note]\n");

    const run = await check(gh);
    // The git-ai note on C1 is not evidence; the Agent Trace record on C3 still is.
    expect(run.output.title).toBe("AI-assisted: Cursor — 1 of 3 commits");
    expect(run.output.summary).toContain("disabled by attribution.disableMarkers");
    expect(run.output.summary).not.toContain("| `1111111` | git-ai note |");
    const change = await store.changes.getChange(INSTALLATION, 4242, 7);
    expect(change).toMatchObject({ ai: true, commitsAi: 1, commitsTotal: 3 });
    const markers = ((change?.evidence ?? []) as Array<{ marker: string }>).map((e) => e.marker);
    expect(new Set(markers)).toEqual(new Set(["agent-trace/record"]));
  });

  it("counts no record at all when both record markers are switched off", async () => {
    const gh = model();
    gh.notes.set("refs/notes/ai", new Map([[C1, gitAiSessionsNote(C1)]]));
    gh.notes.set("refs/notes/agent-trace", new Map([[C3, JSON.stringify(specExampleRecord(C3))]]));
    gh.files.set(".github/shipledger.yml", "attribution:\n  disableMarkers: [git-ai/note, agent-trace/record]\n");
    const run = await check(gh);
    expect(run.output.title).toBe("No AI assistance detected");
    expect(run.output.summary).not.toContain("### Agent records");
    expect(await store.changes.getChange(INSTALLATION, 4242, 7)).toMatchObject({ ai: false, commitsAi: 0 });
  });

  it("gives the first commit the record written at the commit its branch was made from (its parent, as GitHub lists it)", async () => {
    const gh = model();
    gh.files.set(".agent-trace/traces.jsonl", `${JSON.stringify(referenceHookRecord(BASE, "2026-01-01T00:00:00Z"))}\n`);
    const run = await check(gh);
    expect(run.output.title).toBe("AI-assisted: Claude Code — 1 of 3 commits");
    expect(run.output.summary).toContain("| `1111111` | Agent Trace record | Claude Code |");
  });

  it("dates a commit by its committer, as scan does: a cherry-pick keeps its author's older date", async () => {
    const gh = new GitHubModel("acme", "shop", 4242);
    gh.commit(BASE, [], "Initial commit\n", mona, "2026-10-01T00:00:00Z");
    gh.openPull(
      7,
      [
        { sha: C1, message: "Add the parser\n", author: mona, date: "2026-10-01T01:00:00Z" },
        // Picked at 03:00 from a commit authored in September; its conflicts were resolved with an
        // agent at 02:00, the hook recording HEAD (C1) as the revision.
        {
          sha: C2,
          message: "Fix the reader\n",
          author: mona,
          date: "2026-09-01T00:00:00Z",
          committedDate: "2026-10-01T03:00:00Z",
        },
      ],
      { base: BASE },
    );
    gh.files.set(".agent-trace/traces.jsonl", `${JSON.stringify(referenceHookRecord(C1, "2026-10-01T02:00:00Z"))}\n`);
    const run = await check(gh);
    expect(run.output.title).toBe("AI-assisted: Claude Code — 1 of 2 commits");
    expect(run.output.summary).toContain("| `2222222` | Agent Trace record | Claude Code |");
    expect(run.output.summary).not.toContain("| `1111111` |");
  });

  it("reads a traces file of 150,000 records (none spread into one call's arguments)", async () => {
    const gh = model();
    const filler = `${JSON.stringify({ version: "0.1.0", id: "x", files: [] })}\n`;
    gh.files.set(
      ".agent-trace/traces.jsonl",
      `${filler.repeat(150_000)}${JSON.stringify(referenceHookRecord(C2, "2026-01-01T00:00:00Z"))}\n`,
    );
    const run = await check(gh);
    expect(await store.inbox.getDelivery("pr-1")).toMatchObject({ status: "done" });
    expect(run.output.title).toBe("AI-assisted: Claude Code — 1 of 3 commits");
  });

  it("leaves a note larger than 4 MB and a traces file larger than 16 MB unfetched, and says so", async () => {
    const gh = model();
    const huge = `${gitAiSessionsNote(C1)}${" ".repeat(5 * 1024 * 1024)}`;
    gh.notes.set(
      "refs/notes/ai",
      new Map([
        [C1, huge],
        [C2, gitAiSessionsNote(C2)],
      ]),
    );
    gh.files.set(".agent-trace/traces.jsonl", "\n".repeat(17 * 1024 * 1024));
    const run = await check(gh);
    expect(run.output.title).toBe("AI-assisted: Claude Code, Cursor — 1 of 3 commits");
    expect(run.output.summary).toContain(
      "1 note of refs/notes/ai was not read: over 4.0 MB, where a note is a few kilobytes.",
    );
    expect(run.output.summary).toContain(
      ".agent-trace/traces.jsonl was not read: it is 17.0 MB, over the 16.0 MB a check reads.",
    );
    // Only C2's note blob was fetched; the traces file's size came with its contents answer.
    expect(gh.calls.filter((c) => c.startsWith("GET git/blobs"))).toHaveLength(1);
  });

  it("counts each commit once in what the call cap left unread", async () => {
    const gh = new GitHubModel("acme", "shop", 4242);
    gh.commit(BASE, [], "Initial commit\n", mona, "2026-10-01T00:00:00Z");
    const shas = Array.from({ length: 25 }, (_, i) => (i + 1).toString(16).padStart(40, "a"));
    gh.openPull(
      7,
      shas.map((sha, i) => ({ sha, message: `Step ${i + 1}\n`, author: mona })),
      { base: BASE },
    );
    gh.notes.set("refs/notes/ai", new Map(shas.map((sha) => [sha, gitAiSessionsNote(sha)])));
    gh.notes.set(
      "refs/notes/agent-trace",
      new Map([[shas[0] as string, JSON.stringify(specExampleRecord(shas[0] as string))]]),
    );
    const run = await check(gh);
    // 2 probes, the git-ai ref's commit and tree, then 16 blobs (newest first): the cap of 20. The
    // Agent Trace ref is not read at all, so every commit has something unread: 25, not 9 + 25.
    expect(gh.calls.filter((c) => c.startsWith("GET git/blobs"))).toHaveLength(16);
    expect(run.output.summary).toContain("25 commits' agent records were not read");
    expect(run.output.title).toBe("AI-assisted: Claude Code, Cursor — 16 of 25 commits");
  });

  it("costs two calls when the repository has no records", async () => {
    const gh = model();
    const run = await check(gh);
    expect(run.output.title).toBe("No AI assistance detected");
    expect(run.output.summary).not.toContain("### Agent records");
    expect(gh.calls.filter((c) => c.startsWith("GET git/"))).toEqual(["GET git/matching-refs/notes"]);
  });
});
