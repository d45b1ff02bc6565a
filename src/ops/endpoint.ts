// GET /metrics/ops: the service's own metrics (src/ops/metrics.ts), for its operators only.
//
// They span every installation (the inbox's backlog, each installation's GitHub rate limit), so
// they are not on /metrics, whose API tokens each read only their owners' figures: they need a
// token from OPS_TOKENS, and are off without one.

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { OpsMetrics } from "./metrics.js";

export const OPS_METRICS_PATH = "/metrics/ops";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** `ops` null: the endpoint is off (no OPS_TOKENS), and says so. */
export function createOpsMetricsHandler(ops: { metrics: OpsMetrics; tokens: string[] } | null) {
  const tokens = (ops?.tokens ?? []).map(digest);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== OPS_METRICS_PATH) return false;
    const json = (status: number, body: unknown) => {
      res
        .writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
        .end(`${JSON.stringify(body)}\n`);
      return true;
    };
    if (!ops || tokens.length === 0) return json(404, { error: "operational metrics are off: set OPS_TOKENS" });
    if (req.method !== "GET") return json(405, { error: "only GET" });
    // As /metrics: a bearer token, compared in constant time with each configured one.
    const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const hash = presented ? digest(presented) : null;
    let allowed = false;
    for (const token of tokens) if (hash && timingSafeEqual(hash, token)) allowed = true;
    if (!allowed) {
      res.setHeader("www-authenticate", 'Bearer realm="shipledger-ops"');
      return json(401, { error: "a valid operations token (OPS_TOKENS) is required" });
    }
    try {
      const { text, contentType } = await ops.metrics.expose();
      res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(text);
    } catch {
      // The ledger is unreachable: say so without details (they are the ledger's, not the scraper's).
      json(503, { error: "metrics unavailable: the ledger cannot be read" });
    }
    return true;
  };
}
