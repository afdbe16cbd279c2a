import { execFile } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..', '..');

function preview(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'scripts/preview.ts', '--new-findings', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

test('--new-findings prints the sample new-findings mail in English and Japanese, worst first, with no AWS call', async () => {
  const { code, stdout } = await preview([]);
  expect(code).toBe(0);
  expect(stdout).toContain('=== new-findings mail (en) ===\nSubject: [Inspector] 2 new findings (worst CRITICAL) - amazon/amazon-ecs-sample:latest\n');
  expect(stdout).toContain('Attributes: kind=new-findings severity=CRITICAL repository=amazon/amazon-ecs-sample account=123456789012 exploitable=YES fixable=YES epss=0.2741');
  expect(stdout.indexOf('CRITICAL CVE-2023-38545')).toBeLessThan(stdout.indexOf('MEDIUM CVE-2019-17498'));
  expect(stdout).toContain('=== new-findings mail (ja) ===');
  expect(stdout).toContain('新しい検出結果 (重大なものから)');
});

test('--new-findings with an event file and --locale ja prints one mail; a bad locale fails', async () => {
  const file = path.join(ROOT, 'test', 'fixtures', 'inspector2-finding.json');
  const ja = await preview([file, '--locale', 'ja']);
  expect(ja.code).toBe(0);
  expect(ja.stdout).not.toContain('(en)');
  expect(ja.stdout).toContain('Subject: [Inspector] 1 new finding (worst MEDIUM) - amazon/amazon-ecs-sample:latest');
  const bad = await preview([file, '--locale', 'fr']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('--locale is "fr": expected en or ja');
});
