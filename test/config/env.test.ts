import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadSettings as load, loadMetricSettings, loadOtlpSettings } from "../../src/config/env.js";

// Probot narrows some ProcessEnv keys; these tests feed deliberately wrong values.
const loadSettings = (env: Record<string, string>, readFile?: (p: string) => string) =>
  load(env as NodeJS.ProcessEnv, readFile);

const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
  .privateKey.export({ type: "pkcs1", format: "pem" })
  .toString();

describe("config: environment", () => {
  it("derives settings with documented defaults", () => {
    const s = loadSettings({ APP_ID: "123", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s" });
    expect(s).toMatchObject({
      appId: 123,
      port: 3000,
      logLevel: "info",
      production: false,
      databaseUrl: undefined,
      githubBaseUrl: undefined,
      inbox: { concurrency: 16, maxAttempts: 8, retryBaseMs: 5000, retryMaxMs: 900000, leaseMs: 300000, pollMs: 1000 },
    });
    expect(s.privateKey).toBe(pem.trim());
  });

  it("reads the key from PRIVATE_KEY_PATH and unescapes \\n in PRIVATE_KEY", () => {
    const fromFile = loadSettings({ APP_ID: "1", PRIVATE_KEY_PATH: "/keys/app.pem", WEBHOOK_SECRET: "s" }, () => pem);
    expect(fromFile.privateKey).toBe(pem.trim());
    const escaped = loadSettings({ APP_ID: "1", PRIVATE_KEY: pem.replace(/\n/g, "\\n"), WEBHOOK_SECRET: "s" });
    expect(escaped.privateKey).toBe(pem.trim());
  });

  it("points the GitHub API at GitHub Enterprise Server (or a fake) with GHE_HOST", () => {
    expect(loadSettings({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }).githubBaseUrl).toBe(
      "http://127.0.0.1:8080/api/v3",
    );
  });

  it("sweeps for failed deliveries every 10 minutes unless RECONCILE_INTERVAL_MS says otherwise (0: off)", () => {
    expect(loadSettings({}).reconcileIntervalMs).toBe(600_000);
    expect(loadSettings({ RECONCILE_INTERVAL_MS: "60000" }).reconcileIntervalMs).toBe(60_000);
    expect(loadSettings({ RECONCILE_INTERVAL_MS: "0" }).reconcileIntervalMs).toBe(0);
    expect(() => loadSettings({ RECONCILE_INTERVAL_MS: "10m" })).toThrow(
      "RECONCILE_INTERVAL_MS: expected milliseconds (a whole number; 0 turns the sweep off)",
    );
  });

  it("accepts PORT=0: the system picks a free port", () => {
    expect(loadSettings({ PORT: "0" }).port).toBe(0);
    expect(loadSettings({ PORT: "65535" }).port).toBe(65535);
  });

  it("counts any AI evidence in reports unless METRIC_EVIDENCE says explicit", () => {
    const base = { APP_ID: "1", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s" };
    expect(loadSettings(base).metric.evidence).toBe("any");
    expect(loadSettings({ ...base, METRIC_EVIDENCE: "explicit" }).metric.evidence).toBe("explicit");
    expect(loadMetricSettings({ METRIC_EVIDENCE: "explicit" })).toMatchObject({
      evidence: "explicit",
      minGroupSize: 5,
    });
  });

  it("treats blank values as unset (an .env.example copied as is)", () => {
    expect(loadSettings({ APP_ID: "", PORT: "", LOG_LEVEL: " ", DATABASE_URL: "" })).toMatchObject({
      appId: undefined,
      port: 3000,
      logLevel: "info",
    });
  });

  it.each(
    (
      [
        [{ APP_ID: "abc" }, "APP_ID: expected the GitHub App id (a positive whole number)"],
        [{ APP_ID: "-3" }, "APP_ID: expected the GitHub App id (a positive whole number)"],
        [{ PORT: "99999" }, "PORT: Too big: expected number to be <=65535"],
        [{ PORT: "http" }, "PORT: expected a TCP port (a whole number; 0 picks a free one)"],
        [{ PORT: "-1" }, "PORT: expected a TCP port (a whole number; 0 picks a free one)"],
        [
          { LOG_LEVEL: "verbose" },
          'LOG_LEVEL: Invalid option: expected one of "trace"|"debug"|"info"|"warn"|"error"|"fatal"',
        ],
        [{ GHE_PROTOCOL: "ftp" }, 'GHE_PROTOCOL: Invalid option: expected one of "https"|"http"'],
        [{ METRIC_EVIDENCE: "strong" }, 'METRIC_EVIDENCE: Invalid option: expected one of "any"|"explicit"'],
        [{ GHE_HOST: "https://ghe.example.com" }, "GHE_HOST: expected a host name, optionally with :port"],
        [{ INBOX_MAX_ATTEMPTS: "0" }, "INBOX_MAX_ATTEMPTS: expected a number of attempts (a positive whole number)"],
        [{ APP_ID: "1" }, "PRIVATE_KEY: not set; APP_ID is set, so PRIVATE_KEY or PRIVATE_KEY_PATH is required"],
        [
          { APP_ID: "1", PRIVATE_KEY: "hunter2" },
          "PRIVATE_KEY: expected a PEM private key (-----BEGIN RSA PRIVATE KEY----- …)",
        ],
        [
          { APP_ID: "1", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\naHVudGVyMg==\n-----END RSA PRIVATE KEY-----" },
          "PRIVATE_KEY: the PEM block holds no private key that can be read; expected the .pem file GitHub generated for the App",
        ],
        [
          { NODE_ENV: "production", APP_ID: "1", PRIVATE_KEY: pem },
          "WEBHOOK_SECRET: not set; NODE_ENV=production requires the webhook secret configured on the GitHub App",
        ],
        [
          { APP_ID: "1", PRIVATE_KEY: pem },
          "WEBHOOK_SECRET: not set; APP_ID is set, so the webhook secret configured on the GitHub App is required",
        ],
        [
          { NODE_ENV: "production", WEBHOOK_SECRET: "s" },
          "APP_ID: not set; NODE_ENV=production requires the GitHub App id",
        ],
        [
          { INBOX_RETRY_BASE_MS: "1000", INBOX_RETRY_MAX_MS: "10" },
          "INBOX_RETRY_MAX_MS: must be at least INBOX_RETRY_BASE_MS",
        ],
      ] as [Record<string, string>, string][]
    ).map(([env, message]) => [
      // A private key stays out of the test's name (and so out of CI logs).
      Object.entries(env)
        .map(([name, value]) => `${name}=${value.includes("PRIVATE KEY-----") ? "(a PEM key)" : JSON.stringify(value)}`)
        .join(" "),
      env,
      message,
    ]),
  )("rejects %s with one line naming the variable", (_names, env, message) => {
    expect(() => loadSettings(env)).toThrow(message);
    try {
      loadSettings(env);
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("names an unreadable PRIVATE_KEY_PATH without echoing anything secret", () => {
    expect(() => loadSettings({ APP_ID: "1", PRIVATE_KEY_PATH: "/nope.pem" })).toThrow(
      "PRIVATE_KEY_PATH: cannot read /nope.pem (ENOENT); expected a readable .pem file",
    );
  });
});

describe("config: API_TOKENS", () => {
  it("parses tokens limited to owners, lower-cased", async () => {
    const { parseApiTokens } = await import("../../src/config/env.js");
    expect(parseApiTokens("abcdefghijklmnopqrstuvwxyz:Acme,acme-labs; ZYXWVUTSRQPONMLKJIHGFEDCBA:widgets")).toEqual([
      { token: "abcdefghijklmnopqrstuvwxyz", owners: ["acme", "acme-labs"] },
      { token: "ZYXWVUTSRQPONMLKJIHGFEDCBA", owners: ["widgets"] },
    ]);
    expect(parseApiTokens(undefined)).toEqual([]);
  });

  it("takes account ids as id:NUMBER, and tokens with colons", async () => {
    const { parseApiTokens } = await import("../../src/config/env.js");
    expect(parseApiTokens("abcdefghijklmnopqrstuvwxyz:acme,id:12345;abc:defghijklmnopqrstuvwxyz:id:7")).toEqual([
      { token: "abcdefghijklmnopqrstuvwxyz", owners: ["acme"], accountIds: [12345] },
      { token: "abc:defghijklmnopqrstuvwxyz", owners: [], accountIds: [7] },
    ]);
  });

  it.each([
    "short:acme",
    "abcdefghijklmnopqrstuvwxyz",
    "abcdefghijklmnopqrstuvwxyz:",
    "abcdefghijklmnopqrstuvwxyz:bad owner",
    "abcdefghijklmnopqrstuvwxyz:id:",
    "abcdefghijklmnopqrstuvwxyz:acme,id:x1",
  ])("rejects %j without echoing it", async (value) => {
    const { parseApiTokens } = await import("../../src/config/env.js");
    expect(() => parseApiTokens(value)).toThrow(
      'API_TOKENS: entry 1 is not "TOKEN:owner1,owner2" with a token of at least 20 characters and GitHub owner logins (or id:ACCOUNT_ID)',
    );
  });
});

describe("config: the OpenTelemetry endpoint's bounds", () => {
  const otlp = (env: Record<string, string>) => loadOtlpSettings(env as NodeJS.ProcessEnv);

  it("defaults to 4 MiB sent, 16 MiB inflated, 50,000 points a request, 5,000 sessions a day, 30 s a body", () => {
    expect(otlp({})).toEqual({
      body: { maxBodyBytes: 4 * 1024 * 1024, maxDecodedBytes: 16 * 1024 * 1024 },
      spend: { maxPointsPerRequest: 50_000, maxSessionsPerDay: 5_000 },
      timeoutMs: 30_000,
    });
    expect(otlp({ OTLP_MAX_BODY_BYTES: "", OTLP_MAX_SESSIONS_PER_DAY: " " })).toEqual(otlp({}));
  });

  it("takes each bound from its variable", () => {
    expect(
      otlp({
        OTLP_MAX_BODY_BYTES: "1000",
        OTLP_MAX_DECODED_BYTES: "1000",
        OTLP_MAX_POINTS_PER_REQUEST: "10",
        OTLP_MAX_SESSIONS_PER_DAY: "3",
        OTLP_BODY_TIMEOUT_MS: "1500",
      }),
    ).toEqual({
      body: { maxBodyBytes: 1000, maxDecodedBytes: 1000 },
      spend: { maxPointsPerRequest: 10, maxSessionsPerDay: 3 },
      timeoutMs: 1500,
    });
  });

  it.each([
    [{ OTLP_MAX_BODY_BYTES: "4MB" }, "OTLP_MAX_BODY_BYTES: expected bytes (a positive whole number)"],
    [{ OTLP_MAX_BODY_BYTES: "0" }, "OTLP_MAX_BODY_BYTES: expected bytes (a positive whole number)"],
    [{ OTLP_MAX_DECODED_BYTES: "-1" }, "OTLP_MAX_DECODED_BYTES: expected bytes (a positive whole number)"],
    [{ OTLP_MAX_POINTS_PER_REQUEST: "1e5" }, "OTLP_MAX_POINTS_PER_REQUEST: expected a number of points"],
    [{ OTLP_MAX_SESSIONS_PER_DAY: "many" }, "OTLP_MAX_SESSIONS_PER_DAY: expected a number of sessions"],
    [{ OTLP_BODY_TIMEOUT_MS: "30s" }, "OTLP_BODY_TIMEOUT_MS: expected milliseconds"],
    [
      { OTLP_MAX_BODY_BYTES: "2000", OTLP_MAX_DECODED_BYTES: "1000" },
      "OTLP_MAX_DECODED_BYTES: must be at least OTLP_MAX_BODY_BYTES",
    ],
  ] as Array<[Record<string, string>, string]>)("refuses %j, naming the variable", (env, message) => {
    expect(() => otlp(env)).toThrow(message);
  });

  it("is checked when the app starts: loadSettings refuses a bad bound too", () => {
    expect(() => loadSettings({ OTLP_MAX_POINTS_PER_REQUEST: "lots" })).toThrow(
      "OTLP_MAX_POINTS_PER_REQUEST: expected a number of points (a positive whole number)",
    );
  });
});
