// Bundles every handlers/<name>/index.ts into dist/handlers/<name>/index.js with esbuild.
// The AWS SDK v3 is left out: the Lambda Node.js runtime provides it.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'handlers');
const names = (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [])
  .filter((d) => d.isDirectory() && existsSync(join(root, 'handlers', d.name, 'index.ts')))
  .map((d) => d.name);

for (const name of names) {
  const outfile = join(root, 'dist', 'handlers', name, 'index.js');
  await build({
    entryPoints: [join(root, 'handlers', name, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // Templates hold Japanese: UTF-8 keeps them at 3 bytes a character instead of 6-byte \u escapes.
    charset: 'utf8',
    external: ['@aws-sdk/*', '@smithy/*'],
    loader: { '.mustache': 'text' },
    logLevel: 'warning',
  });
}
console.log(`bundled ${names.length} handler(s): ${names.join(', ') || '-'}`);
