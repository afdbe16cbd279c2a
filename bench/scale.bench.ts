/**
 * Scale bench: synthesizes apps with many GuardedRepository and one ScanNotifier, and reports
 * synth time, CloudFormation resources and template bytes, and where CloudFormation's limits
 * (500 resources per stack, 1 MB template through S3) bite.
 *
 *   npm run bench -- scale                                   # through bench/index.ts
 *   npx ts-node --transpile-only bench/scale.bench.ts [--sizes 1,100,400] [--fleet 1000]
 *
 * Needs the handler bundles (`npm run build` or `node scripts/bundle-handlers.mjs`) for ScanNotifier.
 */
import { mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GuardedRepository, GuardedRepositoryProps } from '../lib/guard/guarded-repository';
import { GuardedRepositoryFleet } from '../lib/guard/repository-fleet';
import { testApp } from '../test/support/app';
import type { BenchReport, BenchRow } from './support';

const ENV = { account: '111111111111', region: 'us-east-1' };
const RESOURCE_LIMIT = 500;
/** CloudFormation's template limit through S3, as the CDK checks it (it warns from 80%). */
const TEMPLATE_LIMIT = 1_000_000;
/** Template size from which the CDK warns ("Template size is approaching limit"). */
const CDK_WARNING_BYTES = 800_000;

/** The exemptions a typical repository has: the two ECR endpoints and a CI role. */
const GUARD: GuardedRepositoryProps = {
  allowedVpcEndpointIds: ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'],
  allowedPrincipalArns: ['arn:aws:iam::111111111111:role/ci-*'],
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The notifier, when lib/notify/scan-notifier.ts exists and its handler bundle is built; undefined otherwise. */
function notifierFactory(): ((scope: Construct) => void) | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ScanNotifier } = require('../lib/notify/scan-notifier');
    const probe = new Stack(new App(), 'Probe', { env: ENV });
    new ScanNotifier(probe, 'Notifier', {});
    return (scope) => new ScanNotifier(scope, 'Notifier', {});
  } catch (err) {
    console.error(`(ScanNotifier left out: ${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

interface StackFigures { readonly resources: number; readonly bytes: number }
interface Row {
  readonly label: string;
  readonly repositories: number;
  readonly ms: number;
  readonly stacks: StackFigures[];
  readonly error?: string;
}

function synth(label: string, repositories: number, build: (app: App) => void): Row {
  const outdir = mkdtempSync(join(tmpdir(), 'scale-bench-'));
  try {
    const start = process.hrtime.bigint();
    const app = testApp({ outdir });
    let error: string | undefined;
    let stacks: StackFigures[] = [];
    try {
      build(app);
      const assembly = app.synth();
      stacks = assembly.stacks.map((s) => ({
        resources: Object.keys(s.template.Resources ?? {}).length,
        bytes: statSync(join(assembly.directory, s.templateFile)).size,
      }));
    } catch (err) {
      error = (err as Error).message.split('\n')[0];
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { label, repositories, ms, stacks, error };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function oneStack(n: number, notifier?: (scope: Construct) => void): (app: App) => void {
  return (app) => {
    const stack = new Stack(app, 'Registry', { env: ENV });
    notifier?.(stack);
    for (let i = 0; i < n; i++) new GuardedRepository(stack, `Repo${i}`, { repositoryName: `team${i % 50}/service-${i}`, ...GUARD });
  };
}

function fleet(n: number, notifier?: (scope: Construct) => void): (app: App) => void {
  return (app) => {
    if (notifier) notifier(new Stack(app, 'Notifications', { env: ENV }));
    new GuardedRepositoryFleet(app, 'Registry', {
      stackProps: { env: ENV },
      repositories: Array.from({ length: n }, (_, i) => ({ repositoryName: `team${i % 50}/service-${i}`, ...GUARD })),
    });
  };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** Runs the scale bench: prints its table and returns the figures for bench/index.ts. */
export async function run(): Promise<BenchReport> {
  const sizes = arg('sizes', '1,100,400').split(',').map(Number);
  const fleetSize = Number(arg('fleet', '1000'));
  const notifier = notifierFactory();
  synth('warm-up', 1, oneStack(1, notifier)); // loads aws-cdk-lib once, so the times below compare synth work

  const base = synth('notifier only', 0, oneStack(0, notifier));
  const baseResources = base.stacks[0]?.resources ?? 0;
  const baseBytes = base.stacks[0]?.bytes ?? 0;
  const rows: Row[] = [base];
  for (const n of sizes) rows.push(synth(`${n} in one stack`, n, oneStack(n, notifier)));
  // Where the resource limit bites in one stack: CDK refuses to synthesize more than 500 resources.
  const overLimit = RESOURCE_LIMIT - baseResources + 1;
  const over = synth(`${overLimit} in one stack`, overLimit, oneStack(overLimit, notifier));
  rows.push(over);
  const spread = synth(`${fleetSize} with GuardedRepositoryFleet`, fleetSize, fleet(fleetSize, notifier));
  rows.push(spread);

  const largest = rows.filter((r) => !r.error && r.repositories > 0 && r.stacks.length === 1).pop();
  const perRepoBytes = largest ? (largest.stacks[0].bytes - baseBytes) / largest.repositories : NaN;
  const perRepoResources = largest ? (largest.stacks[0].resources - baseResources) / largest.repositories : NaN;

  const lines: string[] = [];
  lines.push(`Scale: GuardedRepository (2 VPC endpoints + 1 CI role each)${notifier ? ' + one ScanNotifier' : ' (no ScanNotifier: not available)'}`);
  lines.push('| app | synth | stacks | resources (largest stack) | template (largest stack) | template bytes / repository |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.label} | ${(r.ms / 1000).toFixed(2)} s | - | - | - | fails: ${r.error.slice(0, 100)} |`);
      continue;
    }
    const resources = Math.max(...r.stacks.map((s) => s.resources));
    const bytes = Math.max(...r.stacks.map((s) => s.bytes));
    const total = r.stacks.reduce((a, s) => a + s.bytes, 0);
    const per = r.repositories > 0 ? Math.round((total - baseBytes) / r.repositories) : 0;
    lines.push(`| ${r.label} | ${(r.ms / 1000).toFixed(2)} s | ${r.stacks.length} | ${resources} | ${kb(bytes)} | ${per || '-'} |`);
  }
  const byResources = Math.floor((RESOURCE_LIMIT - baseResources) / perRepoResources);
  const byBytes = Math.floor((TEMPLATE_LIMIT - baseBytes) / perRepoBytes);
  const byWarning = Math.floor((CDK_WARNING_BYTES - baseBytes) / perRepoBytes);
  lines.push('');
  lines.push(`notifier: ${baseResources} resources, ${kb(baseBytes)}; each repository: ${perRepoResources} resource, ${Math.round(perRepoBytes)} template bytes`);
  lines.push(`one stack holds at most ${byResources} such repositories by the 500-resource limit, ${byBytes} by the 1 MB template limit: `
    + `the ${byResources < byBytes ? '500-resource' : '1 MB template'} limit bites first; the CDK warns from 800,000 bytes, at ${byWarning}`);
  lines.push("GuardedRepositoryFleet keeps each stack under 450 resources and 760 KiB of repositories (both configurable), below the CDK's 800,000-character warning");
  const table = lines.join('\n');

  const timeOf = (n: number) => rows.find((r) => r.label === `${n} in one stack`);
  const benchRows: BenchRow[] = [
    ...sizes.map((n) => ({ metric: `synth, ${n} repositories + notifier, one stack`, value: `${((timeOf(n)?.ms ?? NaN) / 1000).toFixed(2)} s`, goal: '< 10 s', pass: (timeOf(n)?.ms ?? Infinity) < 10_000 })),
    { metric: 'template bytes per repository', value: `${Math.round(perRepoBytes)}`, goal: '', pass: undefined },
    { metric: 'repositories per stack before the 500-resource limit', value: `${byResources}`, goal: '', pass: undefined },
    { metric: 'repositories per stack before the 1 MB template limit', value: `${byBytes}`, goal: '', pass: undefined },
    { metric: 'repositories per stack before the CDK warns (800,000 bytes)', value: `${byWarning}`, goal: '', pass: undefined },
    { metric: `${overLimit} repositories + notifier in one stack`, value: over.error ? 'synth fails (over 500 resources)' : 'synthesizes', goal: 'synth fails', pass: over.error !== undefined },
    {
      metric: `${fleetSize} repositories with GuardedRepositoryFleet`,
      value: spread.error ? `fails: ${spread.error}` : `${spread.stacks.length} stacks, largest ${Math.max(...spread.stacks.map((s) => s.resources))} resources, ${kb(Math.max(...spread.stacks.map((s) => s.bytes)))}`,
      goal: '< 500 resources, < 800,000 bytes each',
      pass: !spread.error && spread.stacks.every((s) => s.resources < RESOURCE_LIMIT && s.bytes < 800_000),
    },
  ];
  return {
    title: 'Scale: synthesizing many guarded repositories',
    rows: benchRows,
    notes: [table],
    reproduce: ['npx ts-node --transpile-only bench/scale.bench.ts', 'npm run bench -- scale'],
  };
}

if (require.main === module) {
  run().then((report) => {
    for (const note of report.notes ?? []) console.log(note);
    const failed = report.rows.filter((r) => r.pass === false);
    for (const r of failed) console.log(`MISSED: ${r.metric}: ${r.value} (goal ${r.goal})`);
    process.exitCode = failed.length ? 1 : 0;
  }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
