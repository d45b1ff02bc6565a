// Spend exported from a vendor's console, as readings: CSV as spreadsheets and consoles write it
// (quotes, commas and line breaks in quoted fields, CRLF, a BOM, their own column names) and JSON,
// every error naming the line or row and the field, and the keys that make a re-import replace.

import { describe, expect, it } from "vitest";
import { ImportError, type ImportedReading, parseSpendExport } from "../../src/spend/import.js";

const DAY_2 = Date.UTC(2026, 10, 2);
const DAY_3 = Date.UTC(2026, 10, 3);

/** What a reading says, without its digests: comparable across files. */
const facts = (readings: ImportedReading[]) =>
  readings
    .map((r) => ({
      agent: r.agent,
      sessionId: r.sessionId,
      model: r.model,
      measure: r.measure,
      value: r.value,
      at: r.at,
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const total = (readings: ImportedReading[], measure = "costUsd") =>
  readings.filter((r) => r.measure === measure).reduce((s, r) => s + r.value, 0);

describe("spend import: what a file says", () => {
  const expected = [
    { agent: "claude-code", sessionId: "s-1", model: "claude-sonnet-4-5", measure: "costUsd", value: 1.25, at: DAY_2 },
    { agent: "claude-code", sessionId: "s-1", model: "claude-sonnet-4-5", measure: "input", value: 1200, at: DAY_2 },
  ];
  it.each([
    [
      "plain CSV",
      "date,agent,session_id,model,cost_usd,input_tokens\n2026-11-02,claude-code,s-1,claude-sonnet-4-5,1.25,1200\n",
    ],
    [
      "CRLF line ends and a BOM",
      "\uFEFFdate,agent,session_id,model,cost_usd,input_tokens\r\n2026-11-02,claude-code,s-1,claude-sonnet-4-5,1.25,1200\r\n",
    ],
    [
      "columns named as consoles name them, in another order",
      "Input Tokens,Cost (USD) ignored,Amount USD,Conversation-ID,Tool,Model,Day\n1200,9,$1.25,s-1,Claude-Code,claude-sonnet-4-5,2026-11-02\n",
    ],
    [
      "an ISO 8601 timestamp (with or without a zone) instead of a date",
      "timestamp,agent,session,model,cost,input_tokens\n2026-11-02T00:00:00,claude-code,s-1,claude-sonnet-4-5,1.25,1200\n",
    ],
    [
      "blank lines before, between and after the rows",
      "\n\ndate,agent,session_id,model,cost_usd,input_tokens\n\n2026-11-02,claude-code,s-1,claude-sonnet-4-5,1.25,1200\n\n\n",
    ],
    [
      "a JSON array",
      JSON.stringify([
        {
          date: "2026-11-02",
          agent: "claude-code",
          session_id: "s-1",
          model: "claude-sonnet-4-5",
          cost_usd: 1.25,
          input_tokens: 1200,
        },
      ]),
    ],
    [
      "JSON {rows}, numbers as strings, unknown fields ignored",
      JSON.stringify({
        exported: "2026-11-05",
        rows: [
          {
            date: "2026-11-02",
            agent: "claude-code",
            sessionId: "s-1",
            model: "claude-sonnet-4-5",
            costUsd: "1.25",
            inputTokens: "1200",
            workspace: { id: 7 },
          },
        ],
      }),
    ],
  ])("reads %s", (_name, text) => {
    expect(facts(parseSpendExport(text))).toEqual(facts(expected as ImportedReading[]));
  });

  it("keeps commas, quotes and line breaks inside quoted fields", () => {
    const text =
      'date,session_id,model,cost_usd,note\n2026-11-02,"s-1, ""quoted""","claude\nsonnet",0.5,"a, b\r\nc"\n2026-11-03,s-2,m,0.25,x\n';
    expect(facts(parseSpendExport(text))).toEqual(
      facts([
        {
          agent: "unknown",
          sessionId: 's-1, "quoted"',
          model: "claude\nsonnet",
          measure: "costUsd",
          value: 0.5,
          at: DAY_2,
        },
        { agent: "unknown", sessionId: "s-2", model: "m", measure: "costUsd", value: 0.25, at: DAY_3 },
      ] as ImportedReading[]),
    );
  });

  it("keys a row with a session by agent, session, model and day; one without by agent, model and day", () => {
    const readings = parseSpendExport(
      "date,agent,session_id,model,cost_usd\n" +
        "2026-11-02,claude-code,s-1,m,1\n" +
        "2026-11-02,claude-code,s-2,m,2\n" +
        "2026-11-02,claude-code,,m,4\n" +
        "2026-11-03,claude-code,,m,8\n",
    );
    expect(readings.map((r) => [r.sessionId, r.at, r.value])).toEqual([
      ["s-1", DAY_2, 1],
      ["s-2", DAY_2, 2],
      [null, DAY_2, 4],
      [null, DAY_3, 8],
    ]);
    // Four keys: two sessions, and the team's spend on two days (one series, two intervals).
    const keys = new Set(readings.map((r) => `${r.series} ${r.startNs}`));
    expect(keys.size).toBe(4);
    const [s1, s2, team2, team3] = readings as [ImportedReading, ImportedReading, ImportedReading, ImportedReading];
    expect(s1.series).not.toBe(s2.series);
    expect(team2.series).toBe(team3.series);
    expect(team2.startNs).not.toBe(team3.startNs);
  });

  it("gives a corrected export the same keys, so that importing it replaces the first", () => {
    const first = parseSpendExport("date,session_id,model,cost_usd\n2026-11-02,s-1,m,1.00\n2026-11-02,,m,3\n");
    const corrected = parseSpendExport("model,cost_usd,date,session_id\nm,1.50,2026-11-02,s-1\nm,2,2026-11-02,\n");
    expect(corrected.map((r) => [r.series, r.startNs, r.timeNs])).toEqual(
      first.map((r) => [r.series, r.startNs, r.timeNs]),
    );
    expect(corrected.map((r) => r.value)).toEqual([1.5, 2]);
  });

  it("sums the rows of one key (an export by hour, or by API key): one reading per key", () => {
    const readings = parseSpendExport(
      "timestamp,api_key_name,model,input_tokens,cost_usd\n" +
        "2026-11-02T09:00:00Z,ci-key,claude-sonnet-4-5,1000,0.50\n" +
        "2026-11-02T10:00:00Z,laptop-key,claude-sonnet-4-5,500,0.25\n" +
        "2026-11-02T23:59:59Z,ci-key,claude-sonnet-4-5,1,0.01\n",
    );
    expect(facts(readings)).toEqual(
      facts([
        { agent: "unknown", sessionId: null, model: "claude-sonnet-4-5", measure: "costUsd", value: 0.76, at: DAY_2 },
        { agent: "unknown", sessionId: null, model: "claude-sonnet-4-5", measure: "input", value: 1501, at: DAY_2 },
      ] as ImportedReading[]).map((r) => ({ ...r, value: r.measure === "costUsd" ? expect.closeTo(0.76, 9) : 1501 })),
    );
    expect(new Set(readings.map((r) => `${r.series} ${r.startNs}`)).size).toBe(readings.length);
  });

  it("reads an empty JSON array as nothing, and zero as a value", () => {
    expect(parseSpendExport("[]")).toEqual([]);
    expect(total(parseSpendExport("date,cost_usd\n2026-11-02,0\n"))).toBe(0);
    expect(parseSpendExport("date,cost_usd\n2026-11-02,0\n")).toHaveLength(1);
  });
});

describe("spend import: every error names the line or row, and the field", () => {
  it.each([
    [
      "a row without a date",
      "date,cost_usd\n2026-11-02,1\n,2\n",
      "line 3: no date (a date or timestamp column is required)",
    ],
    [
      "a date that is not one",
      "date,cost_usd\n02/11/2026,1\n",
      'line 2: date "02/11/2026" is not YYYY-MM-DD or an ISO 8601 time',
    ],
    [
      "a bad number",
      "date,cost_usd\n2026-11-02,1\n2026-11-02,1.2.3\n",
      'line 3: cost_usd "1.2.3" is not a non-negative number',
    ],
    ["a negative cost", "date,Amount\n2026-11-02,-4\n", 'line 2: Amount "-4" is not a non-negative number'],
    [
      "a negative token count",
      "date,output_tokens\n2026-11-02,-1\n",
      'line 2: output_tokens "-1" is not a non-negative number',
    ],
    [
      "a hex number",
      "date,input_tokens\n2026-11-02,0x10\n",
      'line 2: input_tokens "0x10" is not a non-negative number',
    ],
    [
      "a thousands separator",
      'date,input_tokens\n2026-11-02,"1,234"\n',
      'line 2: input_tokens "1,234" is not a non-negative number',
    ],
    ["Infinity", "date,cost_usd\n2026-11-02,Infinity\n", 'line 2: cost_usd "Infinity" is not a non-negative number'],
    ["a row with neither cost nor tokens", "date,model\n2026-11-02,m\n", "line 2: neither cost_usd nor token counts"],
    [
      "another currency (never taken as USD)",
      "date,model,amount,Currency\n2026-11-02,gpt-5-codex,10.00,EUR\n",
      'line 2: Currency "EUR": amounts are read as USD; convert the export to USD first',
    ],
    [
      "a day the calendar does not have",
      "date,cost_usd\n2025-02-30,1\n",
      'line 2: date "2025-02-30" is not a day of the calendar',
    ],
    [
      "a cost no row can hold",
      "date,cost_usd\n2026-11-02,1e308\n",
      "line 2: cost_usd 1e308 is more than a row may hold (1000000)",
    ],
    [
      "a header without a date",
      "model,cost_usd\nm,1\n",
      "line 1: the header names no date column (got: model, cost_usd)",
    ],
    [
      "a header without a date after blank lines",
      "\n\nmodel,cost_usd\nm,1\n",
      "line 3: the header names no date column",
    ],
    [
      "an unclosed quote",
      'date,cost_usd,note\n2026-11-02,1,ok\n2026-11-02,2,"open\nstill open\n',
      "line 3: a quoted field is not closed",
    ],
    [
      "too few fields",
      "date,session_id,cost_usd\n2026-11-02,s-1,1\n2026-11-02,2\n",
      "line 3: 2 fields, the header has 3",
    ],
    ["too many fields", "date,cost_usd\n2026-11-02,1,2\n", "line 2: 3 fields, the header has 2"],
    [
      "a field count off after a quoted line break (the row's first line is named)",
      'date,note,cost_usd\n2026-11-02,"a\nb",1\n2026-11-03,"c\nd"\n',
      "line 4: 2 fields, the header has 3",
    ],
    ["an empty file", "", "the file is empty"],
    ["JSON that does not parse", '[{"date": "2026-11-02",', "the JSON does not parse"],
    [
      "JSON that is not a list of rows",
      '{"data": []}',
      "the JSON must be an array of rows, or an object with a `rows` array",
    ],
    ["a JSON row that is not an object", '[{"date":"2026-11-02","cost_usd":1}, 7]', "row 2: an object is expected"],
    ["a JSON row without a date", '{"rows":[{"date":"2026-11-02","cost_usd":1},{"cost_usd":1}]}', "row 2: no date"],
    [
      "a JSON row with a bad number",
      '[{"date":"2026-11-02","input_tokens":true}]',
      'row 1: input_tokens "true" is not a non-negative number',
    ],
    [
      "a JSON row with a negative number",
      '[{"date":"2026-11-02","costUsd":-0.5}]',
      'row 1: costUsd "-0.5" is not a non-negative number',
    ],
  ])("%s", (_name, text, message) => {
    let error: unknown;
    try {
      parseSpendExport(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toContain(message);
  });
});
