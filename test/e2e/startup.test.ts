// Start-up as `npm start` runs it: configuration errors stop it with one line; without APP_ID it
// serves Probot's setup flow.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type AppProcess, appKeyPair, startAppProcess } from "../helpers/app-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("e2e: start-up", () => {
  const running: AppProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.kill()));
  });

  it.each([
    [
      "an APP_ID that is not a number",
      { APP_ID: "twelve" },
      "shipledger: configuration error: APP_ID: expected the GitHub App id (a positive whole number)",
    ],
    [
      "no webhook secret in production",
      { NODE_ENV: "production", APP_ID: "12", PRIVATE_KEY: appKeyPair().privateKeyPem },
      "shipledger: configuration error: WEBHOOK_SECRET: not set; NODE_ENV=production requires the webhook secret configured on the GitHub App",
    ],
    [
      "a DATABASE_URL of another database",
      { APP_ID: "12", PRIVATE_KEY: appKeyPair().privateKeyPem, DATABASE_URL: "redis://cache:6379" },
      'shipledger: cannot start: DATABASE_URL: unsupported scheme in "redis://cache:6379"; expected postgres://…, file:PATH, a file path or :memory:',
    ],
    // Named in words: the environments hold private keys, which have no place in a test log.
  ])("refuses to start with %s, in one line", async (_case, env, line) => {
    const app = await startAppProcess(env);
    running.push(app);
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toBe(line);
  });

  it("without APP_ID, serves Probot's setup flow that registers the app from app.yml", async () => {
    const app = await startAppProcess({ APP_ID: "" }, { cwd: root });
    running.push(app);
    const home = await fetch(`${app.url}/`, { redirect: "manual" });
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe("/probot");
    const page = await (await fetch(`${app.url}/probot`)).text();
    // The manifest posted to GitHub carries app.yml's least-privilege permissions and events.
    expect(page).toContain(`"checks":"write"`);
    expect(page).toContain(`"pull_requests":"read"`);
    expect(page).toContain("deployment_status");
  });
});
