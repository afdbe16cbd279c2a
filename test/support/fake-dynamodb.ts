/**
 * A local HTTP server standing in for Amazon DynamoDB (JSON 1.0 protocol: POST / with
 * `X-Amz-Target: DynamoDB_20120810.<Operation>`), just enough for the dedup store of
 * handlers/shared/dedup.ts: PutItem with its condition `attribute_not_exists(#pk) OR #ttl < :now`
 * and DeleteItem, on any table name. Point an SDK v3 process at it with AWS_ENDPOINT_URL_DYNAMODB
 * ({@link FakeDynamoDb.env}). Shared by every execution environment of a test or bench, as a real
 * table is.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

/** What the fault hook can do to a request. */
export interface DynamoFault {
  /** Answer with this HTTP status (400 ThrottlingException-style body for 400, 500 InternalServerError for 5xx). */
  readonly status?: number;
  /** The error type in the body. @default ProvisionedThroughputExceededException for 400, InternalServerError for 5xx */
  readonly errorType?: string;
  /** Never answer. */
  readonly hang?: boolean;
  /** Carry out the request, then close the connection without an answer (the client retries a request that was done). */
  readonly dropAnswer?: boolean;
}

/** Options of {@link FakeDynamoDb.start}. */
export interface FakeDynamoDbOptions {
  /** Called for every request before it is answered; return a fault to inject, or undefined. */
  readonly fault?: (operation: string, body: any) => DynamoFault | undefined;
}

type Item = Record<string, { S?: string; N?: string }>;

/** The fake DynamoDB endpoint. */
export class FakeDynamoDb {
  /** Starts the server on 127.0.0.1 with a random port. */
  static async start(options: FakeDynamoDbOptions = {}): Promise<FakeDynamoDb> {
    const fake = new FakeDynamoDb(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  /** Items per table, by the value of their `pk` attribute. */
  readonly tables = new Map<string, Map<string, Item>>();
  /** Requests per `<Operation> <outcome>` (ok, conditional-failed, or the fault), for reports. */
  readonly tally: Record<string, number> = {};
  private readonly server: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  private constructor(private options: FakeDynamoDbOptions) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 1_000;
  }

  /** `http://127.0.0.1:<port>`. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Environment variables that point an AWS SDK v3 process's DynamoDB client at the fake. */
  env(): Record<string, string> {
    return { AWS_ENDPOINT_URL_DYNAMODB: this.endpoint };
  }

  /** Replaces the options for the requests to come. */
  configure(options: FakeDynamoDbOptions): void {
    this.options = options;
  }

  /** Stops the server, ending hanging requests. */
  async close(): Promise<void> {
    for (const res of this.hanging) res.socket?.destroy();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return this.error(res, 400, 'SerializationException', 'not JSON', 'bad-json');
    }
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
    const fault = this.options.fault?.(operation, body);
    if (fault?.hang) {
      this.count(`${operation} hang`);
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (fault?.status) {
      const type = fault.errorType ?? (fault.status >= 500 ? 'InternalServerError' : 'ProvisionedThroughputExceededException');
      return this.error(res, fault.status, type, 'injected fault', `${operation} ${fault.status}`);
    }
    const table = this.tables.get(body.TableName) ?? new Map<string, Item>();
    this.tables.set(body.TableName, table);
    if (operation === 'PutItem') {
      const item: Item = body.Item;
      const key = item.pk?.S;
      if (!key) return this.error(res, 400, 'ValidationException', 'the key pk is missing', 'PutItem invalid');
      if (body.ConditionExpression) {
        if (body.ConditionExpression !== 'attribute_not_exists(#pk) OR #ttl < :now') {
          return this.error(res, 400, 'ValidationException', `the fake knows one condition, not ${body.ConditionExpression}`, 'PutItem invalid');
        }
        const ttlName = body.ExpressionAttributeNames['#ttl'];
        const now = Number(body.ExpressionAttributeValues[':now'].N);
        const existing = table.get(key);
        if (existing && !(Number(existing[ttlName]?.N) < now)) {
          const old = body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing } : {};
          return this.error(res, 400, 'ConditionalCheckFailedException', 'The conditional request failed', 'PutItem conditional-failed', old);
        }
      }
      table.set(key, item);
      if (fault?.dropAnswer) {
        this.count('PutItem answer-lost');
        req.socket.destroy();
        return;
      }
      return this.ok(res, 'PutItem ok');
    }
    if (operation === 'DeleteItem') {
      table.delete(body.Key?.pk?.S);
      return this.ok(res, 'DeleteItem ok');
    }
    return this.error(res, 400, 'UnknownOperationException', `the fake only knows PutItem and DeleteItem, not ${operation}`, `${operation} unknown`);
  }

  private ok(res: http.ServerResponse, tally: string): void {
    this.count(tally);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fake-dynamodb' });
    res.end('{}');
  }

  private error(res: http.ServerResponse, status: number, type: string, message: string, tally: string, extra: object = {}): void {
    this.count(tally);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type, 'x-amzn-requestid': 'fake-dynamodb-error' });
    res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...extra }));
  }

  private count(key: string): void {
    this.tally[key] = (this.tally[key] ?? 0) + 1;
  }
}
