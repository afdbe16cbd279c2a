import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnhancedScanning, EnhancedScanningProps, ScanFrequency } from '../../lib';
import { testStack } from '../support/app';

describe('EnhancedScanning defaults', () => {
  const stack = testStack();
  new EnhancedScanning(stack, 'Scanning');
  const template = Template.fromStack(stack);

  test('registry scanning is ENHANCED and continuous for every repository', () => {
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'ENHANCED',
      Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
  });

  test('a custom resource enables Inspector for ECR and leaves it on when deleted', () => {
    const [resource] = Object.values(template.findResources('Custom::Inspector2Enable'));
    const create = JSON.parse(resource.Properties.Create['Fn::Join'] ? resource.Properties.Create['Fn::Join'][1].join('') : resource.Properties.Create);
    expect(create).toMatchObject({ service: 'Inspector2', action: 'Enable', parameters: { resourceTypes: ['ECR'] } });
    expect(resource.Properties.Update).toBeDefined();
    expect(resource.Properties.Delete).toBeUndefined();
  });

  test('the scanning configuration waits for Inspector to be enabled', () => {
    const [config] = Object.values(template.findResources('AWS::ECR::RegistryScanningConfiguration'));
    const [enablerId] = Object.keys(template.findResources('Custom::Inspector2Enable'));
    expect(config.DependsOn).toContain(enablerId);
  });

  test('the enabler may enable Inspector and create only the Inspector service-linked role', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: 'inspector2:Enable', Resource: '*' }),
        Match.objectLike({
          Action: 'iam:CreateServiceLinkedRole',
          Condition: { StringEquals: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' } },
          Resource: 'arn:aws:iam::111111111111:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2',
        }),
      ]) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});

describe('EnhancedScanning options', () => {
  test('rules, filters and disabling on delete are configurable', () => {
    const stack = testStack();
    new EnhancedScanning(stack, 'Scanning', {
      rules: [
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['sandbox-*'] },
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['prod-*', 'shared/*'] },
      ],
      disableInspectorOnDelete: true,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      Rules: [
        { ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: 'sandbox-*', FilterType: 'WILDCARD' }] },
        { ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: 'prod-*', FilterType: 'WILDCARD' }, { Filter: 'shared/*', FilterType: 'WILDCARD' }] },
      ],
    });
    const [resource] = Object.values(template.findResources('Custom::Inspector2Enable'));
    expect(JSON.stringify(resource.Properties.Delete)).toContain('Disable');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['inspector2:Disable', 'inspector2:Enable'] })]) },
    });
  });

  test('a log group you pass holds the enabler\'s logs; none is created', () => {
    const stack = testStack();
    const logGroup = new logs.LogGroup(stack, 'Own', { retention: logs.RetentionDays.ONE_WEEK });
    new EnhancedScanning(stack, 'Scanning', { logGroup });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^Own') } } });
  });

  test('enableInspector: false leaves Inspector alone', () => {
    const stack = testStack();
    new EnhancedScanning(stack, 'Scanning', { enableInspector: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::Inspector2Enable', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 1);
  });

  test('isEnhancedScanning recognises instances', () => {
    const stack = testStack();
    const scanning = new EnhancedScanning(stack, 'Scanning', { enableInspector: false });
    expect(EnhancedScanning.isEnhancedScanning(scanning)).toBe(true);
    expect(EnhancedScanning.isEnhancedScanning(new Construct(stack, 'Other'))).toBe(false);
  });
});

describe('EnhancedScanning validation', () => {
  const build = (props: EnhancedScanningProps) => new EnhancedScanning(testStack(), 'Scanning', props);

  test.each([
    ['no rule', { rules: [] }, /rules has 0 entries: expected one or two rules/],
    ['three rules', { rules: [{ frequency: ScanFrequency.SCAN_ON_PUSH }, { frequency: ScanFrequency.CONTINUOUS_SCAN }, { frequency: ScanFrequency.SCAN_ON_PUSH }] }, /rules has 3 entries/],
    ['two rules of one frequency', { rules: [{ frequency: ScanFrequency.SCAN_ON_PUSH }, { frequency: ScanFrequency.SCAN_ON_PUSH }] }, /rules has two SCAN_ON_PUSH rules: expected at most one rule per frequency/],
    ['an empty filter list', { rules: [{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [] }] }, /rules\[0\]\.repositoryFilters has 0 filters: expected 1 to 100/],
    ['101 filters', { rules: [{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: Array.from({ length: 101 }, (_, i) => `r${i}`) }] }, /has 101 filters/],
    ['an upper-case filter', { rules: [{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['Prod-*'] }] }, /rules\[0\]\.repositoryFilters\[0\] is "Prod-\*": expected a repository name pattern/],
    ['a filter with a space', { rules: [{ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['ok', 'my repo'] }] }, /rules\[0\]\.repositoryFilters\[1\] is "my repo"/],
  ])('%s throws', (_name, props, message) => {
    expect(() => build(props as EnhancedScanningProps)).toThrow(message);
  });

  test('a second EnhancedScanning in the same stack throws', () => {
    const stack = testStack();
    new EnhancedScanning(stack, 'First');
    expect(() => new EnhancedScanning(stack, 'Second')).toThrow(/Stack Test already has an EnhancedScanning \(Test\/First\)/);
  });
});
