import Mustache from 'mustache';
import { ConfigurationError as SharedConfigurationError, TABLE_NAME, TOPIC_ARN } from '../shared/env';
import { isSeverity, Severity, SEVERITIES } from './severity';
import { AccountTopics, readAccountTopics, topicFor } from '../shared/account-topics';

export { topicFor };

/** Most findings a mail lists (one ListFindings page). */
export const MAX_TOP_FINDINGS = 100;
/** Findings listed when TOP_FINDINGS is not set. */
export const DEFAULT_TOP_FINDINGS = 5;

/** Mail languages with a built-in template. */
export type Locale = 'en' | 'ja';

/** Handler configuration, read from the environment variables the construct sets. */
export interface ScanFormatterConfig {
  /** TOPIC_ARN: the topic to publish to. */
  readonly topicArn: string;
  /** LOCALE: `en` (default) or `ja`. */
  readonly locale: Locale;
  /** MIN_SEVERITY: notify only when a finding at or above it may exist; undefined notifies on every scan. */
  readonly minSeverity?: Severity;
  /** TOP_FINDINGS: findings listed; 0 makes no Inspector call. */
  readonly topFindings: number;
  /** REPOSITORY_NAMES: repositories to notify about; undefined means every repository. */
  readonly repositoryNames?: ReadonlySet<string>;
  /** TEMPLATE_SUBJECT: a custom subject template. */
  readonly subjectTemplate?: string;
  /** TEMPLATE_BODY: a custom body template. */
  readonly bodyTemplate?: string;
  /** DEDUP_TABLE: the DynamoDB table that remembers notified event ids; undefined: no deduplication. */
  readonly dedupTable?: string;
  /** DEDUP_TTL_SECONDS: how long an event id is remembered (default one day). */
  readonly dedupTtlSeconds: number;
  /**
   * ACCOUNT_TOPIC_ARN_PREFIX and ACCOUNT_TOPIC_ACCOUNTS: the scans of these accounts go to the
   * topic `<prefix><account>` (each member account's own topic), not to TOPIC_ARN.
   */
  readonly accountTopics?: AccountTopics;
}

/** The shared {@link SharedConfigurationError}, naming the ScanNotifier construct as the one that sets the variables. */
export class ConfigurationError extends SharedConfigurationError {
  constructor(variable: string, value: string | undefined, expected: string) {
    super(variable, value, expected, 'ScanNotifier');
  }
}

/** How long an event id is remembered when DEDUP_TTL_SECONDS is not set: one day. */
export const DEFAULT_DEDUP_TTL_SECONDS = 24 * 3600;

function template(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const text = env[variable];
  if (text === undefined || text === '') return undefined;
  try {
    Mustache.parse(text);
  } catch (err) {
    throw new ConfigurationError(variable, text, `expected a valid mustache template (${(err as Error).message})`);
  }
  return text;
}

/** Reads and validates the configuration; throws {@link ConfigurationError} on the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ScanFormatterConfig {
  const topicArn = env.TOPIC_ARN;
  if (!topicArn || !TOPIC_ARN.test(topicArn)) {
    throw new ConfigurationError('TOPIC_ARN', topicArn, 'expected the ARN of a standard SNS topic, such as "arn:aws:sns:us-east-1:111111111111:scan-notifications" (FIFO topics cannot deliver e-mail)');
  }
  const locale = env.LOCALE || 'en';
  if (locale !== 'en' && locale !== 'ja') throw new ConfigurationError('LOCALE', locale, 'expected "en" or "ja"');

  const min = env.MIN_SEVERITY;
  if (min !== undefined && min !== '' && !isSeverity(min)) {
    throw new ConfigurationError('MIN_SEVERITY', min, `expected one of ${SEVERITIES.join(', ')}, or no variable to notify on every completed scan`);
  }

  const top = env.TOP_FINDINGS;
  let topFindings = DEFAULT_TOP_FINDINGS;
  if (top !== undefined && top !== '') {
    topFindings = /^\d+$/.test(top) ? Number(top) : NaN;
    if (!(topFindings <= MAX_TOP_FINDINGS)) {
      throw new ConfigurationError('TOP_FINDINGS', top, `expected a whole number from 0 to ${MAX_TOP_FINDINGS} (0 lists no findings and makes no Inspector call)`);
    }
  }

  let repositoryNames: Set<string> | undefined;
  const names = env.REPOSITORY_NAMES;
  if (names !== undefined && names !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(names);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((n) => typeof n === 'string' && n.length > 0)) {
      throw new ConfigurationError('REPOSITORY_NAMES', names, 'expected a JSON array of repository names, such as ["team/app","team/api"], or no variable for every repository');
    }
    repositoryNames = new Set(parsed);
  }

  const dedupTable = env.DEDUP_TABLE || undefined;
  if (dedupTable !== undefined && !TABLE_NAME.test(dedupTable)) {
    throw new ConfigurationError('DEDUP_TABLE', dedupTable, 'expected the name of a DynamoDB table (3 to 255 letters, digits, "_", "-" or "."), or no variable to notify without deduplication');
  }
  const ttl = env.DEDUP_TTL_SECONDS;
  let dedupTtlSeconds = DEFAULT_DEDUP_TTL_SECONDS;
  if (ttl !== undefined && ttl !== '') {
    dedupTtlSeconds = /^[1-9]\d{0,9}$/.test(ttl) ? Number(ttl) : NaN;
    if (!(dedupTtlSeconds <= 366 * 24 * 3600)) {
      throw new ConfigurationError('DEDUP_TTL_SECONDS', ttl, `expected a whole number of seconds from 1 to ${366 * 24 * 3600}, such as "86400" (one day)`);
    }
  }

  return {
    topicArn,
    locale,
    minSeverity: min ? (min as Severity) : undefined,
    topFindings,
    repositoryNames,
    subjectTemplate: template(env, 'TEMPLATE_SUBJECT'),
    bodyTemplate: template(env, 'TEMPLATE_BODY'),
    dedupTable,
    dedupTtlSeconds,
    accountTopics: readAccountTopics(env, 'ScanNotifier'),
  };
}
