/**
 * Timestamps of Inspector findings, which come in three forms: `Date` from the SDK (ListFindings),
 * strings such as "Dec 3, 2021, 6:02:30 PM" inside an `Inspector2 Finding` event's `detail` (not
 * ISO 8601, and in UTC), and ISO 8601 strings or epoch seconds in saved CLI output.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// "Dec 3, 2021, 6:02:30 PM" (the comma after the year is sometimes missing).
const EVENT_TIME = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2}) ?([AP]M)$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The instant a finding timestamp stands for, or undefined when it is absent or not understood. */
export function parseFindingTime(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return new Date(value * 1000);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = EVENT_TIME.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[1]);
    let hour = Number(m[4]);
    if (month < 0 || hour < 1 || hour > 12) return undefined;
    if (m[7] === 'AM' && hour === 12) hour = 0;
    if (m[7] === 'PM' && hour !== 12) hour += 12;
    return new Date(Date.UTC(Number(m[3]), month, Number(m[2]), hour, Number(m[5]), Number(m[6])));
  }
  if (ISO.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

/**
 * A finding timestamp for display: `2021-12-03 18:02:30 UTC`. A string that is not understood is
 * shown as it is; an absent value gives ''.
 */
export function displayFindingTime(value: unknown): string {
  const date = parseFindingTime(value);
  if (date) return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return typeof value === 'string' ? value.trim() : '';
}
