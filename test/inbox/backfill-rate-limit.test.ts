// A backfill near the rate limit leaves live work its share: against a fake GitHub that enforces
// an hour's budget per installation (REST and GraphQL, answering 403 "rate limit exceeded" when
// it is spent), the backfill stops at the reserve and waits for the reset, and a pull request
// opened meanwhile gets its "AI attribution" check. Without a reserve the backfill spends the
// hour and the same check cannot be written: the test shows what the reserve is for.
import nock from "nock";
import { afterEach, beforeEach, expect, it } from "vitest";
import { defaultHandlers } from "../../src/app.js";
import { CHECK_NAME } from "../../src/checks/attribution-check.js";
import type { Store } from "../../src/store/types.js";
import { history, INSTALLATION, installationCreated } from "../helpers/backfill-history.js";
import { API, type GitHubModel } from "../helpers/github-model.js";
import { loadApp } from "../helpers/probot.js";
import { type Scenario, T } from "../helpers/scenario.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.parse(T(1000));
const RESET = NOW + 40 * 60_000;

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The installation's REST hour, as GitHub keeps it: every answer says what is left. */
class RestBudget {
  remaining: number;
  constructor(readonly limit: number) {
    this.remaining = limit;
  }
  headers() {
    return {
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-remaining": String(this.remaining),
      "x-ratelimit-reset": String(Math.floor(RESET / 1000)),
      "x-ratelimit-resource": "core",
    };
  }
}

/** Mounts the model behind the budget: a REST request past it gets GitHub's 403. */
function mountWithBudget(model: GitHubModel, budget: RestBudget) {
  const scope = nock(API).persist();
  for (const route of model.routes()) {
    scope.intercept(route.pattern, route.method).reply((uri, body) => {
      const graphql = uri.startsWith("/graphql");
      if (!graphql) {
        if (budget.remaining <= 0) {
          return [403, { message: `API rate limit exceeded for installation ID ${INSTALLATION}.` }, budget.headers()];
        }
        budget.remaining--;
      }
      const [status, answer, headers] = route.reply(uri, body) ?? [404, { message: "Not Found" }];
      return [status, answer, { ...headers, ...(graphql ? {} : budget.headers()) }];
    });
  }
}

/**
 * A history whose deployments are settled by GitHub's compare (many commits between few
 * deployments: walking the branch would cost more), one REST call each: the backfill would spend
 * the REST hour if nothing held it back.
 */
function bigHistory() {
  const { sc } = history();
  for (let n = 100; n < 100 + 300; n++) {
    sc.merge(n, { at: 11 + (n - 100) / 10, commits: 5, method: "merge" });
    if (n % 20 === 19) sc.deploy(sc.main, 11 + (n - 100) / 10 + 0.05);
  }
  return sc;
}

async function scenarioRun(newStore: () => Promise<Store>, reserve: number) {
  const sc = bigHistory();
  // A small hour, so that a small history spends it: 24 REST requests (a reserve of 5).
  const rest = new RestBudget(24);
  mountWithBudget(sc.gh, rest);
  nock(API)
    .persist()
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: 1, repositories: [sc.gh.repositoryJson()] });

  let now = NOW;
  const waits: Array<{ ms: number; resolve: () => void }> = [];
  const waiting = () =>
    new Promise<void>((resolve) => {
      const poll = () => (waits.length > 0 ? resolve() : setTimeout(poll, 5));
      poll();
    });
  const store = await newStore();
  const app = await loadApp({
    store,
    now: () => now,
    handlers: defaultHandlers,
    worker: { backoff: { maxAttempts: 1 } },
    backfill: {
      days: 42,
      reserve,
      sleep: (ms) => new Promise<void>((resolve) => waits.push({ ms, resolve })),
    },
  });
  const created = installationCreated(sc);
  await app.probot.receive({ id: "install", name: "installation", payload: created as never });
  await app.worker.drain();

  // The backfill runs until GitHub's hour makes it wait.
  const pass = app.shipledger.backfills?.runOnce();
  await waiting();
  const waitedFor = waits[0]?.ms;
  const restLeft = rest.remaining;

  // Meanwhile a pull request is opened: its check is live work.
  openPull(sc);
  await app.probot.receive({
    id: "opened",
    name: "pull_request",
    payload: sc.gh.openedEvent(900, INSTALLATION) as never,
  });
  await app.worker.drain();
  const check = sc.gh.checkRuns.find((r) => r.name === CHECK_NAME && r.head_sha === sc.gh.pulls.get(900)?.head.sha);
  const delivery = await store.inbox.getDelivery("opened");

  // The hour resets: the backfill goes on and finishes.
  rest.remaining = 5_000;
  now = RESET + 1_000;
  for (;;) {
    const wait = waits.shift();
    if (wait) wait.resolve();
    const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
    if (run?.phase === "done" || run?.phase === "failed") break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await pass;
  return { sc, store, restLeft, check, delivery, waited: waitedFor };
}

function openPull(sc: Scenario) {
  sc.gh.openPull(900, [
    {
      sha: "9".repeat(40),
      author: { name: "Mona", email: "mona@example.com", login: "mona" },
      message: "Add search\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
    },
  ]);
}

eachDialect("inbox: a backfill near the rate limit", ({ newStore }) => {
  it("stops at the reserve, so that a pull request opened meanwhile gets its check; then finishes", async () => {
    const { store, restLeft, check, delivery, waited } = await scenarioRun(newStore, 0.2);
    // It waited for the reset (40 minutes away) with a fifth of the hour left.
    expect(restLeft).toBe(5);
    expect(waited).toBe(RESET - NOW + 1_000);
    expect(delivery).toMatchObject({ status: "done" });
    expect(check).toMatchObject({ status: "completed" });
    expect(check?.output?.title).toMatch(/AI-assisted/);
    const [run] = await store.backfills.listBackfillRuns(INSTALLATION);
    expect(run).toMatchObject({ phase: "done", merged: 306, error: null });
  });

  it("without a reserve, the backfill spends the hour and the check cannot be written", async () => {
    const { restLeft, check, delivery } = await scenarioRun(newStore, 0);
    expect(restLeft).toBe(0);
    expect(check).toBeUndefined();
    expect(delivery?.status).not.toBe("done");
    expect(delivery?.lastError).toMatch(/rate limit/i);
  });
});
