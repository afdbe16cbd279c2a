import { optionalString, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { TamperConfig } from './config';

/** The fields of an `AWS API Call via CloudTrail` event the alert uses. */
export interface ApiCall {
  readonly account: string;
  readonly region: string;
  readonly eventId: string;
  /** As CloudTrail names it; Lambda's carry an API version (`UpdateFunctionCode20150331v2`). */
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

/** Who made the call, as the `actor` message attribute says it. */
export enum Actor {
  /** A deployment role of the stack (the CDK `cfn-exec` role, shared by every CDK stack of the account). */
  DEPLOYMENT = 'deployment',
  /** Anyone else. */
  OTHER = 'other',
}

/** `deployment` when the call was made through one of the deployment roles (exact ARN), else `other`. Pure. */
export function actorOf(config: TamperConfig, call: ApiCall): Actor {
  return call.roleArn !== undefined && config.deploymentRoles.includes(call.roleArn) ? Actor.DEPLOYMENT : Actor.OTHER;
}

/** Request parameters that name the changed resource, by service, most specific first. */
const RESOURCE_FIELDS = ['repositoryName', 'ecrRepositoryPrefix', 'prefix', 'topicArn', 'subscriptionArn', 'functionName', 'tableName', 'rule', 'name', 'names', 'filterArn', 'accountId', 'trailName'];

/** The resource the call changed, as the request names it, or undefined for a registry- or account-wide call. Pure. */
export function resourceOf(call: ApiCall): string | undefined {
  const params = call.requestParameters ?? {};
  for (const field of RESOURCE_FIELDS) {
    const value = params[field];
    if (typeof value === 'string' && value) return value;
    if (Array.isArray(value) && value.length && value.every((v) => typeof v === 'string')) return value.join(', ');
  }
  return undefined;
}
