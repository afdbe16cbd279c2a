/**
 * CloudFormation resources a ScanNotifier gains per repository it notifies: the 1st and the
 * 100th repository must add none (the filter lives in the function's environment, not in
 * rules or resources).
 *
 *   npx ts-node --transpile-only bench/notifier-repositories.bench.ts
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as cdkJson from '../cdk.json';
import { ScanNotifier } from '../lib/notify/scan-notifier';
import { BenchReport, table } from './support';

/** Resources of a stack with one notifier that notifies `n` repositories (0 = every repository). */
function resourcesWith(n: number): { resources: number; environmentBytes: number } {
  const app = new App({ context: cdkJson.context });
  const stack = new Stack(app, 'Notifier', { env: { account: '111111111111', region: 'us-east-1' } });
  const notifier = new ScanNotifier(stack, 'Notifier');
  for (let i = 0; i < n; i++) {
    notifier.addRepository(ecr.Repository.fromRepositoryName(stack, `Repo${i}`, `team-${String(i).padStart(3, '0')}/service`));
  }
  const template = app.synth().getStackByName('Notifier').template;
  const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment);
  return {
    resources: Object.keys(template.Resources).length,
    environmentBytes: Buffer.byteLength(JSON.stringify(fn?.Properties.Environment.Variables ?? {})),
  };
}

export async function run(): Promise<BenchReport> {
  const counts = [0, 1, 2, 99, 100];
  const measured = new Map(counts.map((n) => [n, resourcesWith(n)]));
  const added = (n: number) => measured.get(n)!.resources - measured.get(n - 1)!.resources;
  const rows = [
    { metric: 'CloudFormation resources, notifier for every repository', value: String(measured.get(0)!.resources), goal: '' },
    { metric: 'resources added by the 1st repository', value: String(added(1)), goal: '0', pass: added(1) === 0 },
    { metric: 'resources added by the 2nd repository', value: String(added(2)), goal: '0', pass: added(2) === 0 },
    { metric: 'resources added by the 100th repository', value: String(added(100)), goal: '0', pass: added(100) === 0 },
    { metric: 'function environment with 100 repositories', value: `${measured.get(100)!.environmentBytes} bytes`, goal: '< 4096 bytes', pass: measured.get(100)!.environmentBytes < 4096 },
  ];
  return {
    title: 'ScanNotifier: CloudFormation resources per notified repository',
    rows,
    notes: [table(['repositories', 'resources', 'environment bytes'], counts.map((n) => [String(n), String(measured.get(n)!.resources), String(measured.get(n)!.environmentBytes)]))],
    reproduce: ['npx ts-node --transpile-only bench/notifier-repositories.bench.ts', 'npm run bench -- notifier-repositories'],
  };
}

if (require.main === module) {
  run().then((report) => {
    console.log(table(['metric', 'measured', 'goal'], report.rows.map((r) => [r.metric, r.value, r.goal])));
    for (const note of report.notes ?? []) console.log(`\n${note}`);
  }).catch((err) => { console.error(err); process.exitCode = 1; });
}
