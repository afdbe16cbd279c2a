import { randomUUID } from 'crypto';
import {
  AttributeValue, ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { SCANNING } from './reasons';

/** What the monitor remembers of one image (`image#<repository>@<digest>`) or repository (`repository#<name>`). */
export interface StateItem {
  readonly key: string;
  /** The reason last alerted, or `ACTIVE` after a "scanning again" message. */
  readonly status: string;
  readonly repositoryName: string;
  readonly imageDigest?: string;
}

/** A recorded change: the caller alerts, and calls `revert` when the alert cannot be published. */
export interface Transition {
  /** What was stored before (undefined: nothing, or unknown after an SDK retry of our own write). */
  readonly previous?: StateItem;
}

/** The memory of the monitor: what was alerted, so each image and reason is alerted once until it changes. */
export interface CoverageState {
  /**
   * Records `item.status` for `item.key` when it is a change: a problem that differs from what is
   * stored, or `ACTIVE` where a problem is stored. Returns undefined when nothing changed.
   * Concurrent callers (a duplicate event, the sweep) race on a conditional write: one wins.
   */
  transition(item: StateItem): Promise<Transition | undefined>;
  /** Puts back what `transition` replaced, so the next event or sweep alerts again. */
  revert(key: string, previous: StateItem | undefined): Promise<void>;
  /** Forgets a key (the image or repository is gone). */
  forget(key: string): Promise<void>;
  /** Every item, paged; stops after `limit` items. */
  list(limit: number): Promise<StateItem[]>;
}

/** The key of an image. */
export function imageKey(repositoryName: string, imageDigest: string): string {
  return `image#${repositoryName}@${imageDigest}`;
}

/** The key of a repository. */
export function repositoryKey(repositoryName: string): string {
  return `repository#${repositoryName}`;
}

function toItem(attributes: Record<string, AttributeValue> | undefined): StateItem | undefined {
  if (!attributes?.pk?.S || !attributes.status?.S || !attributes.repository?.S) return undefined;
  return { key: attributes.pk.S, status: attributes.status.S, repositoryName: attributes.repository.S, imageDigest: attributes.digest?.S };
}

/**
 * A `CoverageState` on a DynamoDB table with a string key `pk` and the TTL attribute `expiresAt`
 * (the table of the notification pipeline). Problems are kept until they change; "scanning again"
 * marks expire after `recoveredTtlSeconds`.
 */
export function dynamoCoverageState(client: DynamoDBClient, tableName: string, recoveredTtlSeconds: number,
  now: () => number = Date.now): CoverageState {
  const attributes = (item: StateItem, claimId?: string): Record<string, AttributeValue> => ({
    pk: { S: item.key },
    status: { S: item.status },
    repository: { S: item.repositoryName },
    ...(item.imageDigest ? { digest: { S: item.imageDigest } } : {}),
    ...(item.status === SCANNING ? { expiresAt: { N: String(Math.floor(now() / 1000) + recoveredTtlSeconds) } } : {}),
    ...(claimId ? { claimId: { S: claimId } } : {}),
  });
  return {
    async transition(item) {
      const claimId = randomUUID();
      try {
        const result = await client.send(new PutItemCommand({
          TableName: tableName,
          Item: attributes(item, claimId),
          ConditionExpression: item.status === SCANNING
            ? 'attribute_exists(#pk) AND #status <> :status'
            : 'attribute_not_exists(#pk) OR #status <> :status',
          ExpressionAttributeNames: { '#pk': 'pk', '#status': 'status' },
          ExpressionAttributeValues: { ':status': { S: item.status } },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }));
        return { previous: toItem(result.Attributes) };
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException') {
          // Our own write, seen by an SDK retry after the first answer was lost: the change is ours.
          return (err as ConditionalCheckFailedException).Item?.claimId?.S === claimId ? {} : undefined;
        }
        throw err;
      }
    },
    async revert(key, previous) {
      if (previous) await client.send(new PutItemCommand({ TableName: tableName, Item: attributes(previous) }));
      else await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: key } } }));
    },
    async forget(key) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: key } } }));
    },
    async list(limit) {
      const items: StateItem[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
        for (const raw of page.Items ?? []) {
          const item = toItem(raw);
          if (item) items.push(item);
        }
        start = page.LastEvaluatedKey;
      } while (start && items.length < limit);
      return items.slice(0, limit);
    },
  };
}
