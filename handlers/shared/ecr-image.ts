import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { errorFields, Logger } from './logger';

/** What ECR knows of one image beyond the scan: when it was pushed, its size, when it was last pulled. */
export interface EcrImageFacts {
  /** `imagePushedAt`. */
  readonly pushedAt?: Date;
  /** `imageSizeInBytes`. */
  readonly sizeBytes?: number;
  /** `lastRecordedPullTime` (ECR records it about once a day, not at every pull). */
  readonly lastPulledAt?: Date;
  /** `imageTags`. */
  readonly tags: readonly string[];
}

/** Where the image is. */
export interface EcrImageRef {
  readonly repositoryName: string;
  readonly imageDigest: string;
  /** The account of the registry. @default - the caller's */
  readonly registryId?: string;
}

/** The time `describeEcrImage` waits for ECR when no timeout is given, SDK retries included. */
export const DEFAULT_ECR_TIMEOUT_MS = 2_000;

/**
 * The push time, size and last pull time of one image (ECR `DescribeImages` for its digest).
 * Extra facts for a mail, never needed: returns undefined, with a log line, when the call fails,
 * takes longer than `timeoutMs`, or finds no image, so the mail goes out without them.
 */
export async function describeEcrImage(ecr: ECRClient, ref: EcrImageRef, log: Logger,
  timeoutMs: number = DEFAULT_ECR_TIMEOUT_MS): Promise<EcrImageFacts | undefined> {
  try {
    const result = await ecr.send(new DescribeImagesCommand({
      repositoryName: ref.repositoryName,
      registryId: ref.registryId,
      imageIds: [{ imageDigest: ref.imageDigest }],
    }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    const image = result.imageDetails?.find((d) => d.imageDigest === ref.imageDigest);
    if (!image) {
      log.info('ECR has no such image: the mail goes without its push time and size', { repositoryName: ref.repositoryName, imageDigest: ref.imageDigest });
      return undefined;
    }
    return {
      pushedAt: image.imagePushedAt,
      sizeBytes: image.imageSizeInBytes,
      lastPulledAt: image.lastRecordedPullTime,
      tags: image.imageTags ?? [],
    };
  } catch (err) {
    log.warn('ecr:DescribeImages failed: the mail goes without the image\'s push time and size',
      { repositoryName: ref.repositoryName, imageDigest: ref.imageDigest, ...errorFields(err) });
    return undefined;
  }
}

/** A size in bytes for people: `123 B`, `45.6 MB` (decimal units, as the ECR console shows them). */
export function formatBytes(bytes: number | undefined): string | undefined {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return undefined;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
