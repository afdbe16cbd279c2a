/**
 * The finding state table shared by the finding tracker, the finding digest and the scan
 * formatter. One partition per image (`pk` = `img#<account>#<repository>#<digest>`), with:
 *
 * - one item per finding (`sk` = `f#<findingArn>`): its last material state, the fingerprint of
 *   that state, the fingerprint last notified (`notifiedFp`), and `pending` when the next digest
 *   of the image must report it (`new`, `updated` or `closed`);
 * - one image item (`sk` = `image`): `flushDueAt` while a digest is scheduled, and the time the
 *   image's initial scan was mailed (`scanMailedAt`, `scanCompletedAt`), written by the scan
 *   formatter, so the burst of Finding events of the initial scan sends no second mail.
 *
 * Items of an image expire (`expiresAt`, the table's TTL attribute) a while after its last event.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

/** Sort key of the image item. */
export const IMAGE_SK = 'image';
/** Prefix of the sort key of a finding item. */
export const FINDING_SK_PREFIX = 'f#';
/** How long the state of an image is kept after its last event: longer than the longest re-scan duration Inspector offers (180 days). */
export const STATE_TTL_SECONDS = 400 * 24 * 3600;

/**
 * A finding first observed up to this long after the image's initial scan completed was counted
 * in the scan mail: the Finding events of the initial scan arrive around the Scan event.
 */
export const SCAN_COVER_SLACK_MS = 5 * 60_000;

/** Whether a finding first observed at `firstObservedAtMs` was counted by a scan mail of a scan completed at `scanCompletedAtMs`. */
export function countedByScanMail(firstObservedAtMs: number | undefined, scanCompletedAtMs: number | undefined): boolean {
  return firstObservedAtMs !== undefined && scanCompletedAtMs !== undefined && firstObservedAtMs <= scanCompletedAtMs + SCAN_COVER_SLACK_MS;
}

/** Which image an item belongs to. */
export interface ImageRef {
  /** Account that owns the repository (not the account the event was delivered in). */
  readonly account: string;
  readonly repositoryName: string;
  readonly digest: string;
}

/** The partition key of an image. */
export function imageKey(image: ImageRef): string {
  return `img#${image.account}#${image.repositoryName}#${image.digest}`;
}

/** The sort key of a finding item. */
export function findingSortKey(findingArn: string): string {
  return FINDING_SK_PREFIX + findingArn;
}

/** The TTL value of an item written at `nowMs`. */
export function expiresAt(nowMs: number): string {
  return String(Math.floor(nowMs / 1000) + STATE_TTL_SECONDS);
}

/**
 * Records that the initial scan of `image` completed at `completedAtMs` and was mailed at `nowMs`:
 * the digest then treats the image's findings first observed by the scan as covered by that mail.
 */
export async function recordScanMailed(client: DynamoDBClient, tableName: string, image: ImageRef, completedAtMs: number, nowMs: number,
  options: { abortSignal?: AbortSignal } = {}): Promise<void> {
  await client.send(new UpdateItemCommand({
    TableName: tableName,
    Key: { pk: { S: imageKey(image) }, sk: { S: IMAGE_SK } },
    UpdateExpression: 'SET scanMailedAt = :mailed, scanCompletedAt = :completed, expiresAt = :ttl',
    ExpressionAttributeValues: {
      ':mailed': { N: String(nowMs) },
      ':completed': { N: String(completedAtMs) },
      ':ttl': { N: expiresAt(nowMs) },
    },
  }), options);
}
