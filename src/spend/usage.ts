// What coding agents report of their spend, read out of OTLP export requests (decoded by otlp.ts):
// one UsageReading per data point or log record that Shipledger understands, each with its agent,
// session, model, measure (USD or tokens of one kind), and the series it belongs to, so that the
// store can count each increment once however the exporter resends it. Pure.
//
// Understood (PRODUCT.md, "Spend"):
// - Claude Code, metrics: `claude_code.cost.usage` (USD, as Claude Code prices it) and
//   `claude_code.token.usage{type: input|output|cacheRead|cacheCreation}`, with `session.id` and
//   `model`. Anthropic counts input tokens apart from cached ones.
// - Gemini CLI, metrics: `gemini_cli.token.usage{type: input|output|thought|cache|tool}`, with
//   `session.id` and `model`. Its input count includes the cached tokens (the Gemini API's
//   promptTokenCount); thoughts are billed as output, tool-use prompts as input.
// - Codex, log records: `codex.sse_event` with `event.kind` "response.completed" and the counts
//   `input_token_count`, `cached_token_count`, `output_token_count` (reasoning tokens are part of
//   the output count), with `conversation.id` and `model`. Its input count includes cached tokens.
// Everything else (other metrics, Claude Code's events, which repeat its metrics) is skipped, not
// refused. Attributes that name people (user.email, user.account_uuid, …) are never read: spend is
// reported per session and team, never per person.

import { createHash } from "node:crypto";

import type { UsageMeasure } from "../model/spend.js";

export type { UsageMeasure };

export interface UsageReading {
  /** Agent id of the catalogue (src/attribution/agents.ts): claude-code, gemini, codex. */
  agent: string;
  /** The agent's session (Claude Code, Gemini CLI) or conversation (Codex) id; null when not given. */
  sessionId: string | null;
  model: string | null;
  measure: UsageMeasure;
  /** USD for costUsd, a token count otherwise; never negative. */
  value: number;
  /**
   * delta: `value` is what happened between startNs and timeNs (a log record is one); cumulative:
   * `value` is the total since startNs, and the increment is the difference from the previous point.
   */
  temporality: "delta" | "cumulative";
  /** The series: a digest of what identifies it (agent, metric, resource, attributes). */
  series: string;
  /** Start and end of the point's interval, ns since the epoch, as decimal strings (64-bit). */
  startNs: string;
  timeNs: string;
  /** timeNs in ms. */
  at: number;
}

export interface UsageExtract {
  readings: UsageReading[];
  /** Data points or records read and not understood (other metrics): skipped silently. */
  skipped: number;
  /** Points of understood metrics that are malformed (negative, not finite, no time): refused. */
  rejected: number;
  /** Why the first few were refused, for the partial_success message. */
  reasons: string[];
}

type AttributeValue = string | number | boolean;
type Attributes = Map<string, AttributeValue>;

// ---- attributes -----------------------------------------------------------------------------------

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface KeyValue {
  key?: string;
  value?: AnyValue;
}

function attributesOf(list: unknown): Attributes {
  const map: Attributes = new Map();
  if (!Array.isArray(list)) return map;
  for (const item of list as KeyValue[]) {
    if (typeof item?.key !== "string" || !item.value) continue;
    const v = item.value;
    if (typeof v.stringValue === "string") map.set(item.key, v.stringValue);
    else if (typeof v.boolValue === "boolean") map.set(item.key, v.boolValue);
    else if (v.intValue !== undefined) map.set(item.key, Number(v.intValue));
    else if (typeof v.doubleValue === "number") map.set(item.key, v.doubleValue);
  }
  return map;
}

const MAX_ID_LENGTH = 200;

/** A short text attribute, trimmed; null when absent, empty or not text. */
function text(attributes: Attributes, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = attributes.get(key);
    if (typeof value === "string" && value.trim() !== "") return value.trim().slice(0, MAX_ID_LENGTH);
  }
  return null;
}

/** A count given as a number or, as Codex writes its event fields, as decimal text. */
function count(attributes: Attributes, key: string): number | null {
  const value = attributes.get(key);
  const n =
    typeof value === "number" ? value : typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * The digest of a series: its agent and metric, the resource's attributes and the point's, in key
 * order. Attribute values are hashed, never stored: that some of them name a person does not leak.
 */
function seriesDigest(parts: readonly unknown[], resource: Attributes, point: Attributes): string {
  const sorted = (m: Attributes) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256")
    .update(JSON.stringify([parts, sorted(resource), sorted(point)]))
    .digest("base64url")
    .slice(0, 32);
}

/** ns since the epoch (decimal text) → ms, or null when missing or zero. */
function nsToMs(ns: unknown): number | null {
  if (typeof ns !== "string" && typeof ns !== "number") return null;
  const digits = String(ns);
  if (!/^\d{1,20}$/.test(digits) || /^0+$/.test(digits)) return null;
  return Number(BigInt(digits) / 1_000_000n);
}

// ---- metrics ---------------------------------------------------------------------------------------

interface MetricRule {
  agent: string;
  /** The measure of a point, from its attributes; null for a kind that is not spend. */
  measure(point: Attributes): UsageMeasure | null;
  /** The unit the metric must have when it declares one. */
  unit?: string;
}

const CLAUDE_TOKEN_TYPES: Record<string, UsageMeasure> = {
  input: "input",
  output: "output",
  cacheRead: "cacheRead",
  cacheCreation: "cacheWrite",
};
const GEMINI_TOKEN_TYPES: Record<string, UsageMeasure> = {
  input: "input",
  output: "output",
  thought: "output",
  cache: "cacheRead",
  tool: "input",
};

const METRIC_RULES: Record<string, MetricRule> = {
  "claude_code.cost.usage": { agent: "claude-code", measure: () => "costUsd", unit: "USD" },
  "claude_code.token.usage": {
    agent: "claude-code",
    measure: (p) => CLAUDE_TOKEN_TYPES[String(p.get("type"))] ?? null,
  },
  "gemini_cli.token.usage": {
    agent: "gemini",
    measure: (p) => GEMINI_TOKEN_TYPES[String(p.get("type"))] ?? null,
  },
};

/** AggregationTemporality in OTLP: 1 delta, 2 cumulative. */
const DELTA = 1;
const CUMULATIVE = 2;

interface NumberDataPoint {
  attributes?: unknown;
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string | number;
}

/** The spend an ExportMetricsServiceRequest (as decodeOtlpRequest gives it) reports. */
export function usageFromMetrics(request: Record<string, unknown>): UsageExtract {
  const extract: UsageExtract = { readings: [], skipped: 0, rejected: 0, reasons: [] };
  for (const rm of asArray(request.resourceMetrics)) {
    const resource = attributesOf((rm as { resource?: { attributes?: unknown } }).resource?.attributes);
    for (const sm of asArray((rm as { scopeMetrics?: unknown }).scopeMetrics)) {
      for (const metric of asArray((sm as { metrics?: unknown }).metrics) as Record<string, unknown>[]) {
        const name = typeof metric.name === "string" ? metric.name : "";
        const points = metricPoints(metric);
        const rule = METRIC_RULES[name];
        if (!rule || points.kind !== "sum") {
          extract.skipped += points.points.length;
          continue;
        }
        if (rule.unit && typeof metric.unit === "string" && metric.unit !== "" && metric.unit !== rule.unit) {
          refuse(extract, points.points.length, `${name}: unit ${JSON.stringify(metric.unit)}, expected ${rule.unit}`);
          continue;
        }
        const temporality =
          points.temporality === DELTA ? "delta" : points.temporality === CUMULATIVE ? "cumulative" : null;
        if (temporality === null) {
          refuse(extract, points.points.length, `${name}: aggregation temporality not set`);
          continue;
        }
        for (const point of points.points) readMetricPoint(extract, name, rule, temporality, resource, point);
      }
    }
  }
  return extract;
}

function readMetricPoint(
  extract: UsageExtract,
  name: string,
  rule: MetricRule,
  temporality: "delta" | "cumulative",
  resource: Attributes,
  point: NumberDataPoint,
) {
  const attributes = attributesOf(point.attributes);
  const measure = rule.measure(attributes);
  if (measure === null) {
    extract.skipped++;
    return;
  }
  const value = point.asDouble !== undefined ? point.asDouble : point.asInt !== undefined ? Number(point.asInt) : NaN;
  if (!Number.isFinite(value) || value < 0)
    return refuse(extract, 1, `${name}: a value that is not a count (negative or not a number)`);
  const at = nsToMs(point.timeUnixNano);
  if (at === null) return refuse(extract, 1, `${name}: a data point without time_unix_nano`);
  // Without a start time, a delta point is its own interval; a cumulative one belongs to the
  // series' one running total (start "0"), differenced like the rest, never counted whole again.
  const start =
    nsToMs(point.startTimeUnixNano) !== null
      ? String(point.startTimeUnixNano)
      : temporality === "cumulative"
        ? "0"
        : String(point.timeUnixNano);
  if (temporality === "cumulative" && BigInt(start) > BigInt(String(point.timeUnixNano))) {
    return refuse(extract, 1, `${name}: start_time_unix_nano after time_unix_nano`);
  }
  extract.readings.push({
    agent: rule.agent,
    sessionId: text(attributes, "session.id") ?? text(resource, "session.id"),
    model: text(attributes, "model") ?? text(resource, "model"),
    measure,
    value,
    temporality,
    series: seriesDigest([rule.agent, name], resource, attributes),
    startNs: start,
    timeNs: String(point.timeUnixNano),
    at,
  });
}

function metricPoints(metric: Record<string, unknown>): {
  kind: "sum" | "other";
  temporality?: number;
  points: NumberDataPoint[];
} {
  const sum = metric.sum as { dataPoints?: unknown; aggregationTemporality?: number } | undefined;
  if (sum)
    return {
      kind: "sum",
      temporality: sum.aggregationTemporality,
      points: asArray(sum.dataPoints) as NumberDataPoint[],
    };
  for (const key of ["gauge", "histogram", "exponentialHistogram", "summary"]) {
    const data = metric[key] as { dataPoints?: unknown } | undefined;
    if (data) return { kind: "other", points: asArray(data.dataPoints) as NumberDataPoint[] };
  }
  return { kind: "other", points: [] };
}

// ---- logs ------------------------------------------------------------------------------------------

interface LogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  attributes?: unknown;
  body?: AnyValue;
}

const CODEX_COUNTS: ReadonlyArray<readonly [string, UsageMeasure]> = [
  ["input_token_count", "input"],
  ["cached_token_count", "cacheRead"],
  ["output_token_count", "output"],
];

/** The spend an ExportLogsServiceRequest (as decodeOtlpRequest gives it) reports: Codex's completed responses. */
export function usageFromLogs(request: Record<string, unknown>): UsageExtract {
  const extract: UsageExtract = { readings: [], skipped: 0, rejected: 0, reasons: [] };
  for (const rl of asArray(request.resourceLogs)) {
    const resource = attributesOf((rl as { resource?: { attributes?: unknown } }).resource?.attributes);
    for (const sl of asArray((rl as { scopeLogs?: unknown }).scopeLogs)) {
      for (const record of asArray((sl as { logRecords?: unknown }).logRecords) as LogRecord[]) {
        const attributes = attributesOf(record.attributes);
        if (
          attributes.get("event.name") !== "codex.sse_event" ||
          attributes.get("event.kind") !== "response.completed"
        ) {
          extract.skipped++;
          continue;
        }
        const time = nsToMs(record.timeUnixNano) !== null ? record.timeUnixNano : record.observedTimeUnixNano;
        const at = nsToMs(time);
        if (at === null) {
          refuse(extract, 1, "codex.sse_event: a record without time");
          continue;
        }
        if (attributes.has("error.message")) {
          extract.skipped++; // a failed completion reports no usage
          continue;
        }
        // One record is one response: its series is the record itself, so a resent batch is one.
        const series = seriesDigest(["codex", "codex.sse_event", String(time)], resource, attributes);
        for (const [key, measure] of CODEX_COUNTS) {
          const value = count(attributes, key);
          if (value === null || value === 0) continue;
          extract.readings.push({
            agent: "codex",
            sessionId: text(attributes, "conversation.id") ?? text(resource, "conversation.id"),
            model: text(attributes, "model", "slug") ?? text(resource, "model"),
            measure,
            value,
            temporality: "delta",
            series: `${series}:${measure}`,
            startNs: String(time),
            timeNs: String(time),
            at,
          });
        }
      }
    }
  }
  return extract;
}

// ---- helpers ---------------------------------------------------------------------------------------

const MAX_REASONS = 3;

function refuse(extract: UsageExtract, n: number, reason: string) {
  extract.rejected += n;
  if (extract.reasons.length < MAX_REASONS && !extract.reasons.includes(reason)) extract.reasons.push(reason);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Agents whose input token count includes the cached tokens it also reports (see the header). */
export const INPUT_INCLUDES_CACHE_READ: ReadonlySet<string> = new Set(["gemini", "codex"]);

/** Models whose vendor counts cached tokens inside the input tokens (OpenAI's and Google's APIs). */
const MODEL_INPUT_INCLUDES_CACHE_READ = /^(?:openai\/|google\/)?(?:gpt-|o[1-9]|codex|chatgpt-|gemini-)/i;

/**
 * Whether a reading's input tokens include its cached tokens: by the agent that reported them, and
 * for an agent that does not say (a vendor's export imported without an agent column, an agent
 * not in the catalogue), by its model's vendor: OpenAI's `input_tokens` and Google's prompt tokens
 * include the cached ones, Anthropic's do not.
 */
export function inputIncludesCacheRead(agent: string, model: string | null): boolean {
  if (INPUT_INCLUDES_CACHE_READ.has(agent)) return true;
  if (agent === "claude-code") return false;
  return model !== null && MODEL_INPUT_INCLUDES_CACHE_READ.test(model);
}
