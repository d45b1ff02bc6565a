// What shipping costs, end to end (#18): the demo's four weeks of acme/shop are played as signed
// webhooks into the real server process (SQLite file and Postgres), the sessions their pull
// requests' trailers name (`Claude-Session:`, `Agent-Session: gemini:…`) spend, and the agents
// export that spend with the OpenTelemetry SDK for JS as Claude Code and Gemini CLI do: Claude
// Code's `claude_code.cost.usage` / `claude_code.token.usage` with delta temporality (its default)
// and cumulative, Gemini CLI's `gemini_cli.token.usage` (tokens only, cumulative), through a
// network that refuses one export with 503 and loses the app's answer to another after it was
// stored, so that the SDK resends. An OpenAI console export is imported with the CLI. The report
// (/api/v1/report, organisation and repository) must equal the figures computed by hand below.
//
// By hand, USD (the sessions are the demo's, src/demo/story.ts SESSIONS; their changes' fates are
// the demo's, test/demo/demo.test.ts):
//   #1  recommendations  Claude Code delta: 3.00 (export 1, refused once) + 1.25 (export 2,
//                        answer lost, resent)                           = 4.25  shipped, stays  → reached
//   #23 reviews          Claude Code cumulative: running total 1.50, then 2.50 (shutdown resends
//                        2.50)                                          = 2.50  shipped, stays  → reached
//   #22 priceFilters     Gemini CLI cumulative tokens, running totals input/output/thought
//                        300k/20k/5k then 400k/30k/10k: input 400,000 × $1.25/M = 0.50, output
//                        (30k + 10k thought) 40,000 × $10/M = 0.40       = 0.90  estimated, stays → reached
//   #12 cleanup          Claude Code delta: 6.00 (export 2)              = 6.00  closed unmerged → did not reach
//   #19 csvExport        Claude Code cumulative (Sonnet): 2.00, then 3.75 = 3.75  reverted by #20 → did not reach
//   burnt                Claude Code delta: 7.00 + 5.00                  = 12.00 no change names it → unlinked
//   import               Codex by day, no session: 1.50 + 2.50          = 4.00  → unattributed
//   total 4.25 + 2.50 + 0.90 + 6.00 + 3.75 + 12.00 + 4.00 = 33.40, estimated 0.90;
//   reached 7.65; did not reach 9.75; pending 0; unlinked 12.00; unattributed 4.00.
//   Cost per AI-assisted production deployment 33.40 / 10 = 3.34; per AI-assisted change shipped
//   33.40 / 12 = 2.783333 (to the micro-dollar).
//   By agent: claude-code 4.25 + 2.50 + 6.00 + 3.75 + 12.00 = 28.50; codex 4.00; gemini 0.90.
//   By model: claude-opus-4-5 4.25 + 2.50 + 6.00 + 12.00 = 24.75; claude-sonnet-4-5 3.75;
//   gemini-2.5-pro 0.90; gpt-5-codex 4.00. Sessions with spend: 6.
//   acme/shop's report: its changes' sessions only: 7.65 + 9.75 = 17.40 (0.90 estimated), no
//   unlinked or unattributed figure; 17.40 / 10 = 1.74 per deployment, 17.40 / 12 = 1.45 per change.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { DEMO_IGNORE_PATHS } from "../../src/demo/run.js";
import { buildSpend, buildStory, INSTALLATION_ID, OWNER, REPO, SESSIONS } from "../../src/demo/story.js";
import { DAY_MS } from "../../src/metrics/report.js";
import type { Report } from "../../src/metrics/types.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { FakeGitHub } from "../fake-github/server.js";
import {
  type AppProcess,
  appKeyPair,
  eventually,
  fakeGitHubAppEnv,
  sendWebhook,
  startAppProcess,
} from "../helpers/app-process.js";
import { runCliProcess } from "../helpers/cli.js";
import { type AgentMeter, agentMeter, type Relay, startRelay } from "../helpers/otlp-export.js";
import { eachDialect } from "../helpers/stores.js";

const SECRET = "spend-e2e-webhook-secret";
const APP_ID = 7171;
const API_TOKEN = "spend-e2e-report-token-0123456789";
const keys = appKeyPair();
const OPUS = "claude-opus-4-5-20251101";
const SONNET = "claude-sonnet-4-5-20250929";
const GEMINI = "gemini-2.5-pro";

/** One turn of Claude Code: its cost and tokens, by session and model (user.email is never stored). */
function claudeTurn(
  meter: AgentMeter,
  session: string,
  model: string,
  usd: number,
  tokens: { input: number; output: number },
) {
  const attributes = { "session.id": session, model, "user.email": "someone@example.com" };
  meter.counter("claude_code.cost.usage", "USD").add(usd, attributes);
  meter.counter("claude_code.token.usage", "tokens").add(tokens.input, { ...attributes, type: "input" });
  meter.counter("claude_code.token.usage", "tokens").add(tokens.output, { ...attributes, type: "output" });
}

/** Gemini CLI's tokens (it reports no cost). */
function geminiTokens(meter: AgentMeter, tokens: { input: number; output: number; thought: number }) {
  const attributes = { "session.id": SESSIONS.priceFilters, model: GEMINI };
  for (const type of ["input", "output", "thought"] as const)
    meter.counter("gemini_cli.token.usage", "token").add(tokens[type], { ...attributes, type });
}

async function cli(url: string, argv: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), "shipledger-spend-cli-"));
  const run = await runCliProcess(["costs", ...argv], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: url },
    cwd,
  });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return run.stdout;
}

async function report(app: AppProcess, scope: string): Promise<Report> {
  const response = await fetch(`${app.url}/api/v1/report?${scope}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Report;
}

eachDialect("e2e: what shipping costs", ({ dialect, newDatabaseUrl }) => {
  const running: AppProcess[] = [];
  const relays: Relay[] = [];
  const meters: AgentMeter[] = [];
  const stores: Store[] = [];
  const githubs: FakeGitHub[] = [];
  afterEach(async () => {
    await Promise.all(githubs.splice(0).map((g) => g.stop()));
    await Promise.all(meters.splice(0).map((m) => m.shutdown().catch(() => {})));
    await Promise.all(running.splice(0).map((a) => a.kill()));
    for (const r of relays.splice(0)) {
      r.server?.closeAllConnections();
      r.server?.close();
    }
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it("joins the SDK's exports (delta and cumulative, refused, lost and resent) to the demo's changes: the report's spend is the hand-computed one", async () => {
    // The demo's four weeks, ending yesterday, as `npm run demo` plays them.
    const now = Date.now();
    const start = Math.floor(now / DAY_MS) * DAY_MS - 27 * DAY_MS;
    const story = buildStory(start);
    const spendStory = buildSpend(start);
    // A fake GitHub of this test's own, serving the demo's repository (as `npm run demo` does).
    const github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
    githubs.push(github);
    story.scenario.gh.appId = APP_ID;
    story.scenario.gh.serve(github);
    github.route("GET", "/installation/repositories", () => ({
      body: { total_count: 1, repositories: [story.scenario.gh.repositoryJson()] },
    }));
    const dir = mkdtempSync(join(tmpdir(), "shipledger-spend-"));
    const pricesPath = join(dir, "prices.yml");
    writeFileSync(pricesPath, spendStory.prices); // gemini-2.5-pro: { input: 1.25, output: 10 }
    const importPath = join(dir, "openai-costs.csv");
    writeFileSync(importPath, spendStory.importCsv); // Codex, two days, $1.50 and $2.50

    const url = await newDatabaseUrl();
    const app = await startAppProcess({
      ...fakeGitHubAppEnv({
        appId: APP_ID,
        privateKeyPem: keys.privateKeyPem,
        secret: SECRET,
        databaseUrl: url,
        githubHost: github.host,
      }),
      NODE_ENV: "production",
      INBOX_POLL_MS: "20",
      RECONCILE_INTERVAL_MS: "0",
      DRIFT_INTERVAL_MS: "0",
      BACKFILL_DAYS: "0",
      METRIC_IGNORE_PATHS: DEMO_IGNORE_PATHS,
      COST_PRICES_FILE: pricesPath,
      API_TOKENS: `${API_TOKEN}:${OWNER}`,
      // What each export stored, and what it found already stored, is logged at debug level.
      LOG_LEVEL: "debug",
    });
    running.push(app);
    if (app.child.exitCode !== null) throw new Error(`the app exited early:\n${app.output()}`);
    const store = await openStore(url, { migrate: false });
    stores.push(store);

    // ---- the four weeks, as webhooks, one processed before the next ----------------------------
    let n = 0;
    const send = async (event: string, payload: unknown) => {
      const id = `spend-${dialect}-${++n}`;
      expect((await sendWebhook(app.url, { id, event, payload, secret: SECRET })).status).toBe(200);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const stored = await store.inbox.getDelivery(id);
        if (stored?.status === "done") return;
        if (stored?.status === "failed" || Date.now() > deadline) {
          throw new Error(
            `${event} ${id}: ${stored?.status ?? "absent"}, ${stored?.lastError ?? "no error"}\n${app.output().slice(-3000)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const repository = story.scenario.gh.repositoryJson();
    await send("installation", {
      action: "created",
      installation: {
        id: INSTALLATION_ID,
        created_at: Math.floor((start - DAY_MS) / 1000),
        account: { login: OWNER, id: story.scenario.gh.ownerId, type: "Organization" },
        app_id: APP_ID,
        target_type: "Organization",
        repository_selection: "selected",
        permissions: {
          checks: "write",
          contents: "read",
          pull_requests: "read",
          deployments: "read",
          metadata: "read",
        },
        events: ["pull_request", "deployment", "deployment_status", "push"],
        suspended_at: null,
      },
      repositories: [{ id: repository.id, name: repository.name, full_name: repository.full_name, private: false }],
      sender: { login: "maya", type: "User" },
    });
    for (const beat of story.beats) for (const d of beat.deliveries) await send(d.event, d.payload);

    // ---- the operator makes an ingest token; the agents export through the network ----------------
    const token = (await cli(url, ["token", "create", "--owner", OWNER, "--name", "e2e agents"])).split("\n")[0] ?? "";
    expect(token).toMatch(/^shl_ingest_/);
    const relay = await startRelay();
    relays.push(relay);
    relay.target = app.url;
    const exports = () => relay.exchanges.filter((e) => e.path === "/v1/metrics");
    const meter = (options: Partial<Parameters<typeof agentMeter>[0]>) => {
      const m = agentMeter({ url: `${relay.url}/v1/metrics`, token, timeoutMillis: 30_000, ...options });
      meters.push(m);
      return m;
    };
    const claudeDelta = meter({ temporality: "delta", gzip: true });
    const claudeCumulative = meter({ temporality: "cumulative", encoding: "json" });
    const gemini = meter({ temporality: "cumulative", resource: { "service.name": "gemini-cli" } });

    // Export 1 (delta): the proxy answers 503 (Retry-After: 1) once; the SDK waits and resends.
    let refusals = 0;
    relay.onRequest = () => (refusals++ === 0 ? { status: 503, headers: { "retry-after": "1" } } : null);
    claudeTurn(claudeDelta, SESSIONS.recommendations, OPUS, 3, { input: 42_000, output: 9_500 });
    claudeTurn(claudeDelta, SESSIONS.burnt, OPUS, 7, { input: 400_000, output: 60_000 });
    await claudeDelta.flush();
    relay.onRequest = null;
    const [refused, accepted] = exports();
    expect([refused?.status, refused?.refused, accepted?.status]).toEqual([503, true, 200]);
    expect(accepted?.body.equals(refused?.body ?? Buffer.alloc(0))).toBe(true);

    // Export 2 (delta): stored and answered 200, but the answer is lost on the way back; the SDK
    // resends the same bytes, which the app answers 200 again and stores nothing from.
    let lost = 0;
    relay.onAnswer = async (e) => {
      if (e.status !== 200 || lost > 0) return "pass";
      lost++;
      return "lose";
    };
    claudeTurn(claudeDelta, SESSIONS.recommendations, OPUS, 1.25, { input: 15_000, output: 4_000 });
    claudeTurn(claudeDelta, SESSIONS.cleanup, OPUS, 6, { input: 350_000, output: 50_000 });
    claudeTurn(claudeDelta, SESSIONS.burnt, OPUS, 5, { input: 300_000, output: 40_000 });
    await claudeDelta.flush();
    relay.onAnswer = null;
    const [stored, resent] = exports().slice(-2);
    expect([stored?.status, resent?.status, lost]).toEqual([200, 200, 1]);
    expect(resent?.body.equals(stored?.body ?? Buffer.alloc(0))).toBe(true);
    // Its 9 points (3 sessions × cost, input and output tokens) were all stored already.
    await eventually(async () => /"stored":9,"duplicates":0,/.test(app.output()));
    await eventually(async () => /"stored":0,"duplicates":9,/.test(app.output()));

    // Cumulative (JSON): running totals, flushed twice, and again at shutdown.
    claudeTurn(claudeCumulative, SESSIONS.csvExport, SONNET, 2, { input: 150_000, output: 40_000 });
    claudeTurn(claudeCumulative, SESSIONS.reviews, OPUS, 1.5, { input: 50_000, output: 12_000 });
    await claudeCumulative.flush();
    claudeTurn(claudeCumulative, SESSIONS.csvExport, SONNET, 1.75, { input: 100_000, output: 30_000 });
    claudeTurn(claudeCumulative, SESSIONS.reviews, OPUS, 1, { input: 40_000, output: 8_000 });
    await claudeCumulative.flush();
    await claudeCumulative.shutdown();

    // Gemini CLI (cumulative, tokens only): its running totals twice, and again at shutdown.
    geminiTokens(gemini, { input: 300_000, output: 20_000, thought: 5_000 });
    await gemini.flush();
    geminiTokens(gemini, { input: 100_000, output: 10_000, thought: 5_000 });
    await gemini.flush();
    await gemini.shutdown();
    await claudeDelta.shutdown();

    // Every export that reached the app was answered 200; the only other answer is the proxy's 503.
    expect(
      exports()
        .filter((e) => !e.refused)
        .every((e) => e.status === 200),
    ).toBe(true);
    expect(exports().length).toBeGreaterThanOrEqual(10);

    // The OpenAI console's export: Codex by day, without a session.
    expect(await cli(url, ["import", importPath, "--owner", OWNER])).toContain("$4.00 reported");

    // ---- the reports -------------------------------------------------------------------------------
    const organisation = await report(app, `org=${OWNER}`);
    expect(organisation.aiChangesShipped).toBe(12);
    expect(organisation.changesShipped).toBe(20);
    expect(organisation.spend).toMatchObject({
      currency: "USD",
      total: 33.4,
      estimated: 0.9,
      reachedProduction: 7.65,
      didNotReach: 9.75,
      pending: 0,
      unlinked: 12,
      unattributed: 4,
      costPerAiDeployment: 3.34,
      costPerAiChangeShipped: 2.783333,
      byAgent: { "claude-code": 28.5, codex: 4, gemini: 0.9 },
      byModel: { [OPUS]: 24.75, [SONNET]: 3.75, [GEMINI]: 0.9, "gpt-5-codex": 4 },
      sessions: 6,
      unpriced: { tokens: 0, models: [] },
    });
    // The weeks add up to the period's figures.
    const weeks = organisation.spend?.series ?? [];
    const sum = (key: "reachedProduction" | "didNotReach" | "pending" | "unlinked" | "unattributed") =>
      Math.round(weeks.reduce((total, w) => total + w[key], 0) * 1e6) / 1e6;
    expect([
      sum("reachedProduction"),
      sum("didNotReach"),
      sum("pending"),
      sum("unlinked"),
      sum("unattributed"),
    ]).toEqual([7.65, 9.75, 0, 12, 4]);
    // No session and no person in what the report says.
    const text = JSON.stringify(organisation);
    for (const session of Object.values(SESSIONS)) expect(text).not.toContain(session);
    expect(text).not.toContain("someone@example.com");

    const shop = await report(app, `repo=${OWNER}/${REPO}`);
    expect(shop.spend).toMatchObject({
      total: 17.4,
      estimated: 0.9,
      reachedProduction: 7.65,
      didNotReach: 9.75,
      pending: 0,
      unlinked: null,
      unattributed: null,
      costPerAiDeployment: 1.74,
      costPerAiChangeShipped: 1.45,
      byAgent: { "claude-code": 16.5, gemini: 0.9 },
      byModel: { [OPUS]: 12.75, [SONNET]: 3.75, [GEMINI]: 0.9 },
      sessions: 5,
    });

    // Resending every export the SDK made, as a confused exporter would, changes nothing.
    for (const e of exports().filter((x) => !x.refused)) {
      const again = await fetch(`${app.url}/v1/metrics`, { method: "POST", headers: e.request, body: e.body });
      expect(again.status).toBe(200);
    }
    expect((await report(app, `org=${OWNER}`)).spend).toEqual(organisation.spend);

    // An ingest token writes and never reads: no report, no metrics, no dashboard data with it.
    for (const path of [
      `/api/v1/report?org=${OWNER}`,
      `/api/v1/report?repo=${OWNER}/shop`,
      "/metrics",
      "/metrics/ops",
    ]) {
      const read = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect([401, 403, 404], path).toContain(read.status);
      expect(await read.text(), path).not.toMatch(/spend|reachedProduction|shipledger_ai/);
    }
    expect(app.output()).not.toContain(token);
  }, 180_000);
});
