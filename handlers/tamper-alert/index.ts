import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { AlertDeps, AlertOutcome, publishOnce } from '../shared/alert';
import { dynamoDedupStore } from '../shared/dedup';
import { createLogger } from '../shared/logger';
import { ignoredBy, parseApiCall } from './api-call';
import { buildAlert } from './build-alert';
import { loadConfig, TamperConfig } from './config';

export * from './api-call';
export * from './build-alert';
export * from './config';
export * from './policy-analysis';

/** A dedup call (with its SDK retries) that takes longer than this is given up, and the alert goes out anyway. */
export const DEDUP_CALL_TIMEOUT_MS = 3000;

/** What the handler did with one event. */
export type TamperOutcome = 'ignored' | AlertOutcome;

/**
 * Turns one CloudTrail API call into one alert, once per CloudTrail event id. Calls by the
 * deployment role are alerted too, with `actor` = `deployment`; only calls by ignored principals
 * are skipped. Fails open on the dedup table: when it fails (or was deleted), the alert is
 * published anyway, at the risk of a duplicate. Throws on a malformed event (nothing published)
 * and when publishing fails.
 */
export async function processEvent(event: unknown, config: TamperConfig, deps: AlertDeps): Promise<TamperOutcome> {
  const call = parseApiCall(event);
  const log = deps.log.child({ eventId: call.eventId, eventName: call.eventName });
  const ignored = ignoredBy(config, call);
  if (ignored) {
    log.info('call by an ignored principal', { who: call.who, pattern: ignored });
    return 'ignored';
  }
  return publishOnce({ ...deps, log }, config.topicArn, `cloudtrail#${call.eventId}`, buildAlert(config, call), { failOpen: true });
}

const sns = new SNSClient({});
const dynamodb = new DynamoDBClient({});
let cached: { config: TamperConfig; deps: AlertDeps } | undefined;

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TamperOutcome> {
  if (!cached) {
    const config = loadConfig();
    cached = {
      config,
      deps: {
        sns,
        dedup: dynamoDedupStore(dynamodb, config.tableName, config.dedupTtlSeconds, Date.now, { callTimeoutMs: DEDUP_CALL_TIMEOUT_MS }),
        log: createLogger({ fields: { handler: 'tamper-alert' } }),
      },
    };
  }
  try {
    return await processEvent(event, cached.config, cached.deps);
  } catch (err) {
    cached.deps.log.error('event not processed', { error: (err as Error).message, name: (err as Error).name });
    throw err;
  }
}
