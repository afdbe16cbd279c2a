import problemBody from '../../templates/coverage-alert.en.mustache';
import recoveredBody from '../../templates/coverage-recovered.en.mustache';
import { formatBytes } from '../shared/ecr-image';
import { Notification } from '../shared/notification';
import { renderText } from '../shared/render';
import { CoverageConfig } from './config';
import { PolicyVerdict } from './policy-check';
import { reasonView } from './reasons';

/** One image named in an alert. */
export interface ImageLine {
  readonly imageDigest: string;
  readonly tags: readonly string[];
  readonly pushedAt?: Date;
  readonly sizeBytes?: number;
  readonly lastPulledAt?: Date;
  /** The reason alerted before, for a "scanning again" message. */
  readonly previousReason?: string;
}

/** What one alert is about: images of one repository with one reason, or the repository itself. */
export interface CoverageGroup {
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
  readonly scope: 'image' | 'repository';
  /** The problem (for a recovery: undefined). */
  readonly reason?: string;
  /** The images, empty for the repository scope. */
  readonly images: readonly ImageLine[];
  /** `event` (an Inspector2 Coverage event) or `sweep` (the scheduled check). */
  readonly source: 'event' | 'sweep';
  /** For ACCESS_DENIED: what the repository and registry policies say. */
  readonly policies?: readonly PolicyVerdict[];
  /** The Inspector role, for ACCESS_DENIED and ACCESS_DENIED_TO_ENCRYPTION_KEY. */
  readonly inspectorRole?: string;
  /** For the repository scope of a recovery: the reason alerted before. */
  readonly previousReason?: string;
}

/** Images listed in the mail text; the JSON payload lists up to `MAX_LISTED_IN_DATA`. */
const MAX_LISTED_IN_TEXT = 50;
const MAX_LISTED_IN_DATA = 500;

function humanDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day(s)`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  return `${Math.round(seconds / 60)} minute(s)`;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);

function imageData(images: readonly ImageLine[]) {
  return images.slice(0, MAX_LISTED_IN_DATA).map((i) => ({
    imageDigest: i.imageDigest, tags: i.tags, pushedAt: iso(i.pushedAt), sizeBytes: i.sizeBytes, lastPulledAt: iso(i.lastPulledAt),
    ...(i.previousReason ? { previousReason: i.previousReason } : {}),
  }));
}

function imageView(images: readonly ImageLine[]) {
  return {
    images: images.slice(0, MAX_LISTED_IN_TEXT).map((i) => ({
      imageDigest: i.imageDigest,
      tags: i.tags.length ? i.tags.join(', ') : '(untagged)',
      pushedAt: iso(i.pushedAt) ?? 'unknown',
      size: formatBytes(i.sizeBytes),
      lastPulledAt: iso(i.lastPulledAt),
    })),
    more: images.length > MAX_LISTED_IN_TEXT ? images.length - MAX_LISTED_IN_TEXT : 0,
    listed: Math.min(images.length, MAX_LISTED_IN_DATA),
  };
}

function whatOf(group: CoverageGroup): string {
  if (group.scope === 'repository') return group.repositoryName;
  const only = group.images.length === 1 ? group.images[0] : undefined;
  if (only) return `${group.repositoryName}:${only.tags[0] ?? only.imageDigest.slice(0, 19)}`;
  return `${group.repositoryName} (${group.images.length} images)`;
}

/** The alert for images (or a repository) that Inspector does not scan. Pure. */
export function buildProblemAlert(config: CoverageConfig, group: CoverageGroup): Notification {
  const reason = group.reason ?? 'UNKNOWN';
  const text = renderText(problemBody, {
    ...group,
    ...reasonView(reason),
    ...imageView(group.images),
    reason,
    count: group.images.length,
    one: group.scope === 'image' && group.images.length === 1,
    repositoryScope: group.scope === 'repository',
    pendingThreshold: humanDuration(config.pendingScanThresholdSeconds),
    policies: (group.policies ?? []).map((p) => ({ ...p, [p.state]: true, blocking: p.blocking.join(', ') })),
  });
  return {
    subject: `[Scan coverage] Not scanned: ${whatOf(group)} (${reason})`,
    text,
    chatTitle: `Scan coverage: ${whatOf(group)} not scanned (${reason})`,
    chatDescription: text,
    data: {
      kind: 'coverage',
      event: 'not-scanned',
      account: group.account,
      region: group.region,
      repositoryName: group.repositoryName,
      scope: group.scope,
      reason,
      source: group.source,
      imageCount: group.images.length,
      images: imageData(group.images),
      ...(group.policies ? { policies: group.policies } : {}),
    },
    attributes: { kind: 'coverage', severity: config.severity, repository: group.repositoryName, account: group.account },
  };
}

/** The one "scanning again" message for images (or a repository) alerted before. Pure. */
export function buildRecoveryAlert(group: CoverageGroup): Notification {
  const previous = group.scope === 'repository'
    ? [group.previousReason ?? 'unknown']
    : [...new Set(group.images.map((i) => i.previousReason ?? 'unknown'))];
  const text = renderText(recoveredBody, {
    ...group,
    ...imageView(group.images),
    count: group.images.length,
    repositoryScope: group.scope === 'repository',
    previousReasons: previous.join(', '),
  });
  return {
    subject: `[Scan coverage] Scanning again: ${whatOf(group)}`,
    text,
    chatTitle: `Scan coverage: ${whatOf(group)} scanning again`,
    chatDescription: text,
    data: {
      kind: 'coverage',
      event: 'scanning-again',
      account: group.account,
      region: group.region,
      repositoryName: group.repositoryName,
      scope: group.scope,
      previousReasons: previous,
      source: group.source,
      imageCount: group.images.length,
      images: imageData(group.images),
    },
    attributes: { kind: 'coverage', severity: 'INFORMATIONAL', repository: group.repositoryName, account: group.account },
  };
}
