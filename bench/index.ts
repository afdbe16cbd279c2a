/**
 * Runs every bench in this folder (`bench/*.bench.ts`, each exporting `run()`), prints one table
 * per bench with the commands that reproduce it, and exits non-zero when a goal is missed.
 *
 *   npm run bench                      # all benches (builds the handler bundles first)
 *   npm run bench -- scan-formatter    # only the benches whose file name contains the word
 *
 * Add a bench by adding a `<name>.bench.ts` file that exports `run(): Promise<BenchReport>`.
 */
import { readdirSync } from 'fs';
import * as os from 'os';
import { join } from 'path';
import { BenchModule, table } from './support';

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o))))
    .sort();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`node ${process.version}, ${os.cpus().length} x ${cpu}, ${os.platform()} ${os.arch()}, ${new Date().toISOString()}\n`);
  let missed = 0;
  for (const file of files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(join(__dirname, file)) as BenchModule;
    const report = await bench.run();
    console.log(`== ${report.title} (bench/${file})\n`);
    console.log(table(['metric', 'measured', 'goal', 'result'], report.rows.map((r) => [r.metric, r.value, r.goal, r.pass === undefined ? '' : r.pass ? 'ok' : 'MISSED'])));
    for (const note of report.notes ?? []) console.log(`\n${note}`);
    console.log('\nReproduce:');
    for (const command of report.reproduce) console.log(`  ${command}`);
    console.log('');
    missed += report.rows.filter((r) => r.pass === false).length;
  }
  if (files.length === 0) console.log(`no bench matches ${only.join(', ')}`);
  console.log(missed === 0 ? 'All goals met.' : `${missed} goal(s) missed.`);
  process.exitCode = missed === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
