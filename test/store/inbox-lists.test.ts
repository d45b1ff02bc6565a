// The inbox's lists (`shipledger inbox`, the dashboard's status page): rows without their payloads
// (up to 25 MB each), and an installation's deliveries by status read through its index, never
// through its history of done deliveries (kept for good: the table only grows).
import Database from "better-sqlite3";
import { afterEach, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { NewDelivery } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

const delivery = (id: string, over: Partial<NewDelivery> = {}): NewDelivery => ({
  id,
  event: "pull_request",
  action: "opened",
  installationId: 7,
  repositoryId: 70,
  repositoryFullName: "acme/api",
  receivedAt: T0,
  payload: JSON.stringify({ action: "opened", number: 1 }),
  ...over,
});

afterEach(() => {
  vi.restoreAllMocks();
});

eachDialect("store: the inbox's lists", ({ newStore }) => {
  it("lists deliveries without their payloads; getDelivery reads one whole", async () => {
    const store = await newStore();
    await store.inbox.enqueueDelivery(delivery("d1"));
    const [listed] = await store.inbox.listDeliveries({ installationId: 7, statuses: ["pending"] });
    expect(listed).toMatchObject({ id: "d1", status: "pending", attempts: 0, receivedAt: T0 });
    expect(listed).not.toHaveProperty("payload");
    expect(JSON.parse((await store.inbox.getDelivery("d1"))?.payload ?? "")).toEqual({ action: "opened", number: 1 });
  });
});

it("reads an installation's deliveries by status through its index, not its done ones (SQLite)", async () => {
  // In SQLite a row's status lies after its payload: checking it on a row means reading the row
  // whole. The query the status page runs, as the driver is given it:
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const path = `${mkdtempSync(`${tmpdir()}/shipledger-db-`)}/ledger.db`;
  const store = await openStore(`file:${path}`);
  const prepared: string[] = [];
  const prepare = Database.prototype.prepare;
  vi.spyOn(Database.prototype, "prepare").mockImplementation(function (this: Database.Database, source: string) {
    prepared.push(source);
    return prepare.call(this, source);
  });
  try {
    await store.inbox.listDeliveries({ statuses: ["pending", "processing"], installationId: 7, limit: 1000 });
  } finally {
    vi.restoreAllMocks();
    await store.close();
  }
  const query = prepared.find((s) => /from "deliveries"/.test(s) && /"installation_id" = \?/.test(s));
  expect(query).toBeDefined();
  const db = new Database(path, { readonly: true });
  try {
    const params = Array.from({ length: (query?.match(/\?/g) ?? []).length }, () => 1);
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as { detail: string }[];
    expect(plan.map((p) => p.detail).join("\n")).toContain(
      "USING INDEX deliveries_installation_status_idx (installation_id=? AND status=?)",
    );
  } finally {
    db.close();
  }
});
