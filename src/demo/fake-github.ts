// A fake GitHub API on loopback, for the offline demo (`npm run demo`) and the end-to-end tests:
// the app is pointed at it with GHE_HOST/GHE_PROTOCOL (API under /api/v3). It checks the App's
// JWT like GitHub does, issues installation tokens, and serves whatever routes are registered
// (and, behind them, the fallbacks, e.g. a GitHubModel of a repository).
import { createPublicKey, createVerify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  params: Record<string, string>;
  /** "jwt", "installation:<id>" or "none". */
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
  /** Which credential was used: "jwt", "installation:<id>", or "none". Tokens are not kept. */
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

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** The App's webhook deliveries (GET /app/hook/deliveries lists them newest first, by id). */
  readonly hookDeliveries: FakeHookDelivery[] = [];
  /** Delivery ids whose redelivery was asked (POST /app/hook/deliveries/:id/attempts), in order. */
  readonly redeliveries: number[] = [];
  /** How a redelivery's own attempt, added to hookDeliveries, ends. Default: OK. */
  redeliveryOutcome: { status: string; status_code: number } = { status: "OK", status_code: 200 };
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
        body: text ? JSON.parse(text) : undefined,
        params,
        auth,
      });
      return send(out.status ?? 200, out.body, out.headers, out.delayMs);
    }
    for (const fallback of this.#fallbacks) {
      const answer = fallback(req.method ?? "GET", path + url.search, text ? JSON.parse(text) : undefined);
      if (answer) return send(answer[0], answer[1], answer[2]);
    }
    return send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  }
}
