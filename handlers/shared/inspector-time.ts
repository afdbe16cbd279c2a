/**
 * Timestamps inside an Inspector2 event's `detail` are not ISO 8601: the documented sample has
 * "Dec 3, 2021, 6:02:30 PM" (UTC, English month names, 12-hour clock). Newer events may carry ISO
 * 8601. Both are read here; anything else is undefined, never a guess.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const INSPECTOR_TIME = /^([A-Z][a-z]{2}) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2})\s?(AM|PM)$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** Milliseconds since the epoch of an Inspector timestamp, or undefined when it is absent or unreadable. */
export function parseInspectorTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const m = INSPECTOR_TIME.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[1]);
    let hour = Number(m[4]);
    if (month < 0 || hour < 1 || hour > 12) return undefined;
    if (m[7] === 'AM' && hour === 12) hour = 0;
    if (m[7] === 'PM' && hour !== 12) hour += 12;
    const ms = Date.UTC(Number(m[3]), month, Number(m[2]), hour, Number(m[5]), Number(m[6]));
    return new Date(ms).getUTCDate() === Number(m[2]) ? ms : undefined;
  }
  if (ISO_TIME.test(text)) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}
