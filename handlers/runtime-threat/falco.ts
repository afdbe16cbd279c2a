import { InvalidEventError, optionalString, requireArray, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { falcoSeverity, FALCO_PRIORITY_NAMES, RuntimeAlert, Workload } from './alert';

type Obj = Record<string, unknown>;

/** One Falcosidekick message delivered by SNS, with the topic it came through. */
export interface SnsMessage {
  readonly topicArn: string;
  readonly messageId: string;
  readonly message: string;
}

/** Whether an event is an SNS delivery (`Records[].EventSource` `aws:sns`). */
export function isSnsEvent(event: unknown): boolean {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.length > 0 && (records[0] as Obj | null)?.EventSource === 'aws:sns';
}

/** The messages of an SNS delivery to Lambda. Throws an InvalidEventError naming the field. */
export function parseSnsEvent(event: unknown): SnsMessage[] {
  const e = requireObject(event, 'event');
  return requireArray(e.Records, 'Records').map((item, i) => {
    const record = requireObject(item, `Records[${i}]`);
    requireOneOf(record.EventSource, `Records[${i}].EventSource`, ['aws:sns']);
    const sns = requireObject(record.Sns, `Records[${i}].Sns`);
    return {
      topicArn: requireString(sns.TopicArn, `Records[${i}].Sns.TopicArn`),
      messageId: requireString(sns.MessageId, `Records[${i}].Sns.MessageId`),
      message: requireString(sns.Message, `Records[${i}].Sns.Message`),
    };
  });
}

/** A Falco output field as text; Falco writes `<NA>` or null for fields it could not read. */
function field(fields: Obj, name: string): string | undefined {
  const value = fields[name];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '' || value === '<NA>') return undefined;
  return value;
}

/**
 * The image of a Falco alert: `container.image.repository` with `container.image.digest` (pinned)
 * or `container.image.tag`, else `container.image` (`repository:tag`, as Falco prints it).
 */
export function falcoImage(fields: Obj): string | undefined {
  const repository = field(fields, 'container.image.repository');
  if (repository) {
    const digest = field(fields, 'container.image.digest');
    if (digest && /^sha256:[0-9a-f]{64}$/.test(digest)) return `${repository}@${digest}`;
    const tag = field(fields, 'container.image.tag');
    return tag ? `${repository}:${tag}` : repository;
  }
  return field(fields, 'container.image');
}

function falcoWorkload(fields: Obj, hostname: string | undefined): Workload {
  const namespace = field(fields, 'k8s.ns.name');
  const pod = field(fields, 'k8s.pod.name');
  const containerId = field(fields, 'container.id');
  const cluster = field(fields, 'k8s.cluster.name') ?? field(fields, 'cluster');
  const details = ([['Cluster', cluster], ['Namespace', namespace], ['Pod', pod], ['Container', field(fields, 'container.name')],
    ['Container id', containerId], ['Node', hostname]] as Array<[string, string | undefined]>)
    .flatMap(([name, value]) => (value !== undefined ? [{ name, value }] : []));
  if (namespace && pod) return { kind: 'pod', id: `k8s:${cluster ?? hostname ?? ''}/${namespace}/${pod}`, label: `${namespace}/${pod}`, details };
  if (containerId && containerId !== 'host') {
    return { kind: 'container', id: `container:${containerId}`, label: `container ${field(fields, 'container.name') ?? containerId}`, details };
  }
  return { kind: 'host', id: `host:${hostname ?? 'unknown'}`, label: `host ${hostname ?? 'unknown'}`, details };
}

/** The account and region of an SNS topic ARN (`arn:aws:sns:<region>:<account>:<name>`). */
function topicPlace(topicArn: string): { account: string; region: string } {
  const parts = topicArn.split(':');
  return { region: parts[3] ?? 'unknown', account: parts[4] ?? 'unknown' };
}

/**
 * Reads a Falcosidekick message as a runtime alert. Falcosidekick publishes the Falco payload as
 * JSON only with `aws.sns.rawjson: true`; a plain-text message (rawjson false) is rejected with
 * that fix. The account and region are those of the topic the message came through.
 */
export function parseFalcoMessage(message: SnsMessage): RuntimeAlert {
  let payload: unknown;
  try {
    payload = JSON.parse(message.message);
  } catch {
    throw new InvalidEventError(`Invalid event: the SNS message ${message.messageId} is not JSON (${JSON.stringify(message.message.slice(0, 60))}...). `
      + 'Set aws.sns.rawjson: true in Falcosidekick (Helm: falcosidekick.config.aws.sns.rawjson=true), so it publishes the Falco alert as JSON.');
  }
  const p = requireObject(payload, 'message');
  const rule = requireString(p.rule, 'message.rule');
  const priority = requireString(p.priority, 'message.priority');
  const severity = falcoSeverity(priority);
  if (!severity) {
    throw new InvalidEventError(`Invalid event: message.priority is ${JSON.stringify(priority)}; expected a Falco priority (${FALCO_PRIORITY_NAMES.join(', ')}).`);
  }
  const output = requireString(p.output, 'message.output');
  const fields = p.output_fields === undefined || p.output_fields === null ? {} : requireObject(p.output_fields, 'message.output_fields');
  const hostname = optionalString(p.hostname, 'message.hostname');
  const image = falcoImage(fields);
  const process = ([['Process', field(fields, 'proc.name')], ['Command line', field(fields, 'proc.cmdline')],
    ['Executable', field(fields, 'proc.exepath')], ['Parent', field(fields, 'proc.pname')], ['User', field(fields, 'user.name')],
    ['File', field(fields, 'fd.name')], ['Event', field(fields, 'evt.type')]] as Array<[string, string | undefined]>)
    .flatMap(([name, value]) => (value !== undefined ? [{ name, value }] : []));
  return {
    source: 'falco',
    ...topicPlace(message.topicArn),
    rule,
    severity,
    sourceSeverity: priority,
    title: rule,
    description: output,
    time: optionalString(p.time, 'message.time') ?? 'unknown',
    workload: falcoWorkload(fields, hostname),
    images: image ? [image] : [],
    process,
    id: optionalString(p.uuid, 'message.uuid') ?? message.messageId,
  };
}
