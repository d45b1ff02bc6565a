// A repository renamed on GitHub keeps its old name in the ledger until a delivery of its own
// brings the new one (the app receives no event for a rename), and a new repository can take the
// name meanwhile ("site" renamed "site-old" and archived, a fresh "site" created). The name then
// means the new repository, in a report and in /metrics, which has one series per name; both dialects.
import { createServer, type Server } from "node:http";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Store } from "../../src/store/types.js";
import { createApiHandler } from "../../src/web/api.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.UTC(2026, 10, 24, 12);
const TOKEN = "token-for-acme-0123456789";

eachDialect("a repository name two of an installation's repositories carry", ({ newStore }) => {
  let store: Store;
  let server: Server;
  let base: string;
  beforeEach(async () => {
    store = await newStore();
    // The old "acme/site" (id 10): five engineers shipped AI-assisted changes, then it was renamed
    // on GitHub and archived: no delivery of it has come since.
    await seedRepository(store, 1, "acme", 10, "site", NOW - 60 * DAY);
    const shas: string[] = [];
    for (const [i, engineer] of ["ana", "ben", "cy", "dee", "eve"].entries()) {
      shas.push(await seedChange(store, 1, 10, { number: i + 1, engineer, ai: true, mergedAt: NOW - 20 * DAY }));
    }
    await seedDeployment(store, 1, 10, "old", NOW - 19 * DAY, shas);
    // The new "acme/site" (id 11), created afterwards: one engineer's change, not deployed yet.
    await seedRepository(store, 1, "acme", 11, "site", NOW - 2 * DAY);
    await seedChange(store, 1, 11, { number: 1, engineer: "zoe", ai: false, mergedAt: NOW - DAY });
    const handler = createApiHandler({
      store,
      tokens: [{ token: TOKEN, owners: ["acme"] }],
      now: () => NOW,
      metric: { minGroupSize: 1, revertWindowDays: 14, ignorePaths: [] },
    });
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
  });
  const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

  it("reports on the repository that has the name now", async () => {
    const res = await get("/api/v1/report?repo=acme/site");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ scope: "acme/site", activeEngineers: 1, changesShipped: 0 });
    expect(await store.installations.findRepository(1, "acme/site")).toMatchObject({ id: 11 });
  });

  it("gives /metrics one series per name, the repository's that has it now", async () => {
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    const samples = (await res.text()).split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    const series = samples.map((line) => line.slice(0, line.lastIndexOf(" ")));
    expect(series.length).toBeGreaterThan(0);
    expect(new Set(series).size).toBe(series.length);
    expect(samples).toContain('shipledger_active_engineers{repository="acme/site"} 1');
    expect(samples).toContain('shipledger_changes_shipped{repository="acme/site"} 0');
  });
});
