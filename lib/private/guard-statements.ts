import { ArnFormat, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** The pull actions Lambda performs when it loads a container image. */
export const LAMBDA_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** Inputs of the guard statements, already validated. */
export interface GuardStatementInputs {
  readonly vpcEndpointIds: string[];
  readonly sourceCidrs: string[];
  readonly vpcIds: string[];
  readonly principalArns: string[];
  readonly allowLambdaPulls: boolean;
}

/** The Amazon Inspector service-linked role of the stack's account. */
export function inspectorRoleArn(stack: Stack): string {
  return stack.formatArn({
    service: 'iam',
    region: '',
    resource: 'role',
    resourceName: 'aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2',
  });
}

/**
 * The CloudFormation execution role the stack is deployed with, if its synthesizer
 * knows it (the CDK bootstrap `cfn-exec` role). The synthesizer's value holds
 * `${AWS::Partition}`-style placeholders, so it is wrapped in `Fn::Sub`.
 */
export function deploymentRoleArn(stack: Stack): string | undefined {
  const synthesizer = stack.synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) return undefined;
  const arn = synthesizer.cloudFormationExecutionRole
    ?? (synthesizer as unknown as { cloudFormationExecutionRoleArn?: string }).cloudFormationExecutionRoleArn;
  return arn ? Fn.sub(arn) : undefined;
}

/**
 * Builds the statements of the guard:
 * - `DenyInsecureTransport`: every `ecr:*` call without TLS.
 * - `DenyOutsideApprovedNetworks`: every `ecr:*` call unless one exemption matches. Each
 *   exemption is a negated condition, so the deny applies only when none of them matches.
 * - with Lambda pulls: `AllowLambdaPulls` and `DenyLambdaBeyondPull`, so the Lambda service
 *   principal gets the pull actions and nothing else.
 */
export function guardStatements(stack: Stack, inputs: GuardStatementInputs): iam.PolicyStatement[] {
  const exemptPrincipals = [inspectorRoleArn(stack)];
  const deployRole = deploymentRoleArn(stack);
  if (deployRole) exemptPrincipals.push(deployRole);
  exemptPrincipals.push(...inputs.principalArns);

  const stringNotEquals: Record<string, string[]> = {};
  if (inputs.vpcEndpointIds.length) stringNotEquals['aws:SourceVpce'] = inputs.vpcEndpointIds;
  if (inputs.vpcIds.length) stringNotEquals['aws:SourceVpc'] = inputs.vpcIds;
  if (inputs.allowLambdaPulls) stringNotEquals['aws:PrincipalServiceName'] = ['lambda.amazonaws.com'];

  const conditions: Record<string, Record<string, string[]>> = {
    'ArnNotLike': { 'aws:PrincipalArn': exemptPrincipals },
    'ForAllValues:StringNotEquals': { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
  };
  if (Object.keys(stringNotEquals).length) conditions.StringNotEquals = stringNotEquals;
  if (inputs.sourceCidrs.length) conditions.NotIpAddress = { 'aws:SourceIp': inputs.sourceCidrs };

  const statements = [
    new iam.PolicyStatement({
      sid: 'DenyInsecureTransport',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['ecr:*'],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyOutsideApprovedNetworks',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['ecr:*'],
      conditions,
    }),
  ];
  if (inputs.allowLambdaPulls) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'AllowLambdaPulls',
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal('lambda.amazonaws.com')],
        actions: LAMBDA_PULL_ACTIONS,
        conditions: {
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'lambda', resource: 'function', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
      new iam.PolicyStatement({
        sid: 'DenyLambdaBeyondPull',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        notActions: LAMBDA_PULL_ACTIONS,
        conditions: { StringEquals: { 'aws:PrincipalServiceName': 'lambda.amazonaws.com' } },
      }),
    );
  }
  return statements;
}
