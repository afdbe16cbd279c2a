/**
 * What in a request weakens the guard, found before anything is shortened: statements of a policy
 * that open access, Deny statements removed or narrowed, images copied to another account, scanning
 * turned down. The alert shows these first, so a backdoor placed after pages of harmless
 * statements is never cut off.
 */
import { ApiCall } from './api-call';

/** One thing in a request that weakens the guard. */
export interface Danger {
  /** One line: what it does. */
  readonly summary: string;
  /** The statement concerned, pretty-printed JSON, when the danger is one statement of a policy. */
  readonly statement?: string;
}

/**
 * The Sids of the guard's deny statements, as `lib/private/guard-statements.ts` writes them (a test
 * keeps the two in step).
 */
export const GUARD_DENY_SIDS = ['DenyInsecureTransport', 'DenyOutsideApprovedNetworks'];

/** Longest statement shown in full; the JSON payload has the whole request. */
const MAX_STATEMENT_CHARS = 2000;
/** At most this many dangers are listed. */
const MAX_DANGERS = 20;

type Json = Record<string, unknown>;

interface CarriedPolicy {
  readonly field: string;
  readonly text: string;
  /** A repository policy (or the policy of repositories a template creates), which should hold the guard. */
  readonly repository: boolean;
}

/** The policies a request carries, and where. */
function policiesOf(call: ApiCall): CarriedPolicy[] {
  const p = call.requestParameters ?? {};
  const found: CarriedPolicy[] = [];
  if (typeof p.policyText === 'string') found.push({ field: 'policyText', text: p.policyText, repository: call.eventName === 'SetRepositoryPolicy' });
  if (typeof p.repositoryPolicy === 'string') found.push({ field: 'repositoryPolicy', text: p.repositoryPolicy, repository: true });
  if (p.attributeName === 'Policy' && typeof p.attributeValue === 'string') found.push({ field: 'attributeValue', text: p.attributeValue, repository: false });
  return found;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The principals a Principal (or NotPrincipal) element names: `*`, ARNs, account ids, services. */
function principalsOf(element: unknown): string[] {
  if (element === '*') return ['*'];
  if (element === null || typeof element !== 'object') return [];
  return Object.values(element as Json).flatMap(list).map(String);
}

/** The account a principal belongs to, when it names one. */
function accountOf(principal: string): string | undefined {
  return /^\d{12}$/.test(principal) ? principal : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

function show(statement: unknown): string {
  const text = JSON.stringify(statement, null, 2);
  return text.length <= MAX_STATEMENT_CHARS ? text : `${text.slice(0, MAX_STATEMENT_CHARS)}\n[... ${text.length - MAX_STATEMENT_CHARS} more characters]`;
}

function conditionNote(statement: Json): string {
  const keys = Object.values((statement.Condition ?? {}) as Json).flatMap((c) => Object.keys((c ?? {}) as Json));
  return keys.length ? ` (conditions on ${[...new Set(keys)].join(', ')})` : ' (no condition)';
}

/** Whether a value of an exemption lets every caller through: `*`, a wildcard account, or a /0 range. */
function exemptsEveryone(value: string): boolean {
  return value === '*' || /^arn:[^:]*:iam::\*/.test(value) || /:(?:role|user)\/\*$/.test(value) || /\/0$/.test(value);
}

function analyseStatement(statement: Json, account: string, where: string): Danger[] {
  const dangers: Danger[] = [];
  const sid = typeof statement.Sid === 'string' ? ` "${statement.Sid}"` : '';
  const add = (summary: string) => dangers.push({ summary: `${where}: ${summary}`, statement: show(statement) });
  if (statement.Effect === 'Allow') {
    if (statement.NotPrincipal !== undefined) add(`Allow${sid} to everyone except the NotPrincipal${conditionNote(statement)}`);
    const principals = principalsOf(statement.Principal);
    if (principals.includes('*')) add(`Allow${sid} to anyone (*)${conditionNote(statement)}`);
    const others = [...new Set(principals.map(accountOf).filter((a): a is string => a !== undefined && a !== account))];
    if (others.length) add(`Allow${sid} to another account (${others.join(', ')})${conditionNote(statement)}`);
  } else if (statement.Effect === 'Deny') {
    if (statement.NotPrincipal !== undefined) add(`Deny${sid} exempts the principals in NotPrincipal`);
    const principals = principalsOf(statement.Principal);
    if (statement.Principal !== undefined && !principals.includes('*')) add(`Deny${sid} applies only to ${principals.join(', ')}, not to everyone`);
    const exemptions = Object.values((statement.Condition ?? {}) as Json)
      .flatMap((c) => Object.entries((c ?? {}) as Json).flatMap(([key, v]) => list(v).map((value) => ({ key, value: String(value) }))))
      .filter(({ value }) => exemptsEveryone(value));
    for (const { key, value } of exemptions) add(`Deny${sid} is lifted for everyone: ${key} ${value}`);
  }
  return dangers;
}

function analysePolicy(policy: CarriedPolicy, account: string): Danger[] {
  let document: Json;
  try {
    document = JSON.parse(policy.text) as Json;
  } catch {
    return [{ summary: `${policy.field}: not valid JSON, shown as sent in the request parameters` }];
  }
  const statements = list(document?.Statement).filter((s): s is Json => s !== null && typeof s === 'object');
  const dangers = statements.flatMap((s) => analyseStatement(s, account, policy.field));
  if (policy.repository) {
    const sids = new Set(statements.map((s) => s.Sid));
    const missing = GUARD_DENY_SIDS.filter((sid) => !sids.has(sid));
    if (missing.length) {
      dangers.unshift({ summary: `${policy.field}: the guard's Deny ${missing.join(' and ')} is not in the new policy (removed, or the repository is not guarded)` });
    }
  }
  return dangers;
}

/** Replication to another account's registry: every pushed image is copied there. */
function replicationDangers(call: ApiCall): Danger[] {
  const rules = list((call.requestParameters?.replicationConfiguration as Json | undefined)?.rules);
  return rules.flatMap((rule) => list((rule as Json)?.destinations))
    .map((d) => d as Json)
    .filter((d) => d && typeof d.registryId === 'string' && d.registryId !== call.account)
    .map((d) => ({ summary: `replicationConfiguration: copies images to account ${String(d.registryId)} (${String(d.region)})` }));
}

/** Registry scanning turned down from enhanced to basic. */
function scanningDangers(call: ApiCall): Danger[] {
  const scanType = call.requestParameters?.scanType;
  return call.eventName === 'PutRegistryScanningConfiguration' && scanType !== undefined && scanType !== 'ENHANCED'
    ? [{ summary: `scanType: ${String(scanType)}, so Amazon Inspector no longer scans the images` }] : [];
}

/** An Inspector filter that suppresses findings. */
function filterDangers(call: ApiCall): Danger[] {
  const p = call.requestParameters ?? {};
  if (!['CreateFilter', 'UpdateFilter'].includes(call.eventName) || p.action === 'NONE') return [];
  return [{
    summary: p.action === 'SUPPRESS' ? 'action: SUPPRESS, so matching findings are hidden from scan mails'
      : 'the filter\'s criteria change: if it is a suppression filter, the findings it hides change',
    statement: show(p.filterCriteria ?? {}),
  }];
}

/** Everything in the request that weakens the guard, in order of danger (policies first). Pure. */
export function findDangers(call: ApiCall): Danger[] {
  const dangers = [
    ...policiesOf(call).flatMap((policy) => analysePolicy(policy, call.account)),
    ...replicationDangers(call),
    ...scanningDangers(call),
    ...filterDangers(call),
  ];
  return dangers.length <= MAX_DANGERS ? dangers
    : [...dangers.slice(0, MAX_DANGERS), { summary: `and ${dangers.length - MAX_DANGERS} more: see the request parameters` }];
}
