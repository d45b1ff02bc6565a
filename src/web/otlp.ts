// The OpenTelemetry endpoint: OTLP/HTTP `POST /v1/metrics` and `POST /v1/logs`, so that coding
// agents export their spend straight to the app (OTEL_EXPORTER_OTLP_ENDPOINT=https://…,
// OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer <ingest token>).
//
// - Authenticated with an ingest token (`shipledger costs token create`): it writes the spend of
//   its installation and reads nothing, not even whether another token exists. The token is
//   checked before the body is read, so an unauthenticated sender costs no decoding.
// - Bounded: the body as sent and as inflated (src/spend/otlp.ts), the points of one request and
//   the sessions of an installation's day (src/ledger/record-spend.ts).
// - Answers as OTLP/HTTP says: 200 with an Export…ServiceResponse (partial_success when points
//   were refused) once what was accepted is stored — acknowledged means stored; 400/401/403/413/415
//   (not retryable) with a google.rpc.Status; 503 with Retry-After when the ledger cannot store
//   (the exporter retries, and a resent point is stored once).
// - Logs counts and reasons, never a token, a body or an attribute.

import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import {
  DEFAULT_SPEND_LIMITS,
  recordSpend,
  type SpendLimits,
  type SpendRecorded,
  TooManyPoints,
} from "../ledger/record-spend.js";
import {
  DEFAULT_OTLP_BODY_LIMITS,
  decodeOtlpRequest,
  encodeOtlpResponse,
  encodeOtlpStatus,
  inflateOtlpBody,
  type OtlpBodyLimits,
  type OtlpEncoding,
  OtlpRefusal,
  type OtlpSignal,
  otlpEncoding,
} from "../spend/otlp.js";
import { type UsageExtract, usageFromLogs, usageFromMetrics } from "../spend/usage.js";
import type { Store } from "../store/types.js";
import { describeStoreError } from "./webhook-intake.js";

export interface OtlpDeps {
  store: Store;
  log: Pick<Logger, "info" | "warn" | "debug">;
  now: () => number;
  body?: Partial<OtlpBodyLimits>;
  spend?: Partial<SpendLimits>;
  /** Most time the body may take to arrive. */
  timeoutMs?: number;
}

const PATHS: Record<string, OtlpSignal> = { "/v1/metrics": "metrics", "/v1/logs": "logs" };
/**
 * What a 503 asks the exporter to wait. OpenTelemetry's SDK exporters give one export 10 s, retries
 * included (OTEL_EXPORTER_OTLP_TIMEOUT), and do not retry at all when Retry-After lies beyond that
 * deadline: a delta export (Claude Code's default) is then dropped. 2 s leaves them a few retries.
 */
const RETRY_AFTER_SECONDS = 2;
/** A token's last use is written at most this often (a busy exporter must not write per request). */
const TOUCH_EVERY_MS = 60_000;

export function createOtlpHandler(deps: OtlpDeps) {
  const bodyLimits = { ...DEFAULT_OTLP_BODY_LIMITS, ...deps.body };
  const spendLimits = { ...DEFAULT_SPEND_LIMITS, ...deps.spend };
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const touched = new Map<number, number>();

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const signal = PATHS[path.replace(/\/+$/, "")];
    if (!signal) return false;
    const encoding = otlpEncoding(req.headers["content-type"]);
    const fail = (status: number, message: string, headers: Record<string, string> = {}) => {
      deps.log.debug({ status, signal }, `otlp: ${message}`);
      refuse(req, res, status, encodeOtlpStatus(status, message, encoding), encoding, headers);
      return true;
    };

    if (req.method !== "POST") return fail(405, "only POST", { allow: "POST" });
    const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!presented)
      return fail(401, "an ingest token is required (Authorization: Bearer …)", {
        "www-authenticate": 'Bearer realm="shipledger-otlp"',
      });
    let token: Awaited<ReturnType<Store["spend"]["findIngestToken"]>>;
    try {
      token = await deps.store.spend.findIngestToken(hashToken(presented));
    } catch (error) {
      deps.log.warn({ error: describeStoreError(error) }, "otlp: the ledger cannot be read; asked to retry");
      return fail(503, "the ledger is unavailable; retry later", { "retry-after": String(RETRY_AFTER_SECONDS) });
    }
    if (!token || token.revokedAt !== null) {
      return fail(401, "the ingest token is not valid", {
        "www-authenticate": 'Bearer realm="shipledger-otlp", error="invalid_token"',
      });
    }
    // An uninstalled app keeps no one's spend: the token dies with its installation (read with it).
    if (!token.installed) {
      return fail(401, "the ingest token's installation is gone (the app was uninstalled)", {
        "www-authenticate": 'Bearer realm="shipledger-otlp", error="invalid_token"',
      });
    }
    if (!encoding) return fail(415, "Content-Type must be application/x-protobuf or application/json");

    let readings: UsageExtract;
    try {
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > bodyLimits.maxBodyBytes)
        throw new OtlpRefusal(413, `the request body is larger than ${bodyLimits.maxBodyBytes} bytes`);
      const raw = await readBody(req, bodyLimits.maxBodyBytes, timeoutMs);
      const body = await inflateOtlpBody(raw, req.headers["content-encoding"], bodyLimits);
      const request = decodeOtlpRequest(signal, body, encoding, spendLimits.maxPointsPerRequest);
      readings = signal === "metrics" ? usageFromMetrics(request) : usageFromLogs(request);
    } catch (error) {
      if (error instanceof OtlpRefusal) return fail(error.status, error.message);
      throw error;
    }

    const now = deps.now();
    let recorded: SpendRecorded;
    try {
      recorded = await recordSpend(deps.store, token.installationId, readings.readings, now, spendLimits);
      if (now - (touched.get(token.id) ?? 0) >= TOUCH_EVERY_MS) {
        touched.set(token.id, now);
        await deps.store.spend.touchIngestToken(token.id, now);
      }
    } catch (error) {
      if (error instanceof TooManyPoints) return fail(413, error.message);
      deps.log.warn(
        { error: describeStoreError(error), installation: token.installationId },
        "otlp: spend not stored; asked to retry",
      );
      return fail(503, "the ledger could not store the data; retry later", {
        "retry-after": String(RETRY_AFTER_SECONDS),
      });
    }

    const refused = readings.rejected + recorded.refused;
    const reasons = [...readings.reasons, ...recorded.reasons];
    deps.log.debug(
      {
        installation: token.installationId,
        signal,
        stored: recorded.stored,
        duplicates: recorded.duplicates,
        refused,
        skipped: readings.skipped,
      },
      "otlp: spend received",
    );
    const partial = refused > 0 ? { rejected: refused, errorMessage: reasons.join("; ").slice(0, 500) } : null;
    reply(res, 200, encodeOtlpResponse(signal, encoding, partial), encoding);
    return true;
  };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function reply(
  res: ServerResponse,
  status: number,
  body: Buffer,
  encoding: OtlpEncoding | null,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...responseHeaders(encoding, body), ...headers });
  res.end(body);
}

function responseHeaders(encoding: OtlpEncoding | null, body: Buffer): Record<string, string> {
  return {
    "content-type": encoding === "json" ? "application/json" : "application/x-protobuf",
    "content-length": String(body.length),
    "cache-control": "no-store",
  };
}

const LINGER_MS = 3_000;
const LINGER_BYTES = 64 * 1024 * 1024;

/** The body, within a byte cap and a deadline; a refusal (413, 408, 400) otherwise. */
function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("close", onClose).off("error", onClose);
      if (error) {
        req.pause();
        chunks.length = 0;
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(new OtlpRefusal(413, `the request body is larger than ${maxBytes} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onClose = () => {
      if (!req.complete) finish(new OtlpRefusal(400, "the body ended before it was complete"));
    };
    const timer = setTimeout(
      () => finish(new OtlpRefusal(408, `the body did not arrive within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on("data", onData).on("end", onEnd).on("close", onClose).on("error", onClose);
  });
}

/**
 * A refusal. When the body has not all arrived, the answer is written whole but the response is
 * ended (and the connection closed) only once the client has sent the rest, stopped sending, or
 * after LINGER_MS or LINGER_BYTES: closing at once a connection the client still writes to resets
 * it, and a reset can discard the refusal before the client reads it.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: Buffer,
  encoding: OtlpEncoding | null,
  headers: Record<string, string>,
): void {
  if (req.complete || res.headersSent) {
    reply(res, status, body, encoding, headers);
    return;
  }
  res.writeHead(status, { ...responseHeaders(encoding, body), ...headers, connection: "close" });
  res.write(body);
  let discarded = 0;
  const done = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(() => {
    done();
    req.socket.destroy();
  }, LINGER_MS);
  timer.unref();
  req.once("end", done);
  req.once("close", done);
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) {
      done();
      req.socket.destroy();
    }
  });
  req.resume();
}
