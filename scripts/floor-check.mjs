// Proves the version floor: installs the packed library with the oldest aws-cdk-lib and constructs
// that peerDependencies allow into a scratch app, as a new user would, and synthesizes there
//   - the project's CDK app (bin/), with the `cdk synth` of the CLI, importing the installed package;
//   - every TypeScript example of the README and every @example of the API (the snippets
//     `npm run rosetta` compiles).
// Then every construct class of the public API must appear in a synthesized construct tree, so a
// new construct without an example fails here until the README shows it.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pack, root } from './pack.mjs';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const floor = (name) => pkg.peerDependencies[name].replace(/^[\^~>=\s]+/, '');
const versions = { 'aws-cdk-lib': floor('aws-cdk-lib'), constructs: floor('constructs') };
const keep = process.argv.includes('--keep');
const started = Date.now();

const work = mkdtempSync(join(tmpdir(), 'floor-check-'));
const log = (msg) => console.log(`floor-check: ${msg} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
try {
  const { tarball } = pack(work);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'floor-app', private: true, version: '0.0.0' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error',
    tarball, `aws-cdk-lib@${versions['aws-cdk-lib']}`, `constructs@${versions.constructs}`], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  const installed = (name) => JSON.parse(readFileSync(join(work, 'node_modules', name, 'package.json'), 'utf8')).version;
  for (const [name, version] of Object.entries(versions)) {
    if (installed(name) !== version) throw new Error(`${name} ${installed(name)} was installed, not the floor ${version}`);
  }
  log(`installed ${tarball.split('/').pop()} with aws-cdk-lib ${versions['aws-cdk-lib']} and constructs ${versions.constructs}`);

  // The programs, in JavaScript: bin/ with its relative imports of lib/ pointed at the package.
  const transpile = (source) => ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  mkdirSync(join(work, 'bin'));
  for (const file of readdirSync(join(root, 'bin')).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(root, 'bin', file), 'utf8').replace(/(from\s+')\.\.\/lib\//g, `$1${pkg.name}/dist/lib/`);
    writeFileSync(join(work, 'bin', file.replace(/\.ts$/, '.js')), transpile(source));
  }
  const examples = [];
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const [i, m] of [...readme.matchAll(/^```(?:ts|typescript)\s*\n([\s\S]*?)^```/gm)].entries()) examples.push({ name: `readme-${i + 1}`, source: m[1] });
  const assembly = JSON.parse(readFileSync(join(root, '.jsii'), 'utf8'));
  const withExamples = (node, where) => {
    if (!node || typeof node !== 'object') return;
    if (node.docs?.example) examples.push({ name: `example-${where}`, source: node.docs.example });
    for (const member of [...(node.methods ?? []), ...(node.properties ?? [])]) withExamples(member, `${where}.${member.name}`);
  };
  for (const [fqn, type] of Object.entries(assembly.types)) withExamples(type, fqn.replace(/^[^.]+\./, ''));
  mkdirSync(join(work, 'examples'));
  for (const e of examples) writeFileSync(join(work, 'examples', `${e.name}.js`), transpile(e.source));

  // The app with the CLI, the examples with the CDK's own synthesis at exit (CDK_OUTDIR).
  const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context ?? {};
  writeFileSync(join(work, 'cdk.json'), JSON.stringify({ app: 'node bin/app.js', context }));
  const env = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[name];
  const cdk = join(root, 'node_modules', '.bin', 'cdk');
  const failures = [];
  try {
    execFileSync(cdk, ['synth', '--quiet', '--no-notices', '--output', join(work, 'out', 'app')], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    failures.push(`bin/app.ts (cdk synth): ${(err.stderr || err.message).trim()}`);
  }
  log('synthesized the app with cdk synth');
  // Two at a time: each is a Node.js process that loads aws-cdk-lib.
  const queue = [...examples];
  const runNext = async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      const outdir = join(work, 'out', e.name);
      mkdirSync(outdir, { recursive: true });
      try {
        await promisify(execFile)(process.execPath, [join('examples', `${e.name}.js`)], {
          cwd: work, env: { ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) }, encoding: 'utf8',
        });
      } catch (err) {
        failures.push(`${e.name}: ${(err.stderr || err.message).trim().split('\n').slice(0, 8).join('\n    ')}\n    ${e.source.split('\n').join('\n    ')}`);
      }
    }
  };
  await Promise.all([runNext(), runNext()]);
  log(`ran ${examples.length} examples`);

  // Every public construct class must have been synthesized by one of them.
  const synthesized = new Set();
  const scan = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) scan(p);
      else if (f.endsWith('.json')) for (const m of readFileSync(p, 'utf8').matchAll(/"fqn":\s*"([^"]+)"/g)) synthesized.add(m[1]);
    }
  };
  scan(join(work, 'out'));
  const constructs = Object.entries(assembly.types)
    .filter(([, t]) => t.kind === 'class' && !t.abstract && t.initializer?.parameters?.[0]?.type?.fqn === 'constructs.Construct')
    .map(([fqn]) => fqn);
  const missing = constructs.filter((fqn) => !synthesized.has(fqn));
  if (missing.length) failures.push(`constructs no example or app synthesized (add a README example): ${missing.join(', ')}`);
  if (failures.length) {
    console.error(`floor-check: with aws-cdk-lib ${versions['aws-cdk-lib']} and constructs ${versions.constructs}:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    log(`the app and ${examples.length} examples synthesize ${constructs.length} of ${constructs.length} constructs with aws-cdk-lib ${versions['aws-cdk-lib']} and constructs ${versions.constructs}`);
  }
} finally {
  if (keep) console.log(`floor-check: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
