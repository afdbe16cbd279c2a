import { Severity, severityRank } from './severity';

/**
 * Severity counts as the mail shows them.
 *
 * Scan events carry a key only for severities that have findings (no `CRITICAL` key means no
 * critical finding), and break nothing down below MEDIUM: whatever TOTAL holds beyond
 * CRITICAL + HIGH + MEDIUM is LOW, INFORMATIONAL and UNTRIAGED together, shown as one figure.
 */
export interface SeverityCounts {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  /** TOTAL from the event, or the sum of the listed counts when the event has none. */
  readonly total: number;
  /** LOW, INFORMATIONAL and UNTRIAGED together: TOTAL minus CRITICAL, HIGH and MEDIUM. */
  readonly belowMedium: number;
  /** Whether TOTAL came from the event (false: computed as the sum). */
  readonly totalReported: boolean;
  /** Set when the event's TOTAL was below CRITICAL + HIGH + MEDIUM (the sum is used instead). */
  readonly inconsistentTotal?: number;
}

/**
 * The worst severity an image can have by its counts: CRITICAL, HIGH or MEDIUM when counted;
 * `LOW` when only findings below MEDIUM exist (the event does not say which: `LOW` is the upper
 * bound, so a filter on `CRITICAL`/`HIGH`/`MEDIUM` never matches such an image); `NONE` without findings.
 */
export type WorstSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE';

/** Fills in the counts of a scan event's `finding-severity-counts` (already validated as non-negative integers). */
export function fillCounts(raw: Readonly<Record<string, number>>): SeverityCounts {
  const critical = raw.CRITICAL ?? 0;
  const high = raw.HIGH ?? 0;
  const medium = raw.MEDIUM ?? 0;
  // Should a future event list LOW, INFORMATIONAL or UNTRIAGED, they are part of the figure below MEDIUM.
  const listed = critical + high + medium + (raw.LOW ?? 0) + (raw.INFORMATIONAL ?? 0) + (raw.UNTRIAGED ?? 0);
  const reported = raw.TOTAL;
  const sum = critical + high + medium;
  if (reported === undefined) {
    return { critical, high, medium, total: listed, belowMedium: listed - sum, totalReported: false };
  }
  if (reported < sum) {
    return { critical, high, medium, total: sum, belowMedium: 0, totalReported: true, inconsistentTotal: reported };
  }
  return { critical, high, medium, total: reported, belowMedium: reported - sum, totalReported: true };
}

/** See {@link WorstSeverity}. */
export function worstSeverity(counts: SeverityCounts): WorstSeverity {
  if (counts.critical > 0) return 'CRITICAL';
  if (counts.high > 0) return 'HIGH';
  if (counts.medium > 0) return 'MEDIUM';
  return counts.belowMedium > 0 ? 'LOW' : 'NONE';
}

/**
 * Whether, by the counts, the image may have a finding at or above `minimum`. For CRITICAL, HIGH
 * and MEDIUM the counts say for sure; for LOW and milder, any finding may qualify (the event does
 * not break them down), so only an image without findings is ruled out.
 */
export function mayHaveFindingAtOrAbove(counts: SeverityCounts, minimum: Severity): boolean {
  const rank = severityRank(minimum);
  const atOrAbove = [counts.critical, counts.high, counts.medium].slice(0, Math.min(rank + 1, 3)).reduce((a, b) => a + b, 0);
  if (rank <= severityRank('MEDIUM')) return atOrAbove > 0;
  return counts.total > 0;
}
