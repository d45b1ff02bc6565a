// Start-up as `npm start` runs it: configuration errors stop it with one line; without APP_ID it
// serves Probot's setup flow.
import { mkdtempSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import { type AppProcess, appKeyPair, eventually, sign, startAppProcess } from "../helpers/app-process.js";

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
      "an app's key but no webhook secret, in development too",
      { APP_ID: "12", PRIVATE_KEY: appKeyPair().privateKeyPem },
      "shipledger: configuration error: WEBHOOK_SECRET: not set; APP_ID is set, so the webhook secret configured on the GitHub App is required",
    ],
    [
      "a DATABASE_URL of another database",
      {
        APP_ID: "12",
        PRIVATE_KEY: appKeyPair().privateKeyPem,
        WEBHOOK_SECRET: "s",
        DATABASE_URL: "redis://cache:6379",
      },
      'shipledger: cannot start: DATABASE_URL: unsupported scheme in "redis://cache:6379"; expected postgres://…, file:PATH, a file path or :memory:',
    ],
    // Named in words: the environments hold private keys, which have no place in a test log.
  ])("refuses to start with %s, in one line", async (_case, env, line) => {
    const app = await startAppProcess(env);
    running.push(app);
    expect(await app.exited).toBe(1);
    expect(app.output().trim()).toBe(line);
  });

  it("never writes a bearer token or a cookie to its log (JSON in production)", async () => {
    const token = "s3cr3t-api-token-0123456789abcdef";
    const app = await startAppProcess({
      NODE_ENV: "production",
      APP_ID: "12",
      PRIVATE_KEY: appKeyPair().privateKeyPem,
      WEBHOOK_SECRET: "hook-secret",
      DATABASE_URL: ":memory:",
      API_TOKENS: `${token}:acme`,
      LOG_LEVEL: "debug",
    });
    running.push(app);
    const report = await fetch(`${app.url}/api/v1/report?org=acme`, {
      headers: { authorization: `Bearer ${token}`, cookie: "session=cookie-value-42" },
    });
    expect(report.status).toBe(404); // let in (no installation for acme yet), not 401
    const metrics = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    const hook = await fetch(`${app.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": "sha256=forged0123456789",
      },
      body: "{}",
    });
    expect(hook.status).toBe(400);
    // Requests are logged at debug level (a flood must not flood the log), without their headers.
    await eventually(async () => /POST \/api\/github\/webhooks 400/.test(app.output()));
    const log = app.output();
    expect(log).toMatch(/GET \/api\/v1\/report 404/);
    for (const secret of [token, "cookie-value-42", "hook-secret"]) expect(log).not.toContain(secret);
  });

  it("without APP_ID, serves Probot's setup flow that registers the app from app.yml, with a webhook URL GitHub reaches", async () => {
    const app = await startAppProcess({ APP_ID: "", PUBLIC_URL: "https://shipledger.example.com/" }, { cwd: root });
    running.push(app);
    const home = await fetch(`${app.url}/`, { redirect: "manual" });
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe("/probot");
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: "setup" });
    const page = await (await fetch(`${app.url}/probot`)).text();
    // The manifest posted to GitHub carries app.yml's least-privilege permissions and events, and
    // the webhook route at the public address (not the site root, not localhost).
    const manifest = JSON.parse(
      (/value="([^"]*)"|value='([^']*)'/.exec(page)?.slice(1).find(Boolean) ?? "{}").replace(/&quot;/g, '"'),
    );
    expect(manifest.hook_attributes).toEqual({ url: "https://shipledger.example.com/api/github/webhooks" });
    // The dashboard's sign-in (the App's user authorization) returns there.
    expect(manifest.callback_urls).toEqual(["https://shipledger.example.com/dashboard/login/callback"]);
    expect(manifest.default_permissions).toMatchObject({ checks: "write", pull_requests: "read" });
    expect(manifest.default_events).toContain("deployment_status");
  });

  it("without APP_ID and without an address GitHub can reach, explains what to set instead of registering a deaf app", async () => {
    const app = await startAppProcess({ APP_ID: "" }, { cwd: root });
    running.push(app);
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: "setup" });
    const page = await (await fetch(`${app.url}/probot`)).text();
    expect(page).toContain("GitHub must be able to reach this app");
    expect(page).toContain("PUBLIC_URL=");
    expect(page).toContain("WEBHOOK_PROXY_URL=");
    // The port it listens on (startAppProcess binds port 0), not PORT.
    expect(page).toContain(`<code>http://localhost:${new URL(app.url).port}/api/github/webhooks</code>`);
    expect(page).not.toContain("hook_attributes");
    expect(app.output()).toMatch(/GitHub cannot reach this app yet/);
  });

  it("relays a webhook proxy channel (WEBHOOK_PROXY_URL) to its own webhook route, where each delivery is verified", async () => {
    // A smee.io channel on loopback: an event stream that carries each delivery's headers and body.
    let channel: ServerResponse | null = null;
    const smee = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write("event: ready\ndata: {}\n\n");
      channel = res;
    });
    await new Promise<void>((resolve) => smee.listen(0, "127.0.0.1", resolve));
    const source = `http://127.0.0.1:${(smee.address() as AddressInfo).port}/channel`;
    const file = join(mkdtempSync(join(tmpdir(), "shipledger-smee-")), "ledger.db");
    try {
      const app = await startAppProcess({
        APP_ID: "12",
        PRIVATE_KEY: appKeyPair().privateKeyPem,
        WEBHOOK_SECRET: "proxy-secret",
        DATABASE_URL: `file:${file}`,
        WEBHOOK_PROXY_URL: source,
      });
      running.push(app);
      await eventually(async () => channel !== null && /relaying webhooks from/.test(app.output()));
      const relay = (id: string, secret: string) => {
        const body = { zen: "Keep it logically awesome.", hook_id: 1 };
        const message = {
          "x-github-event": "ping",
          "x-github-delivery": id,
          "x-hub-signature-256": sign(JSON.stringify(body), secret),
          body,
          query: {},
          timestamp: Date.now(),
        };
        channel?.write(`data: ${JSON.stringify(message)}\n\n`);
      };
      relay("via-proxy-1", "proxy-secret");
      relay("via-proxy-forged", "guessed");
      const store = await openStore(`file:${file}`, { migrate: false });
      try {
        await eventually(async () => (await store.inbox.getDelivery("via-proxy-1")) !== null);
        await eventually(async () => /POST .*\/api\/github\/webhooks - 401/.test(app.output()));
        expect(await store.inbox.getDelivery("via-proxy-forged")).toBeNull();
      } finally {
        await store.close();
      }
    } finally {
      (channel as ServerResponse | null)?.end();
      smee.closeAllConnections();
      await new Promise((resolve) => smee.close(resolve));
    }
  });
});
