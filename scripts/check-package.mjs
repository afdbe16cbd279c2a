// Packs the project (`npm pack`) and checks what a user installs: the jsii assembly (.jsii, which
// Python, Java and .NET users load), the compiled library, every handler bundle and template, the
// docs; and no build leftovers (tsconfig.tsbuildinfo), no source maps (inline maps with sources
// doubled the package), no TypeScript sources or tests. Exits non-zero on any finding.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, root } from './pack.mjs';

const work = mkdtempSync(join(tmpdir(), 'check-package-'));
try {
  const { tarball, files, size, unpackedSize } = pack(work);
  const has = new Set(files);
  const problems = [];
  const handlers = readdirSync(join(root, 'handlers'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'shared').map((d) => `dist/handlers/${d.name}/index.js`);
  const templates = readdirSync(join(root, 'templates')).map((t) => `templates/${t}`);
  for (const required of ['.jsii', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'API.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', ...handlers, ...templates]) {
    if (!has.has(required)) problems.push(`missing: ${required}`);
  }
  for (const f of files) {
    if (f.endsWith('.tsbuildinfo')) problems.push(`build leftover: ${f}`);
    if (f.endsWith('.map')) problems.push(`source map: ${f}`);
    if (f.endsWith('.ts') && !f.endsWith('.d.ts')) problems.push(`TypeScript source: ${f}`);
    if (/^(test|bench|scripts|bin|handlers|lib|rosetta)\//.test(f)) problems.push(`not for users: ${f}`);
  }
  // The contents: no inline source map (with or without sources) in any JavaScript file.
  execFileSync('tar', ['-xzf', tarball, '-C', work]);
  for (const f of files.filter((f) => f.endsWith('.js'))) {
    if (readFileSync(join(work, 'package', f), 'utf8').includes('sourceMappingURL=')) problems.push(`inline source map: ${f}`);
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const assembly = JSON.parse(readFileSync(join(work, 'package', '.jsii'), 'utf8'));
  if (assembly.version !== pkg.version) problems.push(`.jsii is of version ${assembly.version}, package.json says ${pkg.version}: run "npm run build"`);
  if (problems.length) {
    console.error(`check-package: the npm package is not what users should get:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`check-package: ${files.length} files, ${(size / 1024).toFixed(0)} KiB packed (${(unpackedSize / 1024).toFixed(0)} KiB unpacked), with .jsii, API.md, ${handlers.length} handler bundles, no source maps or build leftovers`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
