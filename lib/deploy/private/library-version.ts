import * as fs from 'fs';
import * as path from 'path';

const PACKAGE_NAME = 'cdk-ecr-scan-guard';

/**
 * The version of this library, read from its package.json (found from `lib/deploy/private` in the
 * sources and from `dist/lib/deploy/private` in the package), or `0.0.0` when it cannot be found.
 */
export function libraryVersion(): string {
  for (let dir = __dirname, i = 0; i < 5; dir = path.dirname(dir), i++) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
  }
  return '0.0.0';
}
