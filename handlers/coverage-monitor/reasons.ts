/** What a scan status means for the monitor. Pure. */

/** The reasons the mail template explains one by one; any other reason is shown as Inspector gives it. */
export const EXPLAINED_REASONS = [
  'ACCESS_DENIED', 'ACCESS_DENIED_TO_ENCRYPTION_KEY', 'UNSUPPORTED_OS', 'IMAGE_SIZE_EXCEEDED', 'SCAN_ELIGIBILITY_EXPIRED',
  'PENDING_INITIAL_SCAN', 'SCAN_FREQUENCY_SCAN_ON_PUSH', 'SCAN_FREQUENCY_MANUAL', 'NOT_COVERED',
] as const;

/** Our own reason for an image the sweep finds in ECR but not in Inspector's coverage at all. */
export const NOT_COVERED = 'NOT_COVERED';

/** The stored status of something that is scanned again. */
export const SCANNING = 'ACTIVE';

/** Reasons that mean the resource is gone: nothing to alert, nothing to remember. */
const GONE_REASONS = new Set(['RESOURCE_TERMINATED', 'DELETED']);

/** Reasons about the repository's scan frequency, not about one image. */
const REPOSITORY_REASONS = new Set(['SCAN_FREQUENCY_SCAN_ON_PUSH', 'SCAN_FREQUENCY_MANUAL']);

/** An Inspector scan status (`scanStatus` of a Coverage event or of ListCoverage). */
export interface ScanStatus {
  readonly statusCode?: string;
  readonly reason?: string;
}

/** What a status means. */
export type Verdict =
  /** Scanned as it should be. */
  | { readonly kind: 'scanning' }
  /** Not scanned as it should be: `scope` says whether the image or its repository is at fault. */
  | { readonly kind: 'problem'; readonly reason: string; readonly scope: 'image' | 'repository' }
  /** Too early to tell (a first scan under way): neither a problem nor a recovery. */
  | { readonly kind: 'pending' }
  /** The resource is gone. */
  | { readonly kind: 'gone' };

/** How to judge a status. */
export interface JudgeOptions {
  readonly expectContinuousScanning: boolean;
  readonly pendingScanThresholdSeconds: number;
  /** Seconds since the image was pushed, when known. */
  readonly ageSeconds?: number;
}

/**
 * Judges one scan status. A first scan pending longer than the threshold is a problem, shorter
 * or of unknown age it is pending. Scan-on-push is a problem of the repository only where
 * continuous scanning is expected; manual scan frequency always is (nothing scans the images).
 * Any other status that is not ACTIVE is a problem of the image.
 */
export function judge(status: ScanStatus, options: JudgeOptions): Verdict {
  const reason = status.reason ?? '';
  if (GONE_REASONS.has(reason)) return { kind: 'gone' };
  if (reason === 'SCAN_FREQUENCY_SCAN_ON_PUSH' && !options.expectContinuousScanning) return { kind: 'scanning' };
  if (REPOSITORY_REASONS.has(reason)) return { kind: 'problem', reason, scope: 'repository' };
  if (reason === 'PENDING_INITIAL_SCAN') {
    return options.ageSeconds !== undefined && options.ageSeconds > options.pendingScanThresholdSeconds
      ? { kind: 'problem', reason, scope: 'image' }
      : { kind: 'pending' };
  }
  if (status.statusCode === 'ACTIVE') return { kind: 'scanning' };
  return { kind: 'problem', reason: reason || `${status.statusCode ?? 'UNKNOWN'}_WITHOUT_REASON`, scope: 'image' };
}

/** Judges a repository's scan frequency (`resourceMetadata.ecrRepository.scanFrequency` of ListCoverage). */
export function judgeFrequency(frequency: string | undefined, expectContinuousScanning: boolean): Verdict | undefined {
  if (frequency === 'CONTINUOUS_SCAN') return { kind: 'scanning' };
  if (frequency === 'SCAN_ON_PUSH') {
    return expectContinuousScanning ? { kind: 'problem', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH', scope: 'repository' } : { kind: 'scanning' };
  }
  if (frequency === 'MANUAL') return { kind: 'problem', reason: 'SCAN_FREQUENCY_MANUAL', scope: 'repository' };
  return undefined;
}

/** The view the mail template uses to explain `reason`: `is.<REASON>` is true for an explained one, else `otherReason`. */
export function reasonView(reason: string): { readonly is: Record<string, boolean>; readonly otherReason?: string } {
  const explained = (EXPLAINED_REASONS as readonly string[]).includes(reason);
  return { is: explained ? { [reason]: true } : {}, otherReason: explained ? undefined : reason };
}
