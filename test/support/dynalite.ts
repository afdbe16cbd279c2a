/**
 * A real DynamoDB implementation for handler tests: dynalite (in memory, LevelDB), on a random
 * port, with tables created for the tests. Point an SDK client at `endpoint`.
 */
import type { AddressInfo } from 'net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => import('http').Server;

/** A running dynalite server. */
export interface LocalDynamo {
  readonly endpoint: string;
  /** A client of the server, with dummy credentials. */
  client(): DynamoDBClient;
  /** Creates a table with the string key `pk`, as the notification pipeline's table. */
  createTable(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1. */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = () => new DynamoDBClient({
    endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
  });
  return {
    endpoint,
    client,
    async createTable(name) {
      await client().send(new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }));
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
