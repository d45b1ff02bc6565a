/** A date given by a user (CLI flag, query parameter) that could not be read. */
export class DateParamError extends Error {
  override name = "DateParamError";
}

/** YYYY-MM-DD (midnight UTC) or a full ISO 8601 time. */
export function parseDateParam(name: string, value: string): number {
  const trimmed = value.trim();
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? Date.parse(`${trimmed}T00:00:00Z`) : Date.parse(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed) || Number.isNaN(ms)) {
    throw new DateParamError(
      `${name}: expected a date such as 2026-11-01 or 2026-11-01T09:00:00Z, got "${value.slice(0, 40)}"`,
    );
  }
  return ms;
}
