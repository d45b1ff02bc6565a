import { describe, expect, it } from "vitest";
import { DateParamError, parseDateParam } from "../../src/util/date-param.js";

describe("parseDateParam", () => {
  it.each([
    ["2026-11-01", Date.UTC(2026, 10, 1)],
    [" 2026-11-01 ", Date.UTC(2026, 10, 1)],
    ["2026-11-01T09:00:00Z", Date.UTC(2026, 10, 1, 9)],
    ["2026-11-01T09:00:00+02:00", Date.UTC(2026, 10, 1, 7)],
  ])("reads %s", (text, ms) => {
    expect(parseDateParam("since", text)).toBe(ms);
  });

  it.each(["", "yesterday", "11/01/2026", "2026-13-45", "1730000000000"])(
    "refuses %j, naming the parameter",
    (text) => {
      expect(() => parseDateParam("since", text)).toThrow(DateParamError);
      expect(() => parseDateParam("since", text)).toThrow(/^since: expected a date such as 2026-11-01/);
    },
  );
});
