// Real OTLP exports, made by the OpenTelemetry SDK for JS as a coding agent makes them: a
// MeterProvider with an OTLP/HTTP exporter (protobuf or JSON, gzip or not, delta or cumulative),
// pointed at a URL. `captureExports` is a loopback server that keeps what arrives, for tests of the
// decoding core; end-to-end tests point the exporter at the app itself, through `startRelay`, which
// stands for the network (and can refuse an export, or lose the app's answer).

import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Counter } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";

export interface AgentExporterOptions {
  url: string;
  token?: string;
  encoding?: "protobuf" | "json";
  gzip?: boolean;
  temporality?: "delta" | "cumulative";
  /** Resource attributes, e.g. service.name. */
  resource?: Record<string, string>;
  /** The exporter's deadline for one export, retries included (OTEL_EXPORTER_OTLP_TIMEOUT; SDK default 10 s). */
  timeoutMillis?: number;
}

/** A coding agent's meter: counters by name, `flush()` exports what was added since the last flush. */
export interface AgentMeter {
  counter(name: string, unit?: string): Counter;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function agentMeter(options: AgentExporterOptions): AgentMeter {
  const common = {
    url: options.url,
    headers: (options.token ? { Authorization: `Bearer ${options.token}` } : {}) as Record<string, string>,
    compression: (options.gzip ? "gzip" : "none") as never,
    temporalityPreference:
      options.temporality === "cumulative" ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
    ...(options.timeoutMillis ? { timeoutMillis: options.timeoutMillis } : {}),
  };
  const exporter = options.encoding === "json" ? new JsonMetricExporter(common) : new ProtoMetricExporter(common);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(options.resource ?? { "service.name": "claude-code" }),
    readers: [reader],
  });
  const meter = provider.getMeter("com.anthropic.claude_code");
  const counters = new Map<string, Counter>();
  return {
    counter(name, unit) {
      let counter = counters.get(name);
      if (!counter) {
        counter = meter.createCounter(name, unit ? { unit } : {});
        counters.set(name, counter);
      }
      return counter;
    },
    flush: () => reader.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Codex's log events: `emit(attributes)` records one, `flush()` exports them. */
export function agentLogger(options: AgentExporterOptions) {
  const exporter = new OTLPLogExporter({
    url: options.url,
    headers: (options.token ? { Authorization: `Bearer ${options.token}` } : {}) as Record<string, string>,
    compression: (options.gzip ? "gzip" : "none") as never,
  });
  const processor = new BatchLogRecordProcessor(exporter, { scheduledDelayMillis: 3_600_000 });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(options.resource ?? { "service.name": "codex_cli_rs" }),
    processors: [processor],
  });
  const logger = provider.getLogger("codex_otel");
  return {
    emit(attributes: Record<string, string | number>, time = new Date()) {
      logger.emit({ attributes, timestamp: time, body: "" });
    },
    flush: () => processor.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

export interface CapturedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A loopback server that answers 200 to everything and keeps each request. */
export async function captureExports() {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": req.headers["content-type"] ?? "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---- the network between an exporter and the app ---------------------------------------------

export interface Exchange {
  path: string;
  /** The request's content-type, content-encoding, authorization and user-agent. */
  request: Record<string, string>;
  body: Buffer;
  /** The answer's status: the app's, or the relay's own (onRequest); null when there was none. */
  status: number | null;
  headers: Record<string, string>;
  /** Answered by the relay itself (onRequest), never forwarded to the app. */
  refused?: boolean;
}

/**
 * The network between the exporter and the app: forwards each request to `target` and its answer
 * back, and keeps both. `onRequest` may answer a request itself without forwarding it (a proxy's
 * 503); `onAnswer` may hold the app's answer, or lose it (the connection drops after the app has
 * answered: the exporter never learns of the acknowledgement).
 */
export async function startRelay() {
  const exchanges: Exchange[] = [];
  const relay = {
    target: "",
    exchanges,
    onRequest: null as null | ((e: Exchange) => { status: number; headers?: Record<string, string> } | null),
    onAnswer: null as null | ((e: Exchange) => Promise<"pass" | "lose">),
    url: "",
    server: null as Server | null,
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const exchange: Exchange = {
      path: req.url ?? "",
      request: forwarded(req.headers),
      body: Buffer.concat(chunks),
      status: null,
      headers: {},
    };
    exchanges.push(exchange);
    const own = relay.onRequest?.(exchange);
    if (own) {
      exchange.status = own.status;
      exchange.headers = own.headers ?? {};
      exchange.refused = true;
      return void res.writeHead(own.status, exchange.headers).end();
    }
    try {
      const answer = await fetch(`${relay.target}${exchange.path}`, {
        method: req.method ?? "POST",
        headers: exchange.request,
        body: exchange.body,
      });
      const data = Buffer.from(await answer.arrayBuffer());
      exchange.status = answer.status;
      answer.headers.forEach((value, name) => {
        exchange.headers[name] = value;
      });
      if ((await relay.onAnswer?.(exchange)) === "lose") return void req.socket.destroy();
      res.writeHead(answer.status, exchange.headers).end(data);
    } catch {
      // The app is down: the exporter sees its connection reset, as it would.
      req.socket.destroy();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  relay.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  relay.server = server;
  return relay;
}

function forwarded(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["content-type", "content-encoding", "authorization", "user-agent"]) {
    const value = headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

export type Relay = Awaited<ReturnType<typeof startRelay>>;
