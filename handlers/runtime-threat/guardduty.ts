import { InvalidEventError, optionalString, requireObject, requireOneOf, requireString } from '../shared/event-fields';
import { guardDutySeverity, RuntimeAlert, Workload } from './alert';

/** The part of a finding type that marks GuardDuty Runtime Monitoring findings (`Execution:Runtime/...`). */
export const RUNTIME_TYPE_MARKER = ':Runtime/';

type Obj = Record<string, unknown>;

function object(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Obj : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function lastPart(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function imagesOf(containers: unknown): string[] {
  if (!Array.isArray(containers)) return [];
  return containers.map((c) => text(object(c)?.image)).filter((i): i is string => i !== undefined);
}

function detailLines(pairs: Array<[string, unknown]>): Array<{ name: string; value: string }> {
  return pairs.flatMap(([name, value]) => (text(value) !== undefined ? [{ name, value: text(value)! }] : []));
}

/** The workload of a runtime finding: the pod, task, container or instance, by `resource.resourceType`. */
export function guardDutyWorkload(resource: Obj): { workload: Workload; images: string[] } {
  const type = requireString(resource.resourceType, 'detail.resource.resourceType');
  const container = object(resource.containerDetails);
  const containerImages = container ? imagesOf([container]) : [];
  const instanceId = text(object(resource.instanceDetails)?.instanceId);
  if (type === 'EKSCluster') {
    const cluster = object(resource.eksClusterDetails);
    const clusterName = text(cluster?.name) ?? 'unknown-cluster';
    const workload = object(object(resource.kubernetesDetails)?.kubernetesWorkloadDetails);
    const name = text(workload?.name);
    const namespace = text(workload?.namespace) ?? 'default';
    const details = detailLines([['EKS cluster', clusterName], ['Namespace', namespace], ['Workload', name],
      ['Workload type', workload?.type], ['Container', container?.name], ['Node (instance)', instanceId]]);
    const images = containerImages.length > 0 ? containerImages : imagesOf(workload?.containers);
    if (name) return { workload: { kind: 'pod', id: `eks:${clusterName}/${namespace}/${name}`, label: `${namespace}/${name}`, details }, images };
    return { workload: { kind: 'host', id: `eks:${clusterName}/node/${instanceId ?? 'unknown'}`, label: `${clusterName} node ${instanceId ?? ''}`.trim(), details }, images };
  }
  if (type === 'ECSCluster') {
    const cluster = object(resource.ecsClusterDetails);
    const task = object(cluster?.taskDetails);
    const taskArn = text(task?.arn);
    const clusterName = text(cluster?.name) ?? (text(cluster?.arn) ? lastPart(text(cluster?.arn)!) : 'unknown-cluster');
    const details = detailLines([['ECS cluster', clusterName], ['Task', taskArn], ['Task definition', task?.definitionArn],
      ['Started by', task?.startedBy], ['Container', container?.name]]);
    const images = containerImages.length > 0 ? containerImages : imagesOf(task?.containers);
    const id = taskArn ?? `ecs:${clusterName}`;
    return { workload: { kind: 'task', id, label: taskArn ? `task ${lastPart(taskArn)} (${clusterName})` : clusterName, details }, images };
  }
  if (type === 'Container' && container) {
    const id = text(container.id) ?? text(container.name) ?? 'unknown';
    const details = detailLines([['Container', container.name], ['Container id', container.id], ['Instance', instanceId]]);
    return { workload: { kind: 'container', id: `container:${id}`, label: `container ${text(container.name) ?? id.slice(0, 12)}`, details }, images: containerImages };
  }
  if (type === 'Instance' || instanceId) {
    const id = instanceId ?? 'unknown';
    const details = detailLines([['Instance', instanceId], ['Container', container?.name], ['Container id', container?.id]]);
    if (container && text(container.id)) {
      return { workload: { kind: 'container', id: `container:${text(container.id)}`, label: `container ${text(container.name) ?? text(container.id)!.slice(0, 12)}`, details }, images: containerImages };
    }
    return { workload: { kind: 'instance', id: `instance:${id}`, label: `instance ${id}`, details }, images: containerImages };
  }
  throw new InvalidEventError(`Invalid event: detail.resource.resourceType is ${JSON.stringify(type)} with no workload details; `
    + 'expected EKSCluster, ECSCluster, Container or Instance, as GuardDuty Runtime Monitoring findings have.');
}

/** What the process did, from `service.runtimeDetails`: the process, then every plain value of `context`. */
function processLines(runtime: Obj | undefined): RuntimeAlert['process'] {
  const process = object(runtime?.process);
  const lines = detailLines([['Process', process?.name], ['Executable', process?.executablePath], ['User', process?.user],
    ['PID', process?.pid], ['Working directory', process?.pwd]]);
  const context = object(runtime?.context) ?? {};
  for (const [key, value] of Object.entries(context).sort(([a], [b]) => a.localeCompare(b))) {
    const shown = text(value) ?? text(object(value)?.name) ?? text(object(value)?.executablePath);
    if (shown !== undefined) lines.push({ name: key, value: shown });
  }
  return lines;
}

/** Whether an event is a GuardDuty finding (of any type). */
export function isGuardDutyEvent(event: unknown): boolean {
  return object(event)?.source === 'aws.guardduty';
}

/**
 * Reads a `GuardDuty Finding` event as a runtime alert; undefined for a finding that is not a
 * Runtime Monitoring finding. Throws an InvalidEventError naming the field for a malformed event.
 */
export function parseGuardDutyFinding(event: unknown): RuntimeAlert | undefined {
  const e = requireObject(event, 'event');
  requireOneOf(e.source, 'source', ['aws.guardduty']);
  requireOneOf(e['detail-type'], 'detail-type', ['GuardDuty Finding']);
  const detail = requireObject(e.detail, 'detail');
  const type = requireString(detail.type, 'detail.type');
  if (!type.includes(RUNTIME_TYPE_MARKER)) return undefined;
  const severity = detail.severity;
  if (typeof severity !== 'number' || !Number.isFinite(severity)) {
    throw new InvalidEventError(`Invalid event: detail.severity is ${JSON.stringify(severity)}; expected GuardDuty's severity number (1.0 to 10.0).`);
  }
  const { workload, images } = guardDutyWorkload(requireObject(detail.resource, 'detail.resource'));
  const service = object(detail.service);
  const account = optionalString(detail.accountId, 'detail.accountId') ?? requireString(e.account, 'account');
  const region = optionalString(detail.region, 'detail.region') ?? requireString(e.region, 'region');
  const id = optionalString(detail.id, 'detail.id');
  const partition = optionalString(detail.partition, 'detail.partition') ?? 'aws';
  return {
    source: 'guardduty',
    account,
    region,
    rule: type,
    severity: guardDutySeverity(severity),
    sourceSeverity: String(severity),
    title: optionalString(detail.title, 'detail.title') ?? type,
    description: optionalString(detail.description, 'detail.description') ?? '',
    time: text(service?.eventLastSeen) ?? optionalString(detail.updatedAt, 'detail.updatedAt') ?? requireString(e.time, 'time'),
    workload,
    images: [...new Set(images)],
    process: processLines(object(service?.runtimeDetails)),
    id,
    consoleUrl: id && partition === 'aws'
      ? `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(id)}`
      : undefined,
  };
}
