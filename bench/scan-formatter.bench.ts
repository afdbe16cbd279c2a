/**
 * Scan formatter bench: bundle size, module init time against a script that only loads the same
 * SDK clients, and time per event against the same API calls made bare, all against the built
 * bundle (dist/handlers/scan-formatter/index.js) and the local SNS and Inspector2 fakes.
 *
 *   node scripts/bundle-handlers.mjs && npx ts-node --transpile-only bench/index.ts scan-formatter
 */
import type { ListFindingsCommandInput } from '@aws-sdk/client-inspector2';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { readFileSync, statSync, openSync, writeSync, closeSync } from 'fs';
import { join } from 'path';
import { FakeAws } from '../test/support/fake-aws';
import { BenchReport, median, nodeNumber, quantile } from './support';

const ROOT = join(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'handlers', 'scan-formatter', 'index.js');
const SAMPLE_EVENT = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'inspector2-scan.json'), 'utf8'));
const SAMPLE_FINDINGS = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'inspector2-list-findings.json'), 'utf8'));
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:scan-notifications';

const SIZE_GOAL = 50 * 1024;
const INIT_GOAL = 1.2;
const EVENT_GOAL = 1.3;
const INIT_RUNS = Number(process.env.BENCH_INIT_RUNS ?? 31);
const EVENT_ROUNDS = Number(process.env.BENCH_EVENT_ROUNDS ?? 10);
const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS_PER_ROUND ?? 50);

/**
 * The same clients, with the same settings, as the handler creates when ScanNotifier deploys it
 * (DEDUP_TABLE set, so with its DynamoDB client): the SDK work alone.
 */
const CLIENTS = `
const { SNSClient } = require("@aws-sdk/client-sns");
const { Inspector2Client } = require("@aws-sdk/client-inspector2");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const requestHandler = { connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true };
globalThis.clients = {
  sns: new SNSClient({ maxAttempts: 3, requestHandler }),
  inspector: new Inspector2Client({ maxAttempts: 5, requestHandler }),
  dynamodb: new DynamoDBClient({ maxAttempts: 3, requestHandler }),
};`;
const SDK_ONLY = `const t0 = process.hrtime.bigint();${CLIENTS}\nconsole.log(Number(process.hrtime.bigint() - t0) / 1e6);`;
const HANDLER = `const t0 = process.hrtime.bigint(); require(${JSON.stringify(BUNDLE)}); console.log(Number(process.hrtime.bigint() - t0) / 1e6);`;

function fmt(ms: number): string {
  return ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

function measureInit(): { sdk: number[]; handler: number[] } {
  // DEDUP_TABLE as ScanNotifier sets it: the handler then creates its DynamoDB client at load, as deployed.
  const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', TOPIC_ARN, DEDUP_TABLE: 'bench-dedup', AWS_LAMBDA_FUNCTION_NAME: 'bench' };
  const sdk: number[] = [];
  const handler: number[] = [];
  nodeNumber(SDK_ONLY, ROOT, env); // fill the file system cache
  nodeNumber(HANDLER, ROOT, env);
  for (let i = 0; i < INIT_RUNS; i++) {
    // Alternate the order so that drift of the machine hits both alike.
    if (i % 2 === 0) {
      sdk.push(nodeNumber(SDK_ONLY, ROOT, env));
      handler.push(nodeNumber(HANDLER, ROOT, env));
    } else {
      handler.push(nodeNumber(HANDLER, ROOT, env));
      sdk.push(nodeNumber(SDK_ONLY, ROOT, env));
    }
  }
  return { sdk, handler };
}

async function measureEvents(): Promise<{ handler: number[]; bare: number[] }> {
  const fake = await FakeAws.start({ listFindings: () => SAMPLE_FINDINGS });
  const savedEnv = process.env;
  const savedWrite = process.stdout.write;
  // The handler logs to stdout as in Lambda; here the lines go to /dev/null, at the cost of a write each.
  const devNull = openSync('/dev/null', 'w');
  try {
    process.env = { ...process.env, ...fake.env('us-east-1'), TOPIC_ARN };
    // A fresh execution environment: a bench run before this one may have loaded the bundle with
    // clients aimed at its own (now closed) fakes.
    delete require.cache[require.resolve(BUNDLE)];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(BUNDLE) as { handler: (e: unknown) => Promise<{ published: boolean }> };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ListFindingsCommand } = require('@aws-sdk/client-inspector2');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PublishCommand } = require('@aws-sdk/client-sns');
    new Function('require', CLIENTS)(require);
    const clients = (globalThis as any).clients;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      if (typeof chunk === 'string') writeSync(devNull, chunk);
      else writeSync(devNull, chunk);
      return true;
    }) as unknown as typeof process.stdout.write;

    // The bare calls send exactly what the handler sent, taken from the wire.
    const first = await handler(SAMPLE_EVENT);
    if (!first.published) throw new Error('the handler did not publish');
    const listInput = fake.requestsOf('inspector2')[0].json as ListFindingsCommandInput;
    const form = fake.requestsOf('sns')[0].form!;
    const publishInput: PublishCommandInput = {
      TopicArn: form.TopicArn,
      Subject: form.Subject,
      Message: form.Message,
      MessageStructure: form.MessageStructure,
      MessageAttributes: Object.fromEntries(
        [1, 2, 3, 4].map((n) => [form[`MessageAttributes.entry.${n}.Name`], { DataType: 'String', StringValue: form[`MessageAttributes.entry.${n}.Value.StringValue`] }]),
      ),
    };
    const bare = async () => {
      await clients.inspector.send(new ListFindingsCommand(listInput));
      await clients.sns.send(new PublishCommand(publishInput));
    };

    const times = { handler: [] as number[], bare: [] as number[] };
    const batch = async (name: 'handler' | 'bare', n: number, record: boolean) => {
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        if (name === 'handler') await handler(SAMPLE_EVENT);
        else await bare();
        if (record) times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    await batch('handler', 50, false); // warm-up: JIT, keep-alive connections
    await batch('bare', 50, false);
    for (let round = 0; round < EVENT_ROUNDS; round++) {
      const order: Array<'handler' | 'bare'> = round % 2 === 0 ? ['handler', 'bare'] : ['bare', 'handler'];
      for (const name of order) await batch(name, EVENTS_PER_ROUND, true);
    }
    return times;
  } finally {
    process.stdout.write = savedWrite;
    process.env = savedEnv;
    closeSync(devNull);
    await fake.close();
  }
}

export async function run(): Promise<BenchReport> {
  const code = readFileSync(BUNDLE, 'utf8');
  const size = statSync(BUNDLE).size;
  const requires = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
  const bundledSdk = /SignatureV4|sigv4|getDefaultRoleAssumer/.test(code);

  const init = measureInit();
  const initSdk = median(init.sdk);
  const initHandler = median(init.handler);
  const events = await measureEvents();
  const eventBare = median(events.bare);
  const eventHandler = median(events.handler);

  return {
    title: 'Scan formatter handler',
    rows: [
      { metric: 'bundle size (dist/handlers/scan-formatter/index.js)', value: `${(size / 1024).toFixed(1)} KB (${size} bytes)`, goal: '<= 50 KB', pass: size <= SIZE_GOAL },
      { metric: 'AWS SDK left out of the bundle', value: bundledSdk ? 'no: SDK code found' : `yes: requires ${requires.join(', ')}`, goal: 'yes', pass: !bundledSdk },
      { metric: `module init, SDK clients only (median of ${init.sdk.length} fresh processes)`, value: `${fmt(initSdk)} (p10 ${fmt(quantile(init.sdk, 0.1))}, p90 ${fmt(quantile(init.sdk, 0.9))})`, goal: '' },
      { metric: `module init, handler bundle (median of ${init.handler.length} fresh processes)`, value: `${fmt(initHandler)} (p10 ${fmt(quantile(init.handler, 0.1))}, p90 ${fmt(quantile(init.handler, 0.9))})`, goal: '' },
      { metric: 'module init ratio handler / SDK clients', value: `${(initHandler / initSdk).toFixed(3)}x`, goal: `<= ${INIT_GOAL}x`, pass: initHandler / initSdk <= INIT_GOAL },
      { metric: `per event, bare ListFindings + Publish (median of ${events.bare.length})`, value: `${fmt(eventBare)} (p90 ${fmt(quantile(events.bare, 0.9))})`, goal: '' },
      { metric: `per event, handler (median of ${events.handler.length})`, value: `${fmt(eventHandler)} (p90 ${fmt(quantile(events.handler, 0.9))})`, goal: '' },
      { metric: 'per event ratio handler / bare calls', value: `${(eventHandler / eventBare).toFixed(3)}x`, goal: `<= ${EVENT_GOAL}x`, pass: eventHandler / eventBare <= EVENT_GOAL },
    ],
    notes: [
      'Module init: time to require the module and create its clients, measured inside fresh `node` processes (hrtime around the require), the two scripts alternating.',
      'Per event: one process, the sample event with TOP_FINDINGS=5 (one ListFindings page of 5 findings) against the local fakes over HTTP keep-alive; the bare variant sends the very requests the handler sent, with clients configured alike; batches alternate.',
    ],
    reproduce: [
      'node scripts/bundle-handlers.mjs',
      'npx ts-node --transpile-only bench/index.ts scan-formatter',
      'ls -l dist/handlers/scan-formatter/index.js',
      `cd ${ROOT} && node -e '${SDK_ONLY.replace(/\n/g, ' ')}'`,
      `cd ${ROOT} && node -e 'const t0 = process.hrtime.bigint(); require("./dist/handlers/scan-formatter/index.js"); console.log(Number(process.hrtime.bigint() - t0) / 1e6)'`,
      'BENCH_INIT_RUNS=61 BENCH_EVENT_ROUNDS=20 npx ts-node --transpile-only bench/index.ts scan-formatter   # more samples',
    ],
  };
}
