// End to end: the real server process, signed webhooks over HTTP, a fake GitHub on loopback,
// and the ledger inspected directly — on SQLite and on Postgres.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { GitHubModel } from "../../src/demo/github-model.js";
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
import { installationEvent, webhookFixture } from "../helpers/fixtures.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "e2e-webhook-secret";
const APP_ID = "4242";
const keys = appKeyPair();

let github: FakeGitHub;
let repos: GitHubModel;
beforeAll(async () => {
  github = await new FakeGitHub({ appId: Number(APP_ID), publicKeyPem: keys.publicKeyPem }).start();
  // The pull request the payloads below are about, so that its check can be published.
  const pr = webhookFixture("pull_request.opened");
  repos = new GitHubModel(pr.repository.owner.login, pr.repository.name, pr.repository.id);
  repos.appId = Number(APP_ID);
  repos.serve(github);
  repos.openPull(pr.number, [
    {
      sha: pr.pull_request.head.sha,
      message: "Update README\n",
      author: { name: "Codertocat", email: "c@example.com", login: null },
    },
  ]);
});
afterAll(async () => {
  await github.stop();
});

eachDialect("e2e: webhook intake over HTTP", ({ dialect, newDatabaseUrl }) => {
  const running: AppProcess[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.kill()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  const databaseUrl = newDatabaseUrl;

  async function start(url: string, extra: Record<string, string> = {}) {
    const app = await startAppProcess({
      ...fakeGitHubAppEnv({
        appId: APP_ID,
        privateKeyPem: keys.privateKeyPem,
        secret: SECRET,
        databaseUrl: url,
        githubHost: github.host,
      }),
      ...extra,
    });
    running.push(app);
    if (app.child.exitCode !== null) throw new Error(`app exited early:\n${app.output()}`);
    return app;
  }

  async function ledger(url: string): Promise<Store> {
    const store = await openStore(url, { migrate: false });
    stores.push(store);
    return store;
  }

  it("stores and acknowledges a signed delivery, processes it, and stores a repeated delivery once", async () => {
    const url = await databaseUrl();
    const app = await start(url);
    const payload = installationEvent("pull_request.opened", 77);
    const first = await sendWebhook(app.url, { id: "e2e-1", event: "pull_request", payload, secret: SECRET });
    expect(first.status).toBe(200);
    const again = await sendWebhook(app.url, { id: "e2e-1", event: "pull_request", payload, secret: SECRET });
    expect(again.status).toBe(200);

    const store = await ledger(url);
    const done = await eventually(async () => {
      const d = await store.inbox.getDelivery("e2e-1");
      return d?.status === "done" ? d : null;
    });
    expect(done).toMatchObject({ event: "pull_request", action: "opened", installationId: 77, attempts: 1 });
    expect(await store.inbox.listDeliveries()).toHaveLength(1);
    expect((await store.installations.listRepositories(77)).map((r) => r.fullName)).toEqual(["Codertocat/Hello-World"]);
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: "ok" });
  });

  it("rejects a forged or missing signature, and a malformed body, and stores nothing", async () => {
    const url = await databaseUrl();
    const app = await start(url);
    const payload = installationEvent("pull_request.opened", 77);
    const forged = await sendWebhook(app.url, { id: "bad-1", event: "pull_request", payload, secret: "guessed" });
    const missing = await sendWebhook(app.url, {
      id: "bad-2",
      event: "pull_request",
      payload,
      secret: SECRET,
      signature: null,
    });
    const garbage = await sendWebhook(app.url, {
      id: "bad-3",
      event: "pull_request",
      payload,
      secret: SECRET,
      signature: "sha256=00",
    });
    const malformed = await sendWebhook(app.url, {
      id: "bad-4",
      event: "pull_request",
      payload: null,
      rawBody: '{"action": "opened", broken',
      secret: SECRET,
    });
    // A wrong signature is unauthorised; a missing or ill-formed one, or a body that is not JSON, is a bad request.
    expect([forged.status, missing.status, garbage.status, malformed.status]).toEqual([401, 400, 400, 400]);
    expect(((await garbage.json()) as { error: string }).error).toBe(
      "X-Hub-Signature-256 is not sha256=<64 hex digits>",
    );
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^the payload is not valid JSON/);
    const store = await ledger(url);
    expect(await store.inbox.listDeliveries()).toEqual([]);
  });

  it("retries a delivery whose GitHub calls fail, then marks it failed with the status and request id", async () => {
    github.requests.length = 0;
    // 403: Octokit's own retry plugin leaves it alone (it retries 5xx for ~15 s), so the inbox's retries show.
    github.route("GET", "/installation/repositories", () => ({
      status: 403,
      body: { message: "Resource not accessible by integration" },
    }));
    try {
      const url = await databaseUrl();
      const app = await start(url, { INBOX_MAX_ATTEMPTS: "3", INBOX_RETRY_BASE_MS: "50", INBOX_RETRY_MAX_MS: "200" });
      const payload = webhookFixture("installation.created");
      payload.installation.id = 501;
      const res = await sendWebhook(app.url, { id: "fail-1", event: "installation", payload, secret: SECRET });
      expect(res.status).toBe(200);
      const store = await ledger(url);
      const failed = await eventually(async () => {
        const d = await store.inbox.getDelivery("fail-1");
        return d?.status === "failed" ? d : null;
      });
      expect(failed.attempts).toBe(3);
      expect(failed.lastError).toMatch(
        /^HTTP 403 Resource not accessible by integration .*\(GitHub request id FAKE:\d+\)$/,
      );
      // The installation itself was recorded before the failing call; the listing is what failed.
      expect(await store.installations.getInstallation(501)).toMatchObject({ accountLogin: "Codertocat" });
      // One listing per attempt, each with the installation's token.
      const calls = github.requests.filter((r) => r.path.startsWith("/installation/repositories"));
      expect(calls.map((c) => c.auth)).toEqual(Array(3).fill("installation:501"));
    } finally {
      github.route("GET", "/installation/repositories", () => ({ status: 404, body: { message: "Not Found" } }));
    }
  });

  it("processes a delivery that had failed for good again when GitHub redelivers it (its Redeliver button)", async () => {
    let broken = true;
    github.route("GET", "/installation/repositories", () =>
      broken
        ? { status: 403, body: { message: "Resource not accessible by integration" } }
        : {
            body: {
              total_count: 1,
              repositories: [
                { id: 186853002, full_name: "Codertocat/Hello-World", private: false, default_branch: "trunk" },
              ],
            },
          },
    );
    try {
      const url = await databaseUrl();
      const app = await start(url, { INBOX_MAX_ATTEMPTS: "1" });
      const payload = webhookFixture("installation.created");
      payload.installation.id = 502;
      const send = () => sendWebhook(app.url, { id: "again-1", event: "installation", payload, secret: SECRET });
      expect((await send()).status).toBe(200);
      const store = await ledger(url);
      await eventually(async () => (await store.inbox.getDelivery("again-1"))?.status === "failed");

      // What failed is mended; the operator clicks "Redeliver" on GitHub: the same delivery id again.
      broken = false;
      const redelivered = await send();
      expect(redelivered.status).toBe(200);
      expect(await redelivered.json()).toEqual({ ok: true, stored: "requeued" });
      const done = await eventually(async () => {
        const d = await store.inbox.getDelivery("again-1");
        return d?.status === "done" ? d : null;
      });
      expect(done).toMatchObject({ attempts: 1, lastError: null });
      expect((await store.installations.listRepositories(502)).map((r) => r.fullName)).toEqual([
        "Codertocat/Hello-World",
      ]);
      // A delivery done, or still waiting, is a duplicate: acknowledged, stored and processed once.
      expect(await (await send()).json()).toEqual({ ok: true, stored: "duplicate" });
      expect((await store.inbox.getDelivery("again-1"))?.status).toBe("done");
    } finally {
      github.route("GET", "/installation/repositories", () => ({ status: 404, body: { message: "Not Found" } }));
    }
  });

  it("resumes a delivery interrupted by a crash when the server restarts", async () => {
    let slow = true;
    github.route("GET", "/installation/repositories", () =>
      slow
        ? { delayMs: 20_000, body: { total_count: 0, repositories: [] } }
        : {
            body: {
              total_count: 1,
              repositories: [
                { id: 186853002, full_name: "Codertocat/Hello-World", private: false, default_branch: "trunk" },
              ],
            },
          },
    );
    const url = await databaseUrl();
    // On Postgres several instances share the inbox, so a dead instance's claim is taken over when its lease ends.
    const lease: Record<string, string> = dialect === "postgres" ? { INBOX_LEASE_MS: "1000" } : {};
    const first = await start(url, lease);
    const payload = webhookFixture("installation.created");
    payload.installation.id = 602;
    expect(
      (await sendWebhook(first.url, { id: "crash-1", event: "installation", payload, secret: SECRET })).status,
    ).toBe(200);
    const store = await ledger(url);
    // Running: claimed, and its attempt counted as it starts.
    await eventually(async () => {
      const d = await store.inbox.getDelivery("crash-1");
      return d?.status === "processing" && d.attempts === 1;
    });
    await first.kill("SIGKILL");

    slow = false;
    // The restarted server binds a port of its own: what it resumes comes from the inbox, not over HTTP.
    const second = await start(url, lease);
    const done = await eventually(async () => {
      const d = await store.inbox.getDelivery("crash-1");
      return d?.status === "done" ? d : null;
    });
    expect(done.attempts).toBe(2);
    expect(await store.installations.listRepositories(602)).toMatchObject([
      { fullName: "Codertocat/Hello-World", defaultBranch: "trunk" },
    ]);
    // SIGTERM: a graceful stop, exit code 0.
    expect(await second.kill("SIGTERM")).toBe(0);
  });

  it("charges a crash to the delivery that was running, not to those claimed behind it", async () => {
    // One delivery takes the process down each time it runs (here: the server is killed while it
    // runs); three more were claimed behind it, waiting for the one turn. After INBOX_MAX_ATTEMPTS
    // crashes it is given up; those behind it never started, so they run once and are done.
    let slow = true;
    github.route("GET", "/installation/repositories", () =>
      slow
        ? { delayMs: 20_000, body: { total_count: 0, repositories: [] } }
        : { body: { total_count: 0, repositories: [] } },
    );
    const url = await databaseUrl();
    const env: Record<string, string> = {
      INBOX_CONCURRENCY: "1",
      INBOX_MAX_ATTEMPTS: "2",
      ...(dialect === "postgres" ? { INBOX_LEASE_MS: "1000" } : {}),
    };
    const ids = ["poison", "behind-1", "behind-2", "behind-3"];
    let app = await start(url, env);
    for (const [i, id] of ids.entries()) {
      const payload = webhookFixture("installation.created");
      payload.installation.id = 610 + i;
      expect((await sendWebhook(app.url, { id, event: "installation", payload, secret: SECRET })).status).toBe(200);
    }
    const store = await ledger(url);
    for (let crash = 1; crash <= 2; crash++) {
      // The first delivery running (its attempt counted), the others claimed and waiting.
      await eventually(async () => {
        const all = await store.inbox.listDeliveries();
        return (
          all.length === 4 &&
          all.every((d) => d.status === "processing") &&
          all.find((d) => d.id === "poison")?.attempts === crash
        );
      });
      await app.kill("SIGKILL");
      if (crash === 2) slow = false;
      app = await start(url, env);
    }
    const settled = await eventually(async () => {
      const all = await store.inbox.listDeliveries();
      return all.every((d) => d.status === "done" || d.status === "failed") ? all : null;
    }, 20_000);
    expect(settled.map((d) => [d.id, d.status, d.attempts, d.lastError])).toEqual([
      ["poison", "failed", 3, "abandoned after 2 interrupted attempts"],
      ["behind-1", "done", 1, null],
      ["behind-2", "done", 1, null],
      ["behind-3", "done", 1, null],
    ]);
  });

  if (dialect === "sqlite") {
    it("refuses a second server on the same SQLite ledger (started twice by mistake), leaving the first one's work alone", async () => {
      let reads = 0;
      github.route("GET", "/installation/repositories", () => {
        reads++;
        return {
          delayMs: 3_000,
          body: {
            total_count: 1,
            repositories: [
              { id: 186853002, full_name: "Codertocat/Hello-World", private: false, default_branch: "trunk" },
            ],
          },
        };
      });
      try {
        const url = await databaseUrl();
        const first = await start(url);
        const payload = webhookFixture("installation.created");
        payload.installation.id = 620;
        const sent = await sendWebhook(first.url, { id: "twice-1", event: "installation", payload, secret: SECRET });
        expect(sent.status).toBe(200);
        const store = await ledger(url);
        await eventually(async () => (await store.inbox.getDelivery("twice-1"))?.status === "processing");

        // The same ledger, another port: the second server says why and stops, before touching the inbox.
        const second = await startAppProcess(
          fakeGitHubAppEnv({
            appId: APP_ID,
            privateKeyPem: keys.privateKeyPem,
            secret: SECRET,
            databaseUrl: url,
            githubHost: github.host,
          }),
        );
        running.push(second);
        expect(
          await Promise.race([second.exited, new Promise((r) => setTimeout(() => r("still running"), 5_000))]),
        ).toBe(1);
        expect(second.output()).toMatch(/is in use by another Shipledger process/);
        expect(second.output()).not.toContain("Listening on");

        // The first server's delivery was neither taken from it nor run twice.
        const done = await eventually(async () => {
          const d = await store.inbox.getDelivery("twice-1");
          return d?.status === "done" ? d : null;
        });
        expect(done.attempts).toBe(1);
        expect(reads).toBe(1);
        // Once the first has stopped, the ledger is free for a new start.
        expect(await first.kill("SIGTERM")).toBe(0);
        const third = await start(url);
        expect(third.url).not.toBe("");
      } finally {
        github.route("GET", "/installation/repositories", () => ({ status: 404, body: { message: "Not Found" } }));
      }
    }, 30_000);
  }

  if (dialect === "postgres") {
    it("lets two instances share one Postgres inbox, processing each delivery once", async () => {
      const url = await databaseUrl();
      const a = await start(url, { INBOX_CONCURRENCY: "2" });
      const b = await start(url, { INBOX_CONCURRENCY: "2" });
      // Twenty pull requests, one delivery each, sent alternately to the two instances (each writes a
      // check run, and Octokit spaces an instance's writes a second apart).
      const numbers = Array.from({ length: 20 }, (_, i) => 1001 + i);
      const headOf = (n: number) => n.toString(16).padStart(40, "c");
      const author = { name: "Mona Lisa", email: "mona@example.com", login: "mona" };
      for (const n of numbers) repos.openPull(n, [{ sha: headOf(n), message: `Change ${n}\n`, author }]);
      const runsBefore = repos.checkRuns.length;
      github.requests.length = 0;
      const sends = numbers.map((n, i) => {
        const payload = installationEvent("pull_request.opened", 88);
        payload.number = n;
        payload.pull_request.number = n;
        payload.pull_request.head = { ...payload.pull_request.head, sha: headOf(n) };
        return sendWebhook((i % 2 ? a : b).url, { id: `shared-${n}`, event: "pull_request", payload, secret: SECRET });
      });
      expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(20).fill(200));
      const store = await ledger(url);
      await eventually(async () => (await store.inbox.countDeliveries()).done === 20, 30_000);
      const all = await store.inbox.listDeliveries({ statuses: ["done"] });
      expect(all.map((d) => [d.id, d.attempts]).sort()).toEqual(numbers.map((n) => [`shared-${n}`, 1]));
      // Each delivery's handler ran once: one read of its pull request's commits, one check run on its head.
      const commitReads = github.requests.flatMap(
        (r) => /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/commits/.exec(r.path)?.[1] ?? [],
      );
      expect(commitReads.map(Number).sort()).toEqual(numbers);
      expect(
        repos.checkRuns
          .slice(runsBefore)
          .map((r) => r.head_sha)
          .sort(),
      ).toEqual(numbers.map(headOf));
      expect((await store.installations.listRepositories(88)).map((r) => r.fullName)).toEqual([
        "Codertocat/Hello-World",
      ]);
    });
  }
});
