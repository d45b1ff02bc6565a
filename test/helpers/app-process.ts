// Runs Shipledger as `npm start` does (the same src/server.ts entry, through tsx instead of a
// prior tsc build) in a child process, for end-to-end tests over real HTTP.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = import.meta.resolve("tsx");

export function appKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export interface AppProcess {
  /** Where it listens, as its "Listening on" line says ("" until then). */
  readonly url: string;
  child: ChildProcess;
  output(): string;
  /**
   * Its output once `pattern` appears in it (at most `ms`; then as it is, for the assertion to
   * show): a log line written just before an answer may reach the pipe just after it.
   */
  outputWith(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts the server with exactly `env` (plus PATH/HOME), by default in an empty working directory.
 * It binds port 0 unless `env.PORT` says otherwise, so that no other process can take its port
 * between a choice and the bind; its URL is read from its "Listening on" line.
 */
export async function startAppProcess(env: Record<string, string>, options: { waitFor?: RegExp; cwd?: string } = {}) {
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), "shipledger-e2e-"));
  const child = spawn(process.execPath, ["--import", tsx, join(root, "src/server.ts")], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? cwd,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_FORMAT: "json",
      NO_SMEE_SETUP: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  const app: AppProcess = {
    get url() {
      return /Listening on (http:\/\/[^\s"]+)/.exec(out)?.[1] ?? "";
    },
    child,
    output: () => out,
    async outputWith(pattern, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (!pattern.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return out;
    },
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const waitFor = options.waitFor ?? /Listening on/;
  const deadline = Date.now() + 30_000;
  while (!waitFor.test(out)) {
    if (child.exitCode !== null) return app;
    if (Date.now() > deadline) {
      await app.kill();
      throw new Error(`the app did not start in 30 s; output:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return app;
}

/** The environment of an installed app pointed at a fake GitHub on loopback. */
export function fakeGitHubAppEnv(app: {
  appId: number | string;
  privateKeyPem: string;
  secret: string;
  databaseUrl: string;
  githubHost: string;
}): Record<string, string> {
  return {
    APP_ID: String(app.appId),
    PRIVATE_KEY: app.privateKeyPem,
    WEBHOOK_SECRET: app.secret,
    DATABASE_URL: app.databaseUrl,
    GHE_HOST: app.githubHost,
    GHE_PROTOCOL: "http",
    INBOX_POLL_MS: "100",
  };
}

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Sends a webhook delivery as GitHub does. `signature: null` sends none; a string overrides it. */
export async function sendWebhook(
  url: string,
  delivery: {
    id: string;
    event: string;
    payload: unknown;
    secret: string;
    signature?: string | null;
    rawBody?: string;
  },
): Promise<Response> {
  const body = delivery.rawBody ?? JSON.stringify(delivery.payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": delivery.event,
    "x-github-delivery": delivery.id,
    "user-agent": "GitHub-Hookshot/fake",
  };
  const signature = delivery.signature === undefined ? sign(body, delivery.secret) : delivery.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return fetch(`${url}/api/github/webhooks`, { method: "POST", headers, body });
}

/** Polls until `check` returns a truthy value (or throws after the timeout). */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
