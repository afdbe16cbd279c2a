import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ScanEventForwarder, ScanEventForwarderStack } from '../../lib/deploy/scan-event-forwarder';
import { ScanGuardHubStack } from '../../lib/deploy/scan-guard-hub';
import { TEST_ENV, testApp } from '../support/app';
import { complianceFindings } from '../support/compliance';
import { matchesEventPattern } from '../support/event-pattern';
import { simulateResourcePolicy } from '../support/iam';
import { resolveTemplate } from '../support/simulate';

const HUB = TEST_ENV.account;
const MEMBER = '222222222222';
const ORG = 'o-a1b2c3d4e5';

// The documented sample event, as it appears in a member account.
const sample = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'inspector2-scan.json'), 'utf8'));
const memberEvent = JSON.parse(JSON.stringify(sample).split(sample.account).join(MEMBER).split(sample.region).join(TEST_ENV.region));

// One app with the hub and a member account's forwarder, synthesized once.
const app = testApp();
const hub = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, organizationId: ORG });
const member = new Stack(app, 'Member', { env: { account: MEMBER, region: TEST_ENV.region } });
new ScanEventForwarder(member, 'Forwarder', {
  hubEventBus: ScanEventForwarder.hubDefaultEventBus(member, 'HubBus', HUB),
});
const hubTemplate = Template.fromStack(hub).toJSON();
const memberTemplate = Template.fromStack(member);
const resources = (json: any, type: string) => Object.values<any>(json.Resources).filter((r) => r.Type === type);
const notifierPattern = hub.resolve((hub.notifier.rule.node.defaultChild as events.CfnRule).eventPattern);
const forwarderPattern = resources(memberTemplate.toJSON(), 'AWS::Events::Rule')[0].Properties.EventPattern;

describe('event pattern matcher (test support)', () => {
  const event = { 'source': 'aws.inspector2', 'detail-type': 'Inspector2 Scan', 'detail': { 'image-tags': ['latest', 'v1'], 'count': 3, 'flag': false } };
  test.each<[string, Record<string, unknown>, boolean]>([
    ['exact value', { source: ['aws.inspector2'] }, true],
    ['one of several values', { source: ['aws.ecr', 'aws.inspector2'] }, true],
    ['a different value', { source: ['aws.ecr'] }, false],
    ['a missing field', { account: ['111111111111'] }, false],
    ['every field must match', { 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'] }, false],
    ['nested field', { detail: { count: [3] } }, true],
    ['nested boolean', { detail: { flag: [false] } }, true],
    ['nested mismatch', { detail: { count: [4] } }, false],
    ['nested object missing', { other: { count: [3] } }, false],
    ['array in the event: any element', { detail: { 'image-tags': ['v1'] } }, true],
    ['array in the event: no element', { detail: { 'image-tags': ['v2'] } }, false],
    ['prefix', { source: [{ prefix: 'aws.' }] }, true],
    ['prefix mismatch', { source: [{ prefix: 'custom.' }] }, false],
    ['suffix', { 'detail-type': [{ suffix: 'Scan' }] }, true],
    ['anything-but a value', { source: [{ 'anything-but': 'aws.ecr' }] }, true],
    ['anything-but the value', { source: [{ 'anything-but': ['aws.inspector2'] }] }, false],
    ['anything-but a prefix', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, false],
    ['exists true', { detail: { count: [{ exists: true }] } }, true],
    ['exists false on a present field', { detail: { count: [{ exists: false }] } }, false],
    ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'AWS.Inspector2' }] }, true],
    ['wildcard', { 'detail-type': [{ wildcard: 'Inspector2 *' }] }, true],
    ['wildcard in the middle', { source: [{ wildcard: 'aws.*2' }] }, true],
    ['wildcard mismatch', { source: [{ wildcard: '*:Runtime/*' }] }, false],
    ['wildcard with regex characters taken literally', { source: [{ wildcard: 'aws?inspector2' }] }, false],
    ['numeric range', { detail: { count: [{ numeric: ['>=', 3, '<', 4] }] } }, true],
    ['numeric bound excluded', { detail: { count: [{ numeric: ['>', 3] }] } }, false],
    ['numeric on a string', { source: [{ numeric: ['>', 0] }] }, false],
  ])('%s', (_name, pattern, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  test('rejects what it does not implement, rather than guessing', () => {
    expect(() => matchesEventPattern({ detail: { count: [{ cidr: '10.0.0.0/24' }] } }, event)).toThrow(/unsupported event pattern operator cidr/);
    expect(() => matchesEventPattern({ detail: { count: [{ numeric: ['~', 1] }] } }, event)).toThrow(/unsupported numeric operator ~/);
    expect(() => matchesEventPattern({ source: 'aws.inspector2' }, event)).toThrow(/invalid event pattern/);
  });
});

describe('cross-account: an event of a member account reaches the hub notifier', () => {
  test('the sample event was moved to the member account', () => {
    expect(memberEvent.account).toBe(MEMBER);
    expect(memberEvent.detail['repository-name']).toBe(`arn:aws:ecr:us-east-1:${MEMBER}:repository/amazon/amazon-ecs-sample`);
  });

  test('the forwarder rule in the member account matches it', () => {
    expect(matchesEventPattern(forwarderPattern, memberEvent)).toBe(true);
  });

  test('the forwarder sends it to the hub account\'s default bus, with a role that may only put events there', () => {
    const busArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, `:${HUB}:event-bus/default`]] };
    memberTemplate.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: busArn, RoleArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } })],
    });
    memberTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: busArn }] },
    });
    memberTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      })] },
    });
  });

  test('the hub bus policy lets the forwarder\'s role put it on the bus', async () => {
    const statement = resolveTemplate(hubTemplate).Resources.OrganizationPutEvents.Properties.Statement;
    const decision = await simulateResourcePolicy({ Version: '2012-10-17', Statement: [statement] }, {
      principal: `arn:aws:iam::${MEMBER}:role/Member-ForwarderRole`,
      action: 'events:PutEvents',
      resource: `arn:aws:events:us-east-1:${HUB}:event-bus/default`,
      resourceAccount: HUB,
      context: { 'aws:PrincipalOrgID': ORG },
    });
    expect(decision).toBe('Allowed');
  });

  test('the hub notifier\'s rule, on the hub\'s default bus, matches it (its account is not filtered)', () => {
    const rule = resources(hubTemplate, 'AWS::Events::Rule').find((r) => JSON.stringify(r.Properties.EventPattern) === JSON.stringify(notifierPattern));
    expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus
    expect(matchesEventPattern(notifierPattern, memberEvent)).toBe(true);
  });

  test('neither rule matches the scan events of EC2 instances, Lambda functions or machine images (AWS documentation samples)', () => {
    const scans = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'inspector2-scan-other-resources.json'), 'utf8'));
    for (const pattern of [forwarderPattern, notifierPattern]) {
      for (const kind of ['ec2', 'lambda', 'machineImage']) expect(matchesEventPattern(pattern, scans[kind])).toBe(false);
      expect(matchesEventPattern(pattern, scans.ecr)).toBe(true);
    }
    expect(forwarderPattern).toEqual(notifierPattern);
  });

  test('neither rule matches other Inspector events', () => {
    const finding = { ...memberEvent, 'detail-type': 'Inspector2 Finding' };
    const ecrScan = { ...memberEvent, 'source': 'aws.ecr', 'detail-type': 'ECR Image Scan' };
    for (const pattern of [forwarderPattern, notifierPattern]) {
      expect(matchesEventPattern(pattern, finding)).toBe(false);
      expect(matchesEventPattern(pattern, ecrScan)).toBe(false);
    }
  });
});

describe('ScanEventForwarder props', () => {
  test('a role and a dead-letter queue of your own are used', () => {
    const stack = new Stack(testApp(), 'M', { env: { account: MEMBER, region: 'us-east-1' } });
    const queue = new sqs.Queue(stack, 'Dlq');
    const role = new iam.Role(stack, 'Own', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') });
    const f = new ScanEventForwarder(stack, 'F', { hubEventBus: ScanEventForwarder.hubDefaultEventBus(stack, 'Bus', HUB, 'eu-west-1'), role, deadLetterQueue: queue, description: 'to the hub' });
    expect(f.role).toBe(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      Description: 'to the hub',
      Targets: [Match.objectLike({
        Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:eu-west-1:${HUB}:event-bus/default`]] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
      })],
    });
  });

  test('a forwarder in the hub account itself throws', () => {
    const stack = new Stack(testApp(), 'H', { env: TEST_ENV });
    expect(() => new ScanEventForwarder(stack, 'F', { hubEventBus: ScanEventForwarder.hubDefaultEventBus(stack, 'Bus', HUB) }))
      .toThrow(/hubEventBus is in this stack's account 111111111111: the hub account needs no forwarder/);
  });

  test('a malformed hub account id throws, naming it', () => {
    const stack = new Stack(testApp(), 'M', { env: { account: MEMBER, region: 'us-east-1' } });
    expect(() => ScanEventForwarder.hubDefaultEventBus(stack, 'Bus', '1111')).toThrow(/hubAccountId is "1111": expected a 12-digit AWS account id/);
  });
});

describe('ScanEventForwarderStack, for StackSets', () => {
  const fapp = testApp();
  const stack = new ScanEventForwarderStack(fapp, 'Forwarder', { hubAccountId: HUB });
  const artifact = fapp.synth().getStackByName('Forwarder');
  const json = artifact.template;

  test('stands alone: no assets, no bootstrap version, no CDKMetadata, no function', () => {
    expect(artifact.assets).toEqual([]);
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
    expect(json.Rules).toBeUndefined();
    expect(resources(json, 'AWS::CDK::Metadata')).toEqual([]);
    expect(resources(json, 'AWS::Lambda::Function')).toEqual([]);
    expect(stack.forwarder.rule).toBeDefined();
  });

  test('targets the default bus of the HubAccountId parameter', () => {
    expect(json.Parameters.HubAccountId).toMatchObject({ Type: 'String', Default: HUB, AllowedPattern: '^\\d{12}$' });
    const resolved = resolveTemplate(json, { HubAccountId: '999999999999' });
    const rule = resources(resolved, 'AWS::Events::Rule')[0];
    expect(rule.Properties.Targets[0].Arn).toBe('arn:aws:events:us-east-1:999999999999:event-bus/default');
    expect(matchesEventPattern(rule.Properties.EventPattern, memberEvent)).toBe(true);
  });

  test('a malformed hubAccountId throws, naming it', () => {
    expect(() => new ScanEventForwarderStack(testApp(), 'Bad', { hubAccountId: 'hub' })).toThrow(/hubAccountId is "hub": expected a 12-digit AWS account id/);
  });

  test('has no unacknowledged cdk-nag or Control Tower finding', () => {
    const findings = complianceFindings((capp) => {
      new ScanEventForwarderStack(capp, 'Forwarder', { hubAccountId: HUB });
    });
    expect(findings).toEqual([]);
  });
});
