// What a request may cost before it is decoded. An empty data point is 2 bytes of protobuf, so a
// 20 KB gzip inflating to 8 MB (under the 16 MiB bound) carried 4 million of them: decoded, they
// held the event loop for seconds and took a gigabyte, and points of metrics Shipledger does not
// read were never counted against OTLP_MAX_POINTS_PER_REQUEST. The items are now counted from the
// wire format (or the parsed JSON) first, whatever metric they belong to; and a value nested
// thousands of levels deep is a 400, not a 500 escaping from the decoder.
import { gzipSync } from "node:zlib";
import protobuf from "protobufjs/minimal.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countWireItems, decodeOtlpRequest, inflateOtlpBody, OtlpRefusal, otlpEncoding } from "../../src/spend/otlp.js";
import { agentLogger, agentMeter, type CapturedRequest, captureExports } from "../helpers/otlp-export.js";

const ld = (field: number, bytes: Uint8Array) => {
  const w = protobuf.Writer.create();
  w.uint32((field << 3) | 2).bytes(bytes);
  return w.finish();
};
const str = (field: number, s: string) => {
  const w = protobuf.Writer.create();
  w.uint32((field << 3) | 2).string(s);
  return w.finish();
};
const cat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

/** An ExportMetricsServiceRequest with one Sum metric `name` holding `n` empty NumberDataPoints. */
function emptyPoints(name: string, n: number): Buffer {
  const points = Buffer.alloc(2 * n);
  for (let i = 0; i < n; i++) points[2 * i] = 0x0a; // Sum.data_points (1), length 0
  return cat(ld(1, ld(2, ld(2, cat(str(1, name), ld(7, points))))));
}

/** A request whose resource has one attribute nested `depth` arrays deep. */
function deeplyNested(depth: number): Buffer {
  let inner: Uint8Array = str(1, "x"); // AnyValue.string_value
  for (let i = 0; i < depth; i++) inner = ld(5, ld(1, inner)); // AnyValue.array_value { values }
  return cat(ld(1, ld(1, ld(1, cat(str(1, "k"), ld(2, inner))))));
}

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof OtlpRefusal ? { status: error.status, message: error.message } : error;
  }
  return null;
};

describe("a request's items are counted before it is decoded", () => {
  it("refuses (413) a 20 KB gzip of 4 million empty points of a metric it does not read", async () => {
    const gzip = gzipSync(emptyPoints("some.other.metric", 4_000_000));
    expect(gzip.length).toBeLessThan(20_000);
    const body = await inflateOtlpBody(gzip, "gzip");
    expect(refusal(() => decodeOtlpRequest("metrics", body, "protobuf", 50_000))).toEqual({
      status: 413,
      message: "the request carries more than 50000 data points (50001 or more)",
    });
  });

  it("takes a request of exactly the limit, and refuses one more (protobuf and JSON)", () => {
    expect(decodeOtlpRequest("metrics", emptyPoints("m", 100), "protobuf", 100)).toHaveProperty("resourceMetrics");
    expect(refusal(() => decodeOtlpRequest("metrics", emptyPoints("m", 101), "protobuf", 100))).toMatchObject({
      status: 413,
    });
    const json = (n: number) =>
      Buffer.from(
        JSON.stringify({
          resourceMetrics: [
            {
              scopeMetrics: [{ metrics: [{ name: "m", sum: { dataPoints: Array.from({ length: n }, () => ({})) } }] }],
            },
          ],
        }),
      );
    expect(decodeOtlpRequest("metrics", json(100), "json", 100)).toHaveProperty("resourceMetrics");
    expect(refusal(() => decodeOtlpRequest("metrics", json(101), "json", 100))).toEqual({
      status: 413,
      message: "the request carries more than 100 data points (101)",
    });
  });

  it("answers a value nested thousands of levels deep with 400, never an escaping error", () => {
    for (let depth = 2_000; depth <= 8_000; depth += 500) {
      const outcome = refusal(() => decodeOtlpRequest("metrics", deeplyNested(depth), "protobuf"));
      // Decoded and read, or refused as not an export request: never anything but an OtlpRefusal.
      if (outcome !== null) expect(outcome, `depth ${depth}`).toMatchObject({ status: 400 });
    }
  });
});

describe("countWireItems on the SDK's own exports", () => {
  let capture: Awaited<ReturnType<typeof captureExports>>;
  beforeEach(async () => {
    capture = await captureExports();
  });
  afterEach(() => capture.close());

  it("counts every data point of every metric, and every log record", async () => {
    const meter = agentMeter({ url: capture.url("/v1/metrics") });
    for (let i = 0; i < 7; i++) meter.counter("claude_code.token.usage", "tokens").add(10, { type: `t${i}` });
    meter.counter("claude_code.cost.usage", "USD").add(0.5, { model: "claude-sonnet-4-5" });
    meter.counter("claude_code.lines_of_code.count").add(3, { type: "added" });
    await meter.flush();
    await meter.shutdown();
    const logger = agentLogger({ url: capture.url("/v1/logs") });
    for (let i = 0; i < 5; i++) logger.emit({ "event.name": "codex.sse_event", input_token_count: i });
    await logger.flush();
    await logger.shutdown();

    const [metrics, logs] = ["/v1/metrics", "/v1/logs"].map(
      (path) => capture.requests.find((r) => r.path === path) as CapturedRequest,
    );
    expect(otlpEncoding(metrics?.headers["content-type"])).toBe("protobuf");
    const metricsPath = [new Set([1]), new Set([2]), new Set([2]), new Set([5, 7, 9, 10, 11]), new Set([1])];
    expect(countWireItems(metrics?.body as Buffer, metricsPath, 1000)).toBe(9);
    expect(countWireItems(logs?.body as Buffer, [new Set([1]), new Set([2]), new Set([2])], 1000)).toBe(5);
    // The limit stops the count just past it.
    expect(countWireItems(metrics?.body as Buffer, metricsPath, 4)).toBe(5);
  });
});
