import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createLogger, errorFields, Logger } from '../shared/logger';
import { topicFor } from '../shared/account-topics';
import { buildPublishInput } from '../shared/notification';
import type { DigestMessage } from '../finding-tracker';
import type { DynamoSend } from '../finding-tracker/store';
import { FindingDigestConfig, loadDigestConfig } from './config';
import { planDigest } from './decide';
import { formatDigest, parseImageKey } from './render';
import { endFlush, markHandled, readImage, rescheduleFlush } from './store';

export { loadDigestConfig } from './config';
export { planDigest, closureKind, worstFirst, openCounts } from './decide';
export { formatDigest, parseImageKey } from './render';

/** How long a digest waits once more (for the scan mail, or the rest of an expiry): SQS's longest delay. */
export const DEFER_SECONDS = 900;

/** The AWS calls the digest makes. */
export interface FindingDigestDeps {
  readonly dynamodb: DynamoSend;
  readonly sqs: { send(command: SendMessageCommand): Promise<unknown> };
  readonly sns: { send(command: PublishCommand): Promise<{ MessageId?: string }> };
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What a digest did. */
export interface FindingDigestResult {
  readonly outcome: 'published' | 'deferred' | 'nothing' | 'superseded';
  readonly reason?: string;
  readonly messageId?: string;
  readonly subject?: string;
  /** Pending findings marked handled. */
  readonly handled: number;
}

/** Thrown for a queue message that is not a digest message; SQS retries it, then the dead-letter queue keeps it. */
export class InvalidDigestMessageError extends Error {
  constructor(body: string, problem: string) {
    super(`Invalid digest message ${JSON.stringify(body.length > 200 ? body.slice(0, 197) + '...' : body)}: ${problem}. `
      + 'Expected {"pk":"img#<account>#<repository>#<digest>","dueAt":<ms>} as the finding tracker sends it.');
    this.name = 'InvalidDigestMessageError';
  }
}

/** Parses and checks a digest message body. */
export function parseDigestMessage(body: string): DigestMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new InvalidDigestMessageError(body, `not JSON (${(err as Error).message})`);
  }
  const m = value as Partial<DigestMessage> | null;
  if (!m || typeof m.pk !== 'string' || !parseImageKey(m.pk)) throw new InvalidDigestMessageError(body, 'pk is not an image key');
  if (typeof m.dueAt !== 'number' || !Number.isFinite(m.dueAt)) throw new InvalidDigestMessageError(body, 'dueAt is not a number');
  if (m.deferrals !== undefined && (!Number.isInteger(m.deferrals) || m.deferrals < 0)) throw new InvalidDigestMessageError(body, 'deferrals is not a count');
  return { pk: m.pk, dueAt: m.dueAt, deferrals: m.deferrals ?? 0 };
}

/**
 * Handles one scheduled digest of an image: ends the schedule (so later changes schedule the next
 * one), reads the image's findings, decides (see planDigest), publishes at most ONE message, then
 * marks the pending findings handled. Throws on any failure, so SQS delivers the message again
 * (and after 5 receives keeps it in the digest dead-letter queue): the findings stay pending until
 * a mail went out. Publishing and then failing to mark gives a duplicate mail, never a lost one.
 */
export async function processDigestMessage(body: string, config: FindingDigestConfig, deps: FindingDigestDeps): Promise<FindingDigestResult> {
  const message = parseDigestMessage(body);
  const ref = parseImageKey(message.pk)!;
  const log = deps.logger.child({ repository: ref.repositoryName, digest: ref.digest, account: ref.account });
  const now = deps.now ?? Date.now;
  const table = config.stateTable;

  const newer = await endFlush(deps.dynamodb, table, message.pk, message.dueAt);
  if (newer !== undefined && newer > message.dueAt) {
    log.info('A later digest of this image is scheduled: this one is outdated', { dueAt: message.dueAt, scheduled: newer });
    return { outcome: 'superseded', handled: 0 };
  }
  const { image, findings } = await readImage(deps.dynamodb, table, message.pk);
  const plan = planDigest(image, findings, message.deferrals ?? 0);

  if (plan.action === 'defer') {
    const dueAt = now() + DEFER_SECONDS * 1000;
    await rescheduleFlush(deps.dynamodb, table, message.pk, dueAt, now());
    const next: DigestMessage = { pk: message.pk, dueAt, deferrals: (message.deferrals ?? 0) + 1 };
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify(next), DelaySeconds: DEFER_SECONDS }));
    log.info('Waiting once more before mailing', { reason: plan.reason, dueAt: new Date(dueAt).toISOString() });
    return { outcome: 'deferred', reason: plan.reason, handled: 0 };
  }

  let result: FindingDigestResult = { outcome: 'nothing', reason: plan.reason, handled: 0 };
  if (plan.action === 'mail') {
    const notification = formatDigest(ref, plan, { locale: config.locale, windowSeconds: config.windowSeconds });
    try {
      const out = await deps.sns.send(new PublishCommand(buildPublishInput(topicFor(config, ref.account), notification)));
      log.info('Published', { messageId: out.MessageId, reported: plan.report.length, closed: plan.closed.length, closure: plan.closure });
      result = { outcome: 'published', messageId: out.MessageId, subject: notification.subject, handled: 0 };
    } catch (err) {
      log.error('Publishing to SNS failed; SQS delivers the digest again', { topicArn: topicFor(config, ref.account), ...errorFields(err) });
      throw err;
    }
  }
  let handled = 0;
  for (const f of plan.handled) {
    if (await markHandled(deps.dynamodb, table, message.pk, f, now())) handled++;
  }
  if (plan.covered.length) log.info('Covered by the scan mail', { covered: plan.covered.length });
  return { ...result, handled };
}

/** An SQS event, as Lambda passes it. */
export interface SqsEvent {
  readonly Records: ReadonlyArray<{ readonly messageId: string; readonly body: string }>;
}

/** Handles a batch; a message that fails is reported back alone (ReportBatchItemFailures), so SQS retries only it. */
export async function processDigestBatch(event: SqsEvent, config: FindingDigestConfig, deps: FindingDigestDeps): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      await processDigestMessage(record.body, config, deps);
    } catch (err) {
      deps.logger.error('The digest failed; SQS delivers it again', { messageId: record.messageId, ...errorFields(err) });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

// Created once per execution environment.
const dynamodb = new DynamoDBClient({});
const sqs = new SQSClient({});
const sns = new SNSClient({});
const rootLogger = createLogger({ fields: { handler: 'finding-digest' } });

/** The Lambda entry point (an SQS event source with ReportBatchItemFailures). */
export async function handler(event: SqsEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  let config: FindingDigestConfig;
  try {
    config = loadDigestConfig(process.env);
  } catch (err) {
    rootLogger.error((err as Error).message, errorFields(err));
    throw err;
  }
  return processDigestBatch(event, config, { dynamodb, sqs, sns, logger: rootLogger });
}
