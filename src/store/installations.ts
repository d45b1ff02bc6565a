// Installations of the app, their accounts (and every login each had) and repositories.

import { and, asc, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import { StoreModule } from "./dialect.js";
import type { InstallationQueries, InstallationRecord, RepositoryRecord, RepositorySettings } from "./types.js";

/** Stored repository settings; anything unreadable counts as never read (the instance's settings apply). */
function parseSettings(json: string | null): RepositorySettings | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as Partial<RepositorySettings>;
    if (typeof value.revertWindowDays !== "number" || !Array.isArray(value.ignorePaths)) return null;
    return {
      revertWindowDays: value.revertWindowDays,
      ignorePaths: value.ignorePaths.filter((p): p is string => typeof p === "string"),
      ...(typeof value.minGroupSize === "number" ? { minGroupSize: value.minGroupSize } : {}),
      ...(value.evidence === "any" || value.evidence === "explicit" ? { evidence: value.evidence } : {}),
    };
  } catch {
    return null;
  }
}

/** Case-insensitive name order, the same in both dialects. */
export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** What an installation without a known account login is recorded as: never matched as a login. */
const UNKNOWN_LOGIN = "unknown";

/** Installations of the app, their accounts (and every login each had) and repositories. */
export class InstallationStore extends StoreModule implements InstallationQueries {
  async upsertInstallation(installation: {
    id: number;
    accountId?: number | null;
    accountLogin: string | null;
    accountType: string;
    suspendedAt?: number | null;
    now: number;
  }): Promise<void> {
    const t = this.t.installations;
    // A deleted installation stays deleted: GitHub gives an installation made again a new id, so
    // whatever arrives for this one after its deletion was sent before it (a retried delivery).
    const set: Partial<typeof t.$inferInsert> = {
      accountType: installation.accountType,
      updatedAt: installation.now,
    };
    // An unknown login or account id never erases a known one.
    if (installation.accountLogin) set.accountLogin = installation.accountLogin;
    if (installation.accountId != null) set.accountId = installation.accountId;
    if (installation.suspendedAt !== undefined) set.suspendedAt = installation.suspendedAt;
    await this.db
      .insert(t)
      .values({
        id: installation.id,
        accountId: installation.accountId ?? null,
        accountLogin: installation.accountLogin || UNKNOWN_LOGIN,
        accountType: installation.accountType,
        suspendedAt: installation.suspendedAt ?? null,
        createdAt: installation.now,
        updatedAt: installation.now,
      })
      .onConflictDoUpdate({ target: t.id, set });
    if (installation.accountId != null && installation.accountLogin) {
      await this.#recordLogin(installation.accountId, installation.accountLogin, installation.now);
    }
  }

  async renameAccount(accountId: number, login: string, now: number): Promise<void> {
    if (!login) return;
    const t = this.t.installations;
    await this.db.update(t).set({ accountLogin: login, updatedAt: now }).where(eq(t.accountId, accountId));
    await this.#recordLogin(accountId, login, now);
  }

  async #recordLogin(accountId: number, login: string, now: number): Promise<void> {
    const l = this.t.accountLogins;
    await this.db
      .insert(l)
      .values({ accountId, login: login.toLowerCase(), seenAt: now })
      .onConflictDoNothing({ target: [l.accountId, l.login] });
  }

  async findInstallationsByLogin(login: string): Promise<InstallationRecord[]> {
    const t = this.t.installations;
    const l = this.t.accountLogins;
    const name = login.toLowerCase();
    if (name === "" || name === UNKNOWN_LOGIN) return [];
    const known = this.db.select({ accountId: l.accountId }).from(l).where(eq(l.login, name));
    return this.db
      .select(this.#installationColumns())
      .from(t)
      .where(
        or(
          inArray(t.accountId, known),
          // Recorded before account ids were kept: by the login it was last seen with.
          and(isNull(t.accountId), sql`lower(${t.accountLogin}) = ${name}`),
        ),
      )
      .orderBy(asc(t.id));
  }

  async findInstallationsByAccountId(accountId: number): Promise<InstallationRecord[]> {
    const t = this.t.installations;
    return this.db.select(this.#installationColumns()).from(t).where(eq(t.accountId, accountId)).orderBy(asc(t.id));
  }

  #installationColumns() {
    const t = this.t.installations;
    return {
      id: t.id,
      accountId: t.accountId,
      accountLogin: t.accountLogin,
      accountType: t.accountType,
      suspendedAt: t.suspendedAt,
      deletedAt: t.deletedAt,
      minGroupSize: t.minGroupSize,
    };
  }

  async recordInstallationMinGroupSize(id: number, minGroupSize: number | null, now: number): Promise<void> {
    const t = this.t.installations;
    const [current] = await this.db.select({ minGroupSize: t.minGroupSize }).from(t).where(eq(t.id, id));
    if (!current || current.minGroupSize === minGroupSize) return;
    await this.db.update(t).set({ minGroupSize, updatedAt: now }).where(eq(t.id, id));
  }

  async recordInstallationPrices(id: number, prices: Record<string, unknown> | null, now: number): Promise<void> {
    const t = this.t.installations;
    const json = prices === null || Object.keys(prices).length === 0 ? null : JSON.stringify(prices);
    const [current] = await this.db.select({ costPrices: t.costPrices }).from(t).where(eq(t.id, id));
    if (!current || current.costPrices === json) return;
    await this.db.update(t).set({ costPrices: json, updatedAt: now }).where(eq(t.id, id));
  }

  async getInstallationPrices(id: number): Promise<Record<string, unknown> | null> {
    const t = this.t.installations;
    const [row] = await this.db.select({ costPrices: t.costPrices }).from(t).where(eq(t.id, id));
    if (!row?.costPrices) return null;
    try {
      const value: unknown = JSON.parse(row.costPrices);
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }

  async markInstallationDeleted(id: number, now: number): Promise<void> {
    const t = this.t.installations;
    await this.db.update(t).set({ deletedAt: now, updatedAt: now }).where(eq(t.id, id));
  }

  async getInstallation(id: number): Promise<InstallationRecord | null> {
    const t = this.t.installations;
    const rows = await this.db.select(this.#installationColumns()).from(t).where(eq(t.id, id));
    return rows[0] ?? null;
  }

  async upsertRepositories(
    installationId: number,
    repositories: Array<{ id: number; fullName: string; private: boolean; defaultBranch?: string | null }>,
    now: number,
    { receivedAt, moves = true }: { receivedAt?: number; moves?: boolean } = {},
  ): Promise<{ withheld: number[] }> {
    const t = this.t.repositories;
    const since = receivedAt ?? now;
    const withheld: number[] = [];
    let uninstalled: boolean | undefined; // asked only when a repository would move
    for (const repository of repositories) {
      const [before] = await this.db
        .select({ installationId: t.installationId, installedSince: t.installedSince, removedAt: t.removedAt })
        .from(t)
        .where(eq(t.id, repository.id));
      const moving = before !== undefined && before.installationId !== installationId;
      // An event received before the repository was removed from this installation (a retried or
      // concurrent delivery) does not put it back: only a later one, or GitHub's listing, does.
      if (!moving && receivedAt !== undefined && before?.removedAt != null && receivedAt <= before.removedAt) continue;
      // Never to an uninstalled installation, and, for an event received before the one that gave
      // the repository to its installation (a late delivery of the installation it left), not at all.
      if (moving && receivedAt !== undefined && before.installedSince !== null && receivedAt <= before.installedSince)
        continue;
      if (moving) {
        uninstalled ??= (await this.getInstallation(installationId))?.deletedAt != null;
        if (uninstalled) continue;
        if (!moves) {
          withheld.push(repository.id);
          continue;
        }
      }
      const set: Partial<typeof t.$inferInsert> = {
        installationId,
        fullName: repository.fullName,
        private: repository.private,
        removedAt: null,
        updatedAt: now,
      };
      if (moving) set.installedSince = since;
      // A payload without default_branch (installation events) must not erase a known one.
      if (repository.defaultBranch) set.defaultBranch = repository.defaultBranch;
      await this.db
        .insert(t)
        .values({
          id: repository.id,
          installationId,
          fullName: repository.fullName,
          defaultBranch: repository.defaultBranch ?? null,
          private: repository.private,
          updatedAt: now,
          installedSince: since,
        })
        .onConflictDoUpdate({ target: t.id, set });
      if (moving) {
        // The app was installed again (a new installation id), or the repository was transferred
        // to an account that has the app: its history goes with it, as on GitHub.
        await this.#moveRepositoryHistory(repository.id, installationId);
      }
    }
    return { withheld };
  }

  async #moveRepositoryHistory(repositoryId: number, installationId: number): Promise<void> {
    const c = this.t.changes;
    const d = this.t.deployments;
    const cs = this.t.changeSessions;
    await this.db.update(c).set({ installationId }).where(eq(c.repositoryId, repositoryId));
    await this.db.update(d).set({ installationId }).where(eq(d.repositoryId, repositoryId));
    // The sessions its changes name join the spend of the installation that has them now (and no
    // longer the one it left: its spend would read another account's changes' fates).
    await this.db
      .update(cs)
      .set({ installationId })
      .where(inArray(cs.changeId, this.db.select({ id: c.id }).from(c).where(eq(c.repositoryId, repositoryId))));
  }

  async markRepositoriesRemoved(installationId: number, repositoryIds: number[], now: number): Promise<void> {
    if (repositoryIds.length === 0) return;
    const t = this.t.repositories;
    await this.db
      .update(t)
      .set({ removedAt: now, updatedAt: now })
      .where(and(eq(t.installationId, installationId), inArray(t.id, repositoryIds)));
  }

  async recordRepositorySettings(
    installationId: number,
    repositoryId: number,
    settings: RepositorySettings | null,
    now: number,
  ): Promise<void> {
    const t = this.t.repositories;
    const json =
      settings === null
        ? null
        : JSON.stringify({
            revertWindowDays: settings.revertWindowDays,
            ignorePaths: settings.ignorePaths,
            ...(settings.minGroupSize !== undefined ? { minGroupSize: settings.minGroupSize } : {}),
            ...(settings.evidence !== undefined ? { evidence: settings.evidence } : {}),
          });
    const where = and(eq(t.id, repositoryId), eq(t.installationId, installationId));
    const [current] = await this.db.select({ metricSettings: t.metricSettings }).from(t).where(where);
    if (!current || current.metricSettings === json) return;
    await this.db.update(t).set({ metricSettings: json, updatedAt: now }).where(where);
  }

  async listRepositories(
    installationId: number,
    options: { includeRemoved?: boolean } = {},
  ): Promise<RepositoryRecord[]> {
    const t = this.t.repositories;
    const where = options.includeRemoved
      ? eq(t.installationId, installationId)
      : and(eq(t.installationId, installationId), isNull(t.removedAt));
    const repositories = await this.#repositories(where);
    // Sorted here, not in SQL: the dialects' collations order names differently.
    return repositories.sort((a, b) => compareNames(a.fullName, b.fullName));
  }

  async getRepository(installationId: number, repositoryId: number): Promise<RepositoryRecord | null> {
    const t = this.t.repositories;
    const [repository] = await this.#repositories(and(eq(t.installationId, installationId), eq(t.id, repositoryId)));
    return repository ?? null;
  }

  async #repositories(where: SQL | undefined): Promise<RepositoryRecord[]> {
    const t = this.t.repositories;
    const rows = await this.db
      .select({
        id: t.id,
        installationId: t.installationId,
        fullName: t.fullName,
        defaultBranch: t.defaultBranch,
        private: t.private,
        removedAt: t.removedAt,
        metricSettings: t.metricSettings,
        installedSince: t.installedSince,
      })
      .from(t)
      .where(where);
    return rows.map((row) => ({ ...row, metricSettings: parseSettings(row.metricSettings) }));
  }

  async findRepository(installationId: number, fullName: string): Promise<RepositoryRecord | null> {
    const t = this.t.repositories;
    const where = and(eq(t.installationId, installationId), sql`lower(${t.fullName}) = ${fullName.toLowerCase()}`);
    const repositories = await this.#repositories(where);
    // A name a removed repository had and one the installation has now (deleted and created again,
    // renamed) is the one it has now; among removed ones, the last removed.
    const current = repositories.filter((r) => r.removedAt === null);
    if (current.length === 0) return latest(repositories, (r) => r.removedAt ?? 0);
    if (current.length === 1) return current[0] ?? null;
    // Two that the installation has: a repository renamed on GitHub keeps its old name here until a
    // delivery of its own brings the new one (a rename is no event the app receives), so the one a
    // delivery named so last has the name now (the other had it before it was created); GitHub's
    // ids grow, so the later repository when the times are equal.
    const updated = new Map(
      (await this.db.select({ id: t.id, updatedAt: t.updatedAt }).from(t).where(where)).map((r) => [r.id, r.updatedAt]),
    );
    return latest(current, (r) => updated.get(r.id) ?? 0);
  }
}

/** The record of the greatest key; the greater id among equal keys. */
function latest(records: readonly RepositoryRecord[], key: (r: RepositoryRecord) => number): RepositoryRecord | null {
  let best: RepositoryRecord | null = null;
  for (const r of records) {
    if (best === null || key(r) > key(best) || (key(r) === key(best) && r.id > best.id)) best = r;
  }
  return best;
}
