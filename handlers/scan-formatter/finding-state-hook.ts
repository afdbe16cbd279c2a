import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { recordScanMailed } from '../shared/finding-state';
import { errorFields, Logger } from '../shared/logger';
import type { ScanEvent } from './event';

/**
 * After the scan mail of an image went out, records it in the finding state table (STATE_TABLE),
 * so the new-findings digest treats the findings of the initial scan as covered by this mail.
 * Never throws: the mail is out, and without the record the worst outcome is a second mail about
 * the same findings, which is better than failing (and retrying) a mail that was sent.
 */
export function scanMailRecorder(client: Pick<DynamoDBClient, 'send'>, tableName: string, callTimeoutMs: number, now: () => number = Date.now) {
  return async (scan: ScanEvent, log: Logger): Promise<void> => {
    const completedAt = scan.time !== undefined && Number.isFinite(Date.parse(scan.time)) ? Date.parse(scan.time) : now();
    try {
      await recordScanMailed(client as DynamoDBClient, tableName, { account: scan.account, repositoryName: scan.repositoryName, digest: scan.digest },
        completedAt, now(), { abortSignal: AbortSignal.timeout(callTimeoutMs) });
    } catch (err) {
      log.warn('Could not record the scan mail in the finding state table; findings of this scan may be mailed again', errorFields(err));
    }
  };
}
