import chatEn from '../../templates/new-findings.chat.en.mustache';
import chatJa from '../../templates/new-findings.chat.ja.mustache';
import bodyEn from '../../templates/new-findings.en.mustache';
import bodyJa from '../../templates/new-findings.ja.mustache';
import subjectTemplate from '../../templates/new-findings.subject.mustache';
import { findingPartials, MailLocale } from '../shared/finding-templates';
import { findingPayload, FindingView, toFindingView } from '../shared/finding-view';
import { Notification } from '../shared/notification';
import { renderText } from '../shared/render';
import { urgencyOf } from '../shared/urgency';
import { renderSubject } from '../scan-formatter/render';
import { consoleLinks, MAX_TAGS_SHOWN, shortDigest } from '../scan-formatter/view';
import type { DigestPlan } from './decide';
import type { DigestFinding } from './store';

/** Findings a mail lists; the rest are counted. */
export const MAX_REPORTED = 20;
/** Findings the chat message lists. */
export const MAX_CHAT_FINDINGS = 3;

const BODY: Record<MailLocale, string> = { en: bodyEn, ja: bodyJa };
const CHAT: Record<MailLocale, string> = { en: chatEn, ja: chatJa };

/** The image a digest is about, from its partition key `img#<account>#<repository>#<digest>`. */
export interface DigestImageRef {
  readonly account: string;
  readonly repositoryName: string;
  readonly digest: string;
}

/** Splits a partition key into account, repository and digest; undefined when it is not one. */
export function parseImageKey(pk: string): DigestImageRef | undefined {
  const m = /^img#(\d{12})#(.+)#([a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,})$/.exec(pk);
  return m ? { account: m[1], repositoryName: m[2], digest: m[3] } : undefined;
}

function tidy(text: string): string {
  return text.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** How the mail is rendered. */
export interface DigestFormatOptions {
  readonly locale: MailLocale;
  /** The window, in seconds, for the footer. */
  readonly windowSeconds: number;
}

function windowText(seconds: number): { en: string; ja: string } {
  if (seconds % 60 === 0) {
    const m = seconds / 60;
    return { en: `${m} minute${m === 1 ? '' : 's'}`, ja: `${m} 分間` };
  }
  return { en: `${seconds} seconds`, ja: `${seconds} 秒間` };
}

/**
 * The new-findings mail of one image: subject, plain-text body, chat message, payload and the
 * message attributes (`kind` = `new-findings`, worst severity reported, repository, account and
 * the urgency of the findings reported). Pure.
 */
export function formatDigest(ref: DigestImageRef, plan: DigestPlan, options: DigestFormatOptions): Notification {
  const sample: DigestFinding | undefined = plan.report[0] ?? plan.closed[0];
  const arn = String(sample?.finding.findingArn ?? '');
  const partition = /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws';
  const region = sample?.region || /^arn:[^:]+:inspector2:([^:]+):/.exec(arn)?.[1] || 'us-east-1';
  const tags = [...(sample?.tags ?? [])];
  const repositoryArn = `arn:${partition}:ecr:${region}:${ref.account}:repository/${ref.repositoryName}`;
  const image = ref.repositoryName + (tags.length ? `:${tags[0]}` : `@${shortDigest(ref.digest)}`);
  const views = (list: readonly DigestFinding[]) => list.map((f) => toFindingView(f.finding, { partition, region }));
  const reported = plan.report.slice(0, MAX_REPORTED);
  const newViews = views(reported.filter((f) => f.pending === 'new'));
  const updatedViews = views(reported.filter((f) => f.pending === 'updated'));
  const closedViews = views(plan.closed);
  const reportViews: FindingView[] = [...newViews, ...updatedViews];
  const all = views(plan.report);
  const severity = (plan.report[0] ?? plan.closed[0])?.severity ?? 'NONE';
  const text = windowText(options.windowSeconds);
  const view = {
    image,
    subjectImage: image,
    repositoryName: ref.repositoryName,
    repositoryArn,
    digest: ref.digest,
    shortDigest: shortDigest(ref.digest),
    account: ref.account,
    region,
    untagged: tags.length === 0,
    tagList: tags.slice(0, MAX_TAGS_SHOWN).join(', '),
    moreTags: Math.max(tags.length - MAX_TAGS_SHOWN, 0),
    severity,
    hasReport: plan.report.length > 0,
    reportCount: plan.report.length,
    reportPlural: plan.report.length !== 1,
    hasNew: newViews.length > 0,
    newFindings: newViews,
    hasUpdated: updatedViews.length > 0,
    updatedFindings: updatedViews,
    moreReported: Math.max(plan.report.length - reported.length, 0),
    chatFindings: reportViews.slice(0, MAX_CHAT_FINDINGS),
    hasClosed: closedViews.length > 0,
    closedFindings: closedViews,
    closedCount: closedViews.length,
    closedPlural: closedViews.length !== 1,
    expired: plan.closure === 'expired',
    open: plan.open,
    links: consoleLinks({ partition, region, account: ref.account, repositoryArn, repositoryName: ref.repositoryName, digest: ref.digest }),
    windowText: text.en,
    windowTextJa: text.ja,
  };
  const partials = findingPartials(options.locale);
  const subject = renderSubject(subjectTemplate, view);
  // Urgency of what the mail reports: the new and more urgent findings (every one of them is known).
  const urgency = urgencyOf(all, true);
  return {
    subject,
    text: tidy(renderText(BODY[options.locale], view, partials)),
    chatTitle: subject,
    chatDescription: tidy(renderText(CHAT[options.locale], view, partials)),
    data: {
      kind: 'new-findings',
      account: ref.account,
      region,
      repositoryName: ref.repositoryName,
      repositoryArn,
      imageDigest: ref.digest,
      imageTags: tags,
      severity,
      newFindings: views(plan.report.filter((f) => f.pending === 'new')).map(findingPayload),
      updatedFindings: views(plan.report.filter((f) => f.pending === 'updated')).map(findingPayload),
      closedFindings: closedViews.map(findingPayload),
      closure: plan.closure ?? null,
      openCounts: plan.open,
      links: view.links,
    },
    attributes: { kind: 'new-findings', severity, repository: ref.repositoryName, account: ref.account, ...(plan.report.length ? urgency : {}) },
  };
}
