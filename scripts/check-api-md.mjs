// Checks that the checked-in API.md is what jsii-docgen makes of the current .jsii, so the API
// reference on the registry matches the code. `npm run docgen` rewrites it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './pack.mjs';

const work = mkdtempSync(join(tmpdir(), 'api-md-'));
try {
  const fresh = join(work, 'API.md');
  execFileSync(join(root, 'node_modules', '.bin', 'jsii-docgen'), ['--output', fresh], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const current = existsSync(join(root, 'API.md')) ? readFileSync(join(root, 'API.md'), 'utf8') : '';
  if (readFileSync(fresh, 'utf8') !== current) {
    console.error('check-api-md: API.md is not what jsii-docgen makes of the public API: run "npm run docgen" and commit API.md.');
    process.exitCode = 1;
  } else {
    console.log('check-api-md: API.md is current');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
