// Packages the library for every jsii target into dist/packages/<language> (jsii.outdir):
// code generation for all of them, and a full build (npm tarball, Python wheel, ...) for the
// targets whose toolchain this machine has and can use offline. Run `npm run build` first.
//
//   npm run package                 # code for python, java, dotnet; builds js, and python when it can
//   npm run package -- --code-only  # code generation only
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './pack.mjs';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (!existsSync(join(root, '.jsii'))) {
  console.error('package: .jsii is missing: run "npm run build" first.');
  process.exit(1);
}
const pacmak = join(root, 'node_modules', '.bin', 'jsii-pacmak');
const outdir = join(root, pkg.jsii.outdir);
const targets = Object.keys(pkg.jsii.targets);
const works = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

// What each target's build needs. Java needs Maven Central (aws-cdk-lib's jar and the jsii
// runtime) and .NET the dotnet SDK and NuGet; Python needs pip to find the exact build tools
// jsii-pacmak pins (its requirements-dev.txt), which a pip without PyPI access may not have.
const pythonBuildTools = join(root, 'node_modules', 'jsii-pacmak', 'lib', 'targets', 'python', 'requirements-dev.txt');
const canBuild = {
  python: () => works('python3', ['-m', 'venv', '--help'])
    && works('python3', ['-m', 'pip', 'install', '--dry-run', '--no-deps', '--quiet', '--retries', '0', '--timeout', '5', '-r', pythonBuildTools]),
  java: () => works('mvn', ['--version']) && works('java', ['-version']) && process.env.PACKAGE_JAVA === '1',
  dotnet: () => works('dotnet', ['--version']),
};
const codeOnly = process.argv.includes('--code-only');
const build = codeOnly ? [] : targets.filter((t) => canBuild[t]?.());
const generate = targets.filter((t) => !build.includes(t));

const run = (args) => execFileSync(pacmak, ['--outdir', outdir, '--no-npmignore', '--rosetta-unknown-snippets', 'verbatim', ...args], { cwd: root, stdio: 'inherit' });
const started = Date.now();
if (generate.length) run(['--code-only', '--targets', generate.join(',')]);
if (!codeOnly) run(['--targets', ['js', ...build].join(',')]);
console.log(`package: ${codeOnly ? '' : `built js${build.length ? `, ${build.join(', ')}` : ''}; `}code only for ${generate.join(', ') || '-'} `
  + `into ${pkg.jsii.outdir}/ in ${((Date.now() - started) / 1000).toFixed(0)} s (python builds when pip finds jsii-pacmak's build tools, `
  + 'java with PACKAGE_JAVA=1 and Maven Central access, dotnet with the dotnet SDK)');
