import { describe, expect, it } from "vitest";
import { formatTable } from "../../src/util/text-table.js";

describe("formatTable", () => {
  it("pads each column to its widest cell, two spaces apart, the last column unpadded", () => {
    expect(
      formatTable(
        ["name", "count"],
        [
          ["a", "1"],
          ["longer", "22"],
        ],
      ),
    ).toBe("name    count\na       1\nlonger  22\n");
  });

  it("prints the header alone when there are no rows, and treats a missing cell as empty", () => {
    expect(formatTable(["a", "b"], [])).toBe("a  b\n");
    expect(formatTable(["a", "b", "c"], [["x"]])).toBe("a  b  c\nx\n");
  });
});
