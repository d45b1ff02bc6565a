/** A date given by a user (CLI flag, query parameter) that could not be read. */
export class DateParamError extends Error {
  override name = "DateParamError";
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * YYYY-MM-DD (midnight UTC) or a full ISO 8601 time; a time without a zone is UTC too, as reports'
 * days and weeks are (not the local time of whichever machine reads it: Date.parse's reading). A
 * day that is not in the calendar (2026-02-30, which Date.parse rolls over to 2 March) is refused.
 */
export function parseDateParam(name: string, value: string): number {
  const trimmed = value.trim();
  const time = `${trimmed.slice(0, 10)}T${trimmed.slice(11)}`; // RFC 3339 allows a space for the T
  const dateOnly = DAY.test(trimmed);
  const ms = dateOnly
    ? Date.parse(`${trimmed}T00:00:00Z`)
    : TIME.test(trimmed)
      ? Date.parse(ZONE.test(time) ? time : `${time}Z`)
      : Number.NaN;
  if (Number.isNaN(ms) || !isCalendarDay(trimmed.slice(0, 10))) {
    throw new DateParamError(
      `${name}: expected a date such as 2026-11-01 or 2026-11-01T09:00:00Z, got "${value.slice(0, 40)}"`,
    );
  }
  return ms;
}

/** Whether YYYY-MM-DD is a day of the calendar (Date.parse takes 2026-02-30 for 2 March). */
export function isCalendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return DAY.test(day) && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}
