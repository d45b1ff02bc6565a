// The OTLP decoding and reading core, on bodies the OpenTelemetry SDK for JS really sends (captured
// on loopback): protobuf and JSON, gzip or not, delta and cumulative; and on what it must refuse.

import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  decodeOtlpRequest,
  encodeOtlpResponse,
  encodeOtlpStatus,
  inflateOtlpBody,
  OtlpRefusal,
  otlpEncoding,
} from "../../src/spend/otlp.js";
import { usageFromLogs, usageFromMetrics } from "../../src/spend/usage.js";
import { agentLogger, agentMeter, type CapturedRequest, captureExports } from "../helpers/otlp-export.js";

const SESSION = "7d8e5a6c-1b2c-4d3e-8f9a-0b1c2d3e4f50";

async function decode(request: CapturedRequest) {
  const encoding = otlpEncoding(request.headers["content-type"]);
  if (!encoding) throw new Error(`unexpected content-type ${request.headers["content-type"]}`);
  const body = await inflateOtlpBody(request.body, request.headers["content-encoding"]);
  return decodeOtlpRequest(request.path.endsWith("/v1/logs") ? "logs" : "metrics", body, encoding);
}

describe("OTLP metrics as the SDK sends them", () => {
  let capture: Awaited<ReturnType<typeof captureExports>>;
  beforeEach(async () => {
    capture = await captureExports();
  });
  afterEach(() => capture.close());

  for (const encoding of ["protobuf", "json"] as const) {
    for (const gzip of [false, true]) {
      it(`reads Claude Code's cost and tokens (${encoding}${gzip ? ", gzip" : ""})`, async () => {
        const meter = agentMeter({ url: capture.url("/v1/metrics"), encoding, gzip });
        const attrs = { "session.id": SESSION, model: "claude-sonnet-4-5", "user.email": "ana@example.com" };
        meter.counter("claude_code.cost.usage", "USD").add(0.0123, attrs);
        meter.counter("claude_code.token.usage", "tokens").add(1200, { ...attrs, type: "input" });
        meter.counter("claude_code.token.usage", "tokens").add(340, { ...attrs, type: "output" });
        meter.counter("claude_code.token.usage", "tokens").add(9000, { ...attrs, type: "cacheRead" });
        meter.counter("claude_code.token.usage", "tokens").add(50, { ...attrs, type: "cacheCreation" });
        meter.counter("claude_code.lines_of_code.count").add(12, { ...attrs, type: "added" });
        await meter.flush();
        await meter.shutdown();

        expect(capture.requests).toHaveLength(1);
        const request = capture.requests[0] as CapturedRequest;
        if (gzip) expect(request.headers["content-encoding"]).toBe("gzip");
        const usage = usageFromMetrics(await decode(request));
        expect(usage.rejected).toBe(0);
        expect(usage.skipped).toBe(1); // lines of code: not spend
        const byMeasure = Object.fromEntries(usage.readings.map((r) => [r.measure, r.value]));
        expect(byMeasure).toEqual({ costUsd: 0.0123, input: 1200, output: 340, cacheRead: 9000, cacheWrite: 50 });
        for (const r of usage.readings) {
          expect(r).toMatchObject({
            agent: "claude-code",
            sessionId: SESSION,
            model: "claude-sonnet-4-5",
            temporality: "delta",
          });
          expect(r.at).toBeGreaterThan(Date.UTC(2020, 0, 1));
        }
        // Nothing that names a person is kept, not even inside the series id.
        expect(JSON.stringify(usage)).not.toContain("ana@example.com");
      });
    }
  }

  it("keeps a cumulative series' identity from export to export, and its start time", async () => {
    const meter = agentMeter({ url: capture.url("/v1/metrics"), temporality: "cumulative" });
    const attrs = { "session.id": SESSION, model: "claude-opus-4-1" };
    meter.counter("claude_code.cost.usage", "USD").add(0.5, attrs);
    await meter.flush();
    meter.counter("claude_code.cost.usage", "USD").add(0.25, attrs);
    await meter.flush();
    await meter.shutdown();
    const [first, second] = await Promise.all(
      capture.requests.slice(0, 2).map(async (r) => usageFromMetrics(await decode(r))),
    );
    const a = first?.readings[0];
    const b = second?.readings[0];
    expect(a).toMatchObject({ temporality: "cumulative", value: 0.5 });
    expect(b).toMatchObject({ temporality: "cumulative", value: 0.75, series: a?.series, startNs: a?.startNs });
    expect(BigInt(b?.timeNs ?? 0) > BigInt(a?.timeNs ?? 0)).toBe(true);
  });

  it("reads Gemini CLI's token kinds, the session from the resource when the point has none", async () => {
    const meter = agentMeter({
      url: capture.url("/v1/metrics"),
      resource: { "service.name": "gemini-cli", "session.id": "c0ffee00-0000-4000-8000-000000000001" },
    });
    const counter = meter.counter("gemini_cli.token.usage");
    for (const [type, n] of [
      ["input", 1000],
      ["output", 200],
      ["thought", 50],
      ["cache", 400],
      ["tool", 10],
    ] as const) {
      counter.add(n, { model: "gemini-2.5-pro", type });
    }
    await meter.flush();
    await meter.shutdown();
    const usage = usageFromMetrics(await decode(capture.requests[0] as CapturedRequest));
    const sums: Record<string, number> = {};
    for (const r of usage.readings) sums[r.measure] = (sums[r.measure] ?? 0) + r.value;
    expect(sums).toEqual({ input: 1010, output: 250, cacheRead: 400 });
    expect(new Set(usage.readings.map((r) => r.sessionId))).toEqual(new Set(["c0ffee00-0000-4000-8000-000000000001"]));
    expect(new Set(usage.readings.map((r) => r.agent))).toEqual(new Set(["gemini"]));
  });

  it("reads Codex's completed responses from its log events, and nothing else it logs", async () => {
    const logger = agentLogger({ url: capture.url("/v1/logs") });
    const common = {
      "conversation.id": "0199a213-81c0-7800-8aa1-bbab2a035a53",
      model: "gpt-5-codex",
      "user.email": "bo@example.com",
    };
    logger.emit({
      ...common,
      "event.name": "codex.sse_event",
      "event.kind": "response.completed",
      input_token_count: "5200",
      output_token_count: "830",
      cached_token_count: "4096",
      reasoning_token_count: "512",
      tool_token_count: "0",
    });
    logger.emit({ ...common, "event.name": "codex.sse_event", "event.kind": "response.output_item.done" });
    logger.emit({ ...common, "event.name": "codex.user_prompt", prompt: "[REDACTED]" });
    await logger.flush();
    await logger.shutdown();
    const usage = usageFromLogs(await decode(capture.requests[0] as CapturedRequest));
    expect(usage.skipped).toBe(2);
    expect(usage.readings.map((r) => [r.measure, r.value])).toEqual([
      ["input", 5200],
      ["cacheRead", 4096],
      ["output", 830],
    ]);
    expect(usage.readings[0]).toMatchObject({
      agent: "codex",
      sessionId: common["conversation.id"],
      model: "gpt-5-codex",
    });
    expect(JSON.stringify(usage)).not.toContain("bo@example.com");
  });
});

describe("what the decoder refuses", () => {
  const cases: Array<[string, () => Promise<unknown>, number, RegExp]> = [
    [
      "a body over the size limit",
      () => inflateOtlpBody(Buffer.alloc(11), undefined, { maxBodyBytes: 10, maxDecodedBytes: 100 }),
      413,
      /larger than 10 bytes/,
    ],
    [
      "a gzip bomb",
      () => inflateOtlpBody(gzipSync(Buffer.alloc(1_000_000)), "gzip", { maxBodyBytes: 1e6, maxDecodedBytes: 1000 }),
      413,
      /inflates to more than 1000/,
    ],
    ["gzip that is not", () => inflateOtlpBody(Buffer.from("not gzip"), "gzip"), 400, /not valid gzip/],
    ["another encoding", () => inflateOtlpBody(Buffer.from("x"), "br"), 415, /"br" is not supported/],
    [
      "protobuf that is not",
      async () => decodeOtlpRequest("metrics", Buffer.from([0x0a, 0xff, 0xff, 0xff]), "protobuf"),
      400,
      /protobuf body is not an OTLP metrics/,
    ],
    [
      "JSON that does not parse",
      async () => decodeOtlpRequest("metrics", Buffer.from('{"resourceMetrics": ['), "json"),
      400,
      /does not parse/,
    ],
    [
      "JSON that is an array",
      async () => decodeOtlpRequest("metrics", Buffer.from("[]"), "json"),
      400,
      /an object is expected/,
    ],
    [
      "JSON of the wrong shape",
      async () => decodeOtlpRequest("metrics", Buffer.from('{"resourceMetrics": 5}'), "json"),
      400,
      /resourceMetrics/,
    ],
  ];
  it.each(cases)("refuses %s", async (_name, run, status, message) => {
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OtlpRefusal);
    expect((error as OtlpRefusal).status).toBe(status);
    expect((error as OtlpRefusal).message).toMatch(message);
  });

  it("tells the encodings apart by Content-Type", () => {
    expect(otlpEncoding("application/x-protobuf")).toBe("protobuf");
    expect(otlpEncoding("application/json; charset=utf-8")).toBe("json");
    expect(otlpEncoding("text/plain")).toBeNull();
    expect(otlpEncoding(undefined)).toBeNull();
  });

  it("refuses malformed points of understood metrics, by count, and says why", () => {
    const point = (value: number, time = "1796624319817000000") => ({
      asDouble: value,
      timeUnixNano: time,
      startTimeUnixNano: time,
      attributes: [],
    });
    const usage = usageFromMetrics({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "claude_code.cost.usage",
                  unit: "USD",
                  sum: {
                    aggregationTemporality: 1,
                    dataPoints: [point(-1), point(Number.NaN), point(0.1, "0"), point(0.2)],
                  },
                },
                {
                  name: "claude_code.cost.usage",
                  unit: "EUR",
                  sum: { aggregationTemporality: 1, dataPoints: [point(0.2)] },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(usage.readings).toHaveLength(1);
    expect(usage.rejected).toBe(4);
    expect(usage.reasons.join("; ")).toMatch(/not a count.*without time_unix_nano.*unit "EUR", expected USD/);
  });
});

describe("responses", () => {
  it("answers partial success in the request's encoding", async () => {
    const json = JSON.parse(
      encodeOtlpResponse("metrics", "json", { rejected: 3, errorMessage: "3 points refused" }).toString(),
    );
    expect(json).toEqual({ partialSuccess: { rejectedDataPoints: 3, errorMessage: "3 points refused" } });
    const proto = encodeOtlpResponse("metrics", "protobuf", { rejected: 3, errorMessage: "x" });
    expect(proto.length).toBeGreaterThan(0);
    expect(encodeOtlpResponse("logs", "protobuf", null).length).toBe(0);
  });

  it("writes a google.rpc.Status for errors", () => {
    expect(JSON.parse(encodeOtlpStatus(400, "bad", "json").toString())).toEqual({ code: 3, message: "bad" });
    // field 1 varint 3, field 2 "bad"
    expect([...encodeOtlpStatus(400, "bad", "protobuf")]).toEqual([0x08, 3, 0x12, 3, 0x62, 0x61, 0x64]);
  });
});
