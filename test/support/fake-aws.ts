/**
 * Local HTTP servers standing in for Amazon SNS (query protocol: form-encoded POST, XML answer)
 * and Amazon Inspector2 (REST JSON: POST /findings/list), so tests and benchmarks can run the
 * real AWS SDK against them and check the requests on the wire.
 *
 * Every request goes through an optional `fault` hook first, which can answer with an error
 * status (429, 5xx, 403 ...), add a delay, hang, or drop the connection. Fault suites build on it.
 *
 * Hand-written because no maintained emulator exists for them on npm: nothing emulates Amazon
 * Inspector2 at all, and SNS emulators come only with LocalStack (Docker). DynamoDB has one,
 * dynalite, which test/support/dynamodb.ts runs instead of a fake.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

/** The services faked. */
export type FakeService = 'sns' | 'inspector2';

/** A request as the fake received it. */
export interface FakeRequest {
  readonly service: FakeService;
  /** Index of the request among those of its service, from 0. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** SNS: the form fields of the body. */
  readonly form?: Record<string, string>;
  /** SNS: the `Action` form field. Inspector2: the operation from the path (`ListFindings`). */
  readonly action: string;
  /** Inspector2: the JSON body. */
  readonly json?: any;
}

/** What the fault hook can do to a request. Fields combine: delay, then status or drop. */
export interface Fault {
  /** Wait this long before answering (or dropping). */
  readonly delayMs?: number;
  /** Never answer; the connection stays open until the client gives up or the fake closes. */
  readonly hang?: boolean;
  /** Close the connection without an answer. */
  readonly drop?: boolean;
  /** Answer with this HTTP status and an AWS error body. */
  readonly status?: number;
  /** Error code in the body. @default by status: 429 throttling, 403 access denied, 5xx internal error */
  readonly errorCode?: string;
  /** Error message. @default 'injected fault' */
  readonly message?: string;
  /** A raw body instead of the AWS error body (for malformed answers). */
  readonly rawBody?: string;
}

/** Options of `FakeAws.start`. */
export interface FakeAwsOptions {
  /** Called for every request before it is answered; return a fault to inject, or undefined. */
  readonly fault?: (request: FakeRequest) => Fault | undefined | Promise<Fault | undefined>;
  /** The ListFindings answer. @default no findings */
  readonly listFindings?: (request: FakeRequest) => unknown;
  /** Message id of Publish answers. @default a counter */
  readonly messageId?: (request: FakeRequest) => string;
}

const DEFAULT_CODES: Record<FakeService, Record<number, string>> = {
  sns: { 400: 'InvalidParameter', 403: 'AuthorizationError', 404: 'NotFound', 429: 'Throttling', 500: 'InternalError', 503: 'ServiceUnavailable' },
  inspector2: { 400: 'ValidationException', 403: 'AccessDeniedException', 429: 'ThrottlingException', 500: 'InternalServerException', 503: 'ServiceUnavailableException' },
};

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formFields(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body).entries());
}

/** The `MessageAttributes.entry.N.*` form fields of an SNS Publish as a name -> {DataType, StringValue} map. */
export function snsMessageAttributes(form: Record<string, string>): Record<string, { DataType: string; StringValue: string }> {
  const out: Record<string, { DataType: string; StringValue: string }> = {};
  for (let n = 1; form[`MessageAttributes.entry.${n}.Name`]; n++) {
    out[form[`MessageAttributes.entry.${n}.Name`]] = {
      DataType: form[`MessageAttributes.entry.${n}.Value.DataType`],
      StringValue: form[`MessageAttributes.entry.${n}.Value.StringValue`],
    };
  }
  return out;
}

/** The fake SNS and Inspector2 endpoints. */
export class FakeAws {
  /** Starts both servers on 127.0.0.1 with random ports. */
  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    const fake = new FakeAws(options);
    await Promise.all([listen(fake.snsServer), listen(fake.inspectorServer)]);
    return fake;
  }

  /** Every request received, in order. */
  readonly requests: FakeRequest[] = [];
  private readonly snsServer: http.Server;
  private readonly inspectorServer: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();
  private counts: Record<FakeService, number> = { sns: 0, inspector2: 0 };

  private constructor(private options: FakeAwsOptions) {
    this.snsServer = http.createServer((req, res) => void this.handle('sns', req, res));
    this.inspectorServer = http.createServer((req, res) => void this.handle('inspector2', req, res));
    for (const s of [this.snsServer, this.inspectorServer]) s.keepAliveTimeout = 1_000;
  }

  /** `http://127.0.0.1:<port>` of the SNS fake. */
  get snsEndpoint(): string {
    return `http://127.0.0.1:${(this.snsServer.address() as AddressInfo).port}`;
  }

  /** `http://127.0.0.1:<port>` of the Inspector2 fake. */
  get inspectorEndpoint(): string {
    return `http://127.0.0.1:${(this.inspectorServer.address() as AddressInfo).port}`;
  }

  /** Environment variables that point an AWS SDK v3 process at the fakes, with dummy credentials. */
  env(region = 'us-east-1'): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_SNS: this.snsEndpoint,
      AWS_ENDPOINT_URL_INSPECTOR2: this.inspectorEndpoint,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      AWS_SESSION_TOKEN: 'fake-session-token',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /** The requests of one service. */
  requestsOf(service: FakeService): FakeRequest[] {
    return this.requests.filter((r) => r.service === service);
  }

  /** Replaces the options (fault hook, answers) for the requests to come. */
  configure(options: FakeAwsOptions): void {
    this.options = options;
  }

  /** Forgets the requests received. */
  reset(): void {
    this.requests.length = 0;
    this.counts = { sns: 0, inspector2: 0 };
  }

  /** Stops both servers, ending hanging requests. */
  async close(): Promise<void> {
    for (const res of this.hanging) res.socket?.destroy();
    await Promise.all([close(this.snsServer), close(this.inspectorServer)]);
  }

  private async handle(service: FakeService, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    const form = service === 'sns' ? formFields(body) : undefined;
    let json: any;
    if (service === 'inspector2' && body) {
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
    }
    const action = service === 'sns' ? (form!.Action ?? '') : path.startsWith('/findings/list') ? 'ListFindings' : path;
    const request: FakeRequest = { service, index: this.counts[service]++, method: req.method ?? '', path, headers: req.headers, body, form, action, json };
    this.requests.push(request);

    const fault = await this.options.fault?.(request);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.hang) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      this.sendError(service, res, fault);
      return;
    }
    if (service === 'sns') this.answerSns(request, res);
    else this.answerInspector(request, res);
  }

  private answerSns(request: FakeRequest, res: http.ServerResponse): void {
    if (request.action !== 'Publish') {
      this.sendError('sns', res, { status: 400, errorCode: 'InvalidAction', message: `The fake only knows Publish, not ${request.action}` });
      return;
    }
    const messageId = this.options.messageId?.(request) ?? `00000000-0000-4000-8000-${String(request.index).padStart(12, '0')}`;
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': `fake-sns-${request.index}` });
    res.end(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>${escapeXml(messageId)}</MessageId></PublishResult>
  <ResponseMetadata><RequestId>fake-sns-${request.index}</RequestId></ResponseMetadata>
</PublishResponse>`);
  }

  private answerInspector(request: FakeRequest, res: http.ServerResponse): void {
    if (request.action !== 'ListFindings' || request.method !== 'POST') {
      this.sendError('inspector2', res, { status: 404, errorCode: 'ResourceNotFoundException', message: `The fake only knows POST /findings/list, not ${request.method} ${request.path}` });
      return;
    }
    const answer = this.options.listFindings?.(request) ?? { findings: [] };
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': `fake-inspector2-${request.index}` });
    res.end(JSON.stringify(answer));
  }

  private sendError(service: FakeService, res: http.ServerResponse, fault: Fault): void {
    const status = fault.status ?? 500;
    const code = fault.errorCode ?? DEFAULT_CODES[service][status] ?? (status >= 500 ? DEFAULT_CODES[service][500] : 'BadRequest');
    const message = fault.message ?? 'injected fault';
    if (service === 'sns') {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fake-sns-error' });
      res.end(fault.rawBody ?? `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>
  <RequestId>fake-sns-error</RequestId>
</ErrorResponse>`);
    } else {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': 'fake-inspector2-error' });
      res.end(fault.rawBody ?? JSON.stringify({ message }));
    }
  }
}

function listen(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
