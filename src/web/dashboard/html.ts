// HTML built from strings, safely: every value interpolated into `html` is escaped unless it is
// itself `html` (or `raw`, for text the code wrote). No template engine: pages are small.

/** Text that is already HTML: what `html` returns, and what it interpolates as it is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** Text safe in an element's content and in a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

/** Markup the code itself wrote (never data): interpolated without escaping. */
export const raw = (markup: string) => new Html(markup);

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(value);
}

/** A template whose values are escaped (lists joined, null/undefined/false left out). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i] as Value) + (strings[i + 1] ?? "");
  return new Html(out);
}

/**
 * A JSON data block for the page's script (`<script type="application/json">`): the CSP allows no
 * inline script, and a data block is not run. `<` is escaped so that no `</script>` can end it.
 */
export function jsonBlock(id: string, data: unknown): Html {
  const json = JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return html`<script type="application/json" id="${id}">${raw(json)}</script>`;
}
