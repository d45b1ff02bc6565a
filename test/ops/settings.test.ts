// The variables of the API's bounds and of the operations endpoint (issue #13, items 17 and 19).
import { describe, expect, it } from "vitest";
import { ConfigurationError, loadSettings } from "../../src/config/env.js";

const load = (env: Record<string, string>) => loadSettings(env as NodeJS.ProcessEnv);

describe("config: API bounds and operations tokens", () => {
  it("has documented defaults: 4 reports at once, 2 per token, 200,000 changes, /metrics cached 30 s, no ops tokens", () => {
    expect(load({})).toMatchObject({
      apiLimits: { maxReports: 4, maxReportsPerToken: 2, maxReportChanges: 200_000, metricsCacheMs: 30_000 },
      opsTokens: [],
    });
  });

  it("reads each of them", () => {
    const settings = load({
      API_MAX_REPORTS: "8",
      API_MAX_REPORTS_PER_TOKEN: "1",
      API_MAX_REPORT_CHANGES: "50000",
      METRICS_CACHE_SECONDS: "60",
      OPS_TOKENS: " ops-token-0123456789-abc ; second-ops-token-0123456789 ",
    });
    expect(settings.apiLimits).toEqual({
      maxReports: 8,
      maxReportsPerToken: 1,
      maxReportChanges: 50_000,
      metricsCacheMs: 60_000,
    });
    expect(settings.opsTokens).toEqual(["ops-token-0123456789-abc", "second-ops-token-0123456789"]);
  });

  it.each([
    [{ API_MAX_REPORTS: "0" }, "API_MAX_REPORTS: expected a number of reports (a positive whole number)"],
    [{ METRICS_CACHE_SECONDS: "soon" }, "METRICS_CACHE_SECONDS: expected seconds (a positive whole number)"],
    [
      { OPS_TOKENS: "ops-token-0123456789-abc;short-secret" },
      "OPS_TOKENS: token 2 is not a token of at least 20 characters",
    ],
  ])("refuses %j, naming the variable and never echoing a token", (env, message) => {
    expect(() => load(env)).toThrow(ConfigurationError);
    expect(() => load(env)).toThrow(message);
    try {
      load(env);
    } catch (error) {
      expect((error as Error).message).not.toContain("short-secret");
    }
  });
});
