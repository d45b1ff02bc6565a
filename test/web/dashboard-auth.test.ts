// "Sign in with GitHub" for the dashboard, over real HTTP: the app's server with the sign-in
// routes and a protected page that echoes who is signed in, a fake GitHub on loopback playing the
// App's OAuth web flow, and a tiny browser that keeps cookies and follows no redirect by itself.
import { createHash } from "node:crypto";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/types.js";
import { createDashboardAuth, safeReturnPath } from "../../src/web/dashboard/auth.js";
import { CONTENT_SECURITY_POLICY, securityHeaders } from "../../src/web/dashboard/headers.js";
import type { DashboardAuth } from "../../src/web/dashboard/types.js";
import { createHttpServer, type HttpServer } from "../../src/web/http-server.js";
import { FakeGitHub } from "../fake-github/server.js";
import { appKeyPair } from "../helpers/app-process.js";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 12);
const SECRET = "a-session-secret-of-at-least-32-bytes!";
const keys = appKeyPair();

let store: Store;
let github: FakeGitHub;
let servers: HttpServer[];
let logLines: string[];
let clock: number;

beforeEach(async () => {
  clock = T0;
  logLines = [];
  servers = [];
  store = await openStore(":memory:");
  for (const [id, login] of [
    [1, "acme"],
    [2, "globex"],
    [3, "gone"],
    [4, "other"],
  ] as const) {
    await store.installations.upsertInstallation({ id, accountLogin: login, accountType: "Organization", now: T0 });
  }
  await store.installations.markInstallationDeleted(3, T0);
  github = await new FakeGitHub({ appId: 77, publicKeyPem: keys.publicKeyPem }).start();
  // The lead can access acme (1) and globex (2, on the second page), an uninstalled one (3) and
  // installations the ledger has never heard of; not "other" (4).
  const unknown = Array.from({ length: 118 }, (_, i) => 1000 + i);
  // In acme, 150 repositories (two pages); in globex, one.
  const repository = (id: number, owner: string) => ({ id, full_name: `${owner}/repo-${id}` });
  github.oauthUser = {
    id: 501,
    login: "lead",
    installations: [...unknown.slice(0, 60), 1, 3, ...unknown.slice(60), 2],
    repositories: {
      1: Array.from({ length: 150 }, (_, i) => repository(100 + i, "acme")),
      2: [repository(20, "globex")],
      3: [repository(30, "gone")],
    },
  };
});

afterEach(async () => {
  for (const server of servers) await server.stop(0);
  await github.stop();
  await store.close();
});

interface Started {
  base: string;
  auth: DashboardAuth;
}

/** The app's server with the sign-in routes and GET /dashboard/whoami (the signed-in user, or 401). */
async function startApp(options: { publicUrl?: string; secret?: string } = {}): Promise<Started> {
  const log = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const http = createHttpServer({ host: "127.0.0.1", port: 0, log });
  servers.push(http);
  await http.start();
  const publicUrl = options.publicUrl ?? http.url;
  const auth = createDashboardAuth({
    store,
    clientId: github.oauthClient.clientId,
    clientSecret: github.oauthClient.clientSecret,
    webUrl: github.baseUrl,
    apiUrl: `${github.baseUrl}/api/v3`,
    publicUrl,
    secret: options.secret ?? SECRET,
    log,
    now: () => clock,
  });
  http.use(auth.routes);
  http.use(async (req, res) => {
    if (req.url !== "/dashboard/whoami") return false;
    const user = await auth.user(req);
    res
      .writeHead(user ? 200 : 401, {
        ...securityHeaders(publicUrl.startsWith("https:")),
        "content-type": "application/json",
      })
      .end(JSON.stringify({ user, csrf: await auth.csrfToken(req) }));
    return true;
  });
  return { base: http.url, auth };
}

interface Cookie {
  value: string;
  path: string;
  attributes: string;
}

/** Keeps the app's cookies (by name and path) and follows no redirect. */
class Browser {
  readonly cookies = new Map<string, Cookie>();
  readonly responses: Response[] = [];
  constructor(readonly base: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  async request(path: string, init: RequestInit): Promise<Response> {
    const pathname = new URL(path, this.base).pathname;
    const cookie = [...this.cookies]
      .filter(([, c]) => pathname === c.path || pathname.startsWith(`${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
    const headers = new Headers(init.headers);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: "manual" });
    this.responses.push(res);
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      const path = attributes.find((a) => a.startsWith("Path="))?.slice(5) ?? "/";
      if (/Max-Age=0\b/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, { value, path, attributes: attributes.join("; ") });
    }
    return res;
  }

  async whoami() {
    const res = await this.get("/dashboard/whoami");
    return (await res.json()) as {
      user: { userId: number; login: string; installationIds: number[] } | null;
      csrf: string | null;
    };
  }
}

interface SignIn {
  start: Response;
  authorize: URL;
  callback: URL;
  done: Response;
}

/** Through the whole flow: our login route, GitHub's authorize page (the fake), our callback. */
async function signIn(browser: Browser, returnTo?: string, tamper?: (authorize: URL) => void): Promise<SignIn> {
  const start = await browser.get(
    `/dashboard/login${returnTo === undefined ? "" : `?return_to=${encodeURIComponent(returnTo)}`}`,
  );
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get("location") ?? "");
  tamper?.(authorize);
  const atGitHub = await fetch(authorize, { redirect: "manual" });
  expect(atGitHub.status).toBe(302);
  const callback = new URL(atGitHub.headers.get("location") ?? "");
  const done = await browser.get(callback.pathname + callback.search);
  return { start, authorize, callback, done };
}

function expectSecurityHeaders(res: Response, secure = false) {
  expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.has("strict-transport-security")).toBe(secure);
}

const sha256hex = (value: string) => createHash("sha256").update(value).digest("hex");
const exchanges = () => github.requests.filter((r) => r.path === "/login/oauth/access_token");

describe("signing in with GitHub", () => {
  it("goes to GitHub with state and an S256 challenge, and comes back signed in with the installations the ledger knows", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    const { start, authorize, callback, done } = await signIn(browser, "/dashboard/acme?period=90d");

    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${github.baseUrl}/login/oauth/authorize`);
    const params = Object.fromEntries(authorize.searchParams);
    expect(Object.keys(params).sort()).toEqual([
      "client_id",
      "code_challenge",
      "code_challenge_method",
      "redirect_uri",
      "state",
    ]);
    expect(params).toMatchObject({
      client_id: github.oauthClient.clientId,
      redirect_uri: `${base}/dashboard/login/callback`,
      code_challenge_method: "S256",
    });
    expect(params.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const loginCookie = start.headers.getSetCookie().find((c) => c.startsWith("shipledger_login="));
    expect(loginCookie).toMatch(/; Path=\/dashboard\/login; Max-Age=600; HttpOnly; SameSite=Lax$/);
    expect(callback.searchParams.get("state")).toBe(params.state);

    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/dashboard/acme?period=90d");
    const session = done.headers.getSetCookie().find((c) => c.startsWith("shipledger_session="));
    expect(session).toMatch(
      /^shipledger_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/dashboard; Max-Age=28800; HttpOnly; SameSite=Lax$/,
    );
    expect(done.headers.getSetCookie()).toContainEqual(
      expect.stringMatching(/^shipledger_login=; Path=\/dashboard\/login; Max-Age=0/),
    );

    const me = await browser.whoami();
    // 3 is uninstalled, 4 not the lead's, the rest unknown to the ledger; 2 was on the second page.
    // In each, the repositories GitHub lists to the lead (acme's on two pages).
    expect(me.user).toEqual({
      userId: 501,
      login: "lead",
      installationIds: [1, 2],
      repositoryIds: { 1: Array.from({ length: 150 }, (_, i) => 100 + i), 2: [20] },
    });
    const paths = github.requests.map((r) => r.path);
    expect(paths).toContain("/user/installations?per_page=100&page=2");
    expect(paths.filter((p) => p.includes("/repositories"))).toEqual([
      "/user/installations/1/repositories?per_page=100",
      "/user/installations/1/repositories?per_page=100&page=2",
      "/user/installations/2/repositories?per_page=100",
    ]);
    expect(github.requests.filter((r) => r.path.startsWith("/user")).every((r) => r.auth === "user:501")).toBe(true);

    // The ledger holds the token's hash, not the token.
    const token = browser.cookies.get("shipledger_session")?.value.split(".")[0] ?? "";
    expect(await store.dashboard.getSession(token, clock)).toBeNull();
    expect(await store.dashboard.getSession(sha256hex(token), clock)).toMatchObject({
      userId: 501,
      expiresAt: T0 + 8 * HOUR,
    });
    for (const res of browser.responses) expectSecurityHeaders(res);
  });

  it("refuses a callback whose state is not the one this browser was given, or that it never started", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    const start = await browser.get("/dashboard/login");
    const authorize = new URL(start.headers.get("location") ?? "");
    const callback = new URL((await fetch(authorize, { redirect: "manual" })).headers.get("location") ?? "");

    const forged = new URL(callback);
    forged.searchParams.set("state", "x".repeat(43));
    const wrong = await browser.get(forged.pathname + forged.search);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('<a href="/dashboard/login">Sign in with GitHub again</a>');

    const other = new Browser(base);
    const elsewhere = await other.get(callback.pathname + callback.search);
    expect(elsewhere.status).toBe(400);

    const missing = new Browser(base);
    await missing.get("/dashboard/login");
    const noState = new URL(callback);
    noState.searchParams.delete("state");
    expect((await missing.get(noState.pathname + noState.search)).status).toBe(400);

    // No code was exchanged, no session made.
    expect(exchanges()).toHaveLength(0);
    for (const b of [browser, other, missing]) {
      expect(b.cookies.has("shipledger_session")).toBe(false);
      for (const res of b.responses) expectSecurityHeaders(res);
    }
  });

  it("refuses a login cookie that has expired or been edited", async () => {
    const { base } = await startApp();
    const late = new Browser(base);
    const start = await late.get("/dashboard/login");
    const callback = new URL(
      (await fetch(start.headers.get("location") ?? "", { redirect: "manual" })).headers.get("location") ?? "",
    );
    clock += 11 * 60_000;
    expect((await late.get(callback.pathname + callback.search)).status).toBe(400);

    clock = T0;
    const edited = new Browser(base);
    const again = await edited.get("/dashboard/login");
    const cookie = edited.cookies.get("shipledger_login");
    if (!cookie) throw new Error("no login cookie");
    const [payload = "", signature] = cookie.value.split(".");
    const login = JSON.parse(Buffer.from(payload, "base64url").toString()) as { returnTo: string };
    login.returnTo = "https://evil.example/";
    cookie.value = `${Buffer.from(JSON.stringify(login)).toString("base64url")}.${signature}`;
    const back = new URL(
      (await fetch(again.headers.get("location") ?? "", { redirect: "manual" })).headers.get("location") ?? "",
    );
    expect((await edited.get(back.pathname + back.search)).status).toBe(400);
    expect(exchanges()).toHaveLength(0);
  });

  it("fails with a page, not a session, when GitHub refuses the PKCE verifier", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    // The code is issued for another challenge than the one this browser's verifier answers.
    const { done } = await signIn(browser, undefined, (authorize) =>
      authorize.searchParams.set("code_challenge", createHash("sha256").update("another verifier").digest("base64url")),
    );
    expect(done.status).toBe(400);
    expect(await done.text()).toContain("GitHub did not confirm the sign-in (bad_verification_code)");
    expect(exchanges()).toHaveLength(1);
    expect(browser.cookies.has("shipledger_session")).toBe(false);
    expect((await browser.whoami()).user).toBeNull();
  });

  it("says so when the user does not authorise the App on GitHub", async () => {
    github.oauthDeny = true;
    const { base } = await startApp();
    const browser = new Browser(base);
    const { callback, done } = await signIn(browser);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(done.status).toBe(400);
    expectSecurityHeaders(done);
    expect(await done.text()).toContain("GitHub did not authorise Shipledger");
    expect(browser.cookies.has("shipledger_session")).toBe(false);
    expect(exchanges()).toHaveLength(0);
  });

  it("fails with a page when GitHub errs while reading the user's installations", async () => {
    github.route("GET", "/user/installations", () => ({ status: 502, body: { message: "Server Error" } }));
    const { base } = await startApp();
    const browser = new Browser(base);
    const { done } = await signIn(browser);
    expect(done.status).toBe(400);
    expect(await done.text()).toContain("GitHub answered 502 when asked to list the accounts you can access");
    expect(browser.cookies.has("shipledger_session")).toBe(false);
  });

  it("signs in without an installation whose repositories GitHub will not list, keeping the others", async () => {
    for (const status of [404, 502]) {
      // acme's list fails (access removed since GET /user/installations, or GitHub erring); globex's does not.
      github.route("GET", "/user/installations/:id/repositories", (req) =>
        req.params.id === "1"
          ? { status, body: { message: "Nope" } }
          : { body: { total_count: 1, repositories: [{ id: 20, full_name: "globex/repo-20" }] } },
      );
      const { base } = await startApp();
      const browser = new Browser(base);
      const { done } = await signIn(browser);
      expect(done.status, String(status)).toBe(302);
      expect((await browser.whoami()).user, String(status)).toEqual({
        userId: 501,
        login: "lead",
        installationIds: [2],
        repositoryIds: { 2: [20] },
      });
    }
    expect(logLines.some((line) => line.includes("signed in without this installation"))).toBe(true);
  });

  it("never sends anyone back to another site", async () => {
    const { base } = await startApp();
    for (const evil of [
      "//evil.com",
      "https://evil.com",
      "/\\evil.com",
      "/dashboard/../../evil.com",
      "/%2F%2Fevil.com",
    ]) {
      const { done } = await signIn(new Browser(base), evil);
      expect(done.status).toBe(302);
      expect(done.headers.get("location")).toBe("/dashboard");
    }
    expect(safeReturnPath("/dashboard/acme/shop?period=30d")).toBe("/dashboard/acme/shop?period=30d");
    for (const evil of [
      "//evil.com/dashboard",
      "/\\evil.com",
      "\\\\evil.com",
      "/dashboard\\..\\..\\evil",
      "https://evil.com/dashboard",
      "javascript:alert(1)",
      "/dashboard\t/x",
      " /dashboard",
      "/dashboardx",
      "/dashboard/login/callback",
      "",
    ]) {
      expect(safeReturnPath(evil), evil).toBe("/dashboard");
    }
  });

  it("sets Secure cookies and HSTS when served over https, with the callback under the public address", async () => {
    const { base } = await startApp({ publicUrl: "https://shipledger.example" });
    const browser = new Browser(base);
    const { start, authorize, done } = await signIn(browser);
    expect(authorize.searchParams.get("redirect_uri")).toBe("https://shipledger.example/dashboard/login/callback");
    expect(start.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    expect(done.headers.getSetCookie().find((c) => c.startsWith("shipledger_session="))).toMatch(
      /; HttpOnly; SameSite=Lax; Secure$/,
    );
    for (const res of browser.responses) expectSecurityHeaders(res, true);
    const me = await browser.whoami();
    // The app's own origin is the public one: a form posted from the loopback address is another site's.
    const refused = await browser.post("/dashboard/logout", { csrf: me.csrf ?? "" }, { origin: base });
    expect(refused.status).toBe(403);
    const signedOut = await browser.post(
      "/dashboard/logout",
      { csrf: me.csrf ?? "" },
      { origin: "https://shipledger.example" },
    );
    expect(signedOut.status).toBe(303);
  });

  it("keeps codes, tokens, state and the client secret out of the logs and out of every address but GitHub's authorize page", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    const { authorize, callback, done } = await signIn(browser, "/dashboard/acme");
    const secrets = [
      callback.searchParams.get("code") ?? "",
      authorize.searchParams.get("state") ?? "",
      github.oauthClient.clientSecret,
      browser.cookies.get("shipledger_session")?.value.split(".")[0] ?? "",
      "ghu_",
      "ghr_",
    ];
    expect(secrets.every((s) => s.length > 3)).toBe(true);
    const log = logLines.join("\n");
    expect(log).toContain("dashboard: signed in");
    for (const secret of secrets) {
      expect(log).not.toContain(secret);
      expect(done.headers.get("location")).not.toContain(secret);
    }
    // What GitHub's authorize page needs, and nothing of where the user was going.
    expect(authorize.toString()).not.toContain("acme");
    expect(authorize.toString()).not.toContain(github.oauthClient.clientSecret);
  });
});

describe("sessions", () => {
  it("does not accept a cookie whose token or signature is edited, or signed with another secret", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    await signIn(browser);
    const cookie = browser.cookies.get("shipledger_session");
    if (!cookie) throw new Error("no session cookie");
    const [token = "", signature = ""] = cookie.value.split(".");
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    for (const value of [`${flip(token)}.${signature}`, `${token}.${flip(signature)}`, token, `${token}.`, ""]) {
      cookie.value = value;
      expect((await browser.whoami()).user, value).toBeNull();
    }
    cookie.value = `${token}.${signature}`;
    expect((await browser.whoami()).user?.login).toBe("lead");

    // The same ledger, another secret: the cookie's signature is not its.
    const { base: other } = await startApp({ secret: "another-secret-of-at-least-32-bytes!!" });
    const elsewhere = new Browser(other);
    elsewhere.cookies.set("shipledger_session", { ...cookie });
    expect((await elsewhere.whoami()).user).toBeNull();
  });

  it("ends after its time, and sign-ins remove the sessions that have ended", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    await signIn(browser);
    const hash = sha256hex(browser.cookies.get("shipledger_session")?.value.split(".")[0] ?? "");
    clock = T0 + 8 * HOUR - 1;
    expect((await browser.whoami()).user?.login).toBe("lead");
    clock = T0 + 8 * HOUR;
    const expired = await browser.whoami();
    expect(expired).toEqual({ user: null, csrf: null });

    await signIn(new Browser(base));
    expect(await store.dashboard.getSession(hash, T0)).toBeNull();
  });

  it("signs out only with the session's CSRF token, from this site, and then the cookie opens nothing", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    await signIn(browser);
    const stolen = { ...(browser.cookies.get("shipledger_session") as Cookie) };
    const { csrf } = await browser.whoami();
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const none = await browser.post("/dashboard/logout", {});
    expect(none.status).toBe(403);
    expectSecurityHeaders(none);
    expect((await browser.post("/dashboard/logout", { csrf: "x".repeat(43) })).status).toBe(403);
    // Another session's token is not this one's.
    const other = new Browser(base);
    await signIn(other);
    expect((await browser.post("/dashboard/logout", { csrf: (await other.whoami()).csrf ?? "" })).status).toBe(403);
    const crossSite = await browser.post("/dashboard/logout", { csrf: csrf ?? "" }, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect((await browser.whoami()).user?.login).toBe("lead");

    const out = await browser.post("/dashboard/logout", { csrf: csrf ?? "" }, { origin: base });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/dashboard/signed-out");
    expectSecurityHeaders(out);
    expect(out.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^shipledger_session=; Path=\/dashboard; Max-Age=0/),
    ]);
    expect(browser.cookies.has("shipledger_session")).toBe(false);
    const page = await browser.get("/dashboard/signed-out");
    expect(page.status).toBe(200);
    expectSecurityHeaders(page);
    expect(await page.text()).toContain('<a href="/dashboard/login">Sign in with GitHub</a>');

    // The cookie, kept by someone, opens nothing now.
    browser.cookies.set("shipledger_session", stolen);
    expect((await browser.whoami()).user).toBeNull();
    expect((await other.whoami()).user?.login).toBe("lead");
  });

  it("reads a sign-out form of bounded size and type only, and answers other methods 405", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    await signIn(browser);
    const { csrf } = await browser.whoami();
    const large = await browser.post("/dashboard/logout", { csrf: csrf ?? "", pad: "x".repeat(20_000) });
    expect(large.status).toBe(413);
    expectSecurityHeaders(large);
    const json = await browser.request("/dashboard/logout", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ csrf }),
    });
    expect(json.status).toBe(415);
    const get = await browser.get("/dashboard/logout");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expectSecurityHeaders(get);
    expect((await browser.whoami()).user?.login).toBe("lead");
  });

  it("replaces the browser's previous session when it signs in again", async () => {
    const { base } = await startApp();
    const browser = new Browser(base);
    await signIn(browser);
    const first = { ...(browser.cookies.get("shipledger_session") as Cookie) };
    github.oauthUser = { id: 501, login: "lead", installations: [4] };
    await signIn(browser);
    expect((await browser.whoami()).user?.installationIds).toEqual([4]);
    browser.cookies.set("shipledger_session", first);
    expect((await browser.whoami()).user).toBeNull();
  });
});
