// The dashboard's facts: sign-in sessions (by the hash of their token) and the leads' verdicts on
// sampled changes' attribution.

import { and, eq, inArray, lte } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import type { AuditMark, DashboardQueries, DashboardSession } from "./types.js";

export class DashboardStore extends StoreModule implements DashboardQueries {
  async createSession(session: DashboardSession): Promise<void> {
    const { installationIds, ...rest } = session;
    await this.db.insert(this.t.dashboardSessions).values({ ...rest, installations: JSON.stringify(installationIds) });
  }

  async getSession(tokenHash: string, now: number): Promise<DashboardSession | null> {
    const t = this.t.dashboardSessions;
    const [row] = await this.db.select().from(t).where(eq(t.tokenHash, tokenHash));
    if (!row || row.expiresAt <= now) return null;
    const { installations, ...rest } = row;
    return { ...rest, installationIds: JSON.parse(installations) as number[] };
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
