import { ECRClient } from '@aws-sdk/client-ecr';
import { describeEcrImage } from '../shared/ecr-image';
import { optionalString, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { CoverageGroup, ImageLine } from './alert';
import { CoverageConfig, watches } from './config';
import { EcrResource, parseEcrResource } from './listing';
import { checkPolicies, inspectorRoleArn } from './policy-check';
import { PublishDeps, publishChanges } from './publish';
import { judge, ScanStatus } from './reasons';
import { imageKey, repositoryKey } from './state';

/** The fields of an `Inspector2 Coverage` event the monitor uses. */
export interface CoverageEvent {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  /** The ECR resource, or undefined for an EC2 instance, a Lambda function or anything else. */
  readonly ecr?: EcrResource;
  readonly status: ScanStatus;
}

/**
 * Validates an `Inspector2 Coverage` event. The documented sample is of an EC2 instance
 * (`resources: ["i-..."]`, `detail.scanStatus.{reason, statusCodeValue}`); the ECR form is not
 * documented, so the resource is looked for in `resources` (an image or repository ARN) and in
 * `detail.resourceId`, and the status code in `statusCodeValue` and `statusCode`.
 */
export function parseCoverageEvent(event: unknown): CoverageEvent {
  const e = requireObject(event, 'event');
  requireOneOf(e['detail-type'], 'detail-type', ['Inspector2 Coverage']);
  const detail = requireObject(e.detail, 'detail');
  const scanStatus = requireObject(detail.scanStatus, 'detail.scanStatus');
  const candidates = [
    ...(Array.isArray(e.resources) ? e.resources.filter((r): r is string => typeof r === 'string') : []),
    ...(typeof detail.resourceId === 'string' ? [detail.resourceId] : []),
  ];
  const ecr = candidates.map(parseEcrResource).find((r) => r !== undefined);
  return {
    id: requireString(e.id, 'id'),
    account: requireString(e.account, 'account'),
    region: requireString(e.region, 'region'),
    ecr,
    status: {
      statusCode: optionalString(scanStatus.statusCodeValue, 'detail.scanStatus.statusCodeValue')
        ?? optionalString(scanStatus.statusCode, 'detail.scanStatus.statusCode'),
      reason: optionalString(scanStatus.reason, 'detail.scanStatus.reason'),
    },
  };
}

/** What the event path needs. */
export interface EventDeps extends PublishDeps {
  readonly ecr: ECRClient;
  readonly now: () => number;
}

/** What became of one Coverage event. */
export type EventOutcome = 'not-ecr' | 'not-watched' | 'pending' | 'forgotten' | 'alerted' | 'recovered' | 'unchanged';

/**
 * Turns one Coverage event into at most one message: a problem alert when the image (or the
 * repository) is not scanned, once per reason until it changes; a "scanning again" message when
 * something alerted before is scanned again. The image's push time, size and last pull come from
 * ECR when it answers. Throws on a malformed event and when publishing fails.
 */
export async function processCoverageEvent(event: unknown, config: CoverageConfig, deps: EventDeps): Promise<EventOutcome> {
  const parsed = parseCoverageEvent(event);
  const log = deps.log.child({ eventId: parsed.id });
  if (!parsed.ecr) {
    log.debug('a Coverage event of another resource type: ignored');
    return 'not-ecr';
  }
  // The registry's account, which differs from the event's where a delegated administrator receives member events.
  const { repositoryName, imageDigest, account, partition } = parsed.ecr;
  if (!watches(config, repositoryName)) return 'not-watched';
  const facts = imageDigest ? await describeEcrImage(deps.ecr, { repositoryName, imageDigest, registryId: account }, log) : undefined;
  const ageSeconds = facts?.pushedAt ? (deps.now() - facts.pushedAt.getTime()) / 1000 : undefined;
  const verdict = judge(parsed.status, { ...config, ageSeconds });
  if (verdict.kind === 'pending') return 'pending';
  if (verdict.kind === 'gone') {
    await deps.state.forget(imageDigest ? imageKey(repositoryName, imageDigest) : repositoryKey(repositoryName));
    return 'forgotten';
  }
  const image: ImageLine | undefined = imageDigest ? { imageDigest, tags: facts?.tags ?? [], ...facts } : undefined;
  const base = { account, region: parsed.region, repositoryName, source: 'event' as const };
  let group: CoverageGroup;
  if (verdict.kind === 'problem') {
    const inspectorRole = inspectorRoleArn(partition, account);
    group = {
      ...base,
      scope: verdict.scope,
      reason: verdict.reason,
      images: verdict.scope === 'image' && image ? [image] : [],
      inspectorRole,
      policies: verdict.reason === 'ACCESS_DENIED'
        ? await checkPolicies(deps.ecr, { repositoryName, registryId: account, ownRegistry: account === parsed.account }, inspectorRole, log)
        : undefined,
    };
  } else {
    group = { ...base, scope: image ? 'image' : 'repository', images: image ? [image] : [] };
  }
  const alerted = await publishChanges({ ...deps, log }, config, group);
  if (alerted === 0) return 'unchanged';
  return verdict.kind === 'problem' ? 'alerted' : 'recovered';
}
