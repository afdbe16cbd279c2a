import { falcoSeverity, guardDutySeverity } from '../../../handlers/runtime-threat/alert';
import { falcoImage, parseFalcoMessage, parseSnsEvent } from '../../../handlers/runtime-threat/falco';
import { parseGuardDutyFinding } from '../../../handlers/runtime-threat/guardduty';
import { parseAlerts } from '../../../handlers/runtime-threat/index';
import { falcoEvent, fixture } from './support';

describe('severity mapping', () => {
  test.each([[10, 'CRITICAL'], [9, 'CRITICAL'], [8.9, 'HIGH'], [7, 'HIGH'], [6.9, 'MEDIUM'], [4, 'MEDIUM'], [3.9, 'LOW'], [1, 'LOW']])(
    'GuardDuty %d is %s', (value, level) => expect(guardDutySeverity(value)).toBe(level));
  test.each([['Emergency', 'CRITICAL'], ['alert', 'CRITICAL'], ['Critical', 'CRITICAL'], ['Error', 'HIGH'], ['Warning', 'MEDIUM'],
    ['Notice', 'LOW'], ['Informational', 'INFORMATIONAL'], ['Debug', 'INFORMATIONAL'], ['Loud', undefined]])(
    'Falco %s is %s', (priority, level) => expect(falcoSeverity(priority)).toBe(level));
});

describe('parseGuardDutyFinding', () => {
  test('an EKS finding names the pod, the container that acted and its image, and what ran', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-eks.json'))!;
    expect(alert).toMatchObject({
      source: 'guardduty',
      account: '111111111111',
      region: 'us-west-2',
      rule: 'PrivilegeEscalation:Runtime/ContainerMountsHostDirectory',
      severity: 'HIGH',
      sourceSeverity: '8',
      time: '2026-11-30T09:03:17.000Z',
      workload: { kind: 'pod', id: 'eks:prod-eks/payments/payments-api-7d9f8b6c5-x2x9q', label: 'payments/payments-api-7d9f8b6c5-x2x9q' },
      images: ['111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api:v1.4.2'],
      id: 'b6c7a1f0e2d34c5b8a9f0e1d2c3b4a59',
    });
    expect(alert.workload.details).toEqual(expect.arrayContaining([{ name: 'EKS cluster', value: 'prod-eks' }, { name: 'Container', value: 'api' }]));
    expect(alert.process).toEqual(expect.arrayContaining([
      { name: 'Process', value: 'mount' }, { name: 'User', value: 'root' }, { name: 'mountSource', value: '/' }, { name: 'mountTarget', value: '/mnt/host' },
    ]));
    expect(alert.consoleUrl).toContain('us-west-2.console.aws.amazon.com/guardduty');
  });

  test('without containerDetails, every container of the pod is named', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-eks.json', (e) => delete e.detail.resource.containerDetails))!;
    expect(alert.images).toEqual(['111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api:v1.4.2', 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod']);
  });

  test('an EKS finding without a workload is about the node', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-eks.json', (e) => {
      delete e.detail.resource.kubernetesDetails;
      delete e.detail.resource.containerDetails;
    }))!;
    expect(alert.workload).toMatchObject({ kind: 'host', id: 'eks:prod-eks/node/i-0a1b2c3d4e5f67890' });
    expect(alert.images).toEqual([]);
  });

  test('an ECS finding names the task and the container image by digest', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-ecs.json'))!;
    expect(alert).toMatchObject({
      rule: 'CryptoCurrency:Runtime/BitcoinTool.B',
      workload: { kind: 'task', id: 'arn:aws:ecs:us-west-2:111111111111:task/orders/043de9ab3c6f4a3e9c1b2d3e4f5a6b7c', label: 'task 043de9ab3c6f4a3e9c1b2d3e4f5a6b7c (orders)' },
      images: [expect.stringMatching(/orders\/web@sha256:9b2a/)],
      time: '2026-11-30T11:33:02.000Z',
    });
    const withoutContainer = parseGuardDutyFinding(fixture('guardduty-runtime-ecs.json', (e) => delete e.detail.resource.containerDetails))!;
    expect(withoutContainer.images).toHaveLength(2);
  });

  test('an EC2 finding is about the instance, with the target process from the context', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-ec2.json'))!;
    expect(alert.workload).toMatchObject({ kind: 'instance', id: 'instance:i-0fedcba9876543210' });
    expect(alert.images).toEqual([]);
    expect(alert.process).toContainEqual({ name: 'targetProcess', value: 'sshd' });
  });

  test('a container on an instance is the workload when the finding names it', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-ec2.json', (e) => {
      e.detail.resource.containerDetails = { id: 'c0ffee0123456789', name: 'worker', image: 'nginx:1.27' };
    }))!;
    expect(alert.workload).toMatchObject({ kind: 'container', id: 'container:c0ffee0123456789', label: 'container worker' });
    expect(alert.images).toEqual(['nginx:1.27']);
    const container = parseGuardDutyFinding(fixture('guardduty-runtime-ec2.json', (e) => {
      e.detail.resource = { resourceType: 'Container', containerDetails: { id: 'c0ffee0123456789', image: 'nginx:1.27' } };
    }))!;
    expect(container.workload).toMatchObject({ kind: 'container', label: 'container c0ffee012345' });
  });

  test('a non-runtime finding is not an alert', () => {
    expect(parseGuardDutyFinding(fixture('guardduty-recon-portprobe.json'))).toBeUndefined();
  });

  test('falls back to the envelope for account, region and time, and builds no console link outside the aws partition', () => {
    const alert = parseGuardDutyFinding(fixture('guardduty-runtime-ec2.json', (e) => {
      delete e.detail.accountId;
      delete e.detail.region;
      delete e.detail.updatedAt;
      delete e.detail.service.eventLastSeen;
      e.detail.partition = 'aws-cn';
    }))!;
    expect(alert).toMatchObject({ account: '111111111111', region: 'us-west-2', time: '2026-11-30T13:02:44Z', consoleUrl: undefined });
  });

  test.each([
    ['a string severity', (e: any) => { e.detail.severity = 'HIGH'; }, /detail.severity is "HIGH"; expected GuardDuty's severity number/],
    ['no resource type', (e: any) => { delete e.detail.resource.resourceType; }, /detail.resource.resourceType is missing/],
    ['an unknown resource', (e: any) => { e.detail.resource = { resourceType: 'S3Bucket' }; }, /resourceType is "S3Bucket" with no workload details/],
    ['no type', (e: any) => { delete e.detail.type; }, /detail.type is missing/],
    ['another detail type', (e: any) => { e['detail-type'] = 'GuardDuty Malware Protection Object Scan Result'; }, /detail-type is .*expected "GuardDuty Finding"/],
  ])('%s is an InvalidEventError', (_name, mutate, message) => {
    expect(() => parseGuardDutyFinding(fixture('guardduty-runtime-eks.json', mutate))).toThrow(message);
  });
});

describe('parseFalcoMessage', () => {
  const message = (event: any) => parseSnsEvent(event)[0];

  test('reads a Falcosidekick raw JSON alert: rule, priority, pod and image', () => {
    const alert = parseFalcoMessage(message(falcoEvent()));
    expect(alert).toMatchObject({
      source: 'falco',
      account: '111111111111',
      region: 'us-west-2',
      rule: 'Terminal shell in container',
      severity: 'LOW',
      sourceSeverity: 'Notice',
      workload: { kind: 'pod', id: 'k8s:ip-10-0-12-34.us-west-2.compute.internal/payments/payments-api-7d9f8b6c5-x2x9q', label: 'payments/payments-api-7d9f8b6c5-x2x9q' },
      images: ['111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api:v1.4.2'],
      id: '2f0f3b6e-9f5c-4b8e-8a43-1d8f6c0a7e21',
    });
    expect(alert.process).toEqual(expect.arrayContaining([{ name: 'Command line', value: 'sh -i' }, { name: 'User', value: 'root' }]));
  });

  test('a cluster custom field keys the pod across nodes', () => {
    const alert = parseFalcoMessage(message(falcoEvent((p) => { p.output_fields['k8s.cluster.name'] = 'prod-eks'; })));
    expect(alert.workload.id).toBe('k8s:prod-eks/payments/payments-api-7d9f8b6c5-x2x9q');
  });

  test.each([
    ['a digest pins the image', { 'container.image.digest': 'sha256:' + 'a'.repeat(64) }, `111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api@sha256:${'a'.repeat(64)}`],
    ['a malformed digest is ignored', { 'container.image.digest': 'sha256:short' }, '111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api:v1.4.2'],
    ['no tag', { 'container.image.tag': '<NA>' }, '111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api'],
    ['container.image only', { 'container.image.repository': null, 'container.image': 'nginx:1.27' }, 'nginx:1.27'],
    ['no image at all', { 'container.image.repository': '<NA>' }, undefined],
  ])('%s', (_name, change, image) => {
    expect(falcoImage({ ...JSON.parse(falcoEvent().Records[0].Sns.Message).output_fields, ...change })).toBe(image);
  });

  test('a container outside Kubernetes, and a host event', () => {
    const container = parseFalcoMessage(message(falcoEvent((p) => {
      delete p.output_fields['k8s.ns.name'];
      delete p.output_fields['k8s.pod.name'];
    })));
    expect(container.workload).toMatchObject({ kind: 'container', id: 'container:3ac49c1a7e5e', label: 'container api' });
    const host = parseFalcoMessage(message(falcoEvent((p) => {
      p.output_fields = { 'container.id': 'host', 'proc.name': 'sshd' };
      delete p.hostname;
      delete p.time;
      delete p.uuid;
    })));
    expect(host).toMatchObject({ workload: { kind: 'host', id: 'host:unknown' }, images: [], time: 'unknown', id: '95df01b4-ee98-5cb9-9903-4c221d41eb5e' });
    const noFields = parseFalcoMessage(message(falcoEvent((p) => { p.output_fields = null; })));
    expect(noFields.workload.kind).toBe('host');
  });

  test.each([
    ['a plain-text message (rawjson false)', (e: any) => { e.Records[0].Sns.Message = '10:21:07: Notice A shell was spawned'; }, /not JSON.*aws.sns.rawjson: true/],
    ['an unknown priority', (e: any) => { e.Records[0].Sns.Message = JSON.stringify({ rule: 'r', priority: 'Loud', output: 'o' }); }, /message.priority is "Loud"; expected a Falco priority/],
    ['no rule', (e: any) => { e.Records[0].Sns.Message = JSON.stringify({ priority: 'Notice', output: 'o' }); }, /message.rule is missing/],
    ['output_fields not an object', (e: any) => { e.Records[0].Sns.Message = JSON.stringify({ rule: 'r', priority: 'Notice', output: 'o', output_fields: [] }); }, /message.output_fields is an array/],
    ['a record that is not SNS', (e: any) => { e.Records[0].EventSource = 'aws:sqs'; }, /Records\[0\].EventSource is string "aws:sqs"; expected "aws:sns"/],
    ['no message', (e: any) => { delete e.Records[0].Sns.Message; }, /Records\[0\].Sns.Message is missing/],
  ])('%s is an InvalidEventError', (_name, mutate, error) => {
    const event = falcoEvent();
    mutate(event);
    expect(() => parseSnsEvent(event).map(parseFalcoMessage)).toThrow(error);
  });
});

describe('parseAlerts', () => {
  test('dispatches by source, and rejects anything else', () => {
    expect(parseAlerts(fixture('guardduty-runtime-eks.json'))[0]?.source).toBe('guardduty');
    expect(parseAlerts(falcoEvent())[0]?.source).toBe('falco');
    expect(() => parseAlerts(fixture('inspector2-scan.json'))).toThrow(/neither a GuardDuty Finding event .* nor an SNS delivery/);
    expect(() => parseAlerts({ Records: [] })).toThrow(/neither/);
  });
});
