import { ProbotOctokit } from "probot";
// `npm run demo`: Shipledger's main job without a GitHub account. It starts the real app server
// (startApp, what `npm start` runs) against a fake GitHub on loopback, plays four weeks of a team
// on acme/shop as signed webhooks over HTTP, then prints some of the checks the app published,
// the organisation's report, and how to query the ledger it leaves in data/demo.db.
//
// What the demo plays (src/demo/story.ts; the figures it must produce are derived by hand in
// test/demo/demo.test.ts):
// - six engineers with merged changes (ana, ben, chen, dara, eli, tom) and a lead (maya) who
//   merges the agents' pull requests but authors nothing: she is not an active engineer;
// - Claude Code commits (co-author trailers, the "Generated with" footer, a session link, and a
//   kernel-style `Assisted-by: Claude:…`), Cursor commits (`Co-authored-by: Cursor`, `Made-with`);
// - a Copilot coding-agent pull request (author `Copilot`, commits by copilot-swe-agent[bot])
//   assigned by chen, and a Devin pull request (session link, "Requested by: @dara"), both merged
//   by maya and credited to the human who asked for them;
// - a dependabot pull request (a bot change: never counted);
// - staging deployments before most production ones (not production: ignored), a baseline first
//   production deployment, a redeploy of the same commit (ships nothing), three AI pull requests
//   of one engineer shipped by one deployment (one AI deployment for her, not three);
// - a rollback to the previous production commit (the change it removes counts as failed), then
//   the fix; a revert pull request of an AI-assisted change (the reverted change counts as failed);
// - a docs-only change (left out: the demo runs with METRIC_IGNORE_PATHS="docs/**,*.md");
// - tokenmaxxing: three pull requests with 30, 40 and 50 commits of Claude, Cursor and Codex
//   trailers, closed or left open, never shipped: they add nothing;
// - a change merged on the last day and not deployed yet: its engineer is active, nothing ships.
//
// `--installed-late` plays the same four weeks as history: it all happened on GitHub before the
// app was installed, today. The one webhook is installation.created; the app's backfill reads the
// history (BACKFILL_DAYS, 90 by default) and the report must come out as the live one
// (installed-late.ts watches the read).

import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { CHECK_NAME } from "../checks/attribution-check.js";
import { DEPLOYMENT_CHECK_NAME } from "../checks/deployment-check.js";
import type { CliIO } from "../cli/io.js";
import { formatReportTable } from "../metrics/format.js";
import {
  buildReport,
  DAY_MS,
  defaultPeriod,
  type MetricDefaults,
  reportOptions,
  resolveScope,
} from "../metrics/report.js";
import type { Report } from "../metrics/types.js";
import { type RunningApp, startApp } from "../start.js";
import type { BackfillRun, Store } from "../store/types.js";
import { sendMetricsExport } from "./agent-telemetry.js";
import { FakeGitHub, type RecordedRequest } from "./fake-github.js";
import type { ModelCheckRun } from "./github-model.js";
import { type BackfillCost, backfillCost, watchBackfill } from "./installed-late.js";
import {
  type Beat,
  buildSpend,
  buildStory,
  INSTALLATION_ID,
  OWNER,
  REPO,
  type SpendStory,
  type Story,
} from "./story.js";

const APP_ID = 424_242;
const WEBHOOK_SECRET = "shipledger-demo-secret";
/** Docs-only changes are left out of the metric: the installation-wide setting the demo runs with. */
export const DEMO_IGNORE_PATHS = "docs/**,*.md";
/** The story spans days 0–26; it starts this many days before today (UTC), so it ends yesterday. */
const STORY_DAYS = 27;
/** Installed late: the history read on install (BACKFILL_DAYS' default), well before the story. */
const LATE_BACKFILL_DAYS = 90;
/** A report reaching this far back goes before the history read: the variant shows its note. */
const LATE_NOTE_DAYS = 120;

/** The demo App's client id and secret (the dashboard's sign-in, against the fake GitHub). */
const DEMO_CLIENT_ID = "Iv1.demo0000000000";
const DEMO_CLIENT_SECRET = "demo-client-secret-offline-only";
/** The team's lead, whom the fake GitHub signs in to the dashboard. */
const DEMO_LEAD = { id: 5001, login: "maya" };

export interface DemoOptions {
  /** Where the ledger goes (default: data/demo.db under io.cwd). */
  databasePath?: string;
  /** Time allowed for one delivery to be processed. */
  deliveryTimeoutMs?: number;
  /**
   * The story happened before the app was installed: the one webhook is installation.created,
   * and the app's backfill reads the four weeks.
   */
  installedLate?: boolean;
  /** Installed late: time allowed for the backfill. */
  backfillTimeoutMs?: number;
  /**
   * Keeps the app and the fake GitHub up after the report, with the dashboard's sign-in working
   * offline (the fake GitHub signs the browser in as the team's lead), until the promise this
   * returns settles: the CLI waits for Ctrl-C, a test drives a browser.
   */
  dashboard?: (served: ServedDashboard) => Promise<void>;
}

/** The demo's dashboard while it is served. */
export interface ServedDashboard {
  /** The dashboard's address (…/dashboard). */
  url: string;
  /** Who the fake GitHub signs in: the team's lead, who can see the organisation. */
  login: string;
  owner: string;
  /** Whom the fake GitHub signs in from now on (a test signs in someone of another organisation). */
  signInAs(user: { id: number; login: string; installations: number[] }): void;
}

export interface DemoResult {
  report: Report;
  databasePath: string;
  checkRuns: ModelCheckRun[];
  deliveries: number;
  /** The GitHub API requests the app made while the story played. */
  requests: RequestCounts;
  /** Installed late: the backfill's runs as they ended, what it cost, and the note of a longer report. */
  backfill?: { runs: BackfillRun[]; cost: BackfillCost; elapsedMs: number; longerReport: Report };
}

export interface RequestCounts {
  total: number;
  /** Reads of `.github/shipledger.yml`, the repository's or the organisation's. */
  configReads: number;
  /** Of those, the conditional ones GitHub answered 304 (not counted against the rate limit). */
  configNotModified: number;
  /** The checks' two probes for agent records: the notes refs, and `.agent-trace/traces.jsonl` at the head. */
  recordProbes: number;
  /** Of those, the ones GitHub answered 304 (src/github/agent-records.ts). */
  recordProbesNotModified: number;
}

/** The requests by kind (src/github/config-cache.ts: a configuration read answered 304 is free). */
export function countRequests(requests: readonly RecordedRequest[]): RequestCounts {
  const config = requests.filter((r) => /\/contents\/\.github(%2F|\/)shipledger\.yml/.test(r.path));
  const probes = requests.filter(
    (r) => /\/git\/matching-refs\/notes/.test(r.path) || /\/contents\/\.agent-trace(%2F|\/)traces\.jsonl/.test(r.path),
  );
  return {
    total: requests.length,
    configReads: config.length,
    configNotModified: config.filter((r) => r.status === 304).length,
    recordProbes: probes.length,
    recordProbesNotModified: probes.filter((r) => r.status === 304).length,
  };
}

export const demoUsage = `Usage:
  shipledger demo [--installed-late] [--serve | --no-serve]
      Plays four weeks of a team against a fake GitHub, offline, and prints the report. With
      --installed-late the four weeks happen before the app is installed: it reads them as history.
      Then (--serve, the default on a terminal) it keeps serving the dashboard, whose "Sign in with
      GitHub" works offline, until Ctrl-C.
`;

/** The `shipledger demo` command (and `npm run demo -- …`). */
export async function demoCommand(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(demoUsage);
    return 0;
  }
  const known = new Set(["--installed-late", "--serve", "--no-serve"]);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length > 0 || (argv.includes("--serve") && argv.includes("--no-serve"))) {
    io.stderr(`shipledger demo: unknown argument ${unknown.join(" ") || "--serve with --no-serve"}\n${demoUsage}`);
    return 2;
  }
  const serve = argv.includes("--serve") || (io.isTTY && !argv.includes("--no-serve"));
  return runDemo(io, {
    installedLate: argv.includes("--installed-late"),
    ...(serve ? { dashboard: () => untilInterrupted(io) } : {}),
  });
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
function untilInterrupted(io: CliIO): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      io.stdout("\nStopping the demo.\n");
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

/** Runs the demo, printing to io.stdout; returns the exit code. */
export async function runDemo(io: CliIO, options: DemoOptions = {}): Promise<number> {
  try {
    await playDemo(io, options);
    return 0;
  } catch (error) {
    io.stderr(`shipledger demo: ${(error as Error).message}\n`);
    return 1;
  }
}

/** Plays the demo and returns what it produced (the test reads the report from here too). */
export async function playDemo(io: CliIO, options: DemoOptions = {}): Promise<DemoResult> {
  const say = (text = "") => io.stdout(`${text}\n`);
  const databasePath = options.databasePath ?? join(io.cwd, "data", "demo.db");
  const shown = displayPath(io.cwd, databasePath);
  const now = io.now();
  const start = startOfDay(now) - STORY_DAYS * DAY_MS;

  const late = options.installedLate === true;
  say(
    late
      ? "Shipledger demo, installed late: four weeks of one team on a fake GitHub, then the app installed"
      : "Shipledger demo: the real app, a fake GitHub on loopback, four weeks of one team",
  );
  say("=".repeat(80));
  const removed = removeSqlite(databasePath);
  say(`Ledger       ${shown} (SQLite; ${removed ? "the previous demo ledger was deleted first" : "new"})`);

  const story = buildStory(start);
  const spend = buildSpend(start);
  // The demo's price table (Gemini CLI reports tokens, not cost) and the console export it imports.
  mkdirSync(dirname(databasePath), { recursive: true });
  const pricesPath = join(dirname(databasePath), "demo-prices.yml");
  const importPath = join(dirname(databasePath), "demo-openai-costs.csv");
  writeFileSync(pricesPath, spend.prices);
  writeFileSync(importPath, spend.importCsv);
  const { privateKeyPem, publicKeyPem } = keyPair();
  const github = await new FakeGitHub({ appId: APP_ID, publicKeyPem }).start();
  let app: RunningApp | null = null;
  try {
    story.scenario.gh.appId = APP_ID;
    story.scenario.gh.serve(github);
    // The dashboard's "Sign in with GitHub", offline: the fake GitHub signs the browser in as the lead.
    github.oauthClient = { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET };
    github.oauthUser = {
      id: DEMO_LEAD.id,
      login: DEMO_LEAD.login,
      installations: [INSTALLATION_ID],
      repositories: { [INSTALLATION_ID]: [story.scenario.gh.repositoryJson()] },
    };
    github.route("GET", "/installation/repositories", () => ({
      body: { total_count: 1, repositories: [story.scenario.gh.repositoryJson()] },
    }));
    say(`Fake GitHub  ${github.baseUrl} (checks the app's JWT, issues installation tokens, answers the API)`);

    app = await startApp(
      {
        APP_ID: String(APP_ID),
        PRIVATE_KEY: privateKeyPem,
        WEBHOOK_SECRET,
        DATABASE_URL: `file:${databasePath}`,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        HOST: "127.0.0.1",
        PORT: "0", // the system picks a free port; the server says which
        LOG_LEVEL: "warn",
        INBOX_POLL_MS: "20",
        INBOX_RETRY_BASE_MS: "200",
        INBOX_RETRY_MAX_MS: "1000",
        METRIC_IGNORE_PATHS: DEMO_IGNORE_PATHS,
        COST_PRICES_FILE: pricesPath,
        NO_SMEE_SETUP: "true",
        GITHUB_CLIENT_ID: DEMO_CLIENT_ID,
        GITHUB_CLIENT_SECRET: DEMO_CLIENT_SECRET,
        // Live: installed before the story begins, everything is heard (no history to read).
        // Installed late: the history is read on install.
        BACKFILL_DAYS: late ? String(LATE_BACKFILL_DAYS) : "0",
      },
      {
        // The fake GitHub has no rate limits: no need to space the check-run writes a second apart.
        Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { enabled: false } })),
      },
    );
    const store = app.store as Store;
    const url = app.server.url;
    say(`App          ${url} (startApp, what \`npm start\` runs; webhooks at /api/github/webhooks)`);
    say();

    say(`The team of ${OWNER}/${REPO}`);
    for (const member of story.team) say(`  ${member.login.padEnd(5)} ${member.name.padEnd(11)} ${member.role}`);
    say();

    const send = sender(url, store, options.deliveryTimeoutMs ?? 30_000);
    let history: HistoryRead | null = null;
    if (late) {
      history = await readHistory(say, { store, story, github, send, databasePath, io, options });
    } else {
      // Installed the day before the story begins: the default report period (28 days) is all heard.
      await send({ event: "installation", payload: installationPayload(story, start - DAY_MS) });
      say(`Four weeks as webhooks: ${OWNER} installs the app, then each delivery is signed, sent over HTTP and`);
      say("processed before the next (times are UTC).");
      let week = 0;
      for (const beat of story.beats) {
        const beatWeek = Math.floor(beat.at / (24 * 7)) + 1;
        if (beatWeek !== week) {
          week = beatWeek;
          say(`  Week ${week}`);
        }
        for (const delivery of beat.deliveries) await send(delivery);
        if (beat.line) say(`    ${when(start, beat)}  ${beat.line}${outcome(story, beat)}`);
      }
      say(`  ${send.count} deliveries, all processed.`);
    }
    const requests = countRequests(github.requests);
    if (!late) {
      say(
        `  ${requests.total.toLocaleString("en")} GitHub API requests, ${requests.configReads.toLocaleString("en")} of them configuration reads (${requests.configNotModified.toLocaleString("en")} answered 304 Not Modified, free of rate limit)`,
      );
      say(
        `  and ${requests.recordProbes.toLocaleString("en")} probes for agent records (${requests.recordProbesNotModified.toLocaleString("en")} answered 304).`,
      );
      say();
      printChecks(say, story);
    }

    await sendSpend(say, { url, spend, databasePath, importPath, io });

    const scope = await resolveScope(store, { org: OWNER });
    // As the CLI does: the last 28 days up to the real clock, which the story ended before.
    const reportedAt = io.now();
    // The instance's metric defaults as the app resolved them at start (its price file read), so
    // the report is the one /api/v1/report answers: Gemini's tokens priced, marked estimated.
    const settings = await reportOptions(store, scope, app.metric as MetricDefaults, reportedAt);
    const report = await buildReport(store, scope, defaultPeriod(reportedAt), settings);
    // Installed late: what a report reaching before the history read says of itself.
    const backfill = history && {
      ...history,
      longerReport: await buildReport(store, scope, defaultPeriod(reportedAt, LATE_NOTE_DAYS), settings),
    };
    say(
      `The report for the organisation (what \`shipledger report --org ${OWNER}\` prints, default period: the last 28 days)`,
    );
    say("-".repeat(80));
    say(formatReportTable(report).trimEnd());
    say();
    if (backfill?.longerReport.historyNote) {
      const since = new Date(reportedAt - LATE_NOTE_DAYS * DAY_MS).toISOString().slice(0, 10);
      say(`A report reaching further back than the history read says so of itself, e.g.`);
      say(`\`shipledger report --org ${OWNER} --since ${since}\`: "${backfill.longerReport.historyNote}".`);
      say();
    }
    explain(say, report);
    say();
    printHowToQuery(say, shown, databasePath, displayPath(io.cwd, pricesPath));
    if (options.dashboard) {
      const served: ServedDashboard = {
        url: `${url}/dashboard`,
        login: DEMO_LEAD.login,
        owner: OWNER,
        signInAs: (user) => {
          github.oauthUser = user;
        },
      };
      say();
      say("The dashboard");
      say("-".repeat(80));
      say(`Open ${served.url} and sign in with GitHub: the fake GitHub signs you in as ${served.login}, the`);
      say(`team's lead, who sees ${OWNER}'s figures, its repository, the audit sample and the status page.`);
      say("Ctrl-C stops the demo.");
      await options.dashboard(served);
    }
    return {
      report,
      databasePath,
      checkRuns: [...story.scenario.gh.checkRuns],
      deliveries: send.count,
      requests,
      ...(backfill ? { backfill } : {}),
    };
  } finally {
    await app?.stop();
    await github.stop();
  }
}

// ---- what the agents spent ------------------------------------------------------------------

/**
 * The team's agents send their spend: an ingest token made as an operator makes one (`shipledger
 * costs token create`), Claude Code's and Gemini CLI's OTLP exports to the app's /v1/metrics with
 * it, and an export of the OpenAI console imported with `shipledger costs import`.
 */
async function sendSpend(
  say: (text?: string) => void,
  c: { url: string; spend: SpendStory; databasePath: string; importPath: string; io: CliIO },
) {
  const cli = async (argv: string[]) => {
    const { costsCommand } = await import("../cli/costs.js");
    let out = "";
    const code = await costsCommand(argv, {
      ...c.io,
      env: { DATABASE_URL: `file:${c.databasePath}` },
      stdout: (text) => {
        out += typeof text === "string" ? text : Buffer.from(text).toString("utf8");
      },
    });
    if (code !== 0) throw new Error(`shipledger costs ${argv[0]} exited ${code}`);
    return out;
  };
  say("What the agents spent");
  say("-".repeat(80));
  const created = await cli(["token", "create", "--owner", OWNER, "--name", "demo agents"]);
  const token = created.split("\n")[0] ?? "";
  say(`\`shipledger costs token create --owner ${OWNER}\` made an ingest token (shl_ingest_…, shown once). With it,`);
  say("Claude Code and Gemini CLI export OTLP metrics to the app's /v1/metrics (binary protobuf):");
  let sent = 0;
  for (const e of c.spend.exports) {
    for (let i = 0; i < (e.sends ?? 1); i++) await sendMetricsExport(c.url, token, e.export);
    sent += e.sends ?? 1;
    say(`  ${e.line}`);
  }
  say(`  ${sent} exports, each answered 200 (stored); the resent batch is counted once.`);
  const imported = await cli(["import", c.importPath, "--owner", OWNER]);
  say(`\`shipledger costs import\` of the OpenAI console's export (Codex, by day, no session):`);
  say(`  ${imported.trim().replace(c.importPath, displayPath(c.io.cwd, c.importPath))}`);
  say();
}

// ---- installed late: the history read --------------------------------------------------------

type HistoryRead = Omit<NonNullable<DemoResult["backfill"]>, "longerReport">;

/** Installs the app after the story and waits for its backfill, printing its progress and cost. */
async function readHistory(
  say: (text?: string) => void,
  c: {
    store: Store;
    story: Story;
    github: FakeGitHub;
    send: ReturnType<typeof sender>;
    databasePath: string;
    io: CliIO;
    options: DemoOptions;
  },
): Promise<HistoryRead> {
  const gh = c.story.scenario.gh;
  const pulls = [...gh.pulls.values()];
  const production = gh.deployments.filter((d) => d.environment === "production").length;
  say(`The four weeks happened on GitHub before ${OWNER} installed the app: ${pulls.length} pull requests`);
  say(
    `(${pulls.filter((p) => p.merged_at).length} merged) and ${gh.deployments.length} deployments (${production} to production), none of it heard by the app.`,
  );
  say(
    `Today ${OWNER} installs it. The one webhook is installation.created; the app then reads ${LATE_BACKFILL_DAYS} days`,
  );
  say("of history (BACKFILL_DAYS), a GraphQL page of merged pull requests at a time, then the deployments:");
  const from = c.github.requests.length;
  const started = Date.now();
  await c.send({ event: "installation", payload: installationPayload(c.story, c.io.now()) });
  const runs = await watchBackfill(c.store, INSTALLATION_ID, say, {
    timeoutMs: c.options.backfillTimeoutMs ?? 120_000,
  });
  const elapsedMs = Date.now() - started;
  const cost = backfillCost(c.github.requests.slice(from));
  say();
  say("What `shipledger backfill status` says now:");
  const status = await backfillStatus(c.databasePath, c.io);
  for (const line of status.trimEnd().split("\n")) say(`  ${line}`);
  say();
  say(
    `What it cost: ${cost.total} GitHub API requests in ${(elapsedMs / 1000).toFixed(1)} s — ${cost.graphql} GraphQL ${cost.graphql === 1 ? "query" : "queries"} (merged pull requests with their commits and files, and one look for records of authorship), ${cost.deployments} for deployments and their statuses, ${cost.commits} commit comparisons, ${cost.other} other (token, repository listing, configuration).`,
  );
  say(
    `No check run was written (${cost.checkRunWrites} check-run requests): history gets none, it would flag old commits.`,
  );
  say();
  return { runs, cost, elapsedMs };
}

/** What `shipledger backfill status --org acme` prints, run against the demo's ledger. */
async function backfillStatus(databasePath: string, io: CliIO): Promise<string> {
  const { backfillCommand } = await import("../cli/backfill.js");
  let out = "";
  const code = await backfillCommand(["status", "--org", OWNER], {
    ...io,
    env: { DATABASE_URL: `file:${databasePath}` },
    stdout: (text) => {
      out += typeof text === "string" ? text : Buffer.from(text).toString("utf8");
    },
  });
  if (code !== 0) throw new Error(`shipledger backfill status exited ${code}`);
  return out;
}

// ---- the webhooks ---------------------------------------------------------------------------

function sender(url: string, store: Store, timeoutMs: number) {
  const send = async (delivery: { event: string; payload: unknown }) => {
    const id = randomUUID();
    const body = JSON.stringify(delivery.payload);
    const response = await fetch(`${url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/shipledger-demo",
        "x-github-event": delivery.event,
        "x-github-delivery": id,
        "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    if (response.status !== 200) {
      throw new Error(`the app answered ${response.status} to a ${delivery.event} delivery: ${await response.text()}`);
    }
    send.count++;
    // Processing order matters (a deployment links the merges before it): wait for this one.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stored = await store.inbox.getDelivery(id);
      if (stored?.status === "done") return;
      if (stored?.status === "failed") {
        throw new Error(`the ${delivery.event} delivery ${id} failed: ${stored.lastError ?? "no error recorded"}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the ${delivery.event} delivery ${id} was not processed in ${timeoutMs} ms (status ${stored?.status ?? "absent"}${stored?.lastError ? `, last error: ${stored.lastError}` : ""})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  send.count = 0;
  return send;
}

function installationPayload(story: Story, installedAt: number) {
  const repository = story.scenario.gh.repositoryJson();
  return {
    action: "created",
    installation: {
      id: INSTALLATION_ID,
      // When it was installed, as GitHub says it (epoch seconds).
      created_at: Math.floor(installedAt / 1000),
      account: { login: OWNER, id: story.scenario.gh.ownerId, type: "Organization" },
      app_id: APP_ID,
      target_type: "Organization",
      repository_selection: "selected",
      permissions: { checks: "write", contents: "read", pull_requests: "read", deployments: "read", metadata: "read" },
      events: ["pull_request", "deployment", "deployment_status", "check_run", "check_suite", "push", "release"],
      suspended_at: null,
    },
    repositories: [{ id: repository.id, name: repository.name, full_name: repository.full_name, private: false }],
    sender: { login: "maya", type: "User" },
  };
}

// ---- what is printed ------------------------------------------------------------------------

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function when(start: number, beat: Beat): string {
  const date = new Date(start + beat.at * 3_600_000);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.toISOString().slice(0, 16).replace("T", " ")}`;
}

/** For a production deployment, the title of the check the app published on its commit. */
function outcome(story: Story, beat: Beat): string {
  if (!beat.productionSha) return "";
  const run = story.scenario.gh.checkRuns.findLast(
    (r) => r.name === DEPLOYMENT_CHECK_NAME && r.head_sha === beat.productionSha,
  );
  return run ? `\n${" ".repeat(28)}→ ${run.output.title}` : "";
}

/** Rows of each table shown (a 30-commit table would drown the rest). */
const MAX_TABLE_ROWS = 3;

/** A check summary for the console: each line marked, long tables cut to their first rows. */
export function abridgeSummary(summary: string): string[] {
  const out: string[] = [];
  let rows = 0;
  let hidden = 0;
  for (const line of summary.trimEnd().split("\n")) {
    if (line.startsWith("|")) {
      // Header and separator, then rows.
      if (++rows <= MAX_TABLE_ROWS + 2) out.push(line);
      else hidden++;
      continue;
    }
    if (hidden > 0) out.push(`| … ${hidden} more ${hidden === 1 ? "row" : "rows"} |`);
    rows = 0;
    hidden = 0;
    out.push(line);
  }
  if (hidden > 0) out.push(`| … ${hidden} more ${hidden === 1 ? "row" : "rows"} |`);
  return out.map((line) => `  │ ${line}`.trimEnd());
}

function printChecks(say: (text?: string) => void, story: Story) {
  say(`Some of the "${CHECK_NAME}" checks the app published on pull requests (title, then summary)`);
  say("-".repeat(80));
  for (const { number, why } of story.showcase) {
    const pull = story.scenario.gh.pulls.get(number);
    const run = story.scenario.gh.checkRuns.findLast((r) => r.name === CHECK_NAME && r.head_sha === pull?.head.sha);
    say(`#${number} ${pull?.title ?? ""} — ${why}`);
    if (!run) {
      say("  (no check run was published)");
      continue;
    }
    say(`  ${run.output.title}`);
    for (const line of abridgeSummary(run.output.summary)) say(line);
    say();
  }
}

function explain(say: (text?: string) => void, report: Report) {
  say("How to read it:");
  if (report.normalisedDeployments !== null) {
    const pairs = Math.round(report.normalisedDeployments * report.activeEngineers * report.weeks);
    say(
      `  normalised deployments = ${pairs} AI-assisted production deployments credited to engineers / (${report.activeEngineers} active engineers × ${report.weeks.toFixed(1)} weeks)`,
    );
  }
  say("  - ana's three wishlist PRs shipped in one deployment: one AI deployment for her, not three;");
  say("  - the Copilot and Devin PRs count for chen and dara, who asked for them, not for maya who merged them;");
  say("  - the rolled-back and the reverted change count as failures; the redeploy and the rollback ship nothing;");
  say("  - dependabot's change and the docs-only change are not counted; maya merged but authored nothing;");
  say("  - tom's 120 commits of AI trailers never shipped: they count for nothing.");
  const spend = report.spend;
  if (spend !== null) {
    say(
      `  - AI spend: all of it (${usd(spend.total)}) over what reached production: ${usd(spend.costPerAiDeployment)} per AI-assisted deployment;`,
    );
    say(
      `    #12's session (closed unmerged) and #19's (reverted) are spend that did not reach production (${usd(spend.didNotReach)});`,
    );
    say(
      `    the agents left running on a session no change names add ${usd(spend.unlinked)}: spend only ever raises the cost.`,
    );
  }
}

const usd = (value: number | null) => (value === null ? "—" : `$${value.toFixed(2)}`);

function printHowToQuery(say: (text?: string) => void, shown: string, absolute: string, prices: string) {
  const url = `file:${shown}`;
  const env = `DATABASE_URL=${url} METRIC_IGNORE_PATHS='${DEMO_IGNORE_PATHS}' COST_PRICES_FILE=${prices}`;
  say("Query the ledger the demo left behind");
  say("-".repeat(80));
  say(`The ledger is ${absolute} (SQLite). The next \`npm run demo\` deletes and rebuilds it.`);
  say(
    `The demo left docs-only changes out (METRIC_IGNORE_PATHS='${DEMO_IGNORE_PATHS}') and priced Gemini's tokens from ${prices}`,
  );
  say("(COST_PRICES_FILE): pass the same to get the same figures.");
  say("");
  say(`  ${env} npm run shipledger -- report --org ${OWNER}`);
  say(`  ${env} npm run -s shipledger -- report --repo ${OWNER}/${REPO} --format json`);
  say(`  ${env} npm run -s shipledger -- report --org ${OWNER} --format csv`);
  say(`  DATABASE_URL=${url} npm run shipledger -- inbox --status done --limit 10`);
  say(
    `  sqlite3 -header -column ${shown} "SELECT number, engineer, ai, agents, datetime(shipped_at / 1000, 'unixepoch') AS shipped, reverted_at IS NOT NULL OR rolled_back_at IS NOT NULL AS failed, title FROM changes ORDER BY number"`,
  );
  say(
    `  sqlite3 -header -column ${shown} "SELECT datetime(succeeded_at / 1000, 'unixepoch') AS at, environment, outcome, substr(sha, 1, 7) AS sha FROM deployments ORDER BY succeeded_at"`,
  );
}

// ---- plumbing -------------------------------------------------------------------------------

function startOfDay(t: number): number {
  return Math.floor(t / DAY_MS) * DAY_MS;
}

/** The path as the user would type it from io.cwd: relative when inside it. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? `./${rel}` : path;
}

/** Deletes an SQLite database and its WAL files; true when there was one. */
function removeSqlite(path: string): boolean {
  const existed = existsSync(path);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  return existed;
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
