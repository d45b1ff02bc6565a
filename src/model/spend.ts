// AI spend as the ledger keeps it: what agents reported (points), what a report reads of it (rows
// per session, model and week), and the changes that name the sessions. Plain data.

/** USD, or tokens of one kind. */
export type UsageMeasure = "costUsd" | "input" | "output" | "cacheRead" | "cacheWrite";
export const USAGE_MEASURES: readonly UsageMeasure[] = ["costUsd", "input", "output", "cacheRead", "cacheWrite"];

/** One reported data point (or imported row), as stored: see ai_usage_points in the schemas. */
export interface UsagePointRecord {
  installationId: number;
  series: string;
  /** ns since the epoch, 20-digit zero-padded text. */
  startNs: string;
  timeNs: string;
  agent: string;
  sessionId: string | null;
  sessionKey: string | null;
  model: string | null;
  measure: UsageMeasure;
  value: number;
  temporality: "delta" | "cumulative";
  at: number;
  source: "otlp" | "import";
  receivedAt: number;
}

/** Usage of one session (or, imported, of one agent on one day) with one model, in one week. */
export interface UsageRow {
  agent: string;
  /** Null for spend imported by agent and day. */
  sessionId: string | null;
  model: string | null;
  /** Monday (YYYY-MM-DD, UTC) of the week the usage happened in. */
  week: string;
  /** Cost the agent (or an import) reported, USD. */
  costUsd: number;
  /** Whether any cost was reported for this row at all, even 0. */
  costReported: boolean;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** A change that names a session, with what its fate is decided from. */
export interface SessionChangeFacts {
  sessionKey: string;
  changeId: number;
  repositoryId: number;
  state: "open" | "closed" | "merged";
  deployable: boolean;
  shippedAt: number | null;
  revertedAt: number | null;
  rolledBackAt: number | null;
}

/** An ingest token as listed (its secret is never kept). */
export interface IngestTokenRecord {
  id: number;
  installationId: number;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/**
 * A session id as spend is joined on: trimmed and lower-cased. Telemetry writes UUIDs in lower
 * case and a trailer may not; ids such as `session_01Hq…` are case-sensitive, but two sessions
 * whose ids differ only in case are not a real risk, and one spelling lets the ledger's migration
 * index existing changes' sessions in SQL alone.
 */
export function sessionKey(id: string): string {
  return id.trim().toLowerCase();
}

/** What a reading (OTLP or imported) brings to a stored point: all but where and when it was stored. */
export type PointReading = Omit<UsagePointRecord, "installationId" | "sessionKey" | "source" | "receivedAt">;

/**
 * A reading as the ledger stores it: its session's key beside its id, and its timestamps 20-digit
 * zero-padded, so that they order as text in both dialects.
 */
export function usagePoint(
  installationId: number,
  reading: PointReading,
  source: UsagePointRecord["source"],
  receivedAt: number,
): UsagePointRecord {
  return {
    installationId,
    series: reading.series,
    startNs: reading.startNs.padStart(20, "0"),
    timeNs: reading.timeNs.padStart(20, "0"),
    agent: reading.agent,
    sessionId: reading.sessionId,
    sessionKey: reading.sessionId === null ? null : sessionKey(reading.sessionId),
    model: reading.model,
    measure: reading.measure,
    value: reading.value,
    temporality: reading.temporality,
    at: reading.at,
    source,
    receivedAt,
  };
}
