import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { SNSClient } from '@aws-sdk/client-sns';
import { AlertDeps, AlertOutcome, publishOnce } from '../shared/alert';
import { dynamoDedupStore } from '../shared/dedup';
import { InvalidEventError } from '../shared/event-fields';
import { createLogger, errorFields } from '../shared/logger';
import {
  DEDUP_CALL_BUDGET_MS, findingsBudgetFor, INSPECTOR_MAX_ATTEMPTS, loadTimeouts, PUBLISH_MAX_ATTEMPTS, Timeouts,
} from '../scan-formatter/timeouts';
import { alertSeverityRank, RuntimeAlert } from './alert';
import { RuntimeThreatConfig, loadConfig } from './config';
import { isSnsEvent, parseFalcoMessage, parseSnsEvent } from './falco';
import { isGuardDutyEvent, parseGuardDutyFinding } from './guardduty';
import { InspectorClient, linkImages } from './image-link';
import { buildNotification } from './render';

export { loadConfig } from './config';

/** What the handler needs from the outside world. */
export interface RuntimeThreatDeps extends AlertDeps {
  readonly inspector: InspectorClient;
  /** Time left before the function times out. @default no limit beyond the findings budget */
  readonly remainingTimeMs?: () => number;
  /** How long AWS calls may take. @default TIMEOUTS */
  readonly timeouts?: Timeouts;
}

/** What became of one alert: published, a repeat within the window, below the minimum severity, or not a runtime finding. */
export type RuntimeOutcome = AlertOutcome | 'below-minimum' | 'not-runtime';

/** The dedup key of an alert: the rule (or finding type) on the workload. */
export function dedupKey(alert: RuntimeAlert): string {
  return `runtime#${alert.source}#${alert.rule}#${alert.workload.id}`;
}

/** The alerts of one invocation: one for a GuardDuty finding, one per SNS record for Falco. Throws InvalidEventError. */
export function parseAlerts(event: unknown): Array<RuntimeAlert | undefined> {
  if (isGuardDutyEvent(event)) return [parseGuardDutyFinding(event)];
  if (isSnsEvent(event)) return parseSnsEvent(event).map(parseFalcoMessage);
  throw new InvalidEventError('Invalid event: neither a GuardDuty Finding event (source aws.guardduty) nor an SNS delivery of a Falcosidekick '
    + 'message (Records[].EventSource aws:sns).');
}

/** Handles one alert: severity filter, repeat window (fails open), Inspector link, publish. */
async function handleAlert(alert: RuntimeAlert, config: RuntimeThreatConfig, deps: RuntimeThreatDeps): Promise<RuntimeOutcome> {
  const key = dedupKey(alert);
  const log = deps.log.child({ key, severity: alert.severity });
  if (alertSeverityRank(alert.severity) > alertSeverityRank(config.minSeverity)) {
    log.debug('below the minimum severity: not alerted', { minSeverity: config.minSeverity });
    return 'below-minimum';
  }
  // The Inspector lookup runs only once the key is claimed: a repeat within the window costs no lookups.
  const build = async () => {
    const budgetMs = findingsBudgetFor(deps.timeouts ?? TIMEOUTS, deps.remainingTimeMs?.(), true);
    const links = await linkImages(deps.inspector, alert.images, { region: config.region, topFindings: config.topFindings, budgetMs, policy: config.policy });
    for (const link of links.filter((l) => l.status === 'failed')) {
      log.warn('Inspector lookup failed; the alert goes out without the image\'s findings', { image: link.image, errorName: link.error });
    }
    return buildNotification(alert, links);
  };
  return publishOnce({ ...deps, log }, config.topicArn, key, build, {
    failOpen: true,
    duplicateMessage: 'a repeat of this rule on this workload within the window: not alerted again',
  });
}

/**
 * Handles one event: a GuardDuty Runtime Monitoring finding from EventBridge, or Falcosidekick
 * messages delivered by SNS. Each alert at or above the minimum severity is linked to what
 * Inspector knows of its images and published once per rule and workload within the window.
 * Throws on a malformed event or a failed publish (Lambda retries, then the dead-letter queue
 * keeps the event); a failed Inspector lookup or dedup table only loses the extra detail or the
 * deduplication.
 */
export async function processEvent(event: unknown, config: RuntimeThreatConfig, deps: RuntimeThreatDeps): Promise<RuntimeOutcome[]> {
  const outcomes: RuntimeOutcome[] = [];
  for (const alert of parseAlerts(event)) {
    if (!alert) {
      deps.log.info('not a Runtime Monitoring finding: ignored', { type: (event as { detail?: { type?: unknown } }).detail?.type });
      outcomes.push('not-runtime');
      continue;
    }
    outcomes.push(await handleAlert(alert, config, deps));
  }
  return outcomes;
}

/** How long AWS calls may take, from SDK_CONNECTION_TIMEOUT_MS, SDK_REQUEST_TIMEOUT_MS and FINDINGS_BUDGET_MS. */
export const TIMEOUTS: Timeouts = loadTimeouts(process.env);
const REQUEST_HANDLER = { connectionTimeout: TIMEOUTS.connectionTimeoutMs, requestTimeout: TIMEOUTS.requestTimeoutMs, throwOnRequestTimeout: true };
const sns = new SNSClient({ maxAttempts: PUBLISH_MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
const inspector = new Inspector2Client({ maxAttempts: INSPECTOR_MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
const dynamodb = new DynamoDBClient({ maxAttempts: PUBLISH_MAX_ATTEMPTS, requestHandler: REQUEST_HANDLER });
const rootLogger = createLogger({ fields: { handler: 'runtime-threat' } });
let config: RuntimeThreatConfig | undefined;

/** Lambda entry point. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<RuntimeOutcome[]> {
  try {
    config ??= loadConfig();
    return await processEvent(event, config, {
      sns,
      inspector,
      dedup: dynamoDedupStore(dynamodb, config.tableName, config.windowSeconds, Date.now, { callTimeoutMs: DEDUP_CALL_BUDGET_MS }),
      log: rootLogger,
      remainingTimeMs: context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis!() : undefined,
    });
  } catch (err) {
    rootLogger.error('event not processed', errorFields(err));
    throw err;
  }
}
