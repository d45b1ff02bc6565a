// What the store's modules share: the connected dialect's driver and drizzle handles, and the one
// spelling that differs between the dialects for a text comparison.

import { type SQL, sql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type * as schema from "./schema.sqlite.js";
import type { Dialect } from "./types.js";

/**
 * Runs raw SQL in the connected dialect. Everything that the two dialects spell the same way goes
 * through drizzle's query builder in LedgerStore; only statements that differ go through here.
 */
export interface DialectDriver {
  readonly dialect: Dialect;
  /** Rows of a statement, with column names as the database returns them (snake_case). */
  rows(query: SQL): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Both dialect schemas declare the same tables, columns and TypeScript row shapes (asserted by a
 * test), and drizzle's builders for SQLite and Postgres share the calls used here. So one
 * implementation serves both: Postgres' drizzle instance and tables are passed in under the SQLite
 * types.
 */
export type LedgerDb = BetterSQLite3Database<typeof schema>;
export type LedgerSchema = typeof schema;

/** Text compared by code unit in both dialects (Postgres' default collation is the locale's). */
export function collated(dialect: Dialect, column: SQL.Aliased | unknown): SQL {
  return dialect === "postgres" ? sql`${column} COLLATE "C"` : sql`${column}`;
}

/**
 * What each of the store's modules (one per aggregate) works with: the connection's drizzle
 * handle, its tables, and the driver for the few statements the dialects spell differently.
 */
export abstract class StoreModule {
  readonly dialect: Dialect;
  protected readonly db: LedgerDb;
  protected readonly t: LedgerSchema;
  protected readonly driver: DialectDriver;

  constructor(db: LedgerDb, tables: LedgerSchema, driver: DialectDriver) {
    this.dialect = driver.dialect;
    this.db = db;
    this.t = tables;
    this.driver = driver;
  }
}
