import { ECRClient, ImageDetail } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { errorFields } from '../shared/logger';
import { CoverageGroup, ImageLine } from './alert';
import { CoverageConfig, watches } from './config';
import { Budget, CoverageEntry, listEcrCoverage, listImages, listRepositories } from './listing';
import { checkPolicies, inspectorRoleArn, partitionOf } from './policy-check';
import { PublishDeps, publishChanges } from './publish';
import { judge, judgeFrequency, NOT_COVERED, SCANNING, Verdict } from './reasons';
import { imageKey, repositoryKey, StateItem } from './state';

/** What the sweep needs. */
export interface SweepDeps extends PublishDeps {
  readonly ecr: ECRClient;
  readonly inspector: Inspector2Client;
  readonly now: () => number;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
}

/** What one sweep saw and did (logged, and returned for tests). */
export interface SweepReport {
  readonly repositories: number;
  readonly images: number;
  /** Images pushed within the grace period, left alone. */
  readonly young: number;
  /** Images (and repositories) not scanned, alerted now or before. */
  readonly notScanned: number;
  /** Images and repositories alerted in this sweep. */
  readonly alerted: number;
  /** Images and repositories reported as scanning again. */
  readonly recovered: number;
  readonly coveragePages: number;
  /** False when the sweep stopped early (time or `maxImages`). */
  readonly complete: boolean;
}

/** Time kept for publishing after the listing. */
const RESERVE_MS = 60_000;

/** The image line of an ECR image. */
function lineOf(image: ImageDetail): ImageLine {
  return {
    imageDigest: image.imageDigest!,
    tags: image.imageTags ?? [],
    pushedAt: image.imagePushedAt,
    sizeBytes: image.imageSizeInBytes,
    lastPulledAt: image.lastRecordedPullTime,
  };
}

/**
 * The scheduled check behind the events, which are delivered best effort: lists every watched
 * repository and its images (ECR) and Inspector's coverage (ListCoverage), and alerts every image
 * pushed more than the grace period ago that is not actively scanned, one message per repository
 * and reason, each image once per reason until it changes; images alerted before that are scanned
 * again get one "scanning again" message. Remembered images and repositories that no longer exist
 * are forgotten. Bounded by `maxImages` and the time left; publishes what it found either way.
 * Throws, after trying every message, when one could not be published.
 */
export async function sweep(config: CoverageConfig, deps: SweepDeps, account: string, region: string): Promise<SweepReport> {
  const { log } = deps;
  const budget: Budget = { exhausted: () => deps.remainingMs() < RESERVE_MS };
  const repositories = (await listRepositories(deps.ecr, config.repositoryNames, log)).filter((r) => watches(config, r.repositoryName!));
  const coverage = await listEcrCoverage(deps.inspector, config.repositoryNames, config.maxImages * 2, budget);
  const imageCoverage = new Map<string, CoverageEntry>();
  const repositoryCoverage = new Map<string, CoverageEntry>();
  for (const entry of coverage.entries) {
    if (entry.imageDigest) imageCoverage.set(imageKey(entry.repositoryName, entry.imageDigest), entry);
    else repositoryCoverage.set(entry.repositoryName, entry);
  }
  const stored = new Map((await deps.state.list(config.maxImages * 2)).map((i): [string, StateItem] => [i.key, i]));
  const inspectorRole = inspectorRoleArn(partitionOf(region), account);

  const groups: CoverageGroup[] = [];
  const forget: string[] = [];
  let images = 0;
  let young = 0;
  let notScanned = 0;
  let complete = coverage.complete;
  const names = new Set(repositories.map((r) => r.repositoryName!));
  for (const item of stored.values()) if (!names.has(item.repositoryName)) forget.push(item.key);

  for (const repository of repositories) {
    const repositoryName = repository.repositoryName!;
    if (budget.exhausted() || images >= config.maxImages) {
      complete = false;
      break;
    }
    const listing = await listImages(deps.ecr, repository, config.maxImages - images, budget);
    images += listing.images.length;
    complete &&= listing.complete;
    const problems = new Map<string, ImageLine[]>();
    const recovered: ImageLine[] = [];
    const seen = new Set<string>();
    let repositoryProblem: Verdict | undefined;
    let anyScanning = false;
    for (const image of listing.images) {
      if (!image.imageDigest) continue;
      const key = imageKey(repositoryName, image.imageDigest);
      seen.add(key);
      const ageSeconds = image.imagePushedAt ? (deps.now() - image.imagePushedAt.getTime()) / 1000 : undefined;
      if (ageSeconds !== undefined && ageSeconds < config.gracePeriodSeconds) {
        young++;
        continue;
      }
      const entry = imageCoverage.get(key);
      const verdict: Verdict = entry ? judge(entry.status, { ...config, ageSeconds })
        : coverage.complete ? { kind: 'problem', reason: NOT_COVERED, scope: 'image' } : { kind: 'pending' };
      const before = stored.get(key);
      if (verdict.kind === 'problem' && verdict.scope === 'repository') {
        repositoryProblem ??= verdict;
      } else if (verdict.kind === 'problem') {
        notScanned++;
        if (before?.status !== verdict.reason) problems.set(verdict.reason, [...(problems.get(verdict.reason) ?? []), lineOf(image)]);
      } else if (verdict.kind === 'scanning') {
        anyScanning = true;
        if (before && before.status !== SCANNING) recovered.push({ ...lineOf(image), previousReason: before.status });
      } else if (verdict.kind === 'gone' && before) {
        forget.push(key);
      }
    }
    if (listing.complete) {
      for (const item of stored.values()) if (item.repositoryName === repositoryName && item.imageDigest && !seen.has(item.key)) forget.push(item.key);
    }

    const base = { account, region, repositoryName, source: 'sweep' as const, inspectorRole };
    for (const [reason, lines] of problems) {
      const policies = reason === 'ACCESS_DENIED'
        ? await checkPolicies(deps.ecr, { repositoryName, registryId: repository.registryId ?? account, ownRegistry: true }, inspectorRole, log)
        : undefined;
      groups.push({ ...base, scope: 'image', reason, images: lines, policies });
    }
    if (recovered.length) groups.push({ ...base, scope: 'image', images: recovered });

    const entry = repositoryCoverage.get(repositoryName);
    const repositoryVerdict = judgeFrequency(entry?.scanFrequency, config.expectContinuousScanning)
      ?? repositoryProblem ?? (anyScanning ? { kind: 'scanning' } : undefined);
    const before = stored.get(repositoryKey(repositoryName));
    if (repositoryVerdict?.kind === 'problem') {
      notScanned++;
      if (before?.status !== repositoryVerdict.reason) groups.push({ ...base, scope: 'repository', reason: repositoryVerdict.reason, images: [] });
    } else if (repositoryVerdict?.kind === 'scanning' && before && before.status !== SCANNING) {
      groups.push({ ...base, scope: 'repository', images: [], previousReason: before.status });
    }
  }

  let alerted = 0;
  let recoveredCount = 0;
  let failure: unknown;
  for (const group of groups) {
    try {
      const count = await publishChanges(deps, config, group);
      if (group.reason) alerted += count;
      else recoveredCount += count;
    } catch (err) {
      failure ??= err;
    }
  }
  for (const key of forget) {
    try {
      await deps.state.forget(key);
    } catch (err) {
      log.warn('forgetting a removed image failed: the next sweep tries again', { key, ...errorFields(err) });
    }
  }
  const report: SweepReport = {
    repositories: repositories.length, images, young, notScanned, alerted, recovered: recoveredCount, coveragePages: coverage.pages, complete,
  };
  if (!complete) log.warn('the sweep stopped early (time or maxImages): the next sweep starts over', { ...report });
  log.info('sweep done', { ...report, forgotten: forget.length });
  if (failure) throw failure;
  return report;
}
