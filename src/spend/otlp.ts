// OTLP/HTTP request bodies in, OTLP messages out (https://opentelemetry.io/docs/specs/otlp/#otlphttp):
// binary protobuf (`application/x-protobuf`) or JSON (`application/json`), optionally gzip-encoded,
// decoded with the protocol's official message definitions (protobufjs code generated from the
// opentelemetry-proto files, as shipped by @opentelemetry/otlp-transformer). Pure: bytes in, data
// or a refusal out; the HTTP route (src/web/otlp.ts) only moves bytes and statuses.
//
// A refusal carries the status OTLP/HTTP prescribes: 415 for a media type or encoding this does not
// speak, 413 for a body over the limits, 400 for one that does not decode (not retryable: the
// exporter must drop it). The error body is a google.rpc.Status in the request's own encoding.

import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import otlp from "@opentelemetry/otlp-transformer/build/src/generated/root.js";
import protobuf from "protobufjs/minimal.js";

const gunzipAsync = promisify(gunzip);

export type OtlpSignal = "metrics" | "logs";
export type OtlpEncoding = "protobuf" | "json";

export interface OtlpBodyLimits {
  /** Most bytes a request body may have as sent (compressed or not). */
  maxBodyBytes: number;
  /** Most bytes a gzip body may inflate to: a small bomb must not fill the memory. */
  maxDecodedBytes: number;
}

export const DEFAULT_OTLP_BODY_LIMITS: OtlpBodyLimits = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
});

export class OtlpRefusal extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "OtlpRefusal";
  }
}

const messages = otlp.opentelemetry.proto.collector;
const REQUEST = {
  metrics: messages.metrics.v1.ExportMetricsServiceRequest,
  logs: messages.logs.v1.ExportLogsServiceRequest,
};
const RESPONSE = {
  metrics: messages.metrics.v1.ExportMetricsServiceResponse,
  logs: messages.logs.v1.ExportLogsServiceResponse,
};

/** The encoding a Content-Type names, or null for one OTLP/HTTP does not define. */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return null;
}

/**
 * The body as sent, inflated when gzip. `contentEncoding` is the header's value; identity (or none)
 * and gzip are what OTLP exporters send.
 */
export async function inflateOtlpBody(
  body: Buffer,
  contentEncoding: string | undefined,
  limits: OtlpBodyLimits = DEFAULT_OTLP_BODY_LIMITS,
): Promise<Buffer> {
  if (body.length > limits.maxBodyBytes) {
    throw new OtlpRefusal(413, `the request body is larger than ${limits.maxBodyBytes} bytes`);
  }
  const encoding = (contentEncoding ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return body;
  if (encoding !== "gzip") {
    throw new OtlpRefusal(
      415,
      `Content-Encoding ${JSON.stringify(encoding.slice(0, 40))} is not supported: send gzip or none`,
    );
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: limits.maxDecodedBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new OtlpRefusal(413, `the gzip body inflates to more than ${limits.maxDecodedBytes} bytes`);
    }
    throw new OtlpRefusal(400, "the body is not valid gzip");
  }
}

/** What toObject gives: 64-bit integers as decimal strings (no precision lost), enums as numbers. */
const AS_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false, arrays: true } as const;

/**
 * An ExportMetricsServiceRequest or ExportLogsServiceRequest as plain data (field names in
 * lowerCamelCase, as OTLP/JSON writes them), from a body already inflated. A request of more than
 * `maxItems` data points (metrics, of any metric) or log records is refused (413) before it is
 * decoded: an empty point is 2 bytes of protobuf, so 16 MiB could be millions of objects to build.
 */
export function decodeOtlpRequest(
  signal: OtlpSignal,
  body: Buffer,
  encoding: OtlpEncoding,
  maxItems = Number.POSITIVE_INFINITY,
): Record<string, unknown> {
  const type = REQUEST[signal];
  // The wire count stops just past the limit ("or more"); the JSON one is exact.
  const tooMany = (count: number, exact: boolean) =>
    new OtlpRefusal(
      413,
      `the request carries more than ${maxItems} ${signal === "metrics" ? "data points" : "log records"} (${count}${exact ? "" : " or more"})`,
    );
  let message: object;
  if (encoding === "protobuf") {
    const count = countWireItems(body, ITEM_PATH[signal], maxItems);
    if (count > maxItems) throw tooMany(count, false);
    try {
      message = type.decode(body);
    } catch (error) {
      throw new OtlpRefusal(400, `the protobuf body is not an OTLP ${signal} export request: ${reason(error)}`);
    }
  } else {
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new OtlpRefusal(400, "the JSON body does not parse");
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new OtlpRefusal(400, `the JSON body is not an OTLP ${signal} export request (an object is expected)`);
    }
    const count = countJsonItems(signal, json);
    if (count > maxItems) throw tooMany(count, true);
    // OTLP/JSON is protobuf's JSON mapping: fromObject takes lowerCamelCase names, 64-bit integers as
    // strings or numbers and enums as numbers, and names the first field of the wrong type.
    try {
      message = type.fromObject(json);
    } catch (error) {
      throw new OtlpRefusal(400, `the JSON body is not an OTLP ${signal} export request: ${reason(error)}`);
    }
  }
  try {
    return type.toObject(message, AS_OBJECT);
  } catch (error) {
    // A value nested thousands of levels deep decodes, and overflows the stack here.
    throw new OtlpRefusal(400, `the ${encoding} body is not an OTLP ${signal} export request: ${reason(error)}`);
  }
}

/**
 * Where the items sit in each request, as protobuf field numbers from the message down:
 * resource_metrics (1) → scope_metrics (2) → metrics (2) → gauge (5), sum (7), histogram (9),
 * exponential_histogram (10) or summary (11) → data_points (1); resource_logs (1) → scope_logs (2)
 * → log_records (2).
 */
const ITEM_PATH: Record<OtlpSignal, ReadonlyArray<ReadonlySet<number>>> = {
  metrics: [new Set([1]), new Set([2]), new Set([2]), new Set([5, 7, 9, 10, 11]), new Set([1])],
  logs: [new Set([1]), new Set([2]), new Set([2])],
};

/**
 * The items of a protobuf request, counted from its wire format without decoding it (lengths let
 * everything else be skipped), up to just past `max`. Malformed input stops the count: the
 * decoder names what is wrong with it.
 */
export function countWireItems(body: Uint8Array, path: ReadonlyArray<ReadonlySet<number>>, max: number): number {
  let count = 0;
  const walk = (start: number, end: number, depth: number): boolean => {
    const fields = path[depth] as ReadonlySet<number>;
    const leaf = depth === path.length - 1;
    let pos = start;
    while (pos < end) {
      const tag = varint(body, pos, end);
      if (tag === null) return false;
      pos = tag.next;
      const wire = tag.value % 8;
      const field = Math.floor(tag.value / 8);
      if (wire === 0) {
        const skipped = varint(body, pos, end);
        if (skipped === null) return false;
        pos = skipped.next;
      } else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const length = varint(body, pos, end);
        if (length === null || length.next + length.value > end) return false;
        pos = length.next;
        if (fields.has(field)) {
          if (leaf) {
            if (++count > max) return false;
          } else if (!walk(pos, pos + length.value, depth + 1)) return false;
        }
        pos += length.value;
      } else return false; // groups (3, 4) and unknown wire types: not OTLP
    }
    return true;
  };
  walk(0, body.length, 0);
  return count;
}

/** A base-128 varint at `pos` (at most 2^53: lengths and tags), or null when it runs past `end`. */
function varint(body: Uint8Array, pos: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < end && i < pos + 10; i++) {
    const byte = body[i] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value > Number.MAX_SAFE_INTEGER ? null : { value, next: i + 1 };
    scale *= 128;
  }
  return null;
}

/** The items of an OTLP/JSON request already parsed (lowerCamelCase or the proto's own names). */
function countJsonItems(signal: OtlpSignal, json: object): number {
  const list = (value: unknown, ...keys: string[]): unknown[] => {
    if (value === null || typeof value !== "object") return [];
    for (const key of keys) {
      const found = (value as Record<string, unknown>)[key];
      if (Array.isArray(found)) return found;
    }
    return [];
  };
  let count = 0;
  if (signal === "logs") {
    for (const r of list(json, "resourceLogs", "resource_logs"))
      for (const s of list(r, "scopeLogs", "scope_logs")) count += list(s, "logRecords", "log_records").length;
    return count;
  }
  const kinds = ["gauge", "sum", "histogram", "exponentialHistogram", "exponential_histogram", "summary"];
  for (const r of list(json, "resourceMetrics", "resource_metrics"))
    for (const s of list(r, "scopeMetrics", "scope_metrics"))
      for (const m of list(s, "metrics"))
        for (const kind of kinds)
          count += list((m as Record<string, unknown>)?.[kind], "dataPoints", "data_points").length;
  return count;
}

function reason(error: unknown): string {
  return String((error as Error)?.message ?? error).slice(0, 200);
}

export interface OtlpPartialSuccess {
  /** Points (metrics) or log records (logs) refused. */
  rejected: number;
  errorMessage: string;
}

/**
 * The success response's body, in the request's encoding: an empty Export…ServiceResponse, or one
 * with partial_success when some of the data was refused (OTLP: the client must not retry it).
 */
export function encodeOtlpResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  partial: OtlpPartialSuccess | null,
): Buffer {
  const rejectedField = signal === "metrics" ? "rejectedDataPoints" : "rejectedLogRecords";
  const body =
    partial === null
      ? {}
      : { partialSuccess: { [rejectedField]: String(partial.rejected), errorMessage: partial.errorMessage } };
  if (encoding === "json") {
    const json =
      partial === null
        ? {}
        : { partialSuccess: { [rejectedField]: partial.rejected, errorMessage: partial.errorMessage } };
    return Buffer.from(JSON.stringify(json));
  }
  const type = RESPONSE[signal];
  return Buffer.from(type.encode(type.fromObject(body)).finish());
}

/** gRPC status codes OTLP's errors use (google.rpc.Code). */
const RPC_CODE: Record<number, number> = {
  400: 3,
  405: 12,
  408: 4,
  401: 16,
  403: 7,
  404: 5,
  413: 8,
  415: 3,
  429: 8,
  500: 13,
  503: 14,
};

/**
 * A google.rpc.Status { code, message } for an error response, in the request's encoding (protobuf
 * when the encoding could not be told). The generated OTLP code does not include google.rpc, so its
 * two scalar fields are written with protobufjs's own writer.
 */
export function encodeOtlpStatus(httpStatus: number, message: string, encoding: OtlpEncoding | null): Buffer {
  const code = RPC_CODE[httpStatus] ?? 2; // UNKNOWN
  if (encoding === "json") return Buffer.from(JSON.stringify({ code, message }));
  const writer = protobuf.Writer.create();
  writer.uint32((1 << 3) | 0).int32(code); // field 1 (code), varint
  writer.uint32((2 << 3) | 2).string(message); // field 2 (message), length-delimited
  return Buffer.from(writer.finish());
}
