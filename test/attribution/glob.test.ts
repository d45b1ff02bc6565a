import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, globMatch, hasWildcard } from "../../src/attribution/glob.js";
import { propertyParams } from "../helpers/property.js";

describe("globMatch", () => {
  it.each([
    ["*", "", true],
    ["*", "anything at all", true],
    ["", "", true],
    ["", "a", false],
    ["abc", "abc", true],
    ["abc", "abd", false],
    ["a?c", "abc", true],
    ["a?c", "ac", false],
    ["claude/*", "claude/fix-login", true],
    ["claude/*", "feature/claude", false],
    ["*+copilot@users.noreply.github.com", "198982749+Copilot@users.noreply.github.com", false],
    ["* (aider)", "Jane Doe (aider)", true],
    ["* (aider)", "Jane Doe", false],
    ["*bot*", "renovate[bot]", true],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
    ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true],
    ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
    ["\\*literal", "*literal", true],
    ["\\*literal", "xliteral", false],
    ["what\\?", "what?", true],
    ["what\\?", "whatX", false],
    ["trailing\\", "trailing\\", true],
    ["??", "🤖!", true], // `?` is one code point, not one UTF-16 unit
    ["?", "🤖", true],
    ["a**b", "ab", true],
  ])("%j matches %j: %s", (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it.each([
    ["*+copilot@users.noreply.github.com", "198982749+Copilot@users.noreply.github.com", true],
    ["AI-ASSISTED", "ai-assisted", true],
    ["Cursor Agent", "cursor agent", true],
    ["ai-*", "AI-Generated", true],
  ])("case-insensitive %j matches %j: %s", (pattern, text, expected) => {
    expect(globMatch(pattern, text, { caseInsensitive: true })).toBe(expected);
  });

  it("treats regex metacharacters as literals", () => {
    expect(globMatch("a.b", "axb")).toBe(false);
    expect(globMatch("a.b", "a.b")).toBe(true);
    expect(globMatch("(x+)+$", "(x+)+$")).toBe(true);
    expect(globMatch("[bot]", "b")).toBe(false);
    expect(globMatch("*[bot]", "claude[bot]")).toBe(true);
  });

  it("reports whether a pattern has wildcards", () => {
    expect(hasWildcard("claude/*")).toBe(true);
    expect(hasWildcard("a?")).toBe(true);
    expect(hasWildcard("a\\*")).toBe(false);
    expect(compileGlob("plain").literal).toBe(true);
  });

  // What the attribution budget charges a test per character of its text (src/attribution/limits.ts).
  it.each<[string, number]>([
    ["noreply@anthropic.com", 1],
    ["*@acme.dev", 10],
    ["copilot*", 8],
    ["a**b", 3],
    ["\\*x", 1],
    ["??", 2],
    ["*", 1],
  ])("a test of %s costs at most %i steps a character", (pattern, cost) => {
    expect(compileGlob(pattern, { caseInsensitive: true }).costPerChar).toBe(cost);
  });

  it.each<[string, string, string, number, { matches: boolean; cut: boolean }]>([
    ["a match within the limit", "*.lock", "web/yarn.lock", 100, { matches: true, cut: false }],
    ["a mismatch within the limit", "*.lock", "web/yarn.json", 100, { matches: false, cut: false }],
    ["a text longer than the limit", "*.lock", `${"a".repeat(200)}.lock`, 100, { matches: false, cut: true }],
    ["backtracking past the limit", `*${"a".repeat(50)}b`, "a".repeat(400), 1_000, { matches: false, cut: true }],
    ["a literal pattern costs the text's length", "yarn.lock", "yarn.lock", 9, { matches: true, cut: false }],
    ["a literal pattern over the limit", "yarn.lock", "yarn.lock", 8, { matches: false, cut: true }],
  ])("a test with a step limit: %s", (_, pattern, text, limit, expected) => {
    const meter = { steps: 0, limit, cut: false };
    expect(compileGlob(pattern).test(text, meter)).toBe(expected.matches);
    expect(meter.cut).toBe(expected.cut);
    if (!expected.cut) expect(meter.steps).toBeLessThanOrEqual(limit);
    // Once cut, a next test on the same meter stops at once.
    if (expected.cut) expect(compileGlob("*").test("x", meter)).toBe(false);
  });

  it("agrees with a reference implementation on random inputs", () => {
    const alphabet = fc.constantFrom("a", "b", "*", "?");
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 10 }),
        (pattern, text) => {
          expect(globMatch(pattern, text)).toBe(reference(pattern, text));
        },
      ),
      propertyParams({ numRuns: 2000 }),
    );
  });

  it("answers hostile patterns against a 1 MB text (two-pointer matching, no backtracking blow-up)", () => {
    const text = "a".repeat(1_000_000);
    const hostile = `${"*a".repeat(50)}*b`; // 101 characters, many stars, never matches
    expect(globMatch(hostile, text)).toBe(false);
    expect(globMatch(`*${"a".repeat(100)}b`, text)).toBe(false);
  });
});

/** Exponential but obviously right: recursive wildcard matching. */
function reference(pattern: string, text: string): boolean {
  if (pattern === "") return text === "";
  const [head, rest] = [pattern[0], pattern.slice(1)];
  if (head === "*") return reference(rest, text) || (text !== "" && reference(pattern, text.slice(1)));
  if (text === "") return false;
  return (head === "?" || head === text[0]) && reference(rest, text.slice(1));
}
