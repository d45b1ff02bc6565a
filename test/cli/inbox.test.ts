import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { openStore } from "../../src/store/open.js";
import type { NewDelivery } from "../../src/store/types.js";
import { GITHUB_MAX_PAYLOAD_BYTES } from "../../src/web/webhook-intake.js";
import { captureCli, runCliProcess } from "../helpers/cli.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

const cli = (env: Record<string, string>) => captureCli(env, { now: () => T0 + 60_000 });

const delivery = (id: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
  id,
  event: "deployment_status",
  action: "created",
  installationId: 7,
  repositoryId: 70,
  repositoryFullName: "acme/api",
  receivedAt: T0,
  payload: "{}",
  ...over,
});

eachDialect("cli: shipledger migrate and inbox", ({ newDatabaseUrl }) => {
  it("migrates, lists pending and failed deliveries, and requeues them", async () => {
    const url = await newDatabaseUrl();
    const migrate = cli({ DATABASE_URL: url });
    expect(await runCli(["migrate"], migrate.io)).toBe(0);
    expect(migrate.out()).toMatch(/^migrate: (sqlite|postgres) ledger at .* is up to date\n$/);

    const store = await openStore(url);
    try {
      await store.inbox.enqueueDelivery(delivery("aaa"));
      await store.inbox.enqueueDelivery(
        delivery("bbb", { event: "ping", action: null, installationId: null, repositoryFullName: null }),
      );
      await store.inbox.enqueueDelivery(delivery("ccc"));
      const claimed = await store.inbox.claimDeliveries({ worker: "w", limit: 3, now: T0, leaseMs: 60_000 });
      expect(claimed).toHaveLength(3);
      for (const { id } of claimed) await store.inbox.startDelivery(id, "w", T0);
      await store.inbox.failDelivery("aaa", "w", {
        error: "HTTP 502 Bad gateway\n(GitHub request id X:1)",
        now: T0,
        retryAt: null,
      });
      await store.inbox.failDelivery("bbb", "w", { error: "boom", now: T0, retryAt: T0 + 5000 });
      await store.inbox.completeDelivery("ccc", "w", T0);
    } finally {
      await store.close();
    }

    const list = cli({ DATABASE_URL: url });
    expect(await runCli(["inbox"], list.io)).toBe(0);
    expect(list.out()).toBe(
      [
        "inbox: 1 pending, 0 processing, 1 failed, 1 done",
        "DELIVERY  EVENT                      REPOSITORY  STATUS   ATTEMPTS  RECEIVED              NEXT ATTEMPT          LAST ERROR",
        "aaa       deployment_status.created  acme/api    failed   1         2026-11-24T12:00:00Z  -                     HTTP 502 Bad gateway (GitHub request id X:1)",
        "bbb       ping                       -           pending  1         2026-11-24T12:00:00Z  2026-11-24T12:00:05Z  boom",
        "",
      ].join("\n"),
    );

    const json = cli({ DATABASE_URL: url });
    expect(await runCli(["inbox", "list", "--status", "failed", "--json"], json.io)).toBe(0);
    // One document (not one object per line), every time in ISO 8601, no payload.
    expect(JSON.parse(json.out())).toEqual({
      counts: { pending: 1, processing: 0, failed: 1, done: 1 },
      deliveries: [
        {
          id: "aaa",
          event: "deployment_status",
          action: "created",
          installationId: 7,
          repositoryId: 70,
          repositoryFullName: "acme/api",
          status: "failed",
          attempts: 1,
          receivedAt: "2026-11-24T12:00:00.000Z",
          nextAttemptAt: null,
          lockedBy: null,
          lockedAt: null,
          completedAt: "2026-11-24T12:00:00.000Z",
          lastError: "HTTP 502 Bad gateway\n(GitHub request id X:1)",
        },
      ],
    });

    const retry = cli({ DATABASE_URL: url });
    expect(await runCli(["inbox", "retry", "--failed"], retry.io)).toBe(0);
    expect(retry.out()).toBe("inbox: requeued 1 delivery\n  aaa\n");

    const byId = cli({ DATABASE_URL: url });
    expect(await runCli(["inbox", "retry", "ccc", "nope"], byId.io)).toBe(1);
    expect(byId.out()).toBe("inbox: requeued 1 delivery\n  ccc\n");
    expect(byId.err()).toBe("inbox retry: not requeued (unknown, or being processed right now): nope\n");

    const after = cli({ DATABASE_URL: url });
    await runCli(["inbox", "--json", "--status", "pending"], after.io);
    const { deliveries } = JSON.parse(after.out()) as { deliveries: { id: string; attempts: number }[] };
    expect(deliveries.map((d) => [d.id, d.attempts])).toEqual([
      ["aaa", 0],
      ["bbb", 1],
      ["ccc", 0],
    ]);
    expect(deliveries.map((d) => Object.entries(d).filter(([k]) => k.endsWith("At")))).toEqual(
      deliveries.map(() => [
        ["receivedAt", "2026-11-24T12:00:00.000Z"],
        ["nextAttemptAt", expect.stringMatching(/^2026-11-24T12:0\d:\d\d\.\d{3}Z$/)],
        ["lockedAt", null],
        ["completedAt", null],
      ]),
    );
  });

  it("lists failed deliveries of GitHub's largest payloads without reading them (a 64 MB heap)", async () => {
    const url = await newDatabaseUrl();
    const store = await openStore(url);
    try {
      // Four pushes of 25 MB, failed for good: 100 MB of payloads the list does not show.
      const payload = JSON.stringify({ ref: "refs/heads/main", padding: "x".repeat(GITHUB_MAX_PAYLOAD_BYTES - 64) });
      for (const id of ["big-1", "big-2", "big-3", "big-4"]) {
        await store.inbox.enqueueDelivery(delivery(id, { event: "push", action: null, payload }));
      }
      for (const { id } of await store.inbox.claimDeliveries({ worker: "w", limit: 4, now: T0, leaseMs: 60_000 })) {
        await store.inbox.startDelivery(id, "w", T0);
        await store.inbox.failDelivery(id, "w", { error: "HTTP 502", now: T0, retryAt: null });
      }
    } finally {
      await store.close();
    }
    const env = { PATH: process.env.PATH, DATABASE_URL: url, NODE_OPTIONS: "--max-old-space-size=64" };
    const cwd = mkdtempSync(`${tmpdir()}/shipledger-cli-`);
    const table = await runCliProcess(["inbox"], { env, cwd });
    expect(table).toMatchObject({ code: 0, stderr: "" });
    expect(table.stdout.split("\n")[0]).toBe("inbox: 0 pending, 0 processing, 4 failed, 0 done");
    const json = await runCliProcess(["inbox", "--json"], { env, cwd });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { deliveries: unknown[] }).deliveries).toHaveLength(4);
  });
});

it.each([
  [
    ["inbox", "list", "--status", "lost"],
    2,
    'shipledger inbox: --status "lost" is not one of pending, processing, done, failed\n',
  ],
  [["inbox", "retry"], 2, "shipledger inbox retry: give delivery ids or --failed"],
  [["inbox", "frobnicate"], 2, 'shipledger inbox: unknown subcommand "frobnicate"'],
  [["deploy"], 2, 'shipledger: unknown command "deploy"'],
  [["migrate", "now"], 2, "shipledger migrate: takes no arguments"],
])("cli: %j fails with a clear line", async (argv, code, message) => {
  const c = cli({ DATABASE_URL: ":memory:" });
  expect(await runCli(argv, c.io)).toBe(code);
  expect(c.err().startsWith(message)).toBe(true);
});

it("cli: a bad DATABASE_URL is one clear line", async () => {
  const c = cli({ DATABASE_URL: "mysql://root:pw@db/x" });
  expect(await runCli(["inbox"], c.io)).toBe(1);
  expect(c.err()).toBe(
    'shipledger inbox: DATABASE_URL: unsupported scheme in "mysql://root:***@db/x"; expected postgres://…, file:PATH, a file path or :memory:\n',
  );
});

describe("shipledger inbox list: what it refuses, naming it (exit 2)", () => {
  it.each([
    [["inbox", "list", "failed"], 'inbox list: unexpected "failed" (statuses go in --status)'],
    [["inbox", "list", "--installation", ""], '--installation expects an installation id (digits), got ""'],
    [["inbox", "list", "--installation", "12abc"], '--installation expects an installation id (digits), got "12abc"'],
    [
      ["inbox", "list", "--limit", "99999999999999999999"],
      '--limit expects a number from 1 to 100000, got "99999999999999999999"',
    ],
    [["inbox", "list", "--limit", "1e3"], '--limit expects a number from 1 to 100000, got "1e3"'],
    [["inbox", "list", "--limit", "0"], '--limit expects a number from 1 to 100000, got "0"'],
  ])("%j", async (argv, message) => {
    const c = captureCli({ DATABASE_URL: ":memory:" }, { now: () => 0 });
    expect({ code: await runCli(argv, c.io), err: c.err() }).toEqual({
      code: 2,
      err: expect.stringContaining(message),
    });
  });
});

describe("shipledger inbox: a DATABASE_URL that is not a ledger", () => {
  it("names the file when it is not an SQLite database (exit 1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shipledger-inbox-"));
    const file = join(dir, "notes.txt");
    writeFileSync(file, "these are my notes, not a ledger\n".repeat(200));
    const c = captureCli({ DATABASE_URL: file }, { cwd: dir });
    expect({ code: await runCli(["inbox"], c.io), err: c.err() }).toEqual({
      code: 1,
      err: `shipledger inbox: DATABASE_URL: cannot open SQLite database ${file}: file is not a database\n`,
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
