// The demo's team and its four weeks on acme/shop, built on a Scenario (the repository's history
// as the fake GitHub answers it) together with the webhooks GitHub would send, in time order.
// The expected report figures are derived from this story in test/demo/demo.test.ts: change the
// story, change the derivation.

import { createHash } from "node:crypto";
import type { AgentExport, AgentPoint } from "./agent-telemetry.js";
import type { ModelCommit } from "./github-model.js";
import { type PullOptions, Scenario } from "./scenario.js";

export const OWNER = "acme";
export const REPO = "shop";
export const REPOSITORY_ID = 52_001;
export const INSTALLATION_ID = 41_001;

export interface DemoDelivery {
  event: string;
  payload: unknown;
}

/** One moment of the story: the webhooks GitHub sends then, and what the console says about it. */
export interface Beat {
  /** Hours from the start of the story (day 0, 00:00 UTC). */
  at: number;
  deliveries: DemoDelivery[];
  /** A line for the console (none for the quiet deliveries, e.g. a pull request being opened). */
  line?: string;
  /** A production deployment: the console shows the check the app published on this commit. */
  productionSha?: string;
}

export interface Story {
  scenario: Scenario;
  beats: Beat[];
  /** Pull requests whose "AI attribution" check the demo prints, with why. */
  showcase: Array<{ number: number; why: string }>;
  team: Array<{ login: string; name: string; role: string }>;
}

export const TEAM = [
  { login: "ana", name: "Ana Ortiz", role: "works with Claude Code" },
  { login: "ben", name: "Ben Okafor", role: "works with Cursor" },
  { login: "chen", name: "Chen Wei", role: "assigns issues to the Copilot coding agent; Gemini CLI now and then" },
  { login: "dara", name: "Dara Singh", role: "sends tasks to Devin" },
  { login: "eli", name: "Eli Novak", role: "no AI; on call, docs, the revert" },
  {
    login: "tom",
    name: "Tom Hardy",
    role: "tokenmaxxes: AI trailers spammed on PRs that never ship, agents left running",
  },
  { login: "maya", name: "Maya Lind", role: "tech lead: merges the agents' PRs, authors nothing this month" },
];

const person = (login: string): ModelCommit["author"] => {
  const name = TEAM.find((t) => t.login === login)?.name ?? login;
  return { name, email: `${login}@acme.dev`, login };
};

const claude = (model = "Claude Opus 4.5") =>
  `🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: ${model} <noreply@anthropic.com>`;
const cursor = "Co-authored-by: Cursor <cursoragent@cursor.com>\nMade-with: Cursor";
/** A commit message: subject, body and trailers, each its own paragraph (trailers must be the last one). */
const message = (subject: string, body: string, trailers = "") =>
  `${[subject, body, trailers.trim()].filter(Boolean).join("\n\n")}\n`;

const COPILOT: ModelCommit["author"] = {
  name: "copilot-swe-agent[bot]",
  email: "198982749+Copilot@users.noreply.github.com",
  login: "Copilot",
};
const DEVIN: ModelCommit["author"] = {
  name: "Devin AI",
  email: "158243242+devin-ai-integration[bot]@users.noreply.github.com",
  login: "devin-ai-integration[bot]",
};
const DEPENDABOT: ModelCommit["author"] = {
  name: "dependabot[bot]",
  email: "49699333+dependabot[bot]@users.noreply.github.com",
  login: "dependabot[bot]",
};

/**
 * The agent sessions the story's commits name (`Claude-Session:`, `Agent-Session:`), whose spend
 * the agents export to the app (buildSpend, below): Claude Code's web session ids, and a Gemini
 * CLI session's UUID.
 */
export const SESSIONS = {
  /** #1, ana: shipped by D1 and stays. */
  recommendations: "session_01HqJ8wYbZ3kVn5mT2pR7sXc",
  /** #12, tom's trailer spam: closed unmerged. */
  cleanup: "session_01Tq3wE5rT7yU9iO1pA3sD5fGh",
  /** tom's agents left running: no change names it. */
  burnt: "session_01Bz9xC7vB5nM3qW1eR3tY5uIo",
  /** #19, dara: shipped by D8, reverted by #20. */
  csvExport: "session_01Mx7bN3cV5zL9kJ2hG4fD6sAq",
  /** #22, chen with Gemini CLI: shipped by D10 and stays. */
  priceFilters: "3f8c1e2a-7b4d-4e6f-9a1b-2c3d4e5f6a7b",
  /** #23, ana: shipped by D11 and stays. */
  reviews: "session_01JvR4nQ8wE2tY6uI9oP3aSd",
} as const;

/** `count` commits of trailer spam: every AI marker there is, on renames nobody asked for. */
function spam(count: number, batch: number, extra = ""): string[] {
  const names = ["total", "items", "cart", "price", "user", "order", "sku", "qty", "tax", "fee"];
  return Array.from({ length: count }, (_, i) =>
    message(
      `Rename ${names[i % names.length]} to ${names[i % names.length]}${batch}${i} in utils/helpers${i % 7}.ts`,
      "Automated cleanup.",
      `Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\nCo-authored-by: Cursor <cursoragent@cursor.com>\nAssisted-by: Codex:gpt-5-codex\nMade-with: Cursor${extra}`,
    ),
  );
}

/**
 * Builds the story. `start` is day 0, 00:00 UTC; the last event is on day 26, so a story that
 * starts 27 days before today ends yesterday, inside a report's default 28 days.
 */
export function buildStory(start: number): Story {
  // Shas that look like shas: the console shows them abbreviated.
  const sha = (n: number) => createHash("sha1").update(`${OWNER}/${REPO} commit ${n}`).digest("hex");
  const sc = new Scenario(OWNER, REPO, REPOSITORY_ID, { start, sha });
  const gh = sc.gh;
  const beats: Beat[] = [];
  const h = (day: number, hour: number) => day * 24 + hour;

  const merged = (
    number: number,
    o: PullOptions & { title: string; author: string; opened: number; merged: number; note: string },
  ) => {
    const { note, opened, merged: at, ...options } = o;
    sc.merge(number, {
      commitAuthor: person(o.author),
      mergedBy: o.author,
      ...options,
      openedAt: opened,
      at,
    });
    beats.push({
      at: opened,
      deliveries: [{ event: "pull_request", payload: gh.openedEvent(number, INSTALLATION_ID) }],
    });
    beats.push({
      at,
      line: `#${number} merged: ${o.title} — ${note}`,
      deliveries: [{ event: "pull_request", payload: gh.closedEvent(number, INSTALLATION_ID) }],
    });
  };

  const deploy = (at: number, environment: "production" | "staging", sha = sc.main, note = "") => {
    const id = sc.deploy(sha, at, environment);
    const production = environment === "production";
    beats.push({
      at,
      line: `deployed ${sha.slice(0, 7)} to ${environment}${note ? ` (${note})` : ""}${production ? "" : ": not production, not counted"}`,
      deliveries: [
        { event: "deployment", payload: gh.deploymentEvent(id, INSTALLATION_ID, { production }) },
        { event: "deployment_status", payload: gh.statusEvent(id, "success", INSTALLATION_ID, { production }) },
      ],
      ...(production ? { productionSha: sha } : {}),
    });
    return sha;
  };

  // ---- Week 1 ---------------------------------------------------------------------------------
  deploy(h(0, 10), "production", sc.main, "the first deployment Shipledger sees");
  merged(1, {
    title: "Add product recommendations",
    author: "ana",
    opened: h(0, 14),
    merged: h(1, 10),
    note: "ana with Claude Code",
    body: "Recommendations on the product page, from the co-purchase table.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
    messages: [
      message("Add co-purchase recommendations query", "Top 8 products bought with this one.", claude()),
      message(
        "Show recommendations on the product page",
        "Lazy-loaded below the fold.",
        `${claude()}\nClaude-Session: https://claude.ai/code/${SESSIONS.recommendations}`,
      ),
    ],
  });
  merged(2, {
    title: "Speed up search indexing",
    author: "ben",
    opened: h(0, 16),
    merged: h(1, 15),
    note: "ben with Cursor",
    messages: [message("Batch search index writes", "Writes 500 documents per request instead of 1.", cursor)],
  });
  merged(3, {
    title: "Fix tax rounding on invoices",
    author: "eli",
    opened: h(1, 9),
    merged: h(2, 11),
    note: "eli, no AI",
    messages: [message("Fix tax rounding on invoices", "Round half to even, per line, as the tax office does.")],
  });
  deploy(h(2, 13), "staging");
  deploy(h(2, 16), "production");
  merged(4, {
    title: "Fix cart total rounding for multi-currency orders",
    author: "Copilot",
    user: { login: "Copilot", type: "Bot" },
    commitAuthor: COPILOT,
    assignees: ["chen", "Copilot"],
    headRef: "copilot/fix-cart-rounding",
    mergedBy: "maya",
    opened: h(2, 10),
    merged: h(3, 15),
    note: "the Copilot coding agent, assigned by chen, merged by maya",
    body: "Cart totals were rounded per line instead of once per order, so multi-currency carts were off by a cent.\n\n- Round once, on the order total, in the order's currency\n- Tests for three-item carts in EUR and JPY\n\nFixes #31.\n\n<!-- START COPILOT CODING AGENT TIPS -->\n---\n💡 You can make Copilot smarter by setting up custom instructions.",
    messages: [
      message("Initial plan", "", "Co-authored-by: chen <5012345+chen@users.noreply.github.com>\n"),
      message(
        "Round cart totals once per order, in the order's currency",
        "Adds tests for EUR and JPY carts.",
        "Co-authored-by: chen <5012345+chen@users.noreply.github.com>\n",
      ),
    ],
  });
  merged(5, {
    title: "Bump express from 4.21.1 to 4.21.2",
    author: "dependabot[bot]",
    user: { login: "dependabot[bot]", type: "Bot" },
    commitAuthor: DEPENDABOT,
    headRef: "dependabot/npm_and_yarn/express-4.21.2",
    mergedBy: "eli",
    files: ["package.json", "package-lock.json"],
    opened: h(3, 6),
    merged: h(4, 9),
    note: "dependabot, merged by eli",
    messages: [
      message(
        "Bump express from 4.21.1 to 4.21.2",
        "Bumps [express](https://github.com/expressjs/express) from 4.21.1 to 4.21.2.",
        "Signed-off-by: dependabot[bot] <support@github.com>\n",
      ),
    ],
  });
  merged(6, {
    title: "Add order history pagination",
    author: "dara",
    opened: h(3, 11),
    merged: h(4, 12),
    note: "dara, no AI",
    messages: [message("Add order history pagination", "Cursor-based, 20 orders a page.")],
  });
  deploy(h(4, 13), "staging");
  const week1 = deploy(h(4, 16), "production");
  deploy(h(5, 10), "production", week1, "the same commit again: a redeploy after a config change");

  // ---- Week 2 ---------------------------------------------------------------------------------
  merged(7, {
    title: "Add wishlist API",
    author: "ana",
    opened: h(7, 9),
    merged: h(7, 15),
    note: "ana with Claude Code",
    messages: [message("Add wishlist API", "CRUD for wishlists, one per customer.", claude())],
  });
  merged(8, {
    title: "Wishlist: share links",
    author: "ana",
    opened: h(7, 13),
    merged: h(8, 10),
    note: "ana with Claude Code",
    messages: [message("Wishlist: share links", "Signed, expiring links.", claude())],
  });
  sc.open(12, {
    title: "Refactor: rename variables in utils",
    author: "tom",
    commitAuthor: person("tom"),
    openedAt: h(8, 14),
    body: "Automated cleanup by three agents working in parallel. 🤖🤖🤖",
    messages: spam(30, 1, `\nClaude-Session: https://claude.ai/code/${SESSIONS.cleanup}`),
  });
  beats.push({
    at: h(8, 14),
    line: "#12 opened: Refactor: rename variables in utils — tom, 30 commits, every one with Claude, Cursor and Codex trailers",
    deliveries: [{ event: "pull_request", payload: gh.openedEvent(12, INSTALLATION_ID) }],
  });
  merged(9, {
    title: "Wishlist: email reminders",
    author: "ana",
    opened: h(8, 9),
    merged: h(8, 16),
    note: "ana with Claude Code",
    messages: [message("Wishlist: email reminders", "Weekly digest of price drops.", claude())],
  });
  merged(10, {
    title: "Add gift card redemption at checkout",
    author: "devin-ai-integration[bot]",
    user: { login: "devin-ai-integration[bot]", type: "Bot" },
    commitAuthor: DEVIN,
    headRef: "devin/1718301234-gift-cards",
    mergedBy: "maya",
    opened: h(8, 11),
    merged: h(9, 11),
    note: "Devin, requested by dara, merged by maya",
    body: "Adds gift card redemption at checkout: validate the code, apply the balance, keep the remainder on the card.\n\nLink to Devin run: https://app.devin.ai/sessions/4f1c2b9a8e7d4c3b9a1f0e2d3c4b5a69\nRequested by: @dara",
    messages: [
      message("Add gift card model and validation", "", "Co-Authored-By: dara@acme.dev <dara@acme.dev>\n"),
      message("Redeem gift cards at checkout", "", "Co-Authored-By: dara@acme.dev <dara@acme.dev>\n"),
    ],
  });
  merged(11, {
    title: "Fix typo in checkout button",
    author: "tom",
    opened: h(9, 9),
    merged: h(9, 12),
    note: "tom, no AI",
    messages: [message("Fix typo in checkout button", "“Procede” → “Proceed”.")],
  });
  deploy(h(9, 13), "staging");
  deploy(h(9, 16), "production", sc.main, "ana's three wishlist PRs ship together");
  sc.close(12, h(10, 9));
  beats.push({
    at: h(10, 9),
    line: "#12 closed without merging by maya: nothing in it will ever ship",
    deliveries: [{ event: "pull_request", payload: gh.closedEvent(12, INSTALLATION_ID) }],
  });
  sc.open(13, {
    title: "Agent-generated cleanup (batch 2)",
    author: "tom",
    commitAuthor: person("tom"),
    openedAt: h(10, 10),
    body: "More automated cleanup.",
    messages: spam(40, 2),
  });
  beats.push({
    at: h(10, 10),
    line: "#13 opened: Agent-generated cleanup (batch 2) — tom, 40 more spammed commits; never merged",
    deliveries: [{ event: "pull_request", payload: gh.openedEvent(13, INSTALLATION_ID) }],
  });
  merged(14, {
    title: "Add search suggestions",
    author: "ben",
    opened: h(10, 9),
    merged: h(11, 10),
    note: "ben with Cursor",
    messages: [message("Add search suggestions", "Prefix matches from the index, 5 at most.", cursor)],
  });
  merged(15, {
    title: "Log slow database queries",
    author: "chen",
    opened: h(10, 14),
    merged: h(11, 11),
    note: "chen, no AI",
    messages: [message("Log slow database queries", "Anything over 200 ms, with its plan.")],
  });
  deploy(h(11, 12), "staging");
  const beforeIncident = deploy(h(11, 15), "production");

  // ---- Week 3 ---------------------------------------------------------------------------------
  merged(16, {
    title: "Cache product images at the edge",
    author: "ben",
    opened: h(13, 15),
    merged: h(14, 11),
    note: "ben with Cursor",
    messages: [message("Cache product images at the edge", "One cache key per image URL.", cursor)],
  });
  deploy(h(14, 13), "staging");
  deploy(h(14, 16), "production");
  deploy(h(15, 9), "production", beforeIncident, "back to the previous release: images showed the wrong variant");
  merged(17, {
    title: "Alert on image 5xx rate",
    author: "eli",
    opened: h(15, 10),
    merged: h(15, 11),
    note: "eli, no AI",
    messages: [message("Alert on image 5xx rate", "Page when over 1% for 5 minutes.")],
  });
  merged(18, {
    title: "Fix image cache keys per variant",
    author: "ben",
    opened: h(15, 12),
    merged: h(15, 14),
    note: "ben with Cursor",
    messages: [message("Fix image cache keys per variant", "The key includes size and format.", cursor)],
  });
  deploy(h(15, 15), "staging");
  deploy(h(15, 16), "production", sc.main, "the fix, with #16 again");
  merged(19, {
    title: "Add CSV export of orders",
    author: "dara",
    opened: h(16, 10),
    merged: h(17, 10),
    note: "dara with Claude Code",
    messages: [
      message(
        "Add CSV export of orders",
        "Streams all orders of a shop.",
        `${claude("Claude Sonnet 4.5")}\nClaude-Session: https://claude.ai/code/${SESSIONS.csvExport}`,
      ),
    ],
  });
  deploy(h(17, 13), "staging");
  deploy(h(17, 16), "production");
  merged(20, {
    title: 'Revert "Add CSV export of orders"',
    author: "eli",
    opened: h(18, 9),
    merged: h(18, 10),
    note: "eli reverts #19: the export times out on large shops",
    body: "Reverts acme/shop#19\n\nThe export times out on shops with more than 50k orders.",
    messages: [
      message('Revert "Add CSV export of orders"', "This reverts the CSV export: it times out on large shops."),
    ],
  });
  deploy(h(18, 16), "production", sc.main, "hotfix, straight to production");
  merged(21, {
    title: "Document the deploy and rollback process",
    author: "eli",
    files: ["docs/deploying.md", "README.md"],
    opened: h(18, 14),
    merged: h(19, 10),
    note: "eli, docs only",
    messages: [message("Document the deploy and rollback process", "Including last week's rollback.")],
  });
  merged(22, {
    title: "Add search filters by price",
    author: "chen",
    opened: h(18, 11),
    merged: h(19, 11),
    note: "chen with Gemini CLI (Assisted-by and Agent-Session trailers)",
    messages: [
      message(
        "Add search filters by price",
        "Min and max, in the shop's currency.",
        `Assisted-by: Gemini:gemini-2.5-pro\nAgent-Session: gemini:${SESSIONS.priceFilters}\n`,
      ),
    ],
  });
  deploy(h(19, 13), "staging");
  deploy(h(19, 16), "production");

  // ---- Week 4 ---------------------------------------------------------------------------------
  merged(23, {
    title: "Add product reviews API",
    author: "ana",
    opened: h(21, 9),
    merged: h(21, 16),
    note: "ana with Claude Code",
    messages: [
      message(
        "Add product reviews API",
        "Reviews with a 1–5 rating.",
        `${claude()}\nClaude-Session: https://claude.ai/code/${SESSIONS.reviews}`,
      ),
    ],
  });
  merged(24, {
    title: "Structured logs for the image pipeline",
    author: "ben",
    opened: h(21, 10),
    merged: h(22, 10),
    note: "ben, no AI",
    messages: [message("Structured logs for the image pipeline", "JSON, one line per image.")],
  });
  merged(25, {
    title: "Fix timezone in order emails",
    author: "dara",
    opened: h(22, 9),
    merged: h(22, 11),
    note: "dara, no AI",
    messages: [message("Fix timezone in order emails", "Use the shop's timezone, not the server's.")],
  });
  deploy(h(22, 13), "staging");
  deploy(h(22, 16), "production");
  merged(26, {
    title: "Reviews: moderation queue",
    author: "ana",
    opened: h(23, 9),
    merged: h(24, 10),
    note: "ana with Claude Code",
    messages: [message("Reviews: moderation queue", "Hold reviews with links for a human.", claude())],
  });
  sc.open(27, {
    title: "Agent-generated cleanup (batch 3)",
    author: "tom",
    commitAuthor: person("tom"),
    openedAt: h(23, 10),
    body: "Even more automated cleanup.",
    messages: spam(50, 3),
  });
  beats.push({
    at: h(23, 10),
    line: "#27 opened: Agent-generated cleanup (batch 3) — tom, 50 spammed commits",
    deliveries: [{ event: "pull_request", payload: gh.openedEvent(27, INSTALLATION_ID) }],
  });
  deploy(h(24, 13), "staging");
  deploy(h(24, 16), "production");
  sc.close(27, h(25, 9));
  beats.push({
    at: h(25, 9),
    line: "#27 closed without merging by maya",
    deliveries: [{ event: "pull_request", payload: gh.closedEvent(27, INSTALLATION_ID) }],
  });
  merged(28, {
    title: "Add saved searches",
    author: "ben",
    opened: h(25, 10),
    merged: h(26, 11),
    note: "ben with Cursor; merged, not yet in production",
    messages: [message("Add saved searches", "Up to 20 per customer.", cursor)],
  });
  deploy(h(26, 13), "staging");

  // Stable: beats at the same hour keep the order they were written in.
  beats.sort((a, b) => a.at - b.at);
  return {
    scenario: sc,
    beats,
    showcase: [
      { number: 1, why: "ana's Claude Code commits: trailers, footer and a session link" },
      { number: 4, why: "a pull request opened by the Copilot coding agent; credited to chen, who assigned it" },
      { number: 10, why: "a pull request opened by Devin; credited to dara, who requested it" },
      { number: 12, why: "tokenmaxxing: 30 commits of AI trailers, closed unmerged, so it counts for nothing" },
    ],
    team: TEAM,
  };
}

// ---- what the agents spent -------------------------------------------------------------------------

/** One export an agent sends the app's /v1/metrics, and what the console says of it. */
export interface SpendExport {
  line: string;
  export: AgentExport;
  /** Sent this many times: an exporter that resends a batch it thinks was lost. */
  sends?: number;
}

export interface SpendStory {
  /** Claude Code's and Gemini CLI's exports, in time order. */
  exports: SpendExport[];
  /** The demo's price table (COST_PRICES_FILE): Gemini CLI reports tokens, not cost. */
  prices: string;
  /** An export of the OpenAI console: Codex spend by day, with no session (`costs import`). */
  importCsv: string;
}

const CLAUDE_CODE = { "service.name": "claude-code", "service.version": "2.0.14" };
const GEMINI_CLI = { "service.name": "gemini-cli", "service.version": "0.9.0" };
const OPUS = "claude-opus-4-5-20251101";
const SONNET = "claude-sonnet-4-5-20250929";

/**
 * The spend of the story's sessions, as the agents export it (hours from `start`, as buildStory).
 * The figures it must give are derived by hand in test/demo/demo.test.ts.
 */
export function buildSpend(start: number): SpendStory {
  const ms = (hours: number) => start + hours * 3_600_000;
  const h = (day: number, hour: number) => day * 24 + hour;
  /** Claude Code's delta export of the hour before `at`: its cost, and its tokens (inputs to cost only). */
  const claudeCode = (
    line: string,
    session: string,
    model: string,
    at: number,
    usd: number,
    tokens: { input: number; output: number; cacheRead: number },
    sends = 1,
  ): SpendExport => {
    const point = (metric: string, unit: string, value: number, extra: Record<string, string> = {}): AgentPoint => ({
      metric,
      unit,
      attributes: { "session.id": session, model, ...extra },
      startMs: ms(at - 1),
      timeMs: ms(at),
      value,
    });
    return {
      line,
      sends,
      export: {
        resource: CLAUDE_CODE,
        scope: "com.anthropic.claude_code",
        temporality: "delta",
        points: [
          point("claude_code.cost.usage", "USD", usd),
          point("claude_code.token.usage", "tokens", tokens.input, { type: "input" }),
          point("claude_code.token.usage", "tokens", tokens.output, { type: "output" }),
          point("claude_code.token.usage", "tokens", tokens.cacheRead, { type: "cacheRead" }),
        ],
      },
    };
  };
  /** Gemini CLI's cumulative export at `at`: its tokens since the session began (no cost). */
  const geminiCli = (line: string, at: number, tokens: { input: number; output: number; thought: number }) => ({
    line,
    export: {
      resource: GEMINI_CLI,
      scope: "gemini-cli",
      temporality: "cumulative" as const,
      points: (["input", "output", "thought"] as const).map((type) => ({
        metric: "gemini_cli.token.usage",
        unit: "token",
        attributes: { "session.id": SESSIONS.priceFilters, model: "gemini-2.5-pro", type },
        startMs: ms(h(18, 10)),
        timeMs: ms(at),
        value: tokens[type],
      })),
    },
  });
  const day = (d: number) => new Date(ms(h(d, 0))).toISOString().slice(0, 10);
  return {
    exports: [
      claudeCode(
        "the session behind #1 (Claude Code, delta): $3.00, sent twice (a retried batch)",
        SESSIONS.recommendations,
        OPUS,
        h(0, 15),
        3,
        { input: 42_000, output: 9_500, cacheRead: 310_000 },
        2,
      ),
      claudeCode("the session behind #1, the next hour: $1.25", SESSIONS.recommendations, OPUS, h(1, 9), 1.25, {
        input: 15_000,
        output: 4_000,
        cacheRead: 120_000,
      }),
      claudeCode("agents left running, a session no change names: $7.00", SESSIONS.burnt, OPUS, h(8, 12), 7, {
        input: 400_000,
        output: 60_000,
        cacheRead: 2_000_000,
      }),
      claudeCode("the session behind #12's trailer spam: $6.00", SESSIONS.cleanup, OPUS, h(8, 13), 6, {
        input: 350_000,
        output: 50_000,
        cacheRead: 1_500_000,
      }),
      claudeCode("the agents left running again, the same session: $5.00", SESSIONS.burnt, OPUS, h(9, 12), 5, {
        input: 300_000,
        output: 40_000,
        cacheRead: 1_400_000,
      }),
      claudeCode("the session behind #19 (reverted later): $3.75", SESSIONS.csvExport, SONNET, h(16, 9), 3.75, {
        input: 250_000,
        output: 70_000,
        cacheRead: 900_000,
      }),
      geminiCli("the Gemini CLI session behind #22 (cumulative, tokens only)", h(18, 11), {
        input: 300_000,
        output: 20_000,
        thought: 5_000,
      }),
      geminiCli("the Gemini CLI session, its running totals an hour later", h(18, 12), {
        input: 400_000,
        output: 30_000,
        thought: 10_000,
      }),
      claudeCode("the session behind #23: $2.50", SESSIONS.reviews, OPUS, h(21, 15), 2.5, {
        input: 90_000,
        output: 20_000,
        cacheRead: 600_000,
      }),
    ],
    prices: [
      "# The demo's token prices, USD per million tokens (COST_PRICES_FILE): for agents that report",
      "# tokens but no cost. What is priced from here is marked estimated.",
      "gemini-2.5-pro: { input: 1.25, output: 10 }",
      "",
    ].join("\n"),
    importCsv: [
      "date,agent,model,cost_usd",
      `${day(8)},codex,gpt-5-codex,1.50`,
      `${day(15)},codex,gpt-5-codex,2.50`,
      "",
    ].join("\n"),
  };
}
