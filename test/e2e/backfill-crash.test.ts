// A backfill killed mid-way (kill -9 of the server process) loses nothing and repeats nothing: the
// installation.created delivery queues it, the server reads a page of pull requests and is killed
// while reading the next; restarted (SQLite: the same instance; Postgres: another instance, once
// the dead one's lease has lapsed), it goes on from the stored cursor. The ledger ends equal, row
// by row, to one backfilled without interruption, and no page is read twice but the one in flight.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConfigReadCache } from "../../src/github/config-cache.js";
import { backfillInstallation } from "../../src/inbox/backfill-runner.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { FakeGitHub } from "../fake-github/server.js";
import {
  type AppProcess,
  appKeyPair,
  eventually,
  fakeGitHubAppEnv,
  sendWebhook,
  startAppProcess,
} from "../helpers/app-process.js";
import { INSTALLATION, installationCreated, ledgerRows } from "../helpers/backfill-history.js";
import { loadApp } from "../helpers/probot.js";
import { Scenario } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "e2e-backfill-secret";
const APP_ID = 7272;
const keys = appKeyPair();
/** Merged pull requests: two GraphQL pages of 100. */
const PULLS = 120;
let github: FakeGitHub;

beforeAll(async () => {
  // GitHub's GraphQL answers in a few hundred milliseconds: time enough to be killed mid-page.
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem, latencyMs: 250 }).start();
});
afterAll(async () => {
  await github.stop();
});

function history(owner: string, repositoryId: number) {
  const sc = new Scenario(owner, "shop", repositoryId);
  // Long before the 90-day window: the first deployment's predecessor, not read.
  sc.deploy(sc.main, -24 * 200);
  for (let n = 1; n <= PULLS; n++) {
    sc.merge(n, { ai: n % 3 === 0, at: n, method: n % 7 === 0 ? "merge" : "squash" });
    if (n % 40 === 0) sc.deploy(sc.main, n + 0.5);
  }
  return sc;
}

const pages = (sc: Scenario) => sc.gh.calls.filter((c) => c.startsWith("POST graphql pullRequests")).length;

/** The same window backfilled in this process, without interruption (the reference). */
async function reference(sc: Scenario, since: number): Promise<Store> {
  const store = await openStore(":memory:");
  await store.installations.upsertInstallation({
    id: INSTALLATION,
    accountId: sc.gh.ownerId,
    accountLogin: sc.gh.owner,
    accountType: "Organization",
    now: 0,
  });
  await store.installations.upsertRepositories(
    INSTALLATION,
    [{ id: sc.gh.repositoryId, fullName: `${sc.gh.owner}/${sc.gh.repo}`, private: false, defaultBranch: "main" }],
    0,
  );
  await store.backfills.requestBackfills({
    installationId: INSTALLATION,
    repositoryIds: [sc.gh.repositoryId],
    since,
    kind: "install",
    now: 0,
  });
  await store.backfills.claimBackfill({ worker: "reference", now: 0, leaseMs: 60_000 });
  const { Probot } = await import("probot");
  const probot = new Probot({
    appId: APP_ID,
    privateKey: keys.privateKeyPem,
    baseUrl: `${github.baseUrl}/api/v3`,
    logLevel: "fatal",
  });
  const report = await backfillInstallation(INSTALLATION, {
    store,
    auth: (id) => probot.auth(id),
    configReads: new ConfigReadCache({ now: Date.now }),
    log: (await loadApp({ store, handlers: {} })).probot.log,
    worker: "reference",
  });
  expect(report.runs).toMatchObject([{ outcome: "done" }]);
  return store;
}

eachDialect("e2e: backfill killed mid-way", ({ dialect, newDatabaseUrl }) => {
  it("resumes from its stored progress: nothing lost, nothing read twice but the page in flight", async () => {
    const sc = history(`late-${dialect}`, dialect === "sqlite" ? 9301 : 9302);
    sc.gh.appId = APP_ID;
    sc.gh.serve(github);
    github.route("GET", "/installation/repositories", () => ({
      body: { total_count: 1, repositories: [sc.gh.repositoryJson()] },
    }));
    const url = await newDatabaseUrl();
    const env = {
      ...fakeGitHubAppEnv({
        appId: APP_ID,
        privateKeyPem: keys.privateKeyPem,
        secret: SECRET,
        databaseUrl: url,
        githubHost: github.host,
      }),
      BACKFILL_LEASE_MS: "3000",
      LOG_LEVEL: "info",
    };
    const store = await openStore(url);
    let a: AppProcess | null = null;
    let b: AppProcess | null = null;
    try {
      a = await startAppProcess(env);
      const sent = await sendWebhook(a.url, {
        id: `${dialect}-install`,
        event: "installation",
        payload: installationCreated(sc),
        secret: SECRET,
      });
      expect(sent.status).toBe(200);
      // Killed once a page is recorded and saved, while the next is being read.
      await eventually(async () => {
        const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
        return run?.phase === "pulls" && run.pullsRead >= 100;
      }, 30_000).catch((error) => {
        throw new Error(`${error}; the server said:\n${a?.output().slice(-3000)}`);
      });
      await a.kill("SIGKILL");
      const [killed] = await store.backfills.listBackfillRuns(INSTALLATION);
      expect(killed).toMatchObject({ phase: "pulls" });
      expect(killed?.phase === "pulls" && killed.pullsRead < PULLS).toBe(true);
      const readBefore = pages(sc);

      b = await startAppProcess(env);
      const done = await eventually(async () => {
        const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
        return run?.phase === "done" ? run : null;
      }, 60_000);
      expect(done).toMatchObject({ merged: PULLS, pullsRead: PULLS, deployments: 3, error: null });
      // Two pages in all; the one in flight when the process was killed is the only one read again.
      expect(pages(sc)).toBeLessThanOrEqual(2 + 1);
      expect(readBefore).toBeGreaterThanOrEqual(1);
      expect(b.output()).toMatch(/backfill: repository resumed \(pulls\)/);
      // No check run is written for history.
      expect(sc.gh.checkRuns).toEqual([]);

      const expected = await reference(sc, done.windowSince);
      try {
        expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(expected, sc));
      } finally {
        await expected.close();
      }
    } finally {
      await a?.kill();
      await b?.kill();
      await store.close();
    }
  }, 120_000);
});
