// A repository that counts explicit evidence only (`metric.evidence: explicit`), on the dashboard:
// its timeline says which shipped changes count as AI-assisted and for which agents, and which
// rest on hints alone; its audit samples only the changes its figures count.
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { createDashboardRoutes } from "../../../src/web/dashboard/routes.js";
import type { DashboardAuth } from "../../../src/web/dashboard/types.js";
import { createHttpServer, type HttpServer } from "../../../src/web/http-server.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../../helpers/ledger-seed.js";

const NOW = Date.UTC(2026, 10, 24, 12);
let store: Store;
let http: HttpServer;
const auth: DashboardAuth = {
  routes: async () => false,
  user: async () => ({ userId: 42, login: "lead", installationIds: [1], repositoryIds: { 1: [10] } }),
  csrfToken: async () => "csrf",
  checkCsrf: async (_req: IncomingMessage, token: string | undefined) => token === "csrf",
};

beforeAll(async () => {
  store = await openStore(":memory:");
  await seedRepository(store, 1, "acme", 10, "shop", NOW - 60 * DAY);
  await store.installations.recordRepositorySettings(
    1,
    10,
    { revertWindowDays: 14, ignorePaths: [], evidence: "explicit" },
    NOW - 30 * DAY,
  );
  const trailer = {
    agent: "claude-code",
    marker: "claude-code/co-author",
    source: "trailer" as const,
    text: "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>",
  };
  const branch = { agent: "cursor", marker: "cursor/branch", source: "branch" as const, text: "cursor/fix" };
  for (const [i, engineer] of ["ana", "ben", "cy", "dee", "eve"].entries()) {
    const merged = NOW - (10 + i) * DAY;
    // A Claude trailer on a cursor/ branch (#1..5), and a cursor/ branch alone (#11..15).
    const explicit = await seedChange(store, 1, 10, {
      number: i + 1,
      engineer,
      ai: true,
      agents: ["claude-code", "cursor"],
      evidence: [trailer, branch],
      mergedAt: merged,
    });
    const hinted = await seedChange(store, 1, 10, {
      number: i + 11,
      engineer,
      ai: true,
      aiEvidence: "circumstantial",
      agents: ["cursor"],
      evidence: [branch],
      mergedAt: merged,
    });
    await seedDeployment(store, 1, 10, `d${i}`, merged + DAY, [explicit, hinted]);
  }
  const log = { info() {}, warn() {}, error() {}, debug() {}, isLevelEnabled: () => false };
  http = createHttpServer({ host: "127.0.0.1", port: 0, log: log as never });
  http.use(
    createDashboardRoutes({
      store,
      auth,
      metric: { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [] },
      now: () => NOW,
      webUrl: "https://github.com",
      secure: true,
    }),
  );
  await http.start();
});
afterAll(async () => {
  await http.stop(100);
  await store.close();
});

const page = async (path: string) => (await fetch(`${http.url}${path}`)).text();
const cell = (body: string, number: number) =>
  new RegExp(`pull/${number}">#${number}</a></th><td>[^<]*</td>\\s*<td>([^<]*)</td>`).exec(body)?.[1];

it("the timeline credits explicit evidence's agents, and says which changes rest on hints alone", async () => {
  const body = await page("/dashboard/o/acme/r/shop");
  for (let n = 1; n <= 5; n++) expect(cell(body, n)).toBe("yes: claude-code");
  for (let n = 11; n <= 15; n++) expect(cell(body, n)).toBe("hints only: cursor (not counted: explicit evidence only)");
});

it("the audit samples the changes the figures count, not those on hints alone", async () => {
  const body = await page("/dashboard/o/acme/audit?repo=shop");
  expect(body).toContain("of the 5 sampled changes");
  const sampled = [...body.matchAll(/pull\/(\d+)"/g)].map((m) => Number(m[1]));
  expect(new Set(sampled)).toEqual(new Set([1, 2, 3, 4, 5]));
});
