import { BlockList, isIPv4, isIPv6 } from 'net';
import { Token } from 'aws-cdk-lib';

/**
 * Throws an error that names the prop, shows the value and says what is expected.
 * Unresolved tokens are skipped: they are checked by CloudFormation at deploy time.
 */
export function validateEach(prop: string, values: readonly string[] | undefined, isValid: (v: string) => boolean, expected: string): void {
  (values ?? []).forEach((value, index) => {
    if (Token.isUnresolved(value)) return;
    if (!isValid(value)) {
      throw new Error(`${prop}[${index}] is ${JSON.stringify(value)}: expected ${expected}.`);
    }
  });
}

/** What each validator expects, for error messages. */
export const EXPECTED = {
  vpcEndpointId: 'a VPC endpoint id such as "vpce-0123456789abcdef0"',
  vpcId: 'a VPC id such as "vpc-0123456789abcdef0"',
  cidr: 'an IPv4 or IPv6 CIDR block such as "203.0.113.0/24" or "2001:db8::/32"',
  principalArn: 'an IAM role, user or root ARN such as "arn:aws:iam::111111111111:role/ci-deployer"',
};

const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
const VPC_ID = /^vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
/** Principal ARNs as `aws:PrincipalArn` carries them; `*` and `?` are allowed in the name part. */
const PRINCIPAL_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:root|(?:role|user)\/[\w+=,.@\-/*?]+)$/;

export function isVpcEndpointId(value: string): boolean {
  return VPC_ENDPOINT_ID.test(value);
}

export function isVpcId(value: string): boolean {
  return VPC_ID.test(value);
}

export function isPrincipalArn(value: string): boolean {
  return PRINCIPAL_ARN.test(value);
}

/**
 * A principal ARN whose wildcards cannot match every name: each `*` or `?` follows at least one
 * literal character of the same name segment (`role/platform-*` yes; `role/*`, `role/?*` or
 * `role/aws-reserved/sso.amazonaws.com/*` no).
 */
export function isNarrowPrincipalPattern(value: string): boolean {
  if (!isPrincipalArn(value)) return false;
  const wildcard = value.search(/[*?]/);
  return wildcard < 0 || value.lastIndexOf('/', wildcard) + 1 < wildcard;
}

/** An IPv4 or IPv6 CIDR block such as `203.0.113.0/24` or `2001:db8::/32`. */
export function isCidr(value: string): boolean {
  const parts = value.split('/');
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1])) return false;
  const prefix = Number(parts[1]);
  if (isIPv4(parts[0])) return prefix <= 32;
  if (isIPv6(parts[0])) return prefix <= 128;
  return false;
}

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/**
 * True for a CIDR whose network address lies in a private, loopback, link-local or
 * shared (CGNAT) range. `aws:SourceIp` never carries such an address.
 */
export function isNonPublicCidr(cidr: string): boolean {
  const [address] = cidr.split('/');
  return NON_PUBLIC.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}
