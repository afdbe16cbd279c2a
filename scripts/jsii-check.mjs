// Compiles lib/ with jsii in a scratch folder, to prove the public API stays jsii-compatible
// (publishable for Python and Java later). Exits non-zero on any jsii error.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'jsii-check-'));
try {
  cpSync(join(root, 'lib'), join(work, 'lib'), { recursive: true });
  cpSync(join(root, 'README.md'), join(work, 'README.md'));
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(join(work, 'package.json'), JSON.stringify({
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    author: { name: 'cdk-ecr-scan-guard authors', organization: false },
    repository: { type: 'git', url: 'https://example.invalid/cdk-ecr-scan-guard.git' },
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    peerDependencies: pkg.peerDependencies,
    devDependencies: { 'aws-cdk-lib': pkg.peerDependencies['aws-cdk-lib'].replace('^', ''), constructs: pkg.peerDependencies.constructs.replace('^', '') },
    jsii: { outdir: 'dist', targets: {}, tsconfig: 'tsconfig.jsii.json', validateTsconfig: 'minimal' },
  }, null, 2));
  writeFileSync(join(work, 'tsconfig.jsii.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'commonjs', lib: ['es2022'], declaration: true, strict: true,
      experimentalDecorators: true, inlineSourceMap: true, inlineSources: true, skipLibCheck: true, types: ['node'],
    },
    include: ['lib/**/*.ts'],
  }));
  execFileSync(join(root, 'node_modules', '.bin', 'jsii'), ['--silence-warnings=reserved-word'], { cwd: work, stdio: 'inherit' });
  // jsii accepts unions, and turns generics into `any`: our rules forbid both in public signatures.
  const assembly = JSON.parse(readFileSync(join(work, '.jsii'), 'utf8'));
  const problems = [];
  const visit = (node, where) => {
    if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${where}[${i}]`));
    if (!node || typeof node !== 'object') return;
    // `static isXxx(x: any)` type guards are the CDK convention (Construct.isConstruct): allowed.
    if (node.static && /^is[A-Z]/.test(node.name ?? '')) return;
    if (node.union) problems.push(`${where}: union type`);
    if (node.primitive === 'any') problems.push(`${where}: any (a generic or an untyped value)`);
    for (const [k, v] of Object.entries(node)) visit(v, `${where}.${k}`);
  };
  for (const [fqn, type] of Object.entries(assembly.types ?? {})) visit(type, fqn);
  if (problems.length) {
    console.error(`jsii-check: public signatures that do not translate well to Python and Java:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`jsii-check: ${Object.keys(assembly.types).length} public types compile with jsii, with no union, generic or any`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
