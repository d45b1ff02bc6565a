// The variables of the API's bounds (issue #13, item 17).
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadSettings } from "../../src/config/env.js";

const load = (env: Record<string, string>) => loadSettings(env as NodeJS.ProcessEnv);

describe("config: API bounds", () => {
  it("has documented defaults: 4 reports at once, 2 per token, 200,000 changes, /metrics cached 30 s", () => {
    expect(load({})).toMatchObject({
      apiLimits: { maxReports: 4, maxReportsPerToken: 2, maxReportChanges: 200_000, metricsCacheMs: 30_000 },
    });
  });

  it("reads each of them", () => {
    const settings = load({
      API_MAX_REPORTS: "8",
      API_MAX_REPORTS_PER_TOKEN: "1",
      API_MAX_REPORT_CHANGES: "50000",
      METRICS_CACHE_SECONDS: "60",
    });
    expect(settings.apiLimits).toEqual({
      maxReports: 8,
      maxReportsPerToken: 1,
      maxReportChanges: 50_000,
      metricsCacheMs: 60_000,
    });
  });

  it.each([
    [{ API_MAX_REPORTS: "0" }, "API_MAX_REPORTS: expected a number of reports (a positive whole number)"],
    [{ METRICS_CACHE_SECONDS: "soon" }, "METRICS_CACHE_SECONDS: expected seconds (a positive whole number)"],
  ])("refuses %j, naming the variable", (env, message) => {
    expect(() => load(env)).toThrow(ConfigurationError);
    expect(() => load(env)).toThrow(message);
  });
});
