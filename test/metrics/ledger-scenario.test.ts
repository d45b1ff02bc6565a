// The hand-computed scenario (test/metrics/scenario.ts) through the ledger: its changes are
// written with the store, their fates set as the linking would have set them, and the report is
// read back with the same query the CLI and the API use — on SQLite and on Postgres.
import Database from "better-sqlite3";
import pg from "pg";
import { expect, it } from "vitest";
import { buildReport, resolveScope } from "../../src/metrics/report.js";
import { parseDatabaseUrl } from "../../src/store/database-url.js";
import { openStore } from "../../src/store/open.js";
import { eachDialect } from "../helpers/stores.js";
import { changes, expected, options, SINCE, UNTIL } from "./scenario.js";

eachDialect("metric: the hand-computed scenario through the ledger", ({ newDatabaseUrl }) => {
  it("reports exactly the hand-computed figures", async () => {
    const url = await newDatabaseUrl();
    const store = await openStore(url);
    const repositoryId = changes[0]?.repositoryId ?? 1;
    const fates: Array<[number, (typeof changes)[number]]> = [];
    try {
      await store.upsertInstallation({ id: 7, accountLogin: "acme", accountType: "Organization", now: SINCE });
      await store.upsertRepositories(7, [{ id: repositoryId, fullName: "acme/shop", private: false }], SINCE);
      for (const c of changes) {
        const sha = c.id.toString(16).padStart(40, "e");
        const id = await store.recordChange(
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

    const reader = await openStore(url);
    try {
      const scope = await resolveScope(reader, { repo: "acme/shop" });
      const report = await buildReport(reader, scope, { since: SINCE, until: UNTIL }, options);
      expect(report).toEqual(expected);
    } finally {
      await reader.close();
    }
  });
});
