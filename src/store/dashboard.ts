// The dashboard's facts: sign-in sessions (by the hash of their token) and the leads' verdicts on
// sampled changes' attribution.

import { and, eq, inArray, lte } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import type { AuditMark, DashboardQueries, DashboardSession } from "./types.js";

/** What a session may see, as its `installations` column holds it (JSON). */
interface SessionAccess {
  installations: number[];
  repositories: Record<number, number[]>;
}

export class DashboardStore extends StoreModule implements DashboardQueries {
  async createSession(session: DashboardSession): Promise<void> {
    const { installationIds, repositoryIds, ...rest } = session;
    const access: SessionAccess = { installations: installationIds, repositories: repositoryIds };
    await this.db.insert(this.t.dashboardSessions).values({ ...rest, installations: JSON.stringify(access) });
  }

  async getSession(tokenHash: string, now: number): Promise<DashboardSession | null> {
    const t = this.t.dashboardSessions;
    const [row] = await this.db.select().from(t).where(eq(t.tokenHash, tokenHash));
    if (!row || row.expiresAt <= now) return null;
    const { installations, ...rest } = row;
    const access = JSON.parse(installations) as SessionAccess | number[];
    // A session of an earlier version holds installation ids alone: what its user may see of each
    // is not known, so it is not a session (its user signs in again).
    if (Array.isArray(access)) return null;
    return { ...rest, installationIds: access.installations, repositoryIds: access.repositories };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    const t = this.t.dashboardSessions;
    await this.db.delete(t).where(eq(t.tokenHash, tokenHash));
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    const t = this.t.dashboardSessions;
    const gone = await this.db.delete(t).where(lte(t.expiresAt, now)).returning({ id: t.tokenHash });
    return gone.length;
  }

  async markAttribution(mark: AuditMark): Promise<void> {
    const t = this.t.auditMarks;
    const { installationId, changeId, ...rest } = mark;
    await this.db
      .insert(t)
      .values(mark)
      .onConflictDoUpdate({ target: [t.installationId, t.changeId], set: rest });
  }

  async unmarkAttribution(installationId: number, changeId: number): Promise<void> {
    const t = this.t.auditMarks;
    await this.db.delete(t).where(and(eq(t.installationId, installationId), eq(t.changeId, changeId)));
  }

  async listMarks(installationId: number, changeIds: readonly number[]): Promise<AuditMark[]> {
    if (changeIds.length === 0) return [];
    const t = this.t.auditMarks;
    const rows = await this.db
      .select()
      .from(t)
      .where(and(eq(t.installationId, installationId), inArray(t.changeId, [...changeIds])));
    return rows.map((r) => ({ ...r, verdict: r.verdict as AuditMark["verdict"] }));
  }
}
