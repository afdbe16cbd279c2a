/**
 * Runs the built bundle (dist/handlers/scan-formatter/index.js, the file the construct deploys)
 * in a child process with the real AWS SDK against local fakes of SNS and Inspector2, and checks
 * the requests on the wire.
 */
import { execFile, execFileSync } from 'child_process';
import * as path from 'path';
import { FakeAws, FakeRequest, snsMessageAttributes as attributesOf } from '../../support/fake-aws';
import { SAMPLE_EVENT, SAMPLE_FINDINGS, SAMPLE_LIST_FINDINGS_INPUT, scanEvent } from './support';

const ROOT = path.join(__dirname, '..', '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'handlers', 'scan-formatter', 'index.js');
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:scan-notifications';

// The child reads the event from stdin, calls the handler once and prints its outcome as the last line.
const RUNNER = `
const { handler } = require(process.env.BUNDLE);
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const remaining = Number(process.env.REMAINING_MS);
  handler(JSON.parse(input), { getRemainingTimeInMillis: () => remaining }).then(
    (result) => process.stdout.write('\\nOUTCOME ' + JSON.stringify({ result })),
    (error) => process.stdout.write('\\nOUTCOME ' + JSON.stringify({ error: { name: error.name, message: error.message } })),
  );
});`;

interface Outcome {
  result?: any;
  error?: { name: string; message: string };
  logs: any[];
}

let fake: FakeAws;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-handlers.mjs')], { cwd: ROOT, stdio: 'pipe' });
  fake = await FakeAws.start();
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  fake.configure({ listFindings: () => SAMPLE_FINDINGS });
});

/** Runs the bundle's handler on an event in a fresh node process, pointed at the fakes. */
function invoke(event: unknown, env: Record<string, string> = {}, remainingMs = 30_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', RUNNER], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...fake.env('us-east-1'), TOPIC_ARN, BUNDLE, REMAINING_MS: String(remainingMs), ...env },
      timeout: 30_000,
    }, (error, stdout, stderr) => {
      const lines = stdout.split('\n').filter((l) => l.trim());
      const last = lines.pop() ?? '';
      if (!last.startsWith('OUTCOME ')) {
        reject(new Error(`no outcome (${error?.message}): ${stdout} ${stderr}`));
        return;
      }
      resolve({ ...JSON.parse(last.slice('OUTCOME '.length)), logs: lines.map((l) => JSON.parse(l)) });
    });
    child.stdin!.end(JSON.stringify(event));
  });
}

function only(service: 'sns' | 'inspector2', count = 1): FakeRequest[] {
  const requests = fake.requestsOf(service);
  expect(requests).toHaveLength(count);
  return requests;
}

test('the sample event: one signed ListFindings JSON request, one signed SNS Publish form', async () => {
  const outcome = await invoke(SAMPLE_EVENT);
  expect(outcome.result).toEqual({
    published: true,
    messageId: '00000000-0000-4000-8000-000000000000',
    subject: '[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample:latest',
    severity: 'CRITICAL',
    findingsStatus: 'ok',
  });

  const [list] = only('inspector2');
  expect(list.method).toBe('POST');
  expect(list.path).toBe('/findings/list');
  expect(list.headers['content-type']).toBe('application/json');
  expect(list.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKEFAKE\/\d{8}\/us-east-1\/inspector2\/aws4_request/);
  expect(list.json).toEqual(SAMPLE_LIST_FINDINGS_INPUT);

  const [publish] = only('sns');
  expect(publish.method).toBe('POST');
  expect(publish.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  expect(publish.headers.authorization).toMatch(/\/us-east-1\/sns\/aws4_request/);
  const form = publish.form!;
  expect(form).toMatchObject({
    Action: 'Publish',
    Version: '2010-03-31',
    TopicArn: TOPIC_ARN,
    Subject: '[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample:latest',
    MessageStructure: 'json',
  });
  expect(attributesOf(form)).toEqual({
    kind: { DataType: 'String', StringValue: 'scan' },
    severity: { DataType: 'String', StringValue: 'CRITICAL' },
    repository: { DataType: 'String', StringValue: 'amazon/amazon-ecs-sample' },
    account: { DataType: 'String', StringValue: '123456789012' },
    exploitable: { DataType: 'String', StringValue: 'YES' },
    fixable: { DataType: 'String', StringValue: 'YES' },
    epss: { DataType: 'Number', StringValue: '0.94418' },
  });
  const message = JSON.parse(form.Message);
  expect(Object.keys(message).sort()).toEqual(['default', 'email', 'email-json', 'https', 'lambda', 'sqs']);
  // epss, exploitAvailable and fixAvailable survive the SDK's deserialization of the JSON answer.
  expect(message.email).toContain('  - CRITICAL CVE-2023-38545\n    Inspector score 9.8, EPSS 23.6%, exploit available: NO, fix available: YES\n    curl 7.88.1-10+deb12u1, fixed in: 7.88.1-10+deb12u4\n');
  expect(message.email).toContain('  LOW, INFORMATIONAL and UNTRIAGED together: 28\n');
  expect(message.email).not.toMatch(/&amp;|&#x2F;|\{\{/);
  expect(JSON.parse(message.https).content.title).toBe(form.Subject);
  expect(JSON.parse(message.sqs).findings[0]).toMatchObject({
    severity: 'CRITICAL', id: 'CVE-2023-38545', inspectorScore: 9.8, epssScore: 0.2361, exploitAvailable: 'NO', fixAvailable: 'YES',
    packages: [{ name: 'curl', installed: '7.88.1-10+deb12u1', fixed: '7.88.1-10+deb12u4' }],
  });
  expect(outcome.logs).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Published', handler: 'scan-formatter', messageId: outcome.result.messageId }));
});

test('Inspector throttling is retried by the SDK; two 429s then an answer still lists the findings', async () => {
  fake.configure({ listFindings: () => SAMPLE_FINDINGS, fault: (r) => (r.service === 'inspector2' && r.index < 2 ? { status: 429 } : undefined) });
  const outcome = await invoke(SAMPLE_EVENT);
  expect(outcome.result.findingsStatus).toBe('ok');
  only('inspector2', 3);
  expect(JSON.parse(only('sns')[0].form!.Message).email).toContain('Worst 5 findings');
});

test('Inspector throttling on every attempt: 5 attempts, then the mail goes out saying so', async () => {
  fake.configure({ fault: (r) => (r.service === 'inspector2' ? { status: 429 } : undefined) });
  // A findings budget and a time left large enough that the budget does not cut the SDK's backoff short.
  const outcome = await invoke(SAMPLE_EVENT, { FINDINGS_BUDGET_MS: '20000' }, 60_000);
  expect(outcome.result).toMatchObject({ published: true, findingsStatus: 'failed' });
  expect(only('inspector2', 5).map((r) => r.headers['amz-sdk-request'])).toEqual([1, 2, 3, 4, 5].map((n) => `attempt=${n}; max=5`));
  expect(JSON.parse(only('sns')[0].form!.Message).email).toContain('could not be fetched from Amazon Inspector (ThrottlingException)');
  expect(outcome.logs).toContainEqual(expect.objectContaining({ level: 'WARN', errorName: 'ThrottlingException' }));
});

test('Inspector access denied (403) is not retried and the mail goes out', async () => {
  fake.configure({ fault: (r) => (r.service === 'inspector2' ? { status: 403 } : undefined) });
  const outcome = await invoke(SAMPLE_EVENT);
  expect(outcome.result.findingsStatus).toBe('failed');
  only('inspector2', 1);
  expect(JSON.parse(only('sns')[0].form!.Message).email).toContain('(AccessDeniedException)');
});

test('a hanging Inspector endpoint cannot hold the mail beyond the time left', async () => {
  fake.configure({ fault: (r) => (r.service === 'inspector2' ? { hang: true } : undefined) });
  const started = Date.now();
  const outcome = await invoke(SAMPLE_EVENT, {}, 24_000); // 1 s left for the lookup beyond the publish reserve
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(outcome.result.findingsStatus).toBe('failed');
  expect(JSON.parse(only('sns')[0].form!.Message).email).toContain('(Timeout)');
});

test('SNS failing on every attempt: 3 attempts, then the handler throws (Lambda retries, the DLQ keeps the event)', async () => {
  fake.configure({ listFindings: () => SAMPLE_FINDINGS, fault: (r) => (r.service === 'sns' ? { status: 500 } : undefined) });
  const outcome = await invoke(SAMPLE_EVENT);
  expect(outcome.error).toMatchObject({ name: 'InternalErrorException' }); // SNS's InternalError code, as the SDK names it
  only('sns', 3);
  expect(outcome.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', errorName: 'InternalErrorException', httpStatusCode: 500 }));
});

test('a dropped SNS connection is retried', async () => {
  fake.configure({ listFindings: () => SAMPLE_FINDINGS, fault: (r) => (r.service === 'sns' && r.index === 0 ? { drop: true } : undefined) });
  const outcome = await invoke(SAMPLE_EVENT);
  expect(outcome.result.published).toBe(true);
  only('sns', 2);
});

test('TOP_FINDINGS=0 sends no Inspector request; Japanese mail on the wire', async () => {
  const outcome = await invoke(scanEvent({ 'image-tags': [] }), { TOP_FINDINGS: '0', LOCALE: 'ja' });
  expect(outcome.result.published).toBe(true);
  only('inspector2', 0);
  const form = only('sns')[0].form!;
  expect(form.Subject).toBe('[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample@sha256:36c7b282abd0');
  expect(JSON.parse(form.Message).email).toContain('タグ:            タグなし');
});

test('an invalid event sends no request at all', async () => {
  const outcome = await invoke(scanEvent({ 'image-digest': undefined }));
  expect(outcome.error).toEqual({ name: 'InvalidScanEventError', message: expect.stringMatching(/^Invalid Inspector2 Scan event: detail\.image-digest is missing/) });
  expect(fake.requests).toHaveLength(0);
});

test('an SNS request without an answer times out after the 5 s request timeout and is retried', async () => {
  fake.configure({ listFindings: () => SAMPLE_FINDINGS, fault: (r) => (r.service === 'sns' && r.index === 0 ? { hang: true } : undefined) });
  const started = Date.now();
  const outcome = await invoke(SAMPLE_EVENT);
  const elapsed = Date.now() - started;
  expect(outcome.result.published).toBe(true);
  only('sns', 2);
  expect(elapsed).toBeGreaterThanOrEqual(4_500);
  expect(elapsed).toBeLessThan(12_000);
});
