import { describe, expect, it } from "vitest";
import { DateParamError, parseDateParam } from "../../src/util/date-param.js";

describe("parseDateParam", () => {
  it.each([
    ["2026-11-01", Date.UTC(2026, 10, 1)],
    [" 2026-11-01 ", Date.UTC(2026, 10, 1)],
    ["2026-11-01T09:00:00Z", Date.UTC(2026, 10, 1, 9)],
    ["2026-11-01T09:00:00+02:00", Date.UTC(2026, 10, 1, 7)],
    ["2026-11-01T09:00:00", Date.UTC(2026, 10, 1, 9)],
    ["2026-11-01 09:00", Date.UTC(2026, 10, 1, 9)],
  ])("reads %s", (text, ms) => {
    expect(parseDateParam("since", text)).toBe(ms);
  });

  it("reads a time without a zone as UTC, as its day is, whatever the machine's time zone", () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York"; // node reads a changed TZ at once
    try {
      // The same request must name the same period on any server: reports' days and weeks are UTC.
      expect(parseDateParam("since", "2026-11-01T09:00:00")).toBe(Date.UTC(2026, 10, 1, 9));
      expect(parseDateParam("since", "2026-11-01")).toBe(Date.UTC(2026, 10, 1));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it.each(["", "yesterday", "11/01/2026", "2026-13-45", "1730000000000", "2026-02-30", "2026-04-31T09:00:00Z"])(
    "refuses %j, naming the parameter",
    (text) => {
      expect(() => parseDateParam("since", text)).toThrow(DateParamError);
      expect(() => parseDateParam("since", text)).toThrow(/^since: expected a date such as 2026-11-01/);
    },
  );
});
