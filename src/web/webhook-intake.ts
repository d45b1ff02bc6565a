// POST /api/github/webhooks: GitHub's deliveries, verified and stored before they are answered.
//
// The rule is "verified and stored, then 200". Nothing is answered before the whole body has
// arrived and its signature matched; nothing unverified is stored or logged beyond bounded
// metadata; a body larger than GitHub's 25 MB cap is refused as soon as that is known, without
// being buffered whole; a body that does not arrive in time is refused with 408.

import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { logEnqueued } from "../inbox/intake.js";
import { checkPayloadShape, type PayloadShape } from "../inbox/payload.js";
import type { Enqueued, NewDelivery } from "../store/types.js";

export const WEBHOOK_PATH = "/api/github/webhooks";

/** GitHub caps webhook payloads at 25 MB (docs: "Webhook events and payloads"). */
export const GITHUB_MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

export interface IntakeOptions {
  secret: string;
  /** Stores a verified delivery; resolves once it is durable (`requeued`: it had failed, and goes again). */
  store(delivery: NewDelivery): Promise<Enqueued>;
  /** Called after a new delivery was stored, or a failed one requeued (wakes the worker). */
  stored?(delivery: NewDelivery): void;
  log: Pick<Logger, "info" | "warn" | "error">;
  now: () => number;
  /** Largest body accepted (default GitHub's 25 MB cap). */
  maxBodyBytes?: number;
  /** Time allowed for the whole body to arrive, from the request's start (default 10 s, GitHub's own timeout). */
  bodyTimeoutMs?: number;
  /** Bytes of bodies buffered at once, all requests together; beyond it new ones get 503 (default 100 MB). */
  maxBufferedBytes?: number;
  /** True while the process stops: new deliveries get 503 so that GitHub shows them as failed. */
  draining?: () => boolean;
}

/** What the intake answers, and why; every refusal names what was wrong. */
export type IntakeOutcome =
  | "stored"
  | "duplicate"
  | "method not allowed"
  | "missing header"
  | "bad header"
  | "unsupported content type"
  | "too large"
  | "timeout"
  | "aborted"
  | "busy"
  | "draining"
  | "bad signature"
  | "bad payload"
  | "ledger unavailable";

const tooLarge = (max: number) =>
  max === GITHUB_MAX_PAYLOAD_BYTES
    ? `the body exceeds GitHub's webhook payload cap of 25 MB (${max} bytes)`
    : `the body exceeds ${max} bytes`;

const EVENT_NAME = /^[a-z][a-z_]{0,63}$/;
// GitHub's delivery ids are GUIDs; accept any short visible ASCII id, never an empty one.
const DELIVERY_ID = /^[\x21-\x7e]{1,128}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/** A header value for the log: bounded and printable, whatever was sent. */
const loggable = (value: unknown, max = 80): string | undefined => {
  if (typeof value !== "string") return undefined;
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
};

/**
 * Logs refused requests, at most `burst` per `windowMs`; what is held back is counted and
 * reported in one line when the window ends, so a flood of forgeries cannot fill the disk.
 */
export class RejectionLog {
  #windowStart = 0;
  #logged = 0;
  #suppressed = 0;
  constructor(
    readonly log: Pick<Logger, "warn">,
    readonly now: () => number,
    readonly burst = 20,
    readonly windowMs = 60_000,
  ) {}

  write(fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    if (t - this.#windowStart >= this.windowMs) {
      if (this.#suppressed > 0) {
        this.log.warn({ suppressed: this.#suppressed }, "webhooks: more refused requests were not logged");
      }
      this.#windowStart = t;
      this.#logged = 0;
      this.#suppressed = 0;
    }
    if (this.#logged < this.burst) {
      this.#logged++;
      this.log.warn(fields, message);
    } else {
      this.#suppressed++;
    }
  }
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly outcome: IntakeOutcome,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The webhook route as a Node handler: true when it answered the request. */
export function createWebhookIntake(options: IntakeOptions) {
  const maxBody = options.maxBodyBytes ?? GITHUB_MAX_PAYLOAD_BYTES;
  const timeoutMs = options.bodyTimeoutMs ?? 10_000;
  const maxBuffered = options.maxBufferedBytes ?? 100 * 1024 * 1024;
  const rejections = new RejectionLog(options.log, options.now);
  let buffered = 0;

  return async function webhookIntake(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url ?? "";
    const path = url.indexOf("?") === -1 ? url : url.slice(0, url.indexOf("?"));
    if (path !== WEBHOOK_PATH) return false;

    const meta = {
      delivery: loggable(req.headers["x-github-delivery"]),
      event: loggable(req.headers["x-github-event"]),
      length: loggable(req.headers["content-length"], 20),
      remote: req.socket.remoteAddress,
    };
    let reserved = 0;
    try {
      const head = readHeaders(req);
      if (options.draining?.()) {
        throw new Refusal(503, "draining", "the app is shutting down; redeliver this delivery", {
          "retry-after": "10",
        });
      }
      const declared = head.length ?? 0;
      if (declared > maxBody) {
        throw new Refusal(413, "too large", tooLarge(maxBody));
      }
      // Memory is reserved as bytes arrive, never for what a request only declares: headers
      // declaring 25 MB, sent by anyone (no signature is checked before the body), must not fill
      // the budget and turn GitHub's deliveries away as "busy".
      const grow = (bytes: number) => {
        if (bytes <= reserved) return;
        const more = bytes - reserved;
        if (buffered + more > maxBuffered) {
          throw new Refusal(503, "busy", "too many large deliveries in progress; try again", { "retry-after": "5" });
        }
        buffered += more;
        reserved = bytes;
      };
      const { body, digest } = await readBody(req, { maxBody, timeoutMs, secret: options.secret, grow });
      if (!timingSafeEqual(digest, head.signature)) {
        throw new Refusal(401, "bad signature", "signature does not match the body and the webhook secret");
      }
      const shape = checkPayloadShape(body);
      if (!shape.ok) throw new Refusal(400, "bad payload", shape.error);
      const delivery = toDelivery(head, shape, options.now());
      let result: Enqueued;
      try {
        result = await options.store(delivery);
      } catch (error) {
        options.log.error(
          { ...meta, error: describeStoreError(error) },
          "webhooks: cannot store a verified delivery; answered 503 so that it can be redelivered",
        );
        throw new Refusal(503, "ledger unavailable", "the ledger is unavailable; redeliver this delivery later", {
          "retry-after": "30",
        });
      }
      if (result.inserted || result.requeued) options.stored?.(delivery);
      logEnqueued(options.log, delivery.id, result);
      answer(res, 200, { ok: true, stored: result.inserted ? "new" : result.requeued ? "requeued" : "duplicate" });
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      if (error.outcome !== "ledger unavailable") {
        rejections.write({ ...meta, status: error.status, reason: error.message }, "webhooks: request refused");
      }
      answer(res, error.status, { error: error.message }, error.headers);
      // The rest of a refused body is read and dropped, never kept, for a short while, so that the
      // sender reads the answer (closing on unread data would reset the connection, answer and all).
      if (!req.complete) discardRest(req);
    } finally {
      buffered -= reserved;
    }
    return true;
  };
}

interface DeliveryHead {
  id: string;
  event: string;
  signature: Buffer;
  length: number | undefined;
}

function readHeaders(req: IncomingMessage): DeliveryHead {
  if (req.method !== "POST") {
    throw new Refusal(405, "method not allowed", "webhooks are delivered with POST", { allow: "POST" });
  }
  const event = req.headers["x-github-event"];
  const id = req.headers["x-github-delivery"];
  const signature = req.headers["x-hub-signature-256"];
  if (typeof event !== "string" || event === "") throw new Refusal(400, "missing header", "X-GitHub-Event is missing");
  if (!EVENT_NAME.test(event)) throw new Refusal(400, "bad header", "X-GitHub-Event is not an event name");
  if (typeof id !== "string" || id === "")
    throw new Refusal(400, "missing header", "X-GitHub-Delivery is missing or empty");
  if (!DELIVERY_ID.test(id)) {
    throw new Refusal(400, "bad header", "X-GitHub-Delivery must be 1 to 128 visible ASCII characters");
  }
  if (typeof signature !== "string" || signature === "") {
    throw new Refusal(400, "missing header", "X-Hub-Signature-256 is missing (set a webhook secret on the GitHub App)");
  }
  const hex = SIGNATURE.exec(signature)?.[1];
  if (!hex) throw new Refusal(400, "bad header", "X-Hub-Signature-256 is not sha256=<64 hex digits>");
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new Refusal(
      415,
      "unsupported content type",
      "Content-Type must be application/json (set the webhook's content type to application/json)",
    );
  }
  const lengthHeader = req.headers["content-length"];
  let length: number | undefined;
  if (lengthHeader !== undefined) {
    if (!/^\d{1,15}$/.test(lengthHeader)) throw new Refusal(400, "bad header", "Content-Length is not a number");
    length = Number(lengthHeader);
  }
  return { id, event, signature: Buffer.from(hex, "hex"), length };
}

/**
 * Reads the body while computing its HMAC, within a byte cap and a deadline. Rejects with a
 * Refusal (413, 408, or 400 when the sender gave up half-way); never buffers past the cap.
 */
function readBody(
  req: IncomingMessage,
  limits: { maxBody: number; timeoutMs: number; secret: string; grow(bytes: number): void },
): Promise<{ body: Buffer; digest: Buffer }> {
  return new Promise((resolve, reject) => {
    const hmac = createHmac("sha256", limits.secret);
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: Refusal | null, value?: { body: Buffer; digest: Buffer }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("aborted", onAborted);
      req.off("close", onClose);
      req.off("error", onError);
      if (error) {
        // Stop buffering what is still arriving; the refusal drops the rest (discardRest).
        req.pause();
        chunks.length = 0;
        reject(error);
      } else resolve(value as { body: Buffer; digest: Buffer });
    };
    const timer = setTimeout(
      () => finish(new Refusal(408, "timeout", `the body did not arrive within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBody) {
        finish(new Refusal(413, "too large", tooLarge(limits.maxBody)));
        return;
      }
      try {
        limits.grow(size);
      } catch (error) {
        finish(error as Refusal);
        return;
      }
      hmac.update(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => finish(null, { body: Buffer.concat(chunks, size), digest: hmac.digest() });
    const onAborted = () => finish(new Refusal(400, "aborted", "the body ended before Content-Length bytes arrived"));
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    const onError = () => onAborted();
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("aborted", onAborted);
    req.on("close", onClose);
    req.on("error", onError);
  });
}

function toDelivery(head: DeliveryHead, shape: PayloadShape, receivedAt: number): NewDelivery {
  return {
    id: head.id,
    event: head.event,
    action: shape.action,
    installationId: shape.installationId,
    repositoryId: shape.repositoryId,
    repositoryFullName: shape.repositoryFullName,
    receivedAt,
    // The verified text as received: never re-serialised.
    payload: shape.text,
  };
}

/** Reads and drops what is left of a body, at most `lingerMs`; then the connection is closed. */
function discardRest(req: IncomingMessage, lingerMs = 2_000): void {
  const timer = setTimeout(() => req.socket.destroy(), lingerMs);
  timer.unref();
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
  req.on("data", () => {});
  req.resume();
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/**
 * A storage failure for the log: the driver's own message and code, bounded. Never drizzle's
 * "Failed query: … params: …" text, which would copy the whole payload into the log.
 */
export function describeStoreError(error: unknown): string {
  const e = error as { message?: unknown; cause?: { message?: unknown; code?: unknown } };
  const cause = e?.cause;
  const base =
    cause && typeof cause.message === "string"
      ? `${cause.message}${typeof cause.code === "string" ? ` (${cause.code})` : ""}`
      : typeof e?.message === "string"
        ? (e.message.split("\nparams:")[0]?.replace(/^Failed query: [\s\S]*/, "query failed") ?? "error")
        : String(error);
  return base.length > 300 ? `${base.slice(0, 300)}…` : base;
}
