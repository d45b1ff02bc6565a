// Benchmark of the 90-day organisation report against a plain full scan of the changes table, and
// of the dashboard's organisation page against that report, on a generated ledger of 1,000,000
// changes, 100,000 deployments and 2,000 engineers over two years, on SQLite and on PostgreSQL. Run with `npm run bench:report` (node --import tsx: the report runs
// from src/ as it is, no build). See bench/README.md.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { seeded } from "./random.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHANGES = Number(process.env.BENCH_CHANGES ?? 1_000_000);
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? Math.round(CHANGES / 10));
const ENGINEERS = Number(process.env.BENCH_ENGINEERS ?? 2_000);
const REPOSITORIES = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DIALECTS = (process.env.BENCH_DIALECTS ?? "sqlite,postgres").split(",").map((d) => d.trim());
/** Bump when the generator changes, so a cached ledger is rebuilt. */
const GENERATOR_VERSION = 1;
const TARGET_RATIO = 3;
const TARGET_SQLITE_MS = 300;

const DAY_MS = 86_400_000;
/** The ledger's "now": fixed, so every run reports on the same rows. */
const NOW = Date.UTC(2026, 0, 1);
const START = NOW - 730 * DAY_MS;
const PERIOD = { since: NOW - 90 * DAY_MS, until: NOW };
/** The same 90 days as the dashboard names them (a period of given days: since=…&until=…, both included). */
const PAGE_PERIOD = { ...PERIOD, weeks: null, query: "since=2025-10-03&until=2025-12-31" };
/** The organisation's page at most this many times the report's time, first view (issue #16). */
const TARGET_PAGE_RATIO = 2;
const ORG = "acme";
const INSTALLATION_ID = 1;
const OPTIONS = { revertWindowDays: 14, ignorePaths: [], minGroupSize: 5, now: NOW };
/** A second report with ignorePaths configured, which has to read every change's paths. */
const IGNORE_PATHS = ["**/*.lock", "docs/**", "*.md"];

const work = join(root, "bench/.work");

// ---- a deterministic, realistic ledger ------------------------------------------------------------

const VERBS = ["Fix", "Add", "Remove", "Refactor", "Update", "Improve", "Handle", "Document", "Test", "Rename"];
const THINGS = [
  "race in cache invalidation",
  "retry budget for webhook deliveries",
  "pagination of the orders endpoint",
  "null check in checkout",
  "flaky integration test on Postgres",
  "config schema defaults",
  "CLI help text",
  "feature flag for the new pricing page",
  "timeouts in the payment client",
  "error message when the token expires",
  "memory leak in the worker pool",
  "dark mode colours",
];
const FOLDERS = ["src", "src/api", "src/web", "src/jobs", "src/lib", "test", "docs", "scripts", "config", "migrations"];
const FILES = ["index.ts", "client.ts", "handler.ts", "schema.ts", "utils.ts", "README.md", "orders.ts", "cart.tsx"];
const AGENTS = [
  { id: "claude-code", weight: 45, model: "claude-sonnet-4.5", marker: "claude-code/co-author" },
  { id: "github-copilot", weight: 25, model: null, marker: "github-copilot/co-author" },
  { id: "cursor", weight: 15, model: null, marker: "cursor/co-author" },
  { id: "codex", weight: 10, model: "gpt-5-codex", marker: "codex/co-author" },
  { id: "aider", weight: 5, model: "claude-sonnet-4.5", marker: "aider/co-author" },
];
const BOTS = ["dependabot[bot]", "renovate[bot]", "github-actions[bot]"];

/** Installations, repositories and deployments: small enough to hold; changes are streamed. */
function generateLedger() {
  const g = seeded(20260101);
  const repositories = [];
  for (let i = 0; i < REPOSITORIES; i++) {
    repositories.push({ id: 1000 + i, fullName: `${ORG}/service-${String(i).padStart(3, "0")}`, deployments: [] });
  }
  const times = Array.from({ length: DEPLOYMENTS }, () => START + Math.floor(g.random() * (NOW - START))).sort(
    (a, b) => a - b,
  );
  const deployments = times.map((at, i) => {
    const repository = repositories[g.skewed(REPOSITORIES)];
    const previous = repository.deployments.at(-1);
    const roll = g.random();
    const outcome = previous === undefined ? "baseline" : roll < 0.02 ? "rollback" : roll < 0.05 ? "redeploy" : "ship";
    const source = roll < 0.8 ? "deployment" : roll < 0.95 ? "workflow_run" : "release";
    const deployment = {
      id: i + 1,
      repositoryId: repository.id,
      source,
      sourceKey: `${source}:${9_000_000 + i}`,
      sha: g.hex(40),
      at,
      outcome,
      previousSha: previous?.sha ?? null,
    };
    repository.deployments.push(deployment);
    return deployment;
  });
  const engineers = Array.from({ length: ENGINEERS }, (_, i) => `engineer-${String(i).padStart(4, "0")}`);
  return { repositories, deployments, engineers };
}

/** The first deployment of a repository at or after `t` (binary search), or undefined. */
function nextDeployment(list, t) {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].at < t) lo = mid + 1;
    else hi = mid;
  }
  return list[lo];
}

const CHANGE_COLUMNS = [
  "id",
  "installation_id",
  "repository_id",
  "number",
  "kind",
  "title",
  "author_login",
  "author_type",
  "bot_change",
  "head_ref",
  "head_sha",
  "base_ref",
  "state",
  "opened_at",
  "merged_at",
  "merge_commit_sha",
  "merged_by",
  "merge_method",
  "engineer",
  "first_commit_at",
  "paths",
  "paths_complete",
  "shipped_deployment_id",
  "shipped_at",
  "reverted_at",
  "rolled_back_at",
  "deployable",
  "ai",
  "ai_evidence",
  "agents",
  "models",
  "sessions",
  "evidence",
  "commits_total",
  "commits_ai",
  "attributed_sha",
  "updated_at",
];
const DEPLOYMENT_COLUMNS = [
  "id",
  "installation_id",
  "repository_id",
  "environment",
  "source",
  "source_key",
  "sha",
  "ref",
  "succeeded_at",
  "succeeded_at_exact",
  "outcome",
  "previous_sha",
  "url",
  "updated_at",
];

/**
 * Changes in the order they were merged (or opened): ~92% merged, 5% closed, 3% open; ~3% bot
 * changes; ~40% of human changes AI-assisted; 97% into a deployable branch; ~88% of those shipped
 * by their repository's next deployment; ~3% of shipped changes reverted, 0.5% rolled back.
 * Yields arrays in CHANGE_COLUMNS order (booleans as 0/1).
 */
function* generateChanges(ledger) {
  const g = seeded(20260102);
  const { repositories, engineers } = ledger;
  const weekdayTimes = [];
  while (weekdayTimes.length < CHANGES) {
    const t = START + Math.floor(g.random() * (NOW - START));
    const weekday = new Date(t).getUTCDay();
    if ((weekday === 0 || weekday === 6) && g.random() < 0.8) continue;
    weekdayTimes.push(t);
  }
  weekdayTimes.sort((a, b) => a - b);
  const numbers = new Map();
  const agentTable = AGENTS.flatMap((a) => Array(a.weight).fill(a));
  for (let i = 0; i < CHANGES; i++) {
    const at = weekdayTimes[i];
    const repository = repositories[g.skewed(REPOSITORIES)];
    const number = (numbers.get(repository.id) ?? 0) + 1;
    numbers.set(repository.id, number);
    const roll = g.random();
    const state = roll < 0.92 ? "merged" : roll < 0.97 ? "closed" : "open";
    const merged = state === "merged";
    const bot = g.random() < 0.03;
    const engineer = bot ? null : engineers[g.skewed(engineers.length)];
    const author = bot ? g.pick(BOTS) : engineer;
    const ai = !bot && g.random() < 0.4;
    const used = ai ? (g.random() < 0.05 ? [g.pick(agentTable), g.pick(agentTable)] : [g.pick(agentTable)]) : [];
    const agents = [...new Set(used.map((a) => a.id))].sort();
    const models = [...new Set(used.flatMap((a) => (a.model ? [a.model] : [])))].sort();
    const headSha = g.hex(40);
    const evidence = used.map((a) => ({
      agent: a.id,
      marker: a.marker,
      source: "trailer",
      commit: headSha,
      text: `Co-authored-by: ${a.id} <noreply@example.com>`,
      ...(a.model ? { model: a.model } : {}),
    }));
    const sessions = used
      .filter((a) => a.id === "claude-code" && g.random() < 0.5)
      .map((a) => ({ agent: a.id, id: `session_${g.hex(24)}`, url: `https://claude.ai/code/session_${g.hex(24)}` }));
    const pathCount = g.between(1, 12);
    const paths = Array.from({ length: pathCount }, () => `${g.pick(FOLDERS)}/${g.pick(FILES)}`);
    const openedAt = merged ? at - g.between(1, 120) * 3_600_000 : at;
    const firstCommitAt = openedAt - g.between(0, 72) * 3_600_000;
    const deployable = merged && g.random() < 0.97;
    let shipped;
    if (deployable && g.random() < 0.88) shipped = nextDeployment(repository.deployments, at + 600_000);
    const revertedAt = shipped && g.random() < 0.03 ? shipped.at + g.between(1, 240) * 3_600_000 : null;
    const rolledBackAt = shipped && g.random() < 0.005 ? shipped.at + g.between(1, 72) * 3_600_000 : null;
    const commitsTotal = g.between(1, 8);
    const title = `${g.pick(VERBS)} ${g.pick(THINGS)}`;
    yield [
      i + 1,
      INSTALLATION_ID,
      repository.id,
      number,
      "pull_request",
      title,
      author,
      bot ? "Bot" : "User",
      bot ? 1 : 0,
      ai && agents[0] === "claude-code" ? `claude/${title.toLowerCase().replace(/\W+/g, "-")}` : `feature/${number}`,
      headSha,
      deployable || !merged ? "main" : "release/1.x",
      state,
      openedAt,
      merged ? at : null,
      merged ? g.hex(40) : null,
      merged ? engineers[g.skewed(engineers.length)] : null,
      merged ? g.pick(["squash", "squash", "merge", "rebase"]) : null,
      engineer,
      firstCommitAt,
      JSON.stringify(paths),
      1,
      shipped?.id ?? null,
      shipped?.at ?? null,
      revertedAt,
      rolledBackAt,
      deployable || !merged ? 1 : 0,
      ai ? 1 : 0,
      // Trailers are explicit evidence; written as the app writes it, so no report classifies them.
      ai ? "explicit" : null,
      JSON.stringify(agents),
      JSON.stringify(models),
      JSON.stringify(sessions),
      JSON.stringify(evidence),
      commitsTotal,
      ai ? g.between(1, commitsTotal) : 0,
      headSha,
      Math.max(at, shipped?.at ?? 0, revertedAt ?? 0, rolledBackAt ?? 0),
    ];
  }
}

function deploymentRow(d) {
  const repository = `${ORG}/service-${String(d.repositoryId - 1000).padStart(3, "0")}`;
  return [
    d.id,
    INSTALLATION_ID,
    d.repositoryId,
    "production",
    d.source,
    d.sourceKey,
    d.sha,
    "main",
    d.at,
    1,
    d.outcome,
    d.previousSha,
    `https://github.com/${repository}/deployments/${d.id}`,
    d.at,
  ];
}

// ---- seeding (not timed) ---------------------------------------------------------------------------

/** Changes to the migrations (an index added) or to the generator make a new cache file. */
function cacheKey() {
  const hash = createHash("sha256").update(`v${GENERATOR_VERSION} ${CHANGES} ${DEPLOYMENTS} ${ENGINEERS}`);
  const folder = join(root, "drizzle/sqlite");
  for (const name of readdirSync(folder).sort())
    if (name.endsWith(".sql")) hash.update(readFileSync(join(folder, name)));
  return hash.digest("hex").slice(0, 12);
}

const INSTALLATION_COLUMNS = [
  "id",
  "account_login",
  "account_type",
  "suspended_at",
  "deleted_at",
  "created_at",
  "updated_at",
];
const REPOSITORY_COLUMNS = [
  "id",
  "installation_id",
  "full_name",
  "default_branch",
  "private",
  "removed_at",
  "updated_at",
];

function seedBasics(ledger) {
  return {
    installation: [INSTALLATION_ID, ORG, "Organization", null, null, START, START],
    repositories: ledger.repositories.map((r) => [r.id, INSTALLATION_ID, r.fullName, "main", 1, null, START]),
  };
}

async function seedSqlite(path) {
  const { openStore } = await import("../src/store/open.js");
  const { default: Database } = await import("better-sqlite3");
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  const store = await openStore(path);
  await store.close();
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const ledger = generateLedger();
  const basics = seedBasics(ledger);
  const insert = (table, columns) =>
    db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
  db.transaction(() => {
    insert("installations", INSTALLATION_COLUMNS).run(basics.installation);
    const repo = insert("repositories", REPOSITORY_COLUMNS);
    for (const row of basics.repositories) repo.run(row);
    const deployment = insert("deployments", DEPLOYMENT_COLUMNS);
    for (const d of ledger.deployments) deployment.run(deploymentRow(d));
  })();
  const change = insert("changes", CHANGE_COLUMNS);
  const batch = db.transaction((rows) => {
    for (const row of rows) change.run(row);
  });
  let rows = [];
  for (const row of generateChanges(ledger)) {
    rows.push(row);
    if (rows.length === 50_000) {
      batch(rows);
      rows = [];
    }
  }
  batch(rows);
  db.exec("ANALYZE");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

function csvValue(value) {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  return `"${value.replaceAll('"', '""')}"`;
}

/** COPY … FROM STDIN through psql, which node-postgres cannot do without another package. */
async function copyInto(psql, url, table, columns, rows) {
  const child = spawn(
    psql,
    [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", `COPY ${table} (${columns.join(", ")}) FROM STDIN (FORMAT csv)`],
    {
      stdio: ["pipe", "inherit", "inherit"],
    },
  );
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY ${table} exited ${code}`))));
  });
  let chunk = "";
  for (const row of rows) {
    chunk += `${row.map(csvValue).join(",")}\n`;
    if (chunk.length > 1 << 20) {
      if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once("drain", resolve));
      chunk = "";
    }
  }
  child.stdin.end(chunk);
  await done;
}

async function seedPostgres(url, bin) {
  const { openStore } = await import("../src/store/open.js");
  const store = await openStore(url);
  await store.close();
  const psql = bin && existsSync(join(bin, "psql")) ? join(bin, "psql") : "psql";
  const ledger = generateLedger();
  const basics = seedBasics(ledger);
  const booleans = (row, indexes) => row.map((v, i) => (indexes.includes(i) ? (v ? "t" : "f") : v));
  await copyInto(psql, url, "installations", INSTALLATION_COLUMNS, [basics.installation]);
  await copyInto(
    psql,
    url,
    "repositories",
    REPOSITORY_COLUMNS,
    basics.repositories.map((r) => booleans(r, [4])),
  );
  await copyInto(
    psql,
    url,
    "deployments",
    DEPLOYMENT_COLUMNS,
    ledger.deployments.map((d) => booleans(deploymentRow(d), [9])),
  );
  const boolColumns = ["bot_change", "paths_complete", "deployable", "ai"].map((c) => CHANGE_COLUMNS.indexOf(c));
  await copyInto(
    psql,
    url,
    "changes",
    CHANGE_COLUMNS,
    (function* () {
      for (const row of generateChanges(ledger)) yield booleans(row, boolColumns);
    })(),
  );
  const analyse = spawnSync(psql, [url, "-q", "-c", "VACUUM ANALYZE"], { stdio: "inherit" });
  if (analyse.status !== 0) throw new Error("VACUUM ANALYZE failed");
}

// ---- measuring (a child process per dialect, so that seeding does not count in its RSS) -----------

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

async function measure(dialect, url) {
  const { openStore } = await import("../src/store/open.js");
  const { buildReport, reportOptions, resolveScope } = await import("../src/metrics/report.js");
  const store = await openStore(url, { migrate: false });
  let report;
  // What the CLI and the API do: the scope, its settings from the ledger, the report.
  const runReport = async (defaults) => {
    const scope = await resolveScope(store, { org: ORG });
    const { now: _now, ...instance } = defaults;
    report = await buildReport(store, scope, PERIOD, await reportOptions(store, scope, instance, NOW));
  };

  // The reference: every column of every row of changes read into JS, streamed, as arrays (the
  // cheapest form either driver offers, so the reference is the fastest plain read there is).
  let scanRows = 0;
  let scan;
  let closeScan;
  if (dialect === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(url, { readonly: true });
    const statement = db.prepare("SELECT * FROM changes").raw();
    scan = async () => {
      scanRows = 0;
      for (const _row of statement.iterate()) scanRows++;
    };
    closeScan = async () => db.close();
  } else {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    scan = async () => {
      scanRows = 0;
      await client.query("BEGIN READ ONLY");
      await client.query("DECLARE scan NO SCROLL CURSOR FOR SELECT * FROM changes");
      for (;;) {
        const { rows } = await client.query({ text: "FETCH FORWARD 10000 FROM scan", rowMode: "array" });
        if (rows.length === 0) break;
        scanRows += rows.length;
      }
      await client.query("COMMIT");
    };
    closeScan = async () => client.end();
  }

  // Each timed run starts from a collected heap (--expose-gc), so that no run pays for the
  // garbage of the one before (the full scan leaves plenty); what it allocates itself it pays for.
  // The CPU time (user + system, every thread of this process) is disturbed less by other
  // processes than the wall time is.
  const cpu = { report: [], scan: [] };
  const timed = async (fn, into) => {
    globalThis.gc?.();
    const start = performance.now();
    const startCpu = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(startCpu);
    into?.push((used.user + used.system) / 1000);
    return performance.now() - start;
  };
  // Warm-up, report first: the peak RSS until then is the report's own (plus the runtime's).
  const baseRss = process.memoryUsage().rss / 2 ** 20;
  await timed(() => runReport(OPTIONS));
  const reportRss = rssMb();
  await timed(scan);
  const reportMs = [];
  const scanMs = [];
  for (let i = 0; i < RUNS; i++) {
    reportMs.push(await timed(() => runReport(OPTIONS), cpu.report));
    scanMs.push(await timed(scan, cpu.scan));
  }
  const plainReport = report;

  // The organisation's dashboard page as the route builds it (src/web/dashboard/scope-view.ts):
  // the owner resolved, the scope, then scopeViewHtml for 90 days. First view: a new figures cache,
  // so the page is sent with the period's figures and the previous period is worked out after it
  // (timed apart: "previous"); repeat view: the same page again, the previous period's report kept.
  // Each run times the report, the first view, the background work and the repeat view one after
  // another, so that the ratios compare times taken under the same load.
  const { scopeViewHtml } = await import("../src/web/dashboard/scope-view.js");
  const { FiguresCache } = await import("../src/web/dashboard/figures.js");
  const { resolveOwner, scopeOf } = await import("../src/metrics/report.js");
  const { now: _now, ...metric } = OPTIONS;
  let html;
  const runPage = async (cache) => {
    const installation = await resolveOwner(store, { login: ORG });
    const scope = await scopeOf(store, { org: ORG }, installation);
    html = await scopeViewHtml(
      { store, metric, webUrl: "https://github.com", cache },
      installation,
      scope,
      PAGE_PERIOD,
      NOW,
      {
        login: "lead",
        csrf: "csrf",
      },
    );
  };
  await timed(() => runPage(new FiguresCache()));
  const page = { report: [], first: [], previous: [], repeat: [] };
  const pageCpu = { report: [], first: [], previous: [], repeat: [] };
  for (let i = 0; i < RUNS; i++) {
    const cache = new FiguresCache();
    page.report.push(await timed(() => runReport(OPTIONS), pageCpu.report));
    page.first.push(await timed(() => runPage(cache), pageCpu.first));
    page.previous.push(await timed(() => cache.settled(), pageCpu.previous));
    page.repeat.push(await timed(() => runPage(cache), pageCpu.repeat));
  }
  const pageCheck = await checkPage(store, html, metric);

  const ignoredMs = [];
  const withIgnored = { ...OPTIONS, ignorePaths: IGNORE_PATHS };
  await runReport(withIgnored);
  for (let i = 0; i < RUNS; i++) ignoredMs.push(await timed(() => runReport(withIgnored)));

  await closeScan();
  await store.close();
  return {
    dialect,
    reportMs: median(reportMs),
    reportRuns: reportMs,
    reportCpu: median(cpu.report),
    scan: median(scanMs),
    scanRuns: scanMs,
    scanCpu: median(cpu.scan),
    ignoredPaths: median(ignoredMs),
    scanRows,
    baseRss,
    reportRss,
    peakRss: rssMb(),
    report: plainReport,
    page: {
      reportMs: median(page.report),
      reportRuns: page.report,
      firstMs: median(page.first),
      firstRuns: page.first,
      repeatMs: median(page.repeat),
      repeatRuns: page.repeat,
      previousMs: median(page.previous),
      cpu: {
        report: median(pageCpu.report),
        first: median(pageCpu.first),
        previous: median(pageCpu.previous),
        repeat: median(pageCpu.repeat),
      },
      bytes: html.length,
      check: pageCheck,
    },
  };
}

/**
 * The page's figures against buildReport's (not timed): the headline of the period and of the one
 * before, each agent's shipped count, and each repository's row against a report on that
 * repository alone (its own options). Returns the number of figures compared and those that differ.
 */
async function checkPage(store, html, metric) {
  const { buildReport, reportOptions, resolveScope } = await import("../src/metrics/report.js");
  const { fmt } = await import("../src/web/dashboard/pages.js");
  const differ = [];
  let compared = 0;
  const expect = (what, shown, wanted) => {
    compared++;
    if (shown !== wanted) differ.push(`${what}: page ${JSON.stringify(shown)}, report ${JSON.stringify(wanted)}`);
  };
  const scope = await resolveScope(store, { org: ORG });
  const options = await reportOptions(store, scope, metric, NOW);
  const report = await buildReport(store, scope, PAGE_PERIOD, options);
  const previousPeriod = { since: 2 * PAGE_PERIOD.since - PAGE_PERIOD.until, until: PAGE_PERIOD.since };
  const previous = await buildReport(store, scope, previousPeriod, options);
  const headline = (r) => ({
    normalisedDeployments: fmt.num(r.normalisedDeployments),
    aiChangesShipped: String(r.aiChangesShipped),
    changesShipped: String(r.changesShipped),
    aiShare: fmt.pct(r.aiShare),
    adoption: fmt.pct(r.adoption),
    activeEngineers: String(r.activeEngineers),
    leadTimeAi: fmt.hours(r.medianLeadTimeHours.ai),
    leadTimeOther: fmt.hours(r.medianLeadTimeHours.other),
    failureAi: fmt.pct(r.changeFailureRate.ai),
    failureOther: fmt.pct(r.changeFailureRate.other),
  });
  for (const [attribute, r] of [
    ["data-value", report],
    ["data-previous", previous],
  ]) {
    for (const [figure, wanted] of Object.entries(headline(r))) {
      expect(`${attribute} ${figure}`, new RegExp(`${attribute}="${figure}">([^<]*)<`).exec(html)?.[1], wanted);
    }
  }
  const agents = /<table class="agents">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
  const shownAgents = Object.fromEntries(
    [...agents.matchAll(/<tr><th scope="row">([^<]+)<\/th><td>(\d+)<\/td>/g)].map((m) => [m[1], Number(m[2])]),
  );
  expect("per agent, shipped", JSON.stringify(shownAgents), JSON.stringify(report.byAgent));
  const table = /<table class="repositories">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
  const rows = [
    ...table.matchAll(/<tr[^>]*>\n<th scope="row"><a [^>]*>([^<]+)<\/a>[^\n]*\n([^\n]*)\n([^\n]*)\n([^\n]*)<\/tr>/g),
  ];
  expect("repositories listed", rows.length, REPOSITORIES);
  for (const [, name, counts, normalised, failures] of rows) {
    const own = await resolveScope(store, { repo: name });
    const r = await buildReport(store, own, PAGE_PERIOD, await reportOptions(store, own, metric, NOW));
    expect(
      `${name} counts`,
      counts,
      `<td>${r.activeEngineers}</td><td>${r.changesShipped}</td><td>${r.aiChangesShipped}</td><td>${fmt.pct(r.aiShare)}</td>`,
    );
    const value = /<td>(?:<span class="withheld-why">withheld: ([^<]*)<\/span>|([^<]*))<\/td>/.exec(normalised);
    expect(`${name} withheld`, value?.[1] ?? null, r.withheld?.replaceAll("<", "&lt;") ?? null);
    if (!r.withheld) expect(`${name} normalised deployments`, value?.[2], fmt.num(r.normalisedDeployments));
    expect(
      `${name} change failure rate`,
      failures,
      `<td>${fmt.pct(r.changeFailureRate.ai)} / ${fmt.pct(r.changeFailureRate.other)}</td>`,
    );
  }
  return { compared, differ: differ.slice(0, 10), differing: differ.length };
}

function runChild(dialect, url) {
  const args = [...process.execArgv, "--expose-gc", fileURLToPath(import.meta.url), "--measure", dialect, url];
  const result = spawnSync(process.execPath, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`measuring ${dialect} failed (exit ${result.status})`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1));
}

// ---- main ------------------------------------------------------------------------------------------

const fmt = (ms) => `${ms.toFixed(1)} ms`;

const SCAN = {
  sqlite: "better-sqlite3 .raw().iterate()",
  postgres: "a cursor, FETCH 10000 at a time, rowMode array",
};

function print(r) {
  const runs = (list) => list.map((ms) => ms.toFixed(0)).join(", ");
  const s = r.report;
  console.log(`\n${r.dialect}:`);
  console.log(`  report  ${fmt(r.reportMs)}  (runs: ${runs(r.reportRuns)}; CPU ${fmt(r.reportCpu)})`);
  console.log(`          resolveScope + reportOptions + buildReport, ${ORG}, 90 days, default metric settings`);
  console.log(`  scan    ${fmt(r.scan)}  (runs: ${runs(r.scanRuns)}; CPU ${fmt(r.scanCpu)})`);
  console.log(`          SELECT * FROM changes: all ${r.scanRows} rows, every column, via ${SCAN[r.dialect]}`);
  console.log(`  ratio   ${(r.reportMs / r.scan).toFixed(3)}× (report / scan)`);
  console.log(`  with ignorePaths ${JSON.stringify(IGNORE_PATHS)}: ${fmt(r.ignoredPaths)}`);
  console.log(
    `  RSS     ${r.baseRss.toFixed(0)} MB before the first report, peak ${r.reportRss.toFixed(0)} MB after it, ${r.peakRss.toFixed(0)} MB after the scans`,
  );
  const p = r.page;
  const ratio = (ms) => `${(ms / p.reportMs).toFixed(2)}×`;
  console.log(
    `  org page (scopeViewHtml, ${ORG}, 90 days, ${(p.bytes / 1024).toFixed(0)} kB of HTML), each run beside a report (${fmt(p.reportMs)}; runs: ${runs(p.reportRuns)}):`,
  );
  const cpuRatio = (ms) => `${(ms / p.cpu.report).toFixed(2)}×`;
  console.log(
    `    first view   ${fmt(p.firstMs)}  (runs: ${runs(p.firstRuns)})  ${ratio(p.firstMs)} the report; CPU ${fmt(p.cpu.first)}, ${cpuRatio(p.cpu.first)} the report's ${fmt(p.cpu.report)}`,
  );
  console.log(
    `    then, after the first view was sent, the previous period worked out: ${fmt(p.previousMs)} (CPU ${fmt(p.cpu.previous)})`,
  );
  console.log(
    `    repeat view  ${fmt(p.repeatMs)}  (runs: ${runs(p.repeatRuns)})  ${ratio(p.repeatMs)} the report; CPU ${fmt(p.cpu.repeat)}, ${cpuRatio(p.cpu.repeat)}`,
  );
  console.log(
    `    the page's figures equal buildReport's: ${p.check.differing === 0 ? "yes" : "NO"} (${p.check.compared} figures: headline of both periods, per agent, ${REPOSITORIES} repositories)`,
  );
  for (const line of p.check.differ) console.log(`      ${line}`);
  console.log(
    `  the report: ${s.activeEngineers} active engineers, ${s.changesShipped} changes shipped (${s.aiChangesShipped} AI), normalised deployments ${s.normalisedDeployments?.toFixed(3)}`,
  );
}

async function main() {
  mkdirSync(work, { recursive: true });
  console.log(
    `Report benchmark: ${CHANGES} changes, ${DEPLOYMENTS} deployments, ${ENGINEERS} engineers, ${REPOSITORIES} repositories over two years; median of ${RUNS} runs after a warm-up.`,
  );
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(2)} (a busy machine slows both sides)`,
  );
  const results = [];
  if (DIALECTS.includes("sqlite")) {
    const path = join(work, `ledger-${CHANGES}-${cacheKey()}.db`);
    const marker = `${path}.seeded`;
    if (!existsSync(marker)) {
      // A ledger of the same size from another schema or generator is stale (and 750 MB).
      const stale = new RegExp(`^ledger-${CHANGES}-[0-9a-f]{12}\\.db`);
      for (const name of readdirSync(work)) if (stale.test(name)) rmSync(join(work, name), { force: true });
      const start = performance.now();
      console.log(`seeding ${path} …`);
      await seedSqlite(path);
      writeFileSync(marker, `${new Date().toISOString()}\n`);
      console.log(`seeded SQLite in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    } else console.log(`using the cached ${path}`);
    results.push(runChild("sqlite", path));
    print(results.at(-1));
  }
  if (DIALECTS.includes("postgres")) {
    const { startPostgresCluster, findPostgresBin } = await import("../test/helpers/postgres-cluster.js");
    const cluster = findPostgresBin() ? await startPostgresCluster() : null;
    if (!cluster)
      console.log("\npostgres: skipped, no PostgreSQL binaries (set PG_BIN, or install Debian's postgresql)");
    // Ctrl-C during the minutes of seeding must not leave a server running.
    const stop = () => {
      cluster?.stop();
      process.exit(130);
    };
    process.once("SIGINT", stop);
    try {
      if (cluster) {
        const start = performance.now();
        console.log("\nseeding a throwaway PostgreSQL cluster …");
        await seedPostgres(cluster.url, findPostgresBin());
        console.log(`seeded PostgreSQL in ${((performance.now() - start) / 1000).toFixed(1)} s`);
        results.push(runChild("postgres", cluster.url));
        print(results.at(-1));
      }
    } finally {
      process.off("SIGINT", stop);
      cluster?.stop();
    }
  }
  if (results.length === 2) {
    const same = isDeepStrictEqual(results[0].report, results[1].report);
    console.log(`\nthe same report on both dialects: ${same ? "yes" : "NO"}`);
    if (!same) process.exitCode = 1;
  }
  console.log(`\nload average at the end: ${loadavg()[0]?.toFixed(2)}`);
  for (const r of results) {
    const ratio = r.page.firstMs / r.page.reportMs;
    const ok = ratio <= TARGET_PAGE_RATIO && r.page.check.differing === 0;
    console.log(
      `target on ${r.dialect}: the organisation page's first view ≤ ${TARGET_PAGE_RATIO}× the report, its figures the report's: ${ok ? "met" : "MISSED"} (${ratio.toFixed(2)}×)`,
    );
    if (!ok) process.exitCode = 1;
  }
  const sqlite = results.find((r) => r.dialect === "sqlite");
  if (sqlite) {
    const ratio = sqlite.reportMs / sqlite.scan;
    const ok = ratio <= TARGET_RATIO && sqlite.reportMs < TARGET_SQLITE_MS;
    console.log(
      `\ntargets on SQLite: report ≤ ${TARGET_RATIO}× the full scan and < ${TARGET_SQLITE_MS} ms: ${ok ? "met" : "MISSED"}`,
    );
    if (!ok) process.exitCode = 1;
  }
}

if (process.argv[2] === "--measure") {
  const result = await measure(process.argv[3], process.argv[4]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await main();
}
