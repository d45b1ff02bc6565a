// The backfill's rate budget: reads GitHub's rate-limit headers per resource, waits (on a fake
// clock) while only the reserve is left, and waits out 403/429 rate-limit answers before sending
// the request again; other errors are the caller's at once.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RateBudget, rateLimitedWait, waitForReserve, windowFromHeaders } from "../../src/github/rate-budget.js";

const API = "https://api.github.com";
const NOW = 1_800_000_000_000;

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("waitForReserve", () => {
  const reset = NOW + 600_000;
  it.each([
    ["no window seen yet", undefined, 0],
    ["plenty left", { limit: 5000, remaining: 1001, resetAt: reset }, 0],
    ["at the reserve (20% of 5,000)", { limit: 5000, remaining: 1000, resetAt: reset }, 601_000],
    ["nothing left", { limit: 5000, remaining: 0, resetAt: reset }, 601_000],
    ["the window already reset", { limit: 5000, remaining: 0, resetAt: NOW - 1 }, 0],
    [
      "a reset far off is looked at again within the hour",
      { limit: 5000, remaining: 0, resetAt: NOW + 5 * 3_600_000 },
      3_600_000,
    ],
    ["a zero limit (no budget known)", { limit: 0, remaining: 0, resetAt: reset }, 0],
  ])("%s", (_name, window, expected) => {
    expect(waitForReserve(window, 0.2, NOW)).toBe(expected);
  });
});

describe("rateLimitedWait", () => {
  const error = (status: number, headers: Record<string, string>, message = "x") =>
    Object.assign(new Error(message), { status, response: { headers } });
  it.each([
    ["429 with retry-after", error(429, { "retry-after": "30" }), 30_000],
    ["403 secondary limit with retry-after", error(403, { "retry-after": "61" }), 61_000],
    [
      "403 primary limit: nothing remaining until reset",
      error(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String((NOW + 90_000) / 1000) }),
      91_000,
    ],
    [
      "403 secondary limit without retry-after: a minute",
      error(403, {}, "You have exceeded a secondary rate limit"),
      60_000,
    ],
    ["429 without headers: a minute", error(429, {}), 60_000],
    [
      "403 forbidden (no permission) is not a rate limit",
      error(403, { "x-ratelimit-remaining": "4000" }, "Resource not accessible by integration"),
      null,
    ],
    ["404", error(404, {}), null],
    ["502", error(502, { "retry-after": "5" }), null],
  ])("%s", (_name, e, expected) => {
    expect(rateLimitedWait(e, NOW)).toBe(expected);
  });

  it("reads windows from headers, per resource", () => {
    expect(
      windowFromHeaders({
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "42",
        "x-ratelimit-reset": "1800000600",
        "x-ratelimit-resource": "graphql",
      }),
    ).toEqual({ resource: "graphql", window: { limit: 5000, remaining: 42, resetAt: 1_800_000_600_000 } });
    expect(windowFromHeaders({ "x-ratelimit-limit": "5000" })).toBeNull();
  });
});

describe("RateBudget.wrap", () => {
  function clock() {
    let now = NOW;
    const waits: number[] = [];
    return {
      now: () => now,
      waits,
      sleep: async (ms: number) => {
        waits.push(ms);
        now += ms;
      },
    };
  }
  const limits = (remaining: number, resource = "core", resetAt = NOW + 600_000) => ({
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": String(Math.floor(resetAt / 1000)),
    "x-ratelimit-resource": resource,
  });

  it("keeps the reserve: waits for the reset once only 20% is left, per resource", async () => {
    const c = clock();
    const budget = new RateBudget({ now: c.now, sleep: c.sleep });
    const octokit = budget.wrap(new Octokit({ request: { retries: 0 } }));
    nock(API).get("/rate_limit").reply(200, {}, limits(1001)).get("/rate_limit").reply(200, {}, limits(1000));
    nock(API)
      .post("/graphql")
      .reply(200, { data: { viewer: { login: "x" } } }, limits(10, "graphql"));
    await octokit.request("GET /rate_limit");
    await octokit.request("GET /rate_limit");
    expect(c.waits).toEqual([]);
    // GraphQL's budget is its own: its first request goes, and sees 10 left.
    await octokit.graphql("query { viewer { login } }");
    expect(c.waits).toEqual([]);
    // REST is at the reserve now: the next request waits for the reset (+1 s), then goes.
    nock(API)
      .get("/rate_limit")
      .reply(200, {}, limits(4999, "core", NOW + 4_200_000));
    await octokit.request("GET /rate_limit");
    expect(c.waits).toEqual([601_000]);
    expect(budget.window("core")).toMatchObject({ remaining: 4999 });
    expect(budget.requests).toBe(4);
  });

  it("waits out a rate-limited answer and sends the request again; other errors at once", async () => {
    const c = clock();
    const seen: string[] = [];
    const budget = new RateBudget({ now: c.now, sleep: c.sleep, onWait: (w) => seen.push(`${w.reason} ${w.ms}`) });
    const octokit = budget.wrap(new Octokit({ request: { retries: 0 } }));
    nock(API)
      .get("/repos/o/r")
      .reply(429, { message: "slow down" }, { "retry-after": "7" })
      .get("/repos/o/r")
      .reply(403, { message: "API rate limit exceeded" }, limits(0, "core", NOW + 7_000 + 20_000))
      .get("/repos/o/r")
      .reply(200, { id: 1 }, limits(4999));
    const { data } = await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" });
    expect(data).toEqual({ id: 1 });
    expect(seen).toEqual(["rate-limited 7000", "rate-limited 21000"]);
    nock(API).get("/repos/o/gone").reply(404, { message: "Not Found" });
    await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "gone" })).rejects.toMatchObject({
      status: 404,
    });
    expect(c.waits).toEqual([7_000, 21_000]);
  });

  it("waits out GraphQL's RATE_LIMITED answer (a 200) until the reset, then asks again", async () => {
    const c = clock();
    const budget = new RateBudget({ now: c.now, sleep: c.sleep });
    const octokit = budget.wrap(new Octokit({ request: { retries: 0 } }));
    nock(API)
      .post("/graphql")
      .reply(
        200,
        { data: null, errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded for installation ID 1." }] },
        limits(0, "graphql", NOW + 120_000),
      )
      .post("/graphql")
      .reply(200, { data: { viewer: { login: "x" } } }, limits(4999, "graphql"));
    expect(await octokit.graphql("query { viewer { login } }")).toEqual({ viewer: { login: "x" } });
    expect(c.waits).toEqual([121_000]);
  });

  it("gives up after maxRetries rate-limited answers, and a wait ends when its signal aborts", async () => {
    const c = clock();
    const budget = new RateBudget({ now: c.now, sleep: c.sleep, maxRetries: 2 });
    const octokit = budget.wrap(new Octokit({ request: { retries: 0 } }));
    nock(API).get("/x").times(3).reply(429, {}, { "retry-after": "1" });
    await expect(octokit.request("GET /x")).rejects.toMatchObject({ status: 429 });
    expect(c.waits).toEqual([1_000, 1_000]);

    const stop = new AbortController();
    const real = new RateBudget({ signal: stop.signal });
    real.observe("core", { limit: 5000, remaining: 0, resetAt: Date.now() + 3_600_000 });
    const waiting = real.admit("core");
    stop.abort(new Error("stopping"));
    await expect(waiting).rejects.toThrow("stopping");
  });
});
