// Backfill: one history on a model of GitHub (served by nock), delivered live into one ledger and
// backfilled into another, gives the same ledger row by row: changes with their attribution,
// deployments with what they shipped, fates. The deployment before the window is the baseline's
// predecessor, not a deployment that ships the whole repository. No check run is written for
// history. On both dialects.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { defaults } from "../../src/config/repo-config.js";
import { backfillRepository } from "../../src/ledger/backfill.js";
import type { Store } from "../../src/store/types.js";
import { gitAiSessionsNote, referenceHookRecord } from "../fixtures/records/examples.js";
import { deliverLive, history, INSTALLATION, ledgerRows } from "../helpers/backfill-history.js";
import type { ModelCommit } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";
import { T } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.parse(T(1000));

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function backfillInto(
  store: Store,
  app: Awaited<ReturnType<typeof loadApp>>,
  sc: ReturnType<typeof history>["sc"],
) {
  await store.installations.upsertInstallation({
    id: INSTALLATION,
    accountId: sc.gh.ownerId,
    accountLogin: sc.gh.owner,
    accountType: "Organization",
    now: NOW,
  });
  await store.installations.upsertRepositories(
    INSTALLATION,
    [{ id: sc.gh.repositoryId, fullName: `${sc.gh.owner}/${sc.gh.repo}`, private: false, defaultBranch: "main" }],
    NOW,
  );
  return backfillRepository(
    {
      octokit: await app.probot.auth(INSTALLATION),
      store,
      now: () => NOW,
      scope: {
        installationId: INSTALLATION,
        repositoryId: sc.gh.repositoryId,
        owner: sc.gh.owner,
        repo: sc.gh.repo,
        fullName: `${sc.gh.owner}/${sc.gh.repo}`,
        defaultBranch: "main",
      },
      config: defaults,
      log: app.probot.log,
    },
    { since: Date.parse(T(0)) },
  );
}

/** Sets the message GitHub wrote for a squash merge (the merge dialog's text). */
function squashMessage(sc: ReturnType<typeof history>["sc"], sha: string, message: string) {
  (sc.gh.commits.get(sha) as ModelCommit).message = message;
}

eachDialect("ledger: backfill", ({ newStore }) => {
  it("attributes a squash merge from its squash commit where the pull request's commits are gone or say less, live and backfilled alike", async () => {
    const { sc, deployments } = history();
    // #8's head branch was force-pushed away after the merge: GitHub lists no commits (REST: 404).
    const gone = sc.merge(8, { at: 11, title: "Add the wishlist", commits: 2 });
    squashMessage(
      sc,
      gone,
      "Add the wishlist (#8)\n\n* Add the wishlist model\n\nCo-authored-by: Claude Sonnet 4.5 <noreply@anthropic.com>\n\n* Wire the wishlist page\n",
    );
    (sc.gh.pulls.get(8) as { commitsGone?: boolean }).commitsGone = true;
    // #9's commit names no agent; the merger credited Copilot in the merge dialog.
    const credited = sc.merge(9, { at: 12, title: "Fix the cart total" });
    squashMessage(
      sc,
      credited,
      "Fix the cart total (#9)\n\nCo-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>\n",
    );
    // #10's commits carry Claude Code's footer and co-author; GitHub's squash repeats them in the
    // sections and once more in its closing block, which writes `Co-authored-by:`.
    const repeated = sc.merge(10, { at: 13, title: "Add gift cards", ai: true, commits: 2 });
    const claude =
      "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>";
    squashMessage(
      sc,
      repeated,
      `Add gift cards (#10)\n\n* Add gift cards part 1\n\n${claude}\n\n* Add gift cards part 2\n\n${claude}\n\n---------\n\nCo-authored-by: Claude Opus 4.5 <noreply@anthropic.com>\n`,
    );
    // #11's first commit documents the trailer in prose, then a loose list: its section, cut at the
    // list, would end in the example. The commits are listed, so the sections are not read again.
    const documented = sc.merge(11, { at: 14, title: "Document AI credit trailers", commits: 2 });
    squashMessage(
      sc,
      documented,
      "Document AI credit trailers (#11)\n\n* docs: explain how to credit an agent\n\nTo credit an agent, end the commit message with a line such as:\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n* the e-mail address must match exactly\n\n* fix typo in CONTRIBUTING\n",
    );
    sc.gh.mount();

    const live = await newStore();
    const app = await loadApp({
      store: live,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await deliverLive(app, sc, deployments);
    expect(await live.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);
    const backfilled = await newStore();
    expect(await backfillInto(backfilled, app, sc)).toMatchObject({ outcome: "done", merged: 10 });

    const a = await ledgerRows(live, sc);
    expect(await ledgerRows(backfilled, sc)).toEqual(a);
    const change = (n: number) => a.changes.find((c) => c.number === n);
    expect(change(8)).toMatchObject({ ai: true, agents: ["claude-code"], commitsTotal: 0, commits: [] });
    expect(change(8)?.evidence).toEqual([
      {
        agent: "claude-code",
        marker: "claude-code/co-author",
        source: "trailer",
        commit: gone,
        text: "Co-authored-by: Claude Sonnet 4.5 <noreply@anthropic.com>",
        model: "claude-sonnet-4.5",
        squashed: "Add the wishlist model",
      },
    ]);
    expect(change(9)).toMatchObject({ ai: true, agents: ["github-copilot"], commitsTotal: 1, commitsAi: 0 });
    expect(change(9)?.evidence).toEqual([expect.objectContaining({ source: "trailer", commit: credited })]);
    // #1's squash commit repeats its commit's footer and co-author: the same evidence, counted once.
    const one = change(1);
    const markers = ((one?.evidence ?? []) as Array<{ marker: string }>).map((e) => e.marker).sort();
    expect(markers).toEqual(["claude-code/co-author", "claude-code/footer"]);
    // #10: each commit's two pieces, nothing more from the squash commit.
    expect(change(10)).toMatchObject({ ai: true, commitsTotal: 2, commitsAi: 2 });
    const squashed = ((change(10)?.evidence ?? []) as Array<{ commit?: string }>).filter((e) => e.commit === repeated);
    expect(squashed).toEqual([]);
    expect(change(11)).toMatchObject({ ai: false, evidence: [] });
  });

  it("reads agent records once per repository: the ledger the checks' reads built live, one query when there are none", async () => {
    const { sc, deployments } = history();
    const noted = (sc.gh.pulls.get(5)?.commits ?? [])[0] as string;
    sc.gh.notesFanout = true;
    sc.gh.notes.set(
      "refs/notes/ai",
      new Map([
        [noted, gitAiSessionsNote(noted)],
        ["9".repeat(40), gitAiSessionsNote("9".repeat(40))], // a commit of no pull request: not fetched
        // Two notes over 4 MB: not fetched whoever's they are, and said once.
        ["8".repeat(40), `${gitAiSessionsNote("8".repeat(40))}${" ".repeat(5 * 1024 * 1024)}`],
        ["7".repeat(40), `${gitAiSessionsNote("7".repeat(40))}${" ".repeat(5 * 1024 * 1024)}`],
      ]),
    );
    sc.gh.mount();

    // Live: #5's check read its note when it was opened; the merge kept what the check read.
    const live = await newStore();
    const app = await loadApp({
      store: live,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await app.probot.receive({
      id: "opened-5",
      name: "pull_request",
      payload: sc.gh.openedEvent(5, INSTALLATION) as never,
    });
    await app.worker.drain();
    await deliverLive(app, sc, deployments);

    const backfilled = await newStore();
    const before = sc.gh.calls.length;
    expect(await backfillInto(backfilled, app, sc)).toMatchObject({
      outcome: "done",
      merged: 6,
      notes: ["2 notes of refs/notes/ai were not read: over 4.0 MB, where a note is a few kilobytes."],
    });
    const a = await ledgerRows(live, sc);
    expect(await ledgerRows(backfilled, sc)).toEqual(a);
    expect(a.changes.find((c) => c.number === 5)).toMatchObject({ ai: true, agents: ["claude-code", "cursor"] });
    // One probe, the notes tree once (recursive: its fan-out too), one query for the page's note.
    const calls = sc.gh.calls.slice(before);
    expect(calls.filter((c) => /AgentRecordProbe|git\/trees|NoteBlobs|matching-refs|\.agent-trace/.test(c))).toEqual([
      "POST graphql AgentRecordProbe",
      expect.stringMatching(/^GET git\/trees\/\w{4} recursive$/),
      "POST graphql NoteBlobs 1",
    ]);

    // A repository without notes refs or traces file: exactly one request more than before.
    sc.gh.notes.clear();
    const bare = await newStore();
    const from = sc.gh.calls.length;
    await backfillInto(bare, app, sc);
    expect(sc.gh.calls.slice(from).filter((c) => /AgentRecord|trees|NoteBlobs/.test(c))).toEqual([
      "POST graphql AgentRecordProbe",
    ]);
  });

  it("reads the default branch's traces file by the branch's full name, not a tag of the same name", async () => {
    const { sc } = history();
    const traced = (sc.gh.pulls.get(5)?.commits ?? [])[0] as string;
    sc.gh.files.set(".agent-trace/traces.jsonl", `${JSON.stringify(referenceHookRecord(traced, T(0)))}\n`);
    // A tag named like the branch, at a commit without the file: `main:…` would be the tag's.
    sc.gh.tags.set("main", [...sc.gh.commits.keys()][0] as string);
    sc.gh.mount();
    const app = await loadApp({ store: await newStore(), now: () => NOW, handlers: defaultHandlers });
    const store = await newStore();
    expect(await backfillInto(store, app, sc)).toMatchObject({ outcome: "done", merged: 6 });
    const change = await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 5);
    expect(change).toMatchObject({ ai: true, agents: ["claude-code"] });
    expect(
      ((change?.evidence ?? []) as Array<{ source: string; commit: string }>).map((e) => [e.source, e.commit]),
    ).toEqual([["agent-trace", traced]]);
  });

  it("reads the history without records when GitHub refuses them, and says so", async () => {
    const { sc } = history();
    const noted = (sc.gh.pulls.get(5)?.commits ?? [])[0] as string;
    sc.gh.notes.set("refs/notes/ai", new Map([[noted, gitAiSessionsNote(noted)]]));
    nock("https://api.github.com")
      .get(/\/repos\/acme\/shop\/git\/trees\//)
      .reply(403, { message: "Resource not accessible by integration" });
    sc.gh.mount();
    const app = await loadApp({ store: await newStore(), now: () => NOW, handlers: defaultHandlers });
    const store = await newStore();
    const result = await backfillInto(store, app, sc);
    expect(result).toMatchObject({ outcome: "done", merged: 6 });
    expect(result.notes).toEqual([
      "agent records (git-ai notes, Agent Trace) not read: Resource not accessible by integration",
    ]);
    expect(await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 5)).toMatchObject({ ai: false });
  });

  it("fills a ledger as live delivery of the same history would have, and writes no check run", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();

    // Live: each webhook as GitHub would have sent it, in the order things happened.
    const live = await newStore();
    const app = await loadApp({
      store: live,
      now: () => NOW,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
    });
    await deliverLive(app, sc, deployments);
    expect(await live.inbox.listDeliveries({ statuses: ["failed", "pending"] })).toEqual([]);
    const checksLive = sc.gh.checkRuns.length;
    expect(checksLive).toBeGreaterThan(0);

    // Backfill: nothing heard, the window read from GitHub.
    const backfilled = await newStore();
    const result = await backfillInto(backfilled, app, sc);
    expect(result).toMatchObject({ outcome: "done", merged: 6, deployments: 4, notes: [] });
    expect(sc.gh.checkRuns.length).toBe(checksLive); // history writes no check run

    const a = await ledgerRows(live, sc);
    const b = await ledgerRows(backfilled, sc);
    expect(b).toEqual(a);
    // The deployment before the window is a predecessor: the first in the window ships #1 and #2 only.
    expect(a.deployments.map((d) => [d.sourceKey, d.outcome, d.shipped])).toEqual([
      [`deployment:${deployments[0]}`, "ship", [1, 2]],
      [`deployment:${deployments[1]}`, "ship", [3, 5]],
      [`deployment:${deployments[2]}`, "redeploy", []],
      [`deployment:${deployments[3]}`, "ship", [6]],
    ]);
    expect(a.changes.find((c) => c.number === 1)).toMatchObject({ ai: true, revertedAt: Date.parse(T(9)) });
    expect(b.changes.find((c) => c.number === 7)).toMatchObject({ ai: true, shippedBy: null });
  });
});
