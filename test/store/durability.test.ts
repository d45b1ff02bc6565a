// The SQLite ledger (the default) commits durably: WAL with synchronous = FULL, so a delivery the
// intake answered 200 survives a power loss or an OS crash. Under NORMAL, SQLite may roll the last
// commits back then, and GitHub, told 200, would not send them again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";

it("the SQLite ledger commits a delivery durably before the 200 (synchronous = FULL in WAL mode)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shipledger-durable-"));
  const store = await openStore(`file:${join(dir, "ledger.db")}`);
  try {
    const driver = (store.inbox as unknown as { driver: { rows(q: unknown): Promise<Record<string, unknown>[]> } })
      .driver;
    const [mode] = await driver.rows(sql`PRAGMA journal_mode`);
    const [sync] = await driver.rows(sql`PRAGMA synchronous`);
    // 2 = FULL, 1 = NORMAL
    expect({ journal: mode?.journal_mode, synchronous: sync?.synchronous }).toEqual({ journal: "wal", synchronous: 2 });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
