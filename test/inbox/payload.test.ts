// What the intake stores: the verified text as received, when it is a JSON object of bounded depth.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPayloadShape, jsonDepth, MAX_PAYLOAD_DEPTH } from "../../src/inbox/payload.js";
import { webhookFixture } from "../helpers/fixtures.js";
import { propertyParams, propertySeed } from "../helpers/property.js";

describe("checkPayloadShape", () => {
  it.each([
    ["null", "null", "the payload must be a JSON object; it is not an object"],
    ["a string", '"x"', "the payload must be a JSON object; it is not an object"],
    ["a number", "42", "the payload must be a JSON object; it is not an object"],
    ["an array", " [1, 2]", "the payload must be a JSON object; it is an array"],
    ["nothing", "  \n", "the payload must be a JSON object; it is empty"],
    ["100,000 levels", `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`, "the payload nests deeper than 64 levels"],
    ["65 levels", `${'{"a":'.repeat(65)}1${"}".repeat(65)}`, "the payload nests deeper than 64 levels"],
    ["a truncated object", '{"action": "opened", broken', /^the payload is not valid JSON \(/],
    ["an object and more", '{"a":1} {"b":2}', /^the payload is not valid JSON \(/],
  ])("refuses %s, saying why", (_what, text, error) => {
    const check = checkPayloadShape(Buffer.from(text));
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.error).toMatch(error);
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(checkPayloadShape(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toEqual({
      ok: false,
      error: "the payload is not UTF-8 text",
    });
  });

  it("keeps the text exactly as received and reads the inbox columns from it", () => {
    const text = `{ "zeta":1,\n "action" : "opened", "installation":{"id":77},"repository":{"id":5,"full_name":"o/r"},"t":"caf\\u00e9 ☕" }`;
    const check = checkPayloadShape(Buffer.from(text));
    expect(check).toMatchObject({
      ok: true,
      text,
      action: "opened",
      installationId: 77,
      repositoryId: 5,
      repositoryFullName: "o/r",
    });
  });

  it("takes fields of the wrong type as absent", () => {
    const check = checkPayloadShape('{"action":1,"installation":{"id":"7"},"repository":null}');
    expect(check).toMatchObject({ ok: true, action: null, installationId: null, repositoryId: null });
  });

  it("accepts GitHub's real payloads at exactly their depth", () => {
    for (const name of ["pull_request.opened", "deployment_status.created", "installation.created"]) {
      const text = JSON.stringify(webhookFixture(name));
      expect(checkPayloadShape(text).ok, name).toBe(true);
      expect(jsonDepth(text)).toBeLessThan(MAX_PAYLOAD_DEPTH / 4);
    }
  });
});

/** The depth of a parsed value, counted the slow and obvious way. */
function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe("jsonDepth", () => {
  it.each([
    ["{}", 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"s":"}}}]]]{{{[[["}', 1],
    ['{"s":"\\"{[","t":"\\\\"}', 1],
    ['{"s":"\\\\\\"[{"}', 1],
    ['["\\\\",[["x"]]]', 3],
  ])("%s nests %i deep", (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it("accepts 64 levels, GitHub's deepest payloads by far", () => {
    expect(checkPayloadShape(`${'{"a":'.repeat(64)}1${"}".repeat(64)}`).ok).toBe(true);
  });

  it("stops counting past the limit", () => {
    expect(jsonDepth("[".repeat(10_000), 64)).toBe(65);
  });

  it(`agrees with the parsed value's depth (fast-check, seed ${propertySeed()})`, () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "binary" }),
        fc.constantFrom('"', "\\", '\\"', "{", "]", "\\\\"),
        fc.integer(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: "binary" }), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { maxKeys: 4 }), fc.boolean(), (value, pretty) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        expect(jsonDepth(text, 1_000)).toBe(depthOf(value));
      }),
      propertyParams({ numRuns: 2_000 }),
    );
  });
});
