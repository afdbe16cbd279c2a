import type { Finding, ListFindingsCommandInput, ListFindingsCommandOutput } from '@aws-sdk/client-inspector2';
import { ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { severityRank } from './severity';

/**
 * Most ListFindings pages read for one mail. ListFindings can answer empty pages with a
 * `nextToken` while more findings exist, so the lookup reads on within its time budget; this cap
 * only bounds a listing that never ends.
 */
export const MAX_PAGES = 10;

/** What the findings lookup found. */
export interface FindingsLookup {
  /**
   * `ok`: the findings asked for, or the whole listing; `incomplete`: pages were left unread when
   * the time budget or the page cap ran out; `failed`: Inspector failed or throttled after the
   * SDK's retries, or gave no first answer within the budget; `off`: TOP_FINDINGS 0 or no lookup.
   */
  readonly status: 'ok' | 'incomplete' | 'failed' | 'off';
  /** The worst findings, worst first (possibly some, when a later page failed or was not read). */
  readonly findings: readonly Finding[];
  /** The listing ended (no `nextToken` left): the image has no active finding beyond `findings`. */
  readonly ended: boolean;
  /** ListFindings pages read. */
  readonly pages: number;
  /** Error name when the lookup failed or stopped early, such as `ThrottlingException` or `Timeout`. */
  readonly error?: string;
  /** Error message, for the log. */
  readonly errorMessage?: string;
}

/** No lookup made (TOP_FINDINGS 0, or no finding counted). */
export const NO_LOOKUP: FindingsLookup = { status: 'off', findings: [], ended: false, pages: 0 };

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

/** Options of `lookUpFindings`. */
export interface LookupOptions {
  /** How many findings to list (1 to 100). */
  readonly limit: number;
  /** Time allowed for all pages together; the lookup gives up after it. */
  readonly budgetMs: number;
  /** Pages read at most. @default MAX_PAGES */
  readonly maxPages?: number;
}

/**
 * The ListFindings request for the active findings of one image, highest Inspector score first.
 * `sortCriteria` takes one field: ties are broken by severity in `sortFindings`.
 */
export function listFindingsInput(query: FindingsQuery, maxResults: number, nextToken?: string): ListFindingsCommandInput {
  return {
    filterCriteria: {
      awsAccountId: [{ comparison: 'EQUALS', value: query.account }],
      ecrImageRepositoryName: [{ comparison: 'EQUALS', value: query.repositoryName }],
      ecrImageHash: [{ comparison: 'EQUALS', value: query.digest }],
      findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
    },
    sortCriteria: { field: 'INSPECTOR_SCORE', sortOrder: 'DESC' },
    maxResults,
    ...(nextToken ? { nextToken } : {}),
  };
}

// The lowest score of each severity's CVSS band, for findings without an Inspector score.
const BAND_FLOOR: Record<string, number> = { CRITICAL: 9, HIGH: 7, MEDIUM: 4, LOW: 0.1 };

/** The score a finding is ranked by: its Inspector score, else the bottom of its severity's band. */
export function rankingScore(f: Finding): number {
  return typeof f.inspectorScore === 'number' && Number.isFinite(f.inspectorScore) ? f.inspectorScore : BAND_FLOOR[f.severity ?? ''] ?? 0;
}

/** Worst first: by Inspector score, then by severity, keeping Inspector's order otherwise. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rankingScore(b.f) - rankingScore(a.f) || severityRank(a.f.severity) - severityRank(b.f.severity) || a.i - b.i)
    .map(({ f }) => f);
}

/**
 * Lists the worst active findings of an image with Inspector2 ListFindings, highest score first,
 * within a time budget. Pages on while Inspector answers with a `nextToken` (pages can be empty
 * while more findings exist) until it has `limit` findings, the listing ends, or the budget or
 * `MAX_PAGES` runs out (`incomplete`). Never throws: a failure (after the SDK's own retries) comes
 * back as `failed` with the error name, so the mail still goes out.
 */
export async function lookUpFindings(client: ListFindingsClient, query: FindingsQuery, options: LookupOptions): Promise<FindingsLookup> {
  const found: Finding[] = [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.budgetMs);
  timer.unref?.();
  // Also race the timer, in case a request ignores the abort signal.
  const timedOut = new Promise<never>((_resolve, reject) => abort.signal.addEventListener('abort', () => reject(new Error('timeout'))));
  timedOut.catch(() => undefined);
  const result = (status: FindingsLookup['status'], ended: boolean, pages: number, error?: string, errorMessage?: string): FindingsLookup => ({
    status,
    findings: sortFindings(found).slice(0, options.limit),
    ended,
    pages,
    ...(error ? { error, errorMessage } : {}),
  });
  let pages = 0;
  try {
    let nextToken: string | undefined;
    const maxPages = options.maxPages ?? MAX_PAGES;
    do {
      const input = listFindingsInput(query, Math.min(options.limit - found.length, 100), nextToken);
      const out = await Promise.race([client.send(new ListFindingsCommand(input), { abortSignal: abort.signal }), timedOut]);
      pages++;
      const page: unknown = out?.findings ?? [];
      if (!Array.isArray(page)) throw Object.assign(new Error(`ListFindings answered findings that are not a list: ${typeof page}`), { name: 'InvalidResponse' });
      found.push(...page.filter((f): f is Finding => typeof f === 'object' && f !== null && !Array.isArray(f)));
      nextToken = typeof out?.nextToken === 'string' && out.nextToken !== '' ? out.nextToken : undefined;
    } while (nextToken && found.length < options.limit && pages < maxPages);
    if (!nextToken) return result('ok', true, pages);
    if (found.length >= options.limit) return result('ok', false, pages);
    return result('incomplete', false, pages, 'PageLimit', `the listing went on after ${pages} pages`);
  } catch (err) {
    if (abort.signal.aborted) {
      const message = `no answer within ${options.budgetMs} ms`;
      // Pages came back, then the budget ran out: the listing is incomplete rather than failed.
      return pages > 0 ? result('incomplete', false, pages, 'Timeout', message) : result('failed', false, pages, 'Timeout', message);
    }
    return result('failed', false, pages, err instanceof Error ? err.name : 'Error', err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
  }
}
