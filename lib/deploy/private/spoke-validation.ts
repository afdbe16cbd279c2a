import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  EMAIL_PATTERN, OPTIONAL_IP_PATTERN, OPTIONAL_VPC_ENDPOINT_PATTERN, REPOSITORY_NAME_PATTERN, SSM_PARAMETER_NAME, TOPIC_ARN, isIpOrCidr, matchesPattern, validateValue,
} from './deployment-values';
import { EXPECTED, isVpcId, validateEach, validatePrincipalArns, validateSourceCidrs } from '../../private/validation';
import { ScanGuardSpokeProps } from '../scan-guard-spoke-props';

export function validateSpokeProps(scope: Construct, props: ScanGuardSpokeProps): void {
  const d = props.parameterDefaults ?? {};
  validateValue('parameterDefaults.repositoryName', d.repositoryName, (v) => v.length >= 2 && v.length <= 256 && matchesPattern(REPOSITORY_NAME_PATTERN, v),
    'an ECR repository name of 2 to 256 lowercase letters, digits, ".", "_", "-" and "/", such as "team/app"');
  validateValue('parameterDefaults.email', d.email, (v) => matchesPattern(EMAIL_PATTERN, v), 'an e-mail address such as "team@example.com"');
  for (const prop of ['ecrApiVpcEndpointId', 'ecrDkrVpcEndpointId'] as const) {
    validateValue(`parameterDefaults.${prop}`, d[prop], (v) => matchesPattern(OPTIONAL_VPC_ENDPOINT_PATTERN, v),
      `${EXPECTED.vpcEndpointId}, or "" for none`);
  }
  const ipExpected = 'a public IP address or CIDR block no broader than a /16 (IPv4) or /32 (IPv6), such as "203.0.113.0/24": '
    + 'the template\'s parameter pattern rejects broader ranges';
  validateValue('parameterDefaults.myIp', d.myIp, (v) => matchesPattern(OPTIONAL_IP_PATTERN, v) && (v === '' || isIpOrCidr(v)), `${ipExpected}, or "" for none`);
  validateSourceCidrs(scope, 'parameterDefaults.additionalSourceCidrs', d.additionalSourceCidrs,
    (v) => isIpOrCidr(v) && matchesPattern(OPTIONAL_IP_PATTERN, v), ipExpected);
  validateEach('parameterDefaults.allowedVpcIds', d.allowedVpcIds, isVpcId, EXPECTED.vpcId);
  validatePrincipalArns('parameterDefaults.allowedPrincipalArns', d.allowedPrincipalArns);
  const anyCaller = (values: string[] | undefined) => (values ?? []).filter((v) => v === '*');
  if (anyCaller(d.cloudFormationPrincipalArns).length && !props.allowAnyCloudFormationCaller) {
    throw new Error(`parameterDefaults.cloudFormationPrincipalArns is ${JSON.stringify(d.cloudFormationPrincipalArns)}: "*" exempts calls through `
      + 'CloudFormation by any principal, from any network. Name the deploying principals, or set allowAnyCloudFormationCaller to accept "*".');
  }
  validatePrincipalArns('parameterDefaults.cloudFormationPrincipalArns', d.cloudFormationPrincipalArns?.filter((v) => v !== '*'));
  validatePrincipalArns('exemptPrincipalArns', props.exemptPrincipalArns);
  validateValue('hubTopicArn', props.hubTopicArn, (v) => TOPIC_ARN.test(v), 'an SNS topic ARN such as "arn:aws:sns:us-east-1:111111111111:scan-notifications"');
  validateValue('hubTopicArnParameterName', props.hubTopicArnParameterName, (v) => SSM_PARAMETER_NAME.test(v),
    'an SSM parameter name such as "/cdk-ecr-scan-guard/default/topic-arn"');
  if (props.hubTopicArn !== undefined && Token.isUnresolved(props.hubTopicArn)) {
    throw new Error('hubTopicArn is a deploy-time value: the spoke template stands alone, so it cannot reference another stack. '
      + 'Pass the topic ARN as a literal string, or leave hubTopicArn out and let the template read the hub\'s SSM parameter.');
  }
  validateSourceCidrs(scope, 'parameterDefaults.myIp', d.myIp ? [d.myIp] : [], () => true, ipExpected);
}
