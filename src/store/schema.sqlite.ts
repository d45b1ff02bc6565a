// SQLite schema of the ledger. Keep in step with schema.pg.ts: test/store/schema-parity.test.ts
// asserts that both dialects declare the same tables and columns.
// Times are epoch milliseconds in both dialects so that rows have one TypeScript shape.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const installations = sqliteTable("installations", {
  id: integer("id", { mode: "number" }).primaryKey(),
  accountLogin: text("account_login").notNull(),
  accountType: text("account_type").notNull(),
  suspendedAt: integer("suspended_at", { mode: "number" }),
  deletedAt: integer("deleted_at", { mode: "number" }),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
  updatedAt: integer("updated_at", { mode: "number" }).notNull(),
});

export const repositories = sqliteTable(
  "repositories",
  {
    id: integer("id", { mode: "number" }).primaryKey(),
    installationId: integer("installation_id", { mode: "number" })
      .notNull()
      .references(() => installations.id),
    fullName: text("full_name").notNull(),
    defaultBranch: text("default_branch"),
    private: integer("private", { mode: "boolean" }).notNull(),
    removedAt: integer("removed_at", { mode: "number" }),
    updatedAt: integer("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [index("repositories_installation_idx").on(t.installationId)],
);

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    event: text("event").notNull(),
    action: text("action"),
    installationId: integer("installation_id", { mode: "number" }),
    repositoryId: integer("repository_id", { mode: "number" }),
    repositoryFullName: text("repository_full_name"),
    receivedAt: integer("received_at", { mode: "number" }).notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "processing", "done", "failed"] }).notNull(),
    attempts: integer("attempts", { mode: "number" }).notNull(),
    nextAttemptAt: integer("next_attempt_at", { mode: "number" }).notNull(),
    lockedBy: text("locked_by"),
    lockedAt: integer("locked_at", { mode: "number" }),
    lastError: text("last_error"),
    completedAt: integer("completed_at", { mode: "number" }),
  },
  (t) => [
    index("deliveries_status_next_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_installation_idx").on(t.installationId),
  ],
);
