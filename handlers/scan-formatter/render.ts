import chatEn from '../../templates/scan.chat.en.mustache';
import chatJa from '../../templates/scan.chat.ja.mustache';
import bodyEn from '../../templates/scan.en.mustache';
import bodyJa from '../../templates/scan.ja.mustache';
import subjectTemplate from '../../templates/scan.subject.mustache';
import { consoleHost } from '../shared/console';
import { MAX_SUBJECT_LENGTH, Notification, safeSubject } from '../shared/notification';
import { renderText } from '../shared/render';
import type { Locale } from './config';
import { SeverityCounts, worstSeverity, WorstSeverity } from './counts';
import type { ScanEvent } from './event';
import type { FindingsLookup, FindingSummary } from './findings';

/** Tags listed by name; the rest are counted ("and 3 more"). */
export const MAX_TAGS_SHOWN = 10;
/** Findings the chat message lists (a chat message should stay short). */
export const MAX_CHAT_FINDINGS = 3;

const BODY: Record<Locale, string> = { en: bodyEn, ja: bodyJa };
const CHAT: Record<Locale, string> = { en: chatEn, ja: chatJa };

/** How to render a scan: language and optional custom templates. */
export interface FormatOptions {
  readonly locale: Locale;
  /** A custom subject template (TEMPLATE_SUBJECT). */
  readonly subjectTemplate?: string;
  /** A custom body template (TEMPLATE_BODY). */
  readonly bodyTemplate?: string;
}

/** A finding as the templates see it. */
export interface FindingView {
  readonly severity: string;
  readonly id: string;
  /** First vulnerable package. */
  readonly package: string;
  readonly installed: string;
  /** Fixed version; empty when there is no fix yet. */
  readonly fixed: string;
  /** Inspector score as text; empty when absent. */
  readonly score: string;
  /** Vulnerable packages beyond the first; 0 when none. */
  readonly morePackages: number;
}

/**
 * Everything the templates can use. Custom templates (TEMPLATE_SUBJECT, TEMPLATE_BODY) get the
 * same view; the README lists its fields.
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
  /** {@link image}, shortened to fit the subject. */
  readonly subjectImage: string;
  readonly untagged: boolean;
  /** The first {@link MAX_TAGS_SHOWN} tags, comma-separated. */
  readonly tagList: string;
  /** Tags beyond those listed; 0 when none. */
  readonly moreTags: number;
  readonly scanStatus: string;
  readonly time: string;
  /** Worst severity by the counts (`LOW` stands for LOW or below). */
  readonly severity: WorstSeverity;
  readonly counts: SeverityCounts;
  /** Whether the figure below MEDIUM is known (the event had a TOTAL). */
  readonly belowMediumKnown: boolean;
  /** TOTAL was computed as the sum: the event had none. */
  readonly totalComputed: boolean;
  readonly noFindings: boolean;
  /** Findings exist, all of them below MEDIUM. */
  readonly onlyBelowMedium: boolean;
  readonly findings: readonly FindingView[];
  readonly chatFindings: readonly FindingView[];
  readonly findingsCount: number;
  readonly findingsListed: boolean;
  /** Findings counted but not listed; 0 when none. */
  readonly moreFindings: number;
  readonly findingsFailed: boolean;
  /** The lookup error name, such as `ThrottlingException`. */
  readonly findingsError: string;
  /** The lookup worked but Inspector lists no active finding while the counts say there are some. */
  readonly findingsNone: boolean;
  readonly links: { readonly inspector: string; readonly ecr: string };
}


/** Console links to the image's findings in Inspector and to the image in ECR. */
export function consoleLinks(scan: Pick<ScanEvent, 'partition' | 'region' | 'account' | 'repositoryArn' | 'repositoryName' | 'digest'>): { inspector: string; ecr: string } {
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

/**
 * `repository:tag` (or `repository@digest`) in at most `max` characters. The tag stays readable;
 * the repository loses its beginning first, since its end is the most specific part.
 */
export function shortenImage(repository: string, ref: string, max: number): string {
  if (repository.length + ref.length <= max) return repository + ref;
  const refMax = Math.max(20, Math.floor(max / 2));
  const r = ref.length <= refMax ? ref : `${ref.slice(0, refMax - 3)}...`;
  const repoMax = Math.max(max - r.length, 4);
  return (repository.length <= repoMax ? repository : `...${repository.slice(-(repoMax - 3))}`) + r;
}

function findingView(f: FindingSummary): FindingView {
  const first = f.packages[0];
  return {
    severity: f.severity,
    id: f.id,
    package: first?.name ?? f.title ?? 'unknown package',
    installed: first?.installed ?? '?',
    fixed: first?.fixed ?? '',
    score: f.score !== undefined ? String(f.score) : '',
    morePackages: Math.max(f.packages.length - 1, 0),
  };
}

/** The template view of a scan. Pure. */
export function scanView(scan: ScanEvent, counts: SeverityCounts, lookup: FindingsLookup): ScanView {
  const ref = scan.tags.length > 0 ? `:${scan.tags[0]}` : `@${shortDigest(scan.digest)}`;
  const findings = lookup.findings.map(findingView);
  const severity = worstSeverity(counts);
  const listed = lookup.status !== 'off' && findings.length > 0;
  const belowMediumKnown = counts.totalReported || counts.belowMedium > 0;
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
    belowMediumKnown,
    totalComputed: !counts.totalReported,
    noFindings: severity === 'NONE',
    onlyBelowMedium: severity === 'LOW',
    findings,
    chatFindings: findings.slice(0, MAX_CHAT_FINDINGS),
    findingsCount: findings.length,
    findingsListed: listed,
    moreFindings: listed ? Math.max(counts.total - findings.length, 0) : 0,
    findingsFailed: lookup.status === 'failed',
    findingsError: lookup.error ?? '',
    findingsNone: lookup.status === 'ok' && findings.length === 0 && counts.total > 0,
    links: consoleLinks(scan),
  };
}


function tidy(text: string): string {
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The subject, with the image shortened so that the counts always fit. */
export function renderSubject(template: string, view: Pick<ScanView, 'image' | 'repositoryName'>): string {
  const full = renderText(template, view).replace(/\s+/g, ' ').trim();
  if (full.length <= MAX_SUBJECT_LENGTH) return safeSubject(full);
  const overflow = full.length - MAX_SUBJECT_LENGTH;
  const [repository, ref] = view.image.startsWith(view.repositoryName)
    ? [view.repositoryName, view.image.slice(view.repositoryName.length)]
    : [view.image, ''];
  const subjectImage = shortenImage(repository, ref, Math.max(view.image.length - overflow, 8));
  return safeSubject(renderText(template, { ...view, subjectImage }));
}

/** The structured payload SQS, Lambda and e-mail-json subscribers get. */
export function scanData(scan: ScanEvent, view: ScanView, lookup: FindingsLookup): Record<string, unknown> {
  return {
    kind: 'scan',
    eventId: view.eventId,
    account: view.account,
    region: view.region,
    repositoryName: view.repositoryName,
    repositoryArn: view.repositoryArn,
    imageDigest: view.digest,
    imageTags: scan.tags,
    scanStatus: view.scanStatus,
    time: view.time,
    severity: view.severity,
    counts: {
      CRITICAL: view.counts.critical,
      HIGH: view.counts.high,
      MEDIUM: view.counts.medium,
      LOW_INFORMATIONAL_UNTRIAGED: view.belowMediumKnown ? view.counts.belowMedium : null,
      TOTAL: view.counts.total,
    },
    findingsStatus: lookup.status,
    ...(lookup.error ? { findingsError: lookup.error } : {}),
    findings: lookup.findings,
    links: view.links,
  };
}

/**
 * Formats a scan: subject, plain-text body, chat message, machine payload and the message
 * attributes. Pure: no AWS call, no clock, no environment.
 */
export function formatScan(scan: ScanEvent, counts: SeverityCounts, lookup: FindingsLookup, options: FormatOptions): Notification {
  const view = scanView(scan, counts, lookup);
  const subject = renderSubject(options.subjectTemplate ?? subjectTemplate, view);
  return {
    subject,
    text: tidy(renderText(options.bodyTemplate ?? BODY[options.locale], view)),
    chatTitle: subject,
    chatDescription: tidy(renderText(CHAT[options.locale], view)),
    data: scanData(scan, view, lookup),
    attributes: { kind: 'scan', severity: view.severity, repository: scan.repositoryName, account: scan.account },
  };
}
