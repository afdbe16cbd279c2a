import { Env } from '../shared/env';

/** Severities the alert's `severity` attribute may take. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;

/** Configuration, from the environment variables the GuardTamperAlerts construct sets. */
export interface TamperConfig {
  /** TOPIC_ARN */
  readonly topicArn: string;
  /** DEDUP_TABLE */
  readonly tableName: string;
  /** DEDUP_TTL_SECONDS (default 2 days) */
  readonly dedupTtlSeconds: number;
  /**
   * DEPLOYMENT_ROLES: exact role ARNs whose calls are alerted as deployment changes
   * (message attribute `actor` = `deployment`) rather than as anyone's (`actor` = `other`).
   */
  readonly deploymentRoles: readonly string[];
  /** IGNORED_PRINCIPALS: ARNs (with `*` and `?` in the role or user name) whose calls are not alerted. */
  readonly ignoredPrincipals: readonly string[];
  /** SEVERITY (default HIGH) */
  readonly severity: string;
}

const ARN = /^arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:role|user)\/[\w+=,.@\-/*?]+)$/;

/**
 * Why an ignored-principal pattern is refused, or undefined. A wildcard must follow at least one
 * literal character of the same name segment: `role/platform-*` names some roles, `role/*` or
 * `role/aws-reserved/sso.amazonaws.com/*` would silence everyone. Mirrors the construct's check.
 */
export function broadPatternProblem(pattern: string): string | undefined {
  if (!ARN.test(pattern)) return `${JSON.stringify(pattern)} is not an IAM role, user or root ARN`;
  const wildcard = pattern.search(/[*?]/);
  if (wildcard < 0) return undefined;
  const segment = pattern.slice(pattern.lastIndexOf('/', wildcard) + 1, wildcard);
  return segment ? undefined : `${JSON.stringify(pattern)} has a wildcard that matches every name`;
}

/** Reads and validates the configuration; throws a ConfigurationError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TamperConfig {
  const e = new Env(env, 'GuardTamperAlerts');
  const arnList = (variable: string, check: (v: string) => string | undefined, example: string): string[] => (env[variable]
    ? e.json<string[]>(variable,
      (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v.map(check).find((p) => p) : 'not a list of ARNs'),
      `expected a JSON list of principal ARNs, such as ${example}`)
    : []);
  return {
    topicArn: e.topicArn(),
    tableName: e.tableName(),
    dedupTtlSeconds: e.positiveInteger('DEDUP_TTL_SECONDS', 2 * 24 * 3600),
    deploymentRoles: arnList('DEPLOYMENT_ROLES',
      (v) => (/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\-/]+$/.test(v) ? undefined : `${JSON.stringify(v)} is not a role ARN without wildcards`),
      '["arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1"]'),
    ignoredPrincipals: arnList('IGNORED_PRINCIPALS', broadPatternProblem, '["arn:aws:iam::111111111111:role/platform-*"]'),
    severity: e.oneOf('SEVERITY', SEVERITIES, 'HIGH'),
  };
}
