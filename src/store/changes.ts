// Changes (merged pull requests and direct pushes), their commits and what they revert.

import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { sessionKey } from "../model/spend.js";
import { type LedgerSchema, StoreModule } from "./dialect.js";
import type {
  ChangeInputRecord,
  ChangeQueries,
  ChangeRecord,
  CommitRecord,
  Dialect,
  EvidenceStrength,
  SessionRef,
} from "./types.js";

type JsonColumns = { agents: string[]; models: string[]; sessions: SessionRef[]; evidence: unknown[] };

type Encoded<T> = Omit<T, keyof JsonColumns> & Record<keyof JsonColumns, string>;

/** Attribution lists are stored as JSON text in both dialects. */
function encodeJsonColumns<T extends JsonColumns>(value: T): Encoded<T> {
  return {
    ...value,
    agents: JSON.stringify(value.agents),
    models: JSON.stringify(value.models),
    sessions: JSON.stringify(value.sessions),
    evidence: JSON.stringify(value.evidence),
  };
}

function decodeJsonColumns<T extends Record<keyof JsonColumns, string>>(
  row: T,
): Omit<T, keyof JsonColumns> & JsonColumns {
  return {
    ...row,
    agents: JSON.parse(row.agents),
    models: JSON.parse(row.models),
    sessions: JSON.parse(row.sessions),
    evidence: JSON.parse(row.evidence),
  };
}

type ChangeRow = LedgerSchema["changes"]["$inferSelect"];

function decodeChange(row: ChangeRow): ChangeRecord {
  return { ...decodeJsonColumns(row), paths: JSON.parse(row.paths) as string[] };
}

/** A change's columns for insert/update: JSON lists as text; paths only when given. */
function encodeChange(change: ChangeInputRecord, now: number) {
  const { paths, ...rest } = change;
  return {
    ...encodeJsonColumns(rest),
    ...(paths === undefined ? {} : { paths: JSON.stringify(paths) }),
    updatedAt: now,
  };
}

/** Changes (merged pull requests and direct pushes), their commits and what they revert. */
export class ChangeStore extends StoreModule implements ChangeQueries {
  async recordChange(change: ChangeInputRecord, commitList: CommitRecord[], now: number): Promise<number> {
    const c = this.t.changes;
    const row = encodeChange(change, now);
    const { installationId: _installation, repositoryId: _repository, number: _number, ...set } = row;
    // Deliveries arrive out of order: an update processed after the merge must not unmerge it.
    const monotonic = {
      ...set,
      state: sql`CASE WHEN ${c.state} = 'merged' THEN 'merged' ELSE excluded.state END`,
      mergedAt: sql`COALESCE(excluded.merged_at, ${c.mergedAt})`,
      mergeCommitSha: sql`COALESCE(excluded.merge_commit_sha, ${c.mergeCommitSha})`,
      mergedBy: sql`COALESCE(excluded.merged_by, ${c.mergedBy})`,
      mergeMethod: sql`COALESCE(excluded.merge_method, ${c.mergeMethod})`,
      // The newer of the two readings (a merge recorded after a later edit keeps the edit's time).
      pullUpdatedAt: sql`CASE WHEN excluded.pull_updated_at >= ${c.pullUpdatedAt} THEN excluded.pull_updated_at ELSE COALESCE(${c.pullUpdatedAt}, excluded.pull_updated_at) END`,
    };
    let saved: { id: number } | undefined;
    if (change.number === null) {
      // A direct push: one change per commit, found by its sha.
      const existing = await this.getPushChange(
        change.installationId,
        change.repositoryId,
        change.mergeCommitSha ?? "",
      );
      if (existing) {
        await this.db.update(c).set(set).where(eq(c.id, existing.id));
        saved = { id: existing.id };
      } else {
        [saved] = await this.db.insert(c).values(row).returning({ id: c.id });
      }
    } else {
      [saved] = await this.db
        .insert(c)
        .values(row)
        .onConflictDoUpdate({
          target: [c.repositoryId, c.number],
          set: monotonic,
          // Nor may it replace what the merge recorded (its squash commit's evidence, its commits), and
          // a reading of the pull request older than the one recorded (a late synchronize or edited
          // delivery after the close, or after a later edit) replaces nothing; a merge always lands.
          setWhere: sql`NOT (${c.state} = 'merged' AND excluded.state <> 'merged') AND (excluded.state = 'merged' OR ${c.pullUpdatedAt} IS NULL OR excluded.pull_updated_at IS NULL OR excluded.pull_updated_at >= ${c.pullUpdatedAt})`,
        })
        .returning({ id: c.id });
      if (!saved) {
        // That update, processed after the merge or a newer one: the change stands as recorded.
        const [merged] = await this.db
          .select({ id: c.id })
          .from(c)
          .where(and(eq(c.repositoryId, change.repositoryId), eq(c.number, change.number)));
        if (merged) return merged.id;
      }
    }
    if (!saved) throw new Error(`recordChange: no row for ${change.repositoryId}#${change.number}`);

    const k = this.t.commits;
    for (let i = 0; i < commitList.length; i += 100) {
      const chunk = commitList
        .slice(i, i + 100)
        .map((commit) => ({ repositoryId: change.repositoryId, ...encodeJsonColumns(commit) }));
      await this.db
        .insert(k)
        .values(chunk)
        .onConflictDoUpdate({
          target: [k.repositoryId, k.sha],
          set: {
            ai: sql`excluded.ai`,
            agents: sql`excluded.agents`,
            models: sql`excluded.models`,
            sessions: sql`excluded.sessions`,
            evidence: sql`excluded.evidence`,
            authorLogin: sql`excluded.author_login`,
            message: sql`excluded.message`,
          },
        });
    }

    const cc = this.t.changeCommits;
    await this.db.delete(cc).where(eq(cc.changeId, saved.id));
    for (let i = 0; i < commitList.length; i += 300) {
      await this.db
        .insert(cc)
        .values(
          commitList.slice(i, i + 300).map((commit, j) => ({ changeId: saved.id, sha: commit.sha, position: i + j })),
        )
        .onConflictDoNothing();
    }
    // The sessions its evidence names, for the spend join (src/spend/compute.ts).
    const cs = this.t.changeSessions;
    await this.db.delete(cs).where(eq(cs.changeId, saved.id));
    const keys = [...new Set(change.sessions.map((s) => sessionKey(s.id)).filter((k) => k !== ""))];
    if (keys.length > 0) {
      await this.db
        .insert(cs)
        .values(keys.map((key) => ({ installationId: change.installationId, sessionKey: key, changeId: saved.id })))
        .onConflictDoNothing();
    }
    return saved.id;
  }

  async getChange(installationId: number, repositoryId: number, number: number): Promise<ChangeRecord | null> {
    const c = this.t.changes;
    const rows = await this.db
      .select()
      .from(c)
      .where(and(eq(c.installationId, installationId), eq(c.repositoryId, repositoryId), eq(c.number, number)));
    const row = rows[0];
    if (!row) return null;
    return decodeChange(row);
  }

  async listChangeCommits(changeId: number): Promise<CommitRecord[]> {
    const c = this.t.changes;
    const cc = this.t.changeCommits;
    const k = this.t.commits;
    const rows = await this.db
      .select({ commit: k })
      .from(cc)
      .innerJoin(c, eq(c.id, cc.changeId))
      .innerJoin(k, and(eq(k.repositoryId, c.repositoryId), eq(k.sha, cc.sha)))
      .where(eq(cc.changeId, changeId))
      .orderBy(asc(cc.position));
    return rows.map(({ commit: { repositoryId: _repository, ...commit } }) => decodeJsonColumns(commit));
  }

  async getPushChange(installationId: number, repositoryId: number, sha: string): Promise<ChangeRecord | null> {
    const c = this.t.changes;
    const rows = await this.db
      .select()
      .from(c)
      .where(
        and(
          eq(c.installationId, installationId),
          eq(c.repositoryId, repositoryId),
          eq(c.kind, "push"),
          eq(c.mergeCommitSha, sha),
        ),
      );
    return rows[0] ? decodeChange(rows[0]) : null;
  }

  async recordReverts(changeId: number, repositoryId: number, targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    const r = this.t.reverts;
    await this.db
      .insert(r)
      .values([...new Set(targets)].map((target) => ({ revertingChangeId: changeId, repositoryId, target })))
      .onConflictDoNothing();
  }

  async knownShas(repositoryId: number, shas: string[]): Promise<Set<string>> {
    const matches = await this.#changesWithShas(repositoryId, shas, { mergedOnly: true });
    return new Set(matches.map((m) => m.sha));
  }

  /**
   * The changes of a repository that a sha belongs to: as their merge commit or as one of their
   * own commits. Read in chunks, so that a long range stays within the dialects' parameter limits.
   */
  async #changesWithShas(
    repositoryId: number,
    shas: string[],
    { mergedOnly }: { mergedOnly: boolean },
  ): Promise<Array<{ id: number; sha: string }>> {
    const c = this.t.changes;
    const cc = this.t.changeCommits;
    const scope = and(eq(c.repositoryId, repositoryId), mergedOnly ? eq(c.state, "merged") : undefined);
    const out: Array<{ id: number; sha: string }> = [];
    for (let i = 0; i < shas.length; i += 500) {
      const chunk = shas.slice(i, i + 500);
      const merges = await this.db
        .select({ id: c.id, sha: c.mergeCommitSha })
        .from(c)
        .where(and(scope, inArray(c.mergeCommitSha, chunk)));
      for (const m of merges) if (m.sha) out.push({ id: m.id, sha: m.sha });
      const own = await this.db
        .select({ id: cc.changeId, sha: cc.sha })
        .from(cc)
        .innerJoin(c, eq(c.id, cc.changeId))
        .where(and(scope, inArray(cc.sha, chunk)));
      out.push(...own);
    }
    return out;
  }

  async #changesByIds(ids: number[]): Promise<ChangeRecord[]> {
    if (ids.length === 0) return [];
    const c = this.t.changes;
    const rows = await this.db.select().from(c).where(inArray(c.id, ids)).orderBy(asc(c.mergedAt), asc(c.id));
    return rows.map(decodeChange);
  }

  /** The changes whose first shipment is this deployment (their fate columns). */
  async changesShippedBy(installationId: number, deploymentId: number): Promise<ChangeRecord[]> {
    const c = this.t.changes;
    const rows = await this.db
      .select()
      .from(c)
      .where(and(eq(c.installationId, installationId), eq(c.shippedDeploymentId, deploymentId)))
      .orderBy(asc(c.mergedAt), asc(c.id));
    return rows.map(decodeChange);
  }

  /** The installation's changes with these ids, by merge time. */
  async getChanges(installationId: number, ids: number[]): Promise<ChangeRecord[]> {
    const owned = await this.#changesByIds(ids);
    return owned.filter((c) => c.installationId === installationId);
  }

  async listUnclassifiedChanges(
    installationId: number,
    limit: number,
  ): Promise<Array<{ id: number; evidence: unknown[] }>> {
    const rows = await this.driver.rows(unclassifiedQuery(this.dialect, installationId, limit));
    return rows.map((row) => ({ id: Number(row.id), evidence: parseEvidence(String(row.evidence)) }));
  }

  async recordEvidenceStrengths(strengths: ReadonlyArray<{ id: number; aiEvidence: EvidenceStrength }>): Promise<void> {
    const c = this.t.changes;
    for (const aiEvidence of ["explicit", "circumstantial"] as const) {
      const ids = strengths.filter((s) => s.aiEvidence === aiEvidence).map((s) => s.id);
      for (let i = 0; i < ids.length; i += 500) {
        // Only still unclassified rows: one recorded meanwhile has a strength of its own evidence.
        await this.db
          .update(c)
          .set({ aiEvidence })
          .where(and(inArray(c.id, ids.slice(i, i + 500)), unclassified(this.dialect)));
      }
    }
  }
}

/** AI-assisted rows without a strength, written as changes_unclassified_idx declares them. */
function unclassified(dialect: Dialect): SQL {
  return sql.raw(dialect === "postgres" ? "ai AND ai_evidence IS NULL" : "ai = 1 AND ai_evidence IS NULL");
}

/**
 * The query listUnclassifiedChanges runs: read from the partial index changes_unclassified_idx,
 * empty once every row is classified (test/metrics/ledger-scenario.test.ts checks the plan).
 */
export function unclassifiedQuery(dialect: Dialect, installationId: number, limit: number): SQL {
  // SQLite without statistics weighs changes_installation_idx the same, and that one would read
  // every change of the installation on every report: it is told which index to use. Postgres
  // estimates the partial index's few rows from its statistics.
  const from = sql.raw(dialect === "sqlite" ? "changes INDEXED BY changes_unclassified_idx" : "changes");
  return sql`SELECT id, evidence FROM ${from}
     WHERE installation_id = ${installationId} AND ${unclassified(dialect)}
     ORDER BY id LIMIT ${limit}`;
}

/** Stored evidence; anything unreadable is none (it was written by this code as JSON). */
function parseEvidence(json: string): unknown[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}
