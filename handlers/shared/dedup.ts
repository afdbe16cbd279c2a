import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

/** The key attribute of a deduplication table. */
export const DEDUP_KEY_ATTRIBUTE = 'pk';
/** The TTL attribute of a deduplication table (epoch seconds). */
export const DEDUP_TTL_ATTRIBUTE = 'expiresAt';

/** Remembers which events were already handled, so duplicate deliveries do nothing. */
export interface DedupStore {
  /** Records `key`; true when it was new, false when it was already recorded (and not expired). */
  claim(key: string): Promise<boolean>;
  /** Forgets `key`, so a retry of a failed attempt is handled again. */
  release(key: string): Promise<void>;
}

/**
 * A {@link DedupStore} on a DynamoDB table with a conditional PutItem: the first writer of a
 * key wins, every later one gets ConditionalCheckFailedException. Items carry an expiry
 * (`expiresAt`, the table's TTL attribute); an item past its expiry that TTL has not deleted
 * yet counts as absent.
 */
export function dynamoDedupStore(client: DynamoDBClient, tableName: string, ttlSeconds: number, now: () => number = Date.now): DedupStore {
  return {
    async claim(key) {
      const nowSeconds = Math.floor(now() / 1000);
      try {
        await client.send(new PutItemCommand({
          TableName: tableName,
          Item: {
            [DEDUP_KEY_ATTRIBUTE]: { S: key },
            [DEDUP_TTL_ATTRIBUTE]: { N: String(nowSeconds + ttlSeconds) },
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#pk': DEDUP_KEY_ATTRIBUTE, '#ttl': DEDUP_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }));
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException || (err as Error)?.name === 'ConditionalCheckFailedException') return false;
        throw err;
      }
    },
    async release(key) {
      await client.send(new DeleteItemCommand({ TableName: tableName, Key: { [DEDUP_KEY_ATTRIBUTE]: { S: key } } }));
    },
  };
}
