// The demo's OTLP exports (src/demo/agent-telemetry.ts, built without the OpenTelemetry SDK, which
// is a development dependency) read exactly as the SDK's own exports of the same counters do: the
// same agent, session, model, measure, value and temporality, through the app's decoder.
import { describe, expect, it } from "vitest";
import { encodeMetricsExport } from "../../src/demo/agent-telemetry.js";
import { decodeOtlpRequest } from "../../src/spend/otlp.js";
import { type UsageReading, usageFromMetrics } from "../../src/spend/usage.js";
import { agentMeter, captureExports } from "../helpers/otlp-export.js";

const T0 = Date.UTC(2026, 10, 2, 9);
const what = ({ agent, sessionId, model, measure, value, temporality }: UsageReading) => ({
  agent,
  sessionId,
  model,
  measure,
  value,
  temporality,
});
const sorted = (readings: UsageReading[]) =>
  readings.map(what).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("the demo's agent exports", () => {
  it.each(["delta", "cumulative"] as const)(
    "read as the SDK's %s exports of the same counters do",
    async (temporality) => {
      const server = await captureExports();
      const meter = agentMeter({ url: server.url("/v1/metrics"), temporality });
      const session = { "session.id": "session_01HqJ8wYbZ3kVn5mT2pR7sXc", model: "claude-opus-4-5-20251101" };
      try {
        meter.counter("claude_code.cost.usage", "USD").add(3, session);
        meter.counter("claude_code.token.usage", "tokens").add(42_000, { ...session, type: "input" });
        meter.counter("claude_code.token.usage", "tokens").add(9_500, { ...session, type: "output" });
        await meter.flush();
      } finally {
        await meter.shutdown();
        await server.close();
      }
      // The flush's export (a cumulative exporter sends its totals again at shutdown).
      const flushed = server.requests[0];
      if (!flushed) throw new Error("the SDK exported nothing");
      const sdk = usageFromMetrics(decodeOtlpRequest("metrics", flushed.body, "protobuf")).readings;
      const demo = usageFromMetrics(
        decodeOtlpRequest(
          "metrics",
          Buffer.from(
            encodeMetricsExport({
              resource: { "service.name": "claude-code" },
              scope: "com.anthropic.claude_code",
              temporality,
              points: [
                {
                  metric: "claude_code.cost.usage",
                  unit: "USD",
                  attributes: session,
                  startMs: T0,
                  timeMs: T0 + 60_000,
                  value: 3,
                },
                {
                  metric: "claude_code.token.usage",
                  unit: "tokens",
                  attributes: { ...session, type: "input" },
                  startMs: T0,
                  timeMs: T0 + 60_000,
                  value: 42_000,
                },
                {
                  metric: "claude_code.token.usage",
                  unit: "tokens",
                  attributes: { ...session, type: "output" },
                  startMs: T0,
                  timeMs: T0 + 60_000,
                  value: 9_500,
                },
              ],
            }),
          ),
          "protobuf",
        ),
      );
      expect(demo.rejected).toBe(0);
      expect(sorted(demo.readings)).toEqual(sorted(sdk));
      expect(sdk).toHaveLength(3);
      // The demo's times are its own (the story's), to the nanosecond.
      expect(demo.readings[0]?.startNs).toBe(`${BigInt(T0) * 1_000_000n}`);
      expect(demo.readings[0]?.at).toBe(T0 + 60_000);
    },
  );
});
