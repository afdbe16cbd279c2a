import { countedByScanMail } from '../shared/finding-state';
import { severityRank } from '../scan-formatter/severity';
import type { DigestFinding, DigestImage } from './store';

/** A finding first observed within this long of the image's push belongs to the initial scan. */
export const INITIAL_SCAN_MAX_MS = 60 * 60_000;
/** The shortest re-scan duration Inspector offers: an image used or pushed more recently cannot have aged out. */
export const SHORTEST_RESCAN_DURATION_MS = 14 * 24 * 3600_000;
/** How often a digest waits one more delay: for the scan mail, or for the rest of a mass closure. */
export const MAX_DEFERRALS = 1;

/** Why a closed finding closed, as far as can be told. */
export type ClosureKind = 'fixed' | 'expired';

/** Counts of the image's ACTIVE findings by severity. */
export interface OpenCounts {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  /** INFORMATIONAL and UNTRIAGED. */
  readonly other: number;
  readonly total: number;
}

/** What a digest does. */
export interface DigestPlan {
  /** `mail`: publish one message; `defer`: wait one more delay; `none`: nothing to mail. */
  readonly action: 'mail' | 'defer' | 'none';
  /** Why it defers or mails nothing. */
  readonly reason?: string;
  /** New and more urgent ACTIVE findings, worst first. */
  readonly report: readonly DigestFinding[];
  readonly closed: readonly DigestFinding[];
  readonly closure?: ClosureKind;
  /** Pending findings the scan mail already covered. */
  readonly covered: readonly DigestFinding[];
  /** Every pending finding to mark handled once the mail is out (or at once, when there is none). */
  readonly handled: readonly DigestFinding[];
  readonly open: OpenCounts;
}

function epss(f: DigestFinding): number {
  const score = (f.finding.epss as { score?: unknown } | undefined)?.score;
  return typeof score === 'number' ? score : -1;
}

function inspectorScore(f: DigestFinding): number {
  return typeof f.finding.inspectorScore === 'number' ? f.finding.inspectorScore : -1;
}

/** Worst first: severity, then EPSS, then Inspector score, then ARN (a stable order). */
export function worstFirst(findings: readonly DigestFinding[]): DigestFinding[] {
  return [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || epss(b) - epss(a)
    || inspectorScore(b) - inspectorScore(a) || a.findingArn.localeCompare(b.findingArn));
}

/** Counts the ACTIVE findings by severity. */
export function openCounts(findings: readonly DigestFinding[]): OpenCounts {
  const active = findings.filter((f) => f.status === 'ACTIVE');
  const by = (s: string) => active.filter((f) => f.severity === s).length;
  const [critical, high, medium, low] = [by('CRITICAL'), by('HIGH'), by('MEDIUM'), by('LOW')];
  return { critical, high, medium, low, other: active.length - critical - high - medium - low, total: active.length };
}

/** Whether the scan mail of the image counted this finding. */
export function coveredByScanMail(f: DigestFinding, image: DigestImage): boolean {
  return f.initial && countedByScanMail(f.firstObservedAtMs, image.scanCompletedAtMs);
}

/** Whether a finding was found by the image's initial scan (first observed within an hour of the push). */
export function fromInitialScan(f: DigestFinding): boolean {
  return f.firstObservedAtMs !== undefined && f.pushedAtMs !== undefined && f.firstObservedAtMs - f.pushedAtMs <= INITIAL_SCAN_MAX_MS;
}

/**
 * Tells an expiry from fixes. A digest (an image's content never changes) closes a finding when the
 * advisory no longer applies to it, or when Inspector stops scanning the image (it aged out of the
 * re-scan duration, or was deleted) and closes every finding of it. So closures are an expiry when
 * they leave the image with no open finding AND either several findings closed together or the
 * image had not been pushed or used for 14 days (the shortest re-scan duration); else they are fixes.
 */
export function closureKind(closed: readonly DigestFinding[], open: OpenCounts): ClosureKind {
  if (open.total > 0) return 'fixed';
  if (closed.length >= 2) return 'expired';
  return closed.some((f) => f.imageActivityMs !== undefined && f.eventTimeMs - f.imageActivityMs >= SHORTEST_RESCAN_DURATION_MS) ? 'expired' : 'fixed';
}

/**
 * Decides an image's digest from its findings and image item. Pure.
 *
 * - Pending new findings that the scan mail counted (first observed by the end of the initial
 *   scan, plus 5 minutes) are covered: handled without a mail.
 * - When no scan mail is recorded yet but the pending findings come from the initial scan, the
 *   digest waits once (15 minutes) for the Scan event, which may come after the Finding events;
 *   if it never comes (events are best effort) the findings are mailed.
 * - Closures of an image that was not pushed or used for 14 days, which leave other findings
 *   open, wait once too: an expiry closes the rest within minutes.
 */
export function planDigest(image: DigestImage, findings: readonly DigestFinding[], deferrals: number): DigestPlan {
  const open = openCounts(findings);
  const pending = findings.filter((f) => f.pending);
  const covered = pending.filter((f) => f.pending === 'new' && coveredByScanMail(f, image));
  const report = worstFirst(pending.filter((f) => f.status === 'ACTIVE' && (f.pending === 'updated' || f.pending === 'new') && !covered.includes(f)));
  const closed = worstFirst(pending.filter((f) => f.pending === 'closed' && f.status === 'CLOSED'));
  const base = { report, closed, covered, handled: pending, open };
  if (pending.length === 0) return { ...base, action: 'none', reason: 'nothing pending (handled by an earlier digest)' };
  if (deferrals < MAX_DEFERRALS) {
    if (image.scanCompletedAtMs === undefined && report.some((f) => f.pending === 'new' && fromInitialScan(f))) {
      return { ...base, action: 'defer', reason: 'findings of the initial scan: waiting for the scan mail' };
    }
    const aged = closed.some((f) => f.imageActivityMs !== undefined && f.eventTimeMs - f.imageActivityMs >= SHORTEST_RESCAN_DURATION_MS);
    if (aged && open.total > 0) return { ...base, action: 'defer', reason: 'closures of an aged image: waiting for the rest of a possible expiry' };
  }
  if (report.length === 0 && closed.length === 0) return { ...base, action: 'none', reason: 'every pending finding was covered by the scan mail' };
  return { ...base, action: 'mail', closure: closed.length ? closureKind(closed, open) : undefined };
}
