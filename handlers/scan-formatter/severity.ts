/** Inspector severities, worst first (the order of the library's `Severity` enum). */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;
/** An Inspector severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Rank of a severity: 0 for CRITICAL, higher is milder; unknown values rank last. */
export function severityRank(severity: string | undefined): number {
  const i = (SEVERITIES as readonly string[]).indexOf(severity ?? '');
  return i < 0 ? SEVERITIES.length : i;
}

/** Whether a string is one of {@link SEVERITIES}. */
export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
