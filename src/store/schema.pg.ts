// PostgreSQL schema of the ledger. Keep in step with schema.sqlite.ts: test/store/schema-parity.test.ts
// asserts that both dialects declare the same tables and columns.
import { bigint, boolean, index, integer, pgTable, text } from "drizzle-orm/pg-core";

const ms = (name: string) => bigint(name, { mode: "number" });

export const installations = pgTable("installations", {
  id: bigint("id", { mode: "number" }).primaryKey(),
  accountLogin: text("account_login").notNull(),
  accountType: text("account_type").notNull(),
  suspendedAt: ms("suspended_at"),
  deletedAt: ms("deleted_at"),
  createdAt: ms("created_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
});

export const repositories = pgTable(
  "repositories",
  {
    id: bigint("id", { mode: "number" }).primaryKey(),
    installationId: bigint("installation_id", { mode: "number" })
      .notNull()
      .references(() => installations.id),
    fullName: text("full_name").notNull(),
    defaultBranch: text("default_branch"),
    private: boolean("private").notNull(),
    removedAt: ms("removed_at"),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [index("repositories_installation_idx").on(t.installationId)],
);

export const deliveries = pgTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    event: text("event").notNull(),
    action: text("action"),
    installationId: bigint("installation_id", { mode: "number" }),
    repositoryId: bigint("repository_id", { mode: "number" }),
    repositoryFullName: text("repository_full_name"),
    receivedAt: ms("received_at").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "processing", "done", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: ms("next_attempt_at").notNull(),
    lockedBy: text("locked_by"),
    lockedAt: ms("locked_at"),
    lastError: text("last_error"),
    completedAt: ms("completed_at"),
  },
  (t) => [
    index("deliveries_status_next_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_installation_idx").on(t.installationId),
  ],
);
