// Real OTLP exports, made by the OpenTelemetry SDK for JS as a coding agent makes them: a
// MeterProvider with an OTLP/HTTP exporter (protobuf or JSON, gzip or not, delta or cumulative),
// pointed at a URL. `captureExports` is a loopback server that keeps what arrives, for tests of the
// decoding core; end-to-end tests point the exporter at the app itself.

import { createServer, type IncomingHttpHeaders } from "node:http";
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
