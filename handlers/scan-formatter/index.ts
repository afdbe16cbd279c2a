import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { runOnce } from '../shared/alert';
import { DedupStore, dynamoDedupStore } from '../shared/dedup';
import { errorFields, createLogger, Logger } from '../shared/logger';
import { buildPublishInput } from '../shared/notification';
import { loadConfig, ScanFormatterConfig } from './config';
import { fillCounts } from './counts';
import { skipReason } from './decide';
import { otherResourceScan, parseScanEvent } from './event';
import { FindingsLookup, ListFindingsClient, lookUpFindings, NO_LOOKUP } from './findings';
import { formatScan } from './render';
import {
  DEDUP_CALL_BUDGET_MS, findingsBudgetFor, INSPECTOR_MAX_ATTEMPTS, loadTimeouts, PUBLISH_MAX_ATTEMPTS, Timeouts,
} from './timeouts';

export { loadConfig, ConfigurationError } from './config';
export { parseScanEvent, otherResourceScan, InvalidScanEventError } from './event';
export { fillCounts, worstSeverity } from './counts';
export { formatScan } from './render';
export { skipReason } from './decide';

export {
  loadTimeouts, worstCaseMs, findingsBudgetFor, publishReserveMs, DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_FINDINGS_BUDGET_MS, DEDUP_CALL_BUDGET_MS,
} from './timeouts';

/**
 * How long each AWS call may take, from SDK_CONNECTION_TIMEOUT_MS, SDK_REQUEST_TIMEOUT_MS and
 * FINDINGS_BUDGET_MS, read once when the module loads (a bad value fails the function's init
 * with a ConfigurationError). With the defaults, an invocation ends within 29 s, below the 30 s
 * function timeout (see worstCaseMs).
 */
export const TIMEOUTS: Timeouts = loadTimeouts(process.env);

/**
 * Timeouts of the SDK's Node.js HTTP handler, given as plain options: the SDK builds its
 * NodeHttpHandler from them, so the bundle needs no `@smithy/node-http-handler` import, which the
 * Lambda runtime does not reliably expose at top level (aws/aws-sdk-js-v3#6169). Recent versions
 * of the handler only log a warning when `requestTimeout` passes, unless `throwOnRequestTimeout`
 * is set; older ones ignore that option and always fail the request.
 */
const REQUEST_HANDLER = { connectionTimeout: TIMEOUTS.connectionTimeoutMs, requestTimeout: TIMEOUTS.requestTimeoutMs, throwOnRequestTimeout: true };

// Created once per execution environment and reused by every invocation.
const sns = new SNSClient({ maxAttempts: PUBLISH_MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
const inspector = new Inspector2Client({ maxAttempts: INSPECTOR_MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
/** Created at load when DEDUP_TABLE is set (else on the first event that has it), then reused; each call is also cut at DEDUP_CALL_BUDGET_MS. */
const newDynamoDb = () => new DynamoDBClient({ maxAttempts: PUBLISH_MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
let dynamodb: DynamoDBClient | undefined = process.env.DEDUP_TABLE ? newDynamoDb() : undefined;
const rootLogger = createLogger({ fields: { handler: 'scan-formatter' } });

/** The AWS calls the handler makes. */
export interface ScanFormatterDeps {
  readonly sns: { send(command: PublishCommand): Promise<{ MessageId?: string }> };
  readonly inspector: ListFindingsClient;
  readonly logger: Logger;
  /** Time left before the function times out. @default no limit beyond the findings budget */
  readonly remainingTimeMs?: () => number;
  /** Remembers the notified event ids; undefined: every delivery is notified. @default no deduplication */
  readonly dedup?: DedupStore;
  /** How long AWS calls may take. @default TIMEOUTS, from the environment */
  readonly timeouts?: Timeouts;
}

/** What the handler did with an event. */
export interface ScanFormatterResult {
  readonly published: boolean;
  /** Why nothing was published. */
  readonly skipped?: string;
  readonly messageId?: string;
  readonly subject?: string;
  /** Worst severity, as the `severity` message attribute has it. */
  readonly severity?: string;
  readonly findingsStatus?: FindingsLookup['status'];
}

/**
 * Handles one `Inspector2 Scan` event: skips scans of other resources than ECR images (EC2
 * instances, Lambda functions, machine images) with a log line, validates it, decides whether to
 * notify, claims the event id in the dedup table (a second delivery stops here), looks up the
 * worst findings, renders and publishes one SNS message. Throws on a bad configuration, a bad event and a failed publish (so
 * Lambda retries and the dead-letter queue keeps the event; the event id is released first, so the
 * retry publishes); an Inspector failure only adds a line to the mail.
 *
 * The dedup table FAILS OPEN, unlike the alert handlers': when DynamoDB throttles, fails or does not
 * answer within DEDUP_CALL_BUDGET_MS, the scan is notified anyway. A scan notification is the only
 * news of a vulnerable image, and a second copy of a mail costs a reader a glance, while a lost
 * one can go unnoticed; the alert handlers can afford to throw instead, because their events are
 * retried and kept in the dead-letter queue, but here that would hold every notification hostage
 * to the dedup table.
 */
export async function processScanEvent(event: unknown, config: ScanFormatterConfig, deps: ScanFormatterDeps): Promise<ScanFormatterResult> {
  let log = deps.logger;
  const other = otherResourceScan(event);
  if (other) {
    // The rule matches ECR image scans only; this guards against a rule or forwarder without the filter.
    log.info('Not notifying: not an ECR image scan', { resource: other, eventId: (event as { id?: unknown }).id });
    return { published: false, skipped: `not an ECR image scan: ${other}` };
  }
  const scan = parseScanEvent(event);
  log = log.child({ eventId: scan.id, repository: scan.repositoryName, digest: scan.digest });
  const counts = fillCounts(scan.rawCounts);
  if (counts.inconsistentTotal !== undefined) {
    log.warn('TOTAL is below CRITICAL + HIGH + MEDIUM; using their sum', { reportedTotal: counts.inconsistentTotal, sum: counts.total });
  }

  const skipped = skipReason(scan, counts, config);
  if (skipped) {
    log.info('Not notifying', { reason: skipped });
    return { published: false, skipped };
  }

  const timeouts = deps.timeouts ?? TIMEOUTS;
  const notify = async (): Promise<ScanFormatterResult> => {
    let lookup: FindingsLookup = NO_LOOKUP;
    if (config.topFindings > 0 && counts.total > 0) {
      const budgetMs = findingsBudgetFor(timeouts, deps.remainingTimeMs?.(), deps.dedup !== undefined);
      lookup = await lookUpFindings(deps.inspector, scan, { limit: config.topFindings, budgetMs });
      if (lookup.status === 'failed') {
        log.warn('Could not list the findings; the mail goes out without them', { errorName: lookup.error, errorMessage: lookup.errorMessage, listed: lookup.findings.length });
      } else if (lookup.status === 'incomplete') {
        log.warn('The findings listing did not end in time; the mail says the list is incomplete', { errorName: lookup.error, errorMessage: lookup.errorMessage, listed: lookup.findings.length, pages: lookup.pages });
      }
    }

    const notification = formatScan(scan, counts, lookup, config);
    try {
      const out = await deps.sns.send(new PublishCommand(buildPublishInput(config.topicArn, notification)));
      log.info('Published', { messageId: out.MessageId, severity: notification.attributes.severity, findingsStatus: lookup.status });
      return { published: true, messageId: out.MessageId, subject: notification.subject, severity: notification.attributes.severity, findingsStatus: lookup.status };
    } catch (err) {
      log.error('Publishing to SNS failed; Lambda retries the event, then the dead-letter queue keeps it', { topicArn: config.topicArn, ...errorFields(err) });
      throw err;
    }
  };

  if (!deps.dedup) return notify();
  const key = `scan#${scan.id}`;
  const outcome = await runOnce({ dedup: deps.dedup, log }, key, notify, {
    failOpen: true,
    duplicateMessage: 'Not notifying: this event was notified before (duplicate delivery)',
  });
  if (outcome.duplicate) return { published: false, skipped: `duplicate delivery of event ${scan.id}: already notified` };
  return outcome.value;
}

/** The Lambda entry point: configuration from the environment, the module's SDK clients. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<ScanFormatterResult> {
  try {
    const config = loadConfig(process.env);
    let dedup: DedupStore | undefined;
    if (config.dedupTable) {
      dynamodb ??= newDynamoDb();
      dedup = dynamoDedupStore(dynamodb, config.dedupTable, config.dedupTtlSeconds, Date.now, { callTimeoutMs: DEDUP_CALL_BUDGET_MS });
    }
    return await processScanEvent(event, config, {
      sns,
      inspector,
      logger: rootLogger,
      remainingTimeMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis!() : undefined,
      dedup,
    });
  } catch (err) {
    if (err instanceof Error && (err.name === 'ConfigurationError' || err.name === 'InvalidScanEventError')) {
      rootLogger.error(err.message, errorFields(err));
    }
    throw err;
  }
}
