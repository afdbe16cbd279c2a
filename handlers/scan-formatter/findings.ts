import type { Finding, ListFindingsCommandInput, ListFindingsCommandOutput } from '@aws-sdk/client-inspector2';
import { ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { severityRank } from './severity';

/** Most ListFindings pages read for one mail. */
export const MAX_PAGES = 3;

/** One vulnerable package of a finding. */
export interface FindingPackage {
  readonly name: string;
  readonly installed: string;
  /** Version with the fix; undefined when there is none yet. */
  readonly fixed?: string;
}

/** A finding as the mail lists it. */
export interface FindingSummary {
  readonly severity: string;
  /** CVE or other vulnerability id; the finding title when there is none. */
  readonly id: string;
  readonly packages: readonly FindingPackage[];
  /** Inspector score, when present. */
  readonly score?: number;
  readonly title?: string;
}

/** What the findings lookup found. */
export interface FindingsLookup {
  /** `ok`; `failed` (Inspector failed or throttled after the SDK's retries); `off` (TOP_FINDINGS 0 or no lookup). */
  readonly status: 'ok' | 'failed' | 'off';
  /** The worst findings, worst first (possibly some, when a later page failed). */
  readonly findings: readonly FindingSummary[];
  /** Error name when the lookup failed, such as `ThrottlingException`. */
  readonly error?: string;
  /** Error message when the lookup failed, for the log. */
  readonly errorMessage?: string;
}

/** Which image to look up. */
export interface FindingsQuery {
  readonly account: string;
  readonly repositoryName: string;
  readonly digest: string;
}

/** The part of the Inspector2 client the lookup uses. */
export interface ListFindingsClient {
  send(command: ListFindingsCommand, options?: { abortSignal?: AbortSignal }): Promise<ListFindingsCommandOutput>;
}

/** Options of {@link lookUpFindings}. */
export interface LookupOptions {
  /** How many findings to list (1 to 100). */
  readonly limit: number;
  /** Time allowed for all pages together; the lookup gives up after it. */
  readonly budgetMs: number;
  /** Pages read at most. @default MAX_PAGES */
  readonly maxPages?: number;
}

/** The ListFindings request for the active findings of one image, worst first. */
export function listFindingsInput(query: FindingsQuery, maxResults: number, nextToken?: string): ListFindingsCommandInput {
  return {
    filterCriteria: {
      awsAccountId: [{ comparison: 'EQUALS', value: query.account }],
      ecrImageRepositoryName: [{ comparison: 'EQUALS', value: query.repositoryName }],
      ecrImageHash: [{ comparison: 'EQUALS', value: query.digest }],
      findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
    },
    sortCriteria: { field: 'SEVERITY', sortOrder: 'DESC' },
    maxResults,
    ...(nextToken ? { nextToken } : {}),
  };
}

/** Reduces an Inspector finding to what the mail shows. */
export function summarizeFinding(f: Finding): FindingSummary {
  const details = f.packageVulnerabilityDetails;
  const packages = (details?.vulnerablePackages ?? []).map((p) => ({
    name: p.name ?? 'unknown package',
    installed: [p.epoch ? `${p.epoch}:` : '', p.version ?? '?', p.release ? `-${p.release}` : ''].join(''),
    fixed: p.fixedInVersion && p.fixedInVersion !== 'NotAvailable' ? p.fixedInVersion : undefined,
  }));
  return {
    severity: f.severity ?? 'UNTRIAGED',
    id: details?.vulnerabilityId ?? f.title ?? f.findingArn?.split('/').pop() ?? 'unknown',
    packages,
    score: typeof f.inspectorScore === 'number' ? f.inspectorScore : undefined,
    title: f.title,
  };
}

/** Worst first: by severity, then by score, keeping Inspector's order otherwise. */
export function sortFindings(findings: readonly FindingSummary[]): FindingSummary[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(a.f.severity) - severityRank(b.f.severity) || (b.f.score ?? -1) - (a.f.score ?? -1) || a.i - b.i)
    .map(({ f }) => f);
}

/**
 * Lists the worst active findings of an image with Inspector2 ListFindings: sorted by severity,
 * at most {@link MAX_PAGES} pages, within a time budget. Never throws: a failure (after the SDK's
 * own retries) comes back as `status: 'failed'` with the error name, so the mail still goes out.
 */
export async function lookUpFindings(client: ListFindingsClient, query: FindingsQuery, options: LookupOptions): Promise<FindingsLookup> {
  const found: FindingSummary[] = [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.budgetMs);
  timer.unref?.();
  // Also race the timer, in case a request ignores the abort signal.
  const timedOut = new Promise<never>((_resolve, reject) => abort.signal.addEventListener('abort', () => reject(new Error('timeout'))));
  timedOut.catch(() => undefined);
  try {
    let nextToken: string | undefined;
    for (let page = 0; page < (options.maxPages ?? MAX_PAGES); page++) {
      const input = listFindingsInput(query, Math.min(options.limit - found.length, 100), nextToken);
      const out = await Promise.race([client.send(new ListFindingsCommand(input), { abortSignal: abort.signal }), timedOut]);
      found.push(...(out.findings ?? []).map(summarizeFinding));
      nextToken = out.nextToken;
      if (!nextToken || found.length >= options.limit) break;
    }
    return { status: 'ok', findings: sortFindings(found).slice(0, options.limit) };
  } catch (err) {
    const name = abort.signal.aborted ? 'Timeout' : err instanceof Error ? err.name : 'Error';
    const message = abort.signal.aborted ? `no answer within ${options.budgetMs} ms` : err instanceof Error ? err.message : String(err);
    return { status: 'failed', findings: sortFindings(found).slice(0, options.limit), error: name, errorMessage: message };
  } finally {
    clearTimeout(timer);
  }
}
