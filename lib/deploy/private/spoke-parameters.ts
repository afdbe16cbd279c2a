import { Aws, CfnCondition, CfnOutput, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import {
  EMAIL_PATTERN, OPTIONAL_IP_PATTERN, OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN, OPTIONAL_PRINCIPAL_ARN_PATTERN, OPTIONAL_VPC_ENDPOINT_PATTERN,
  OPTIONAL_VPC_ID_PATTERN, REPOSITORY_NAME_PATTERN, TOPIC_ARN_PATTERN, topicArnParameterName,
} from './deployment-values';
import { Severity } from '../../notify/severity';
import { ScanGuardSpokeParameters, ScanGuardSpokeProps } from '../scan-guard-spoke-props';

/** Severities a spoke may filter on, worst first. */
const SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFORMATIONAL, Severity.UNTRIAGED];

const IP_CONSTRAINT = 'must be empty or a public IP address or CIDR block no broader than a /16 (IPv4) or /32 (IPv6), such as 203.0.113.0/24';
const PRINCIPAL_CONSTRAINT = 'each value must be an IAM role or user ARN such as arn:aws:iam::111111111111:role/ci-deployer, '
  + 'with * or ? only beside literal characters of the name (never role/* for a whole account)';

export function createParameters(stack: Stack, props: ScanGuardSpokeProps): ScanGuardSpokeParameters {
  const d = props.parameterDefaults ?? {};
  const optional = (id: string, description: string, pattern: string | undefined, value: string | undefined, constraint?: string) =>
    new CfnParameter(stack, id, { type: 'String', default: value ?? '', description, allowedPattern: pattern, constraintDescription: constraint });
  // CloudFormation matches a CommaDelimitedList's AllowedPattern against each value.
  const list = (id: string, description: string, pattern: string, value: string[] | undefined, constraint: string) =>
    new CfnParameter(stack, id, {
      type: 'CommaDelimitedList', default: (value ?? []).join(','), description, allowedPattern: pattern, constraintDescription: constraint,
    });
  const hubTopicArn = props.hubTopicArn !== undefined
    ? new CfnParameter(stack, 'HubTopicArn', {
      type: 'String',
      default: props.hubTopicArn,
      allowedPattern: TOPIC_ARN_PATTERN,
      constraintDescription: 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:111111111111:scan-notifications',
      description: 'ARN of the hub\'s scan notification topic.',
    })
    : new CfnParameter(stack, 'HubTopicArn', {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: props.hubTopicArnParameterName ?? topicArnParameterName(),
      description: 'SSM parameter holding the ARN of the hub\'s scan notification topic (the hub stack writes it).',
    });
  return {
    repositoryName: new CfnParameter(stack, 'RepositoryName', {
      type: 'String',
      default: d.repositoryName,
      minLength: 2,
      maxLength: 256,
      allowedPattern: REPOSITORY_NAME_PATTERN,
      constraintDescription: 'must be an ECR repository name: lowercase letters, digits, ".", "_", "-" and "/" (for example team/app)',
      description: 'Name of the ECR repository to create.',
    }),
    email: new CfnParameter(stack, 'EMail', {
      type: 'String',
      default: d.email,
      allowedPattern: EMAIL_PATTERN,
      constraintDescription: 'must be an e-mail address such as team@example.com',
      description: 'E-mail address that receives the repository\'s scan notifications (it must confirm the subscription).',
    }),
    ecrApiVpcEndpointId: optional('EcrApiVpcEndpointId', 'Interface endpoint com.amazonaws.<region>.ecr.api allowed to reach the repository (empty: none).',
      OPTIONAL_VPC_ENDPOINT_PATTERN, d.ecrApiVpcEndpointId, 'must be empty or a VPC endpoint id such as vpce-0123456789abcdef0'),
    ecrDkrVpcEndpointId: optional('EcrDkrVpcEndpointId', 'Interface endpoint com.amazonaws.<region>.ecr.dkr allowed to reach the repository (empty: none).',
      OPTIONAL_VPC_ENDPOINT_PATTERN, d.ecrDkrVpcEndpointId, 'must be empty or a VPC endpoint id such as vpce-0123456789abcdef0'),
    myIp: optional('MyIP', 'Public IP address or CIDR block allowed to reach the repository, matched against aws:SourceIp (empty: none).',
      OPTIONAL_IP_PATTERN, d.myIp, IP_CONSTRAINT),
    additionalSourceCidrs: list('AdditionalSourceCidrs', 'More public IP addresses or CIDR blocks, comma separated without spaces (empty: none).',
      OPTIONAL_IP_PATTERN, d.additionalSourceCidrs, `each value ${IP_CONSTRAINT}`),
    allowedVpcIds: list('AllowedVpcIds', 'VPC ids whose requests through any VPC endpoint are allowed (aws:SourceVpc), comma separated (empty: none).',
      OPTIONAL_VPC_ID_PATTERN, d.allowedVpcIds, 'each value must be a VPC id such as vpc-0abc1234def567890'),
    allowedPrincipalArns: list('AllowedPrincipalArns', 'IAM role or user ARNs allowed from anywhere (aws:PrincipalArn, * wildcards allowed), comma separated (empty: none).',
      OPTIONAL_PRINCIPAL_ARN_PATTERN, d.allowedPrincipalArns, PRINCIPAL_CONSTRAINT),
    cloudFormationPrincipalArns: list('CloudFormationPrincipalArns',
      'IAM role or user ARNs that may change or delete the repository through CloudFormation with their own credentials '
      + `(aws:CalledVia), comma separated (empty: none${props.allowAnyCloudFormationCaller ? '; * for anyone' : ''}).`,
      props.allowAnyCloudFormationCaller ? OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN : OPTIONAL_PRINCIPAL_ARN_PATTERN,
      d.cloudFormationPrincipalArns, props.allowAnyCloudFormationCaller ? `${PRINCIPAL_CONSTRAINT}, or *` : PRINCIPAL_CONSTRAINT),
    minimumSeverity: new CfnParameter(stack, 'MinimumSeverity', {
      type: 'String',
      default: d.minimumSeverity ?? '',
      allowedValues: ['', ...SEVERITY_ORDER],
      description: 'Mail only scans whose worst finding is at least this severe (empty: every scan, including clean ones).',
    }),
    hubTopicArn,
  };
}

/**
 * The `severity` filter: with `MinimumSeverity` set, the severities at least as bad; with it
 * empty, `AWS::NoValue`, which removes the key from the filter policy.
 */
export function severityFilter(stack: Stack, minimum: CfnParameter): unknown {
  let value: unknown = Aws.NO_VALUE;
  for (let i = SEVERITY_ORDER.length - 1; i >= 0; i--) {
    const condition = new CfnCondition(stack, `MinimumSeverityIs${SEVERITY_ORDER[i]}`, {
      expression: Fn.conditionEquals(minimum.valueAsString, SEVERITY_ORDER[i]),
    });
    value = Fn.conditionIf(condition.logicalId, SEVERITY_ORDER.slice(0, i + 1), value);
  }
  return value;
}

export function output(stack: Stack, id: string, value: string, description: string): void {
  new CfnOutput(stack, id, { value, description });
}

/** Groups and labels of the parameters, as the CloudFormation console and Service Catalog show them. */
export function parameterInterface(): unknown {
  return {
    ParameterGroups: [
      { Label: { default: 'Repository and notifications' }, Parameters: ['RepositoryName', 'EMail', 'MinimumSeverity', 'HubTopicArn'] },
      { Label: { default: 'Who may reach the repository' }, Parameters: ['EcrApiVpcEndpointId', 'EcrDkrVpcEndpointId', 'MyIP', 'AdditionalSourceCidrs', 'AllowedVpcIds', 'AllowedPrincipalArns', 'CloudFormationPrincipalArns'] },
    ],
    ParameterLabels: {
      EMail: { default: 'E-mail address for scan notifications' },
      MyIP: { default: 'Allowed public IP or CIDR' },
      HubTopicArn: { default: 'Hub topic ARN (or the SSM parameter that holds it)' },
    },
  };
}

