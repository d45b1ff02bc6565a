// The cache of configuration reads (src/github/config-cache.ts) and the loader through it: a file
// read before is asked for with If-None-Match and reused on 304; "no file" is believed for a while;
// the cache is bounded, and one installation's reads never answer another's.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contentsFile } from "../../src/demo/github-model.js";
import { type CachedRead, ConfigReadCache, type FilePlace } from "../../src/github/config-cache.js";
import { CONFIG_PATH, loadRepoConfig } from "../../src/github/repo-config-loader.js";
import { pushMayChangeConfig } from "../../src/handlers/config-changes.js";
import { manualClock } from "../helpers/probot.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const HOUR = 60 * 60_000;
const place = (repo: string, owner = "acme"): FilePlace => ({ owner, repo, path: CONFIG_PATH });
const file = (text: string, etag: string): CachedRead => ({ etag, read: text });
const noFile: CachedRead = { etag: null, read: null };

describe("ConfigReadCache", () => {
  type Step = (cache: ConfigReadCache, clock: ReturnType<typeof manualClock>) => void;
  const store =
    (installation: number, repo: string, read: CachedRead): Step =>
    (cache) =>
      cache.store(installation, place(repo), read, cache.generation);

  it.each<[string, Step[], number, FilePlace, ReturnType<ConfigReadCache["lookup"]>]>([
    ["nothing read: a miss", [], 1, place("shop"), { kind: "miss" }],
    [
      "a file read: ask with its ETag",
      [store(1, "shop", file("a: 1\n", '"v1"'))],
      1,
      place("shop"),
      { kind: "revalidate", etag: '"v1"', read: "a: 1\n" },
    ],
    ["no file, just seen: believed", [store(1, "shop", noFile)], 1, place("shop"), { kind: "hit", read: null }],
    [
      "no file, an hour ago: asked again",
      [store(1, "shop", noFile), (_c, clock) => clock.advance(HOUR)],
      1,
      place("shop"),
      { kind: "miss" },
    ],
    [
      "another installation's read of the same repository: a miss",
      [store(1, "shop", file("a: 1\n", '"v1"')), store(1, "api", noFile)],
      2,
      place("shop"),
      { kind: "miss" },
    ],
    [
      "owner and repository names are case-insensitive",
      [store(1, "Shop", noFile)],
      1,
      place("shop", "ACME"),
      { kind: "hit", read: null },
    ],
    ["another ref: a miss", [store(1, "shop", noFile)], 1, { ...place("shop"), ref: "release" }, { kind: "miss" }],
    [
      "a push drops the repository's reads",
      [store(1, "shop", file("a: 1\n", '"v1"')), (c) => c.dropRepository(1, "acme", "SHOP")],
      1,
      place("shop"),
      { kind: "miss" },
    ],
    [
      "a push drops that installation's reads only",
      [store(1, "shop", noFile), store(2, "shop", noFile), (c) => c.dropRepository(2, "acme", "shop")],
      1,
      place("shop"),
      { kind: "hit", read: null },
    ],
    [
      "a change of an installation's repositories drops all its reads",
      [store(1, "shop", noFile), store(1, ".github", noFile), (c) => c.dropInstallation(1)],
      1,
      place(".github"),
      { kind: "miss" },
    ],
    [
      "a read that began before a drop is not kept",
      [
        (c) => {
          const since = c.generation;
          c.dropRepository(1, "acme", "api");
          c.store(1, place("shop"), noFile, since);
        },
      ],
      1,
      place("shop"),
      { kind: "miss" },
    ],
    [
      "an answer without an ETag is not kept",
      [store(1, "shop", { etag: null, read: "a: 1\n" })],
      1,
      place("shop"),
      { kind: "miss" },
    ],
  ])("%s", (_what, steps, installation, at, expected) => {
    const clock = manualClock(T0);
    const cache = new ConfigReadCache({ now: clock.now });
    for (const step of steps) step(cache, clock);
    expect(cache.lookup(installation, at)).toEqual(expected);
  });

  it("holds at most maxEntries, dropping the least recently used", () => {
    const cache = new ConfigReadCache({ maxEntries: 3 });
    for (const repo of ["a", "b", "c"]) cache.store(1, place(repo), noFile, cache.generation);
    cache.lookup(1, place("a")); // used: now the most recent
    cache.store(1, place("d"), noFile, cache.generation);
    expect(cache.size).toBe(3);
    expect(["a", "b", "c", "d"].map((repo) => cache.lookup(1, place(repo)).kind)).toEqual([
      "hit",
      "miss",
      "hit",
      "hit",
    ]);
  });

  it("holds at most maxChars of file text, whatever the files say", () => {
    const cache = new ConfigReadCache({ maxChars: 100 });
    const big = "#".repeat(40);
    for (const repo of ["a", "b", "c"]) cache.store(1, place(repo), file(big, `"${repo}"`), cache.generation);
    expect(cache.chars).toBe(80);
    expect(["a", "b", "c"].map((repo) => cache.lookup(1, place(repo)).kind)).toEqual([
      "miss",
      "revalidate",
      "revalidate",
    ]);
    cache.store(1, place("huge"), file("#".repeat(101), '"h"'), cache.generation);
    expect(cache.lookup(1, place("huge")).kind).toBe("miss");
    expect(cache.chars).toBe(80);
  });

  it("defaults to 10,000 entries: the 10,001st read drops the first", () => {
    const cache = new ConfigReadCache();
    for (let i = 0; i <= 10_000; i++) cache.store(1, place(`r${i}`), noFile, cache.generation);
    expect(cache.size).toBe(10_000);
    expect(cache.lookup(1, place("r0")).kind).toBe("miss");
    expect(cache.lookup(1, place("r10000")).kind).toBe("hit");
  });
});

describe("pushMayChangeConfig", () => {
  const push = (over: Record<string, unknown> = {}, files: string[] = ["src/index.ts"]) => ({
    ref: "refs/heads/main",
    repository: { name: "shop", default_branch: "main" },
    commits: [{ added: [], modified: files, removed: [] }],
    ...over,
  });
  it.each([
    ["a push to the default branch touching the file", push({}, [CONFIG_PATH]), true],
    ["the file removed", push({ commits: [{ added: [], modified: [], removed: [CONFIG_PATH] }] }), true],
    ["a push to the default branch not touching it", push(), false],
    ["a push to another branch touching it", push({ ref: "refs/heads/topic" }, [CONFIG_PATH]), false],
    ["a tag", push({ ref: "refs/tags/v1" }, [CONFIG_PATH]), false],
    [
      "any push to the default branch of the organisation's .github repository",
      push({ repository: { name: ".github", default_branch: "main" } }),
      true,
    ],
    ["a forced push: the list says nothing", push({ forced: true }), true],
    ["2,048 commits: GitHub's list may be cut", push({ commits: Array(2048).fill({ modified: ["x"] }) }), true],
  ])("%s: %s", (_what, payload, expected) => {
    expect(pushMayChangeConfig(payload)).toBe(expected);
  });
});

describe("loadRepoConfig through the cache", () => {
  const API = "https://api.github.com";
  const octokit = new ProbotOctokit({
    auth: { token: "test" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending).toEqual([]);
  });

  /** Answers the repository's file: 304 to its ETag, else the file; records If-None-Match. */
  function serve(repo: string, text: string | null, etag: string, sent: Array<string | null>) {
    nock(API)
      .get(`/repos/acme/${repo}/contents/.github%2Fshipledger.yml`)
      .reply(function () {
        const asked = this.req.headers["if-none-match"] ?? null;
        sent.push(typeof asked === "string" ? asked : null);
        if (text === null) return [404, { message: "Not Found" }];
        if (asked === etag) return [304, "", { etag }];
        return [200, contentsFile(CONFIG_PATH, text), { etag }];
      });
  }

  it("a file read before is asked for with its ETag; the 304 gives the same settings", async () => {
    const reads = new ConfigReadCache().forInstallation(7);
    const sent: Array<string | null> = [];
    const text = "metric:\n  periodDays: 14\n";
    serve("shop", text, '"v1"', sent);
    serve("shop", text, '"v1"', sent);
    const first = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    const second = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    expect(sent).toEqual([null, '"v1"']);
    expect(second).toEqual(first);
    expect(second.config.metric.periodDays).toBe(14);
  });

  it("a changed file (another ETag) is read in full and replaces the entry", async () => {
    const reads = new ConfigReadCache().forInstallation(7);
    const sent: Array<string | null> = [];
    serve("shop", "metric:\n  periodDays: 14\n", '"v1"', sent);
    serve("shop", "metric:\n  periodDays: 21\n", '"v2"', sent);
    serve("shop", "metric:\n  periodDays: 21\n", '"v2"', sent);
    await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    const changed = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    const again = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    expect(sent).toEqual([null, '"v1"', '"v2"']);
    expect([changed.config.metric.periodDays, again.config.metric.periodDays]).toEqual([21, 21]);
  });

  it("no file in the repository nor the organisation: two reads, then none while the 404s are believed", async () => {
    const reads = new ConfigReadCache().forInstallation(7);
    const sent: Array<string | null> = [];
    serve("shop", null, "", sent);
    serve(".github", null, "", sent);
    const first = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    const second = await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, reads);
    expect(sent).toEqual([null, null]);
    expect(second).toEqual(first);
  });

  it("another installation reads for itself", async () => {
    const cache = new ConfigReadCache();
    const sent: Array<string | null> = [];
    serve("shop", "metric:\n  periodDays: 14\n", '"v1"', sent);
    serve("shop", "metric:\n  periodDays: 14\n", '"v1"', sent);
    await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, cache.forInstallation(7));
    await loadRepoConfig(octokit, { owner: "acme", repo: "shop" }, cache.forInstallation(8));
    expect(sent).toEqual([null, null]);
  });
});
