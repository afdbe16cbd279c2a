import {
  AttributeValue, BatchGetItemCommand, ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { expiresAt, findingSortKey, IMAGE_SK, imageKey } from '../shared/finding-state';
import type { FindingEvent } from './event';
import type { MaterialState, Pending } from './material';

/** The part of the DynamoDB client the tracker uses. */
export type DynamoSend = Pick<DynamoDBClient, 'send'>;

/** A finding item as stored. */
export interface StoredFinding {
  readonly material: MaterialState;
  readonly fp: string;
  readonly notified: boolean;
  readonly pending?: Pending;
  readonly eventTimeMs: number;
  /** Write counter: every write of the item checks and bumps it. */
  readonly ver: number;
  /**
   * Seen ACTIVE since its first event and never mailed nor closed: only such a finding can be one
   * the scan mail covered (a reopened finding keeps its old firstObservedAt, but is news).
   */
  readonly initial: boolean;
}

/** The image item as the tracker needs it. */
export interface StoredImage {
  readonly flushDueAtMs?: number;
  readonly scanCompletedAtMs?: number;
}

/** Attempts of BatchGetItem while keys come back unprocessed. */
const BATCH_GET_ATTEMPTS = 4;

function num(value: AttributeValue | undefined): number | undefined {
  return value?.N !== undefined ? Number(value.N) : undefined;
}

/** Whether an error is DynamoDB's ConditionalCheckFailedException. */
export function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException';
}

/** Reads the finding's item and its image's item together (strongly consistent). */
export async function readState(client: DynamoSend, table: string, f: FindingEvent): Promise<{ finding?: StoredFinding; image: StoredImage }> {
  const pk = { S: imageKey(f.image) };
  let keys: Record<string, AttributeValue>[] = [{ pk, sk: { S: findingSortKey(f.findingArn) } }, { pk, sk: { S: IMAGE_SK } }];
  const items: Record<string, AttributeValue>[] = [];
  for (let attempt = 1; keys.length > 0; attempt++) {
    if (attempt > BATCH_GET_ATTEMPTS) throw new Error(`DynamoDB left ${keys.length} key(s) of ${table} unprocessed after ${BATCH_GET_ATTEMPTS} attempts`);
    const out = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
    items.push(...(out.Responses?.[table] ?? []));
    keys = out.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  const findingItem = items.find((i) => i.sk?.S !== IMAGE_SK);
  const imageItem = items.find((i) => i.sk?.S === IMAGE_SK);
  return {
    finding: findingItem ? {
      material: JSON.parse(findingItem.material.S!) as MaterialState,
      fp: findingItem.fp.S!,
      notified: findingItem.notified?.BOOL === true,
      pending: findingItem.pending?.S as Pending | undefined,
      eventTimeMs: num(findingItem.eventTime) ?? 0,
      ver: num(findingItem.ver) ?? 0,
      initial: findingItem.initial?.BOOL === true,
    } : undefined,
    image: { flushDueAtMs: num(imageItem?.flushDueAt), scanCompletedAtMs: num(imageItem?.scanCompletedAt) },
  };
}

/** What the tracker writes for a finding. */
export interface FindingWrite {
  readonly material: MaterialState;
  readonly fp: string;
  readonly notified: boolean;
  readonly pending?: Pending;
  /** See `StoredFinding.initial`. */
  readonly initial: boolean;
}

/** The item of a finding in state `w`, at version `ver`. */
export function findingItem(f: FindingEvent, w: FindingWrite, ver: number, nowMs: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: imageKey(f.image) },
    sk: { S: findingSortKey(f.findingArn) },
    findingArn: { S: f.findingArn },
    status: { S: w.material.status },
    severity: { S: w.material.severity },
    material: { S: JSON.stringify(w.material) },
    fp: { S: w.fp },
    notified: { BOOL: w.notified },
    initial: { BOOL: w.initial },
    eventTime: { N: String(f.eventTimeMs) },
    finding: { S: JSON.stringify(f.finding) },
    tags: { S: JSON.stringify(f.image.tags) },
    region: { S: f.region },
    ver: { N: String(ver) },
    expiresAt: { N: expiresAt(nowMs) },
  };
  if (w.pending) item.pending = { S: w.pending };
  if (f.firstObservedAtMs !== undefined) item.firstObservedAt = { N: String(f.firstObservedAtMs) };
  if (f.imageActivityMs !== undefined) item.imageActivityAt = { N: String(f.imageActivityMs) };
  if (f.pushedAtMs !== undefined) item.pushedAt = { N: String(f.pushedAtMs) };
  return item;
}

/**
 * Writes the finding's new state, if nobody wrote the item since it was read (`previousVer`);
 * false when someone did (the caller reads again).
 */
export async function writeFinding(client: DynamoSend, table: string, f: FindingEvent, w: FindingWrite, previousVer: number | undefined, nowMs: number): Promise<boolean> {
  const item = findingItem(f, w, (previousVer ?? 0) + 1, nowMs);
  try {
    await client.send(new PutItemCommand({
      TableName: table,
      Item: item,
      ...(previousVer === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'ver = :ver', ExpressionAttributeValues: { ':ver': { N: String(previousVer) } } }),
    }));
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * Claims the image's next digest: sets `flushDueAt` unless a digest is already scheduled. A
 * schedule whose due time passed more than `staleAfterMs` ago counts as lost (its message was
 * never handled) and is claimed again. True when this call claimed it.
 */
export async function claimFlush(client: DynamoSend, table: string, f: FindingEvent, dueAtMs: number, nowMs: number, staleAfterMs: number): Promise<boolean> {
  try {
    await client.send(new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: imageKey(f.image) }, sk: { S: IMAGE_SK } },
      UpdateExpression: 'SET flushDueAt = :due, expiresAt = :ttl',
      ConditionExpression: 'attribute_not_exists(flushDueAt) OR flushDueAt < :stale',
      ExpressionAttributeValues: {
        ':due': { N: String(dueAtMs) },
        ':ttl': { N: expiresAt(nowMs) },
        ':stale': { N: String(nowMs - staleAfterMs) },
      },
    }));
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/** Gives a claimed digest back (its message could not be sent), so the retry of the event claims it again. */
export async function releaseFlush(client: DynamoSend, table: string, f: FindingEvent, dueAtMs: number): Promise<void> {
  try {
    await client.send(new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: imageKey(f.image) }, sk: { S: IMAGE_SK } },
      UpdateExpression: 'REMOVE flushDueAt',
      ConditionExpression: 'flushDueAt = :due',
      ExpressionAttributeValues: { ':due': { N: String(dueAtMs) } },
    }));
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}
