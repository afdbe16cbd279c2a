import { runSimulation } from '@cloud-copilot/iam-simulate';

/** A request of one principal against a resource policy, for any service. */
export interface ResourceRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context?: Record<string, string | string[]>;
}

/**
 * Evaluates a request against a resource policy, with an identity policy that allows the
 * action, so the outcome shows what the resource policy does (across accounts too, where
 * both must allow): `Allowed`, `ExplicitlyDenied` or `ImplicitlyDenied`.
 */
export async function simulateResourcePolicy(resourcePolicy: unknown, request: ResourceRequest): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': request.principal, ...request.context },
    },
    identityPolicies: [{
      name: 'AllowAction',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: request.action, Resource: '*' }] },
    }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  }, {});
  if (result.resultType === 'error') throw new Error(`simulation error: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`unexpected result type ${result.resultType}`);
  return result.overallResult;
}
