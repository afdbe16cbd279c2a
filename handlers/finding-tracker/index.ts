import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { InvalidEventError } from '../shared/event-fields';
import { countedByScanMail, imageKey } from '../shared/finding-state';
import { createLogger, errorFields, Logger } from '../shared/logger';
import { severityRank } from '../scan-formatter/severity';
import { FindingTrackerConfig, loadTrackerConfig } from './config';
import { FindingEvent, isEcrFindingEvent, parseFindingEvent } from './event';
import { fingerprint, materialState, Pending, pendingAfter } from './material';
import { claimFlush, DynamoSend, readState, releaseFlush, writeFinding } from './store';

export { loadTrackerConfig, FindingTrackerConfig } from './config';
export { parseFindingEvent, isEcrFindingEvent } from './event';
export { fingerprint, materialState, pendingAfter, moreUrgent } from './material';

/** A scheduled digest whose due time passed this long ago without being handled counts as lost. */
export const FLUSH_STALE_AFTER_MS = 2 * 60_000;
/** Writes retried when another writer changed the finding between read and write. */
const WRITE_ATTEMPTS = 5;

/** The AWS calls the tracker makes. */
export interface FindingTrackerDeps {
  readonly dynamodb: DynamoSend;
  readonly sqs: { send(command: SendMessageCommand): Promise<unknown> };
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What the tracker did with an event. */
export interface FindingTrackerResult {
  /** `ignored` (not tracked), `unchanged`, `stale` (older than the state), `recorded` (state written). */
  readonly outcome: 'ignored' | 'unchanged' | 'stale' | 'recorded';
  readonly reason?: string;
  readonly pending?: Pending;
  /** Whether this event scheduled the image's digest. */
  readonly scheduled: boolean;
}

/** The body of a digest message. */
export interface DigestMessage {
  readonly pk: string;
  readonly dueAt: number;
  /** How often the digest already waited for the scan mail. */
  readonly deferrals?: number;
}

function belowMinimum(severity: string, config: FindingTrackerConfig): boolean {
  return config.minSeverity !== undefined && severityRank(severity) > severityRank(config.minSeverity);
}

/**
 * Handles one `Inspector2 Finding` event: records the finding's material state in the state
 * table, and when something became worth a mail, schedules the image's digest (one per image
 * per window: a conditional write, then one SQS message delayed by the window).
 *
 * Never loses a change: every DynamoDB or SQS failure is thrown, so Lambda retries the event and
 * then keeps it in the dead-letter queue. A retry finds the change recorded and still pending,
 * and schedules the digest that the failed attempt could not.
 */
export async function processFindingEvent(event: unknown, config: FindingTrackerConfig, deps: FindingTrackerDeps): Promise<FindingTrackerResult> {
  if (!isEcrFindingEvent(event)) return { outcome: 'ignored', reason: 'not an ECR image finding', scheduled: false };
  const f: FindingEvent = parseFindingEvent(event);
  const log = deps.logger.child({ eventId: f.eventId, findingArn: f.findingArn, repository: f.image.repositoryName, digest: f.image.digest });
  if (config.repositoryNames && !config.repositoryNames.has(f.image.repositoryName)) {
    return { outcome: 'ignored', reason: `repository ${f.image.repositoryName} is not in REPOSITORY_NAMES`, scheduled: false };
  }
  const now = deps.now ?? Date.now;
  const material = materialState(f);
  const fp = fingerprint(material);

  for (let attempt = 1; ; attempt++) {
    const state = await readState(deps.dynamodb, config.stateTable, f);
    const previous = state.finding;
    const changed = !previous || previous.fp !== fp;
    let pending = previous?.pending;
    if (previous && previous.eventTimeMs > f.eventTimeMs) {
      log.info('Older than the recorded state: ignored', { recorded: previous.eventTimeMs, event: f.eventTimeMs });
      return { outcome: 'stale', scheduled: false };
    }
    if (changed) {
      let notified = previous?.notified === true && material.status === 'ACTIVE' && previous.material.status === 'ACTIVE';
      pending = pendingAfter(previous, material, config.notifyClosed);
      if (pending && pending !== 'closed' && belowMinimum(material.severity, config)) pending = undefined;
      const initial = material.status === 'ACTIVE'
        && (!previous || (previous.initial && !previous.notified && previous.material.status === 'ACTIVE'));
      const covered = pending === 'new' && initial && countedByScanMail(f.firstObservedAtMs, state.image.scanCompletedAtMs);
      if (covered) {
        pending = undefined;
        notified = true;
      }
      if (pending === 'closed' || material.status === 'CLOSED') notified = previous?.notified ?? false;
      const written = await writeFinding(deps.dynamodb, config.stateTable, f, { material, fp, notified, pending, initial: initial && !covered }, previous?.ver, now());
      if (!written) {
        if (attempt >= WRITE_ATTEMPTS) throw new Error(`The state of ${f.findingArn} kept changing under ${WRITE_ATTEMPTS} attempts to write it; Lambda retries the event.`);
        continue;
      }
      log.info('Recorded a material change', { status: material.status, severity: material.severity, pending: pending ?? 'none', covered });
    } else if (!pending) {
      return { outcome: 'unchanged', scheduled: false };
    }
    const outcome = changed ? 'recorded' : 'unchanged';
    if (!pending) return { outcome, scheduled: false };

    // Pending: make sure the image's digest is scheduled (also on a retry after a failed send).
    const nowMs = now();
    const scheduledFresh = state.image.flushDueAtMs !== undefined && state.image.flushDueAtMs >= nowMs - FLUSH_STALE_AFTER_MS;
    if (scheduledFresh) return { outcome, pending, scheduled: false };
    const dueAt = nowMs + config.windowSeconds * 1000;
    if (!await claimFlush(deps.dynamodb, config.stateTable, f, dueAt, nowMs, FLUSH_STALE_AFTER_MS)) {
      return { outcome, pending, scheduled: false };
    }
    const message: DigestMessage = { pk: imageKey(f.image), dueAt };
    try {
      await deps.sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: config.windowSeconds }));
    } catch (err) {
      log.error('Scheduling the digest failed; Lambda retries the event', errorFields(err));
      await releaseFlush(deps.dynamodb, config.stateTable, f, dueAt).catch((releaseErr) =>
        log.error('Releasing the digest schedule failed too; the next event after it goes stale schedules it', errorFields(releaseErr)));
      throw err;
    }
    log.info('Scheduled the digest of the image', { dueAt: new Date(dueAt).toISOString() });
    return { outcome, pending, scheduled: true };
  }
}

// Created once per execution environment.
const dynamodb = new DynamoDBClient({});
const sqs = new SQSClient({});
const rootLogger = createLogger({ fields: { handler: 'finding-tracker' } });

/** The Lambda entry point. */
export async function handler(event: unknown): Promise<FindingTrackerResult> {
  try {
    return await processFindingEvent(event, loadTrackerConfig(process.env), { dynamodb, sqs, logger: rootLogger });
  } catch (err) {
    if (err instanceof InvalidEventError || (err as Error)?.name === 'ConfigurationError') rootLogger.error((err as Error).message, errorFields(err));
    throw err;
  }
}
