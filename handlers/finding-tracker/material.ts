import { createHash } from 'crypto';
import { severityRank } from '../scan-formatter/severity';
import type { FindingEvent, FindingStatus } from './event';

/** What the next digest of the image must report about a finding. */
export type Pending = 'new' | 'updated' | 'closed';

/**
 * The material state of a finding: what a reader acts on. Timestamps (`updatedAt`,
 * `lastObservedAt`, vendor dates), scores that drift daily (EPSS, Inspector score), tags and
 * descriptions are left out, so an update that changes only them is no change.
 */
export interface MaterialState {
  readonly status: FindingStatus;
  readonly severity: string;
  /** `name epoch:version-release -> fixed`, sorted. */
  readonly packages: readonly string[];
  readonly fixAvailable: string;
  readonly exploitAvailable: string;
}

/** The material state of an event's finding. */
export function materialState(f: FindingEvent): MaterialState {
  return {
    status: f.status,
    severity: f.severity,
    packages: f.packages.map((p) => `${p.name} ${p.version} -> ${p.fixedInVersion ?? ''}`).sort(),
    fixAvailable: f.fixAvailable ?? '',
    exploitAvailable: f.exploitAvailable ?? '',
  };
}

/** A short, stable fingerprint of a material state. */
export function fingerprint(state: MaterialState): string {
  return createHash('sha256').update(JSON.stringify([state.status, state.severity, state.packages, state.fixAvailable, state.exploitAvailable]))
    .digest('base64url').slice(0, 22);
}

const FIX_RANK: Record<string, number> = { YES: 2, PARTIAL: 1 };

/**
 * Whether `next` asks more of a reader than `previous` (both ACTIVE): a worse severity, a fix
 * that became available, an exploit that became known, or a vulnerable package more. Changes the
 * other way (a milder severity, an exploit flag withdrawn) are recorded but not mailed.
 */
export function moreUrgent(previous: MaterialState, next: MaterialState): boolean {
  return severityRank(next.severity) < severityRank(previous.severity)
    || (FIX_RANK[next.fixAvailable] ?? 0) > (FIX_RANK[previous.fixAvailable] ?? 0)
    || (next.exploitAvailable === 'YES' && previous.exploitAvailable !== 'YES')
    || next.packages.some((p) => !previous.packages.includes(p) && !previous.packages.some((q) => q.split(' ')[0] === p.split(' ')[0]));
}

/** What is known of a finding before the event. */
export interface PreviousState {
  readonly material: MaterialState;
  /** Whether the finding was notified (mailed, or covered by the scan mail) while ACTIVE. */
  readonly notified: boolean;
  readonly pending?: Pending;
}

/**
 * What the next digest must report after `next`, given what was known before: undefined for
 * nothing. A finding first seen ACTIVE (or ACTIVE again after a closure) is `new` until mailed;
 * an ACTIVE finding already mailed becomes `updated` only when it got more urgent; a closure of a
 * finding that was ACTIVE is `closed` when closures are notified. SUPPRESSED findings (a user's
 * decision) and closures of findings never seen open report nothing.
 */
export function pendingAfter(previous: PreviousState | undefined, next: MaterialState, notifyClosed: boolean): Pending | undefined {
  if (next.status === 'SUPPRESSED') return undefined;
  if (next.status === 'CLOSED') {
    if (!previous || previous.material.status !== 'ACTIVE') return undefined;
    // Opened and closed again before any mail: nothing to report at all.
    if (!previous.notified) return undefined;
    return notifyClosed ? 'closed' : undefined;
  }
  if (!previous || previous.material.status !== 'ACTIVE' || !previous.notified) {
    return 'new';
  }
  if (previous.pending === 'updated' || moreUrgent(previous.material, next)) return 'updated';
  return undefined;
}
