import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { NewDelivery } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

function delivery(id: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id,
    event: "pull_request",
    action: "opened",
    installationId: 1,
    repositoryId: 10,
    repositoryFullName: "octo/app",
    receivedAt: T0,
    payload: JSON.stringify({ action: "opened", number: 1 }),
    ...overrides,
  };
}

eachDialect("store: installations and repositories", ({ dialect, newStore }) => {
  it("upserts installations and keeps repositories per installation", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertInstallation({ id: 2, accountLogin: "other", accountType: "User", now: T0 });
    await store.installations.upsertRepositories(
      1,
      [{ id: 10, fullName: "octo/app", private: true, defaultBranch: "main" }],
      T0,
    );
    await store.installations.upsertRepositories(2, [{ id: 20, fullName: "other/lib", private: false }], T0);
    // A later payload without default_branch keeps the known one.
    await store.installations.upsertRepositories(1, [{ id: 10, fullName: "octo/app", private: true }], T0 + 1);

    expect(await store.installations.listRepositories(1)).toEqual([
      {
        id: 10,
        installationId: 1,
        fullName: "octo/app",
        defaultBranch: "main",
        private: true,
        removedAt: null,
        metricSettings: null,
        installedSince: T0,
      },
    ]);
    expect((await store.installations.listRepositories(2)).map((r) => r.fullName)).toEqual(["other/lib"]);
    expect(await store.installations.getInstallation(1)).toMatchObject({ accountLogin: "octo", deletedAt: null });
  });

  it("refuses a repository of an unknown installation (foreign keys are enforced)", async () => {
    const store = await newStore();
    const error = await store.installations
      .upsertRepositories(404, [{ id: 1, fullName: "ghost/repo", private: false }], T0)
      .then(
        () => null,
        (e: unknown) => e,
      );
    // The database's own foreign-key error (drizzle wraps Postgres errors: the driver's is the cause).
    const cause = (error as { cause?: unknown } | null)?.cause ?? error;
    expect(cause).toMatchObject(
      dialect === "sqlite"
        ? { code: "SQLITE_CONSTRAINT_FOREIGNKEY", message: "FOREIGN KEY constraint failed" }
        : { code: "23503", constraint: expect.stringContaining("installation") },
    );
    expect(await store.installations.listRepositories(404)).toEqual([]);
  });

  it("marks removed repositories and deleted installations without losing them", async () => {
    const store = await newStore();
    await store.installations.upsertInstallation({ id: 1, accountLogin: "octo", accountType: "Organization", now: T0 });
    await store.installations.upsertRepositories(
      1,
      [
        { id: 10, fullName: "octo/app", private: true },
        { id: 11, fullName: "octo/web", private: false },
      ],
      T0,
    );
    await store.installations.markRepositoriesRemoved(1, [11], T0 + 5);
    expect((await store.installations.listRepositories(1)).map((r) => r.id)).toEqual([10]);
    expect((await store.installations.listRepositories(1, { includeRemoved: true })).map((r) => r.removedAt)).toEqual([
      null,
      T0 + 5,
    ]);
    // Another installation cannot remove repositories it does not own.
    await store.installations.markRepositoriesRemoved(2, [10], T0 + 6);
    expect((await store.installations.listRepositories(1)).map((r) => r.id)).toEqual([10]);

    await store.installations.markInstallationDeleted(1, T0 + 7);
    expect(await store.installations.getInstallation(1)).toMatchObject({ deletedAt: T0 + 7 });
    await store.installations.upsertInstallation({
      id: 1,
      accountLogin: "octo",
      accountType: "Organization",
      now: T0 + 8,
    });
    // Nothing brings it back (a reinstall is a new installation id): a late delivery is no reinstall.
    expect(await store.installations.getInstallation(1)).toMatchObject({ deletedAt: T0 + 7 });
  });
});

eachDialect("store: inbox", ({ newStore, newDatabaseUrl, dialect }) => {
  it("stores a delivery once, whatever the number of arrivals", async () => {
    const store = await newStore();
    expect(await store.inbox.enqueueDelivery(delivery("d1"))).toEqual({ inserted: true, requeued: false });
    expect(await store.inbox.enqueueDelivery(delivery("d1", { payload: "{}" }))).toEqual({
      inserted: false,
      requeued: false,
    });
    const all = await store.inbox.listDeliveries();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: "d1", status: "pending", attempts: 0, nextAttemptAt: T0 });
    expect(JSON.parse((await store.inbox.getDelivery("d1"))?.payload ?? "")).toEqual({ action: "opened", number: 1 });
  });

  it("claims due deliveries in arrival order, each once", async () => {
    const store = await newStore();
    await store.inbox.enqueueDelivery(delivery("b", { receivedAt: T0 + 2 }));
    await store.inbox.enqueueDelivery(delivery("a", { receivedAt: T0 + 1 }));
    await store.inbox.enqueueDelivery(delivery("later", { receivedAt: T0 + 60_000 }));
    const first = await store.inbox.claimDeliveries({ worker: "w1", limit: 10, now: T0 + 10, leaseMs: 60_000 });
    expect(first.map((d) => [d.id, d.status, d.attempts, d.lockedBy])).toEqual([
      ["a", "processing", 0, "w1"],
      ["b", "processing", 0, "w1"],
    ]);
    expect(typeof first[0]?.receivedAt).toBe("number");
    // Claimed deliveries wait for a turn without their payloads (up to 25 MB each): read as one starts.
    expect(first.every((d) => !("payload" in d))).toBe(true);
    expect(await store.inbox.startDelivery("a", "w1", T0 + 10)).toEqual({
      attempts: 1,
      payload: JSON.stringify({ action: "opened", number: 1 }),
    });
    expect(await store.inbox.claimDeliveries({ worker: "w2", limit: 10, now: T0 + 20, leaseMs: 60_000 })).toEqual([]);
  });

  it("settles only the worker's own claim; retries at the backoff time; fails for good", async () => {
    const store = await newStore();
    await store.inbox.enqueueDelivery(delivery("d1"));
    await store.inbox.claimDeliveries({ worker: "w1", limit: 1, now: T0, leaseMs: 60_000 });
    expect(await store.inbox.startDelivery("d1", "intruder", T0)).toBeNull();
    expect((await store.inbox.startDelivery("d1", "w1", T0))?.attempts).toBe(1);
    expect(await store.inbox.completeDelivery("d1", "intruder", T0 + 1)).toBe(false);
    expect(await store.inbox.failDelivery("d1", "w1", { error: "HTTP 502", now: T0 + 1, retryAt: T0 + 1000 })).toBe(
      true,
    );
    expect(await store.inbox.getDelivery("d1")).toMatchObject({
      status: "pending",
      lastError: "HTTP 502",
      attempts: 1,
    });
    expect(await store.inbox.claimDeliveries({ worker: "w1", limit: 1, now: T0 + 999, leaseMs: 60_000 })).toEqual([]);
    const [again] = await store.inbox.claimDeliveries({ worker: "w1", limit: 1, now: T0 + 1000, leaseMs: 60_000 });
    expect(again?.attempts).toBe(1);
    expect((await store.inbox.startDelivery("d1", "w1", T0 + 1000))?.attempts).toBe(2);
    await store.inbox.failDelivery("d1", "w1", { error: "gave up", now: T0 + 1001, retryAt: null });
    expect(await store.inbox.getDelivery("d1")).toMatchObject({
      status: "failed",
      lastError: "gave up",
      completedAt: T0 + 1001,
    });
    expect(await store.inbox.countDeliveries()).toEqual({ pending: 0, processing: 0, done: 0, failed: 1 });

    expect(await store.inbox.requeueDeliveries({ failed: true }, T0 + 2000)).toEqual(["d1"]);
    const requeued = await store.inbox.getDelivery("d1");
    expect(requeued).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: T0 + 2000 });
    const [done] = await store.inbox.claimDeliveries({ worker: "w1", limit: 1, now: T0 + 2000, leaseMs: 60_000 });
    expect(done?.id).toBe("d1");
    expect(await store.inbox.completeDelivery("d1", "w1", T0 + 2001)).toBe(true);
    expect(await store.inbox.listDeliveries({ statuses: ["pending", "failed"] })).toEqual([]);
  });

  it("reclaims abandoned work after the lease, and releases claims on restart", async () => {
    const store = await newStore();
    await store.inbox.enqueueDelivery(delivery("d1"));
    await store.inbox.enqueueDelivery(delivery("d2", { receivedAt: T0 + 1 }));
    await store.inbox.claimDeliveries({ worker: "dead", limit: 2, now: T0 + 1, leaseMs: 1000 });
    expect((await store.inbox.startDelivery("d1", "dead", T0 + 1))?.attempts).toBe(1); // d2 waited for its turn
    expect(await store.inbox.claimDeliveries({ worker: "w2", limit: 2, now: T0 + 1000, leaseMs: 1000 })).toEqual([]);
    const reclaimed = await store.inbox.claimDeliveries({ worker: "w2", limit: 1, now: T0 + 1001, leaseMs: 1000 });
    expect(reclaimed.map((d) => [d.id, d.lockedBy, d.attempts])).toEqual([["d1", "w2", 1]]);
    // The dead worker's late answer must not overwrite the new claim.
    expect(await store.inbox.completeDelivery("d1", "dead", T0 + 1002)).toBe(false);
    expect(await store.inbox.releaseClaims({ now: T0 + 2000 })).toBe(2);
    // After a crash, an attempt that started stays counted (a delivery that kills the process ends);
    // one that only waited for its turn was never counted.
    expect((await store.inbox.listDeliveries({ statuses: ["pending"] })).map((d) => [d.id, d.attempts])).toEqual([
      ["d1", 1],
      ["d2", 0],
    ]);
  });

  it("hands back a stopping worker's claims, uncounting the attempts it cut short", async () => {
    const store = await newStore();
    for (const [i, id] of ["running", "waiting", "other"].entries()) {
      await store.inbox.enqueueDelivery(delivery(id, { receivedAt: T0 + i }));
    }
    await store.inbox.claimDeliveries({ worker: "w1", limit: 2, now: T0 + 10, leaseMs: 60_000 });
    await store.inbox.claimDeliveries({ worker: "w2", limit: 1, now: T0 + 10, leaseMs: 60_000 });
    expect((await store.inbox.startDelivery("running", "w1", T0))?.attempts).toBe(1);
    expect((await store.inbox.startDelivery("other", "w2", T0))?.attempts).toBe(1);
    // Another worker's claims are not touched, even when named.
    expect(
      await store.inbox.releaseClaims({ now: T0 + 1, worker: "w1", ids: ["running", "other"], uncount: true }),
    ).toBe(1);
    expect(await store.inbox.releaseClaims({ now: T0 + 1, worker: "w1", ids: ["waiting"] })).toBe(1);
    const all = await store.inbox.listDeliveries();
    expect(all.map((d) => [d.id, d.status, d.attempts, d.lockedBy])).toEqual([
      ["running", "pending", 0, null],
      ["waiting", "pending", 0, null],
      ["other", "processing", 1, "w2"],
    ]);
  });

  it("lists deliveries of one installation only", async () => {
    const store = await newStore();
    await store.inbox.enqueueDelivery(delivery("mine", { installationId: 1 }));
    await store.inbox.enqueueDelivery(delivery("theirs", { installationId: 2 }));
    expect((await store.inbox.listDeliveries({ installationId: 2 })).map((d) => d.id)).toEqual(["theirs"]);
  });

  if (dialect === "postgres") {
    it("lets several instances share one inbox without taking a delivery twice", async () => {
      const url = await newDatabaseUrl();
      const instances = [await openStore(url), await openStore(url), await openStore(url)];
      try {
        const [first] = instances;
        for (let i = 0; i < 200; i++) {
          await first?.inbox.enqueueDelivery(delivery(`d${String(i).padStart(3, "0")}`, { receivedAt: T0 + i }));
        }
        // Three instances, each with several concurrent claim loops over its own connection pool.
        const loops = instances.flatMap((store, s) =>
          Array.from({ length: 4 }, async (_, w) => {
            const mine: string[] = [];
            for (;;) {
              const batch = await store.inbox.claimDeliveries({
                worker: `i${s}w${w}`,
                limit: 7,
                now: T0 + 500,
                leaseMs: 60_000,
              });
              if (batch.length === 0) return mine;
              mine.push(...batch.map((d) => d.id));
            }
          }),
        );
        const all = (await Promise.all(loops)).flat();
        expect(all).toHaveLength(200);
        expect(new Set(all).size).toBe(200);
      } finally {
        await Promise.all(instances.map((s) => s.close()));
      }
    });
  }
});

describe("store: SQLite file", () => {
  it("creates the file and its folder on first open, in WAL mode, and keeps data across opens", async () => {
    const { mkdtempSync, existsSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const Database = (await import("better-sqlite3")).default;
    const dir = join(mkdtempSync(join(tmpdir(), "shipledger-file-")), "nested", "data");
    const first = await openStore(`file:${join(dir, "ledger.db")}`);
    await first.inbox.enqueueDelivery(delivery("kept"));
    await first.close();
    expect(existsSync(join(dir, "ledger.db"))).toBe(true);
    const raw = new Database(join(dir, "ledger.db"), { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const second = await openStore(join(dir, "ledger.db"));
    expect((await second.inbox.listDeliveries()).map((d) => d.id)).toEqual(["kept"]);
    await second.close();
  });
});

describe("store: DATABASE_URL", () => {
  it.each([
    [undefined, { dialect: "sqlite", memory: false }],
    [":memory:", { dialect: "sqlite", memory: true, path: ":memory:" }],
    ["file:/tmp/x.db", { dialect: "sqlite", path: "/tmp/x.db" }],
    ["/var/lib/ledger.db", { dialect: "sqlite", path: "/var/lib/ledger.db" }],
    ["postgres://u:p@h/db", { dialect: "postgres", url: "postgres://u:p@h/db" }],
    ["postgresql://h/db", { dialect: "postgres" }],
  ])("%s", async (value, expected) => {
    const { parseDatabaseUrl } = await import("../../src/store/database-url.js");
    expect(parseDatabaseUrl(value, "/srv")).toMatchObject(expected);
  });

  it("defaults to ./data/shipledger.db and rejects unknown schemes without showing the password", async () => {
    const { parseDatabaseUrl } = await import("../../src/store/database-url.js");
    expect(parseDatabaseUrl(undefined, "/srv")).toMatchObject({ path: "/srv/data/shipledger.db" });
    expect(() => parseDatabaseUrl("mysql://root:hunter2@db/x")).toThrow(
      'DATABASE_URL: unsupported scheme in "mysql://root:***@db/x"',
    );
  });

  it.each([
    ["postgres://u:hunter2@h/db", "postgres://u:***@h/db"],
    // libpq and pg also take the password as a parameter.
    ["postgres://u@h/db?password=hunter2", "postgres://u@h/db?password=***"],
    ["postgres://u@h/db?sslmode=require&PASSWORD=hunter2&x=1", "postgres://u@h/db?sslmode=require&PASSWORD=***&x=1"],
    ["postgres://u@h/db?sslpassword=hunter2", "postgres://u@h/db?sslpassword=***"],
    ["postgres://u@h/db?passfile=/etc/pgpass", "postgres://u@h/db?passfile=/etc/pgpass"],
    ["postgres://u@[bad/db?password=hunter2", "postgres://u@[bad/db?password=***"],
  ])("shows %s as %s in logs and errors", async (url, shown) => {
    const { redactUrl } = await import("../../src/store/database-url.js");
    expect(redactUrl(url)).toBe(shown);
  });

  it("a Postgres it cannot reach is named without the password given as a parameter", async () => {
    const error = await openStore("postgres://u@127.0.0.1:1/db?password=hunter2&connect_timeout=2").then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /^DATABASE_URL: cannot connect to postgres:\/\/u@127\.0\.0\.1:1\/db\?password=\*\*\*&connect_timeout=2: /,
    );
    expect(error?.message).not.toContain("hunter2");
  });
});
