import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scanEvent } from './support';

const ROOT = path.join(__dirname, '..', '..', '..');

/** Runs `npm run preview -- ...args` (ts-node on scripts/preview.ts), with no AWS access at all. */
function preview(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'scripts/preview.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', ...env },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

test('without arguments it prints the subject, the attributes and the body of the built-in sample', async () => {
  const { code, stdout } = await preview([]);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Subject: \[Inspector\] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon\/amazon-ecs-sample:latest\n/);
  expect(stdout).toContain('Attributes: kind=scan severity=CRITICAL repository=amazon/amazon-ecs-sample account=123456789012 exploitable=YES fixable=YES epss=0.94418\n');
  // The real-shaped sample: every package with its own versions and file path, EPSS, exploit and fix availability.
  expect(stdout).toContain([
    'Worst 4 findings',
    '  - CRITICAL CVE-2023-45853',
    '    Inspector score 9.8, EPSS 0%, exploit available: NO, fix available: NO',
    '    zlib1g 1:1.2.13.dfsg-1, fixed in: no fix yet',
  ].join('\n'));
  expect(stdout).toContain([
    '  - HIGH CVE-2023-44487',
    '    Inspector score 7.5, EPSS 94.4%, exploit available: YES, fix available: YES',
    '    golang.org/x/net v0.15.0, fixed in: 0.17.0 (usr/local/bin/server)',
    '    google.golang.org/grpc v1.57.0, fixed in: 1.58.3 (usr/local/bin/server)',
  ].join('\n'));
  expect(stdout).toContain('    curl 7.61.1-18.el8, fixed in: 7.61.1-18.el8_4.1\n');
  expect(stdout).toContain('    systemd-pam 239-45.el8, fixed in: unknown\n');
});

test('an event file, the Japanese locale, and a --min-severity that skips it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preview-'));
  const file = path.join(dir, 'event.json');
  fs.writeFileSync(file, JSON.stringify(scanEvent({ 'image-tags': [], 'finding-severity-counts': { MEDIUM: 2, TOTAL: 5 } })));
  const ja = await preview([file, '--locale', 'ja']);
  expect(ja.code).toBe(0);
  expect(ja.stdout).toContain('Subject: [Inspector] MEDIUM 2 - amazon/amazon-ecs-sample@sha256:36c7b282abd0\n');
  expect(ja.stdout).toContain('タグ:            タグなし');
  expect(ja.stdout).toContain('findings: none (pass --findings <ListFindings response.json>)');
  const skipped = await preview([file, '--min-severity', 'HIGH']);
  expect(skipped.stdout).toBe('No mail would be sent: no finding at or above --min-severity HIGH (CRITICAL 0, HIGH 0, MEDIUM 2, TOTAL 5).\n');
  // The environment is not read: the flags are the only settings.
  expect((await preview([file], { MIN_SEVERITY: 'HIGH' })).stdout).toMatch(/^Subject: /);
  const missing = path.join(dir, 'missing.json');
  const invalid = await preview([missing]);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toBe(`preview: the event file ${missing} does not exist\n`);
});

test('bad flags are named as flags, not as the handler\'s environment variables', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--locale', 'fr'], /^preview: --locale is "fr"; expected/],
    [['--min-severity', 'SEVERE'], /^preview: --min-severity is "SEVERE"; expected one of CRITICAL, .*no such flag/],
    [['--top-findings', '500'], /^preview: --top-findings is "500"; expected a whole number from 0 to 100/],
    [['--locale'], /^preview: --locale needs a value: see --help/],
    [['--colour'], /^preview: unknown option --colour: see --help/],
  ];
  const results = await Promise.all(cases.map(([args]) => preview(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const { code, stderr } = results[i];
    expect({ args, code }).toEqual({ args, code: 1 });
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/LOCALE|MIN_SEVERITY|TOP_FINDINGS/);
    expect(stderr.split('\n')).toHaveLength(2); // one line
  }
});

test('--runtime previews a runtime threat alert: the GuardDuty sample, the Falco sample, and a non-runtime finding', async () => {
  const guardDuty = await preview(['--runtime']);
  expect(guardDuty.code).toBe(0);
  expect(guardDuty.stdout).toMatch(/^Subject: \[Runtime HIGH\] image has 2 exploitable CRITICAL \| PrivilegeEscalation:Runtime\/ContainerMountsHos\.\.\.\n/);
  expect(guardDuty.stdout).toContain('Attributes: kind=runtime severity=HIGH repository=payments/api account=111111111111\n');
  expect(guardDuty.stdout).toContain('>>> This pod runs an image with 2 exploitable CRITICAL, 1 exploitable HIGH.');
  const falco = await preview(['--runtime', 'falco', '--json']);
  expect(JSON.parse(falco.stdout)).toMatchObject({ MessageAttributes: { kind: { StringValue: 'runtime' }, severity: { StringValue: 'LOW' } } });
  const recon = await preview(['--runtime', path.join(ROOT, 'test', 'fixtures', 'guardduty-recon-portprobe.json')]);
  expect(recon.stdout).toBe('No alert would be sent: not a GuardDuty Runtime Monitoring finding.\n');
}, 60_000);
