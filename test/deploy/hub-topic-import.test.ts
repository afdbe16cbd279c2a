import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ScanGuardHubStack } from '../../lib/deploy/scan-guard-hub';
import { testStack } from '../support/app';

/** A stack whose only alarm notifies the hub topic imported with `hubName`. */
function alarmOnHubTopic(hubName?: string) {
  const stack = testStack();
  const topic = ScanGuardHubStack.topicFromParameter(stack, 'HubTopic', hubName);
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    metric: new cloudwatch.Metric({ namespace: 'Test', metricName: 'Failures' }), threshold: 1, evaluationPeriods: 1,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(topic));
  return stack;
}

describe('ScanGuardHubStack.topicFromParameter', () => {
  test('reads the topic ARN from the hub\'s SSM parameter at deploy time and uses it as a topic', () => {
    const stack = alarmOnHubTopic('platform');
    const template = Template.fromJSON(Template.fromStack(stack).toJSON());
    const parameters = template.toJSON().Parameters;
    const [logicalId, parameter] = Object.entries(parameters).find(([, p]: [string, any]) => p.Type === 'AWS::SSM::Parameter::Value<String>') as [string, any];
    expect(parameter.Default).toBe('/cdk-ecr-scan-guard/platform/topic-arn');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: logicalId }] });
  });

  test('the default hub name is "default", as ScanGuardHubStack uses', () => {
    const stack = alarmOnHubTopic();
    const parameters = Object.values(Template.fromStack(stack).toJSON().Parameters) as any[];
    expect(parameters.map((p) => p.Default)).toContain(ScanGuardHubStack.topicArnParameterName());
    expect(ScanGuardHubStack.topicArnParameterName()).toBe('/cdk-ecr-scan-guard/default/topic-arn');
  });

  test('a malformed hub name throws, naming the parameter', () => {
    expect(() => ScanGuardHubStack.topicFromParameter(testStack(), 'HubTopic', 'team a'))
      .toThrow(/hubName is "team a": expected 1 to 128 letters, digits/);
  });
});
