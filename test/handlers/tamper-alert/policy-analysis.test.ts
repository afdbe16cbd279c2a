import { findDangers, GUARD_DENY_SIDS, parseApiCall } from '../../../handlers/tamper-alert/index';
import { buildAlert, loadConfig, MAX_PARAMETERS_CHARS } from '../../../handlers/tamper-alert/index';
import { guardStatements } from '../../../lib/private/guard-statements';
import ecrRegistry from '../../fixtures/cloudtrail-ecr-registry.json';
import inspectorCalls from '../../fixtures/cloudtrail-inspector2-calls.json';
import libraryResources from '../../fixtures/cloudtrail-library-resources.json';
import setPolicy from '../../fixtures/cloudtrail-set-repository-policy.json';
import { testStack } from '../../support/app';

const config = loadConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:alerts', DEDUP_TABLE: 'TamperDedup' });
const named = (events: any[], name: string, index = 0): any => events.filter((e) => e.detail.eventName === name)[index];
const withParams = (params: Record<string, unknown>, eventName = 'SetRepositoryPolicy'): any => {
  const e = JSON.parse(JSON.stringify(setPolicy));
  e.detail.eventName = eventName;
  e.detail.requestParameters = params;
  return e;
};
const policy = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const GUARD = [
  { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'ecr:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  {
    Sid: 'DenyOutsideApprovedNetworks', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'ecr:*',
    Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/ci'] }, StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } },
  },
];
const summaries = (event: any) => findDangers(parseApiCall(event)).map((d) => d.summary);

describe('policies: what opens access comes first', () => {
  test('a backdoor after 4,000 characters of harmless statements is shown, before the shortened request', () => {
    const event = named(ecrRegistry, 'PutRegistryPolicy');
    expect(event.detail.requestParameters.policyText.indexOf('999999999999')).toBeGreaterThan(MAX_PARAMETERS_CHARS);
    expect(summaries(event)).toEqual(['policyText: Allow "ReplicationReadOnly" to another account (999999999999) (no condition)']);
    const alert = buildAlert(config, parseApiCall(event));
    const danger = alert.text.indexOf('ReplicationReadOnly');
    expect(danger).toBeGreaterThan(0);
    expect(danger).toBeLessThan(alert.text.indexOf('Request parameters (shortened'));
    expect(alert.text).toContain('"arn:aws:iam::999999999999:root"');
    // The JSON payload has the whole request.
    expect((alert.data.requestParameters as any).policyText).toBe(event.detail.requestParameters.policyText);
    expect(alert.data.dangers).toEqual(summaries(event));
    expect(alert.chatDescription).toContain('ReplicationReadOnly');
  });

  test('Allow to anyone, and the guard\'s Deny gone from a repository policy', () => {
    expect(summaries(setPolicy)).toEqual([
      'policyText: the guard\'s Deny DenyInsecureTransport and DenyOutsideApprovedNetworks is not in the new policy (removed, or the repository is not guarded)',
      'policyText: Allow "AllowAll" to anyone (*) (no condition)',
    ]);
  });

  test('the guard intact and an Allow within the account: nothing to report', () => {
    const own = { Sid: 'Team', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111111111111:role/team', '111111111111'] }, Action: 'ecr:BatchGetImage' };
    expect(summaries(withParams({ repositoryName: 'team/app', policyText: policy(...GUARD, own) }))).toEqual([]);
  });

  test('a guard Deny weakened: an exemption for every role, a Deny narrowed to one principal, a NotPrincipal', () => {
    const wide = JSON.parse(JSON.stringify(GUARD));
    wide[1].Condition.ArnNotLike['aws:PrincipalArn'].push('arn:aws:iam::111111111111:role/*');
    wide[0].Principal = { AWS: 'arn:aws:iam::111111111111:role/nobody' };
    const notPrincipal = { Sid: 'N', Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111111111111:role/x' }, Action: 'ecr:*' };
    expect(summaries(withParams({ repositoryName: 'team/app', policyText: policy(...wide, notPrincipal) }))).toEqual([
      'policyText: Deny "DenyInsecureTransport" applies only to arn:aws:iam::111111111111:role/nobody, not to everyone',
      'policyText: Deny "DenyOutsideApprovedNetworks" is lifted for everyone: aws:PrincipalArn arn:aws:iam::111111111111:role/*',
      'policyText: Deny "N" exempts the principals in NotPrincipal',
    ]);
  });

  test('Allow with NotPrincipal, to a wildcard account, or a /0 range exemption', () => {
    const guardOpenRange = JSON.parse(JSON.stringify(GUARD));
    guardOpenRange[1].Condition = { NotIpAddress: { 'aws:SourceIp': ['0.0.0.0/0'] } };
    const notPrincipal = { Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::111111111111:role/x' }, Action: 'ecr:*' };
    const conditioned = { Sid: 'Org', Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } };
    expect(summaries(withParams({ repositoryName: 'team/app', policyText: policy(...guardOpenRange, notPrincipal, conditioned) }))).toEqual([
      'policyText: Deny "DenyOutsideApprovedNetworks" is lifted for everyone: aws:SourceIp 0.0.0.0/0',
      'policyText: Allow to everyone except the NotPrincipal (no condition)',
      'policyText: Allow "Org" to anyone (*) (conditions on aws:PrincipalOrgID)',
    ]);
  });

  test('a creation template\'s repository policy open to anyone', () => {
    expect(summaries(named(ecrRegistry, 'CreateRepositoryCreationTemplate'))).toEqual([
      'repositoryPolicy: the guard\'s Deny DenyInsecureTransport and DenyOutsideApprovedNetworks is not in the new policy (removed, or the repository is not guarded)',
      'repositoryPolicy: Allow "Open" to anyone (*) (no condition)',
    ]);
  });

  test('a topic policy that lets anyone subscribe', () => {
    expect(summaries(named(libraryResources, 'SetTopicAttributes'))).toEqual(['attributeValue: Allow "x" to anyone (*) (no condition)']);
  });

  test('a policy that is not JSON is said so; a Statement that is one object is read', () => {
    expect(summaries(withParams({ policyText: '{not json' }, 'PutRegistryPolicy'))).toEqual(['policyText: not valid JSON, shown as sent in the request parameters']);
    const single = JSON.stringify({ Statement: { Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'ecr:*' } });
    expect(summaries(withParams({ policyText: single }, 'PutRegistryPolicy'))).toEqual(['policyText: Allow to another account (222222222222) (no condition)']);
  });

  test('more than 20 dangers are listed up to 20, with a count of the rest', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Principal: '*', Action: 'ecr:*' }));
    const found = summaries(withParams({ policyText: policy(...many) }, 'PutRegistryPolicy'));
    expect(found).toHaveLength(21);
    expect(found[20]).toBe('and 5 more: see the request parameters');
  });

  test('GUARD_DENY_SIDS are the Sids of the guard\'s Deny statements', () => {
    const statements = guardStatements(testStack(), { vpcEndpointIds: ['vpce-0123456789abcdef0'], sourceCidrs: [], vpcIds: [], principalArns: [], allowLambdaPulls: false });
    expect(statements.map((s) => s.toStatementJson()).filter((s) => s.Effect === 'Deny').map((s) => s.Sid)).toEqual(GUARD_DENY_SIDS);
  });
});

describe('other requests that weaken the guard', () => {
  test('replication to another account; to the same account is fine', () => {
    expect(summaries(named(ecrRegistry, 'PutReplicationConfiguration'))).toEqual(['replicationConfiguration: copies images to account 999999999999 (eu-west-1)']);
    const same = withParams({ replicationConfiguration: { rules: [{ destinations: [{ region: 'eu-west-1', registryId: '111111111111' }] }] } }, 'PutReplicationConfiguration');
    expect(summaries(same)).toEqual([]);
  });

  test('registry scanning turned down to BASIC; ENHANCED is fine', () => {
    expect(summaries(withParams({ scanType: 'BASIC', rules: [] }, 'PutRegistryScanningConfiguration'))).toEqual(['scanType: BASIC, so Amazon Inspector no longer scans the images']);
    expect(summaries(withParams({ scanType: 'ENHANCED', rules: [] }, 'PutRegistryScanningConfiguration'))).toEqual([]);
  });

  test('Inspector filters: SUPPRESS hides findings, an update without action may, NONE does not', () => {
    expect(summaries(named(inspectorCalls, 'CreateFilter', 0))).toEqual(['action: SUPPRESS, so matching findings are hidden from scan mails']);
    expect(summaries(named(inspectorCalls, 'CreateFilter', 1))).toEqual([]);
    expect(summaries(named(inspectorCalls, 'UpdateFilter'))).toEqual(['the filter\'s criteria change: if it is a suppression filter, the findings it hides change']);
    expect(findDangers(parseApiCall(named(inspectorCalls, 'CreateFilter', 0)))[0].statement).toContain('"ecrImageRepositoryName"');
  });
});
