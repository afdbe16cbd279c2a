import { Template } from 'aws-cdk-lib/assertions';
import { ScanGuardHubStack } from '../../lib/deploy/scan-guard-hub';
import { ImagePolicy } from '../../lib/policy/image-policy';
import libraryResources from '../fixtures/cloudtrail-library-resources.json';
import { TEST_ENV, testApp } from '../support/app';
import { matchesEventPattern } from '../support/event-pattern';
import { resolveTemplate } from '../support/simulate';

describe('ScanGuardHubStack tamper alerts protect the hub itself', () => {
  const stack = new ScanGuardHubStack(testApp(), 'Hub', {
    env: TEST_ENV,
    imagePolicy: new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com/'] }),
  });
  // Ref of an SSM parameter is its name, as CloudFormation resolves it.
  const template = resolveTemplate(Template.fromStack(stack).toJSON(),
    { [stack.getLogicalId(stack.topicArnParameter.node.defaultChild as any)]: '/cdk-ecr-scan-guard/default/topic-arn' });
  const patterns = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule').map((r) => r.Properties.EventPattern);
  const id = (c: any) => stack.getLogicalId(c.node.defaultChild);
  const watched = (kind: string, field: string) => patterns
    .filter((p) => p.source[0] === kind && p.detail.requestParameters?.[field])
    .flatMap((p) => p.detail.requestParameters[field]);

  test('the functions, rules and tables of the notifier and the image monitor, and the topic ARN parameter', () => {
    expect(watched('aws.lambda', 'functionName')).toEqual(expect.arrayContaining(
      [id(stack.notifier.handler), id(stack.imageMonitor!.handler), id(stack.tamperAlerts!.handler)]));
    expect(watched('aws.events', 'name')).toEqual(expect.arrayContaining([id(stack.notifier.rule), id(stack.imageMonitor!.rule)]));
    expect(watched('aws.dynamodb', 'tableName')).toEqual(expect.arrayContaining(
      [id(stack.notifier.dedupTable), id(stack.imageMonitor!.dedupTable), id(stack.tamperAlerts!.dedupTable)]));
    expect(watched('aws.sns', 'topicArn')).toEqual([id(stack.notifier.topic)]);
    expect(watched('aws.ssm', 'name')).toEqual(['/cdk-ecr-scan-guard/default/topic-arn']);
  });

  test('a PutParameter on the hub\'s parameter is alerted, on another parameter it is not', () => {
    const put = (libraryResources as any[]).find((e) => e.detail.eventName === 'PutParameter');
    expect(patterns.filter((p) => matchesEventPattern(p, put))).toHaveLength(1);
    const other = JSON.parse(JSON.stringify(put));
    other.detail.requestParameters.name = '/cdk-ecr-scan-guard/other-hub/topic-arn';
    expect(patterns.filter((p) => matchesEventPattern(p, other))).toHaveLength(0);
  });

  test('every pattern stays under the 4,096-character limit', () => {
    for (const p of patterns) expect(JSON.stringify(p).length).toBeLessThan(4096);
  });
});
