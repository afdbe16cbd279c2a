import chatBody from '../../templates/tamper-alert.chat.en.mustache';
import body from '../../templates/tamper-alert.en.mustache';
import { Notification } from '../shared/notification';
import { renderMarkdown, renderSafeText } from '../shared/render';
import { Actor, actorOf, ApiCall, resourceOf } from './api-call';
import { TamperConfig } from './config';
import { findDangers } from './policy-analysis';

/** Request parameters longer than this are shortened in the mail, after the dangers (a policy can be long). */
export const MAX_PARAMETERS_CHARS = 4000;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The last part of an ARN (`role/x` → `x`), for the subject. */
function shortName(arn: string): string {
  const resource = arn.split(':').pop()!;
  return resource.slice(resource.lastIndexOf('/') + 1);
}

/** The notification for one call: dangers first, then the call, then the (shortened) request. Pure. */
export function buildAlert(config: TamperConfig, call: ApiCall): Notification {
  const failed = call.errorCode !== undefined;
  const actor = actorOf(config, call);
  const deployment = actor === Actor.DEPLOYMENT;
  const dangers = findDangers(call);
  const full = call.requestParameters ? JSON.stringify(call.requestParameters, null, 2) : undefined;
  const requestCut = full !== undefined && full.length > MAX_PARAMETERS_CHARS;
  const requestParameters = requestCut ? `${full.slice(0, MAX_PARAMETERS_CHARS)}\n[... ${full.length - MAX_PARAMETERS_CHARS} more characters]` : full;
  const service = call.eventSource.replace(/\.amazonaws\.com$/, '');
  const resource = call.repositoryName ?? resourceOf(call);
  const consoleUrl = REGION.test(call.region) && !call.region.startsWith('cn-')
    ? `https://${call.region}.console.aws.amazon.com/cloudtrailv2/home?region=${call.region}#/events/${encodeURIComponent(call.eventId)}`
    : undefined;
  const view = {
    ...call,
    actor,
    deployment,
    failed,
    dangers,
    hasDangers: dangers.length > 0,
    resourceDisplay: resource ?? `none (${service === 'ecr' ? 'a registry-wide setting' : 'an account-wide setting'})`,
    roleArn: call.roleArn ?? '-',
    sourceIPAddress: call.sourceIPAddress ?? '-',
    userAgent: call.userAgent ?? '-',
    requestParameters,
    requestCut,
    consoleUrl,
  };
  const target = resource ?? (service === 'ecr' ? 'the registry' : 'the account');
  return {
    subject: `[Guard ${deployment ? 'deployment' : 'tamper'}] ${service}:${call.eventName} on ${target} by ${shortName(call.roleArn ?? call.who)}`
      + `${failed ? ` (failed: ${call.errorCode})` : ''}`,
    text: renderSafeText(body, view),
    chatTitle: `${deployment ? 'Deployment change' : 'Guard tamper'}: ${service}:${call.eventName}${failed ? ' (failed)' : ''}`,
    chatDescription: renderMarkdown(chatBody, view),
    data: {
      kind: 'tamper',
      actor,
      account: call.account,
      region: call.region,
      eventId: call.eventId,
      eventSource: call.eventSource,
      eventName: call.eventName,
      eventTime: call.eventTime,
      who: call.who,
      roleArn: call.roleArn,
      sourceIPAddress: call.sourceIPAddress,
      userAgent: call.userAgent,
      repositoryName: call.repositoryName,
      resource,
      failed,
      errorCode: call.errorCode,
      errorMessage: call.errorMessage,
      dangers: dangers.map((d) => d.summary),
      requestParameters: call.requestParameters,
    },
    attributes: {
      kind: 'tamper',
      severity: config.severity,
      repository: call.repositoryName ?? 'unknown',
      account: call.account,
      actor,
    },
  };
}
