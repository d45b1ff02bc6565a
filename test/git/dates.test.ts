import { describe, expect, it } from "vitest";
import { isoDate } from "../../src/git/dates.js";

describe("isoDate", () => {
  it.each([
    ["1736503200 +0000", "2025-01-10T10:00:00+00:00"],
    ["1736506800 +0530", "2025-01-10T16:30:00+05:30"],
    ["1736510400 -0800", "2025-01-10T04:00:00-08:00"],
    ["1736510400 +0000", "2025-01-10T12:00:00+00:00"], // the same instant in another zone: another day's text
    ["0 +0000", "1970-01-01T00:00:00+00:00"],
    ["951782400 +0000", "2000-02-29T00:00:00+00:00"], // a leap day
    ["1677628799 +0000", "2023-02-28T23:59:59+00:00"], // the last second of February
    ["1677628800 +0000", "2023-03-01T00:00:00+00:00"], // and the first of March
    ["1677628800 -0100", "2023-02-28T23:00:00-01:00"], // the same instant, still February there
    ["1709208000 +0000", "2024-02-29T12:00:00+00:00"],
    ["946684799 +0000", "1999-12-31T23:59:59+00:00"], // the last second of a year
    ["946684800 +0000", "2000-01-01T00:00:00+00:00"], // and the first of the next
    ["1735689599 +0100", "2025-01-01T00:59:59+01:00"], // already next year in its zone
    ["4107542399 +1400", "2100-03-01T13:59:59+14:00"], // 2100 is not a leap year
    ["253402300799 +0000", "9999-12-31T23:59:59+00:00"],
    ["1736503200 +0099", "2025-01-10T11:39:00+00:99"], // minutes are not checked, as in git
    ["100 -0500", "1970-01-01T00:00:00+00:00"], // before the epoch in its zone: git will not show it
    ["d", "d"], // not a raw date: kept
    ["12 x0100", "12 x0100"],
  ])("writes the raw date %s as git's %%aI would: %s", (raw, iso) => {
    expect(isoDate(raw)).toBe(iso);
  });
});
