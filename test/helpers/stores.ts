// Runs a store suite against both dialects: in-memory SQLite, and a fresh database on the
// throwaway Postgres server started by test/global-setup.ts.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, inject } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";

export interface DialectCase {
  dialect: "sqlite" | "postgres";
  /** A fresh, migrated, empty store; closed after the test. */
  newStore(): Promise<Store>;
  /** A DATABASE_URL for a fresh empty database that other processes can open (a file for SQLite). */
  newDatabaseUrl(): Promise<string>;
}

const postgresUrl = () => inject("postgresUrl");

/** Creates an empty database on the test cluster and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const base = postgresUrl();
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export function eachDialect(title: string, suite: (c: DialectCase) => void): void {
  for (const dialect of ["sqlite", "postgres"] as const) {
    const enabled = dialect === "sqlite" || postgresUrl() !== "";
    const describeIt = enabled ? describe : describe.skip;
    describeIt(`${title} [${dialect}]`, () => {
      const open: Store[] = [];
      afterEach(async () => {
        await Promise.all(open.splice(0).map((s) => s.close()));
      });
      const newDatabaseUrl = async () =>
        dialect === "sqlite"
          ? `file:${join(mkdtempSync(join(tmpdir(), "shipledger-db-")), "ledger.db")}`
          : createPostgresDatabase();
      suite({
        dialect,
        newDatabaseUrl,
        async newStore() {
          const store = await openStore(dialect === "sqlite" ? ":memory:" : await newDatabaseUrl());
          open.push(store);
          return store;
        },
      });
    });
  }
}
