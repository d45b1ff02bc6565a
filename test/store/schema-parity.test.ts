import { getTableColumns, getTableName, is, Table } from "drizzle-orm";
import { getTableConfig as pgTableConfig } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteTableConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as pgSchema from "../../src/store/schema.pg.js";
import * as sqliteSchema from "../../src/store/schema.sqlite.js";

function describeSchema(schema: Record<string, unknown>, kind: "pg" | "sqlite") {
  const tables: Record<string, unknown> = {};
  for (const value of Object.values(schema)) {
    if (!is(value, Table)) continue;
    const columns = getTableColumns(value);
    const config = kind === "pg" ? pgTableConfig(value as never) : sqliteTableConfig(value as never);
    tables[getTableName(value)] = {
      columns: Object.fromEntries(
        Object.entries(columns).map(([key, c]) => [
          key,
          {
            name: c.name,
            notNull: c.notNull,
            primary: c.primary,
            dataType: c.dataType === "bigint" ? "number" : c.dataType,
          },
        ]),
      ),
      indexes: config.indexes.map((i) => i.config.name).sort(),
      foreignKeys: config.foreignKeys.map((fk) => fk.getName()).sort(),
    };
  }
  return tables;
}

describe("store: schema parity", () => {
  it("declares the same tables, columns, indexes and foreign keys in both dialects", () => {
    const pg = describeSchema(pgSchema, "pg");
    const sqlite = describeSchema(sqliteSchema, "sqlite");
    expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
    expect(pg).toEqual(sqlite);
    expect(Object.keys(pg)).toContain("deliveries");
  });
});
