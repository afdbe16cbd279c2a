import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { SNSClient } from '@aws-sdk/client-sns';
import { requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { createLogger, errorFields } from '../shared/logger';
import { CoverageConfig, loadConfig } from './config';
import { EventOutcome, processCoverageEvent } from './coverage-event';
import { dynamoCoverageState } from './state';
import { sweep, SweepDeps, SweepReport } from './sweep';

export { loadConfig } from './config';
export { processCoverageEvent } from './coverage-event';
export { sweep } from './sweep';

/** The two entry paths: an `Inspector2 Coverage` event, or the schedule (`Scheduled Event`). */
export async function route(event: unknown, config: CoverageConfig, deps: SweepDeps): Promise<EventOutcome | SweepReport> {
  const e = requireObject(event, 'event');
  const type = requireOneOf(e['detail-type'], 'detail-type', ['Inspector2 Coverage', 'Scheduled Event']);
  if (type === 'Inspector2 Coverage') return processCoverageEvent(event, config, deps);
  return sweep(config, deps, requireString(e.account, 'account'), requireString(e.region, 'region'));
}

// Inspector2 throttles without a published rate: the sweep pages patiently.
const clients = {
  sns: new SNSClient({}),
  ecr: new ECRClient({ maxAttempts: 6 }),
  inspector: new Inspector2Client({ maxAttempts: 8 }),
  dynamodb: new DynamoDBClient({}),
};
let cached: { config: CoverageConfig; deps: Omit<SweepDeps, 'remainingMs'> } | undefined;

/** Lambda entry point. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<EventOutcome | SweepReport> {
  if (!cached) {
    const config = loadConfig();
    cached = {
      config,
      deps: {
        ...clients,
        state: dynamoCoverageState(clients.dynamodb, config.tableName, config.recoveredTtlSeconds),
        log: createLogger({ fields: { handler: 'coverage-monitor' } }),
        now: Date.now,
      },
    };
  }
  const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.MAX_SAFE_INTEGER;
  try {
    return await route(event, cached.config, { ...cached.deps, remainingMs });
  } catch (err) {
    cached.deps.log.error('event not processed', errorFields(err));
    throw err;
  }
}
