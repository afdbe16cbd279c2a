import { Env } from '../shared/env';

/** Configuration, from the environment variables the ScanCoverageMonitor construct sets. */
export interface CoverageConfig {
  /** TOPIC_ARN */
  readonly topicArn: string;
  /** DEDUP_TABLE: the state table (what was alerted for each image and repository). */
  readonly tableName: string;
  /** DEDUP_TTL_SECONDS: how long a "scanning again" mark is kept (default 30 days). */
  readonly recoveredTtlSeconds: number;
  /** GRACE_PERIOD_SECONDS: images pushed more recently are left alone by the sweep (default 1 hour). */
  readonly gracePeriodSeconds: number;
  /** PENDING_SCAN_THRESHOLD_SECONDS: PENDING_INITIAL_SCAN longer than this is alerted (default 6 hours). */
  readonly pendingScanThresholdSeconds: number;
  /** EXPECT_CONTINUOUS_SCANNING: scan-on-push repositories are alerted (default true). */
  readonly expectContinuousScanning: boolean;
  /** REPOSITORY_NAMES: only these repositories (JSON list); undefined means every repository. */
  readonly repositoryNames?: readonly string[];
  /** MAX_IMAGES: the sweep looks at no more images than this (default 50,000). */
  readonly maxImages: number;
  /** SEVERITY: the `severity` message attribute of problem alerts (default HIGH). */
  readonly severity: string;
}

/** Severities the alerts' `severity` attribute may take. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;

const CONSTRUCT = 'ScanCoverageMonitor';

/** An ECR repository name. */
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Reads and validates the configuration; throws a ConfigurationError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CoverageConfig {
  const e = new Env(env, CONSTRUCT);
  const expect = e.oneOf('EXPECT_CONTINUOUS_SCANNING', ['true', 'false'], 'true');
  return {
    topicArn: e.topicArn(),
    tableName: e.tableName(),
    recoveredTtlSeconds: e.positiveInteger('DEDUP_TTL_SECONDS', 30 * 24 * 3600),
    gracePeriodSeconds: e.positiveInteger('GRACE_PERIOD_SECONDS', 3600),
    pendingScanThresholdSeconds: e.positiveInteger('PENDING_SCAN_THRESHOLD_SECONDS', 6 * 3600),
    expectContinuousScanning: expect === 'true',
    repositoryNames: env.REPOSITORY_NAMES
      ? e.json<string[]>('REPOSITORY_NAMES',
        (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string' && REPOSITORY_NAME.test(s)) ? undefined : 'not a list of repository names'),
        'expected a JSON list of ECR repository names, such as ["team/app"]')
      : undefined,
    maxImages: e.positiveInteger('MAX_IMAGES', 50_000),
    severity: e.oneOf('SEVERITY', SEVERITIES, 'HIGH'),
  };
}

/** Whether the configuration covers `repositoryName`. */
export function watches(config: CoverageConfig, repositoryName: string): boolean {
  return !config.repositoryNames || config.repositoryNames.includes(repositoryName);
}
