// A fake GitHub API on loopback, for the offline demo (`npm run demo`) and the end-to-end tests:
// the app is pointed at it with GHE_HOST/GHE_PROTOCOL (API under /api/v3). It checks the App's
// JWT like GitHub does, issues installation tokens, and serves whatever routes are registered
// (and, behind them, the fallbacks, e.g. a GitHubModel of a repository).
import { createHash, createPublicKey, createVerify, type KeyObject, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  params: Record<string, string>;
  /** "jwt", "installation:<id>", "user:<id>" (a user access token) or "none". */
  auth: string;
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before answering, in milliseconds. */
  delayMs?: number;
}

type RouteHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Which credential was used: "jwt", "installation:<id>", "user:<id>", or "none". Tokens are not kept. */
  auth: string;
  /** The answer's status (304: a conditional request whose ETag matched); set once answered. */
  status?: number;
}

/** One attempt of the App's webhook, as GET /app/hook/deliveries lists it. */
export interface FakeHookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

/** The user who signs in through the App's OAuth web flow, and the installations they can access. */
export interface FakeOAuthUser {
  id: number;
  login: string;
  /** Installation ids GET /user/installations lists for them. */
  installations: number[];
  /**
   * Per installation id, the repositories GET /user/installations/{id}/repositories lists for them
   * (GitHub's repository objects, `id` and `full_name` at least); none when not given.
   */
  repositories?: Record<number, Array<{ id: number; full_name: string }>>;
}

/** A code the authorize page handed out, until it is exchanged (once) for a token. */
interface FakeOAuthCode {
  user: FakeOAuthUser;
  clientId: string;
  redirectUri: string | null;
  challenge: string | null;
  expiresAt: number;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** The App's webhook deliveries (GET /app/hook/deliveries lists them newest first, by id). */
  readonly hookDeliveries: FakeHookDelivery[] = [];
  /** Delivery ids whose redelivery was asked (POST /app/hook/deliveries/:id/attempts), in order. */
  readonly redeliveries: number[] = [];
  /** How a redelivery's own attempt, added to hookDeliveries, ends. Default: OK. */
  redeliveryOutcome: { status: string; status_code: number } = { status: "OK", status_code: 200 };
  /** The App's OAuth client (its user authorization): what POST /login/oauth/access_token accepts. */
  oauthClient = { clientId: "Iv1.fakeshipledger", clientSecret: "fake-client-secret-0123456789" };
  /** Who "signs in" at GET /login/oauth/authorize; null: nobody does (it answers as a denial). */
  oauthUser: FakeOAuthUser | null = null;
  /** The user refuses to authorise the App: the authorize page sends them back with error=access_denied. */
  oauthDeny = false;
  readonly #oauthCodes = new Map<string, FakeOAuthCode>();
  readonly #userTokens = new Map<string, FakeOAuthUser>();
  readonly #routes: Route[] = [];
  #fallbacks: Array<(method: string, uri: string, body: unknown) => [number, unknown, Record<string, string>?] | null> =
    [];
  readonly #appId: number;
  readonly #publicKey: KeyObject;
  readonly #latencyMs: () => number;
  readonly #tokens = new Map<string, number>();
  #server: Server | null = null;
  #requestCounter = 0;

  constructor(options: {
    appId: number;
    publicKeyPem: string;
    /**
     * Delay before every answer that sets none of its own, in milliseconds (GitHub's REST API
     * answers in 50 to 300 ms; benchmarks of freshness need that). A function is asked once per
     * answer. Default: none.
     */
    latencyMs?: number | (() => number);
  }) {
    this.#appId = options.appId;
    this.#publicKey = createPublicKey(options.publicKeyPem);
    const latency = options.latencyMs ?? 0;
    this.#latencyMs = typeof latency === "function" ? latency : () => latency;
    this.route("POST", "/app/installations/:installation_id/access_tokens", (req) => {
      if (req.auth !== "jwt") {
        return { status: 401, body: { message: "A JSON web token could not be decoded" } };
      }
      const installationId = Number(req.params.installation_id);
      const token = `ghs_fake${installationId}x${++this.#requestCounter}`;
      this.#tokens.set(token, installationId);
      return {
        status: 201,
        body: {
          token,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: { checks: "write", contents: "read", pull_requests: "read", metadata: "read" },
          repository_selection: "all",
        },
      };
    });
    this.route("GET", "/app", () => ({ body: { id: this.#appId, slug: "shipledger", name: "Shipledger" } }));
    // The App's webhook deliveries, newest first; `cursor` is "v1_<id>": the page starts below that id.
    this.route("GET", "/app/hook/deliveries", (req) => {
      if (req.auth !== "jwt") return { status: 401, body: { message: "A JSON web token could not be decoded" } };
      const perPage = Math.min(Number(req.query.get("per_page") ?? 30), 100);
      const below = Number(/^v1_(\d+)$/.exec(req.query.get("cursor") ?? "")?.[1] ?? Number.POSITIVE_INFINITY);
      const all = [...this.hookDeliveries].sort((a, b) => b.id - a.id).filter((d) => d.id < below);
      const page = all.slice(0, perPage);
      const last = page.at(-1);
      const headers: Record<string, string> =
        all.length > perPage && last
          ? {
              link: `<${this.baseUrl}/api/v3/app/hook/deliveries?per_page=${perPage}&cursor=v1_${last.id}>; rel="next"`,
            }
          : {};
      return { body: page, headers };
    });
    this.route("POST", "/app/hook/deliveries/:delivery_id/attempts", (req) => {
      if (req.auth !== "jwt") return { status: 401, body: { message: "A JSON web token could not be decoded" } };
      const id = Number(req.params.delivery_id);
      const original = this.hookDeliveries.find((d) => d.id === id);
      if (!original) return { status: 404, body: { message: "Not Found" } };
      this.redeliveries.push(id);
      this.hookDeliveries.push({
        ...original,
        ...this.redeliveryOutcome,
        id: Math.max(...this.hookDeliveries.map((d) => d.id)) + 1,
        // A second after the newest attempt: the fake keeps no clock of its own.
        delivered_at: new Date(
          Math.max(...this.hookDeliveries.map((d) => Date.parse(d.delivered_at))) + 1000,
        ).toISOString(),
        redelivery: true,
      });
      return { status: 202, body: {} };
    });
    this.#routeOAuth();
  }

  /**
   * The App's user authorization (OAuth web flow), as github.com serves it outside /api/v3: the
   * authorize page sends the browser back with a code (or error=access_denied), the code is
   * exchanged once, with the client secret and the PKCE verifier (S256), for a user token, and
   * the token reads GET /user and GET /user/installations (paginated with Link headers).
   */
  #routeOAuth(): void {
    this.route("GET", "/login/oauth/authorize", (req) => {
      const clientId = req.query.get("client_id");
      const redirectUri = req.query.get("redirect_uri");
      if (clientId !== this.oauthClient.clientId || !redirectUri) return { status: 404, body: "Not Found" };
      const back = new URL(redirectUri);
      const state = req.query.get("state");
      if (this.oauthDeny || !this.oauthUser) {
        back.searchParams.set("error", "access_denied");
        back.searchParams.set("error_description", "The user has denied your application access.");
        back.searchParams.set("error_uri", "https://docs.github.com/apps/troubleshooting-authorization-request-errors");
      } else {
        const method = req.query.get("code_challenge_method");
        const challenge = req.query.get("code_challenge");
        if (challenge && method !== "S256")
          return { status: 400, body: { message: "code_challenge_method must be S256" } };
        const code = randomBytes(10).toString("hex");
        this.#oauthCodes.set(code, {
          user: this.oauthUser,
          clientId,
          redirectUri,
          challenge,
          expiresAt: Date.now() + 10 * 60_000,
        });
        back.searchParams.set("code", code);
      }
      if (state !== null) back.searchParams.set("state", state);
      return { status: 302, headers: { location: back.toString() } };
    });
    this.route("POST", "/login/oauth/access_token", (req) => {
      const form = (req.body ?? {}) as Record<string, unknown>;
      const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string) : null);
      const refuse = (error: string, description: string) => {
        const body = { error, error_description: description, error_uri: "https://docs.github.com/apps" };
        return oauthAnswer(req, body);
      };
      if (text("client_id") !== this.oauthClient.clientId || text("client_secret") !== this.oauthClient.clientSecret) {
        return refuse("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
      }
      const code = text("code") ?? "";
      const grant = this.#oauthCodes.get(code);
      // A code is good for one exchange, whatever its outcome.
      this.#oauthCodes.delete(code);
      if (!grant || grant.expiresAt < Date.now() || grant.clientId !== text("client_id")) {
        return refuse("bad_verification_code", "The code passed is incorrect or expired.");
      }
      if (grant.redirectUri !== null && text("redirect_uri") !== null && text("redirect_uri") !== grant.redirectUri) {
        return refuse(
          "redirect_uri_mismatch",
          "The redirect_uri MUST match the registered callback URL for this application.",
        );
      }
      if (grant.challenge !== null) {
        const verifier = text("code_verifier") ?? "";
        const computed = createHash("sha256").update(verifier).digest("base64url");
        if (computed !== grant.challenge) return refuse("bad_verification_code", "The code_verifier does not match.");
      }
      const token = `ghu_fake${grant.user.id}x${++this.#requestCounter}`;
      this.#userTokens.set(token, grant.user);
      return oauthAnswer(req, {
        access_token: token,
        expires_in: 28_800,
        refresh_token: `ghr_fake${grant.user.id}x${this.#requestCounter}`,
        refresh_token_expires_in: 15_897_600,
        scope: "",
        token_type: "bearer",
      });
    });
    // The user as they were when the token was issued (a test may change oauthUser between sign-ins).
    const userOf = (req: FakeRequest) =>
      req.auth.startsWith("user:") ? this.#userTokens.get(req.headers.authorization?.split(" ")[1] ?? "") : undefined;
    const unauthenticated = { status: 401, body: { message: "Requires authentication" } };
    this.route("GET", "/user", (req) => {
      const user = userOf(req);
      return user ? { body: { id: user.id, login: user.login, type: "User" } } : unauthenticated;
    });
    this.route("GET", "/user/installations", (req) => {
      const user = userOf(req);
      if (!user) return unauthenticated;
      const perPage = Math.min(Number(req.query.get("per_page") ?? 30), 100);
      const page = Math.max(Number(req.query.get("page") ?? 1), 1);
      const all = user.installations.map((id) => ({
        id,
        app_id: this.#appId,
        account: { login: `account-${id}`, id: id * 10, type: "Organization" },
        target_type: "Organization",
      }));
      const headers: Record<string, string> =
        page * perPage < all.length
          ? { link: `<${this.baseUrl}/api/v3/user/installations?per_page=${perPage}&page=${page + 1}>; rel="next"` }
          : {};
      return {
        body: { total_count: all.length, installations: all.slice((page - 1) * perPage, page * perPage) },
        headers,
      };
    });
    this.route("GET", "/user/installations/:id/repositories", (req) => {
      const user = userOf(req);
      if (!user) return unauthenticated;
      const id = Number(req.params.id);
      // GitHub answers an installation the user cannot access as one that does not exist.
      if (!user.installations.includes(id)) return { status: 404, body: { message: "Not Found" } };
      const perPage = Math.min(Number(req.query.get("per_page") ?? 30), 100);
      const page = Math.max(Number(req.query.get("page") ?? 1), 1);
      const all = user.repositories?.[id] ?? [];
      const headers: Record<string, string> =
        page * perPage < all.length
          ? {
              link: `<${this.baseUrl}/api/v3/user/installations/${id}/repositories?per_page=${perPage}&page=${page + 1}>; rel="next"`,
            }
          : {};
      return {
        body: {
          total_count: all.length,
          repository_selection: "selected",
          repositories: all.slice((page - 1) * perPage, page * perPage),
        },
        headers,
      };
    });
  }

  /** Registers a route; later registrations win, so tests can override defaults. Paths use :params and a final `*`. */
  route(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/:([a-z_]+)|\*/g, (whole: string, name: string | undefined) => {
        names.push(name ?? "*");
        // `*` (a last segment) takes the rest of the path, slashes included.
        return whole === "*" ? "(.+)" : "([^/]+)";
      });
    this.#routes.unshift({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** A handler asked when no route matches (e.g. a GitHubModel serving a repository). */
  fallback(
    handler: (method: string, uri: string, body: unknown) => [number, unknown, Record<string, string>?] | null,
  ): void {
    this.#fallbacks.push(handler);
  }

  get baseUrl(): string {
    const address = this.#server?.address();
    if (!address || typeof address !== "object") throw new Error("fake GitHub is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** The GHE_HOST value that points the app here. */
  get host(): string {
    return this.baseUrl.replace("http://", "");
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: Error) => {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: error.message }));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #authOf(header: string | undefined): string {
    if (!header) return "none";
    const [scheme, credential = ""] = header.split(" ");
    if (scheme?.toLowerCase() === "bearer" && credential.split(".").length === 3) {
      return this.#verifyJwt(credential) ? "jwt" : "bad-jwt";
    }
    const user = this.#userTokens.get(credential);
    if (user) return `user:${user.id}`;
    const installation = this.#tokens.get(credential);
    return installation === undefined ? "bad-token" : `installation:${installation}`;
  }

  #verifyJwt(jwt: string): boolean {
    const [header, payload, signature] = jwt.split(".");
    if (!header || !payload || !signature) return false;
    const verifier = createVerify("RSA-SHA256");
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(this.#publicKey, Buffer.from(signature, "base64url"))) return false;
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: unknown; exp?: number };
    return String(claims.iss) === String(this.#appId) && (claims.exp ?? 0) * 1000 > Date.now() - 60_000;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    // As GitHub Enterprise Server serves it: REST under /api/v3, GraphQL at /api/graphql (where
    // Octokit sends it for a baseUrl ending in /api/v3).
    const path = url.pathname.replace(/^\/api\/v3/, "").replace(/^\/api\/graphql$/, "/graphql");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    // JSON, as the API takes it, or a form, as the OAuth endpoints also do.
    const form = /^application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "");
    const parsed = !text ? undefined : form ? Object.fromEntries(new URLSearchParams(text)) : JSON.parse(text);
    const auth = this.#authOf(req.headers.authorization);
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: path + url.search,
      auth,
    };
    this.requests.push(recorded);
    const requestId = `FAKE:${++this.#requestCounter}`;
    const send = async (status: number, body: unknown, headers: Record<string, string> = {}, delayMs?: number) => {
      const wait = delayMs ?? this.#latencyMs();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const all = { "content-type": "application/json; charset=utf-8", "x-github-request-id": requestId, ...headers };
      // A conditional request for an answer that carries an ETag (contents): 304 when it matches.
      const etag = headers.etag;
      if (status === 200 && etag !== undefined && req.headers["if-none-match"] === etag) {
        recorded.status = 304;
        res.writeHead(304, { etag, "x-github-request-id": requestId }).end();
        return;
      }
      recorded.status = status;
      const raw = typeof body === "string" && !all["content-type"].includes("json");
      res.writeHead(status, all).end(body === undefined ? "" : raw ? body : JSON.stringify(body));
    };
    if (auth === "bad-jwt" || auth === "bad-token") return send(401, { message: "Bad credentials" });
    for (const route of this.#routes) {
      if (route.method !== req.method) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]));
      const out = await route.handler({
        method: req.method,
        path,
        query: url.searchParams,
        headers: req.headers,
        body: parsed,
        params,
        auth,
      });
      return send(out.status ?? 200, out.body, out.headers, out.delayMs);
    }
    for (const fallback of this.#fallbacks) {
      const answer = fallback(req.method ?? "GET", path + url.search, parsed);
      if (answer) return send(answer[0], answer[1], answer[2]);
    }
    return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  }
}

/** GitHub's OAuth answers: JSON when asked for it, a urlencoded form otherwise; errors are 200s too. */
function oauthAnswer(req: FakeRequest, body: Record<string, string | number>): FakeResponse {
  if ((req.headers.accept ?? "").includes("application/json")) return { body };
  const form = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]));
  return { body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } };
}
