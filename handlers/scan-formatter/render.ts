import chatEn from '../../templates/scan.chat.en.mustache';
import chatJa from '../../templates/scan.chat.ja.mustache';
import bodyEn from '../../templates/scan.en.mustache';
import bodyJa from '../../templates/scan.ja.mustache';
import subjectTemplate from '../../templates/scan.subject.mustache';
import { findingPartials } from '../shared/finding-templates';
import { FindingView, findingPayload } from '../shared/finding-view';
import { MAX_SUBJECT_LENGTH, Notification, safeSubject } from '../shared/notification';
import { renderSafeText, renderText } from '../shared/render';
import { urgencyOf } from '../shared/urgency';
import type { Locale } from './config';
import type { SeverityCounts } from './counts';
import type { ScanEvent } from './event';
import type { FindingsLookup } from './findings';
import { findingViews, ScanView, scanView } from './view';

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

function tidy(text: string): string {
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The subject, with the image shortened so that the counts always fit. */
export function renderSubject(template: string, view: ScanView): string {
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
export function scanData(scan: ScanEvent, view: ScanView, lookup: FindingsLookup, findings: readonly FindingView[]): Record<string, unknown> {
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
    findingsComplete: lookup.ended,
    ...(lookup.error ? { findingsError: lookup.error } : {}),
    findings: findings.map(findingPayload),
    links: view.links,
  };
}

/**
 * Formats a scan: subject, plain-text body, chat message, machine payload and the message
 * attributes. Pure: no AWS call, no clock, no environment.
 */
export function formatScan(scan: ScanEvent, counts: SeverityCounts, lookup: FindingsLookup, options: FormatOptions): Notification {
  const findings = findingViews(scan, lookup);
  const view = scanView(scan, counts, lookup, findings);
  const partials = findingPartials(options.locale);
  const subject = renderSubject(options.subjectTemplate ?? subjectTemplate, view);
  // Without findings the image has nothing to exploit or fix; otherwise only an ended listing is all there is.
  const urgency = counts.total === 0 ? urgencyOf([], true) : urgencyOf(findings, lookup.ended);
  return {
    subject,
    // Package names, versions and file paths come from the image: one line each, so none can forge a line of its own.
    text: tidy(renderSafeText(options.bodyTemplate ?? BODY[options.locale], view, partials)),
    chatTitle: subject,
    chatDescription: tidy(renderSafeText(CHAT[options.locale], view, partials)),
    data: scanData(scan, view, lookup, findings),
    attributes: { kind: 'scan', severity: view.severity, repository: scan.repositoryName, account: scan.account, ...urgency },
  };
}
