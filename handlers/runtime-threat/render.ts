import body from '../../templates/runtime-threat.en.mustache';
import subjectTemplate from '../../templates/runtime-threat.subject.mustache';
import { Notification } from '../shared/notification';
import { renderText } from '../shared/render';
import { RuntimeAlert } from './alert';
import { EXPLOITABLE_LIMIT, ImageLink } from './image-link';

const SOURCE_NAMES = { guardduty: 'GuardDuty Runtime Monitoring', falco: 'Falco' } as const;

/** "2 exploitable CRITICAL, 1 exploitable HIGH" for a linked image, or undefined when none is exploitable. */
export function exploitableHeadline(link: ImageLink): string | undefined {
  if (!link.exploitable || link.exploitable.total === 0) return undefined;
  const parts = link.exploitable.bySeverity.map((s) => `${s.count} exploitable ${s.severity}`).join(', ');
  return link.exploitable.more ? `${parts} (listed the first ${EXPLOITABLE_LIMIT}, there are more)` : parts;
}

/**
 * The one-line summary of what the workload runs: "runs an image with 2 exploitable CRITICAL",
 * else the active findings, else the policy violation, else nothing.
 */
export function imageHeadline(links: readonly ImageLink[]): string | undefined {
  for (const link of links) {
    const exploitable = exploitableHeadline(link);
    if (exploitable) return `runs an image with ${exploitable}`;
  }
  const counted = links.find((l) => l.counts && (l.counts.critical > 0 || l.counts.high > 0));
  if (counted) return `runs an image with ${counted.counts!.critical} CRITICAL, ${counted.counts!.high} HIGH findings`;
  const rejected = links.find((l) => l.policy && !l.policy.allowed);
  if (rejected) return `runs an image the image policy rejects (${rejected.policy!.rule})`;
  return undefined;
}

/** The image part of the subject, short enough to survive SNS's 100 characters: the worst exploitable severity, else the criticals, else a policy rejection. */
export function subjectImage(links: readonly ImageLink[]): string | undefined {
  const exploitable = links.find((l) => l.exploitable && l.exploitable.total > 0)?.exploitable;
  if (exploitable) return `image has ${exploitable.bySeverity[0].count} exploitable ${exploitable.bySeverity[0].severity}`;
  const critical = links.find((l) => l.counts && l.counts.critical > 0)?.counts;
  if (critical) return `image has ${critical.critical} CRITICAL`;
  if (links.some((l) => l.policy && !l.policy.allowed)) return 'image rejected by policy';
  return undefined;
}

/** The notification of one alert. Pure. */
export function buildNotification(alert: RuntimeAlert, links: readonly ImageLink[]): Notification {
  const headline = imageHeadline(links);
  const view = {
    ...alert,
    sourceName: SOURCE_NAMES[alert.source],
    headline,
    subjectImage: subjectImage(links),
    hasImages: links.length > 0,
    images: links.map((l) => ({
      ...l,
      exploitableHeadline: exploitableHeadline(l),
      hasWorst: l.worst.length > 0,
      hasWorstExploitable: l.worstExploitable.length > 0,
      worst: l.worst.map((f) => ({ ...f, packageList: f.packages.map((p) => `${p.name} ${p.installed}${p.fixed ? ` (fixed in ${p.fixed})` : ''}`).join(', ') })),
      worstExploitable: l.worstExploitable.map((f) => ({ ...f, packageList: f.packages.map((p) => `${p.name} ${p.installed}${p.fixed ? ` (fixed in ${p.fixed})` : ''}`).join(', ') })),
    })),
    hasProcess: alert.process.length > 0,
  };
  const text = renderText(body, view);
  const subject = renderText(subjectTemplate, view).trim();
  const repository = links.find((l) => l.repository)?.repository;
  return {
    subject,
    text,
    chatTitle: `Runtime ${alert.severity}: ${alert.rule} on ${alert.workload.label}`,
    chatDescription: text,
    data: {
      kind: 'runtime',
      source: alert.source,
      rule: alert.rule,
      severity: alert.severity,
      sourceSeverity: alert.sourceSeverity,
      account: alert.account,
      region: alert.region,
      time: alert.time,
      id: alert.id,
      workload: alert.workload,
      headline,
      images: links,
    },
    attributes: {
      kind: 'runtime',
      severity: alert.severity,
      repository: repository ?? 'unknown',
      account: alert.account,
    },
  };
}
