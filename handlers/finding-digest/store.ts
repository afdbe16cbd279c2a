import { AttributeValue, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { expiresAt, FINDING_SK_PREFIX, IMAGE_SK } from '../shared/finding-state';
import type { Pending } from '../finding-tracker/material';
import { DynamoSend, isConditionFailure } from '../finding-tracker/store';

/** A finding of the image, as the digest reads it. */
export interface DigestFinding {
  readonly sk: string;
  readonly findingArn: string;
  readonly status: string;
  readonly severity: string;
  readonly fp: string;
  readonly pending?: Pending;
  readonly notified: boolean;
  /** See the tracker's `StoredFinding.initial`: only such a finding can be covered by the scan mail. */
  readonly initial: boolean;
  readonly eventTimeMs: number;
  readonly firstObservedAtMs?: number;
  readonly imageActivityMs?: number;
  readonly pushedAtMs?: number;
  /** The finding in the ListFindings shape, for `toFindingView`. */
  readonly finding: Record<string, unknown>;
  readonly tags: readonly string[];
  readonly region: string;
}

/** The image item. */
export interface DigestImage {
  readonly flushDueAtMs?: number;
  readonly scanCompletedAtMs?: number;
  readonly scanMailedAtMs?: number;
}

function num(value: AttributeValue | undefined): number | undefined {
  return value?.N !== undefined ? Number(value.N) : undefined;
}

/**
 * Ends the image's scheduled digest `dueAt` (REMOVE flushDueAt when it is still that one), before
 * the findings are read: a change recorded after this schedules the next digest. Returns the due
 * time of a newer digest when one is scheduled instead (this message is then outdated).
 */
export async function endFlush(client: DynamoSend, table: string, pk: string, dueAt: number): Promise<number | undefined> {
  try {
    await client.send(new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: pk }, sk: { S: IMAGE_SK } },
      UpdateExpression: 'REMOVE flushDueAt',
      ConditionExpression: 'flushDueAt = :due',
      ExpressionAttributeValues: { ':due': { N: String(dueAt) } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return undefined;
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
    return num((err as { Item?: Record<string, AttributeValue> }).Item?.flushDueAt);
  }
}

/** Schedules the image's digest again at `dueAt` (while waiting for the scan mail). */
export async function rescheduleFlush(client: DynamoSend, table: string, pk: string, dueAt: number, nowMs: number): Promise<void> {
  await client.send(new UpdateItemCommand({
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: IMAGE_SK } },
    UpdateExpression: 'SET flushDueAt = :due, expiresAt = :ttl',
    ExpressionAttributeValues: { ':due': { N: String(dueAt) }, ':ttl': { N: expiresAt(nowMs) } },
  }));
}

/** Reads the image item and every finding of the image (strongly consistent, every page). */
export async function readImage(client: DynamoSend, table: string, pk: string): Promise<{ image: DigestImage; findings: DigestFinding[] }> {
  const findings: DigestFinding[] = [];
  let image: DigestImage = {};
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
      ExclusiveStartKey: start,
    }));
    for (const item of out.Items ?? []) {
      const sk = item.sk?.S ?? '';
      if (sk === IMAGE_SK) {
        image = { flushDueAtMs: num(item.flushDueAt), scanCompletedAtMs: num(item.scanCompletedAt), scanMailedAtMs: num(item.scanMailedAt) };
      } else if (sk.startsWith(FINDING_SK_PREFIX)) {
        findings.push({
          sk,
          findingArn: item.findingArn?.S ?? sk.slice(FINDING_SK_PREFIX.length),
          status: item.status?.S ?? 'ACTIVE',
          severity: item.severity?.S ?? 'UNTRIAGED',
          fp: item.fp?.S ?? '',
          pending: item.pending?.S as Pending | undefined,
          notified: item.notified?.BOOL === true,
          initial: item.initial?.BOOL === true,
          eventTimeMs: num(item.eventTime) ?? 0,
          firstObservedAtMs: num(item.firstObservedAt),
          imageActivityMs: num(item.imageActivityAt),
          pushedAtMs: num(item.pushedAt),
          finding: JSON.parse(item.finding?.S ?? '{}') as Record<string, unknown>,
          tags: JSON.parse(item.tags?.S ?? '[]') as string[],
          region: item.region?.S ?? '',
        });
      }
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return { image, findings };
}

/**
 * Marks a pending finding as handled: notified while ACTIVE, no longer pending. Only if its state
 * is still the one read (`fp`): a change recorded meanwhile stays pending for the next digest.
 */
export async function markHandled(client: DynamoSend, table: string, pk: string, f: DigestFinding, nowMs: number): Promise<boolean> {
  try {
    await client.send(new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: pk }, sk: { S: f.sk } },
      UpdateExpression: 'SET notified = :notified, initial = :false, notifiedAt = :now, ver = ver + :one REMOVE pending',
      ConditionExpression: 'fp = :fp',
      ExpressionAttributeValues: {
        ':notified': { BOOL: f.status === 'ACTIVE' || f.notified },
        ':now': { N: String(nowMs) },
        ':one': { N: '1' },
        ':false': { BOOL: false },
        ':fp': { S: f.fp },
      },
    }));
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}
