/**
 * The fields of an Amazon Inspector finding that the mails read, typed so that both forms fit: a
 * ListFindings `Finding` of `@aws-sdk/client-inspector2` and the `detail` of an `Inspector2 Finding`
 * event (timestamps as strings there).
 */

/** A finding timestamp: `Date` (SDK), a string (event detail, CLI output) or epoch seconds. */
export type FindingTime = Date | string | number;

/** A vulnerable package as Inspector reports it. */
export interface FindingPackageSource {
  readonly name?: string;
  readonly version?: string;
  /** RPM/dpkg epoch; 0 (the default epoch) is common and usually left out of versions. */
  readonly epoch?: number;
  readonly release?: string;
  readonly arch?: string;
  readonly packageManager?: string;
  readonly filePath?: string;
  /** Version with the fix, sometimes with the epoch (`0:7.61.1-18.el8_4.1`); `NotAvailable` or absent without one. */
  readonly fixedInVersion?: string;
  readonly remediation?: string;
}

/** The fields of an Inspector finding this view reads; an SDK `Finding` and an event `detail` both fit. */
export interface FindingSource {
  readonly findingArn?: string;
  readonly awsAccountId?: string;
  /** `PACKAGE_VULNERABILITY`, `CODE_VULNERABILITY` or `NETWORK_REACHABILITY`. */
  readonly type?: string;
  readonly title?: string;
  readonly severity?: string;
  readonly status?: string;
  readonly inspectorScore?: number;
  readonly epss?: { readonly score?: number };
  /** `YES` or `NO`. */
  readonly exploitAvailable?: string;
  /** `YES`, `NO` or `PARTIAL`. */
  readonly fixAvailable?: string;
  readonly firstObservedAt?: FindingTime;
  readonly lastObservedAt?: FindingTime;
  readonly updatedAt?: FindingTime;
  readonly packageVulnerabilityDetails?: {
    readonly vulnerabilityId?: string;
    readonly vulnerablePackages?: readonly FindingPackageSource[];
  };
  readonly codeVulnerabilityDetails?: {
    readonly detectorName?: string;
    readonly detectorId?: string;
    readonly cwes?: readonly string[];
    readonly filePath?: { readonly fileName?: string; readonly filePath?: string; readonly startLine?: number; readonly endLine?: number };
  };
  readonly networkReachabilityDetails?: {
    readonly openPortRange?: { readonly begin?: number; readonly end?: number };
    readonly protocol?: string;
  };
}
