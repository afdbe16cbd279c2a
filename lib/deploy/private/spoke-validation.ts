import { Annotations, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EMAIL_PATTERN, OPTIONAL_VPC_ENDPOINT_PATTERN, REPOSITORY_NAME_PATTERN, SSM_PARAMETER_NAME, TOPIC_ARN, isIpOrCidr, matchesPattern, validateValue } from './deployment-values';
import { EXPECTED, isNonPublicCidr, isPrincipalArn, isVpcId, validateEach } from '../../private/validation';
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
  validateValue('parameterDefaults.myIp', d.myIp, (v) => v === '' || isIpOrCidr(v),
    'a public IP address or CIDR block such as "203.0.113.0/24", or "" for none');
  validateEach('parameterDefaults.additionalSourceCidrs', d.additionalSourceCidrs, isIpOrCidr,
    'a public IP address or CIDR block such as "203.0.113.0/24"');
  validateEach('parameterDefaults.allowedVpcIds', d.allowedVpcIds, isVpcId, EXPECTED.vpcId);
  validateEach('parameterDefaults.allowedPrincipalArns', d.allowedPrincipalArns, isPrincipalArn, EXPECTED.principalArn);
  validateEach('exemptPrincipalArns', props.exemptPrincipalArns, isPrincipalArn,
    'an IAM role, user or root ARN such as "arn:aws:iam::111111111111:role/ScanGuardSpokeLaunchRole"');
  validateValue('hubTopicArn', props.hubTopicArn, (v) => TOPIC_ARN.test(v), 'an SNS topic ARN such as "arn:aws:sns:us-east-1:111111111111:scan-notifications"');
  validateValue('hubTopicArnParameterName', props.hubTopicArnParameterName, (v) => SSM_PARAMETER_NAME.test(v),
    'an SSM parameter name such as "/cdk-ecr-scan-guard/default/topic-arn"');
  if (props.hubTopicArn !== undefined && Token.isUnresolved(props.hubTopicArn)) {
    throw new Error('hubTopicArn is a deploy-time value: the spoke template stands alone, so it cannot reference another stack. '
      + 'Pass the topic ARN as a literal string, or leave hubTopicArn out and let the template read the hub\'s SSM parameter.');
  }
  for (const cidr of [d.myIp, ...(d.additionalSourceCidrs ?? [])]) {
    if (cidr && !Token.isUnresolved(cidr) && isNonPublicCidr(cidr)) {
      Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:privateSourceCidr',
        `parameterDefaults has the source address ${cidr}, a private or non-public range. aws:SourceIp only carries public addresses, `
        + 'so this exemption never matches: allow traffic from a VPC with the VPC endpoint or VPC id parameters instead.');
    }
  }
}
