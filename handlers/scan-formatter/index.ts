import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { errorFields, createLogger, Logger } from '../shared/logger';
import { buildPublishInput } from '../shared/notification';
import { loadConfig, ScanFormatterConfig } from './config';
import { fillCounts } from './counts';
import { skipReason } from './decide';
import { parseScanEvent } from './event';
import { FindingsLookup, ListFindingsClient, lookUpFindings } from './findings';
import { formatScan } from './render';

export { loadConfig, ConfigurationError } from './config';
export { parseScanEvent, InvalidScanEventError } from './event';
export { fillCounts, worstSeverity } from './counts';
export { formatScan } from './render';
export { skipReason } from './decide';

/** Connection and request timeouts of each AWS call; with 3 attempts, a call ends well within the function timeout. */
const CONNECTION_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000;
const MAX_ATTEMPTS = 3;
/** Longest time the findings lookup may take, all pages and retries together. */
export const FINDINGS_BUDGET_MS = 6_000;
/** Time kept for publishing (3 attempts of at most 2 s connect + 5 s request, plus backoff): the lookup gets what remains beyond it. With the 30 s function timeout, the lookup gets 6 s and the invocation ends within about 28 s. */
export const PUBLISH_RESERVE_MS = 23_000;

/**
 * Timeouts of the SDK's Node.js HTTP handler, given as plain options: the SDK builds its
 * NodeHttpHandler from them, so the bundle needs no `@smithy/node-http-handler` import, which the
 * Lambda runtime does not reliably expose at top level (aws/aws-sdk-js-v3#6169). Recent versions
 * of the handler only log a warning when `requestTimeout` passes, unless `throwOnRequestTimeout`
 * is set; older ones ignore that option and always fail the request.
 */
const REQUEST_HANDLER = { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true };

// Created once per execution environment and reused by every invocation.
const sns = new SNSClient({ maxAttempts: MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
const inspector = new Inspector2Client({ maxAttempts: MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
const rootLogger = createLogger({ fields: { handler: 'scan-formatter' } });

/** The AWS calls the handler makes. */
export interface ScanFormatterDeps {
  readonly sns: { send(command: PublishCommand): Promise<{ MessageId?: string }> };
  readonly inspector: ListFindingsClient;
  readonly logger: Logger;
  /** Time left before the function times out. @default no limit beyond FINDINGS_BUDGET_MS */
  readonly remainingTimeMs?: () => number;
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
 * Handles one `Inspector2 Scan` event: validates it, decides whether to notify, looks up the worst
 * findings, renders and publishes one SNS message. Throws on a bad configuration, a bad event and a
 * failed publish (so Lambda retries and the dead-letter queue keeps the event); an Inspector
 * failure only adds a line to the mail.
 */
export async function processScanEvent(event: unknown, config: ScanFormatterConfig, deps: ScanFormatterDeps): Promise<ScanFormatterResult> {
  let log = deps.logger;
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

  let lookup: FindingsLookup = { status: 'off', findings: [] };
  if (config.topFindings > 0 && counts.total > 0) {
    const remaining = deps.remainingTimeMs ? deps.remainingTimeMs() - PUBLISH_RESERVE_MS : FINDINGS_BUDGET_MS;
    const budgetMs = Math.max(1_000, Math.min(FINDINGS_BUDGET_MS, remaining));
    lookup = await lookUpFindings(deps.inspector, scan, { limit: config.topFindings, budgetMs });
    if (lookup.status === 'failed') {
      log.warn('Could not list the findings; the mail goes out without them', { errorName: lookup.error, errorMessage: lookup.errorMessage, listed: lookup.findings.length });
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
}

/** The Lambda entry point: configuration from the environment, the module's SDK clients. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<ScanFormatterResult> {
  try {
    const config = loadConfig(process.env);
    return await processScanEvent(event, config, {
      sns,
      inspector,
      logger: rootLogger,
      remainingTimeMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis!() : undefined,
    });
  } catch (err) {
    if (err instanceof Error && (err.name === 'ConfigurationError' || err.name === 'InvalidScanEventError')) {
      rootLogger.error(err.message, errorFields(err));
    }
    throw err;
  }
}
