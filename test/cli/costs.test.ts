// `shipledger costs` as operators use it, on both dialects: ingest tokens (shown once, never listed,
// revoked once), and imports of spend exported from a vendor's console (idempotent; a corrected
// export replaces the first).

import { writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { buildReport, reportOptions } from "../../src/metrics/report.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { hashToken } from "../../src/web/otlp.js";
import { captureCli } from "../helpers/cli.js";
import { eachDialect } from "../helpers/stores.js";

const NOW = Date.UTC(2026, 10, 24, 12);
const fixtures = fileURLToPath(new URL("../fixtures/spend/", import.meta.url));
const ANTHROPIC = join(fixtures, "anthropic-console-usage.csv");
const OPENAI = join(fixtures, "openai-usage.csv");
/** The usage export of OpenAI's dashboard (Usage, Export), its columns as written: tokens, no cost. */
const OPENAI_DASHBOARD = join(fixtures, "openai-usage-export.csv");

async function ledger(url: string): Promise<Store> {
  const store = await openStore(url);
  await store.installations.upsertInstallation({ id: 1, accountLogin: "acme", accountType: "Organization", now: NOW });
  await store.installations.upsertInstallation({
    id: 2,
    accountLogin: "globex",
    accountType: "Organization",
    now: NOW,
  });
  return store;
}

async function costs(url: string, argv: string[], cwd = "/tmp") {
  const cli = captureCli({ DATABASE_URL: url }, { now: () => NOW, cwd });
  const code = await runCli(["costs", ...argv], cli.io);
  return { code, out: cli.out(), err: cli.err() };
}

/** The stored spend of an installation, as a report reads it. */
async function totals(store: Store, installationId = 1) {
  const rows = await store.spend.listUsage(installationId, { since: 0, until: NOW });
  const sum = (k: "costUsd" | "input" | "output" | "cacheRead" | "cacheWrite") =>
    Math.round(rows.reduce((s, r) => s + r[k], 0) * 1e6) / 1e6;
  return {
    costUsd: sum("costUsd"),
    input: sum("input"),
    output: sum("output"),
    cacheRead: sum("cacheRead"),
    cacheWrite: sum("cacheWrite"),
    sessions: new Set(rows.flatMap((r) => (r.sessionId ? [r.sessionId] : []))).size,
  };
}

eachDialect("cli: shipledger costs", ({ newDatabaseUrl }) => {
  it("prints a new ingest token once, keeps only its hash, lists tokens without a secret, revokes once", async () => {
    const url = await newDatabaseUrl();
    const store = await ledger(url);
    try {
      const created = await costs(url, ["token", "create", "--owner", "acme", "--name", "ci agents"]);
      expect(created).toMatchObject({ code: 0, err: "" });
      const token = created.out.split("\n")[0] as string;
      expect(token).toMatch(/^shl_ingest_[A-Za-z0-9_-]{43}$/);
      expect(created.out.split(token)).toHaveLength(2); // printed once
      expect(created.out).toMatch(/ingest token 1 \("ci agents"\) for acme; it is shown once/);
      expect(await store.spend.findIngestToken(hashToken(token))).toMatchObject({
        id: 1,
        installationId: 1,
        revokedAt: null,
      });
      const second = await costs(url, ["token", "create", "--owner", "acme"]);
      const other = second.out.split("\n")[0] as string;
      expect(other).not.toBe(token);

      for (const argv of [
        ["token", "list", "--owner", "acme"],
        ["token", "list", "--owner", "acme", "--json"],
      ]) {
        const listed = await costs(url, argv);
        expect(listed.code).toBe(0);
        for (const secret of [token, other, hashToken(token), hashToken(other), "shl_ingest_"]) {
          expect(listed.out).not.toContain(secret);
        }
        expect(listed.out).toContain("ci agents");
      }
      const json = JSON.parse((await costs(url, ["token", "list", "--owner", "acme", "--json"])).out);
      expect(json).toEqual([
        { id: 1, installationId: 1, name: "ci agents", createdAt: NOW, lastUsedAt: null, revokedAt: null },
        { id: 2, installationId: 1, name: "agents", createdAt: NOW, lastUsedAt: null, revokedAt: null },
      ]);
      // Another owner sees none of them, and cannot revoke them.
      expect((await costs(url, ["token", "list", "--owner", "globex"])).out).toBe(
        "costs: no ingest tokens for globex\n",
      );
      const foreign = await costs(url, ["token", "revoke", "--owner", "globex", "1"]);
      expect(foreign.code).toBe(1);
      expect(foreign.err).toContain("globex has no ingest token 1");

      const revoked = await costs(url, ["token", "revoke", "--owner", "acme", "1"]);
      expect(revoked).toMatchObject({
        code: 0,
        out: "costs: ingest token 1 revoked; exports with it are now refused (401)\n",
      });
      expect((await store.spend.findIngestToken(hashToken(token)))?.revokedAt).toBe(NOW);
      const again = await costs(url, ["token", "revoke", "--owner", "acme", "1"]);
      expect(again.code).toBe(1);
      expect(again.err).toBe(
        `shipledger costs: ingest token 1 of acme was revoked already (${new Date(NOW).toISOString()})\n`,
      );
      expect((await store.spend.findIngestToken(hashToken(other)))?.revokedAt).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("names what is wrong: an unknown owner, no owner, no token id", async () => {
    const url = await newDatabaseUrl();
    const store = await ledger(url);
    await store.close();
    const unknown = await costs(url, ["token", "create", "--owner", "initech"]);
    expect(unknown).toMatchObject({
      code: 1,
      out: "",
      err: 'shipledger costs: no installation of the app for "initech" in the ledger\n',
    });
    expect((await costs(url, ["import", ANTHROPIC, "--owner", "initech"])).code).toBe(1);
    const noOwner = await costs(url, ["token", "create"]);
    expect(noOwner.code).toBe(2);
    expect(noOwner.err).toContain("--owner OWNER is required");
    const noId = await costs(url, ["token", "revoke", "--owner", "acme"]);
    expect(noId.code).toBe(2);
    expect(noId.err).toContain("token revoke expects one token id");
    const bad = await costs(url, ["token", "rotate", "--owner", "acme"]);
    expect(bad.code).toBe(2);
  });

  it("imports a console's export idempotently, and a corrected export replaces the first", async () => {
    const url = await newDatabaseUrl();
    const store = await ledger(url);
    try {
      const first = await costs(url, ["import", ANTHROPIC, "--owner", "acme"]);
      expect(first.err).toBe("");
      expect(first.code).toBe(0);
      // Five rows, two of one model and day (two API keys): four keys, five measures each.
      expect(first.out).toBe(
        `costs: imported 20 values from ${ANTHROPIC}: $22.23 reported, 0 sessions, 20 values without a session (counted for the team, never per change)\n`,
      );
      const expected = {
        costUsd: 22.2307,
        input: 1482210 + 310442 + 203114 + 998213 + 50120,
        output: 96310 + 12004 + 40210 + 71002 + 9231,
        cacheRead: 8213400 + 1201331 + 5100220 + 310220,
        cacheWrite: 402113 + 88001 + 301227 + 21001,
        sessions: 0,
      };
      expect(await totals(store)).toEqual(expected);
      expect((await costs(url, ["import", ANTHROPIC, "--owner", "acme"])).code).toBe(0);
      expect(await totals(store)).toEqual(expected);

      // Keyed by session: the OpenAI-style export adds its own spend beside the first.
      const dir = await mkdtemp(join(tmpdir(), "shipledger-costs-"));
      const openai = await costs(url, ["import", OPENAI, "--owner", "acme"]);
      expect(openai.out).toContain("$1.59 reported, 2 sessions, 4 values without a session");
      const both = await totals(store);
      expect(both.costUsd).toBeCloseTo(22.2307 + 1.5943, 6);
      expect(both.sessions).toBe(2);

      // A correction of a session id (same agent, model and day) replaces the line, not adds one.
      const resessioned = join(dir, "resessioned.csv");
      writeFileSync(
        resessioned,
        (await import("node:fs"))
          .readFileSync(OPENAI, "utf8")
          .replaceAll("019a3f0e-7c21-7d52-9f10-5b2d0c6e8a11", "sess-fixed"),
      );
      expect((await costs(url, ["import", "resessioned.csv", "--owner", "acme"], dir)).code).toBe(0);
      expect((await totals(store)).costUsd).toBeCloseTo(22.2307 + 1.5943, 6);
      const sessionsNow = (await store.spend.listUsage(1, { since: 0, until: NOW })).map((r) => r.sessionId);
      expect(sessionsNow).toContain("sess-fixed");
      expect(sessionsNow).not.toContain("019a3f0e-7c21-7d52-9f10-5b2d0c6e8a11");

      // The vendor corrects 2 November's Sonnet line of one key: imported again, the day's value
      // is the corrected file's, not the sum of both imports.
      const corrected = join(dir, "corrected.csv");
      writeFileSync(corrected, (await import("node:fs")).readFileSync(ANTHROPIC, "utf8").replace("1.9872", "0.9872"));
      expect((await costs(url, ["import", "corrected.csv", "--owner", "acme"], dir)).code).toBe(0);
      expect((await totals(store)).costUsd).toBeCloseTo(22.2307 - 1 + 1.5943, 6);
      // A correction that renames a model (the OpenAI file's gpt-5-mini line of 2 November was
      // gpt-5-nano): by agent, model and day it would be a new line beside the old one, so the
      // operator says --replace-days, and the file's days' imports are the file's alone.
      const renamed = join(dir, "renamed.csv");
      const openaiText = (await import("node:fs")).readFileSync(OPENAI, "utf8");
      writeFileSync(renamed, openaiText.replace("gpt-5-mini", "gpt-5-nano"));
      expect((await costs(url, ["import", "renamed.csv", "--owner", "acme"], dir)).code).toBe(0);
      // Without --replace-days: the renamed line is one more, the old one stays (its own key).
      expect((await totals(store)).costUsd).toBeCloseTo(22.2307 - 1 + 1.5943 + 0.0283, 6);
      const replaced = await costs(url, ["import", "renamed.csv", "--owner", "acme", "--replace-days"], dir);
      expect(replaced.code).toBe(0);
      const after = await store.spend.listUsage(1, { since: 0, until: NOW });
      expect(after.some((r) => r.model === "gpt-5-mini")).toBe(false);
      expect(after.filter((r) => r.model === "gpt-5-nano").map((r) => r.costUsd)).toEqual([0.0283]);
      // The renamed file covers 2 and 3 November: those days' imports are its own now (the
      // Anthropic lines of both days went with them, as --replace-days says), telemetry aside.
      expect((await totals(store)).costUsd).toBeCloseTo(0.9871 + 0.0283 + 0.5507 + 0.0282, 6);

      // Another installation's spend is its own.
      expect(await totals(store, 2)).toEqual({
        costUsd: 0,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        sessions: 0,
      });
    } finally {
      await store.close();
    }
  });

  it("reads the vendors' own column names: an OpenAI usage export's cached tokens are priced once, at the cached price", async () => {
    const url = await newDatabaseUrl();
    const store = await ledger(url);
    try {
      const imported = await costs(url, ["import", OPENAI_DASHBOARD, "--owner", "acme"]);
      expect(imported).toMatchObject({ code: 0, err: "" });
      expect(await totals(store)).toMatchObject({
        costUsd: 0,
        input: 8412003 + 81220 + 2230119,
        cacheRead: 7305120 + 40960 + 1890442,
        output: 138211 + 4011 + 20110,
      });
      // Priced from tokens: OpenAI's input_tokens include input_cached_tokens, which cost a tenth.
      const prices = {
        "gpt-5*": { input: 1.25, output: 10, cacheRead: 0.125 },
        "gpt-5-mini*": { input: 0.25, output: 2, cacheRead: 0.025 },
      };
      const org = { label: "acme (organisation)", installationId: 1, owner: "acme" };
      const defaults = { minGroupSize: 5, revertWindowDays: 14, ignorePaths: [], prices };
      const options = await reportOptions(store, org, defaults, NOW);
      const since = Date.UTC(2026, 10, 2);
      const report = await buildReport(store, org, { since, until: since + 7 * 86_400_000 }, options);
      const usd =
        (1106883 * 1.25 + 7305120 * 0.125 + 138211 * 10) / 1e6 +
        (40260 * 0.25 + 40960 * 0.025 + 4011 * 2) / 1e6 +
        (339677 * 1.25 + 1890442 * 0.125 + 20110 * 10) / 1e6;
      expect(report.spend?.total).toBeCloseTo(usd, 6);
      expect(report.spend?.estimated).toBeCloseTo(usd, 6);

      // Anthropic's names (its Messages API's usage, and the exports built from it): cached tokens
      // are apart from the input, read and written.
      const dir = await mkdtemp(join(tmpdir(), "shipledger-costs-"));
      writeFileSync(
        join(dir, "anthropic.csv"),
        "date,model,input_tokens,output_tokens,cache_read_input_tokens,cache_creation_input_tokens\n" +
          "2026-11-04,claude-sonnet-4-5,1200,300,90000,4000\n",
      );
      expect((await costs(url, ["import", "anthropic.csv", "--owner", "acme"], dir)).code).toBe(0);
      expect(await totals(store)).toMatchObject({
        input: 8412003 + 81220 + 2230119 + 1200,
        cacheRead: 7305120 + 40960 + 1890442 + 90000,
        cacheWrite: 4000,
      });
    } finally {
      await store.close();
    }
  });

  it("refuses a malformed file whole, naming the file, the line and the field, and stores nothing", async () => {
    const url = await newDatabaseUrl();
    const store = await ledger(url);
    try {
      const dir = await mkdtemp(join(tmpdir(), "shipledger-costs-"));
      writeFileSync(
        join(dir, "usage.csv"),
        "date,session_id,model,cost_usd\n2026-11-02,s-1,m,1.00\n2026-11-03,s-2,m,-3\n",
      );
      const res = await costs(url, ["import", "usage.csv", "--owner", "acme"], dir);
      expect(res).toMatchObject({
        code: 1,
        err: 'shipledger costs: usage.csv: line 3: cost_usd "-3" is not a non-negative number\n',
      });
      const missing = await costs(url, ["import", "nope.csv", "--owner", "acme"], dir);
      expect(missing).toMatchObject({ code: 1, err: "shipledger costs: cannot read nope.csv: ENOENT\n" });
      expect(await store.spend.listUsage(1, { since: 0, until: NOW })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
