import { randomUUID } from 'crypto';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

/** The key attribute of a deduplication table. */
export const DEDUP_KEY_ATTRIBUTE = 'pk';
/** The TTL attribute of a deduplication table (epoch seconds). */
export const DEDUP_TTL_ATTRIBUTE = 'expiresAt';
/** A random id of each claim, so a claim can recognise its own earlier write. */
export const DEDUP_CLAIM_ATTRIBUTE = 'claimId';

/** Remembers which events were already handled, so duplicate deliveries do nothing. */
export interface DedupStore {
  /** Records `key`; true when it was new, false when it was already recorded (and not expired). */
  claim(key: string): Promise<boolean>;
  /** Forgets `key`, so a retry of a failed attempt is handled again. */
  release(key: string): Promise<void>;
}

/** Options of {@link dynamoDedupStore}. */
export interface DynamoDedupOptions {
  /** Abort a claim or release (with all its SDK retries) that takes longer than this. @default no limit beyond the client's */
  readonly callTimeoutMs?: number;
}

/**
 * A {@link DedupStore} on a DynamoDB table with a conditional PutItem: the first writer of a
 * key wins, every later one gets ConditionalCheckFailedException. Items carry an expiry
 * (`expiresAt`, the table's TTL attribute); an item past its expiry that TTL has not deleted
 * yet counts as absent.
 *
 * Each claim writes a random `claimId` and asks for the existing item when the condition fails
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`): when the SDK retries a PutItem whose first
 * attempt was written but whose answer was lost, the retry fails the condition on the claim's own
 * item, and the claim still counts as won instead of reporting a duplicate (which would lose the
 * notification).
 */
export function dynamoDedupStore(client: DynamoDBClient, tableName: string, ttlSeconds: number, now: () => number = Date.now,
  options: DynamoDedupOptions = {}): DedupStore {
  // A fresh signal per call: each call gets the whole budget.
  const sendOptions = () => (options.callTimeoutMs ? { abortSignal: AbortSignal.timeout(options.callTimeoutMs) } : undefined);
  return {
    async claim(key) {
      const nowSeconds = Math.floor(now() / 1000);
      const claimId = randomUUID();
      try {
        await client.send(new PutItemCommand({
          TableName: tableName,
          Item: {
            [DEDUP_KEY_ATTRIBUTE]: { S: key },
            [DEDUP_TTL_ATTRIBUTE]: { N: String(nowSeconds + ttlSeconds) },
            [DEDUP_CLAIM_ATTRIBUTE]: { S: claimId },
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#pk': DEDUP_KEY_ATTRIBUTE, '#ttl': DEDUP_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }), sendOptions());
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException') {
          // Our own write, seen by an SDK retry after the first answer was lost: the claim is ours.
          return (err as ConditionalCheckFailedException).Item?.[DEDUP_CLAIM_ATTRIBUTE]?.S === claimId;
        }
        throw err;
      }
    },
    async release(key) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { [DEDUP_KEY_ATTRIBUTE]: { S: key } } }), sendOptions());
    },
  };
}
