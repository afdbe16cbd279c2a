/** The runtime alert both sources are reduced to, and how their severities map onto Inspector's. */

/** Where a runtime alert comes from. */
export type AlertSource = 'guardduty' | 'falco';

/** The workload an alert is about: the unit repeats are counted on. */
export interface Workload {
  /** `pod`, `task`, `container`, `instance` or `host`. */
  readonly kind: 'pod' | 'task' | 'container' | 'instance' | 'host';
  /** A stable identity of the workload, for deduplication (`eks:<cluster>/<namespace>/<pod>`, a task ARN, a container id...). */
  readonly id: string;
  /** A short name for the subject line (`payments/api-7d9f` or `task 043de9ab3`). */
  readonly label: string;
  /** Lines that describe the workload in the message (`Cluster: prod`, `Namespace: payments`...). */
  readonly details: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/** A runtime threat alert, whatever its source. */
export interface RuntimeAlert {
  readonly source: AlertSource;
  /** Account the workload runs in. */
  readonly account: string;
  readonly region: string;
  /** GuardDuty finding type (`Execution:Runtime/NewBinaryExecuted`) or Falco rule (`Terminal shell in container`). */
  readonly rule: string;
  /** Inspector-style severity: CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL. */
  readonly severity: string;
  /** The severity as the source gave it (`8`, `Critical`). */
  readonly sourceSeverity: string;
  readonly title: string;
  readonly description: string;
  /** When it happened, as the source gave it. */
  readonly time: string;
  readonly workload: Workload;
  /** Image references the workload runs, as the source gave them (possibly none). */
  readonly images: readonly string[];
  /** What the process did: name, path, command line, user, and the source's own context. */
  readonly process: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** GuardDuty finding id, Falco alert uuid. */
  readonly id?: string;
  /** Link to the finding in the console. */
  readonly consoleUrl?: string;
}

/** Severities the alerts take, worst first (Inspector's, which subscription filter policies already use). */
export const ALERT_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;

/** Rank of a severity, 0 for CRITICAL; unknown values rank last. */
export function alertSeverityRank(severity: string): number {
  const i = (ALERT_SEVERITIES as readonly string[]).indexOf(severity);
  return i < 0 ? ALERT_SEVERITIES.length : i;
}

/**
 * GuardDuty's severity number as a level: 9.0-10.0 Critical, 7.0-8.9 High, 4.0-6.9 Medium,
 * 1.0-3.9 Low (GuardDuty's documented ranges).
 */
export function guardDutySeverity(value: number): string {
  if (value >= 9) return 'CRITICAL';
  if (value >= 7) return 'HIGH';
  if (value >= 4) return 'MEDIUM';
  return 'LOW';
}

/** Falco priorities (lowercase) as levels. */
const FALCO_PRIORITIES: Record<string, string> = {
  emergency: 'CRITICAL',
  alert: 'CRITICAL',
  critical: 'CRITICAL',
  error: 'HIGH',
  warning: 'MEDIUM',
  notice: 'LOW',
  informational: 'INFORMATIONAL',
  info: 'INFORMATIONAL',
  debug: 'INFORMATIONAL',
};

/** The Falco priorities, most severe first, as Falco names them. */
export const FALCO_PRIORITY_NAMES = Object.keys(FALCO_PRIORITIES);

/** A Falco priority (any case) as a level, or undefined for an unknown priority. */
export function falcoSeverity(priority: string): string | undefined {
  return FALCO_PRIORITIES[priority.toLowerCase()];
}
