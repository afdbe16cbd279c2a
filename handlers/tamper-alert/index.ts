import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import body from '../../templates/tamper-alert.en.mustache';
import { AlertDeps, AlertOutcome, publishOnce } from '../shared/alert';
import { dynamoDedupStore } from '../shared/dedup';
import { Env } from '../shared/env';
import { optionalString, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { createLogger } from '../shared/logger';
import { Notification } from '../shared/notification';
import { renderText } from '../shared/render';

/** Severities the alert's `severity` attribute may take. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;

/** Request parameters longer than this are shortened in the mail (a repository policy can be long). */
const MAX_PARAMETERS_CHARS = 4000;

/** Configuration, from the environment variables the GuardTamperAlerts construct sets. */
export interface TamperConfig {
  /** TOPIC_ARN */
  readonly topicArn: string;
  /** DEDUP_TABLE */
  readonly tableName: string;
  /** DEDUP_TTL_SECONDS (default 2 days) */
  readonly dedupTtlSeconds: number;
  /** IGNORED_PRINCIPALS: ARNs (with `*` and `?` wildcards) whose calls are not alerted. */
  readonly ignoredPrincipals: readonly string[];
  /** SEVERITY (default HIGH) */
  readonly severity: string;
}

/** Reads and validates the configuration; throws a ConfigurationError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TamperConfig {
  const e = new Env(env, 'GuardTamperAlerts');
  return {
    topicArn: e.topicArn(),
    tableName: e.tableName(),
    dedupTtlSeconds: e.positiveInteger('DEDUP_TTL_SECONDS', 2 * 24 * 3600),
    ignoredPrincipals: env.IGNORED_PRINCIPALS
      ? e.json<string[]>('IGNORED_PRINCIPALS',
        (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.startsWith('arn:')) ? undefined : 'not a list of ARNs'),
        'expected a JSON list of principal ARNs, such as ["arn:aws:iam::111111111111:role/deployer"]')
      : [],
    severity: e.oneOf('SEVERITY', SEVERITIES, 'HIGH'),
  };
}

/** The fields of an `AWS API Call via CloudTrail` event the alert uses. */
export interface ApiCall {
  readonly account: string;
  readonly region: string;
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: string;
  readonly identityType: string;
  /** The caller: the session ARN of an assumed role, the user ARN, or the service name. */
  readonly who: string;
  /** The role behind an assumed-role session. */
  readonly roleArn?: string;
  readonly invokedBy?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly repositoryName?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters?: Record<string, unknown>;
}

/** Validates an EventBridge CloudTrail event; throws an InvalidEventError naming the field. */
export function parseApiCall(event: unknown): ApiCall {
  const e = requireObject(event, 'event');
  requireOneOf(e['detail-type'], 'detail-type', ['AWS API Call via CloudTrail']);
  const detail = requireObject(e.detail, 'detail');
  const identity = requireObject(detail.userIdentity, 'detail.userIdentity');
  const identityType = requireString(identity.type, 'detail.userIdentity.type');
  const issuer = identity.sessionContext === undefined ? undefined
    : requireObject(identity.sessionContext, 'detail.userIdentity.sessionContext').sessionIssuer;
  const roleArn = issuer === undefined ? undefined
    : optionalString(requireObject(issuer, 'detail.userIdentity.sessionContext.sessionIssuer').arn, 'detail.userIdentity.sessionContext.sessionIssuer.arn');
  const invokedBy = optionalString(identity.invokedBy, 'detail.userIdentity.invokedBy');
  const arn = optionalString(identity.arn, 'detail.userIdentity.arn');
  const params = detail.requestParameters === undefined || detail.requestParameters === null
    ? undefined : requireObject(detail.requestParameters, 'detail.requestParameters');
  return {
    account: requireString(e.account, 'account'),
    region: requireString(e.region, 'region'),
    eventId: requireString(detail.eventID, 'detail.eventID'),
    eventName: requireString(detail.eventName, 'detail.eventName'),
    eventSource: requireString(detail.eventSource, 'detail.eventSource'),
    eventTime: requireString(detail.eventTime, 'detail.eventTime'),
    identityType,
    who: arn ?? invokedBy ?? optionalString(identity.principalId, 'detail.userIdentity.principalId') ?? identityType,
    roleArn,
    invokedBy,
    sourceIPAddress: optionalString(detail.sourceIPAddress, 'detail.sourceIPAddress'),
    userAgent: optionalString(detail.userAgent, 'detail.userAgent'),
    repositoryName: params === undefined ? undefined : optionalString(params.repositoryName, 'detail.requestParameters.repositoryName'),
    errorCode: optionalString(detail.errorCode, 'detail.errorCode'),
    errorMessage: optionalString(detail.errorMessage, 'detail.errorMessage'),
    requestParameters: params,
  };
}

/** Whether `arn` matches a pattern with `*` (any characters) and `?` (one character). */
export function arnMatches(pattern: string, arn: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(arn);
}

/** The ignored principal pattern the call matches (its role or its own ARN), if any. Pure. */
export function ignoredBy(config: TamperConfig, call: ApiCall): string | undefined {
  const candidates = [call.roleArn, call.who].filter((v): v is string => v !== undefined && v.startsWith('arn:'));
  return config.ignoredPrincipals.find((pattern) => candidates.some((arn) => arnMatches(pattern, arn)));
}

/** The notification for one call. Pure. */
export function buildAlert(config: TamperConfig, call: ApiCall): Notification {
  const failed = call.errorCode !== undefined;
  let requestParameters = call.requestParameters ? JSON.stringify(call.requestParameters, null, 2) : undefined;
  if (requestParameters && requestParameters.length > MAX_PARAMETERS_CHARS) {
    requestParameters = `${requestParameters.slice(0, MAX_PARAMETERS_CHARS)}\n[... ${requestParameters.length - MAX_PARAMETERS_CHARS} more characters]`;
  }
  const service = call.eventSource.replace(/\.amazonaws\.com$/, '');
  const target = call.repositoryName ?? (service === 'ecr' ? 'the registry' : 'the account');
  const consoleUrl = call.region && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(call.region) && !call.region.startsWith('cn-')
    ? `https://${call.region}.console.aws.amazon.com/cloudtrailv2/home?region=${call.region}#/events/${encodeURIComponent(call.eventId)}`
    : undefined;
  const text = renderText(body, {
    ...call,
    failed,
    repositoryDisplay: call.repositoryName ?? `none (${service === 'ecr' ? 'a registry-wide setting' : 'an account-wide setting'})`,
    roleArn: call.roleArn ?? '-',
    sourceIPAddress: call.sourceIPAddress ?? '-',
    userAgent: call.userAgent ?? '-',
    requestParameters,
    consoleUrl,
  });
  const resource = (call.roleArn ?? call.who).split(':').pop()!;
  const who = resource.slice(resource.lastIndexOf('/') + 1);
  return {
    subject: `[Guard tamper] ${service}:${call.eventName} on ${target} by ${who}${failed ? ` (failed: ${call.errorCode})` : ''}`,
    text,
    chatTitle: `Guard tamper: ${service}:${call.eventName}${failed ? ' (failed)' : ''}`,
    chatDescription: text,
    data: {
      kind: 'tamper',
      account: call.account,
      region: call.region,
      eventId: call.eventId,
      eventSource: call.eventSource,
      eventName: call.eventName,
      eventTime: call.eventTime,
      who: call.who,
      roleArn: call.roleArn,
      sourceIPAddress: call.sourceIPAddress,
      repositoryName: call.repositoryName,
      failed,
      errorCode: call.errorCode,
      errorMessage: call.errorMessage,
    },
    attributes: {
      kind: 'tamper',
      severity: config.severity,
      repository: call.repositoryName ?? 'unknown',
      account: call.account,
    },
  };
}

/** What the handler did with one event. */
export type TamperOutcome = 'ignored' | AlertOutcome;

/**
 * Turns one CloudTrail API call into one alert, once per CloudTrail event id. Calls by ignored
 * principals (the deployment role by default) are skipped. Throws on a malformed event
 * (nothing published) and when publishing fails.
 */
export async function processEvent(event: unknown, config: TamperConfig, deps: AlertDeps): Promise<TamperOutcome> {
  const call = parseApiCall(event);
  const log = deps.log.child({ eventId: call.eventId, eventName: call.eventName });
  const ignored = ignoredBy(config, call);
  if (ignored) {
    log.info('call by an ignored principal', { who: call.who, pattern: ignored });
    return 'ignored';
  }
  return publishOnce({ ...deps, log }, config.topicArn, `cloudtrail#${call.eventId}`, buildAlert(config, call));
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
      deps: { sns, dedup: dynamoDedupStore(dynamodb, config.tableName, config.dedupTtlSeconds), log: createLogger({ fields: { handler: 'tamper-alert' } }) },
    };
  }
  try {
    return await processEvent(event, cached.config, cached.deps);
  } catch (err) {
    cached.deps.log.error('event not processed', { error: (err as Error).message, name: (err as Error).name });
    throw err;
  }
}
