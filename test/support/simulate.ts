import { runSimulation } from '@cloud-copilot/iam-simulate';
import { resolveCfn } from './cfn-resolve';

/** The pseudo parameters policies are resolved with. */
export const SIM_ACCOUNT = '111111111111';
export const SIM_REGION = 'us-east-1';

/** Resolves every intrinsic of a synthesized template with concrete values and parameters. */
export function resolveTemplate(template: any, parameters: Record<string, string> = {}): any {
  return resolveCfn(template, {
    'AWS::Region': SIM_REGION,
    'AWS::Partition': 'aws',
    'AWS::AccountId': SIM_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Sim',
    'AWS::StackId': `arn:aws:cloudformation:${SIM_REGION}:${SIM_ACCOUNT}:stack/Sim/1`,
    ...parameters,
  });
}

/** A request to evaluate against a resource policy. */
export interface SimRequest {
  readonly principal: string;
  readonly action: string;
  readonly context?: Record<string, string | string[]>;
}

/** The outcome of one request: the decision and any context keys the simulator ignored. */
export interface SimOutcome {
  readonly decision: string;
  readonly ignoredContextKeys: string[];
}

/**
 * Evaluates a request against a repository policy. The caller's identity policy allows
 * every `ecr:*` action, so the outcome shows what the repository policy does:
 * `Allowed`, `ExplicitlyDenied` (a Deny statement applied) or `ImplicitlyDenied`.
 * TLS is on unless the context says otherwise.
 */
export async function simulate(resourcePolicy: unknown, repositoryArn: string, request: SimRequest): Promise<SimOutcome> {
  const result = await runSimulation({
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: repositoryArn, accountId: SIM_ACCOUNT },
      contextVariables: {
        'aws:SecureTransport': 'true',
        ...(request.principal.startsWith('arn:') ? { 'aws:PrincipalArn': request.principal } : {}),
        ...request.context,
      },
    },
    identityPolicies: [{
      name: 'AllowEcr',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] },
    }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  }, {});
  if (result.resultType === 'error') {
    throw new Error(`simulation error: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType !== 'single') throw new Error(`unexpected result type ${result.resultType}`);
  return { decision: result.overallResult, ignoredContextKeys: result.result.ignoredContextKeys ?? [] };
}
