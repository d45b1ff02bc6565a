// The app's own HTTP server: the webhook intake, the API, /healthz, and nothing else.
//
// Probot's Server puts @octokit/webhooks' middleware in front of every route; that middleware
// answers 202 before a slow body has arrived or been verified, and logs refused bodies whole.
// Shipledger serves its routes itself, with bounded header and request times, a bounded access
// log (debug level: a flood of refused requests must not flood the log), and a drain on stop.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface HttpServerOptions {
  host: string;
  port: number;
  log: Pick<Logger, "info" | "warn" | "error" | "debug" | "isLevelEnabled">;
  /** A request (headers and body) must complete within this time; Node answers 408 past it. */
  requestTimeoutMs?: number;
}

export interface HttpServer {
  readonly server: Server;
  /** The address it listens on, once started. */
  readonly url: string;
  use(handler: RouteHandler): void;
  start(): Promise<void>;
  /** Stops accepting connections, closes idle ones, and waits up to `graceMs` for the rest. */
  stop(graceMs: number): Promise<void>;
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const handlers: RouteHandler[] = [];
  const server = createServer(async (req, res) => {
    // The access log is at debug level: nothing is built for it on the hot path when that is off.
    if (options.log.isLevelEnabled("debug")) {
      const started = process.hrtime.bigint();
      res.once("finish", () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const path = (req.url ?? "").split("?")[0]?.slice(0, 200);
        options.log.debug(`${req.method} ${path} ${res.statusCode} - ${ms.toFixed(1)}ms`);
      });
    }
    try {
      for (const handler of handlers) if (await handler(req, res)) return;
      send(res, 404, { error: "not found" });
    } catch (error) {
      const e = error as Error;
      options.log.error({ error: `${e?.name}: ${String(e?.message).slice(0, 300)}` }, "http: request failed");
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.end();
    }
  });
  // Slow-loris guards: the whole request, headers included, has a deadline.
  server.headersTimeout = Math.min(options.requestTimeoutMs ?? 60_000, 20_000);
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  let url = "";

  return {
    server,
    get url() {
      return url;
    },
    use(handler) {
      handlers.push(handler);
    },
    start() {
      return new Promise((resolve, reject) => {
        server.once("error", (error: NodeJS.ErrnoException) => {
          if (error.code === "EADDRINUSE") {
            reject(new Error(`port ${options.port} is already in use; set PORT to another port`));
          } else reject(error);
        });
        server.listen({ port: options.port, host: options.host }, () => {
          const address = server.address() as AddressInfo;
          const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
          url = `http://${host}:${address.port}`;
          options.log.info(`Listening on ${url}`);
          resolve();
        });
      });
    },
    stop(graceMs) {
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          server.closeAllConnections();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(`${JSON.stringify(body)}\n`);
}
