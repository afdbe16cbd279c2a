// `npm pack` of the project into a folder, shared by check-package.mjs and floor-check.mjs.
// Packs what `npm run build` left in dist/ and .jsii: it does not build.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

/** Packs the project into `dest` and returns the tarball's path and its file list. */
export function pack(dest) {
  for (const built of ['.jsii', 'dist/lib/index.js', 'dist/handlers']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run "npm run build" first.`);
  }
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize };
}
