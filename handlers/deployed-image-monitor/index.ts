import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import body from '../../templates/image-policy-alert.en.mustache';
import { checkImage, parseImage, PolicyConfig, policyConfigProblem } from '../../lib/policy/private/image-reference';
import { AlertDeps, AlertOutcome, publishOnce } from '../shared/alert';
import { dynamoDedupStore } from '../shared/dedup';
import { Env } from '../shared/env';
import { optionalString, requireArray, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { createLogger } from '../shared/logger';
import { Notification } from '../shared/notification';
import { renderText } from '../shared/render';

/** Severities the alert's `severity` attribute may take. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;

/** Configuration, from the environment variables the DeployedImageMonitor construct sets. */
export interface MonitorConfig {
  /** TOPIC_ARN */
  readonly topicArn: string;
  /** DEDUP_TABLE */
  readonly tableName: string;
  /** DEDUP_TTL_SECONDS (default 30 days) */
  readonly dedupTtlSeconds: number;
  /** IMAGE_POLICY: the policy as `ImagePolicy.toJson()` writes it. */
  readonly policy: PolicyConfig;
  /** SEVERITY (default HIGH) */
  readonly severity: string;
}

/** Reads and validates the configuration; throws a ConfigurationError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  const e = new Env(env, 'DeployedImageMonitor');
  return {
    topicArn: e.topicArn(),
    tableName: e.tableName(),
    dedupTtlSeconds: e.positiveInteger('DEDUP_TTL_SECONDS', 30 * 24 * 3600),
    policy: e.json<PolicyConfig>('IMAGE_POLICY', policyConfigProblem,
      'expected the JSON of an ImagePolicy, such as {"allowedPrefixes":["111111111111.dkr.ecr.us-east-1.amazonaws.com/"]}'),
    severity: e.oneOf('SEVERITY', SEVERITIES, 'HIGH'),
  };
}

/** The fields of an `ECS Task State Change` event the monitor uses. */
export interface TaskStateChange {
  readonly account: string;
  readonly region: string;
  readonly taskArn: string;
  readonly clusterArn: string;
  readonly taskDefinitionArn?: string;
  readonly group?: string;
  readonly launchType?: string;
  readonly lastStatus?: string;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly image: string; readonly imageDigest?: string }>;
}

/** Validates an EventBridge `ECS Task State Change` event; throws an InvalidEventError naming the field. */
export function parseTaskStateChange(event: unknown): TaskStateChange {
  const e = requireObject(event, 'event');
  requireOneOf(e.source, 'source', ['aws.ecs']);
  requireOneOf(e['detail-type'], 'detail-type', ['ECS Task State Change']);
  const detail = requireObject(e.detail, 'detail');
  return {
    account: requireString(e.account, 'account'),
    region: requireString(e.region, 'region'),
    taskArn: requireString(detail.taskArn, 'detail.taskArn'),
    clusterArn: requireString(detail.clusterArn, 'detail.clusterArn'),
    taskDefinitionArn: optionalString(detail.taskDefinitionArn, 'detail.taskDefinitionArn'),
    group: optionalString(detail.group, 'detail.group'),
    launchType: optionalString(detail.launchType, 'detail.launchType'),
    lastStatus: optionalString(detail.lastStatus, 'detail.lastStatus'),
    containers: requireArray(detail.containers, 'detail.containers').map((item, i) => {
      const c = requireObject(item, `detail.containers[${i}]`);
      return {
        name: requireString(c.name, `detail.containers[${i}].name`),
        image: requireString(c.image, `detail.containers[${i}].image`),
        imageDigest: optionalString(c.imageDigest, `detail.containers[${i}].imageDigest`),
      };
    }),
  };
}

/** One container whose image the policy rejects. */
export interface Violation {
  readonly container: string;
  readonly image: string;
  readonly imageDigest?: string;
  readonly rule: string;
  readonly reason: string;
}

/** The containers of a task whose images the policy rejects. Pure. */
export function findViolations(policy: PolicyConfig, task: TaskStateChange): Violation[] {
  return task.containers.flatMap((c) => {
    const verdict = checkImage(policy, c.image);
    return verdict.allowed ? [] : [{ container: c.name, image: c.image, imageDigest: c.imageDigest, rule: verdict.rule!, reason: verdict.reason }];
  });
}

/** The last part of an ARN's resource (`cluster/prod` gives `prod`). */
function lastPart(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The notification for a task with violations. Pure. */
export function buildAlert(config: MonitorConfig, task: TaskStateChange, violations: Violation[]): Notification {
  const clusterName = lastPart(task.clusterArn);
  const taskId = lastPart(task.taskArn);
  const partition = task.taskArn.split(':')[1];
  const consoleUrl = partition === 'aws'
    ? `https://${task.region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(clusterName)}/tasks/${taskId}/configuration?region=${task.region}`
    : undefined;
  const view = {
    ...task,
    clusterName,
    group: task.group ?? '-',
    launchType: task.launchType ?? '-',
    lastStatus: task.lastStatus ?? '-',
    taskDefinitionArn: task.taskDefinitionArn ?? '-',
    violationCount: violations.length,
    violations,
    consoleUrl,
    allowedPrefixes: config.policy.allowedPrefixes,
    namingPattern: config.policy.namingPattern,
    requireDigest: config.policy.requireDigest,
  };
  const text = renderText(body, view);
  const first = parseImage(violations[0].image);
  const rules = [...new Set(violations.map((v) => v.rule))].join(', ');
  return {
    subject: `[Image policy] ${violations.length} image(s) not allowed in task ${taskId} (${clusterName}): ${rules}`,
    text,
    chatTitle: `Image policy: ${violations.length} image(s) not allowed in ${clusterName}`,
    chatDescription: text,
    data: {
      kind: 'image-policy',
      account: task.account,
      region: task.region,
      clusterArn: task.clusterArn,
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      violations,
    },
    attributes: {
      kind: 'image-policy',
      severity: config.severity,
      repository: typeof first === 'string' ? 'unknown' : first.path,
      account: task.account,
    },
  };
}

/** What the handler did with one event. */
export type MonitorOutcome = 'compliant' | AlertOutcome;

/**
 * Checks the images of one task state change and publishes one alert per task with a rejected
 * image, however many state changes (or duplicate deliveries) arrive for it. Throws on a
 * malformed event (nothing published) and when publishing fails.
 */
export async function processEvent(event: unknown, config: MonitorConfig, deps: AlertDeps): Promise<MonitorOutcome> {
  const task = parseTaskStateChange(event);
  const violations = findViolations(config.policy, task);
  const log = deps.log.child({ taskArn: task.taskArn });
  if (violations.length === 0) {
    log.debug('every image is allowed', { images: task.containers.map((c) => c.image) });
    return 'compliant';
  }
  log.info('images not allowed', { violations });
  return publishOnce({ ...deps, log }, config.topicArn, `task#${task.taskArn}`, buildAlert(config, task, violations));
}

const sns = new SNSClient({});
const dynamodb = new DynamoDBClient({});
let cached: { config: MonitorConfig; deps: AlertDeps } | undefined;

/** Lambda entry point. */
export async function handler(event: unknown): Promise<MonitorOutcome> {
  if (!cached) {
    const config = loadConfig();
    cached = {
      config,
      deps: { sns, dedup: dynamoDedupStore(dynamodb, config.tableName, config.dedupTtlSeconds), log: createLogger({ fields: { handler: 'deployed-image-monitor' } }) },
    };
  }
  try {
    return await processEvent(event, cached.config, cached.deps);
  } catch (err) {
    cached.deps.log.error('event not processed', { error: (err as Error).message, name: (err as Error).name });
    throw err;
  }
}
