// Production deployments, the commits each shipped or rolled back, and their chains.

import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import { collated, StoreModule } from "./dialect.js";
import type { DeploymentInput, DeploymentOutcomeKind, DeploymentQueries, DeploymentRecord } from "./types.js";

/** Production deployments, the commits each shipped or rolled back, and their chains. */
export class DeploymentStore extends StoreModule implements DeploymentQueries {
  /** Records a deployment by its source key; one already recorded is returned as it is. */
  async upsertDeployment(
    deployment: DeploymentInput,
    now: number,
  ): Promise<{ deployment: DeploymentRecord; inserted: boolean }> {
    const d = this.t.deployments;
    const input = { ...deployment, environment: deployment.environment.toLowerCase() };
    const inserted = await this.db
      .insert(d)
      .values({ ...input, outcome: "baseline", previousSha: null, updatedAt: now })
      .onConflictDoNothing({ target: [d.repositoryId, d.sourceKey] })
      .returning();
    if (inserted[0]) return { deployment: inserted[0], inserted: true };
    const existing = await this.#deploymentByKey(input.repositoryId, input.sourceKey);
    if (!existing) throw new Error(`upsertDeployment: ${input.sourceKey} vanished`);
    return { deployment: existing, inserted: false };
  }

  /** Moves a deployment's success time; it is pending again (its chain neighbours may change). */
  async moveDeploymentSuccess(
    id: number,
    success: { succeededAt: number; succeededAtExact: boolean },
    now: number,
  ): Promise<DeploymentRecord> {
    const d = this.t.deployments;
    const [updated] = await this.db
      .update(d)
      .set({ ...success, updatedAt: now, settledAt: null })
      .where(eq(d.id, id))
      .returning();
    if (!updated) throw new Error(`moveDeploymentSuccess: no deployment ${id}`);
    return updated;
  }

  async findDeployment(
    installationId: number,
    repositoryId: number,
    sourceKey: string,
  ): Promise<DeploymentRecord | null> {
    const found = await this.#deploymentByKey(repositoryId, sourceKey);
    return found?.installationId === installationId ? found : null;
  }

  async #deploymentByKey(repositoryId: number, sourceKey: string): Promise<DeploymentRecord | null> {
    const d = this.t.deployments;
    const rows = await this.db
      .select()
      .from(d)
      .where(and(eq(d.repositoryId, repositoryId), eq(d.sourceKey, sourceKey)));
    return rows[0] ?? null;
  }

  async adjacentDeployment(of: DeploymentRecord, direction: "previous" | "next"): Promise<DeploymentRecord | null> {
    const d = this.t.deployments;
    // src/ledger/core/deployment-order.ts's order, in SQL: success time, then the source key,
    // shorter first, then by code unit. A test holds the two together.
    const length = sql`length(${d.sourceKey})`;
    const key = collated(this.dialect, d.sourceKey);
    const [at, len, text] = [of.succeededAt, of.sourceKey.length, of.sourceKey];
    const before = sql`(${d.succeededAt} < ${at} OR (${d.succeededAt} = ${at} AND (${length} < ${len} OR (${length} = ${len} AND ${key} < ${text}))))`;
    const after = sql`(${d.succeededAt} > ${at} OR (${d.succeededAt} = ${at} AND (${length} > ${len} OR (${length} = ${len} AND ${key} > ${text}))))`;
    const rows = await this.db
      .select()
      .from(d)
      .where(
        and(
          eq(d.repositoryId, of.repositoryId),
          eq(d.environment, of.environment),
          direction === "previous" ? before : after,
        ),
      )
      .orderBy(...(direction === "previous" ? this.#deploymentOrder("desc") : this.#deploymentOrder("asc")))
      .limit(1);
    return rows[0] ?? null;
  }

  /** The deployment order (src/ledger/core/deployment-order.ts) as ORDER BY terms. */
  #deploymentOrder(direction: "asc" | "desc"): SQL[] {
    const d = this.t.deployments;
    const terms = [sql`${d.succeededAt}`, sql`length(${d.sourceKey})`, collated(this.dialect, d.sourceKey)];
    return terms.map((term) => (direction === "asc" ? sql`${term} ASC` : sql`${term} DESC`));
  }

  /** Records what a deployment ships and rolls back (its fates are refreshed by src/ledger/fates.ts). */
  async settleDeployment(
    id: number,
    settled: { outcome: DeploymentOutcomeKind; previousSha: string | null; shipped: string[]; rolledBack: string[] },
    now: number,
  ): Promise<void> {
    const d = this.t.deployments;
    const dc = this.t.deploymentCommits;
    await this.db
      .update(d)
      .set({ outcome: settled.outcome, previousSha: settled.previousSha, updatedAt: now })
      .where(eq(d.id, id));
    await this.db.delete(dc).where(eq(dc.deploymentId, id));
    const rows = [
      ...[...new Set(settled.shipped)].map((sha) => ({ deploymentId: id, sha, effect: "shipped" as const })),
      ...[...new Set(settled.rolledBack)].map((sha) => ({ deploymentId: id, sha, effect: "rolled_back" as const })),
    ];
    for (let i = 0; i < rows.length; i += 500) {
      await this.db
        .insert(dc)
        .values(rows.slice(i, i + 500))
        .onConflictDoNothing();
    }
  }

  async markDeploymentSettled(id: number, at: number | null): Promise<void> {
    const d = this.t.deployments;
    await this.db.update(d).set({ settledAt: at }).where(eq(d.id, id));
  }

  async claimDeploymentReport(id: number, now: number): Promise<boolean> {
    const d = this.t.deployments;
    const claimed = await this.db
      .update(d)
      .set({ reportedAt: now })
      .where(and(eq(d.id, id), isNull(d.reportedAt)))
      .returning({ id: d.id });
    return claimed.length > 0;
  }

  async releaseDeploymentReport(id: number): Promise<void> {
    const d = this.t.deployments;
    await this.db.update(d).set({ reportedAt: null }).where(eq(d.id, id));
  }

  async getDeployment(installationId: number, id: number): Promise<DeploymentRecord | null> {
    const d = this.t.deployments;
    const rows = await this.db
      .select()
      .from(d)
      .where(and(eq(d.installationId, installationId), eq(d.id, id)));
    return rows[0] ?? null;
  }

  async listDeployments(installationId: number, repositoryId: number): Promise<DeploymentRecord[]> {
    const d = this.t.deployments;
    return this.db
      .select()
      .from(d)
      .where(and(eq(d.installationId, installationId), eq(d.repositoryId, repositoryId)))
      .orderBy(...this.#deploymentOrder("asc"));
  }
}
