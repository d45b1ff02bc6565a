// Operators run the CLI where the app runs: NODE_ENV=production and the app's whole environment
// (its `.env` too). Each command validates only the settings it reads.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import { runCliProcess } from "../helpers/cli.js";
import { DAY, seedChange, seedDeployment, seedRepository } from "../helpers/ledger-seed.js";
import { eachDialect } from "../helpers/stores.js";

const UNTIL = Date.UTC(2026, 10, 24);
const PERIOD = ["--since", "2026-10-27", "--until", "2026-11-24"];

const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();

eachDialect("cli: every command in the app's production environment", ({ newDatabaseUrl }) => {
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  let databaseUrl: string;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "shipledger-prod-cli-"));
    databaseUrl = await newDatabaseUrl();
    const keyPath = join(cwd, "app.pem");
    writeFileSync(keyPath, pem);
    // The app's own .env, as Probot's setup flow writes it (the key with escaped newlines).
    writeFileSync(
      join(cwd, ".env"),
      [
        "APP_ID=123456",
        `PRIVATE_KEY="${pem.trim().replace(/\n/g, "\\n")}"`,
        "WEBHOOK_SECRET=a-long-webhook-secret",
        `DATABASE_URL=${databaseUrl}`,
        "API_TOKENS=0123456789abcdef0123456789:acme",
        "METRIC_IGNORE_PATHS=docs/**",
        "",
      ].join("\n"),
    );
    env = {
      PATH: process.env.PATH,
      HOME: cwd,
      NODE_ENV: "production",
      LOG_FORMAT: "json",
      HOST: "0.0.0.0",
      PORT: "8080",
      PRIVATE_KEY_PATH: keyPath,
      INBOX_CONCURRENCY: "8",
    };
  });

  it("migrate, inbox, inbox retry and report all run", async () => {
    const migrate = await runCliProcess(["migrate"], { env, cwd });
    expect(migrate).toMatchObject({ code: 0, stderr: "" });
    expect(migrate.stdout).toMatch(/^migrate: (sqlite|postgres) ledger at .* is up to date\n$/);

    // The ledger the .env names: a team of six that shipped one deployment.
    const store = await openStore(databaseUrl);
    try {
      await seedRepository(store, 1, "acme", 10, "shop", UNTIL - 40 * DAY);
      const shas: string[] = [];
      for (const [i, engineer] of ["ana", "ben", "cy", "dee", "eve", "fay"].entries()) {
        shas.push(
          await seedChange(store, 1, 10, { number: i + 1, engineer, ai: i % 2 === 0, mergedAt: UNTIL - 20 * DAY }),
        );
      }
      await seedDeployment(store, 1, 10, "1", UNTIL - 19 * DAY, shas);
    } finally {
      await store.close();
    }

    const report = await runCliProcess(["report", "--org", "acme", "--format", "json", ...PERIOD], { env, cwd });
    expect(report.stderr).toBe("");
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({
      scope: "acme (organisation)",
      activeEngineers: 6,
      changesShipped: 6,
      aiChangesShipped: 3,
    });

    const table = await runCliProcess(["report", "--repo", "acme/shop", ...PERIOD], { env, cwd });
    expect(table).toMatchObject({ code: 0, stderr: "" });
    expect(table.stdout).toContain("Shipledger report: acme/shop, 2026-10-27");

    const inbox = await runCliProcess(["inbox"], { env, cwd });
    expect(inbox).toMatchObject({ code: 0, stderr: "" });
    expect(inbox.stdout).toBe("inbox: 0 pending, 0 processing, 0 failed, 0 done\n");

    const retry = await runCliProcess(["inbox", "retry", "--failed"], { env, cwd });
    expect(retry).toMatchObject({ code: 0, stderr: "", stdout: "inbox: requeued 0 deliveries\n" });
  });

  it("report still refuses a bad metric setting, and only that", async () => {
    // A server setting the report does not read is not the report's business…
    const unrelated = await runCliProcess(["report", "--org", "acme", ...PERIOD], {
      env: { ...env, PORT: "http", PRIVATE_KEY_PATH: join(cwd, "missing.pem") },
      cwd,
    });
    expect(unrelated).toMatchObject({ code: 0, stderr: "" });
    // …but what it reads is validated, with one line naming the variable.
    const bad = await runCliProcess(["report", "--org", "acme", ...PERIOD], {
      env: { ...env, METRIC_MIN_GROUP_SIZE: "0" },
      cwd,
    });
    expect(bad).toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        "shipledger: configuration error: METRIC_MIN_GROUP_SIZE: expected a number of engineers (a positive whole number)\n",
    });
  });
});
