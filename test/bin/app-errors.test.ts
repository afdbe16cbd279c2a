import { execFile } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/** Runs bin/app.ts as `cdk synth` does (ts-node, context in CDK_CONTEXT_JSON), with no output folder needed. */
function runApp(context: Record<string, unknown>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) };
    execFile(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'bin/app.ts'], { cwd: root, env, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr }));
  });
}

describe('bin/app.ts', () => {
  test('a bad context value prints one line naming the key, the value and the fix, and exits 1', async () => {
    const { code, stdout, stderr } = await runApp({ email: 'not-an-address' });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('Context value email is "not-an-address": expected an e-mail address such as "team@example.com" (set it with -c email=...).\n');
  });

  test('a bad item of a list names its index', async () => {
    const { code, stderr } = await runApp({ memberAccountIds: '111111111111,12345' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual(['Context value memberAccountIds[1] is "12345": expected a 12-digit AWS account id (set it with -c memberAccountIds=...).']);
  });
});
