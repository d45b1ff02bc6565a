// What coding agents send the app, for the demo: OTLP/HTTP metric exports, encoded as binary
// protobuf with the protocol's own messages (the protobufjs code generated from opentelemetry-proto
// that src/spend/otlp.ts decodes with), shaped as the agents' OpenTelemetry SDKs shape them: a
// resource with `service.name`, one scope, monotonic Sums of doubles with `session.id` and `model`,
// delta temporality (Claude Code's default) or cumulative (the SDK's default, Gemini CLI's), each
// POSTed to /v1/metrics with an ingest token.
//
// Not the OpenTelemetry SDK itself: its packages are development dependencies (the tests export
// through the real SDK, test/helpers/otlp-export.ts, and check that these bodies read the same),
// and `npm run demo` runs on the app's own dependencies only.

import otlp from "@opentelemetry/otlp-transformer/build/src/generated/root.js";

const REQUEST = otlp.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

/** AggregationTemporality in OTLP. */
const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

export interface AgentPoint {
  /** The metric, e.g. claude_code.cost.usage. */
  metric: string;
  unit: string;
  attributes: Record<string, string>;
  /** The point's interval, ms since the epoch: for a cumulative point, start is the series' start. */
  startMs: number;
  timeMs: number;
  value: number;
}

export interface AgentExport {
  /** The agent's resource: service.name, service.version. */
  resource: Record<string, string>;
  /** The instrumentation scope, e.g. com.anthropic.claude_code. */
  scope: string;
  temporality: "delta" | "cumulative";
  points: AgentPoint[];
}

const attributes = (record: Record<string, string>) =>
  Object.entries(record).map(([key, value]) => ({ key, value: { stringValue: value } }));
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** An ExportMetricsServiceRequest as binary protobuf: one metric per name, its points in order. */
export function encodeMetricsExport(e: AgentExport): Uint8Array {
  const metrics = new Map<string, AgentPoint[]>();
  for (const point of e.points) metrics.set(point.metric, [...(metrics.get(point.metric) ?? []), point]);
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: attributes(e.resource) },
        scopeMetrics: [
          {
            scope: { name: e.scope },
            metrics: [...metrics].map(([name, points]) => ({
              name,
              unit: points[0]?.unit ?? "",
              sum: {
                aggregationTemporality: TEMPORALITY[e.temporality],
                isMonotonic: true,
                dataPoints: points.map((p) => ({
                  attributes: attributes(p.attributes),
                  startTimeUnixNano: nanos(p.startMs),
                  timeUnixNano: nanos(p.timeMs),
                  asDouble: p.value,
                })),
              },
            })),
          },
        ],
      },
    ],
  };
  return REQUEST.encode(REQUEST.fromObject(request)).finish();
}

/** POSTs an export to the app's /v1/metrics as an OTLP/HTTP exporter does; throws unless stored (200). */
export async function sendMetricsExport(appUrl: string, token: string, e: AgentExport): Promise<void> {
  const response = await fetch(`${appUrl}/v1/metrics`, {
    method: "POST",
    headers: {
      "content-type": "application/x-protobuf",
      authorization: `Bearer ${token}`,
      "user-agent": "OTel-OTLP-Exporter-JavaScript/0.217.0",
    },
    body: encodeMetricsExport(e),
  });
  if (response.status !== 200) {
    throw new Error(`the app answered ${response.status} to an OTLP export of ${e.resource["service.name"]}`);
  }
  await response.arrayBuffer();
}
