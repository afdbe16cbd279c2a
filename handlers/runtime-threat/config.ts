import { PolicyConfig, policyConfigProblem } from '../../lib/policy/private/image-reference';
import { Env } from '../shared/env';
import { ALERT_SEVERITIES } from './alert';

/** Configuration, from the environment variables the RuntimeThreatAlerts construct sets. */
export interface RuntimeThreatConfig {
  /** TOPIC_ARN */
  readonly topicArn: string;
  /** DEDUP_TABLE */
  readonly tableName: string;
  /** DEDUP_TTL_SECONDS: the window in which repeats of a rule on a workload are not alerted again (default 15 minutes). */
  readonly windowSeconds: number;
  /** MIN_SEVERITY: alerts below it are dropped (default LOW). */
  readonly minSeverity: string;
  /** TOP_FINDINGS: worst findings listed per image, 0 to 20 (default 5). */
  readonly topFindings: number;
  /** IMAGE_POLICY: the image policy as `ImagePolicy.toJson()` writes it (optional). */
  readonly policy?: PolicyConfig;
  /** AWS_REGION: where Inspector is asked. */
  readonly region: string;
}

/** Reads and validates the configuration; throws a ConfigurationError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeThreatConfig {
  const e = new Env(env, 'RuntimeThreatAlerts');
  const top = env.TOP_FINDINGS;
  return {
    topicArn: e.topicArn(),
    tableName: e.tableName(),
    windowSeconds: e.positiveInteger('DEDUP_TTL_SECONDS', 900),
    minSeverity: e.oneOf('MIN_SEVERITY', ALERT_SEVERITIES, 'LOW'),
    topFindings: top === undefined || top === '' ? 5 : Number(e.string('TOP_FINDINGS', /^(?:1?\d|20)$/, 'expected a whole number from 0 to 20')),
    policy: env.IMAGE_POLICY ? e.json<PolicyConfig>('IMAGE_POLICY', policyConfigProblem,
      'expected the JSON of an ImagePolicy, such as {"allowedPrefixes":["111111111111.dkr.ecr.us-east-1.amazonaws.com/"]}') : undefined,
    region: e.string('AWS_REGION', /^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'expected a region such as "us-east-1" (Lambda sets it)'),
  };
}
