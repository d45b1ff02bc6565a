// What a report reads: the merged, deployable changes of a scope, by one indexed query.

import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import type { Dialect, EvidenceStrength, ReportChangeRow, ReportQueries } from "./types.js";

/** The columns listReportChanges asks for: REPORT_COLUMNS, and the files when asked. */
function reportColumns(dialect: Dialect, paths: boolean): string[] {
  const columns: string[] = [...REPORT_COLUMNS];
  if (paths) columns.push(dialect === "postgres" ? "paths::json" : "json(paths)");
  return columns;
}

/**
 * Merged changes are read a week of merges at a time, or in at most 60 slices for a long period
 * (years, from the CLI), so that neither one JSON text nor the number of queries grows without end.
 */
function reportSlice(since: number, until: number): number {
  return Math.max(7 * 86_400_000, Math.ceil((until - since) / 60));
}

/**
 * The query listReportChanges runs for the changes of `scope` that also match `where`: each column
 * as one JSON array built by the database and parsed in one go. An organisation's 90 days are
 * ~100k rows, and handing them over one by one, value by value, costs several times the query.
 * The aggregates of one SELECT all see the rows in the same order. The state and deployability
 * are written as the partial index changes_report_idx declares them, so that the planner can
 * read the merged rows from that index alone (test/metrics/ledger-scenario.test.ts checks the plan).
 */
export function reportQuery(
  dialect: Dialect,
  scope: { installationId: number; repositoryIds?: number[] },
  where: SQL,
  columns: readonly string[] = reportColumns(dialect, false),
): SQL {
  const aggregate = dialect === "postgres" ? "json_agg" : "json_group_array";
  return sql`
    SELECT ${sql.raw(columns.map((column, i) => `${aggregate}(${column}) AS c${i}`).join(", "))}
      FROM changes
     WHERE ${reportScope(dialect, scope)} AND ${where}`;
}

/** The changes a report on `scope` may read, in the form of the partial index changes_report_idx. */
function reportScope(dialect: Dialect, scope: { installationId: number; repositoryIds?: number[] }): SQL {
  const reportable = sql.raw(
    dialect === "postgres" ? "state = 'merged' AND deployable" : "state = 'merged' AND deployable = 1",
  );
  const repositories = scope.repositoryIds
    ? sql` AND repository_id IN (${sql.join(
        (scope.repositoryIds.length ? scope.repositoryIds : [-1]).map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql``;
  return sql`installation_id = ${scope.installationId} AND ${reportable}${repositories}`;
}

/** Merged in [since, until), and shipped in it but merged outside it: the two reads of listReportChanges. */
function reportPeriods(since: number, until: number): [SQL, SQL] {
  return [
    sql`merged_at >= ${since} AND merged_at < ${until}`,
    sql`shipped_at >= ${since} AND shipped_at < ${until} AND (merged_at < ${since} OR merged_at >= ${until})`,
  ];
}

/** A JSON value as 0/1 (SQLite) or a boolean (Postgres). */
const flag = (value: unknown) => value === 1 || value === true;

/** What listReportChanges reads of each change, in this order (reportRow reads them so). */
const REPORT_COLUMNS = [
  "id",
  "repository_id",
  "number",
  "engineer",
  "bot_change",
  "ai",
  "agents",
  "merged_at",
  "first_commit_at",
  "paths_complete",
  "shipped_deployment_id",
  "shipped_at",
  "reverted_at",
  "rolled_back_at",
  "ai_evidence",
] as const;

/** A stored list of agent ids; anything unreadable is no agents (it was written by this code as JSON). */
function parseAgents(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((agent): agent is string => typeof agent === "string") : [];
  } catch {
    return [];
  }
}

/** A nullable number column's value. */
function orNull(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

/** A stored evidence strength; null (not AI-assisted, or not classified yet) for anything else. */
function strength(value: unknown): EvidenceStrength | null {
  return value === "explicit" || value === "circumstantial" ? value : null;
}

/** The `paths` of every row read without them: one shared, frozen empty list. */
const NO_PATHS: string[] = Object.freeze([]) as unknown as string[];

/**
 * Row i of the columns listReportChanges read (REPORT_COLUMNS, then paths when asked for). The
 * agents column comes as its JSON text: the few distinct lists are parsed once each (`agentLists`)
 * and shared, rather than one array made per row.
 */
function reportRow(c: unknown[][], i: number, agentLists: Map<string, string[]>): ReportChangeRow {
  const agentsJson = (c[6]?.[i] as string | null) ?? "[]";
  let agents = agentLists.get(agentsJson);
  if (agents === undefined) {
    agents = Object.freeze(parseAgents(agentsJson)) as string[];
    agentLists.set(agentsJson, agents);
  }
  const deploymentId = orNull(c[10]?.[i]);
  const shippedAt = orNull(c[11]?.[i]);
  return {
    id: c[0]?.[i] as number,
    repositoryId: c[1]?.[i] as number,
    repository: "", // filled in by listReportChanges
    number: orNull(c[2]?.[i]),
    engineer: c[3]?.[i] as string | null,
    botChange: flag(c[4]?.[i]),
    ai: flag(c[5]?.[i]),
    aiEvidence: strength(c[14]?.[i]),
    agents,
    mergedAt: (c[7]?.[i] as number | null) ?? 0,
    firstCommitAt: orNull(c[8]?.[i]),
    paths: (c[15]?.[i] as string[] | undefined) ?? NO_PATHS,
    pathsComplete: flag(c[9]?.[i]),
    shipped: deploymentId !== null && shippedAt !== null ? { deploymentId, at: shippedAt } : null,
    revertedAt: orNull(c[12]?.[i]),
    rolledBackAt: orNull(c[13]?.[i]),
  };
}

/** What a report reads: the merged, deployable changes of a scope, by one indexed query. */
export class ReportStore extends StoreModule implements ReportQueries {
  async listReportChanges(
    scope: { installationId: number; repositoryIds?: number[] },
    since: number,
    until: number,
    options: { paths?: boolean } = {},
  ): Promise<ReportChangeRow[]> {
    const columns = reportColumns(this.dialect, options.paths === true);
    const rows: ReportChangeRow[] = [];
    const agentLists = new Map<string, string[]>();
    const read = async (where: SQL) => {
      const [result] = await this.driver.rows(reportQuery(this.dialect, scope, where, columns));
      // SQLite gives each array as JSON text; node-postgres parses it, and gives null for no rows.
      const values = columns.map((_, i) => {
        const value = result?.[`c${i}`] ?? null;
        return (typeof value === "string" ? JSON.parse(value) : (value ?? [])) as unknown[];
      });
      const count = values[0]?.length ?? 0;
      for (let i = 0; i < count; i++) rows.push(reportRow(values, i, agentLists));
    };
    // Merged in the period, a slice at a time so that no single JSON text grows with the period.
    const slice = reportSlice(since, until);
    for (let from = since; from < until; from += slice) {
      await read(reportPeriods(from, Math.min(until, from + slice))[0]);
    }
    // Shipped in the period but merged outside it (changes_shipped_idx decides that in the index).
    await read(reportPeriods(since, until)[1]);

    // The names of the few repositories involved, rather than a join that copies one into every row.
    const r = this.t.repositories;
    const names = new Map<number, string>();
    const repositoryIds = [...new Set(rows.map((row) => row.repositoryId))];
    for (let i = 0; i < repositoryIds.length; i += 500) {
      const repositories = await this.db
        .select({ id: r.id, fullName: r.fullName })
        .from(r)
        .where(inArray(r.id, repositoryIds.slice(i, i + 500)));
      for (const { id, fullName } of repositories) names.set(id, fullName);
    }
    let kept = 0;
    for (const row of rows) {
      const name = names.get(row.repositoryId);
      if (name === undefined) continue; // as the inner join did
      row.repository = name;
      rows[kept++] = row;
    }
    rows.length = kept;
    return rows.sort((a, b) => a.id - b.id);
  }

  async listChangeEvidence(installationId: number, ids: readonly number[]): Promise<Map<number, string>> {
    const c = this.t.changes;
    const evidence = new Map<number, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .select({ id: c.id, evidence: c.evidence })
        .from(c)
        .where(and(eq(c.installationId, installationId), inArray(c.id, ids.slice(i, i + 500))));
      for (const row of rows) evidence.set(row.id, row.evidence);
    }
    return evidence;
  }

  async countReportChanges(
    scope: { installationId: number; repositoryIds?: number[] },
    since: number,
    until: number,
  ): Promise<number> {
    // Two counts, each of which its index answers alone (an OR of the two would scan).
    const [merged, shippedOnly] = reportPeriods(since, until).map(
      (period) => sql`(SELECT count(*) FROM changes WHERE ${reportScope(this.dialect, scope)} AND ${period})`,
    );
    const [row] = await this.driver.rows(sql`SELECT ${merged} + ${shippedOnly} AS n`);
    return Number(row?.n ?? 0);
  }
}
