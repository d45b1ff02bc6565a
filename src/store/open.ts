import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { SQL } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { packageRoot } from "../util/package-root.js";
import { type DatabaseTarget, parseDatabaseUrl, redactUrl } from "./database-url.js";
import type { LedgerDb, LedgerSchema } from "./dialect.js";
import { LedgerStore } from "./ledger-store.js";
import * as pgSchema from "./schema.pg.js";
import * as sqliteSchema from "./schema.sqlite.js";
import type { Store } from "./types.js";

export interface OpenStoreOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  cwd?: string;
  /**
   * The app's own ledger (startApp): an SQLite file is held by one app at a time, and a second app
   * on it is refused (the CLI opens it beside the app without this). No effect on Postgres.
   */
  instance?: boolean;
}

// Any number fixed for this project: instances that start together take turns migrating.
const MIGRATION_LOCK_KEY = 0x5e1ed6e7;

export function migrationsFolder(dialect: "sqlite" | "postgres"): string {
  return join(packageRoot(), "drizzle", dialect === "sqlite" ? "sqlite" : "pg");
}

/** Opens the ledger named by DATABASE_URL (see parseDatabaseUrl) and applies its migrations. */
export async function openStore(databaseUrl: string | undefined, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl, options.cwd);
  return openTarget(target, options.migrate ?? true, options.instance ?? false);
}

async function openTarget(target: DatabaseTarget, migrate: boolean, instance: boolean): Promise<Store> {
  if (target.dialect === "sqlite") return openSqlite(target.path, migrate, instance);
  return openPostgres(target.url, migrate);
}

/**
 * One app per SQLite ledger. A start takes back every claim the inbox holds (its predecessor's,
 * interrupted) and frees every backfill lease, so a second app on the same file would run the
 * first one's deliveries in hand again, and both would read the same backfill. The lock is an
 * SQLite file beside the ledger, held exclusively while the app runs: the system frees it when the
 * process ends, however it ends (kill -9 included), so a restart is never refused.
 */
function lockSqliteLedger(path: string): Database.Database {
  let lock: Database.Database | undefined;
  try {
    lock = new Database(`${path}-lock`, { timeout: 0 });
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.pragma("journal_mode = MEMORY");
    // The first write takes the exclusive lock, and in this mode it is kept until the connection closes.
    lock.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;");
    lock.prepare("INSERT INTO holder (pid) VALUES (?)").run(process.pid);
    return lock;
  } catch (error) {
    lock?.close();
    if (String((error as { code?: unknown }).code).startsWith("SQLITE_BUSY")) {
      throw new Error(
        `DATABASE_URL: the SQLite ledger ${path} is in use by another Shipledger process; one app runs on an SQLite file (run several instances on PostgreSQL)`,
      );
    }
    throw new Error(`DATABASE_URL: cannot lock the SQLite ledger ${path}: ${(error as Error).message}`);
  }
}

function openSqlite(path: string, migrate: boolean, instance: boolean): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const lock = instance && path !== ":memory:" ? lockSqliteLedger(path) : null;
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (error) {
    lock?.close();
    throw new Error(`DATABASE_URL: cannot open SQLite database ${path}: ${(error as Error).message}`);
  }
  try {
    // The first read of the file: one that is not an SQLite database fails here.
    if (path !== ":memory:") sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("busy_timeout = 5000");
    // FULL: a commit is on disk when it returns, so a delivery answered 200 survives a power loss or
    // an OS crash (NORMAL, in WAL mode, may roll the last commits back then; GitHub, told 200, would
    // not send them again). The intake commits deliveries in groups, so this costs one sync a group.
    sqlite.pragma("synchronous = FULL");
  } catch (error) {
    sqlite.close();
    lock?.close();
    throw new Error(`DATABASE_URL: cannot open SQLite database ${path}: ${(error as Error).message}`);
  }
  const db = drizzleSqlite(sqlite, { schema: sqliteSchema });
  if (migrate) {
    try {
      // Migrations that rebuild a table (SQLite cannot alter a column) must not cascade-delete the
      // rows that reference it, so they run with foreign keys off; the result is checked after.
      sqlite.pragma("foreign_keys = OFF");
      migrateSqlite(db, { migrationsFolder: migrationsFolder("sqlite") });
      const violations = sqlite.pragma("foreign_key_check") as unknown[];
      if (violations.length > 0) throw new Error(`migration left ${violations.length} foreign key violations`);
    } catch (error) {
      sqlite.close();
      lock?.close();
      throw new Error(`DATABASE_URL: cannot migrate SQLite database ${path}: ${(error as Error).message}`);
    }
  }
  sqlite.pragma("foreign_keys = ON");
  return new LedgerStore(db, sqliteSchema, {
    dialect: "sqlite",
    async rows(query: SQL) {
      return db.all<Record<string, unknown>>(query);
    },
    async close() {
      if (sqlite.open) sqlite.close();
      if (lock?.open) lock.close();
    },
  });
}

async function openPostgres(url: string, migrate: boolean): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on("error", () => {});
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`DATABASE_URL: cannot connect to ${redactUrl(url)}: ${(error as Error).message}`);
  }
  try {
    if (migrate) {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      try {
        await migratePg(drizzlePg(client), { migrationsFolder: migrationsFolder("postgres") });
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      }
    }
  } finally {
    client.release();
  }
  const db = drizzlePg(pool, { schema: pgSchema });
  return new LedgerStore(db as unknown as LedgerDb, pgSchema as unknown as LedgerSchema, {
    dialect: "postgres",
    async rows(query: SQL) {
      const result = await db.execute(query);
      return result.rows as Record<string, unknown>[];
    },
    async close() {
      await pool.end();
    },
  });
}
