// Registering the app through the setup page, as a new user does, against a fake GitHub: the code
// exchange writes .env, and the restarted app receives its webhooks at /api/github/webhooks.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import { FakeGitHub } from "../fake-github/server.js";
import { type AppProcess, appKeyPair, eventually, sendWebhook, startAppProcess } from "../helpers/app-process.js";

const keys = appKeyPair();
const APP_ID = 5151;
let github: FakeGitHub;
let manifestCode = "";
beforeAll(async () => {
  github = await new FakeGitHub({ appId: APP_ID, publicKeyPem: keys.publicKeyPem }).start();
  // GitHub's answer to the manifest flow's code: the new app's id, key and webhook secret.
  github.route("POST", "/app-manifests/:code/conversions", (req) => {
    manifestCode = req.params.code ?? "";
    return {
      status: 201,
      body: {
        id: APP_ID,
        slug: "shipledger-test",
        html_url: `http://${github.host}/apps/shipledger-test`,
        client_id: "Iv1.0123456789abcdef",
        client_secret: "client-secret-0123456789",
        webhook_secret: "registered-webhook-secret",
        pem: keys.privateKeyPem,
      },
    };
  });
});
afterAll(async () => {
  await github.stop();
});

const running: AppProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.kill()));
});

it("registers an app through the setup page whose webhooks, once restarted, reach /api/github/webhooks", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "shipledger-setup-"));
  const github_ = { GHE_HOST: github.host, GHE_PROTOCOL: "http" };
  const setup = await startAppProcess(
    { APP_ID: "", PUBLIC_URL: "https://shipledger.example.com", ...github_ },
    { cwd },
  );
  running.push(setup);
  const done = await fetch(`${setup.url}/probot/setup?code=abc123`, { redirect: "manual" });
  expect(done.status).toBe(302);
  expect(done.headers.get("location")).toBe(`http://${github.host}/apps/shipledger-test/installations/new`);
  expect(manifestCode).toBe("abc123");
  const env = readFileSync(join(cwd, ".env"), "utf8");
  expect(env).toMatch(/^APP_ID=5151$/m);
  expect(env).toMatch(/^WEBHOOK_SECRET=registered-webhook-secret$/m);
  await setup.kill("SIGTERM");

  // `npm start` again, in the same folder: .env now holds the app's identity.
  const databaseUrl = `file:${join(cwd, "data", "ledger.db")}`;
  const app = await startAppProcess({ DATABASE_URL: databaseUrl, ...github_ }, { cwd });
  running.push(app);
  expect(app.child.exitCode).toBeNull();
  const payload = {
    zen: "Design for failure.",
    hook_id: 1,
    hook: { config: { url: "https://shipledger.example.com/api/github/webhooks" } },
  };
  const res = await sendWebhook(app.url, {
    id: "after-setup-1",
    event: "ping",
    payload,
    secret: "registered-webhook-secret",
  });
  expect(res.status).toBe(200);
  const store = await openStore(databaseUrl, { migrate: false });
  try {
    await eventually(async () => (await store.inbox.getDelivery("after-setup-1"))?.status === "done");
  } finally {
    await store.close();
  }
});
