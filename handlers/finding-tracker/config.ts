import { Env } from '../shared/env';
import { SEVERITIES, Severity } from '../scan-formatter/severity';

/** SQS caps a message delay at 15 minutes. */
export const MAX_WINDOW_SECONDS = 900;
/** An SQS queue URL. */
export const QUEUE_URL = /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}$/;

/** Configuration of the finding tracker and the finding digest, from the environment the construct sets. */
export interface FindingTrackerConfig {
  /** STATE_TABLE: the finding state table. */
  readonly stateTable: string;
  /** QUEUE_URL: the queue of scheduled digests. */
  readonly queueUrl: string;
  /** WINDOW_SECONDS: how long a digest waits for more changes of the same image (1 to 900). */
  readonly windowSeconds: number;
  /** NOTIFY_CLOSED: report closed findings. */
  readonly notifyClosed: boolean;
  /** MIN_SEVERITY: findings below it are tracked but never mailed. */
  readonly minSeverity?: Severity;
  /** REPOSITORY_NAMES: repositories tracked; undefined means every repository. */
  readonly repositoryNames?: ReadonlySet<string>;
}

/** Reads the configuration; throws a ConfigurationError naming the first bad variable. */
export function loadTrackerConfig(env: NodeJS.ProcessEnv = process.env): FindingTrackerConfig {
  const e = new Env(env, 'ScanNotifier');
  const windowSeconds = e.positiveInteger('WINDOW_SECONDS', 300);
  if (windowSeconds > MAX_WINDOW_SECONDS) e.fail('WINDOW_SECONDS', `expected 1 to ${MAX_WINDOW_SECONDS} seconds (SQS delays a message 15 minutes at most)`);
  const min = e.oneOf('MIN_SEVERITY', SEVERITIES, '');
  const names = env.REPOSITORY_NAMES ? e.json<string[]>('REPOSITORY_NAMES',
    (v) => (Array.isArray(v) && v.every((n) => typeof n === 'string' && n !== '') ? undefined : 'not an array of names'),
    'a JSON array of repository names, such as ["team/app"], or no variable for every repository') : undefined;
  return {
    stateTable: e.tableName('STATE_TABLE'),
    queueUrl: e.string('QUEUE_URL', QUEUE_URL, 'expected the URL of an SQS queue, such as "https://sqs.us-east-1.amazonaws.com/111111111111/digests"'),
    windowSeconds,
    notifyClosed: e.oneOf('NOTIFY_CLOSED', ['true', 'false'], 'false') === 'true',
    minSeverity: min ? (min as Severity) : undefined,
    repositoryNames: names ? new Set(names) : undefined,
  };
}
