// The facts a change's fate is decided from, and the columns that keep the answer. Queries only:
// which changes, reverts and deployment commits exist; what they mean is src/ledger/core/fate.ts's.
// Every read takes lists (chunked for the dialects' parameter limits), so that the fates of many
// changes cost a bounded number of statements, not a few per change.

import { and, eq, inArray, sql } from "drizzle-orm";
import type { FateChange } from "../model/ledger.js";
import { StoreModule } from "./dialect.js";
import type { ChangeKind } from "./types.js";

const CHUNK = 500;

/** A change as a fate needs it, with its own commits (src/model/ledger.ts). */
export type FateChangeRow = FateChange;

/** One commit a deployment recorded, with the deployment. */
export interface DeploymentCommitRow {
  deploymentId: number;
  repositoryId: number;
  environment: string;
  deploymentSha: string;
  sourceKey: string;
  succeededAt: number;
  sha: string;
  effect: "shipped" | "rolled_back";
}

export interface RevertRow {
  revertingChangeId: number;
  repositoryId: number;
  /** The stored target (src/ledger/core/revert-target.ts's targetKey). */
  target: string;
}

/** The fate columns of one change. */
export interface FateColumns {
  changeId: number;
  shippedDeploymentId: number | null;
  shippedAt: number | null;
  revertedAt: number | null;
  rolledBackAt: number | null;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const flag = (value: unknown) => value === 1 || value === true;

function toDeploymentCommit(row: Record<string, unknown>): DeploymentCommitRow {
  return {
    deploymentId: Number(row.deployment_id),
    repositoryId: Number(row.repository_id),
    environment: String(row.environment),
    deploymentSha: String(row.deployment_sha),
    sourceKey: String(row.source_key),
    succeededAt: Number(row.succeeded_at),
    sha: String(row.sha),
    effect: row.effect === "rolled_back" ? "rolled_back" : "shipped",
  };
}

export class FateQueries extends StoreModule {
  /** The changes with these ids, with their own commits (two statements per chunk). */
  async changes(ids: Iterable<number>): Promise<FateChangeRow[]> {
    const c = this.t.changes;
    const cc = this.t.changeCommits;
    const out: FateChangeRow[] = [];
    for (const chunk of chunks([...new Set(ids)])) {
      const rows = await this.db
        .select({
          id: c.id,
          repositoryId: c.repositoryId,
          number: c.number,
          kind: c.kind,
          title: c.title,
          state: c.state,
          deployable: c.deployable,
          mergedAt: c.mergedAt,
          mergeCommitSha: c.mergeCommitSha,
          mergeMethod: c.mergeMethod,
        })
        .from(c)
        .where(inArray(c.id, chunk));
      const commits = await this.db
        .select({ changeId: cc.changeId, sha: cc.sha })
        .from(cc)
        .where(inArray(cc.changeId, chunk))
        .orderBy(cc.changeId, cc.position);
      const shas = new Map<number, string[]>();
      for (const k of commits) {
        const list = shas.get(k.changeId);
        if (list) list.push(k.sha);
        else shas.set(k.changeId, [k.sha]);
      }
      for (const { state, deployable, ...row } of rows) {
        out.push({
          ...row,
          kind: row.kind as ChangeKind,
          merged: state === "merged",
          deployable: flag(deployable),
          commitShas: shas.get(row.id) ?? [],
        });
      }
    }
    return out;
  }

  /** Whether the change is one of the installation's. */
  async belongsTo(installationId: number, changeId: number): Promise<boolean> {
    const c = this.t.changes;
    const rows = await this.db
      .select({ id: c.id })
      .from(c)
      .where(and(eq(c.installationId, installationId), eq(c.id, changeId)));
    return rows.length > 0;
  }

  /** Reverts of these repositories naming any of these stored targets. */
  async revertsNaming(repositoryIds: Iterable<number>, targets: Iterable<string>): Promise<RevertRow[]> {
    const r = this.t.reverts;
    const repositories = [...new Set(repositoryIds)];
    if (repositories.length === 0) return [];
    const out: RevertRow[] = [];
    for (const chunk of chunks([...new Set(targets)])) {
      out.push(
        ...(await this.db
          .select({ revertingChangeId: r.revertingChangeId, repositoryId: r.repositoryId, target: r.target })
          .from(r)
          .where(and(inArray(r.repositoryId, repositories), inArray(r.target, chunk)))),
      );
    }
    return out;
  }

  /** What these changes revert (their stored targets). */
  async revertsBy(changeIds: Iterable<number>): Promise<RevertRow[]> {
    const r = this.t.reverts;
    const out: RevertRow[] = [];
    for (const chunk of chunks([...new Set(changeIds)])) {
      out.push(
        ...(await this.db
          .select({ revertingChangeId: r.revertingChangeId, repositoryId: r.repositoryId, target: r.target })
          .from(r)
          .where(inArray(r.revertingChangeId, chunk))),
      );
    }
    return out;
  }

  /** Ids of a repository's changes by pull request number, title, or sha (merge commit or own commit). */
  async changesNamed(
    repositoryId: number,
    named: { numbers?: number[]; titles?: string[]; shas?: string[]; mergedOnly?: boolean },
  ): Promise<number[]> {
    const c = this.t.changes;
    const cc = this.t.changeCommits;
    const ids = new Set<number>();
    const scope = and(eq(c.repositoryId, repositoryId), named.mergedOnly ? eq(c.state, "merged") : undefined);
    for (const chunk of chunks(named.numbers ?? [])) {
      for (const r of await this.db
        .select({ id: c.id })
        .from(c)
        .where(and(scope, inArray(c.number, chunk))))
        ids.add(r.id);
    }
    for (const chunk of chunks(named.titles ?? [])) {
      for (const r of await this.db
        .select({ id: c.id })
        .from(c)
        .where(and(scope, inArray(c.title, chunk))))
        ids.add(r.id);
    }
    for (const chunk of chunks(named.shas ?? [])) {
      for (const r of await this.db
        .select({ id: c.id })
        .from(c)
        .where(and(scope, inArray(c.mergeCommitSha, chunk))))
        ids.add(r.id);
      const own = await this.db
        .select({ id: cc.changeId })
        .from(cc)
        .innerJoin(c, eq(c.id, cc.changeId))
        .where(and(scope, inArray(cc.sha, chunk)));
      for (const r of own) ids.add(r.id);
    }
    return [...ids];
  }

  /** Every commit that deployments of these repositories recorded (shipped or rolled back) among these shas. */
  async deploymentCommits(repositoryIds: Iterable<number>, shas: Iterable<string>): Promise<DeploymentCommitRow[]> {
    const repositories = [...new Set(repositoryIds)];
    if (repositories.length === 0) return [];
    const out: DeploymentCommitRow[] = [];
    for (const chunk of chunks([...new Set(shas)])) {
      const rows = await this.driver.rows(sql`
        SELECT d.id AS deployment_id, d.repository_id, d.environment, d.sha AS deployment_sha, d.source_key,
               d.succeeded_at, dc.sha, dc.effect
          FROM deployment_commits dc JOIN deployments d ON d.id = dc.deployment_id
         WHERE d.repository_id IN (${sql.join(
           repositories.map((r) => sql`${r}`),
           sql`, `,
         )})
           AND dc.sha IN (${sql.join(
             chunk.map((s) => sql`${s}`),
             sql`, `,
           )})`);
      out.push(...rows.map(toDeploymentCommit));
    }
    return out;
  }

  /** A deployment with the commits it recorded, or null. */
  async deployment(deploymentId: number): Promise<DeploymentCommitRow[]> {
    const rows = await this.driver.rows(sql`
      SELECT d.id AS deployment_id, d.repository_id, d.environment, d.sha AS deployment_sha, d.source_key,
             d.succeeded_at, dc.sha, dc.effect
        FROM deployment_commits dc JOIN deployments d ON d.id = dc.deployment_id
       WHERE d.id = ${deploymentId}`);
    return rows.map(toDeploymentCommit);
  }

  /** Ids of the changes of the deployment's repository that one of its recorded commits belongs to. */
  async changesTouchedBy(deploymentId: number): Promise<number[]> {
    const rows = await this.driver.rows(sql`
      SELECT c.id AS id FROM changes c
       WHERE c.repository_id = (SELECT repository_id FROM deployments WHERE id = ${deploymentId})
         AND (c.merge_commit_sha IN (SELECT sha FROM deployment_commits WHERE deployment_id = ${deploymentId})
              OR EXISTS (SELECT 1 FROM change_commits cc JOIN deployment_commits dc ON dc.sha = cc.sha
                          WHERE cc.change_id = c.id AND dc.deployment_id = ${deploymentId}))`);
    return rows.map((r) => Number(r.id));
  }

  /**
   * Writes the fate columns, one statement per few hundred changes (so that a refresh of a usual
   * size is atomic: the columns are never half-updated).
   */
  async write(fates: readonly FateColumns[]): Promise<void> {
    const int = (v: number | null) => (v === null ? sql`CAST(NULL AS BIGINT)` : sql`CAST(${v} AS BIGINT)`);
    for (const chunk of chunks(fates, 300)) {
      const values = sql.join(
        chunk.map(
          (f) =>
            sql`(${int(f.changeId)}, ${int(f.shippedDeploymentId)}, ${int(f.shippedAt)}, ${int(f.revertedAt)}, ${int(f.rolledBackAt)})`,
        ),
        sql`, `,
      );
      await this.driver.rows(sql`
        WITH v(change_id, shipped_deployment_id, shipped_at, reverted_at, rolled_back_at) AS (VALUES ${values})
        UPDATE changes
           SET shipped_deployment_id = v.shipped_deployment_id, shipped_at = v.shipped_at,
               reverted_at = v.reverted_at, rolled_back_at = v.rolled_back_at
          FROM v
         WHERE changes.id = v.change_id
        RETURNING changes.id`);
    }
  }
}
