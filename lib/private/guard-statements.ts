import { ArnFormat, Aws, CfnCondition, DefaultStackSynthesizer, Fn, Stack } from 'aws-cdk-lib';
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

  const conditions: Record<string, unknown> = {
    'ArnNotLike': { 'aws:PrincipalArn': exemptPrincipals },
    'ForAllValues:StringNotEquals': { 'aws:CalledVia': ['cloudformation.amazonaws.com'] },
  };
  if (Object.keys(stringNotEquals).length) conditions.StringNotEquals = stringNotEquals;
  if (inputs.sourceCidrs.length) conditions.NotIpAddress = { 'aws:SourceIp': inputs.sourceCidrs };
  return statementsWithExemptions(stack, conditions, inputs.allowLambdaPulls);
}

/**
 * The guard's statements around the condition block of `DenyOutsideApprovedNetworks`,
 * shared by `guardStatements` and `parameterisedGuardStatements`.
 */
function statementsWithExemptions(stack: Stack, conditions: Record<string, unknown>, allowLambdaPulls: boolean): iam.PolicyStatement[] {
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
  if (allowLambdaPulls) {
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

/**
 * Exemption values that CloudFormation decides at deploy time: literals, String parameter
 * values, or one CommaDelimitedList parameter's value (`isList`), present only when
 * `condition` holds (for example "the parameter is not empty").
 */
export interface DeployTimeValues {
  /** The values; with `isList`, the list token of a CommaDelimitedList parameter. */
  readonly values: string[];
  /** Whether `values` is the list token of a CommaDelimitedList parameter. */
  readonly isList?: boolean;
  /** The values are present only when this condition holds; always when undefined. */
  readonly condition?: CfnCondition;
}

/** Inputs of `parameterisedGuardStatements`: each exemption from several sources. */
export interface ParameterisedGuardInputs {
  readonly vpcEndpointIds: DeployTimeValues[];
  readonly sourceCidrs: DeployTimeValues[];
  readonly vpcIds: DeployTimeValues[];
  readonly principalArns: DeployTimeValues[];
  readonly allowLambdaPulls: boolean;
}

/**
 * The guard's statements for a template whose exemptions come from CloudFormation
 * parameters: the same statements as `guardStatements`, but each condition operator
 * block is an `Fn::If` tree over the conditions of its sources: a key (or a whole
 * operator block) whose sources are all empty is removed with `AWS::NoValue`, never written
 * as an empty value.
 */
export function parameterisedGuardStatements(stack: Stack, inputs: ParameterisedGuardInputs): iam.PolicyStatement[] {
  const principals: DeployTimeValues[] = [{ values: [inspectorRoleArn(stack)] }];
  const deployRole = deploymentRoleArn(stack);
  if (deployRole) principals.push({ values: [deployRole] });
  principals.push(...inputs.principalArns);

  const stringNotEquals: Record<string, DeployTimeValues[]> = {
    'aws:SourceVpce': inputs.vpcEndpointIds,
    'aws:SourceVpc': inputs.vpcIds,
  };
  if (inputs.allowLambdaPulls) stringNotEquals['aws:PrincipalServiceName'] = [{ values: ['lambda.amazonaws.com'] }];

  const conditions: Record<string, unknown> = {};
  const blocks: Array<[string, Record<string, DeployTimeValues[]>]> = [
    ['ArnNotLike', { 'aws:PrincipalArn': principals }],
    ['ForAllValues:StringNotEquals', { 'aws:CalledVia': [{ values: ['cloudformation.amazonaws.com'] }] }],
    ['StringNotEquals', stringNotEquals],
    ['NotIpAddress', { 'aws:SourceIp': inputs.sourceCidrs }],
  ];
  for (const [operator, keys] of blocks) {
    const block = operatorBlock(keys);
    if (block !== undefined) conditions[operator] = block;
  }
  return statementsWithExemptions(stack, conditions, inputs.allowLambdaPulls);
}

/**
 * One operator block (`{ key: values }`) whose keys each come from deploy-time sources: an
 * `Fn::If` tree over the distinct conditions of the sources, whose leaves hold only the keys
 * with values, and `AWS::NoValue` where no key has any. Returns undefined when no key has a
 * source, and the plain block when every source is unconditional. Every branch is reachable.
 */
function operatorBlock(keys: Record<string, DeployTimeValues[]>): unknown {
  const present = Object.entries(keys)
    .map(([key, sources]) => [key, sources.filter((s) => s.isList || s.values.length > 0)] as const)
    .filter(([, sources]) => sources.length > 0);
  if (present.length === 0) return undefined;
  const conditions = [...new Set(present.flatMap(([, sources]) => sources.map((s) => s.condition)))]
    .filter((c): c is CfnCondition => c !== undefined);
  const leaf = (holding: Set<CfnCondition>): unknown => {
    const block: Record<string, unknown> = {};
    for (const [key, sources] of present) {
      const chosen = sources.filter((s) => !s.condition || holding.has(s.condition));
      if (chosen.length) block[key] = listOf(chosen);
    }
    return Object.keys(block).length ? block : Aws.NO_VALUE;
  };
  const build = (i: number, holding: Set<CfnCondition>): unknown => {
    if (i === conditions.length) return leaf(holding);
    return Fn.conditionIf(conditions[i].logicalId, build(i + 1, new Set([...holding, conditions[i]])), build(i + 1, holding));
  };
  return build(0, new Set());
}

/** The union of sources as one list. */
function listOf(sources: DeployTimeValues[]): unknown {
  if (!sources.some((s) => s.isList)) return sources.flatMap((s) => s.values);
  if (sources.length === 1) return sources[0].values;
  const parts = sources.flatMap((s) => (s.isList ? [Fn.join(',', s.values)] : s.values));
  return Fn.split(',', Fn.join(',', parts));
}
