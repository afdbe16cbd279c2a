/** Shared pieces of the benches that `npm run bench` (bench/index.ts) runs. */
import { execFileSync } from 'child_process';

/** One measured figure and its goal. */
export interface BenchRow {
  readonly metric: string;
  readonly value: string;
  /** The goal as text; empty when the row is informational. */
  readonly goal: string;
  /** Whether the goal is met; undefined for an informational row. */
  readonly pass?: boolean;
}

/** What a bench returns. */
export interface BenchReport {
  readonly title: string;
  readonly rows: readonly BenchRow[];
  /** Commands that reproduce the figures. */
  readonly reproduce: readonly string[];
  readonly notes?: readonly string[];
}

/** A bench module: `bench/<name>.bench.ts` exporting `run`. */
export interface BenchModule {
  run(): Promise<BenchReport>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** Runs a node script in a fresh process and returns the number it prints last. */
export function nodeNumber(script: string, cwd: string, env: NodeJS.ProcessEnv): number {
  const out = execFileSync(process.execPath, ['-e', script], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const value = Number(out.trim().split('\n').pop());
  if (!Number.isFinite(value)) throw new Error(`expected a number from the script, got: ${out}`);
  return value;
}

/** Prints rows as an aligned text table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
