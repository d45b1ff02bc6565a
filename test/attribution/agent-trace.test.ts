import { describe, expect, it, vi } from "vitest";
import {
  parseTraceRecords,
  sessionFromParsedUrl,
  sessionFromUrl,
  TRACE_LIMITS,
  TraceIndex,
  traceEvidence,
} from "../../src/attribution/agent-trace.js";
import { MAX_RECORD_EVIDENCE, withRecords } from "../../src/attribution/records.js";
import type { Evidence } from "../../src/attribution/types.js";
import { humanRecord, mixedRecord, referenceHookRecord, specExampleRecord } from "../fixtures/records/examples.js";

const C1 = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0";
const C2 = "b".repeat(40);
const C3 = "c".repeat(40);
const jsonl = (...records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
const at = (iso: string) => Date.parse(iso);

describe("parseTraceRecords", () => {
  it("reads JSON Lines, a pretty-printed record and an array, counting what is not a record", () => {
    expect(parseTraceRecords(jsonl(specExampleRecord(C1), mixedRecord(C2))).records.map((r) => r.revision)).toEqual([
      C1,
      C2,
    ]);
    expect(parseTraceRecords(JSON.stringify(specExampleRecord(C1), null, 2)).records).toHaveLength(1);
    expect(parseTraceRecords(JSON.stringify([specExampleRecord(C1), humanRecord(C2)])).records).toHaveLength(2);
    const bad = parseTraceRecords(`${JSON.stringify(specExampleRecord(C1))}\nnot json\n{"no":"files"}\n\n`);
    expect(bad).toMatchObject({ invalid: 2 });
    expect(bad.records).toHaveLength(1);
  });

  it("keeps a git revision only (upper case lowered), the tool and its agent", () => {
    const [record] = parseTraceRecords(
      jsonl(
        { ...specExampleRecord(C1.toUpperCase()) },
        { ...specExampleRecord(C1), vcs: { type: "jj", revision: "kkmpptxz" } },
      ),
    ).records;
    expect(record).toMatchObject({ revision: C1, tool: "cursor 2.4.0", agent: "cursor" });
    expect(
      parseTraceRecords(jsonl({ ...specExampleRecord(C1), vcs: { type: "jj", revision: "kkmpptxz" } })).records[0]
        ?.revision,
    ).toBeNull();
  });
});

describe("traceEvidence", () => {
  const evidenceOf = (...records: unknown[]) => traceEvidence(C1, parseTraceRecords(jsonl(...records)).records);

  it.each([
    {
      name: "the spec's example (§6.2): AI, two models, the conversation and its related session",
      records: [specExampleRecord(C1)],
      ai: true,
      lines: { ai: 42, mixed: 0, total: 42 },
      agents: ["cursor"],
      models: ["claude-opus-4-5-20251101", "gpt-4o"],
      sessions: ["12345", "67890"],
    },
    {
      name: "AI, mixed and human conversations in one file (§6.3)",
      records: [mixedRecord(C1)],
      ai: true,
      lines: { ai: 48, mixed: 3, total: 60 },
      agents: ["claude-code"],
      models: ["claude-sonnet-4-20250514", "gpt-4o"],
      sessions: ["abc"],
    },
    {
      name: "a human-only record: not AI, its lines still recorded",
      records: [humanRecord(C1)],
      ai: false,
      lines: { ai: 0, mixed: 0, total: 4 },
      agents: [],
      models: [],
      sessions: [],
    },
    {
      name: "the reference hook's record: a file:// transcript is no link, the metadata's session id is used",
      records: [referenceHookRecord(C1, "2026-01-25T10:00:00Z")],
      ai: true,
      lines: { ai: 50, mixed: 0, total: 50 },
      agents: ["claude-code"],
      models: ["claude-opus-4-5-20251101"],
      sessions: ["7f3e9a2c-1b4d-4e6f-8a0b-2c4d6e8f0a1b"],
    },
    {
      name: "Appendix A's minimal record: AI without tool, model or session",
      records: [
        {
          version: "0.1.0",
          id: "550e8400-e29b-41d4-a716-446655440000",
          timestamp: "2026-01-25T10:00:00Z",
          files: [
            {
              path: "src/app.ts",
              conversations: [{ contributor: { type: "ai" }, ranges: [{ start_line: 1, end_line: 50 }] }],
            },
          ],
        },
      ],
      ai: true,
      lines: { ai: 50, mixed: 0, total: 50 },
      agents: ["generic"],
      models: [],
      sessions: [],
    },
    {
      name: "two records covering the same lines count them once; a range's own contributor overrides",
      records: [
        specExampleRecord(C1),
        {
          ...humanRecord(C1),
          files: [
            {
              path: "src/utils/parser.ts",
              conversations: [
                {
                  contributor: { type: "human" },
                  ranges: [
                    { start_line: 60, end_line: 70 },
                    { start_line: 71, end_line: 72, contributor: { type: "ai", model_id: "google/gemini-2.5-pro" } },
                  ],
                },
              ],
            },
          ],
        },
      ],
      ai: true,
      lines: { ai: 44, mixed: 0, total: 47 },
      agents: ["cursor", "generic"],
      models: ["claude-opus-4-5-20251101", "gemini-2.5-pro", "gpt-4o"],
      sessions: ["12345", "67890"],
    },
  ])("$name", ({ records, ai, lines, agents, models, sessions }) => {
    const found = evidenceOf(...records);
    expect(found).toMatchObject({ source: "agent-trace", commit: C1, ai, lines });
    expect([...new Set(found.evidence.map((e) => e.agent))].sort()).toEqual(agents);
    expect([...new Set(found.evidence.flatMap((e) => (e.model ? [e.model] : [])))].sort()).toEqual(models);
    expect([...new Set(found.evidence.flatMap((e) => (e.session ? [e.session.id] : [])))].sort()).toEqual(sessions);
    for (const e of found.evidence)
      expect(e).toMatchObject({ marker: "agent-trace/record", source: "agent-trace", commit: C1 });
  });

  it("links sessions by their URL", () => {
    const found = evidenceOf(specExampleRecord(C1));
    expect(found.evidence[0]?.session).toEqual({
      agent: "cursor",
      id: "12345",
      url: "https://api.cursor.com/v1/conversations/12345",
    });
  });
  it("writes each piece's text as it did, models in the order found, lines as the union of ranges", () => {
    const record = (over: object) => ({ version: "0.1.0", id: "r", timestamp: "2026-01-25T10:00:00Z", ...over });
    const found = evidenceOf(
      record({
        tool: { name: "Claude", version: "2.1" },
        files: [
          {
            path: "a.ts",
            conversations: [
              {
                contributor: { type: "ai", model_id: "m-one" },
                ranges: [
                  { start_line: 1, end_line: 5 },
                  { start_line: 3, end_line: 9, contributor: { type: "mixed", model_id: "m-two" } },
                  { start_line: 20, end_line: 20, contributor: { type: "ai", model_id: "m-one" } },
                ],
              },
            ],
          },
          { path: "", conversations: [{ contributor: { type: "mixed" }, ranges: [{ start_line: 7, end_line: 8 }] }] },
          { conversations: [{ contributor: { type: "ai", model_id: "m-three" } }] },
        ],
      }),
      record({
        files: [
          {
            path: "a.ts",
            conversations: [
              { url: "https://x.dev/c/42", contributor: { type: "human" }, ranges: [{ start_line: 4, end_line: 30 }] },
            ],
          },
        ],
      }),
    );
    // What the implementation before the fast paths (one range, no mixed range, no Set) gave.
    expect(found.lines).toEqual({ ai: 6, mixed: 6, total: 32 });
    expect(found.evidence.map((e) => [e.text, e.model ?? null])).toEqual([
      ["Claude 2.1 a.ts ai m-one", "m-one"],
      ["Claude 2.1 a.ts ai m-two", "m-two"],
      ["Claude 2.1 mixed", null],
      ["Claude 2.1 ai m-three", "m-three"],
    ]);
  });
  it("reads at most 200,000 records of a file, and counts the lines it left unread", () => {
    const line = `${JSON.stringify({ version: "0.1.0", id: "x", files: [] })}\n`;
    const lines = `${line.repeat(TRACE_LIMITS.records)}\n${line}  \r\n${line}${line.trim()}`;
    const parsed = parseTraceRecords(lines);
    expect(parsed).toMatchObject({ invalid: 0, unread: 3 });
    expect(parsed.records).toHaveLength(TRACE_LIMITS.records);
    expect(TraceIndex.read(lines)).toMatchObject({ records: TRACE_LIMITS.records, invalid: 0, unread: 3 });
    const array = JSON.stringify(Array.from({ length: TRACE_LIMITS.records + 2 }, () => ({ files: [] })));
    expect(parseTraceRecords(array)).toMatchObject({ invalid: 0, unread: 2 });
    expect(parseTraceRecords(array).records).toHaveLength(TRACE_LIMITS.records);
    expect(TraceIndex.read(array)).toMatchObject({ records: TRACE_LIMITS.records, invalid: 0, unread: 2 });
  });

  it("reads no line number past ten million: 1e308 is valid JSON, and would add up to Infinity", () => {
    const record = (ranges: object[]) => ({
      version: "0.1.0",
      id: "r",
      timestamp: "2026-01-25T10:00:00Z",
      files: [{ path: "a.ts", conversations: [{ contributor: { type: "ai" }, ranges }] }],
    });
    const found = evidenceOf(
      record([{ start_line: 1, end_line: 1e308 }]),
      record([{ start_line: 1e308, end_line: 1e308 }]),
      record([{ start_line: 2 ** 53, end_line: 2 ** 53 + 2 }]),
      record([{ start_line: 9_999_999, end_line: 10_000_000 }]),
    );
    expect(found.lines).toEqual({ ai: 2, mixed: 0, total: 2 });
  });

  // A conversation names up to 20 related sessions and a model per range: every (model, session)
  // pair was a piece of evidence, millions for a file a pull request's author can write.
  const fanOut = (tool: string, id: string, models: number, sessions: number) => ({
    version: "0.1.0",
    id,
    timestamp: "2026-01-01T00:00:00Z",
    vcs: { type: "git", revision: C1 },
    tool: { name: tool },
    files: [
      {
        path: "src/a.ts",
        conversations: Array.from({ length: 3 }, (_, k) => ({
          url: `https://example.com/${id}/c${k}`,
          contributor: { type: "ai" },
          ranges: Array.from({ length: models }, (_, i) => ({
            start_line: i + 1,
            end_line: i + 1,
            contributor: { type: "ai", model_id: `${tool}-model-${i}` },
          })),
          related: Array.from({ length: sessions }, (_, r) => ({
            type: "session",
            url: `https://example.com/${id}/s${k}-${r}`,
          })),
        })),
      },
    ],
  });

  it("builds at most MAX_RECORD_EVIDENCE pieces an agent, the first ones, however many pairs a record names", () => {
    const records = parseTraceRecords(
      jsonl(fanOut("cursor", "r1", 1000, 20), fanOut("claude", "r2", 1000, 20)),
    ).records;
    const { evidence, lines } = traceEvidence(C1, records);
    expect(evidence.filter((e) => e.agent === "cursor")).toHaveLength(MAX_RECORD_EVIDENCE);
    expect(evidence.filter((e) => e.agent === "claude-code")).toHaveLength(MAX_RECORD_EVIDENCE);
    // The first pieces in the record's order: its first model, with each session in turn.
    expect(evidence[0]).toMatchObject({ model: "cursor-model-0", session: { url: expect.stringContaining("/r1/c0") } });
    expect(new Set(evidence.slice(0, MAX_RECORD_EVIDENCE).map((e) => e.model))).toEqual(new Set(["cursor-model-0"]));
    // Lines are all counted: the cap is on the pieces shown, not on what the record says.
    expect(lines).toEqual({ ai: 1000, mixed: 0, total: 1000 });
  });

  it("joins to the same attribution as every pair would, whichever agents a configuration switches off", () => {
    // Every pair, as before the cap, for comparison.
    const uncapped = (records: ReturnType<typeof parseTraceRecords>["records"]) => {
      const all: Evidence[] = [];
      const seen = new Set<string>();
      for (const record of records)
        for (const file of record.files)
          for (const c of file.conversations) {
            const models = [...new Set(c.ranges.filter((r) => r.type === "ai").map((r) => r.model))];
            for (const model of models)
              for (const session of c.sessions) {
                const key = `${record.agent}|${model}|${session.id}`;
                if (seen.has(key)) continue;
                seen.add(key);
                const text = `${record.tool} ${file.path} ${c.type} ${model}`;
                all.push({
                  agent: record.agent,
                  marker: "agent-trace/record",
                  source: "agent-trace",
                  commit: C1,
                  text,
                  ...(model ? { model } : {}),
                  session,
                });
              }
          }
      return all;
    };
    const base = {
      sha: C1,
      authorIgnored: false,
      ai: false,
      agents: [],
      models: [],
      sessions: [],
      evidence: [],
      ignored: [],
    };
    for (const [models, sessions] of [
      [1, 1],
      [5, 3],
      [30, 1],
      [1, 30],
      [40, 20],
    ] as const) {
      const records = parseTraceRecords(
        jsonl(
          fanOut("cursor", "r1", models, sessions),
          fanOut("claude", "r2", models, sessions),
          fanOut("amp", "r3", 2, 2),
        ),
      ).records;
      const capped = traceEvidence(C1, records);
      // Per agent, its first pieces as every pair would give them.
      const pick = (e: Evidence) => `${e.agent} ${e.model} ${e.session?.url}`;
      for (const agent of ["cursor", "claude-code", "amp"]) {
        const own = uncapped(records).filter((e) => e.agent === agent);
        expect(capped.evidence.filter((e) => e.agent === agent).map(pick)).toEqual(
          own.slice(0, MAX_RECORD_EVIDENCE).map(pick),
        );
      }
      for (const off of [[], ["cursor"], ["claude-code"], ["cursor", "claude-code"], ["agent-trace/record"]]) {
        const withCap = withRecords(base, [capped], off);
        const without = withRecords(base, [{ ...capped, evidence: uncapped(records) }], off);
        expect({ ...withCap, ignored: withCap.ignored.length > 0 }, `${models}×${sessions} off ${off}`).toEqual({
          ...without,
          ignored: without.ignored.length > 0,
        });
      }
    }
  });
});

describe("TraceIndex", () => {
  // C3 ← C2 ← C1 (C1 newest), committed at 10:00, 11:00, 12:00.
  const commits = [
    { sha: C1, parents: [C2], committedAt: at("2026-01-25T12:00:00Z") },
    { sha: C2, parents: [C3], committedAt: at("2026-01-25T11:00:00Z") },
    { sha: C3, parents: [], committedAt: at("2026-01-25T10:00:00Z") },
  ];
  // Both ways in: a trace file read into the index (records parsed again when claimed), and
  // records already parsed (notes).
  const indexes = {
    read: (text: string) => TraceIndex.read(text).index,
    of: (text: string) => TraceIndex.of(parseTraceRecords(text).records),
  };
  const match = (...records: unknown[]) =>
    Object.values(indexes).map((make) => {
      const index = make(jsonl(...records));
      return commits.map((c) => index.recordsFor(c).map((r) => r.timestamp));
    });

  it.each([
    {
      name: "a record written at the parent before the commit describes the commit (the reference hook)",
      record: referenceHookRecord(C2, "2026-01-25T11:30:00Z"),
      expected: [[at("2026-01-25T11:30:00Z")], [], []],
    },
    {
      name: "a record at a commit written after its child was committed describes the commit itself",
      record: specExampleRecord(C2, "2026-01-25T12:30:00Z"),
      expected: [[], [at("2026-01-25T12:30:00Z")], []],
    },
    {
      name: "a record at the newest commit, with no child, describes it",
      record: specExampleRecord(C1, "2026-01-25T12:01:00Z"),
      expected: [[at("2026-01-25T12:01:00Z")], [], []],
    },
    {
      name: "a record of an unknown revision describes nothing here",
      record: specExampleRecord("d".repeat(40)),
      expected: [[], [], []],
    },
  ])("$name", ({ record, expected }) => {
    expect(match(record)).toEqual([expected, expected]);
  });

  it("hands out the records of a trace file as parseTraceRecords reads them, with the same counts", () => {
    const records = [
      specExampleRecord(C2, "2026-01-25T12:30:00Z"),
      mixedRecord(C1),
      referenceHookRecord(C2, "2026-01-25T11:30:00Z"),
      { ...specExampleRecord(C3), vcs: { type: "jj", revision: "kkmpptxz" } },
    ];
    const abroad = { ...mixedRecord(C1), files: [{ path: "docs/日本語/読む.md", conversations: [] }] };
    const texts = [
      `${jsonl(records[0], records[1])}not json\n{"no":"files"}\n\n${jsonl(records[2], records[3])}`,
      JSON.stringify([...records, { no: "files" }, 7]),
      JSON.stringify(records[0], null, 2),
      `\n  \r\n${JSON.stringify(records[0], null, 2)}\n`,
      // A byte-order mark, CRLF line ends, a path outside Latin-1, a last line without its end.
      `\ufeff${JSON.stringify(records[1])}\r\n${JSON.stringify(abroad)}\r\n${JSON.stringify(records[2])}`,
      `${JSON.stringify(records[0])}\n`,
      "   \n",
    ];
    // As GitHub gives the file (a string), and as git gives it to scan (bytes, decoded by line).
    const bytes = (text: string) => Buffer.from(text);
    const broken = Buffer.concat([
      bytes(jsonl(records[0])),
      Buffer.from([0xe2, 0x82, 0x0a, 0xff]),
      bytes(`\n${jsonl(abroad)}`),
    ]);
    const cases = [...texts.flatMap((text) => [text, bytes(text)]), broken, broken.toString("utf8")];
    for (const text of cases) {
      const parsed = parseTraceRecords(typeof text === "string" ? text : text.toString("utf8"));
      const { index, ...counts } = TraceIndex.read(text);
      expect(counts).toEqual({ records: parsed.records.length, invalid: parsed.invalid, unread: parsed.unread });
      // Commit by commit, the same records in the same order as an index of the parsed records.
      const reference = TraceIndex.of(parsed.records);
      expect(commits.map((c) => index.recordsFor(c))).toEqual(commits.map((c) => reference.recordsFor(c)));
    }
    // The path outside Latin-1 comes back whole from the bytes.
    const fromBytes = TraceIndex.read(bytes(texts[4] as string)).index.recordsFor(commits[0] as (typeof commits)[0]);
    expect(fromBytes.flatMap((r) => r.files.map((f) => f.path))).toContain("docs/日本語/読む.md");
  });

  it("never parses alone a first line longer than a line may be (a file of one 1.5 MB line, or with more)", () => {
    const long = `{"a":[${"{},".repeat(500_000)}{}`; // no closing brace
    const parse = vi.spyOn(JSON, "parse");
    try {
      const longCalls = () => parse.mock.calls.filter(([text]) => text.length > TRACE_LIMITS.line).length;
      for (const text of [long, `${long}\n`, `\n\n${long}  \n  \n`]) {
        parse.mockClear();
        expect(TraceIndex.read(text)).toMatchObject({ records: 0, invalid: 1, unread: 0 });
        expect(longCalls()).toBe(0);
      }
      // With a record after it, the whole is tried as one JSON value (a pretty-printed record's
      // first line is "{"), once; the long line is not parsed on its own.
      parse.mockClear();
      const text = `${long}\n${JSON.stringify(referenceHookRecord(C2, "2026-01-25T11:30:00Z"))}\n`;
      expect(TraceIndex.read(text)).toMatchObject({ records: 1, invalid: 1, unread: 0 });
      expect(longCalls()).toBe(1);
    } finally {
      parse.mockRestore();
    }
  });

  it("reads a timestamp without a zone as UTC, whatever the machine's time zone", () => {
    const timestamps = [
      "2026-01-25T11:30:00",
      "2026-01-25T11:30:00.250",
      "2026-01-25T11:30",
      "2026-01-25 11:30:00",
      "2026-01-25T11:30:00+02:00",
    ];
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York"; // node reads a changed TZ at once
    const records = parseTraceRecords(jsonl(...timestamps.map((t) => referenceHookRecord(C2, t)))).records;
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
    expect(records.map((r) => r.timestamp)).toEqual([
      at("2026-01-25T11:30:00Z"),
      at("2026-01-25T11:30:00.250Z"),
      at("2026-01-25T11:30:00Z"),
      at("2026-01-25T11:30:00Z"),
      at("2026-01-25T09:30:00Z"),
    ]);
  });

  it("counts a record once when git lists its revision before a child (skewed commit dates)", () => {
    const index = TraceIndex.read(jsonl(referenceHookRecord(C2, "2026-01-25T11:30:00Z"))).index;
    // C2 first, as `git rev-list` can list it when its child C1's date is older than its own.
    expect(index.recordsFor({ sha: C2, parents: [C3], committedAt: at("2026-01-25T13:00:00Z") })).toHaveLength(1);
    expect(index.recordsFor({ sha: C1, parents: [C2], committedAt: at("2026-01-25T12:00:00Z") })).toEqual([]);
  });
});

describe("sessionFromUrl", () => {
  /** Every link read through new URL(), as before the shortcut for plain links. */
  const reference = (url: string) => {
    const text = url.trim().slice(0, 500);
    return text ? sessionFromParsedUrl("cursor", text) : null;
  };

  it("reads every link as new URL() does", () => {
    const hosts = [
      "api.cursor.com",
      "API.Example.COM",
      "1.2.3.4",
      "999.1.1.1",
      "a..b",
      "xn--nxasmq6b.com",
      "x-y.dev",
      "localhost",
      "h:8080",
      "h:99999",
      "0x7f.1",
      "ex ample.com",
      "",
    ];
    const segments = [
      "v1",
      "conversations",
      "12345",
      ".",
      "..",
      "%2e%2e",
      "a%20b",
      "%zz",
      "x.y",
      "_~-",
      "é",
      "",
      "a b",
      "A".repeat(210),
      "?id=42",
      "?x=1",
      "#frag",
      "?id=",
      "%E2%82%AC",
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const cases = [
      "https://claude.ai/chat/abc-123",
      "http://x.com/",
      "HTTPS://Example.com/a/b/",
      "https://x.com",
      "ftp://x.com/a",
      "file:///home/dev/.claude/transcript.jsonl",
      "mailto:dev@example.com",
      "  https://x.dev/c/42  ",
      "https ://x.com/a",
    ];
    for (let i = 0; i < 5000; i++) {
      let url = `${random(2) ? "https" : "HTTP"}://${hosts[random(hosts.length)]}`;
      for (let k = random(5); k > 0; k--) url += `/${segments[random(segments.length)]}`;
      if (random(4) === 0) url += "/";
      cases.push(url);
    }
    for (const url of cases) expect(sessionFromUrl("cursor", url), url).toEqual(reference(url));
  });
});
