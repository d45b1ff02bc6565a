// How far a backfill has gone and how long it may take, from its stored progress; and the window
// of a repository's drift check. Table-driven, pure.
import { describe, expect, it } from "vitest";
import { driftWindowSince, estimateBackfill } from "../../src/ledger/core/backfill-progress.js";
import type { BackfillRun } from "../../src/model/ledger.js";

const DAY = 24 * 60 * 60_000;
const START = 100 * DAY;

const run = (over: Partial<BackfillRun>): BackfillRun => ({
  installationId: 1,
  repositoryId: 2,
  kind: "install",
  windowSince: START - 90 * DAY,
  phase: "pulls",
  cursor: "c",
  pullsRead: 0,
  merged: 0,
  deployments: 0,
  deploymentsTotal: null,
  reachedAt: null,
  requests: 0,
  coveredSince: null,
  requestedAt: START,
  startedAt: START,
  updatedAt: START,
  finishedAt: null,
  error: null,
  notes: [],
  ...over,
});

describe("estimateBackfill", () => {
  it.each([
    ["queued", run({ phase: "pending", startedAt: null }), START, { done: 0, remainingMs: null }],
    ["started, no page yet", run({}), START + 60_000, { done: 0, remainingMs: null }],
    // 45 of 90 days passed in 10 minutes: 40% of the run (pull requests weigh 80%), 15 minutes left.
    [
      "half the window's pull requests",
      run({ reachedAt: START - 45 * DAY }),
      START + 600_000,
      { done: 0.4, remainingMs: 900_000 },
    ],
    [
      "the walk passed the window's start",
      run({ reachedAt: START - 200 * DAY }),
      START + 600_000,
      { done: 0.8, remainingMs: 150_000 },
    ],
    [
      "a quarter of the deployments",
      run({ phase: "deployments", deployments: 5, deploymentsTotal: 20 }),
      START + 850_000,
      { done: 0.85, remainingMs: 150_000 },
    ],
    [
      "deployments not listed yet",
      run({ phase: "deployments", deploymentsTotal: null }),
      START + 800_000,
      { done: 0.8, remainingMs: 200_000 },
    ],
    ["done", run({ phase: "done" }), START + 1, { done: 1, remainingMs: 0 }],
    ["failed: no estimate", run({ phase: "failed" }), START + 1, { done: 0, remainingMs: null }],
  ])("%s", (_name, r, now, expected) => {
    const estimate = estimateBackfill(r, now);
    expect(estimate.done).toBeCloseTo(expected.done, 9);
    expect(estimate.remainingMs).toBe(expected.remainingMs);
  });
});

describe("driftWindowSince", () => {
  const now = 400 * DAY;
  it.each([
    ["checked yesterday: from a day before that", { lastFinishedAt: now - DAY, installedSince: 0 }, now - 2 * DAY],
    [
      "never checked, installed 3 days ago: from a day before the install",
      { lastFinishedAt: null, installedSince: now - 3 * DAY },
      now - 4 * DAY,
    ],
    [
      "last checked 200 days ago (a long outage): the last 90 days",
      { lastFinishedAt: now - 200 * DAY, installedSince: 0 },
      now - 90 * DAY,
    ],
    ["nothing known: the last 90 days", { lastFinishedAt: null, installedSince: null }, now - 90 * DAY],
  ])("%s", (_name, known, expected) => {
    expect(driftWindowSince({ now, maxDays: 90, ...known })).toBe(expected);
  });
});
