// The backfill as the app runs it: queued by installation.created, read under the installation's
// lease with stored progress, resumed where it stopped (nothing lost, no page read twice), stopped
// cleanly when the repository leaves, paused after GitHub's 5xx, and the drift check recording
// what live delivery missed. Each ledger is compared row by row with live delivery's. Both dialects.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { ConfigReadCache } from "../../src/github/config-cache.js";
import { backfillInstallation } from "../../src/inbox/backfill-runner.js";
import { buildReport, INSTANCE_METRIC_DEFAULTS, reportOptions } from "../../src/metrics/report.js";
import type { Store } from "../../src/store/types.js";
import {
  installationCreated as createdPayload,
  deliverLive,
  history,
  INSTALLATION,
  ledgerRows,
} from "../helpers/backfill-history.js";
import { webhookFixture } from "../helpers/fixtures.js";
import { API } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";
import { type Scenario, T } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const DAY = 24 * 60 * 60_000;
/** 1,000 hours after the history's start; a 42-day window starts 8 hours before it (after the old deployment). */
const NOW = Date.parse(T(1000));
const DAYS = 42;

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** GitHub's installation.created delivery, and the installation's repository listing it makes the app read. */
function installationCreated(sc: Scenario) {
  nock(API)
    .persist()
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: 1, repositories: [{ ...sc.gh.repositoryJson() }] });
  return createdPayload(sc);
}

async function liveLedger(newStore: () => Promise<Store>, sc: Scenario, deployments: number[]) {
  const live = await newStore();
  const app = await loadApp({
    store: live,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  await deliverLive(app, sc, deployments);
  return live;
}

/** The app, installed now: its installation.created delivery processed (the backfill queued, not run). */
async function installedApp(store: Store, sc: Scenario, now = () => NOW) {
  const app = await loadApp({
    store,
    now,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
    backfill: { days: DAYS, pageSize: 2, id: "runner-1" },
  });
  await app.probot.receive({ id: "install-1", name: "installation", payload: installationCreated(sc) as never });
  await app.worker.drain();
  return app;
}

const pages = (sc: Scenario) => sc.gh.calls.filter((c) => c.startsWith("POST graphql pullRequests")).length;

eachDialect("inbox: backfill runner", ({ newStore }) => {
  it("backfills on installation.created what live delivery would have recorded, and reports what it did not read", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();
    const live = await liveLedger(newStore, sc, deployments);
    const checks = sc.gh.checkRuns.length;

    const store = await newStore();
    const app = await installedApp(store, sc);
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
      { repositoryId: sc.gh.repositoryId, phase: "pending", kind: "install", windowSince: NOW - DAYS * DAY },
    ]);
    const calls = sc.gh.calls.length;
    await app.shipledger.backfills?.runOnce();
    // Each merge's files come with its GraphQL page (no configuration ignores paths here, but the
    // ledger keeps them for the report, as live delivery does): the pull requests' phase reads none
    // over REST. (Linking the rebase-merged #3's deployment looks it up again, as live delivery does.)
    const pullsPhase = sc.gh.calls.slice(
      calls,
      sc.gh.calls.findIndex((c, i) => i >= calls && c.startsWith("GET deployments")),
    );
    expect(pullsPhase.filter((c) => c.startsWith("POST graphql pullRequests"))).toHaveLength(3);
    expect(pullsPhase.filter((c) => /^GET pulls\/\d+\/files/.test(c))).toEqual([]);
    const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
    expect(run).toMatchObject({
      phase: "done",
      merged: 6,
      deployments: 4,
      deploymentsTotal: 4,
      coveredSince: NOW - DAYS * DAY,
      error: null,
    });
    expect(run?.requests).toBeGreaterThan(0);
    expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(live, sc));
    expect(sc.gh.checkRuns.length).toBe(checks); // history writes no check run

    // A report reaching before the window says so; one within it does not.
    const scope = {
      label: "acme/shop",
      installationId: INSTALLATION,
      repositoryIds: [sc.gh.repositoryId],
      owner: "acme",
    };
    const options = await reportOptions(store, scope, INSTANCE_METRIC_DEFAULTS, NOW);
    const before = await buildReport(store, scope, { since: NOW - 90 * DAY, until: NOW }, options);
    expect(before.historyNote).toBe(
      `history before ${new Date(NOW - DAYS * DAY).toISOString().slice(0, 10)} not read: figures for the period before then may be low (see \`shipledger backfill\`)`,
    );
    const within = await buildReport(store, scope, { since: NOW - 28 * DAY, until: NOW }, options);
    expect(within.historyNote).toBeNull();
  });

  it("resumes a stopped backfill where it stopped: the same ledger, no page read twice", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();
    const live = await liveLedger(newStore, sc, deployments);
    const store = await newStore();
    await installedApp(store, sc);

    // Stopped (SIGTERM) right after its first page was saved.
    const stop = new AbortController();
    const save = store.backfills.saveBackfillRun.bind(store.backfills);
    store.backfills.saveBackfillRun = async (run, worker, progress, now) => {
      const saved = await save(run, worker, progress, now);
      if (progress.pullsRead === 2) stop.abort(new Error("stopping"));
      return saved;
    };
    const pass = {
      store,
      auth: async () => (await loadApp({ store, handlers: {} })).probot.auth(INSTALLATION),
      configReads: new ConfigReadCache({ now: () => NOW }),
      log: (await loadApp({ store, handlers: {} })).probot.log,
      now: () => NOW,
      pageSize: 2,
    };
    expect(await store.backfills.claimBackfill({ worker: "a", now: NOW, leaseMs: 60_000 })).toBe(INSTALLATION);
    const first = await backfillInstallation(INSTALLATION, { ...pass, worker: "a", signal: stop.signal });
    expect(first.halted).toBe(true);
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([{ phase: "pulls", pullsRead: 2 }]);
    expect(pages(sc)).toBe(1);

    // Another instance takes it over (the lease was released on the stop) and goes on from the cursor.
    store.backfills.saveBackfillRun = save;
    expect(await store.backfills.claimBackfill({ worker: "b", now: NOW + 1, leaseMs: 60_000 })).toBe(INSTALLATION);
    const second = await backfillInstallation(INSTALLATION, { ...pass, worker: "b" });
    expect(second).toMatchObject({ halted: false, runs: [{ outcome: "done" }] });
    // 6 merged pull requests, 2 a page: 3 pages in all, each read once.
    expect(pages(sc)).toBe(3);
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
      { phase: "done", merged: 6, pullsRead: 6 },
    ]);
    expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(live, sc));
  });

  it("records once a pull request both delivered live and read by the backfill under way", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();
    const live = await liveLedger(newStore, sc, deployments);
    const store = await newStore();
    const app = await installedApp(store, sc);
    // After the first page (#7, #6), #1's merge is delivered live: the last page reads it again.
    const save = store.backfills.saveBackfillRun.bind(store.backfills);
    let delivered = false;
    store.backfills.saveBackfillRun = async (run, worker, progress, now) => {
      const saved = await save(run, worker, progress, now);
      if (progress.pullsRead === 2 && !delivered) {
        delivered = true;
        await app.probot.receive({
          id: "live-1",
          name: "pull_request",
          payload: sc.gh.closedEvent(1, INSTALLATION) as never,
        });
        await app.worker.drain();
        expect(await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 1)).toMatchObject({ state: "merged" });
      }
      return saved;
    };
    await app.shipledger.backfills?.runOnce();
    expect(delivered).toBe(true);
    expect(await store.inbox.getDelivery("live-1")).toMatchObject({ status: "done" });
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([{ phase: "done", merged: 6 }]);
    expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(live, sc));
  });

  it("reads the earlier window asked for (the CLI) while the app reads the repository, rather than finishing the old one under its name", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();
    const live = await liveLedger(newStore, sc, deployments);
    const store = await newStore();
    const app = await installedApp(store, sc);
    // After the app's first page is saved, `shipledger backfill --repo --since` asks for 90 days: the
    // run is queued again from the top with the earlier window (the app holds the lease, so the CLI
    // leaves the reading to it).
    const save = store.backfills.saveBackfillRun.bind(store.backfills);
    let asked = false;
    store.backfills.saveBackfillRun = async (run, worker, progress, now) => {
      const saved = await save(run, worker, progress, now);
      if (progress.pullsRead === 2 && !asked) {
        asked = true;
        const queued = await store.backfills.requestBackfills({
          installationId: INSTALLATION,
          repositoryIds: [sc.gh.repositoryId],
          since: NOW - 90 * DAY,
          kind: "manual",
          now: NOW + 1,
        });
        expect(queued).toBe(1);
      }
      return saved;
    };
    // The pass in hand leaves the old read at its next save and reads the new window from the top.
    await app.shipledger.backfills?.runOnce();
    expect(asked).toBe(true);
    // Two pages of the old read (the second was in flight when it was queued again), then three anew.
    expect(pages(sc)).toBe(2 + 3);
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
      {
        kind: "manual",
        phase: "done",
        windowSince: NOW - 90 * DAY,
        coveredSince: NOW - 90 * DAY,
        merged: 6,
        pullsRead: 6,
      },
    ]);
    // The changes as live delivery recorded them (the longer window also reads the deployment before the 42 days).
    expect((await ledgerRows(store, sc)).changes).toEqual((await ledgerRows(live, sc)).changes);
  });

  it("queues only the repositories added to an installation", async () => {
    const { sc } = history();
    sc.gh.mount();
    const store = await newStore();
    const app = await installedApp(store, sc);
    await app.shipledger.backfills?.runOnce();
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([{ phase: "done" }]);
    const added = webhookFixture("installation_repositories.added");
    added.installation.id = INSTALLATION;
    added.installation.account = { ...added.installation.account, id: sc.gh.ownerId, login: sc.gh.owner };
    added.repositories_added = [{ id: 5151, name: "api", full_name: `${sc.gh.owner}/api`, private: false }];
    added.repositories_removed = [];
    nock.cleanAll();
    nock(API)
      .get("/installation/repositories")
      .query(true)
      .reply(200, {
        total_count: 2,
        repositories: [
          sc.gh.repositoryJson(),
          { ...sc.gh.repositoryJson(), id: 5151, name: "api", full_name: `${sc.gh.owner}/api` },
        ],
      });
    await app.probot.receive({ id: "added-1", name: "installation_repositories", payload: added as never });
    await app.worker.drain();
    expect(await store.inbox.getDelivery("added-1")).toMatchObject({ status: "done" });
    const runs = await store.backfills.listBackfillRuns(INSTALLATION);
    // The repository read before is left as it is; only the added one is queued.
    expect(runs.map((r) => [r.repositoryId, r.phase, r.kind])).toEqual([
      [sc.gh.repositoryId, "done", "install"],
      [5151, "pending", "install"],
    ]);
  });

  it("stops cleanly when the repository leaves the installation mid-way", async () => {
    const { sc } = history();
    sc.gh.mount();
    const store = await newStore();
    const app = await installedApp(store, sc);
    const save = store.backfills.saveBackfillRun.bind(store.backfills);
    store.backfills.saveBackfillRun = async (run, worker, progress, now) => {
      const saved = await save(run, worker, progress, now);
      if (progress.pullsRead === 2)
        await store.installations.markRepositoriesRemoved(INSTALLATION, [sc.gh.repositoryId], NOW);
      return saved;
    };
    await app.shipledger.backfills?.runOnce();
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
      { phase: "stopped", pullsRead: 2, error: "the repository left the installation" },
    ]);
    expect(pages(sc)).toBe(1);
    // Nothing is left to claim.
    expect(await store.backfills.claimBackfill({ worker: "x", now: NOW, leaseMs: 1 })).toBeNull();
  });

  it("keeps its place after GitHub's 5xx, pauses the installation, and goes on later", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();
    const live = await liveLedger(newStore, sc, deployments);
    nock.cleanAll();
    // The second page of pull requests fails (502, and 502 again at half the size), once.
    nock(API)
      .post(
        "/graphql",
        (body: { query: string; variables: { after?: string | null } }) =>
          body.query.includes("pullRequests(") && Boolean(body.variables.after),
      )
      .times(2)
      .reply(502, { message: "Server Error" });
    sc.gh.mount();
    let now = NOW;
    const store = await newStore();
    const app = await installedApp(store, sc, () => now);
    await app.shipledger.backfills?.runOnce();
    const [paused] = await store.backfills.listBackfillRuns(INSTALLATION);
    expect(paused).toMatchObject({ phase: "pulls", pullsRead: 2 });
    expect(paused?.cursor).not.toBeNull();
    expect(paused?.error).toMatch(/^HTTP 502 /);
    expect(pages(sc)).toBe(1);
    // Paused: a pass now does not claim it; one after the pause does, goes on from its cursor, and finishes.
    await app.shipledger.backfills?.runOnce();
    expect(pages(sc)).toBe(1);
    now += 31_000;
    await app.shipledger.backfills?.runOnce();
    expect((await store.backfills.listBackfillRuns(INSTALLATION))[0]).toMatchObject({ phase: "done", error: null });
    expect(pages(sc)).toBe(3);
    expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(live, sc));
  });

  it("the drift check records the merge and the deployment whose deliveries never arrived", async () => {
    const { sc, deployments } = history();
    sc.gh.mount();
    const reference = await liveLedger(newStore, sc, deployments);
    // Installed before the history (8 hours before its first merge), with BACKFILL_DAYS=0; #7's
    // merge and the last deployment's success were never delivered.
    const store = await newStore();
    let now = Date.parse(T(-8));
    const app = await loadApp({
      store,
      now: () => now,
      handlers: defaultHandlers,
      worker: { backoff: { maxAttempts: 1 } },
      backfill: { days: 0, pageSize: 2, drift: { everyMs: DAY, maxDays: DAYS } },
    });
    await app.probot.receive({ id: "install-1", name: "installation", payload: installationCreated(sc) as never });
    await app.worker.drain();
    expect(await store.backfills.listBackfillRuns(INSTALLATION)).toEqual([]);
    now = NOW;
    await deliverLive(app, sc, deployments, { skipPulls: [7], skipDeployments: [deployments[3] as number] });
    expect(await ledgerRows(store, sc)).not.toEqual(await ledgerRows(reference, sc));
    await app.shipledger.backfills?.runOnce();
    const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
    expect(run).toMatchObject({ kind: "drift", phase: "done", windowSince: Date.parse(T(-8)) });
    expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(reference, sc));
    // Checked again a day later, not before.
    await app.shipledger.backfills?.runOnce();
    expect((await store.backfills.listBackfillRuns(INSTALLATION))[0]?.requestedAt).toBe(run?.requestedAt);
  });
});
