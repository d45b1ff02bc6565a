// The PR check's line of repository context says when hints (branch names, labels, phrases) were
// not counted, so that its AI share is read for what it is.
import { expect, it } from "vitest";
import { computeReport } from "../../src/metrics/compute.js";
import { formatContextLine } from "../../src/metrics/format.js";
import type { MetricOptions } from "../../src/metrics/types.js";
import { input, options } from "./scenario.js";

it.each<[string, Partial<MetricOptions>, string]>([
  [
    "any evidence",
    {},
    "This repository, last 28 days: 0.38 normalised deployments (AI-assisted production deployments per engineer-week); 20 changes shipped, 60.0% AI-assisted.",
  ],
  [
    "explicit evidence only",
    { evidence: "explicit" },
    "This repository, last 28 days: 0.33 normalised deployments (AI-assisted production deployments per engineer-week); 20 changes shipped, 50.0% AI-assisted (explicit evidence only).",
  ],
])("context line: %s", (_name, overrides, line) => {
  expect(formatContextLine(computeReport(input, { ...options, ...overrides }))).toBe(line);
});
