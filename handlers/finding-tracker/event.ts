import { InvalidEventError, optionalString, requireArray, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import type { ImageRef } from '../shared/finding-state';
import { parseFindingTime } from '../shared/timestamp';

const parseInspectorTime = (value: unknown): number | undefined => parseFindingTime(value)?.getTime();

/** Finding statuses Inspector reports. */
export const FINDING_STATUSES = ['ACTIVE', 'CLOSED', 'SUPPRESSED'] as const;
/** A finding status. */
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** One vulnerable package, as the fingerprint and the mail need it. */
export interface TrackedPackage {
  readonly name: string;
  readonly version: string;
  readonly fixedInVersion?: string;
}

/** An `Inspector2 Finding` event of an ECR image, validated. */
export interface FindingEvent {
  /** EventBridge event id. */
  readonly eventId?: string;
  /** Event time (ISO 8601) in ms; the order of updates of one finding. */
  readonly eventTimeMs: number;
  /** Account the event was delivered in (the member, or the delegated administrator). */
  readonly eventAccount: string;
  readonly region: string;
  readonly findingArn: string;
  readonly status: FindingStatus;
  readonly severity: string;
  readonly image: ImageRef & { readonly tags: readonly string[] };
  /** `firstObservedAt`, in ms, when readable. */
  readonly firstObservedAtMs?: number;
  /** The latest of the image's `pushedAt` and `lastInUseAt`, in ms, when readable. */
  readonly imageActivityMs?: number;
  /** The image's `pushedAt`, in ms, when readable. */
  readonly pushedAtMs?: number;
  readonly fixAvailable?: string;
  readonly exploitAvailable?: string;
  readonly packages: readonly TrackedPackage[];
  /**
   * What the mail shows of the finding, in the ListFindings `Finding` shape: the detail without
   * its long description, CVSS list and reference URLs (which the mail never shows).
   */
  readonly finding: Record<string, unknown>;
}

const ACCOUNT = /^\d{12}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;

function packageVersion(p: Record<string, unknown>): string {
  const epoch = p.epoch !== undefined && p.epoch !== null && p.epoch !== 0 && p.epoch !== '0' ? `${p.epoch}:` : '';
  const release = typeof p.release === 'string' && p.release ? `-${p.release}` : '';
  return `${epoch}${typeof p.version === 'string' ? p.version : '?'}${release}`;
}

/** Whether an event is an `Inspector2 Finding` event of an ECR container image (other resource types share the detail type). */
export function isEcrFindingEvent(event: unknown): boolean {
  const detail = (event as { detail?: { resources?: Array<{ type?: unknown }> } } | null)?.detail;
  return Array.isArray(detail?.resources) && detail.resources.some((r) => r?.type === 'AWS_ECR_CONTAINER_IMAGE');
}

/** Validates an `Inspector2 Finding` event of an ECR image; throws InvalidEventError naming the first bad field. */
export function parseFindingEvent(event: unknown): FindingEvent {
  const e = requireObject(event, 'event');
  requireOneOf(e.source, 'source', ['aws.inspector2']);
  requireOneOf(e['detail-type'], 'detail-type', ['Inspector2 Finding']);
  const eventAccount = requireString(e.account, 'account');
  if (!ACCOUNT.test(eventAccount)) throw new InvalidEventError(`Invalid event: account is ${JSON.stringify(eventAccount)}; expected a 12-digit account id.`);
  const region = requireString(e.region, 'region');
  const time = Date.parse(requireString(e.time, 'time'));
  if (!Number.isFinite(time)) throw new InvalidEventError(`Invalid event: time is ${JSON.stringify(e.time)}; expected an ISO 8601 time.`);
  const d = requireObject(e.detail, 'detail');
  const findingArn = requireString(d.findingArn, 'detail.findingArn');
  const status = requireOneOf(d.status, 'detail.status', FINDING_STATUSES) as FindingStatus;
  const severity = requireString(d.severity, 'detail.severity');
  const resources = requireArray(d.resources, 'detail.resources');
  const index = resources.findIndex((r) => (r as { type?: unknown })?.type === 'AWS_ECR_CONTAINER_IMAGE');
  if (index < 0) throw new InvalidEventError('Invalid event: detail.resources has no resource of type "AWS_ECR_CONTAINER_IMAGE"; only ECR image findings are tracked.');
  const resource = requireObject(resources[index], `detail.resources[${index}]`);
  const path = `detail.resources[${index}].details.awsEcrContainerImage`;
  const ecr = requireObject(requireObject(resource.details, `detail.resources[${index}].details`).awsEcrContainerImage, path);
  const repositoryName = requireString(ecr.repositoryName, `${path}.repositoryName`);
  const digest = requireString(ecr.imageHash, `${path}.imageHash`);
  if (!DIGEST.test(digest)) throw new InvalidEventError(`Invalid event: ${path}.imageHash is ${JSON.stringify(digest)}; expected an image digest such as "sha256:" and 64 hex digits.`);
  const account = optionalString(d.awsAccountId, 'detail.awsAccountId') ?? optionalString(ecr.registry, `${path}.registry`) ?? eventAccount;
  if (!ACCOUNT.test(account)) throw new InvalidEventError(`Invalid event: detail.awsAccountId is ${JSON.stringify(account)}; expected a 12-digit account id.`);
  const tags = (Array.isArray(ecr.imageTags) ? ecr.imageTags : []).filter((t): t is string => typeof t === 'string' && t !== '');

  const vuln = d.packageVulnerabilityDetails && typeof d.packageVulnerabilityDetails === 'object'
    ? d.packageVulnerabilityDetails as Record<string, unknown> : {};
  const rawPackages = Array.isArray(vuln.vulnerablePackages) ? vuln.vulnerablePackages as Record<string, unknown>[] : [];
  const packages = rawPackages.filter((p) => p && typeof p === 'object').map((p) => ({
    name: typeof p.name === 'string' ? p.name : 'unknown package',
    version: packageVersion(p),
    fixedInVersion: typeof p.fixedInVersion === 'string' && p.fixedInVersion !== 'NotAvailable' ? p.fixedInVersion : undefined,
  }));
  const pushedAtMs = parseInspectorTime(ecr.pushedAt);
  const activity = [pushedAtMs, parseInspectorTime(ecr.lastInUseAt)].filter((t): t is number => t !== undefined);

  const finding: Record<string, unknown> = {
    findingArn, status, severity, awsAccountId: account,
    title: d.title, type: d.type, inspectorScore: d.inspectorScore, epss: d.epss,
    exploitAvailable: d.exploitAvailable, fixAvailable: d.fixAvailable,
    firstObservedAt: d.firstObservedAt, updatedAt: d.updatedAt,
    packageVulnerabilityDetails: {
      vulnerabilityId: vuln.vulnerabilityId, source: vuln.source, sourceUrl: vuln.sourceUrl,
      vendorSeverity: vuln.vendorSeverity, vulnerablePackages: rawPackages,
    },
    remediation: d.remediation,
    resources: [resource],
  };
  return {
    eventId: typeof e.id === 'string' ? e.id : undefined,
    eventTimeMs: time,
    eventAccount,
    region,
    findingArn,
    status,
    severity,
    image: { account, repositoryName, digest, tags },
    firstObservedAtMs: parseInspectorTime(d.firstObservedAt),
    imageActivityMs: activity.length ? Math.max(...activity) : undefined,
    pushedAtMs,
    fixAvailable: typeof d.fixAvailable === 'string' ? d.fixAvailable : undefined,
    exploitAvailable: typeof d.exploitAvailable === 'string' ? d.exploitAvailable : undefined,
    packages,
    finding: JSON.parse(JSON.stringify(finding)),
  };
}
