import {
  FilterCriteria, ListFindingAggregationsCommand, ListFindingAggregationsCommandOutput, ListFindingsCommand,
} from '@aws-sdk/client-inspector2';
import { checkImage, parseImage, PolicyConfig } from '../../lib/policy/private/image-reference';
import { FindingView, toFindingView } from '../shared/finding-view';
import { ListFindingsClient, lookUpFindings, NO_LOOKUP } from '../scan-formatter/findings';
import { ALERT_SEVERITIES } from './alert';

/** Images of one alert looked up in Inspector at most (a pod has few containers; the rest are listed without). */
export const MAX_LINKED_IMAGES = 3;
/** Exploitable findings listed at most per image; with more, the count reads "50+". */
export const EXPLOITABLE_LIMIT = 50;
/** The least time the findings lookups get after the aggregation. */
const MIN_LOOKUP_MS = 500;

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** An image of a private ECR registry. */
export interface EcrImage {
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The ECR repository, tag and digest of an image reference, or why it is not an ECR image. */
export function ecrImageOf(image: string): EcrImage | string {
  const ref = parseImage(image);
  if (typeof ref === 'string') return `not a valid image reference: ${ref}`;
  const host = ECR_HOST.exec(ref.registry);
  if (!host) return `not in a private ECR registry (${ref.registry})`;
  return { account: host[1], region: host[2], repositoryName: ref.path, tag: ref.tag, digest: ref.digest };
}

/** What Inspector knows of one image, and the image policy's verdict. */
export interface ImageLink {
  readonly image: string;
  /**
   * `linked` (Inspector answered), `no-findings` (Inspector knows no findings of the image),
   * `not-ecr`, `other-region`, `failed` (Inspector failed or took too long), `not-looked-up`
   * (beyond MAX_LINKED_IMAGES).
   */
  readonly status: 'linked' | 'no-findings' | 'not-ecr' | 'other-region' | 'failed' | 'not-looked-up';
  /** One sentence on the status, for the message. */
  readonly note: string;
  readonly repository?: string;
  readonly digest?: string;
  /** Active findings by severity (Inspector's aggregation: all, critical, high, medium). */
  readonly counts?: { readonly total: number; readonly critical: number; readonly high: number; readonly medium: number };
  /** Exploitable findings (exploitAvailable YES) by severity, worst first; `more` when there were over EXPLOITABLE_LIMIT. */
  readonly exploitable?: { readonly total: number; readonly more: boolean; readonly bySeverity: ReadonlyArray<{ readonly severity: string; readonly count: number }> };
  /** The worst active findings, worst first. */
  readonly worst: readonly FindingView[];
  /** The worst exploitable findings, worst first. */
  readonly worstExploitable: readonly FindingView[];
  /** The image policy's verdict, when a policy is configured. */
  readonly policy?: { readonly allowed: boolean; readonly rule?: string; readonly reason: string };
  /** The error name of a failed lookup. */
  readonly error?: string;
}

/** The Inspector2 calls the link makes. */
export interface InspectorClient extends ListFindingsClient {
  send(command: ListFindingsCommand, options?: { abortSignal?: AbortSignal }): Promise<import('@aws-sdk/client-inspector2').ListFindingsCommandOutput>;
  send(command: ListFindingAggregationsCommand, options?: { abortSignal?: AbortSignal }): Promise<ListFindingAggregationsCommandOutput>;
}

/** Options of {@link linkImages}. */
export interface LinkOptions {
  /** The function's region: Inspector is asked there only. */
  readonly region: string;
  /** Worst findings listed per image. */
  readonly topFindings: number;
  /** Time for all lookups of one image together. */
  readonly budgetMs: number;
  readonly policy?: PolicyConfig;
}

/** A ListFindings client that adds `extra` criteria to every request (the shared lookup filters by image only). */
export function withCriteria(client: ListFindingsClient, extra: FilterCriteria): ListFindingsClient {
  return {
    send: (command, options) => client.send(new ListFindingsCommand({
      ...command.input,
      filterCriteria: { ...command.input.filterCriteria, ...extra },
    }), options),
  };
}

/** Aggregation pages read at most (the scan formatter's ListFindings reads up to its own MAX_PAGES). */
const AGGREGATION_PAGES = 3;

/** The image's row of Inspector's AWS_ECR_CONTAINER aggregation (by digest, else by tag), reading past empty pages. */
async function aggregate(client: InspectorClient, ecr: EcrImage, signal: AbortSignal) {
  let nextToken: string | undefined;
  for (let page = 0; page < AGGREGATION_PAGES; page++) {
    const out = await client.send(new ListFindingAggregationsCommand({
      aggregationType: 'AWS_ECR_CONTAINER',
      accountIds: [{ comparison: 'EQUALS', value: ecr.account }],
      aggregationRequest: {
        awsEcrContainerAggregation: {
          repositories: [{ comparison: 'EQUALS', value: ecr.repositoryName }],
          ...(ecr.digest ? { imageShas: [{ comparison: 'EQUALS', value: ecr.digest }] } : { imageTags: [{ comparison: 'EQUALS', value: ecr.tag ?? 'latest' }] }),
        },
      },
      ...(nextToken ? { nextToken } : {}),
    }), { abortSignal: signal });
    const row = (out.responses ?? []).map((r) => r.awsEcrContainerAggregation).find((r) => r?.imageSha);
    if (row) return row;
    nextToken = out.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}

function exploitableSummary(findings: readonly FindingView[]): NonNullable<ImageLink['exploitable']> {
  const bySeverity = ALERT_SEVERITIES
    .map((severity) => ({ severity, count: findings.filter((f) => f.severity === severity).length }))
    .filter((s) => s.count > 0);
  return { total: findings.length, more: findings.length >= EXPLOITABLE_LIMIT, bySeverity };
}

/** Looks up one image. Never throws: a failure becomes `status: 'failed'`, so the alert still goes out. */
export async function linkImage(client: InspectorClient, image: string, options: LinkOptions): Promise<ImageLink> {
  const verdict = options.policy ? checkImage(options.policy, image) : undefined;
  const base = { image, worst: [], worstExploitable: [], ...(verdict ? { policy: { allowed: verdict.allowed, rule: verdict.rule, reason: verdict.reason } } : {}) };
  const ecr = ecrImageOf(image);
  if (typeof ecr === 'string') return { ...base, status: 'not-ecr', note: `Not looked up in Inspector: ${ecr}.` };
  const place = { repository: ecr.repositoryName, digest: ecr.digest };
  if (ecr.region !== options.region) {
    return { ...base, ...place, status: 'other-region', note: `Not looked up: the image is in ${ecr.region}, and Inspector is asked in ${options.region} only.` };
  }
  const started = Date.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.budgetMs);
  timer.unref?.();
  let row: Awaited<ReturnType<typeof aggregate>>;
  try {
    row = await aggregate(client, ecr, abort.signal);
  } catch (err) {
    const error = abort.signal.aborted ? 'Timeout' : (err as Error)?.name ?? 'Error';
    return { ...base, ...place, status: 'failed', error, note: `Inspector could not be asked (${error}): the image's findings are not shown.` };
  } finally {
    clearTimeout(timer);
  }
  if (!row) {
    return { ...base, ...place, status: 'no-findings', note: `Inspector knows no active findings of ${ecr.digest ? 'this digest' : `the tag ${ecr.tag ?? 'latest'}`} (not scanned yet, or nothing found).` };
  }
  const digest = row.imageSha!;
  const c = row.severityCounts ?? {};
  const counts = { total: c.all ?? 0, critical: c.critical ?? 0, high: c.high ?? 0, medium: c.medium ?? 0 };
  const query = { account: ecr.account, repositoryName: ecr.repositoryName, digest };
  const budgetMs = Math.max(MIN_LOOKUP_MS, options.budgetMs - (Date.now() - started));
  const [worst, exploitable] = await Promise.all([
    options.topFindings > 0 ? lookUpFindings(client, query, { limit: options.topFindings, budgetMs }) : Promise.resolve(NO_LOOKUP),
    lookUpFindings(withCriteria(client, { exploitAvailable: [{ comparison: 'EQUALS', value: 'YES' }] }), query, { limit: EXPLOITABLE_LIMIT, budgetMs }),
  ]);
  // An incomplete listing (time or pages ran out) is reported like a failure part way: the lists may lack findings.
  const failed = [worst, exploitable].find((l) => l.status === 'failed' || l.status === 'incomplete');
  const pinned = ecr.digest ? '' : ` (the tag ${ecr.tag ?? 'latest'} points to ${digest.slice(0, 19)}... now; the pod may have pulled an earlier image)`;
  return {
    ...base,
    repository: ecr.repositoryName,
    digest,
    status: failed ? 'failed' : 'linked',
    error: failed?.error,
    note: failed
      ? `Inspector failed part way (${failed.error}): counts are complete, the lists may not be${pinned}.`
      : `Inspector findings of the image${pinned}.`,
    counts,
    exploitable: exploitableSummary(exploitable.findings.map((f) => toFindingView(f))),
    worst: worst.findings.map((f) => toFindingView(f)),
    worstExploitable: exploitable.findings.slice(0, options.topFindings).map((f) => toFindingView(f)),
  };
}

/** Links every image of an alert (the first MAX_LINKED_IMAGES in parallel, within one budget). */
export async function linkImages(client: InspectorClient, images: readonly string[], options: LinkOptions): Promise<ImageLink[]> {
  const looked = await Promise.all(images.slice(0, MAX_LINKED_IMAGES).map((image) => linkImage(client, image, options)));
  const rest: ImageLink[] = images.slice(MAX_LINKED_IMAGES).map((image) => ({
    image, status: 'not-looked-up', note: `Not looked up: at most ${MAX_LINKED_IMAGES} images per alert.`, worst: [], worstExploitable: [],
  }));
  return [...looked, ...rest];
}
