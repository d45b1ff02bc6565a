// Requests a history backfill takes to read a repository's merged pull requests: the GraphQL page
// reader (src/github/merged-pulls.ts) over a whole 10,000-pull-request history, against the REST
// path backfill used before (pulls.list, then per pull request its commits, its merge commit and its
// files, as recordMergedPull reads them), measured in the same run on a 1,000-pull-request subset
// and scaled. Run with `npm run bench:backfill`; see bench/README.md ("Backfill reads").
//
// The repository is a GitHubModel (src/demo/github-model.ts) served over HTTP by a FakeGitHub
// (src/demo/fake-github.ts): the app's own Octokit (Probot's, retries and throttling off: the count
// is what is measured) authenticates as an installation and reads it as it would read GitHub. Pull
// requests have a skewed number of commits (most 1-5, a tail to 100) with real-length messages
// (bench/messages.mjs, as the scan benchmark's), a skewed number of files (most a few, a tail past
// 300), squash, merge and rebase merges, some bot authors. The reader keeps one page at a time.
import { generateKeyPairSync } from "node:crypto";
import { loadavg } from "node:os";
import { Probot, ProbotOctokit } from "probot";
import { defaults } from "../src/config/repo-config.ts";
import { FakeGitHub } from "../src/demo/fake-github.ts";
import { GitHubModel } from "../src/demo/github-model.ts";
import { Scenario } from "../src/demo/scenario.ts";
import { readMergedPullPage } from "../src/github/merged-pulls.ts";
import { readPullsRecords, readRepositoryRecordIndex } from "../src/github/repository-records.ts";
import { recordMergedPull } from "../src/ledger/record-merge.ts";
import { openStore } from "../src/store/open.ts";
import { commitMessages } from "./messages.mjs";
import { seeded } from "./random.mjs";

const PULLS = Number(process.env.BENCH_PULLS ?? 10_000);
const REST_SUBSET = Math.min(PULLS, Number(process.env.BENCH_REST_PULLS ?? 1_000));
const PAGE_SIZE = process.env.BENCH_PAGE_SIZE ? Number(process.env.BENCH_PAGE_SIZE) : undefined;
const SEED = Number(process.env.BENCH_SEED ?? 20260101);
/** The issue's target: 10,000 merged pull requests (up to 100 commits each) in at most 300 requests. */
const TARGET_PER_10K = 300;
const APP_ID = 4343;
const INSTALLATION = 77;
const OWNER = "acme";
const REPO = "monorepo";
const REPOSITORY_ID = 88_001;

// ---- a repository's history ------------------------------------------------------------------------

const rng = seeded(SEED);
const { random, pick } = rng;
const { commitFor } = commitMessages(rng);

/** A power law on [1, max]: P(n ≥ k) = k^-alpha. */
const powerLaw = (alpha, max) => Math.min(max, Math.floor((1 - random()) ** (-1 / alpha)));
/** Commits a pull request: 1-5 for most (88%), a tail to 100 (0.4% at 100). */
const commitCount = () => powerLaw(1.2, 100);
/** Files a pull request touched: P(n ≥ k) = 1/k, two thirds touch one or two, 1% more than 100. */
const fileCount = () => powerLaw(1.0, 1_000);

const DEPENDABOT = {
  name: "dependabot[bot]",
  email: "49699333+dependabot[bot]@users.noreply.github.com",
  login: "dependabot[bot]",
};

function person(author) {
  const [, name, email] = /^(.*) <(.*)>$/.exec(author) ?? [];
  return { name, email, login: email.split("@")[0].replace(/[^a-z0-9-]/gi, "-") };
}

/**
 * PULLS merged pull requests, about 1.75 hours apart (two years of a busy repository): 70% squash,
 * 20% merge commits, 10% rebase; 3% by dependabot; 30% with no description.
 */
function history() {
  const model = new GitHubModel(OWNER, REPO, REPOSITORY_ID);
  model.appId = APP_ID;
  const sc = new Scenario(OWNER, REPO, REPOSITORY_ID, { model, start: Date.UTC(2024, 0, 2) });
  let index = 0;
  const stats = { commits: 0, files: 0, at100Commits: 0, over100Files: 0, messageBytes: 0 };
  for (let number = 1; number <= PULLS; number++) {
    const bot = random() < 0.03;
    const count = bot ? 1 : commitCount();
    const drawn = Array.from({ length: count }, () => commitFor(++index));
    const messages = bot ? [`Bump left-pad from 1.0.${number} to 1.0.${number + 1}\n`] : drawn.map((c) => c.message);
    const author = bot ? DEPENDABOT : person(drawn[0].author);
    const files = Array.from({ length: bot ? 2 : fileCount() }, (_, i) => `src/${number % 97}/file-${i}.ts`);
    const r = random();
    sc.merge(number, {
      method: r < 0.7 ? "squash" : r < 0.9 ? "merge" : "rebase",
      title: messages[0].split("\n")[0].slice(0, 120),
      body: random() < 0.3 ? null : drawn[0].message.split("\n\n").slice(1).join("\n\n") || null,
      messages,
      commitAuthor: author,
      ...(bot ? { user: { login: "dependabot[bot]", type: "Bot" } } : { author: author.login }),
      files,
      at: number * 1.75,
      mergedBy: pick(["lead", "mona", "hubot"]),
    });
    stats.commits += count;
    stats.files += files.length;
    if (count === 100) stats.at100Commits++;
    if (files.length > 100) stats.over100Files++;
    for (const m of messages) stats.messageBytes += Buffer.byteLength(m);
  }
  return { model, stats };
}

// ---- GitHub's REST pagination, for the reference -----------------------------------------------------

/**
 * The model's REST routes answer a whole list on one page; GitHub pages pull request lists, their
 * commits and their files (per_page, page, a Link to the next page). Registered on the fake GitHub
 * ahead of the model, from the model's own answers, so that the REST reference costs what it would.
 */
function restPagination(github, model) {
  const routes = model.routes();
  const modelAnswer = (uri) => {
    for (const route of routes) {
      if (route.method !== "GET") continue;
      const path = uri.split("?")[0];
      if (typeof route.pattern === "string" ? route.pattern !== path : !route.pattern.test(uri)) continue;
      const reply = route.reply(uri, undefined);
      if (reply) return reply;
    }
    return [404, { message: "Not Found" }];
  };
  const paged = (list) => (req) => {
    const [status, body] = modelAnswer(list(req));
    if (status !== 200) return { status, body };
    const perPage = Math.min(100, Number(req.query.get("per_page") ?? 30));
    const page = Number(req.query.get("page") ?? 1);
    const items = body.slice((page - 1) * perPage, page * perPage);
    const next = new URLSearchParams(req.query);
    next.set("page", String(page + 1));
    const headers = body.length > page * perPage ? { link: `<${github.baseUrl}${req.path}?${next}>; rel="next"` } : {};
    return { body: items, headers };
  };
  const base = `/repos/${OWNER}/${REPO}`;
  github.route(
    "GET",
    `${base}/pulls`,
    paged((req) => `${base}/pulls?state=${req.query.get("state") ?? "open"}`),
  );
  github.route(
    "GET",
    `${base}/pulls/:number/commits`,
    paged((req) => `${base}/pulls/${req.params.number}/commits`),
  );
  github.route(
    "GET",
    `${base}/pulls/:number/files`,
    paged((req) => `${base}/pulls/${req.params.number}/files`),
  );
}

// ---- the two readers ---------------------------------------------------------------------------------

async function installationOctokit(github, privateKey) {
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    baseUrl: github.baseUrl,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((options) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
  });
  return probot.auth(INSTALLATION);
}

/** Requests to the repository (not the installation token's). */
const repositoryRequests = (github) =>
  github.requests.filter((r) => r.path === "/graphql" || r.path.startsWith(`/repos/${OWNER}/${REPO}/`));

/** The live heap (MB) after a full collection (run with --expose-gc; 0 without). */
function liveHeap() {
  if (typeof globalThis.gc !== "function") return 0;
  globalThis.gc();
  return process.memoryUsage().heapUsed / 1e6;
}

/** The page reader over the whole history, as backfill reads it: page after page until none is left. */
async function readAllPages(github, model, octokit, withFiles) {
  const before = repositoryRequests(github).length;
  const points = model.graphqlRateLimit.used;
  const heapBefore = liveHeap();
  let heapPeak = 0;
  const started = performance.now();
  let after = null;
  let pages = 0;
  let pulls = 0;
  let commits = 0;
  let files = 0;
  let requests = 0;
  let cost = 0;
  let maxPageCost = 0;
  for (;;) {
    const page = await readMergedPullPage(octokit, {
      owner: OWNER,
      repo: REPO,
      after,
      withFiles,
      ...(PAGE_SIZE ? { pageSize: PAGE_SIZE } : {}),
    });
    pages++;
    requests += page.requests;
    cost += page.rateLimit?.cost ?? 0;
    maxPageCost = Math.max(maxPageCost, page.rateLimit?.cost ?? 0);
    for (const mp of page.pulls) {
      pulls++;
      commits += mp.commits.length;
      files += mp.files?.paths.length ?? 0;
    }
    if (pages % 50 === 0) heapPeak = Math.max(heapPeak, liveHeap());
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  heapPeak = Math.max(heapPeak, liveHeap());
  const measured = repositoryRequests(github).length - before;
  if (measured !== requests) throw new Error(`the reader counted ${requests} requests, the fake GitHub ${measured}`);
  return {
    pages,
    pulls,
    commits,
    files,
    requests,
    cost,
    maxPageCost,
    pointsCharged: model.graphqlRateLimit.used - points,
    heapGrowth: heapPeak - heapBefore,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Pull requests of the records' measure: the most recently updated, in pages of 100 as backfill reads them. */
const NOTED_PULLS = Math.min(PULLS, 1_000);

/**
 * What a backfill spends on records of authorship (src/github/repository-records.ts): with none,
 * then with a git-ai note on every commit of the `NOTED_PULLS` most recently updated pull requests
 * (fanned out, as git stores many), read page by page as backfill reads them.
 */
async function readRecords(github, model, octokit) {
  const where = { owner: OWNER, repo: REPO, defaultBranch: "main" };
  let before = repositoryRequests(github).length;
  const bare = await readRepositoryRecordIndex(octokit, where);
  const bareMeasured = repositoryRequests(github).length - before;
  const pulls = [...model.pulls.values()]
    .filter((p) => p.merged_at)
    .sort((a, b) => Date.parse(b.merged_at) - Date.parse(a.merged_at) || b.number - a.number)
    .slice(0, NOTED_PULLS)
    .map((p) => p.commits.map((sha) => ({ sha, authoredAt: Date.parse(model.commits.get(sha)?.date ?? "") })));
  const noted = new Map();
  // Each note its own blob (identical notes would share one), as each commit's lines differ.
  for (const commits of pulls) {
    for (const c of commits) {
      noted.set(
        c.sha,
        `src/${c.sha.slice(0, 8)}.ts\n  s_0123456789abcd::t_0123456789abcd 1-10\n---\n{"schema_version":"authorship/3.0.0","base_commit_sha":"${c.sha}","prompts":{}}\n`,
      );
    }
  }
  model.notes.set("refs/notes/ai", noted);
  model.notesFanout = true;
  before = repositoryRequests(github).length;
  const index = await readRepositoryRecordIndex(octokit, where);
  let calls = index.calls;
  for (let start = 0; start < pulls.length; start += 100) {
    calls += (await readPullsRecords(octokit, where, index, pulls.slice(start, start + 100))).calls;
  }
  const measured = repositoryRequests(github).length - before;
  model.notes.clear();
  if (measured !== calls || bareMeasured !== bare.calls) {
    throw new Error(
      `the records reader counted ${bare.calls} and ${calls} requests, the fake GitHub ${bareMeasured} and ${measured}`,
    );
  }
  return { bare: bare.calls, noted: { pulls: pulls.length, commits: noted.size, requests: calls } };
}

/**
 * The REST path on the `REST_SUBSET` most recently updated pull requests: pulls.list (closed, by
 * update time, 100 a page) and recordMergedPull for each, into an in-memory ledger.
 */
async function readRest(github, octokit) {
  const store = await openStore(":memory:");
  await store.installations.upsertInstallation({
    id: INSTALLATION,
    accountId: 9_100_001,
    accountLogin: OWNER,
    accountType: "Organization",
    now: Date.now(),
  });
  await store.installations.upsertRepositories(
    INSTALLATION,
    [{ id: REPOSITORY_ID, fullName: `${OWNER}/${REPO}`, private: false, defaultBranch: "main" }],
    Date.now(),
  );
  const context = {
    octokit,
    store,
    now: () => Date.UTC(2026, 0, 1),
    scope: {
      installationId: INSTALLATION,
      repositoryId: REPOSITORY_ID,
      owner: OWNER,
      repo: REPO,
      fullName: `${OWNER}/${REPO}`,
      defaultBranch: "main",
    },
    config: defaults,
  };
  const before = repositoryRequests(github).length;
  const started = performance.now();
  let recorded = 0;
  for (let page = 1; recorded < REST_SUBSET; page++) {
    const { data } = await octokit.rest.pulls.list({
      owner: OWNER,
      repo: REPO,
      state: "closed",
      sort: "updated",
      direction: "desc",
      per_page: 100,
      page,
    });
    for (const pull of data) {
      if (recorded >= REST_SUBSET) break;
      if (!pull.merged_at) continue;
      await recordMergedPull(context, pull);
      recorded++;
    }
    if (data.length < 100) break;
  }
  await store.close();
  const made = repositoryRequests(github).slice(before);
  const kinds = { list: 0, commits: 0, mergeCommit: 0, files: 0, graphql: 0 };
  for (const r of made) {
    if (r.path === "/graphql") kinds.graphql++;
    else if (/\/pulls\?/.test(r.path)) kinds.list++;
    else if (/\/pulls\/\d+\/commits/.test(r.path)) kinds.commits++;
    else if (/\/git\/commits\//.test(r.path)) kinds.mergeCommit++;
    else if (/\/pulls\/\d+\/files/.test(r.path)) kinds.files++;
  }
  return { pulls: recorded, requests: made.length, kinds, seconds: (performance.now() - started) / 1000 };
}

// ---- main ----------------------------------------------------------------------------------------------

const fmt = (n, digits = 0) => n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const loadBefore = loadavg()[0];
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const generated = performance.now();
  const { model, stats } = history();
  console.log(
    `backfill-requests: ${fmt(PULLS)} merged pull requests, ${fmt(stats.commits)} commits (${fmt(stats.commits / PULLS, 2)} a pull request; ${stats.at100Commits} with 100), ` +
      `${fmt(stats.messageBytes / 1e6, 1)} MB of commit messages, ${fmt(stats.files)} files (${fmt((stats.over100Files / PULLS) * 100, 2)}% of pull requests over 100); ` +
      `generated in ${fmt((performance.now() - generated) / 1000, 1)} s (RSS ${fmt(process.memoryUsage().rss / 1e6)} MB); seed ${SEED}`,
  );
  const github = await new FakeGitHub({
    appId: APP_ID,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  }).start();
  try {
    restPagination(github, model);
    model.serve(github);
    const octokit = await installationOctokit(github, privateKey.export({ type: "pkcs1", format: "pem" }).toString());

    let failed = false;
    for (const withFiles of [false, true]) {
      model.graphqlRateLimit.remaining = model.graphqlRateLimit.limit;
      const r = await readAllPages(github, model, octokit, withFiles);
      if (r.pulls !== PULLS || r.commits !== stats.commits || (withFiles && r.files > stats.files)) {
        throw new Error(`read ${r.pulls} pull requests and ${r.commits} commits of ${PULLS} and ${stats.commits}`);
      }
      const per1000 = (r.requests / r.pulls) * 1000;
      const scaled = (r.requests / r.pulls) * 10_000;
      const target = !withFiles;
      console.log(
        `GraphQL pages${withFiles ? " with files" : ""}: ${fmt(r.requests)} requests (${fmt(r.pages)} pages + ${fmt(r.requests - r.pages)} follow-ups) ` +
          `= ${fmt(per1000, 1)} per 1,000 pull requests; ${fmt(r.cost)} GraphQL points (the model charged ${fmt(r.pointsCharged)}; ` +
          `at most ${r.maxPageCost} for one page's queries; ${fmt(r.pulls)} pull requests, ${fmt(r.commits)} commits${withFiles ? `, ${fmt(r.files)} files` : ""}); ` +
          `${fmt(r.seconds, 1)} s on loopback; live heap +${fmt(r.heapGrowth, 1)} MB at most (every 50 pages)` +
          (target ? ` — ${fmt(scaled)} per 10,000 (target ≤ ${TARGET_PER_10K})` : ""),
      );
      if (target && scaled > TARGET_PER_10K) failed = true;
      if (withFiles) {
        // The reference: the REST path on a subset, scaled to the whole history.
        const rest = await readRest(github, octokit);
        const restPer1000 = (rest.requests / rest.pulls) * 1000;
        console.log(
          `REST path (pulls.list, then per pull request its commits, merge commit and files) on ${fmt(rest.pulls)} pull requests: ` +
            `${fmt(rest.requests)} requests (list ${rest.kinds.list}, commits ${rest.kinds.commits}, merge commits ${rest.kinds.mergeCommit}, files ${rest.kinds.files}, GraphQL ${rest.kinds.graphql}) ` +
            `= ${fmt(restPer1000, 1)} per 1,000 pull requests, ${fmt((restPer1000 * PULLS) / 1000)} scaled to ${fmt(PULLS)}; ${fmt(rest.seconds, 1)} s with its ledger writes`,
        );
        console.log(
          `ratio GraphQL / REST requests: ${fmt(per1000 / restPer1000, 4)} with files (${fmt(restPer1000 / per1000, 0)}× fewer)`,
        );
      }
    }
    const records = await readRecords(github, model, octokit);
    console.log(
      `Records of authorship (git-ai notes, Agent Trace): ${records.bare} request more for a repository without any; ` +
        `with a git-ai note on each of the ${fmt(records.noted.commits)} commits of its ${fmt(records.noted.pulls)} most recently updated pull requests, ` +
        `${fmt(records.noted.requests)} requests for them (the probe, the notes tree once, a query per 100 notes of a page)`,
    );
    const rss = process.memoryUsage().rss / 1e6;
    console.log(
      `RSS at the end: ${fmt(rss)} MB (the model of the repository included); load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`,
    );
    if (failed) {
      console.log("bench: target missed");
      process.exitCode = 1;
    }
  } finally {
    await github.stop();
  }
}

await main();
