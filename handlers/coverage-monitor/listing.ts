import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient, ImageDetail, Repository } from '@aws-sdk/client-ecr';
import { CoverageStringFilter, Inspector2Client, ListCoverageCommand } from '@aws-sdk/client-inspector2';
import { errorFields, Logger } from '../shared/logger';
import { ScanStatus } from './reasons';

/** Inspector's coverage of one ECR image or repository. */
export interface CoverageEntry {
  readonly repositoryName: string;
  /** Undefined for a repository. */
  readonly imageDigest?: string;
  readonly status: ScanStatus;
  /** The repository's scan frequency (`CONTINUOUS_SCAN`, `SCAN_ON_PUSH`, `MANUAL`), when Inspector gives it. */
  readonly scanFrequency?: string;
}

/** An ECR image ARN as Inspector names it: `arn:<partition>:ecr:<region>:<account>:repository/<name>/sha256:<hex>`. */
const IMAGE_ARN = /^arn:([a-z-]+):ecr:[a-z0-9-]+:(\d{12}):repository\/(.+)\/(sha256:[0-9a-f]{64})$/;
/** An ECR repository ARN. */
const REPOSITORY_ARN = /^arn:([a-z-]+):ecr:[a-z0-9-]+:(\d{12}):repository\/([^@]+)$/;

/** An ECR resource as Inspector names it. */
export interface EcrResource {
  readonly partition: string;
  /** The account of the registry. */
  readonly account: string;
  readonly repositoryName: string;
  /** Undefined for a repository. */
  readonly imageDigest?: string;
}

/** The repository (and the image digest, for an image) named by an Inspector resource id of ECR, or undefined. */
export function parseEcrResource(resourceId: string): EcrResource | undefined {
  const image = IMAGE_ARN.exec(resourceId);
  if (image) return { partition: image[1], account: image[2], repositoryName: image[3], imageDigest: image[4] };
  const repository = REPOSITORY_ARN.exec(resourceId);
  return repository ? { partition: repository[1], account: repository[2], repositoryName: repository[3] } : undefined;
}

/** Largest page ListCoverage returns. */
const COVERAGE_PAGE_SIZE = 200;
/** ListCoverage takes at most this many values in one filter (API reference, CoverageFilterCriteria). */
const MAX_FILTER_VALUES = 10;

/** What stops a listing early. */
export interface Budget {
  /** True when the listing must stop (the function is running out of time). */
  readonly exhausted: () => boolean;
}

/**
 * Inspector's coverage of ECR images and repositories, every page (ListCoverage pages can be empty
 * and still carry a nextToken: the listing ends only without one). With at most 10 repository
 * names, Inspector filters by name; otherwise the caller filters. Stops when `budget` is exhausted
 * (`complete` is then false) or after `maxEntries`.
 */
export async function listEcrCoverage(inspector: Inspector2Client, repositoryNames: readonly string[] | undefined,
  maxEntries: number, budget: Budget): Promise<{ entries: CoverageEntry[]; complete: boolean; pages: number }> {
  const byType = (value: string): CoverageStringFilter => ({ comparison: 'EQUALS', value });
  const filterCriteria = {
    resourceType: [byType('AWS_ECR_CONTAINER_IMAGE'), byType('AWS_ECR_REPOSITORY')],
    ...(repositoryNames && repositoryNames.length <= MAX_FILTER_VALUES ? { ecrRepositoryName: repositoryNames.map(byType) } : {}),
  };
  const entries: CoverageEntry[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    if (budget.exhausted() || entries.length >= maxEntries) return { entries, complete: false, pages };
    const page = await inspector.send(new ListCoverageCommand({ filterCriteria, maxResults: COVERAGE_PAGE_SIZE, nextToken }));
    pages++;
    for (const resource of page.coveredResources ?? []) {
      const parsed = resource.resourceId ? parseEcrResource(resource.resourceId) : undefined;
      if (!parsed) continue;
      entries.push({
        repositoryName: resource.resourceMetadata?.ecrRepository?.name ?? parsed.repositoryName,
        imageDigest: resource.resourceType === 'AWS_ECR_REPOSITORY' ? undefined : parsed.imageDigest,
        status: { statusCode: resource.scanStatus?.statusCode, reason: resource.scanStatus?.reason },
        scanFrequency: resource.resourceMetadata?.ecrRepository?.scanFrequency,
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { entries, complete: true, pages };
}

/** Most names DescribeRepositories takes in one call. */
const NAMES_PER_CALL = 100;

/**
 * The repositories to sweep: every repository of the registry, or the named ones that exist
 * (a name that does not exist is logged and skipped).
 */
export async function listRepositories(ecr: ECRClient, repositoryNames: readonly string[] | undefined, log: Logger): Promise<Repository[]> {
  const repositories: Repository[] = [];
  if (!repositoryNames) {
    let nextToken: string | undefined;
    do {
      const page = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 1000, nextToken }));
      repositories.push(...(page.repositories ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return repositories;
  }
  for (let i = 0; i < repositoryNames.length; i += NAMES_PER_CALL) {
    const names = repositoryNames.slice(i, i + NAMES_PER_CALL);
    try {
      repositories.push(...((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: names }))).repositories ?? []));
    } catch (err) {
      if ((err as Error).name !== 'RepositoryNotFoundException') throw err;
      // One missing name fails the whole call: ask one by one.
      for (const name of names) {
        try {
          repositories.push(...((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }))).repositories ?? []));
        } catch (one) {
          if ((one as Error).name !== 'RepositoryNotFoundException') throw one;
          log.warn('a watched repository does not exist: skipped', { repositoryName: name, ...errorFields(one) });
        }
      }
    }
  }
  return repositories;
}

/** The images of one repository, every page, at most `maxImages`; `complete` is false when stopped early. */
export async function listImages(ecr: ECRClient, repository: Repository, maxImages: number, budget: Budget):
Promise<{ images: ImageDetail[]; complete: boolean }> {
  const images: ImageDetail[] = [];
  let nextToken: string | undefined;
  do {
    if (budget.exhausted() || images.length >= maxImages) return { images: images.slice(0, maxImages), complete: false };
    const page = await ecr.send(new DescribeImagesCommand({
      repositoryName: repository.repositoryName,
      registryId: repository.registryId,
      maxResults: 1000,
      nextToken,
    }));
    images.push(...(page.imageDetails ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return images.length > maxImages ? { images: images.slice(0, maxImages), complete: false } : { images, complete: true };
}
