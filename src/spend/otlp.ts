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
 * lowerCamelCase, as OTLP/JSON writes them), from a body already inflated.
 */
export function decodeOtlpRequest(signal: OtlpSignal, body: Buffer, encoding: OtlpEncoding): Record<string, unknown> {
  const type = REQUEST[signal];
  let message: object;
  if (encoding === "protobuf") {
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
    // OTLP/JSON is protobuf's JSON mapping: fromObject takes lowerCamelCase names, 64-bit integers as
    // strings or numbers and enums as numbers, and names the first field of the wrong type.
    try {
      message = type.fromObject(json);
    } catch (error) {
      throw new OtlpRefusal(400, `the JSON body is not an OTLP ${signal} export request: ${reason(error)}`);
    }
  }
  return type.toObject(message, AS_OBJECT);
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
