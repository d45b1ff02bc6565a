// A ledger made by an earlier version (its migrations only) opens with this one: every later
// migration applies on top, and nothing recorded before is lost.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { expect, it } from "vitest";
import { classifyStoredEvidence } from "../../src/ledger/classify-evidence.js";
import { buildReport, INSTANCE_METRIC_DEFAULTS, reportOptions, resolveScope } from "../../src/metrics/report.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { migrationsFolder, openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { eachDialect } from "../helpers/stores.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

/** A copy of the migrations folder holding only the first `count` migrations (an earlier release). */
function earlierMigrations(dialect: "sqlite" | "postgres", count: number): string {
  const source = migrationsFolder(dialect);
  const journal = JSON.parse(readFileSync(join(source, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  const folder = mkdtempSync(join(tmpdir(), "shipledger-migrations-"));
  mkdirSync(join(folder, "meta"));
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(join(folder, "meta/_journal.json"), JSON.stringify(journal));
  for (const { tag } of journal.entries) cpSync(join(source, `${tag}.sql`), join(folder, `${tag}.sql`));
  return folder;
}

// The rows of the first release's schema, written as it wrote them.
const ROWS = [
  `INSERT INTO installations (id, account_login, account_type, created_at, updated_at) VALUES (1, 'acme', 'Organization', ${NOW - 60 * DAY}, ${NOW - 60 * DAY})`,
  `INSERT INTO repositories (id, installation_id, full_name, default_branch, private, updated_at) VALUES (10, 1, 'acme/shop', 'main', FALSE, ${NOW - 60 * DAY})`,
  ...[1, 2, 3].map(
    (n) =>
      `INSERT INTO changes (installation_id, repository_id, number, title, author_login, author_type, bot_change, head_ref, head_sha, base_ref, state, opened_at, merged_at, engineer, first_commit_at, paths, paths_complete, shipped_deployment_id, shipped_at, deployable, ai, agents, models, sessions, evidence, commits_total, commits_ai, attributed_sha, updated_at) ` +
      `VALUES (1, 10, ${n}, 'Change ${n}', 'ann', 'User', FALSE, 'b${n}', '${String(n).repeat(40)}', 'main', 'merged', ${NOW - (10 + n) * DAY}, ${NOW - (9 + n) * DAY}, 'ann', ${NOW - (10 + n) * DAY}, '["src/a.ts"]', TRUE, NULL, NULL, TRUE, ${n === 1 ? "TRUE" : "FALSE"}, '${n === 1 ? '["claude-code"]' : "[]"}', '[]', '[]', '[]', 1, ${n === 1 ? 1 : 0}, '${String(n).repeat(40)}', ${NOW - 9 * DAY})`,
  ),
  `INSERT INTO deployments (installation_id, repository_id, environment, source, source_key, sha, ref, succeeded_at, succeeded_at_exact, outcome, previous_sha, url, updated_at) ` +
    `VALUES (1, 10, 'production', 'deployment', 'deployment:5', '${"4".repeat(40)}', 'main', ${NOW - 8 * DAY}, TRUE, 'baseline', NULL, NULL, ${NOW - 8 * DAY})`,
];

eachDialect("store: upgrading a ledger made by the first release", ({ dialect, newDatabaseUrl }) => {
  it("applies the later migrations on top and keeps every row", async () => {
    const url = await newDatabaseUrl();
    const target = parseDatabaseUrl(url);
    const first = earlierMigrations(dialect, 1);
    if (target.dialect === "sqlite") {
      const sqlite = new Database(target.path);
      migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder: first });
      // SQLite spells booleans 1 and 0.
      for (const row of ROWS) sqlite.exec(row.replaceAll("TRUE", "1").replaceAll("FALSE", "0"));
      const columns = sqlite.prepare("PRAGMA table_info(installations)").all() as { name: string }[];
      expect(columns.map((c) => c.name)).not.toContain("min_group_size"); // truly the first release's schema
      sqlite.close();
    } else {
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      await migratePg(drizzlePg(client), { migrationsFolder: first });
      for (const row of ROWS) await client.query(row);
      const { rows } = await client.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'installations'",
      );
      expect(rows.map((r) => r.column_name)).not.toContain("min_group_size"); // truly the first release's schema
      await client.end();
    }

    const store = await openStore(url); // this release: the remaining migrations apply
    try {
      expect(await store.installations.getInstallation(1)).toMatchObject({ accountLogin: "acme", minGroupSize: null });
      expect(await store.installations.listRepositories(1)).toMatchObject([
        { fullName: "acme/shop", metricSettings: null },
      ]);
      const rows = await store.reports.listReportChanges({ installationId: 1 }, NOW - 28 * DAY, NOW, { paths: true });
      expect(rows.map((r) => [r.number, r.ai, r.agents, r.paths])).toEqual([
        [1, true, ["claude-code"], ["src/a.ts"]],
        [2, false, [], ["src/a.ts"]],
        [3, false, [], ["src/a.ts"]],
      ]);
      // A deployment linked before `settled_at` existed counts as linked and reported when last written.
      expect(await store.deployments.findDeployment(1, 10, "deployment:5")).toMatchObject({
        settledAt: NOW - 8 * DAY,
        reportedAt: NOW - 8 * DAY,
      });
      // And the new columns take writes.
      await store.installations.recordInstallationMinGroupSize(1, 8, NOW);
      await store.installations.recordRepositorySettings(
        1,
        10,
        { revertWindowDays: 30, ignorePaths: ["docs/**"] },
        NOW,
      );
      const scope = await resolveScope(store, { repo: "acme/shop" });
      const options = await reportOptions(store, scope, INSTANCE_METRIC_DEFAULTS, NOW);
      expect(options).toMatchObject({ minGroupSize: 8, revertWindowDays: 30, ignorePaths: ["docs/**"] });
      const report = await buildReport(store, scope, { since: NOW - 28 * DAY, until: NOW }, options);
      expect(report.activeEngineers).toBe(1);
    } finally {
      await store.close();
    }
  });
});

/** A new database migrated with the first `count` migrations, holding `rows` as that release wrote them. */
async function ledgerMigratedTo(
  dialect: "sqlite" | "postgres",
  newDatabaseUrl: () => Promise<string>,
  count: number,
  rows: readonly string[],
): Promise<string> {
  const url = await newDatabaseUrl();
  const target = parseDatabaseUrl(url);
  const before = earlierMigrations(dialect, count);
  if (target.dialect === "sqlite") {
    const sqlite = new Database(target.path);
    migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder: before });
    // SQLite spells booleans 1 and 0.
    for (const row of rows) sqlite.exec(row.replaceAll("TRUE", "1").replaceAll("FALSE", "0"));
    sqlite.close();
  } else {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await migratePg(drizzlePg(client), { migrationsFolder: before });
    for (const row of rows) await client.query(row);
    await client.end();
  }
  return url;
}

/** Each reported change of installation 1: its number and its evidence strength. */
async function evidenceStrengths(store: Store) {
  return (await store.reports.listReportChanges({ installationId: 1 }, NOW - 28 * DAY, NOW)).map((r) => [
    r.number,
    r.aiEvidence,
  ]);
}

// Changes recorded by the release before the evidence strength was kept (migrations 0000–0006).
const TRAILER = { agent: "claude-code", marker: "claude-code/co-author", source: "trailer", text: "x" };
const BRANCH = { agent: "claude-code", marker: "claude-code/branch", source: "branch", text: "claude/x" };
const EVIDENCE: Record<number, { ai: boolean; evidence: unknown[] }> = {
  1: { ai: true, evidence: [TRAILER] },
  2: { ai: true, evidence: [BRANCH] },
  3: { ai: true, evidence: [BRANCH, TRAILER] },
  4: { ai: false, evidence: [] },
  5: { ai: true, evidence: [BRANCH] },
};
const SHIPPED_ROWS = [
  `INSERT INTO installations (id, account_login, account_type, created_at, updated_at) VALUES (1, 'acme', 'Organization', ${NOW - 60 * DAY}, ${NOW - 60 * DAY})`,
  `INSERT INTO repositories (id, installation_id, full_name, default_branch, private, updated_at) VALUES (10, 1, 'acme/shop', 'main', FALSE, ${NOW - 60 * DAY})`,
  ...Object.entries(EVIDENCE).map(
    ([n, { ai, evidence }]) =>
      `INSERT INTO changes (installation_id, repository_id, number, title, author_login, author_type, bot_change, head_ref, head_sha, base_ref, state, opened_at, merged_at, engineer, first_commit_at, paths, paths_complete, shipped_deployment_id, shipped_at, deployable, ai, agents, models, sessions, evidence, commits_total, commits_ai, attributed_sha, updated_at) ` +
      `VALUES (1, 10, ${n}, 'Change ${n}', 'ann', 'User', FALSE, 'b${n}', '${n.repeat(40)}', 'main', 'merged', ${NOW - 11 * DAY}, ${NOW - 10 * DAY}, 'eng${n}', ${NOW - 11 * DAY}, '[]', FALSE, ${n}, ${NOW - 9 * DAY}, TRUE, ${ai ? "TRUE" : "FALSE"}, '${ai ? '["claude-code"]' : "[]"}', '[]', '[]', '${JSON.stringify(evidence)}', 1, ${ai ? 1 : 0}, '${n.repeat(40)}', ${NOW - 9 * DAY})`,
  ),
];

eachDialect("store: upgrading a ledger made before evidence strengths were kept", ({ dialect, newDatabaseUrl }) => {
  /** A database migrated to 0006 holding SHIPPED_ROWS, as the previous release left it. */
  const ledgerBefore0007 = () => ledgerMigratedTo(dialect, newDatabaseUrl, 7, SHIPPED_ROWS); // 0000–0006

  it("classifies the changes recorded before 0007 before a report reads them", async () => {
    const store = await openStore(await ledgerBefore0007());
    try {
      const strengths = () => evidenceStrengths(store);
      // Migrated, not classified: the mapping lives in code, not in the migration.
      expect(await strengths()).toEqual([
        [1, null],
        [2, null],
        [3, null],
        [4, null],
        [5, null],
      ]);
      expect((await store.changes.listUnclassifiedChanges(1, 10)).map((r) => r.id)).toHaveLength(4);
      // Another installation's rows are its own reports' business.
      expect(await classifyStoredEvidence(store, 2)).toBe(0);

      // A report classifies them (in batches) before it reads, so explicit-only counts are right at once.
      const scope = await resolveScope(store, { repo: "acme/shop" });
      const options = { ...INSTANCE_METRIC_DEFAULTS, minGroupSize: 1, now: NOW, evidence: "explicit" as const };
      const report = await buildReport(store, scope, { since: NOW - 28 * DAY, until: NOW }, options);
      expect(report).toMatchObject({
        changesShipped: 5,
        aiChangesShipped: 2, // #1 and #3
        evidence: { basis: "explicit", leftOut: 2 }, // #2 and #5: a branch name alone
      });
      expect(await strengths()).toEqual([
        [1, "explicit"],
        [2, "circumstantial"],
        [3, "explicit"],
        [4, null],
        [5, "circumstantial"],
      ]);
      expect(await store.changes.listUnclassifiedChanges(1, 10)).toEqual([]);
      expect(await classifyStoredEvidence(store, 1)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("classifies in batches of any size", async () => {
    const store = await openStore(await ledgerBefore0007());
    try {
      expect(await classifyStoredEvidence(store, 1, 1)).toBe(4);
      expect(await store.changes.listUnclassifiedChanges(1, 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

// Changes recorded before the spend join indexed the sessions they name (migrations 0000–0007).
const SESSION_ROWS = [
  SHIPPED_ROWS[0] as string,
  SHIPPED_ROWS[1] as string,
  ...[
    [1, '[{"agent":"claude-code","id":"session_01AbCd","url":"https://claude.ai/code/session_01AbCd"}]'],
    [2, '[{"agent":"generic","id":" 7D8E5A6C-1B2C-4D3E-8F9A-0B1C2D3E4F50 "},{"agent":"amp","id":"T-1"}]'],
    [3, "[]"],
    [4, '[{"agent":"generic","id":""}]'],
  ].map(
    ([n, sessions]) =>
      `INSERT INTO changes (installation_id, repository_id, number, title, author_login, author_type, bot_change, head_ref, head_sha, base_ref, state, opened_at, merged_at, engineer, first_commit_at, paths, paths_complete, deployable, ai, agents, models, sessions, evidence, commits_total, commits_ai, attributed_sha, updated_at) ` +
      `VALUES (1, 10, ${n}, 'Change ${n}', 'ann', 'User', FALSE, 'b${n}', '${String(n).repeat(40)}', 'main', 'merged', ${NOW - 11 * DAY}, ${NOW - 10 * DAY}, 'ann', ${NOW - 11 * DAY}, '[]', FALSE, TRUE, TRUE, '["claude-code"]', '[]', '${sessions}', '[]', 1, 1, '${String(n).repeat(40)}', ${NOW - 9 * DAY})`,
  ),
];

eachDialect("store: upgrading a ledger made before spend was joined to sessions", ({ dialect, newDatabaseUrl }) => {
  it("indexes the sessions every existing change names, as recordChange would", async () => {
    const url = await ledgerMigratedTo(dialect, newDatabaseUrl, 8, SESSION_ROWS); // 0000–0007
    const store = await openStore(url);
    try {
      const facts = await store.spend.listSessionChanges(1, [
        "session_01abcd",
        "7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50",
        "t-1",
        "",
      ]);
      const numbers = new Map(
        (
          await store.changes.getChanges(
            1,
            facts.map((f) => f.changeId),
          )
        ).map((c) => [c.id, c.number]),
      );
      expect(facts.map((f) => [f.sessionKey, numbers.get(f.changeId)]).sort()).toEqual([
        ["7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50", 2],
        ["session_01abcd", 1],
        ["t-1", 2],
      ]);
    } finally {
      await store.close();
    }
  });
});

// Spend stored by the release before the session bound had its own table (migrations 0000–0008).
const POINT_ROWS = [
  `INSERT INTO installations (id, account_login, account_type, created_at, updated_at) VALUES (1, 'acme', 'Organization', ${NOW - 60 * DAY}, ${NOW - 60 * DAY})`,
  ...[
    ["s-1", "a", NOW + 1_000],
    ["s-1", "b", NOW + 2_000],
    ["s-2", "a", NOW + 3_000],
    ["s-1", "a", NOW + DAY + 1_000],
    [null, "c", NOW + 5_000],
  ].map(
    ([session, series, at], i) =>
      `INSERT INTO ai_usage_points (installation_id, series, start_ns, time_ns, agent, session_id, session_key, model, measure, value, temporality, at, source, received_at) ` +
      `VALUES (1, '${series}', '${String(i).padStart(20, "0")}', '${String(i).padStart(20, "0")}', 'claude-code', ${session ? `'${session}'` : "NULL"}, ${session ? `'${session}'` : "NULL"}, NULL, 'input', 1, 'delta', ${at}, 'otlp', ${at})`,
  ),
];

eachDialect(
  "store: upgrading a ledger made before the sessions of each day were kept",
  ({ dialect, newDatabaseUrl }) => {
    it("counts the sessions of the points already stored, day by day", async () => {
      const url = await ledgerMigratedTo(dialect, newDatabaseUrl, 9, POINT_ROWS); // 0000–0008
      const store = await openStore(url);
      try {
        expect(await store.spend.sessionsOnDay(1, NOW)).toEqual(new Set(["s-1", "s-2"]));
        expect(await store.spend.countSessionsOnDay(1, NOW)).toBe(2);
        expect(await store.spend.knownSessionsOnDay(1, NOW + DAY, ["s-1", "s-2"])).toEqual(new Set(["s-1"]));
        expect(await store.spend.countSessionsOnDay(1, NOW + 2 * DAY)).toBe(0);
      } finally {
        await store.close();
      }
    });
  },
);

// Records of authorship graded circumstantial by the release before 0010 (migrations 0000–0009).
const GRADED_ROWS = [
  SHIPPED_ROWS[0] as string,
  SHIPPED_ROWS[1] as string,
  ...(
    [
      [
        "1",
        "circumstantial",
        [{ agent: "cursor", marker: "git-ai/note", source: "git-ai", text: "git-ai cursor 4 lines" }],
      ],
      [
        "2",
        "circumstantial",
        [{ agent: "claude-code", marker: "agent-trace/record", source: "agent-trace", text: "x" }],
      ],
      [
        "3",
        "circumstantial",
        [{ agent: "claude-code", marker: "claude-code/branch", source: "branch", text: "claude/x" }],
      ],
      ["4", "explicit", [{ agent: "claude-code", marker: "claude-code/co-author", source: "trailer", text: "x" }]],
    ] as const
  ).map(
    ([n, grade, evidence]) =>
      `INSERT INTO changes (installation_id, repository_id, number, title, author_login, author_type, bot_change, head_ref, head_sha, base_ref, state, opened_at, merged_at, engineer, first_commit_at, paths, paths_complete, shipped_deployment_id, shipped_at, deployable, ai, ai_evidence, agents, models, sessions, evidence, commits_total, commits_ai, attributed_sha, updated_at) ` +
      `VALUES (1, 10, ${n}, 'Change ${n}', 'ann', 'User', FALSE, 'b${n}', '${n.repeat(40)}', 'main', 'merged', ${NOW - 11 * DAY}, ${NOW - 10 * DAY}, 'eng${n}', ${NOW - 11 * DAY}, '[]', FALSE, ${n}, ${NOW - 9 * DAY}, TRUE, TRUE, '${grade}', '["claude-code"]', '[]', '[]', '${JSON.stringify(evidence)}', 1, 1, '${n.repeat(40)}', ${NOW - 9 * DAY})`,
  ),
];

eachDialect(
  "store: upgrading a ledger that graded records of authorship circumstantial",
  ({ dialect, newDatabaseUrl }) => {
    it("grades again the changes whose evidence holds a record, and only those", async () => {
      const url = await ledgerMigratedTo(dialect, newDatabaseUrl, 10, GRADED_ROWS); // 0000–0009
      const store = await openStore(url);
      try {
        const strengths = () => evidenceStrengths(store);
        expect(await strengths()).toEqual([
          [1, null],
          [2, null],
          [3, "circumstantial"],
          [4, "explicit"],
        ]);
        expect(await classifyStoredEvidence(store, 1)).toBe(2);
        expect(await strengths()).toEqual([
          [1, "explicit"],
          [2, "explicit"],
          [3, "circumstantial"],
          [4, "explicit"],
        ]);
      } finally {
        await store.close();
      }
    });
  },
);
