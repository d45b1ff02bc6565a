// `shipledger backfill` and `backfill status` through the CLI, on a SQLite file ledger that knows
// the installation: with the App's credentials it reads the history in the foreground from a fake
// GitHub on loopback (GHE_HOST), and the ledger ends as live delivery of that history left
// another; without them it queues; its mistakes are one line and an exit code; a running app's
// lease is respected; Ctrl-C keeps the progress and the next run goes on from it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { runCli } from "../../src/cli/main.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { FakeGitHub } from "../fake-github/server.js";
import { appKeyPair } from "../helpers/app-process.js";
import { deliverLive, history, INSTALLATION, ledgerRows } from "../helpers/backfill-history.js";
import { captureCli, spawnCli } from "../helpers/cli.js";
import { DAY, seedRepository } from "../helpers/ledger-seed.js";
import { loadApp } from "../helpers/probot.js";
import { Scenario, T } from "../helpers/scenario.js";

/** 1,000 hours after the history's start; the window starts 8 hours before it (after the old deployment). */
const NOW = Date.parse(T(1000));
const SINCE = T(-8);
const APP_ID = 515_151;
const keys = appKeyPair();

const dirs: string[] = [];
let github: FakeGitHub | null = null;

beforeEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});
afterEach(async () => {
  await github?.stop();
  github = null;
  nock.cleanAll();
  nock.enableNetConnect();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A SQLite file ledger that knows the installation of acme and its repository acme/shop (and
 * acme/web), and a fake GitHub serving the history; the App's environment pointed at both.
 */
async function setup(options: { sc?: Scenario; latencyMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "shipledger-cli-backfill-"));
  dirs.push(dir);
  const url = `file:${join(dir, "ledger.db")}`;
  const sc = options.sc ?? history().sc;
  const store = await openStore(url);
  try {
    await seedRepository(store, INSTALLATION, "acme", sc.gh.repositoryId, "shop", NOW - 60 * DAY);
    await seedRepository(store, INSTALLATION, "acme", 5151, "web", NOW - 60 * DAY);
  } finally {
    await store.close();
  }
  const fake = new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem, latencyMs: options.latencyMs ?? 0 });
  github = await fake.start();
  sc.gh.serve(fake);
  const env: Record<string, string> = {
    DATABASE_URL: url,
    APP_ID: String(APP_ID),
    PRIVATE_KEY: keys.privateKeyPem,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: "warn",
  };
  return { dir, url, env, sc, github: fake };
}

async function cli(argv: string[], env: Record<string, string>, cwd: string) {
  const c = captureCli(env, { now: () => NOW, cwd });
  const code = await runCli(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

async function withStore<T>(url: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** The ledger live delivery of the same history leaves (served on nock, another model). */
async function liveLedger(): Promise<{ store: Store; sc: Scenario }> {
  const { sc, deployments } = history();
  sc.gh.mount();
  const store = await openStore(":memory:");
  const app = await loadApp({
    store,
    now: () => NOW,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
  });
  await deliverLive(app, sc, deployments);
  nock.cleanAll();
  return { store, sc };
}

const pages = (sc: Scenario) => sc.gh.calls.filter((c) => c.startsWith("POST graphql pullRequests")).length;
const checkRunWrites = (fake: FakeGitHub) =>
  fake.requests.filter((r) => r.method !== "GET" && r.path.includes("/check-runs"));

describe("shipledger backfill, in the foreground with the App's credentials", () => {
  it("reads the history into the ledger as live delivery recorded it; status shows the run done", async () => {
    const live = await liveLedger();
    const { dir, url, env, sc, github: fake } = await setup();

    const run = await cli(["backfill", "--repo", "acme/shop", "--since", SINCE], env, dir);
    expect(run.err).toBe("");
    expect(run.out).toBe("acme/shop: done\n");
    expect(run.code).toBe(0);

    await withStore(url, async (store) => {
      const runs = await store.backfills.listBackfillRuns(INSTALLATION);
      expect(runs).toMatchObject([
        {
          repositoryId: sc.gh.repositoryId,
          kind: "manual",
          phase: "done",
          windowSince: Date.parse(SINCE),
          coveredSince: Date.parse(SINCE),
          pullsRead: 6,
          merged: 6,
          deployments: 4,
          deploymentsTotal: 4,
          error: null,
        },
      ]);
      expect(runs[0]?.requests).toBeGreaterThan(0);
      expect(await ledgerRows(store, sc)).toEqual(await ledgerRows(live.store, live.sc));
    });
    await live.store.close();
    // History gets no check run; the lease is released.
    expect(checkRunWrites(fake)).toEqual([]);
    expect(pages(sc)).toBe(1);

    const status = await cli(["backfill", "status"], env, dir);
    expect(status.code).toBe(0);
    expect(status.out.split("\n")).toEqual([
      expect.stringMatching(/^REPOSITORY\s+SINCE\s+PHASE\s+READ\s+MERGED\s+DEPLOYMENTS\s+DONE\s+REMAINING\s+NOTE$/),
      expect.stringMatching(/^acme\/shop\s+2026-11-02\s+done \(manual\)\s+6 PRs\s+6\s+4\/4\s+100%\s+-\s*$/),
      "",
    ]);

    const json = await cli(["backfill", "status", "--repo", "acme/shop", "--json"], env, dir);
    expect(json.code).toBe(0);
    const [entry, ...rest] = JSON.parse(json.out) as Array<Record<string, unknown>>;
    expect(rest).toEqual([]);
    expect(Object.keys(entry ?? {}).sort()).toEqual(
      [
        "repository",
        "installationId",
        "repositoryId",
        "kind",
        "phase",
        "since",
        "pullRequestsRead",
        "merged",
        "deployments",
        "deploymentsTotal",
        "reached",
        "requests",
        "done",
        "remainingSeconds",
        "coveredSince",
        "requestedAt",
        "startedAt",
        "finishedAt",
        "error",
        "notes",
      ].sort(),
    );
    expect(entry).toMatchObject({
      repository: "acme/shop",
      installationId: INSTALLATION,
      repositoryId: sc.gh.repositoryId,
      kind: "manual",
      phase: "done",
      since: SINCE,
      pullRequestsRead: 6,
      merged: 6,
      deployments: 4,
      deploymentsTotal: 4,
      done: 1,
      remainingSeconds: 0,
      coveredSince: SINCE,
      requestedAt: new Date(NOW).toISOString(),
      startedAt: new Date(NOW).toISOString(),
      finishedAt: new Date(NOW).toISOString(),
      error: null,
      notes: [],
    });
    expect(entry?.requests).toEqual(expect.any(Number));
  });

  it("leaves an installation a running app is backfilling to it, queued", async () => {
    const { dir, url, env, sc, github: fake } = await setup();
    // The app has the installation's lease (it claimed it a minute ago, for acme/web).
    await withStore(url, async (store) => {
      await store.backfills.requestBackfills({
        installationId: INSTALLATION,
        repositoryIds: [5151],
        since: Date.parse(SINCE),
        kind: "install",
        now: NOW - 60_000,
      });
      expect(await store.backfills.claimBackfill({ worker: "app-1", now: NOW - 60_000, leaseMs: 120_000 })).toBe(
        INSTALLATION,
      );
    });
    const run = await cli(["backfill", "--repo", "acme/shop", "--since", SINCE], env, dir);
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      `backfill: installation ${INSTALLATION} is being backfilled by a running app; its repositories are queued there\n`,
    );
    expect(fake.requests).toEqual([]);
    expect(pages(sc)).toBe(0);
    await withStore(url, async (store) => {
      expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
        { repositoryId: sc.gh.repositoryId, phase: "pending", kind: "manual" },
        { repositoryId: 5151, phase: "pending", kind: "install" },
      ]);
    });
  });
});

describe("shipledger backfill, queued for the running app", () => {
  it("without APP_ID: queued, and status shows it pending", async () => {
    const { dir, env, github: fake } = await setup();
    const { APP_ID: _id, PRIVATE_KEY: _key, ...withoutApp } = env;
    const run = await cli(["backfill", "--org", "acme", "--since", "2026-11-01"], withoutApp, dir);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      "backfill: queued 2 repositories since 2026-11-01; the running app reads them (APP_ID and PRIVATE_KEY are not set here). See `shipledger backfill status`.\n",
    );
    expect(fake.requests).toEqual([]);

    const status = await cli(["backfill", "status", "--org", "acme"], withoutApp, dir);
    expect(status.code).toBe(0);
    expect(status.out.split("\n").slice(1)).toEqual([
      expect.stringMatching(/^acme\/shop\s+2026-11-01\s+pending \(manual\)\s+0 PRs\s+0\s+0\s+0%\s+\?\s*$/),
      expect.stringMatching(/^acme\/web\s+2026-11-01\s+pending \(manual\)\s+0 PRs\s+0\s+0\s+0%\s+\?\s*$/),
      "",
    ]);
  });

  it("with --queue: queued even with the App's credentials, nothing read here", async () => {
    const { dir, url, env, github: fake } = await setup();
    const run = await cli(["backfill", "--repo", "acme/shop", "--queue"], { ...env, BACKFILL_DAYS: "30" }, dir);
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      "backfill: queued 1 repository since 2026-11-14; the running app reads it. See `shipledger backfill status`.\n",
    );
    expect(fake.requests).toEqual([]);
    await withStore(url, async (store) => {
      expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
        { phase: "pending", windowSince: NOW - 30 * DAY },
      ]);
    });
  });
});

describe("shipledger backfill, mistakes", () => {
  it.each([
    ["neither --repo nor --org", [], 2, "give --repo OWNER/NAME or --org OWNER (one of them)"],
    ["both", ["--repo", "acme/shop", "--org", "acme"], 2, "give --repo OWNER/NAME or --org OWNER (one of them)"],
    ["a repository that is not OWNER/NAME", ["--repo", "shop"], 2, '--repo expects OWNER/NAME, got "shop"'],
    [
      "a bad --since",
      ["--repo", "acme/shop", "--since", "last week"],
      2,
      '--since: expected a date such as 2026-11-01 or 2026-11-01T09:00:00Z, got "last week"',
    ],
    [
      "a --since in the future",
      ["--repo", "acme/shop", "--since", "2027-01-01"],
      2,
      "--since 2027-01-01 is in the future",
    ],
    ["an unknown option", ["--repo", "acme/shop", "--days", "3"], 2, "Unknown option '--days'"],
    [
      "an owner the app is not installed for",
      ["--org", "globex"],
      1,
      'no installation of the app for "globex" in the ledger (install the app first)',
    ],
    [
      "a repository not in the installation",
      ["--repo", "acme/api"],
      1,
      'acme/api is not a repository of the app\'s installation for "acme"',
    ],
  ])("%s", async (_what, args, code, message) => {
    const { dir, env, github: fake } = await setup();
    const run = await cli(["backfill", ...(args as string[])], env, dir);
    expect(run.code).toBe(code);
    expect(run.out).toBe("");
    expect(run.err).toContain(message);
    expect(fake.requests).toEqual([]);
  });

  it("a mistake in status's options", async () => {
    const { dir, env } = await setup();
    expect(await cli(["backfill", "status", "--repo", "acme/api"], env, dir)).toMatchObject({ code: 1 });
    expect(await cli(["backfill", "status", "--since", "2026-11-01"], env, dir)).toMatchObject({ code: 2 });
  });

  it.each([
    ["not a PEM key", "not a key at all"],
    ["a PEM frame around no key", "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----"],
  ])("an invalid PRIVATE_KEY (%s): a configuration error naming it, never its value", async (_what, key) => {
    const { dir, url, env, github: fake } = await setup();
    const run = await cli(["backfill", "--repo", "acme/shop", "--since", SINCE], { ...env, PRIVATE_KEY: key }, dir);
    expect(run.code).toBe(1);
    expect(run.out).toBe("");
    expect(run.err).toMatch(/^shipledger: configuration error: PRIVATE_KEY: /);
    expect(run.err).not.toContain(key.split("\n")[1] ?? key);
    expect(fake.requests).toEqual([]);
    // Nothing was queued either: the command stopped before the ledger.
    await withStore(url, async (store) => expect(await store.backfills.listBackfillRuns()).toEqual([]));
  });
});

describe("shipledger backfill, interrupted", () => {
  it("Ctrl-C stops a foreground run with its progress kept (exit 130); the next run reads the rest, no page twice", async () => {
    // 250 merged pull requests, three GraphQL pages of 100, from a GitHub that answers slowly.
    const sc = new Scenario();
    for (let n = 1; n <= 250; n++) sc.merge(n, { at: n / 20 });
    sc.deploy(sc.main, 13);
    const { dir, url, env } = await setup({ sc, latencyMs: 300 });
    const cli1 = spawnCli(["backfill", "--repo", "acme/shop", "--since", SINCE], { env, cwd: dir });
    // Interrupted once its first page is stored (the second is on its way).
    await withStore(url, async (store) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
        if ((run?.pullsRead ?? 0) >= 100) break;
        if (Date.now() > deadline || cli1.child.exitCode !== null) {
          throw new Error(`no page stored in time:\n${JSON.stringify(cli1.output())}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    cli1.child.kill("SIGINT");
    const first = await cli1.done;
    expect(first.stderr).toContain("backfill: stopping after the current step (its progress is kept)");
    expect(first.stdout).toBe(
      "acme/shop: interrupted (its progress is kept)\nbackfill: stopped; run it again to go on where it stopped\n",
    );
    expect(first.code).toBe(130);
    const kept = await withStore(url, async (store) => (await store.backfills.listBackfillRuns(INSTALLATION))[0]);
    expect(kept).toMatchObject({ phase: "pulls", finishedAt: null, error: null });
    expect(kept?.cursor).not.toBeNull();
    expect([100, 200]).toContain(kept?.pullsRead);
    expect(pages(sc)).toBe(kept?.pullsRead === 100 ? 1 : 2);

    // The next run takes the released lease and goes on from the stored cursor.
    const second = await cli(["backfill", "--repo", "acme/shop", "--since", SINCE], env, dir);
    expect(second).toMatchObject({ code: 0, out: "acme/shop: done\n" });
    await withStore(url, async (store) => {
      expect(await store.backfills.listBackfillRuns(INSTALLATION)).toMatchObject([
        { phase: "done", pullsRead: 250, merged: 250, deployments: 1 },
      ]);
      expect(await store.changes.getChange(INSTALLATION, sc.gh.repositoryId, 1)).toMatchObject({ state: "merged" });
    });
    expect(pages(sc)).toBe(3);
  }, 60_000);
});
