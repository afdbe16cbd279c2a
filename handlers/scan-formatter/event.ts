/** An `Inspector2 Scan` event, validated and with the repository ARN taken apart. */
export interface ScanEvent {
  /** EventBridge event id. */
  readonly id?: string;
  /** Account the event was delivered in. */
  readonly eventAccount: string;
  /** Region the event was delivered in. */
  readonly eventRegion: string;
  /** Event time (ISO 8601), when present. */
  readonly time?: string;
  /** `detail.repository-name`: the repository ARN. */
  readonly repositoryArn: string;
  /** Repository name, from the ARN. */
  readonly repositoryName: string;
  /** Account that owns the repository (from the ARN); Inspector findings carry it as `awsAccountId`. */
  readonly account: string;
  /** Region of the repository (from the ARN). */
  readonly region: string;
  /** Partition of the repository (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;
  /** `detail.image-digest`. */
  readonly digest: string;
  /** `detail.image-tags`; empty for an untagged image. */
  readonly tags: readonly string[];
  /** `detail.scan-status`, for example `INITIAL_SCAN_COMPLETE`. */
  readonly scanStatus: string;
  /** `detail.finding-severity-counts` as the event has it. */
  readonly rawCounts: Readonly<Record<string, number>>;
}

/** Thrown for an event this handler cannot use. The message names the field. */
export class InvalidScanEventError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`Invalid Inspector2 Scan event: ${field} ${problem}. Only "Inspector2 Scan" events from aws.inspector2 are supported; nothing was published.`);
    this.name = 'InvalidScanEventError';
  }
}

const REPOSITORY_ARN = /^arn:(aws[a-z-]*):ecr:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):repository\/(.+)$/;
// ECR repository names: 2-256 characters, lowercase, optional namespaces separated by '/'.
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Za-z0-9=_-]{32,}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

function show(value: unknown): string {
  if (value === undefined) return 'is missing';
  const json = JSON.stringify(value) ?? String(value);
  return `is ${json.length > 80 ? json.slice(0, 77) + '...' : json}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What an `Inspector2 Scan` event of another resource than an ECR image names, such as
 * `EC2 instance i-087d63509b8c97098`; undefined for any other event (an ECR image scan, or not a
 * scan event at all, which `parseScanEvent` then judges). Inspector sends scan events for EC2
 * instances (`detail.instance-id`), Lambda functions (the function ARN in `resources`) and
 * machine images (`detail.machine-image-id`), none with `repository-name` or `image-digest`.
 */
export function otherResourceScan(event: unknown): string | undefined {
  if (!isRecord(event) || event.source !== 'aws.inspector2' || event['detail-type'] !== 'Inspector2 Scan') return undefined;
  const detail = event.detail;
  if (!isRecord(detail) || 'repository-name' in detail || 'image-digest' in detail) return undefined;
  const name = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : undefined);
  const resource = Array.isArray(event.resources) ? name(event.resources[0]) : undefined;
  if (name(detail['instance-id'])) return `EC2 instance ${name(detail['instance-id'])}`;
  if (name(detail['machine-image-id'])) return `machine image ${name(detail['machine-image-id'])}`;
  if (resource && /^arn:[^:]+:lambda:/.test(resource)) return `Lambda function ${resource}`;
  return `resource ${resource ?? 'not named'}`;
}

/** Validates an EventBridge event as an `Inspector2 Scan` event; throws {@link InvalidScanEventError} naming the first bad field. */
export function parseScanEvent(event: unknown): ScanEvent {
  if (!isRecord(event)) throw new InvalidScanEventError('event', `${show(event)}; expected an EventBridge event object`);
  if (event.source !== 'aws.inspector2') throw new InvalidScanEventError('source', `${show(event.source)}; expected "aws.inspector2"`);
  if (event['detail-type'] !== 'Inspector2 Scan') {
    throw new InvalidScanEventError('detail-type', `${show(event['detail-type'])}; expected "Inspector2 Scan"`);
  }
  if (typeof event.account !== 'string' || !ACCOUNT.test(event.account)) {
    throw new InvalidScanEventError('account', `${show(event.account)}; expected a 12-digit account id`);
  }
  if (typeof event.region !== 'string' || !REGION.test(event.region)) {
    throw new InvalidScanEventError('region', `${show(event.region)}; expected a region such as "us-east-1"`);
  }
  if (event.time !== undefined && typeof event.time !== 'string') throw new InvalidScanEventError('time', `${show(event.time)}; expected a string`);
  const detail = event.detail;
  if (!isRecord(detail)) throw new InvalidScanEventError('detail', `${show(detail)}; expected an object`);

  const arn = detail['repository-name'];
  const match = typeof arn === 'string' ? REPOSITORY_ARN.exec(arn) : null;
  if (!match || match[4].length < 2 || match[4].length > 256 || !REPOSITORY_NAME.test(match[4])) {
    throw new InvalidScanEventError('detail.repository-name', `${show(arn)}; expected an ECR repository ARN such as "arn:aws:ecr:us-east-1:111111111111:repository/team/app"`);
  }
  const digest = detail['image-digest'];
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new InvalidScanEventError('detail.image-digest', `${show(digest)}; expected an image digest such as "sha256:" followed by 64 hex digits`);
  }
  // An untagged image may come with an empty list; treat a missing list the same way.
  const tags = detail['image-tags'] ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new InvalidScanEventError('detail.image-tags', `${show(tags)}; expected an array of tag strings (empty for an untagged image)`);
  }
  const status = detail['scan-status'];
  if (typeof status !== 'string' || status.length === 0) {
    throw new InvalidScanEventError('detail.scan-status', `${show(status)}; expected a string such as "INITIAL_SCAN_COMPLETE"`);
  }
  const counts = detail['finding-severity-counts'];
  if (!isRecord(counts)) {
    throw new InvalidScanEventError('detail.finding-severity-counts', `${show(counts)}; expected an object such as {"CRITICAL": 1, "TOTAL": 3}`);
  }
  for (const [key, value] of Object.entries(counts)) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new InvalidScanEventError(`detail.finding-severity-counts.${key}`, `${show(value)}; expected a non-negative integer`);
    }
  }
  return {
    id: typeof event.id === 'string' ? event.id : undefined,
    eventAccount: event.account,
    eventRegion: event.region,
    time: event.time as string | undefined,
    repositoryArn: arn as string,
    partition: match[1],
    region: match[2],
    account: match[3],
    repositoryName: match[4],
    digest,
    tags: tags as string[],
    scanStatus: status,
    rawCounts: counts as Record<string, number>,
  };
}
