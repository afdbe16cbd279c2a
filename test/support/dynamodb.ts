/**
 * DynamoDB for tests and benches: dynalite (a DynamoDB implementation on npm, run in-process on
 * 127.0.0.1) behind a small HTTP proxy that records each request and can inject faults (an HTTP
 * error, a request that never gets an answer, an answer lost after the write was done). The
 * tables, keys, conditions and errors are dynalite's, so a wrong condition expression or a missing
 * table fails as it would on AWS. Point an SDK v3 client at it with `env()`
 * (`AWS_ENDPOINT_URL_DYNAMODB`).
 *
 * One gap of dynalite 4 is filled here: it predates `ReturnValuesOnConditionCheckFailure` (2023),
 * so for a PutItem with `ALL_OLD` whose condition fails, the proxy reads the item (consistent
 * read) and adds it to the `ConditionalCheckFailedException` as DynamoDB does.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: object) => http.Server;

/** What the fault hook can do to a request. */
export interface DynamoFault {
  /** Answer with this HTTP status instead of passing the request on. */
  readonly status?: number;
  /** The error type in the body. @default ProvisionedThroughputExceededException for 400, InternalServerError for 5xx */
  readonly errorType?: string;
  /** Never answer. */
  readonly hang?: boolean;
  /** Carry out the request, then close the connection without an answer (the client retries a request that was done). */
  readonly dropAnswer?: boolean;
}

/** Options of `LocalDynamoDb.start`. */
export interface LocalDynamoDbOptions {
  /** Called for every request before it is passed on; return a fault to inject, or undefined. */
  readonly fault?: (operation: string, body: any) => DynamoFault | undefined;
}

/** One request the proxy received. */
export interface DynamoRequest {
  readonly operation: string;
  readonly input: any;
}

type Item = Record<string, any>;

/** Credentials and region for SDK clients of the tests (dynalite checks neither). */
export const LOCAL_AWS_ENV = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1' };

/** dynalite behind a recording, fault-injecting proxy. */
export class LocalDynamoDb {
  /** Starts dynalite and the proxy on random ports of 127.0.0.1. */
  static async start(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
    const db = new LocalDynamoDb(options);
    await Promise.all([listen(db.dynalite), listen(db.proxy)]);
    return db;
  }

  /** Requests per `<Operation> <outcome>` (ok, conditional-failed, the injected status, hang, answer-lost). */
  readonly tally: Record<string, number> = {};
  /** Every request received, in order. */
  readonly requests: DynamoRequest[] = [];
  private readonly dynalite: http.Server;
  private readonly proxy: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();
  private readonly agent = new http.Agent({ keepAlive: true });

  private constructor(private options: LocalDynamoDbOptions) {
    this.dynalite = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    this.proxy = http.createServer((req, res) => void this.handle(req, res));
    this.proxy.keepAliveTimeout = 1_000;
  }

  /** `http://127.0.0.1:<port>` of the proxy. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.proxy.address() as AddressInfo).port}`;
  }

  /** Environment variables that point an AWS SDK v3 process's DynamoDB client at the proxy. */
  env(): Record<string, string> {
    return { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: this.endpoint };
  }

  /** An SDK client of the proxy that makes one attempt per call, so an injected fault is the call's outcome. */
  client(): DynamoDBClient {
    return new DynamoDBClient({
      endpoint: this.endpoint, region: LOCAL_AWS_ENV.AWS_REGION, maxAttempts: 1,
      credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    });
  }

  /** Replaces the options for the requests to come. */
  configure(options: LocalDynamoDbOptions): void {
    this.options = options;
  }

  /** The requests of one operation (`PutItem`, `DeleteItem`...), in order. */
  requestsOf(operation: string): any[] {
    return this.requests.filter((r) => r.operation === operation).map((r) => r.input);
  }

  /** Creates a table keyed by the string attribute `pk`, as the constructs' deduplication tables are. */
  async createTable(tableName: string): Promise<void> {
    await this.call('CreateTable', {
      TableName: tableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    // As on AWS, a new table is CREATING before it is ACTIVE (in dynalite, until its next tick).
    for (const deadline = Date.now() + 10_000; ;) {
      const { Table } = await this.call('DescribeTable', { TableName: tableName });
      if (Table.TableStatus === 'ACTIVE') return;
      if (Date.now() > deadline) throw new Error(`dynalite: table ${tableName} is still ${Table.TableStatus} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Creates a table, or empties it when it exists; forgets the requests and tally. */
  async resetTable(tableName: string): Promise<void> {
    const { TableNames } = await this.call('ListTables', {});
    if (!TableNames.includes(tableName)) await this.createTable(tableName);
    for (const pk of await this.keys(tableName)) await this.call('DeleteItem', { TableName: tableName, Key: { pk: { S: pk } } });
    this.requests.length = 0;
    for (const key of Object.keys(this.tally)) delete this.tally[key];
  }

  /** The item with key `pk`, read consistently, or undefined. */
  async item(tableName: string, pk: string): Promise<Item | undefined> {
    const out = await this.call('GetItem', { TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true });
    return out.Item;
  }

  /** The keys of every item of a table. */
  async keys(tableName: string): Promise<string[]> {
    const out = await this.call('Scan', { TableName: tableName, ConsistentRead: true });
    return (out.Items ?? []).map((i: Item) => i.pk.S);
  }

  /** Writes an item directly (not recorded). */
  async putItem(tableName: string, item: Item): Promise<void> {
    await this.call('PutItem', { TableName: tableName, Item: item });
  }

  /** Stops the proxy and dynalite, ending hanging requests. */
  async close(): Promise<void> {
    for (const res of this.hanging) res.socket?.destroy();
    this.agent.destroy();
    for (const server of [this.proxy, this.dynalite]) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** A request straight to dynalite; rejects with the error type and message on an error answer. */
  private async call(operation: string, input: object): Promise<any> {
    const { status, body } = await this.forward(operation, JSON.stringify(input));
    const parsed = JSON.parse(body || '{}');
    if (status !== 200) throw new Error(`dynalite ${operation}: ${parsed.__type} ${parsed.message ?? parsed.Message ?? ''}`);
    return parsed;
  }

  private forward(operation: string, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const port = (this.dynalite.address() as AddressInfo).port;
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port, method: 'POST', path: '/', agent: this.agent,
        headers: {
          'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}`,
          // dynalite wants a signed request; it does not check the signature.
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
          'x-amz-date': '20260101T000000Z',
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
    let input: any = {};
    try {
      input = JSON.parse(raw || '{}');
    } catch {
      // dynalite answers the SerializationException.
    }
    this.requests.push({ operation, input });
    const fault = this.options.fault?.(operation, input);
    if (fault?.hang) {
      this.count(`${operation} hang`);
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (fault?.status) {
      const type = fault.errorType ?? (fault.status >= 500 ? 'InternalServerError' : 'ProvisionedThroughputExceededException');
      this.count(`${operation} ${fault.status}`);
      return this.answer(res, fault.status, { 'x-amzn-errortype': type }, JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'injected fault' }));
    }
    const answer = await this.forward(operation, raw);
    let body = answer.body;
    const conditionFailed = answer.status === 400 && body.includes('ConditionalCheckFailedException');
    if (conditionFailed && operation === 'PutItem' && input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') {
      const old = await this.call('GetItem', { TableName: input.TableName, Key: { pk: input.Item.pk }, ConsistentRead: true });
      body = JSON.stringify({ ...JSON.parse(body), ...(old.Item ? { Item: old.Item } : {}) });
    }
    if (fault?.dropAnswer) {
      this.count(`${operation} answer-lost`);
      req.socket.destroy();
      return;
    }
    this.count(`${operation} ${answer.status === 200 ? 'ok' : conditionFailed ? 'conditional-failed' : answer.status}`);
    this.answer(res, answer.status, { 'x-amzn-requestid': String(answer.headers['x-amzn-requestid'] ?? 'local') }, body);
  }

  private answer(res: http.ServerResponse, status: number, headers: Record<string, string>, body: string): void {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    res.end(body);
  }

  private count(key: string): void {
    this.tally[key] = (this.tally[key] ?? 0) + 1;
  }
}

function listen(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}
