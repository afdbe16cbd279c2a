import { consoleHost } from '../shared/console';
import { FindingView, toFindingView } from '../shared/finding-view';
import { SeverityCounts, worstSeverity, WorstSeverity } from './counts';
import type { ScanEvent } from './event';
import type { FindingsLookup } from './findings';

/** Tags listed by name; the rest are counted ("and 3 more"). */
export const MAX_TAGS_SHOWN = 10;
/** Findings the chat message lists (a chat message should stay short). */
export const MAX_CHAT_FINDINGS = 3;
/** Packages the mail lists for each finding; the rest are counted ("and 2 more packages"). */
export const MAX_PACKAGES_SHOWN = 5;

/**
 * Everything the templates can use. Custom templates (TEMPLATE_SUBJECT, TEMPLATE_BODY) get the
 * same view, and the `finding` and `findingChat` partials; the README lists its fields.
 */
export interface ScanView {
  readonly eventId: string;
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
  readonly repositoryArn: string;
  readonly digest: string;
  /** `sha256:` and the first 12 digits. */
  readonly shortDigest: string;
  /** `repository:first-tag`, or `repository@short-digest` when untagged. */
  readonly image: string;
  /** `image`, shortened to fit the subject. */
  readonly subjectImage: string;
  readonly untagged: boolean;
  /** The first `MAX_TAGS_SHOWN` tags, comma-separated. */
  readonly tagList: string;
  /** Tags beyond those listed; 0 when none. */
  readonly moreTags: number;
  readonly scanStatus: string;
  readonly time: string;
  /** Worst severity by the counts (`LOW` stands for LOW or below). */
  readonly severity: WorstSeverity;
  readonly counts: SeverityCounts;
  /** TOTAL is not 1 ("1 vulnerability", "2 vulnerabilities"). */
  readonly totalPlural: boolean;
  /** Whether the figure below MEDIUM is known (the event had a TOTAL). */
  readonly belowMediumKnown: boolean;
  /** TOTAL was computed as the sum: the event had none. */
  readonly totalComputed: boolean;
  readonly noFindings: boolean;
  /** Findings exist, all of them below MEDIUM. */
  readonly onlyBelowMedium: boolean;
  /** The worst findings, worst first (see `handlers/shared/finding-view.ts`). */
  readonly findings: readonly FindingView[];
  readonly chatFindings: readonly FindingView[];
  readonly findingsCount: number;
  /** More than one finding listed ("Worst 3 findings", "Worst finding"). */
  readonly findingsPlural: boolean;
  readonly findingsListed: boolean;
  /** Findings counted but not listed, while the listing goes on; 0 when none. */
  readonly moreFindings: number;
  /** Findings counted by the scan beyond those listed, when the listing ended: closed or suppressed since; 0 when none. */
  readonly closedSince: number;
  readonly closedSincePlural: boolean;
  readonly findingsFailed: boolean;
  /** The lookup error name, such as `ThrottlingException`. */
  readonly findingsError: string;
  /** Pages were left unread when the lookup's time ran out: the list may lack worse findings. */
  readonly findingsIncomplete: boolean;
  /** The listing ended without a result while the counts say there are findings. */
  readonly findingsNone: boolean;
  /** The event counted CRITICAL findings, findings were listed, and none of them is CRITICAL. */
  readonly criticalMissing: boolean;
  /** ... and the listing ended: they were closed or suppressed since the scan. */
  readonly criticalClosed: boolean;
  /** CRITICAL count is not 1. */
  readonly criticalPlural: boolean;
  readonly links: { readonly inspector: string; readonly ecr: string };
}

/** Console links to the image's findings in Inspector and to the image in ECR. */
export function consoleLinks(scan: ScanEvent): { inspector: string; ecr: string } {
  const host = consoleHost(scan.partition, scan.region);
  const region = encodeURIComponent(scan.region);
  return {
    inspector: `${host}/inspector/v2/home?region=${region}#/findings/container-image/${encodeURIComponent(`${scan.repositoryArn}/${scan.digest}`)}`,
    ecr: `${host}/ecr/repositories/private/${scan.account}/${scan.repositoryName}/_/image/${scan.digest}/details?region=${region}`,
  };
}

/** `sha256:abcdef123456`: the algorithm and the first 12 digits. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
}

/** The findings of a lookup as the templates show them. */
export function findingViews(scan: ScanEvent, lookup: FindingsLookup): FindingView[] {
  return lookup.findings.map((f) => toFindingView(f, { maxPackages: MAX_PACKAGES_SHOWN, partition: scan.partition, region: scan.region }));
}

/** The template view of a scan. Pure. */
export function scanView(scan: ScanEvent, counts: SeverityCounts, lookup: FindingsLookup, findings: readonly FindingView[]): ScanView {
  const ref = scan.tags.length > 0 ? `:${scan.tags[0]}` : `@${shortDigest(scan.digest)}`;
  const severity = worstSeverity(counts);
  const looked = lookup.status !== 'off';
  const listed = looked && findings.length > 0;
  const belowMediumKnown = counts.totalReported || counts.belowMedium > 0;
  const criticalMissing = looked && listed && counts.critical > 0 && !findings.some((f) => f.severity === 'CRITICAL');
  return {
    eventId: scan.id ?? 'unknown',
    account: scan.account,
    region: scan.region,
    repositoryName: scan.repositoryName,
    repositoryArn: scan.repositoryArn,
    digest: scan.digest,
    shortDigest: shortDigest(scan.digest),
    image: scan.repositoryName + ref,
    subjectImage: scan.repositoryName + ref,
    untagged: scan.tags.length === 0,
    tagList: scan.tags.slice(0, MAX_TAGS_SHOWN).join(', '),
    moreTags: Math.max(scan.tags.length - MAX_TAGS_SHOWN, 0),
    scanStatus: scan.scanStatus,
    time: scan.time ?? 'not reported',
    severity,
    counts,
    totalPlural: counts.total !== 1,
    belowMediumKnown,
    totalComputed: !counts.totalReported,
    noFindings: severity === 'NONE',
    onlyBelowMedium: severity === 'LOW',
    findings,
    chatFindings: findings.slice(0, MAX_CHAT_FINDINGS),
    findingsCount: findings.length,
    findingsPlural: findings.length !== 1,
    findingsListed: listed,
    moreFindings: listed && !lookup.ended ? Math.max(counts.total - findings.length, 0) : 0,
    closedSince: listed && lookup.ended ? Math.max(counts.total - findings.length, 0) : 0,
    closedSincePlural: counts.total - findings.length !== 1,
    findingsFailed: lookup.status === 'failed',
    findingsError: lookup.error ?? '',
    findingsIncomplete: lookup.status === 'incomplete',
    findingsNone: lookup.status === 'ok' && lookup.ended && findings.length === 0 && counts.total > 0,
    criticalMissing,
    criticalClosed: criticalMissing && lookup.ended,
    criticalPlural: counts.critical !== 1,
    links: consoleLinks(scan),
  };
}
