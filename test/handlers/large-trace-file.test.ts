// A traces file between about 6 MB and the 16 MB a check reads. It comes through git/blobs, whose
// answer Octokit's JSON parsing (json-with-bigint, on Node 20) gave back as text past about 8
// million characters: the check failed as an internal error. The blob is now parsed by
// src/github/blob.ts, and the record at the pull request's base is found.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { referenceHookRecord } from "../fixtures/records/examples.js";
import { GitHubModel } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";

const mona = { name: "Mona", email: "mona@example.com", login: "mona" };
const BASE = "0".repeat(40);
const C1 = "1".repeat(40);

describe("PR check with a 7 MB traces file", () => {
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

  it("reads it (it is under the 16 MB a check reads)", async () => {
    const gh = new GitHubModel("acme", "shop", 4242);
    gh.commit(BASE, [], "Initial commit\n", mona, "2026-10-01T00:00:00Z");
    gh.openPull(7, [{ sha: C1, message: "Add the parser\n", author: mona }], { base: BASE });
    // 70,000 ordinary records of another branch (100 bytes each), then one at the PR's base.
    const other = (i: number) =>
      `${JSON.stringify({ version: "0.1.0", id: `r${String(i).padStart(8, "0")}`, vcs: { type: "git", revision: "9".repeat(40) }, files: [] })}\n`;
    let text = "";
    for (let i = 0; i < 70_000; i++) text += other(i);
    text += `${JSON.stringify(referenceHookRecord(BASE, "2026-01-01T00:00:00Z"))}\n`;
    expect(Buffer.byteLength(text)).toBeLessThan(16 * 1024 * 1024);
    expect(Buffer.byteLength(text)).toBeGreaterThan(6 * 1024 * 1024);
    gh.files.set(".agent-trace/traces.jsonl", text);
    gh.mount();
    const app = await loadApp({
      store,
      now: () => Date.parse("2026-10-02T00:00:00Z"),
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await app.probot.receive({ id: "pr-1", name: "pull_request", payload: gh.openedEvent(7, 99) as never });
    await app.worker.drain();
    const run = gh.checkRuns.at(-1) as unknown as { output: { title: string } };
    expect(run.output.title).toBe("AI-assisted: Claude Code — 1 of 1 commit");
  }, 60_000);
});
