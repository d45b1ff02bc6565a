// Spend exported from a vendor's console (CSV or JSON), as readings to store. Pure: text in, rows or
// errors that name the line and the field out.
//
// Columns (CSV header names, or JSON object keys; case and `-`/`_`/space do not matter):
//   date (YYYY-MM-DD) or timestamp (ISO 8601)      required (OpenAI's usage export: start_time_iso)
//   cost_usd (also cost, amount, amount_usd)        USD; required unless token counts are given
//   currency                                        optional; anything but USD is refused (never converted)
//   session_id (also session, conversation_id)      the agent's session: joined to changes
//   agent (a catalogue id: claude-code, codex, …)   default "unknown"
//   model
//   input_tokens, output_tokens, cache_read_tokens, cache_write_tokens (also the vendors' own names:
//   OpenAI's input_cached_tokens, Anthropic's cache_read_input_tokens and cache_creation_input_tokens)
// A row with a session is keyed by (agent, session, model, day); one without by (agent, model,
// day): such spend is the team's and is never spread over changes (src/spend/compute.ts). The key
// makes an import idempotent: importing a corrected export again replaces the rows it had given.

import { createHash } from "node:crypto";
import type { UsageMeasure } from "../model/spend.js";

export interface ImportedReading {
  agent: string;
  sessionId: string | null;
  model: string | null;
  measure: UsageMeasure;
  value: number;
  series: string;
  /** ns since the epoch (decimal). */
  startNs: string;
  timeNs: string;
  at: number;
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

export const MAX_IMPORT_ROWS = 1_000_000;

const ALIASES: Record<string, string> = {
  date: "date",
  day: "date",
  timestamp: "timestamp",
  time: "timestamp",
  starttimeiso: "timestamp",
  costusd: "cost",
  cost: "cost",
  amount: "cost",
  amountusd: "cost",
  sessionid: "session",
  session: "session",
  conversationid: "session",
  agent: "agent",
  tool: "agent",
  currency: "currency",
  model: "model",
  inputtokens: "input",
  outputtokens: "output",
  cachereadtokens: "cacheRead",
  cachedtokens: "cacheRead",
  // A vendor's own column name left unread would price its cached tokens as input (OpenAI's input
  // count includes them) or leave them out (Anthropic's does not).
  inputcachedtokens: "cacheRead",
  cachereadinputtokens: "cacheRead",
  cachewritetokens: "cacheWrite",
  cachecreationtokens: "cacheWrite",
  cachecreationinputtokens: "cacheWrite",
};

const TOKEN_FIELDS: ReadonlyArray<readonly [string, UsageMeasure]> = [
  ["input", "input"],
  ["output", "output"],
  ["cacheRead", "cacheRead"],
  ["cacheWrite", "cacheWrite"],
];

const normaliseName = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, "");

/** Rows of a CSV or JSON export (told apart by the first character), as readings. */
export function parseSpendExport(text: string): ImportedReading[] {
  // Leading blank lines are kept for the CSV parser: its line numbers are the file's.
  const body = text.replace(/^\uFEFF/, "");
  const trimmed = body.trimStart();
  const records = trimmed.startsWith("[") || trimmed.startsWith("{") ? jsonRecords(trimmed) : csvRecords(body);
  if (records.length > MAX_IMPORT_ROWS)
    throw new ImportError(`${records.length} rows; at most ${MAX_IMPORT_ROWS} per import`);
  // Rows of one key (an export by hour, or by API key, for the same agent, session, model and
  // day) are one reading, their sum: stored under one key, and replaced whole by a re-import.
  const byKey = new Map<string, ImportedReading>();
  for (const { line, fields } of records) {
    for (const reading of readingsOf(line, fields)) {
      const key = `${reading.series}\u0000${reading.startNs}`;
      const seen = byKey.get(key);
      if (seen) seen.value += reading.value;
      else byKey.set(key, reading);
    }
  }
  return [...byKey.values()];
}

function readingsOf(line: string, raw: Record<string, unknown>): ImportedReading[] {
  const fields: Record<string, string> = {};
  /** The file's own name of each field, for error messages. */
  const names: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const key = ALIASES[normaliseName(name)];
    if (key && value !== null && value !== undefined && String(value).trim() !== "") {
      fields[key] = String(value).trim();
      names[key] = name.trim();
    }
  }
  if (fields.currency !== undefined && fields.currency.toUpperCase() !== "USD") {
    throw new ImportError(
      `${line}: ${names.currency ?? "currency"} "${fields.currency.slice(0, 12)}": amounts are read as USD; convert the export to USD first`,
    );
  }
  const at = timeOf(line, fields);
  const agent = (fields.agent ?? "unknown").toLowerCase().slice(0, 100);
  const sessionId = fields.session?.slice(0, 200) ?? null;
  const model = fields.model?.slice(0, 100) ?? null;
  const day = Math.floor(at / 86_400_000) * 86_400_000;
  // Keyed as the header says: by session when there is one, by day otherwise (the day is part of
  // the interval either way, so a session spanning days imports one row a day).
  const series = createHash("sha256")
    .update(JSON.stringify(["import", agent, sessionId, model]))
    .digest("base64url")
    .slice(0, 32);
  const ns = `${BigInt(day) * 1_000_000n}`;
  const readings: ImportedReading[] = [];
  const push = (measure: UsageMeasure, value: number) =>
    readings.push({
      agent,
      sessionId,
      model,
      measure,
      value,
      series: `${series}:${measure}`,
      startNs: ns,
      timeNs: ns,
      at: day,
    });
  if (fields.cost !== undefined) push("costUsd", number(line, names.cost ?? "cost_usd", fields.cost, MAX_ROW_USD));
  for (const [field, measure] of TOKEN_FIELDS) {
    if (fields[field] !== undefined)
      push(measure, number(line, names[field] ?? field, fields[field] as string, MAX_ROW_TOKENS));
  }
  if (readings.length === 0) throw new ImportError(`${line}: neither cost_usd nor token counts`);
  return readings;
}

function timeOf(line: string, fields: Record<string, string>): number {
  const value = fields.date ?? fields.timestamp;
  if (value === undefined) throw new ImportError(`${line}: no date (a date or timestamp column is required)`);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  // A time without a zone is UTC, as the day it falls on is (not the importing machine's zone).
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const t = Date.parse(dateOnly ? `${value}T00:00:00Z` : zoned ? value : `${value}Z`);
  if (!Number.isFinite(t) || (!dateOnly && !/^\d{4}-\d{2}-\d{2}T/.test(value))) {
    throw new ImportError(`${line}: date "${value.slice(0, 40)}" is not YYYY-MM-DD or an ISO 8601 time`);
  }
  // Date.parse rolls a day that does not exist over (2025-02-30 is 2 March): its day must be its own.
  if (new Date(Date.parse(`${value.slice(0, 10)}T00:00:00Z`)).toISOString().slice(0, 10) !== value.slice(0, 10)) {
    throw new ImportError(`${line}: date "${value.slice(0, 40)}" is not a day of the calendar`);
  }
  return t;
}

/** A plain decimal (an optional leading $, an exponent): not hex, not "Infinity", not "1,234". */
const DECIMAL = /^\$?\d+(\.\d*)?([eE][+-]?\d+)?$|^\$?\.\d+([eE][+-]?\d+)?$/;

/** The most one row may say it cost, in USD, or counted, in tokens: more is not a usage row. */
const MAX_ROW_USD = 1_000_000;
const MAX_ROW_TOKENS = 1e12;

function number(line: string, field: string, value: string, max: number): number {
  const n = Number(value.replace(/^\$/, ""));
  if (!DECIMAL.test(value) || !Number.isFinite(n)) {
    throw new ImportError(`${line}: ${field} "${value.slice(0, 40)}" is not a non-negative number`);
  }
  if (n > max) throw new ImportError(`${line}: ${field} ${value.slice(0, 40)} is more than a row may hold (${max})`);
  return n;
}

function jsonRecords(text: string): Array<{ line: string; fields: Record<string, unknown> }> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ImportError(`the JSON does not parse: ${(error as Error).message.slice(0, 120)}`);
  }
  const rows = Array.isArray(value) ? value : (value as { rows?: unknown }).rows;
  if (!Array.isArray(rows))
    throw new ImportError("the JSON must be an array of rows, or an object with a `rows` array");
  return rows.map((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new ImportError(`row ${i + 1}: an object is expected`);
    }
    return { line: `row ${i + 1}`, fields: row as Record<string, unknown> };
  });
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
function csvRecords(text: string): Array<{ line: string; fields: Record<string, unknown> }> {
  const rows: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        cell += c;
      }
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      if (cells.some((x) => x !== "")) rows.push({ line: rowLine, cells });
      cells = [];
      cell = "";
      line++;
      rowLine = line;
    } else cell += c;
  }
  if (quoted) throw new ImportError(`line ${rowLine}: a quoted field is not closed`);
  cells.push(cell);
  if (cells.some((x) => x !== "")) rows.push({ line: rowLine, cells });
  const [header, ...body] = rows;
  if (!header) throw new ImportError("the file is empty");
  const names = header.cells.map((n) => n.trim());
  if (!names.some((n) => ALIASES[normaliseName(n)] === "date" || ALIASES[normaliseName(n)] === "timestamp")) {
    throw new ImportError(
      `line ${header.line}: the header names no date column (got: ${names.join(", ").slice(0, 200)})`,
    );
  }
  return body.map((row) => {
    if (row.cells.length !== names.length) {
      throw new ImportError(`line ${row.line}: ${row.cells.length} fields, the header has ${names.length}`);
    }
    return { line: `line ${row.line}`, fields: Object.fromEntries(names.map((n, i) => [n, row.cells[i]])) };
  });
}
