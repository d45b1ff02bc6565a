// The store query the API's bounds read, on both dialects: the number of changes a report would
// read (API_MAX_REPORT_CHANGES).
import { expect, it } from "vitest";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

eachDialect("store: changes a report would read", ({ newStore }) => {
  it("counts exactly the rows listReportChanges reads, for an organisation and for a repository", async () => {
    const store = await newStore();
    await seedRepository(store, 1, "acme", 10, "shop", T0 - 400 * DAY);
    await seedRepository(store, 1, "acme", 11, "site", T0 - 400 * DAY);
    await seedRepository(store, 2, "globex", 20, "secret", T0 - 400 * DAY);
    const since = T0 - 28 * DAY;
    // Merged in the period (two repositories), before it and shipped in it, before it and shipped before it.
    for (const n of [1, 2, 3])
      await seedChange(store, 1, 10, { number: n, engineer: "ana", mergedAt: since + n * DAY });
    await seedChange(store, 1, 11, { number: 1, engineer: "ben", mergedAt: since + DAY });
    const late = await seedChange(store, 1, 10, { number: 4, engineer: "cy", mergedAt: since - 3 * DAY });
    await seedDeployment(store, 1, 10, "1", since + DAY, [late]);
    const old = await seedChange(store, 1, 10, { number: 5, engineer: "dee", mergedAt: since - 9 * DAY });
    await seedDeployment(store, 1, 10, "0", since - 8 * DAY, [old]);
    // Another installation's change in the period.
    await seedChange(store, 2, 20, { number: 1, engineer: "zed", mergedAt: since + DAY });

    for (const scope of [{ installationId: 1 }, { installationId: 1, repositoryIds: [10] }, { installationId: 2 }]) {
      const rows = await store.listReportChanges(scope, since, T0);
      expect(await store.countReportChanges(scope, since, T0), JSON.stringify(scope)).toBe(rows.length);
    }
    expect(await store.countReportChanges({ installationId: 1 }, since, T0)).toBe(5);
    expect(await store.countReportChanges({ installationId: 1, repositoryIds: [10] }, since, T0)).toBe(4);
    expect(await store.countReportChanges({ installationId: 1 }, T0, T0 + DAY)).toBe(0);
  });
});
