import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..');

describe('package', () => {
  test('require(<project root>) after a build gives the public API', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const api = require(root);
    expect(Object.keys(api)).toEqual(expect.arrayContaining([
      'GuardedRepository', 'RepositoryGuard', 'EnhancedScanning', 'ScanFrequency', 'Severity', 'NotificationLocale', 'ScanNotifier',
      'ImagePolicy', 'ImagePolicyChecker', 'DeployedImageMonitor', 'GuardTamperAlerts',
      'ScanGuardHubStack', 'ScanGuardSpokeStack', 'ScanGuardPortfolio', 'ScanEventForwarder',
    ]));
    expect(require.resolve(root)).toBe(path.join(root, 'dist', 'lib', 'index.js'));
  });

  test('lib/index.ts only re-exports', () => {
    const lines = fs.readFileSync(path.join(root, 'lib', 'index.ts'), 'utf8').split('\n').filter((l) => l.trim());
    expect(lines.every((l) => /^export \* from '\.\/[\w/-]+';$/.test(l))).toBe(true);
  });

  test('npx cdk synth works with no account, credentials or arguments', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-guard-synth-'));
    const env = { ...process.env };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[name];
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: root, env, stdio: 'pipe', timeout: 120_000 });
    const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
    expect(templates.length).toBeGreaterThan(0);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
