// Checks the jsii assembly (.jsii) that `npm run build` wrote: jsii accepts unions, and turns
// generics into `any`, but our rules forbid both in public signatures, because they translate
// badly to Python, Java and C#. Exits non-zero on any finding.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const file = join(root, '.jsii');
if (!existsSync(file)) {
  console.error('jsii-check: .jsii is missing: run "npm run build" first.');
  process.exit(1);
}
const assembly = JSON.parse(readFileSync(file, 'utf8'));
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
  console.error(`jsii-check: public signatures that do not translate well to Python, Java and C#:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log(`jsii-check: ${Object.keys(assembly.types).length} public types in .jsii, with no union, generic or any`);
}
