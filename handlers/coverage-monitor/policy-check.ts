import { ECRClient, GetRegistryPolicyCommand, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { errorFields, Logger } from '../shared/logger';

/** The partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The role Amazon Inspector reads images as. */
export function inspectorRoleArn(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2`;
}

/** The actions Inspector needs to read an image. */
const READ_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** What one policy says about the Inspector role. */
export interface PolicyVerdict {
  /** `repository policy` or `registry policy`. */
  readonly policy: string;
  /** `found`: the policy was read; `none`: there is no such policy; `unreadable`: the call failed. */
  readonly state: 'found' | 'none' | 'unreadable';
  /** Deny statements (their Sid, or `#<index>`) that can block the Inspector role. */
  readonly blocking: readonly string[];
}

/** Whether `pattern` (with `*` and `?`) matches `value`, case-insensitively as IAM action names do. */
function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(value);
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

function principalValues(principal: unknown): string[] {
  if (principal === '*') return ['*'];
  if (principal && typeof principal === 'object') return Object.values(principal as Record<string, unknown>).flatMap(asList);
  return asList(principal);
}

/**
 * Deny statements of a policy document that can block `roleArn` from reading images: they deny a
 * read action, name the role (or everyone, or its account), and no condition mentions the role
 * (a statement with an exemption for the role, by `aws:PrincipalArn`, lets it through). A sketch
 * of IAM, not a simulation: it names the statements to look at.
 */
export function blockingStatements(document: unknown, roleArn: string): string[] {
  const statements: string[] = [];
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  const list: any[] = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const account = roleArn.split(':')[4];
  const namesRole = (values: string[]) => values.some((v) => v === '*' || v === account || wildcardMatch(v, roleArn)
    || v === `arn:${roleArn.split(':')[1]}:iam::${account}:root`);
  list.forEach((s, index) => {
    if (!s || s.Effect !== 'Deny') return;
    const actions = s.Action !== undefined
      ? READ_ACTIONS.some((a) => asList(s.Action).some((p) => wildcardMatch(p, a)))
      : READ_ACTIONS.some((a) => !asList(s.NotAction).some((p) => wildcardMatch(p, a)));
    const principals = s.Principal !== undefined ? namesRole(principalValues(s.Principal)) : !namesRole(principalValues(s.NotPrincipal).filter((v) => v !== '*'));
    const exempt = JSON.stringify(s.Condition ?? {}).includes('AWSServiceRoleForAmazonInspector2');
    if (actions && principals && !exempt) statements.push(typeof s.Sid === 'string' && s.Sid ? s.Sid : `#${index + 1}`);
  });
  return statements;
}

/** How long each policy call may take. */
const POLICY_TIMEOUT_MS = 2_000;

/**
 * Reads the repository policy and the registry policy and names the Deny statements that can
 * block the Inspector role. Never throws: a policy that cannot be read is `unreadable`, with a log line.
 * The registry policy of another account (a member's image seen by a delegated administrator) cannot
 * be read: it is `unreadable` without a call.
 */
export async function checkPolicies(ecr: ECRClient, ref: { repositoryName: string; registryId: string; ownRegistry: boolean }, roleArn: string,
  log: Logger): Promise<PolicyVerdict[]> {
  const { repositoryName, registryId } = ref;
  const read = async (policy: string, call: () => Promise<string | undefined>, missing: string): Promise<PolicyVerdict> => {
    try {
      const text = await call();
      return text ? { policy, state: 'found', blocking: blockingStatements(JSON.parse(text), roleArn) } : { policy, state: 'none', blocking: [] };
    } catch (err) {
      if ((err as Error).name === missing) return { policy, state: 'none', blocking: [] };
      log.warn(`reading the ${policy} failed: the alert names it without checking it`, { repositoryName, ...errorFields(err) });
      return { policy, state: 'unreadable', blocking: [] };
    }
  };
  const options = () => ({ abortSignal: AbortSignal.timeout(POLICY_TIMEOUT_MS) });
  return Promise.all([
    read('repository policy', async () => (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName, registryId }), options())).policyText,
      'RepositoryPolicyNotFoundException'),
    ref.ownRegistry
      ? read('registry policy', async () => (await ecr.send(new GetRegistryPolicyCommand({}), options())).policyText,
        'RegistryPolicyNotFoundException')
      : Promise.resolve<PolicyVerdict>({ policy: 'registry policy', state: 'unreadable', blocking: [] }),
  ]);
}
