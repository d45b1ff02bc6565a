// "Sign in with GitHub" for the dashboard, with the GitHub App's own user authorization:
//   GET  /dashboard/login[?return_to=/dashboard/…]  → GitHub's authorize page (state, PKCE S256)
//   GET  /dashboard/login/callback                   → code → user token → user, installations, repositories → session
//   POST /dashboard/logout (form field `csrf`)       → the session is deleted, the cookie cleared
//   GET  /dashboard/signed-out                       → says so, with a link to sign in again
//
// The user's token is used at sign-in only and never stored: the installations it can access
// (GET /user/installations) and, in each, the repositories (GET /user/installations/{id}/repositories)
// are read once and kept in the session, so what a user may see is at most one session (8 hours,
// GitHub's user-token lifetime) out of date; signing in again refreshes it.
//
// Cookies are signed with keys derived (HKDF-SHA256) from one secret. The session cookie holds a
// random token and its HMAC; the ledger holds the token's SHA-256, so neither a copy of the ledger
// nor an edited cookie opens a session. The login cookie (10 minutes, Path=/dashboard/login) holds
// the state, the PKCE verifier and where to go back: nothing but GitHub's own parameters is in a URL.

import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { DashboardSession, Store } from "../../store/types.js";
import { FormError, readForm } from "./form.js";
import { securityHeaders, sendHtml } from "./headers.js";
import { escapeHtml } from "./html.js";
import type { DashboardAuth, DashboardUser } from "./types.js";

export const SESSION_COOKIE = "shipledger_session";
export const LOGIN_COOKIE = "shipledger_login";
/** GitHub's user access tokens expire after 8 hours; a session lasts as long. */
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60_000;
const LOGIN_TTL_MS = 10 * 60_000;
const GITHUB_TIMEOUT_MS = 10_000;
/** GET /user/installations pages read at most (100 each). */
const MAX_INSTALLATION_PAGES = 20;
/**
 * GET /user/installations/{id}/repositories pages read at most, per installation (100 each). Past
 * them, the user sees the repositories listed, and not the organisation-wide pages.
 */
const MAX_REPOSITORY_PAGES = 50;

const LOGIN_PATH = "/dashboard/login";
export const CALLBACK_PATH = "/dashboard/login/callback";
const LOGOUT_PATH = "/dashboard/logout";
const SIGNED_OUT_PATH = "/dashboard/signed-out";
const HOME_PATH = "/dashboard";

export interface DashboardAuthOptions {
  store: Pick<Store, "dashboard" | "installations">;
  /** The GitHub App's client id and secret (GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET, from the setup flow). */
  clientId: string;
  clientSecret: string;
  /** GitHub's web address (settings.githubWebUrl): its /login/oauth/ pages. */
  webUrl: string;
  /** GitHub's REST API (settings.githubBaseUrl, or https://api.github.com). */
  apiUrl: string;
  /**
   * Where browsers reach this app (PUBLIC_URL): the callback is registered under it, cookies are
   * Secure when it is https. A function for an address known only once the server listens (port 0).
   */
  publicUrl: string | (() => string);
  /** Key material the cookies are signed with (at least 32 bytes); the keys are derived from it. */
  secret: string | Buffer;
  log: Pick<Logger, "info" | "warn">;
  now?: () => number;
  /** How long a session lasts; default 8 hours. */
  sessionTtlMs?: number;
  /** How long each request to GitHub may take; default 10 s. */
  githubTimeoutMs?: number;
}

/** Why a sign-in did not complete: said to the user as is (no token or code in it). */
class SignInError extends Error {
  override name = "SignInError";
}

const b64url = (bytes: Buffer) => bytes.toString("base64url");
const sha256hex = (value: string) => createHash("sha256").update(value).digest("hex");

/** Constant-time equality of two strings of any length. */
function sameText(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

function parseCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    // The first of a name wins, as browsers send the most specific path first.
    if (name && !cookies.has(name)) cookies.set(name, part.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * Where a user may be sent back after signing in: a path of the dashboard on this origin, never
 * another site (`//evil.com`, `/\evil.com`, `https://evil.com`); anything else is the dashboard's home.
 */
export function safeReturnPath(value: string | null | undefined): string {
  // Printable ASCII only (a path as browsers send it, percent-encoded), and no backslash: browsers
  // read `/\evil.com` as `//evil.com`.
  if (!value || value.length > 512 || !/^\/[!-~]*$/.test(value) || value.includes("\\") || value.startsWith("//")) {
    return HOME_PATH;
  }
  let url: URL;
  try {
    url = new URL(value, "http://shipledger.invalid");
  } catch {
    return HOME_PATH;
  }
  if (url.origin !== "http://shipledger.invalid") return HOME_PATH;
  if (url.pathname !== HOME_PATH && !url.pathname.startsWith(`${HOME_PATH}/`)) return HOME_PATH;
  // Not back into the sign-in itself.
  if (url.pathname === LOGIN_PATH || url.pathname.startsWith(`${LOGIN_PATH}/`)) return HOME_PATH;
  return url.pathname + url.search;
}

interface LoginState {
  state: string;
  verifier: string;
  returnTo: string;
  expiresAt: number;
}

export function createDashboardAuth(options: DashboardAuthOptions): DashboardAuth {
  const now = options.now ?? Date.now;
  const ttl = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const githubTimeoutMs = options.githubTimeoutMs ?? GITHUB_TIMEOUT_MS;
  const secretBytes = typeof options.secret === "string" ? Buffer.from(options.secret, "utf8") : options.secret;
  if (secretBytes.length < 32) throw new Error("dashboard: the session secret must be at least 32 bytes");
  if (!options.clientId || !options.clientSecret)
    throw new Error("dashboard: the App's client id and secret are required");
  const publicUrl = typeof options.publicUrl === "string" ? () => options.publicUrl as string : options.publicUrl;
  // A malformed address fails here, not at the first sign-in (one known later is the server's own).
  if (typeof options.publicUrl === "string") new URL(options.publicUrl);
  const place = () => {
    const url = new URL(publicUrl());
    const base = publicUrl().replace(/\/+$/, "");
    return { origin: url.origin, secure: url.protocol === "https:", redirectUri: `${base}${CALLBACK_PATH}` };
  };
  const webUrl = options.webUrl.replace(/\/+$/, "");
  const apiUrl = options.apiUrl.replace(/\/+$/, "");
  const key = (purpose: string) =>
    Buffer.from(hkdfSync("sha256", secretBytes, "shipledger dashboard", `shipledger ${purpose}`, 32));
  const sessionKey = key("session cookie");
  const loginKey = key("login cookie");
  const csrfKey = key("csrf token");
  const mac = (k: Buffer, value: string) => b64url(createHmac("sha256", k).update(value).digest());

  // One lookup per request, however many times the page asks.
  const sessions = new WeakMap<IncomingMessage, Promise<DashboardSession | null>>();

  function cookie(name: string, value: string, path: string, maxAgeSeconds: number): string {
    return [
      `${name}=${value}`,
      `Path=${path}`,
      `Max-Age=${maxAgeSeconds}`,
      "HttpOnly",
      "SameSite=Lax",
      ...(place().secure ? ["Secure"] : []),
    ].join("; ");
  }
  const clearSession = () => cookie(SESSION_COOKIE, "", HOME_PATH, 0);
  const clearLogin = () => cookie(LOGIN_COOKIE, "", LOGIN_PATH, 0);

  /** The session token a cookie carries, if its signature is ours. */
  function sessionToken(req: IncomingMessage): string | null {
    const value = parseCookies(req).get(SESSION_COOKIE);
    if (!value) return null;
    const dot = value.lastIndexOf(".");
    if (dot <= 0) return null;
    const token = value.slice(0, dot);
    return sameText(value.slice(dot + 1), mac(sessionKey, token)) ? token : null;
  }

  function session(req: IncomingMessage): Promise<DashboardSession | null> {
    let found = sessions.get(req);
    if (!found) {
      const token = sessionToken(req);
      found = token ? options.store.dashboard.getSession(sha256hex(token), now()) : Promise.resolve(null);
      sessions.set(req, found);
    }
    return found;
  }

  const csrfOf = (s: DashboardSession) => mac(csrfKey, `${s.tokenHash}:${s.csrf}`);

  /** A state-changing request from another site: its Origin (when sent) is not ours. */
  function crossOrigin(req: IncomingMessage): boolean {
    const from = req.headers.origin;
    if (from !== undefined && from !== place().origin) return true;
    return req.headers["sec-fetch-site"] === "cross-site";
  }

  function redirect(res: ServerResponse, status: 302 | 303, location: string, cookies: string[] = []): void {
    res
      .writeHead(status, {
        ...securityHeaders(place().secure),
        location,
        ...(cookies.length > 0 ? { "set-cookie": cookies } : {}),
      })
      .end();
  }

  function page(res: ServerResponse, status: number, title: string, body: string, cookies: string[] = []): void {
    if (cookies.length > 0) res.setHeader("set-cookie", cookies);
    sendHtml(
      res,
      status,
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Shipledger</title></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>
`,
      place().secure,
    );
  }

  function signInFailed(res: ServerResponse, why: string): void {
    page(
      res,
      400,
      "Sign-in did not complete",
      `<p>${escapeHtml(why)}</p>\n<p><a href="${LOGIN_PATH}">Sign in with GitHub again</a></p>`,
      [clearLogin()],
    );
  }

  // GET /dashboard/login
  function startLogin(res: ServerResponse, query: URLSearchParams): void {
    const login: LoginState = {
      state: b64url(randomBytes(32)),
      verifier: b64url(randomBytes(32)),
      returnTo: safeReturnPath(query.get("return_to")),
      expiresAt: now() + LOGIN_TTL_MS,
    };
    const payload = b64url(Buffer.from(JSON.stringify(login), "utf8"));
    const challenge = b64url(createHash("sha256").update(login.verifier).digest());
    const authorize = new URL(`${webUrl}/login/oauth/authorize`);
    authorize.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: place().redirectUri,
      state: login.state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    redirect(res, 302, authorize.toString(), [
      cookie(LOGIN_COOKIE, `${payload}.${mac(loginKey, payload)}`, LOGIN_PATH, LOGIN_TTL_MS / 1000),
    ]);
  }

  function readLogin(req: IncomingMessage): LoginState | null {
    const value = parseCookies(req).get(LOGIN_COOKIE);
    if (!value) return null;
    const dot = value.lastIndexOf(".");
    if (dot <= 0) return null;
    const payload = value.slice(0, dot);
    if (!sameText(value.slice(dot + 1), mac(loginKey, payload))) return null;
    try {
      const login = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as LoginState;
      return login.expiresAt > now() ? login : null;
    } catch {
      return null;
    }
  }

  async function github(url: string, init: RequestInit, what: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(githubTimeoutMs) });
    } catch (error) {
      const timedOut = (error as Error)?.name === "TimeoutError";
      throw new SignInError(`GitHub could not be reached to ${what}${timedOut ? " in time" : ""}; try again.`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new SignInError(`GitHub answered ${response.status} when asked to ${what}; try again.`);
    }
    return response;
  }

  const userHeaders = (token: string) => ({
    accept: "application/vnd.github+json",
    authorization: `Bearer ${token}`,
    "user-agent": "shipledger",
    "x-github-api-version": "2022-11-28",
  });

  /** The code for the user's token (a token that is used here and forgotten). */
  async function exchangeCode(code: string, verifier: string): Promise<string> {
    const response = await github(
      `${webUrl}/login/oauth/access_token`,
      {
        method: "POST",
        headers: {
          accept: "application/json",
          "content-type": "application/x-www-form-urlencoded",
          "user-agent": "shipledger",
        },
        body: new URLSearchParams({
          client_id: options.clientId,
          client_secret: options.clientSecret,
          code,
          redirect_uri: place().redirectUri,
          code_verifier: verifier,
        }).toString(),
      },
      "confirm the sign-in",
    );
    const answer = (await response.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
    if (typeof answer.access_token === "string" && answer.access_token) return answer.access_token;
    // GitHub answers 200 with an error code (bad_verification_code, incorrect_client_credentials, …).
    const error = typeof answer.error === "string" ? answer.error.slice(0, 60) : "no token";
    throw new SignInError(`GitHub did not confirm the sign-in (${error}); it may have expired or been used already.`);
  }

  async function readUser(token: string): Promise<{ id: number; login: string }> {
    const response = await github(`${apiUrl}/user`, { headers: userHeaders(token) }, "tell who you are");
    const user = (await response.json().catch(() => ({}))) as { id?: unknown; login?: unknown };
    if (typeof user.id !== "number" || typeof user.login !== "string") {
      throw new SignInError("GitHub did not say who you are; try again.");
    }
    return { id: user.id, login: user.login };
  }

  /**
   * The ids of a list GitHub answers page by page with Link headers (`field` of each page), at most
   * `pages` pages; `complete` is false when GitHub had more.
   */
  async function readIds(
    token: string,
    first: string,
    field: "installations" | "repositories",
    what: string,
    pages: number,
  ): Promise<{ ids: number[]; complete: boolean }> {
    const ids: number[] = [];
    let next: string | null = first;
    for (let page = 0; next && page < pages; page++) {
      const response = await github(next, { headers: userHeaders(token) }, `list ${what}`);
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      const items = body[field];
      if (!Array.isArray(items)) throw new SignInError(`GitHub did not list ${what}; try again.`);
      for (const item of items as Array<{ id?: unknown }>) if (typeof item?.id === "number") ids.push(item.id);
      next = nextLink(response.headers.get("link"));
      // The user's token goes to GitHub's API and nowhere else, whatever a Link header says.
      if (next && new URL(next).origin !== new URL(apiUrl).origin) next = null;
    }
    return { ids: [...new Set(ids)], complete: next === null };
  }

  /** Every installation of this App the user can access on GitHub (GET /user/installations, every page). */
  async function readInstallations(token: string): Promise<number[]> {
    const first = `${apiUrl}/user/installations?per_page=100`;
    return (await readIds(token, first, "installations", "the accounts you can access", MAX_INSTALLATION_PAGES)).ids;
  }

  /** The repositories of an installation the user can access (GET /user/installations/{id}/repositories). */
  async function readRepositories(token: string, installationId: number, login: string): Promise<number[]> {
    const first = `${apiUrl}/user/installations/${installationId}/repositories?per_page=100`;
    const { ids, complete } = await readIds(
      token,
      first,
      "repositories",
      "the repositories you can access",
      MAX_REPOSITORY_PAGES,
    );
    if (!complete) {
      options.log.warn(
        { login, installation: installationId, repositories: ids.length },
        "dashboard: the user can access more repositories than are read at sign-in; they see those read",
      );
    }
    return ids;
  }

  // GET /dashboard/login/callback
  async function finishLogin(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const login = readLogin(req);
    if (!login) {
      signInFailed(res, "This sign-in was started too long ago, or in another browser.");
      return;
    }
    if (!sameText(query.get("state") ?? "", login.state)) {
      options.log.warn("dashboard: sign-in refused, its state does not match the one this browser was given");
      signInFailed(res, "This sign-in does not match the one this browser started.");
      return;
    }
    const error = query.get("error");
    if (error) {
      options.log.info({ error: error.slice(0, 60) }, "dashboard: sign-in not authorised on GitHub");
      signInFailed(
        res,
        error === "access_denied"
          ? "GitHub did not authorise Shipledger to see who you are, so you are not signed in."
          : `GitHub refused the sign-in (${error.slice(0, 60)}).`,
      );
      return;
    }
    const code = query.get("code");
    if (!code) {
      signInFailed(res, "GitHub sent no authorisation code.");
      return;
    }
    let user: { id: number; login: string };
    let known: number[];
    const repositoryIds: Record<number, number[]> = {};
    try {
      const token = await exchangeCode(code, login.verifier);
      user = await readUser(token);
      const accessible = await readInstallations(token);
      // Only installations the ledger holds (and that are not uninstalled) can show anything.
      known = [];
      for (const id of accessible) {
        const installation = await options.store.installations.getInstallation(id);
        if (installation && installation.deletedAt === null) known.push(id);
      }
      for (const id of known) {
        try {
          repositoryIds[id] = await readRepositories(token, id, user.login);
        } catch (error) {
          if (!(error instanceof SignInError)) throw error;
          // One account's list failing (an access just removed: 404; GitHub erring) keeps the user
          // out of that account only, not out of the others: signing in again reads it again.
          options.log.warn(
            { login: user.login, installation: id },
            `dashboard: signed in without this installation: ${error.message}`,
          );
        }
      }
      known = known.filter((id) => repositoryIds[id] !== undefined);
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      options.log.warn(`dashboard: sign-in failed: ${error.message}`);
      signInFailed(res, error.message);
      return;
    }

    const at = now();
    await options.store.dashboard.deleteExpiredSessions(at);
    // A sign-in replaces the browser's previous session (and the installations it knew).
    const previous = sessionToken(req);
    if (previous) await options.store.dashboard.deleteSession(sha256hex(previous));
    const token = b64url(randomBytes(32));
    await options.store.dashboard.createSession({
      tokenHash: sha256hex(token),
      userId: user.id,
      login: user.login,
      installationIds: known,
      repositoryIds,
      csrf: b64url(randomBytes(32)),
      createdAt: at,
      expiresAt: at + ttl,
    });
    options.log.info({ login: user.login, installations: known.length }, "dashboard: signed in");
    redirect(res, 302, safeReturnPath(login.returnTo), [
      cookie(SESSION_COOKIE, `${token}.${mac(sessionKey, token)}`, HOME_PATH, Math.floor(ttl / 1000)),
      clearLogin(),
    ]);
  }

  // POST /dashboard/logout
  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (crossOrigin(req)) {
      req.resume();
      page(res, 403, "Not allowed", "<p>This form was sent from another site.</p>");
      return;
    }
    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (error) {
      if (!(error instanceof FormError)) throw error;
      res.setHeader("connection", "close");
      page(res, error.status, "Not a sign-out form", `<p>${escapeHtml(error.message)}</p>`);
      return;
    }
    const current = await session(req);
    if (!current) {
      // Nothing to sign out of (expired, or already signed out): say so.
      redirect(res, 303, SIGNED_OUT_PATH, [clearSession()]);
      return;
    }
    if (!(await auth.checkCsrf(req, form.get("csrf") ?? undefined))) {
      page(res, 403, "Not allowed", '<p>This form has expired. Open the <a href="/dashboard">dashboard</a> again.</p>');
      return;
    }
    await options.store.dashboard.deleteSession(current.tokenHash);
    options.log.info({ login: current.login }, "dashboard: signed out");
    redirect(res, 303, SIGNED_OUT_PATH, [clearSession()]);
  }

  const auth: DashboardAuth = {
    async routes(req, res) {
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = url.pathname;
      if (![LOGIN_PATH, CALLBACK_PATH, LOGOUT_PATH, SIGNED_OUT_PATH].includes(route)) return false;
      const method = route === LOGOUT_PATH ? "POST" : "GET";
      if (req.method !== method) {
        req.resume();
        res.setHeader("allow", method);
        page(res, 405, "Method not allowed", `<p>Only ${method}.</p>`);
        return true;
      }
      if (route === LOGIN_PATH) startLogin(res, url.searchParams);
      else if (route === CALLBACK_PATH) await finishLogin(req, res, url.searchParams);
      else if (route === LOGOUT_PATH) await logout(req, res);
      else {
        page(
          res,
          200,
          "Signed out",
          `<p>You have signed out of Shipledger (not of GitHub).</p>\n<p><a href="${LOGIN_PATH}">Sign in with GitHub</a></p>`,
        );
      }
      return true;
    },

    async user(req): Promise<DashboardUser | null> {
      const s = await session(req);
      if (!s) return null;
      const repositoryIds = Object.fromEntries(
        Object.entries(s.repositoryIds).map(([id, repositories]) => [id, [...repositories]]),
      );
      return { userId: s.userId, login: s.login, installationIds: [...s.installationIds], repositoryIds };
    },

    async csrfToken(req) {
      const s = await session(req);
      return s ? csrfOf(s) : null;
    },

    async checkCsrf(req, token) {
      if (!token || crossOrigin(req)) return false;
      const s = await session(req);
      return s !== null && sameText(token, csrfOf(s));
    },
  };
  return auth;
}

/** The rel="next" address of a GitHub Link header, if any. */
function nextLink(header: string | null): string | null {
  for (const part of (header ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match?.[1]) return match[1];
  }
  return null;
}
