import * as fs from 'fs';
import * as path from 'path';
import type { Finding } from '@aws-sdk/client-inspector2';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const TIMES = ['firstObservedAt', 'lastObservedAt', 'updatedAt'] as const;

/** A fixture from test/fixtures, parsed. */
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/**
 * Findings of a saved ListFindings answer (CLI JSON, timestamps as ISO strings) as the SDK hands
 * them over: timestamps become `Date`, as `@aws-sdk/client-inspector2` deserializes them.
 */
export function sdkFindings(name: string): Finding[] {
  return (fixture(name).findings as any[]).map((f) => {
    const out = { ...f };
    for (const key of TIMES) if (typeof out[key] === 'string') out[key] = new Date(out[key]);
    return out as Finding;
  });
}

/** A ListFindings output (SDK form) of some findings, with an optional nextToken. */
export function listFindingsPage(findings: readonly Finding[], nextToken?: string): { findings: Finding[]; nextToken?: string; $metadata: object } {
  return { findings: [...findings], ...(nextToken ? { nextToken } : {}), $metadata: {} };
}
