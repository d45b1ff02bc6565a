import { describe, expect, it } from "vitest";
import { escapeHtml, html, jsonBlock, raw } from "../../../src/web/dashboard/html.js";

describe("escapeHtml", () => {
  it.each([
    ["plain", "plain"],
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    [`a "quoted" 'value'`, "a &quot;quoted&quot; &#39;value&#39;"],
    ["a & b", "a &amp; b"],
    ["`tick`", "&#96;tick&#96;"],
    [42, "42"],
  ])("%j → %j", (value, expected) => {
    expect(escapeHtml(value)).toBe(expected);
  });
});

describe("html", () => {
  it("escapes values, keeps nested html, joins lists, leaves out null/undefined/false", () => {
    const name = `<b onclick="x">`;
    const out = html`<p title="${name}">${name}${html`<i>${"&"}</i>`}${[1, "<", 2]}${null}${undefined}${false}${raw("<br>")}</p>`;
    expect(String(out)).toBe(
      `<p title="&lt;b onclick=&quot;x&quot;&gt;">&lt;b onclick=&quot;x&quot;&gt;<i>&amp;</i>1&lt;2<br></p>`,
    );
  });
});

describe("jsonBlock", () => {
  it("cannot be closed by the data", () => {
    const out = String(jsonBlock("d", { s: "</script><script>alert(1)</script>" }));
    expect(out.match(/<\/script>/g)?.length).toBe(1);
    const json = out.replace(/^<script type="application\/json" id="d">/, "").replace(/<\/script>$/, "");
    expect(JSON.parse(json)).toEqual({ s: "</script><script>alert(1)</script>" });
  });
});
