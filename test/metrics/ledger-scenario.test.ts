// The hand-computed scenario (test/metrics/scenario.ts) through the ledger: its changes are
// written with the store, their fates set as the linking would have set them, and the report is
// read back with the same query the CLI and the API use — on SQLite and on Postgres.
import Database from "better-sqlite3";
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import pg from "pg";
import { expect, it } from "vitest";
import { buildReport, resolveScope } from "../../src/metrics/report.js";
import { unclassifiedQuery } from "../../src/store/changes.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { openStore } from "../../src/store/open.js";
import { reportQuery } from "../../src/store/reports.js";
import { eachDialect } from "../helpers/stores.js";
import { changes, expected, options, SINCE, UNTIL } from "./scenario.js";

/** A ledger holding the scenario's changes and their fates; the ids the store gave them, by scenario id. */
async function seedScenario(url: string): Promise<Map<number, number>> {
  const store = await openStore(url);
  const repositoryId = changes[0]?.repositoryId ?? 1;
  const fates: Array<[number, (typeof changes)[number]]> = [];
  try {
    await store.installations.upsertInstallation({
      id: 7,
      accountLogin: "acme",
      accountType: "Organization",
      now: SINCE,
    });
    await store.installations.upsertRepositories(
      7,
      [{ id: repositoryId, fullName: "acme/shop", private: false }],
      SINCE,
    );
    for (const c of changes) {
      const sha = c.id.toString(16).padStart(40, "e");
      const id = await store.changes.recordChange(
        {
          installationId: 7,
          repositoryId: c.repositoryId,
          number: c.number,
          kind: c.number === null ? "push" : "pull_request",
          title: `change ${c.id}`,
          authorLogin: c.engineer ?? "dependabot[bot]",
          authorType: c.engineer ? "User" : "Bot",
          botChange: c.botChange,
          headRef: "branch",
          headSha: sha,
          baseRef: "main",
          state: "merged",
          openedAt: c.mergedAt,
          mergedAt: c.mergedAt,
          mergeCommitSha: sha,
          mergeMethod: c.number === null ? "direct" : "squash",
          engineer: c.engineer,
          firstCommitAt: c.firstCommitAt,
          paths: c.paths,
          pathsComplete: c.pathsComplete,
          ai: c.ai,
          aiEvidence: c.aiEvidence,
          agents: c.agents,
          models: [],
          sessions: [],
          evidence: [],
          commitsTotal: 1,
          commitsAi: c.ai ? 1 : 0,
          attributedSha: sha,
        },
        [],
        c.mergedAt,
      );
      fates.push([id, c]);
    }
  } finally {
    await store.close();
  }
  // The fates, as deployment linking materialises them (tested on its own in
  // test/handlers/deployments.test.ts).
  const updates = fates.map(([id, c]) => [
    c.shipped?.deploymentId ?? null,
    c.shipped?.at ?? null,
    c.revertedAt,
    c.rolledBackAt,
    id,
  ]);
  const target = parseDatabaseUrl(url);
  if (target.dialect === "sqlite") {
    const raw = new Database(target.path);
    const update = raw.prepare(
      "UPDATE changes SET shipped_deployment_id = ?, shipped_at = ?, reverted_at = ?, rolled_back_at = ? WHERE id = ?",
    );
    for (const row of updates) update.run(...row);
    raw.close();
  } else {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    for (const row of updates) {
      await client.query(
        "UPDATE changes SET shipped_deployment_id = $1, shipped_at = $2, reverted_at = $3, rolled_back_at = $4 WHERE id = $5",
        row,
      );
    }
    await client.end();
  }

  return new Map(fates.map(([id, c]) => [c.id, id]));
}

eachDialect("metric: the hand-computed scenario through the ledger", ({ newDatabaseUrl }) => {
  it("reports exactly the hand-computed figures", async () => {
    const url = await newDatabaseUrl();
    await seedScenario(url);
    const reader = await openStore(url);
    try {
      const scope = await resolveScope(reader, { repo: "acme/shop" });
      const report = await buildReport(reader, scope, { since: SINCE, until: UNTIL }, options);
      expect(report).toEqual(expected);
    } finally {
      await reader.close();
    }
  });

  it("lists each change merged or shipped in the period once, with what was written, and its files only when asked", async () => {
    const url = await newDatabaseUrl();
    const ids = await seedScenario(url);
    const store = await openStore(url);
    try {
      const day = (d: number) => SINCE + d * 86_400_000;
      /** What the list must hold for [since, until): changes merged or shipped then, by id. */
      const rowsFor = (since: number, until: number) =>
        changes
          .filter(
            (c) =>
              (c.mergedAt >= since && c.mergedAt < until) ||
              (c.shipped && c.shipped.at >= since && c.shipped.at < until),
          )
          // A report row is the metric's input as it was written, under the id the store gave it.
          .map((c) => ({ ...c, id: ids.get(c.id) as number }))
          .sort((a, b) => a.id - b.id);

      const all = rowsFor(SINCE, UNTIL);
      expect(await store.reports.listReportChanges({ installationId: 7 }, SINCE, UNTIL, { paths: true })).toEqual(all);
      // Without `paths: true`, no files (nothing else changes).
      const withoutPaths = await store.reports.listReportChanges(
        { installationId: 7, repositoryIds: [1] },
        SINCE,
        UNTIL,
      );
      expect(withoutPaths).toEqual(all.map((row) => ({ ...row, paths: [] })));
      // From day 8: changes merged before it and shipped after it come in too, once each.
      const later = rowsFor(day(8), UNTIL);
      expect(later.some((row) => row.mergedAt < day(8))).toBe(true);
      expect(await store.reports.listReportChanges({ installationId: 7 }, day(8), UNTIL, { paths: true })).toEqual(
        later,
      );
      // One day on a slice boundary: the week-long slices meet without a gap or an overlap.
      expect(await store.reports.listReportChanges({ installationId: 7 }, day(7), day(8), { paths: true })).toEqual(
        rowsFor(day(7), day(8)),
      );
      // Another repository, or another installation, has none of them.
      expect(await store.reports.listReportChanges({ installationId: 7, repositoryIds: [2] }, SINCE, UNTIL)).toEqual(
        [],
      );
      expect(await store.reports.listReportChanges({ installationId: 8 }, SINCE, UNTIL)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("reads the merged changes of a report from the covering index alone", async () => {
    const url = await newDatabaseUrl();
    await seedScenario(url);
    const target = parseDatabaseUrl(url);
    // The query listReportChanges runs, for an organisation and for one repository.
    const queries = [{ installationId: 7 }, { installationId: 7, repositoryIds: [1] }].map((scope) =>
      reportQuery(target.dialect, scope, sql`merged_at >= ${SINCE} AND merged_at < ${UNTIL}`),
    );
    // The evidence strength is among what the index covers (metric.evidence reads it).
    const columns = target.dialect === "sqlite" ? new SQLiteSyncDialect() : new PgDialect();
    expect(columns.sqlToQuery(queries[0] as SQL).sql).toContain("ai_evidence");
    // What a report looks up first (src/ledger/classify-evidence.ts): read from its small partial index.
    const unclassified = unclassifiedQuery(target.dialect, 7, 500);
    if (target.dialect === "sqlite") {
      const db = new Database(target.path, { readonly: true });
      try {
        for (const query of queries) {
          const { sql: text, params } = new SQLiteSyncDialect().sqlToQuery(query);
          const plan = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[];
          expect(plan.map((p) => p.detail).join("\n")).toContain("USING COVERING INDEX changes_report_idx");
        }
        const { sql: text, params } = new SQLiteSyncDialect().sqlToQuery(unclassified);
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[];
        expect(plan.map((p) => p.detail).join("\n")).toContain("USING INDEX changes_unclassified_idx");
      } finally {
        db.close();
      }
    } else {
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      try {
        await client.query("VACUUM ANALYZE changes"); // the visibility map an index-only scan relies on
        // A table this small is cheaper to read whole: ask whether the index can serve the query at all.
        await client.query("SET enable_seqscan = off; SET enable_bitmapscan = off");
        for (const query of queries) {
          const { sql: text, params } = new PgDialect().sqlToQuery(query);
          const { rows } = await client.query(`EXPLAIN ${text}`, params);
          expect(rows.map((r) => r["QUERY PLAN"]).join("\n")).toContain("Index Only Scan using changes_report_idx");
        }
        const { sql: text, params } = new PgDialect().sqlToQuery(unclassified);
        const { rows } = await client.query(`EXPLAIN ${text}`, params);
        expect(rows.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using changes_unclassified_idx/);
      } finally {
        await client.end();
      }
    }
  });
});
