import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';

/**
 * A DynamoDB mock that behaves like a table for conditional PutItem and DeleteItem, so tests
 * exercise the real dedup store: a second PutItem of a key fails its condition.
 */
export interface FakeDedupTable {
  readonly ddb: AwsClientStub<DynamoDBClient>;
  readonly items: Map<string, Record<string, any>>;
  /** Empties the table and restores the table behaviour (after tests that made a call fail). */
  reset(): void;
}

export function fakeDedupTable(): FakeDedupTable {
  const items = new Map<string, Record<string, any>>();
  const ddb = mockClient(DynamoDBClient);
  const install = () => {
    ddb.reset();
    items.clear();
    install2();
  };
  const install2 = () => ddb.on(PutItemCommand).callsFake((input) => {
    const key = input.Item.pk.S;
    const existing = items.get(key);
    const now = Number(input.ExpressionAttributeValues[':now'].N);
    if (existing && Number(existing.expiresAt.N) >= now) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: { httpStatusCode: 400 },
        Item: input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? existing : undefined,
      });
    }
    items.set(key, input.Item);
    return {};
  }).on(DeleteItemCommand).callsFake((input) => {
    items.delete(input.Key.pk.S);
    return {};
  });
  install();
  return { ddb, items, reset: install };
}
