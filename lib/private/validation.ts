import { isIPv4, isIPv6 } from 'net';
import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
 * True for a principal ARN whose name is only wildcards (`arn:aws:iam::111111111111:role/*`,
 * `user/?*`): it matches every role or user of the account, so it exempts the whole account.
 */
export function isWholeAccountWildcard(value: string): boolean {
  const match = /:(?:role|user)\/(.*)$/.exec(value);
  return match !== null && /^[*?/]+$/.test(match[1]);
}

/**
 * Validates exemption principals: each an IAM role, user or root ARN, none a wildcard over a
 * whole account. `*` alone is no ARN and fails the first check.
 */
export function validatePrincipalArns(prop: string, values: readonly string[] | undefined): void {
  validateEach(prop, values, isPrincipalArn, EXPECTED.principalArn);
  validateEach(prop, values, (v) => !isWholeAccountWildcard(v),
    'a role or user name, or a name pattern with a literal part such as "arn:aws:iam::111111111111:role/ci-*": '
    + 'a name made only of wildcards exempts every role or user of the account');
}

/**
 * Validates source CIDR blocks (`isValid` decides the accepted syntax): throws for a block that
 * covers a whole address family, warns for a very broad block and for a block that lies wholly
 * in non-public ranges (it never matches `aws:SourceIp`).
 */
export function validateSourceCidrs(scope: IConstruct, prop: string, values: readonly string[] | undefined,
  isValid: (v: string) => boolean, expected: string): void {
  validateEach(prop, values, isValid, expected);
  validateEach(prop, values, (v) => !isWholeInternetCidr(v),
    `a narrower block: a /0 covers every address of its family, which opens the repository to the whole internet. ${expected}`);
  for (const cidr of values ?? []) {
    if (Token.isUnresolved(cidr) || cidr === '') continue;
    if (isNonPublicCidr(cidr)) {
      Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:privateSourceCidr',
        `${prop} contains ${cidr}, a private or non-public range. aws:SourceIp only carries public addresses, `
        + 'so this exemption never matches: allow traffic from a VPC with VPC endpoint or VPC id exemptions instead.');
    } else if (isBroadCidr(cidr)) {
      Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:broadSourceCidr',
        `${prop} contains ${cidr}, a very broad range (shorter than /${BROAD_PREFIX.ipv4} for IPv4, /${BROAD_PREFIX.ipv6} for IPv6) `
        + 'that admits a large part of the internet: list the public ranges you own instead.');
    }
  }
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

/** An address range: the family, the prefix length and the network address as a number. */
export interface CidrRange {
  readonly family: 'ipv4' | 'ipv6';
  readonly prefix: number;
  /** The network address (host bits cleared). */
  readonly network: bigint;
}

/** The range a CIDR block (or a bare address, read as /32 or /128) covers, or undefined when it is malformed. */
export function cidrRange(value: string): CidrRange | undefined {
  const withPrefix = value.includes('/') ? value : `${value}/${value.includes(':') ? 128 : 32}`;
  if (!isCidr(withPrefix)) return undefined;
  const [address, prefixText] = withPrefix.split('/');
  const family = isIPv4(address) ? 'ipv4' : 'ipv6';
  const bits = family === 'ipv4' ? 32 : 128;
  const prefix = Number(prefixText);
  const hostBits = BigInt(bits - prefix);
  const network = (addressValue(address, family) >> hostBits) << hostBits;
  return { family, prefix, network };
}

/** An address as a number. */
function addressValue(address: string, family: 'ipv4' | 'ipv6'): bigint {
  if (family === 'ipv4') return address.split('.').reduce((n, octet) => (n << 8n) + BigInt(Number(octet)), 0n);
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = addressValue(v4[1], 'ipv4');
    text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array(missing).fill('0'), ...groups(tail)];
  return all.reduce((n, group) => (n << 16n) + BigInt(parseInt(group, 16)), 0n);
}

/**
 * The shortest prefix below which a source range counts as very broad: more than 65,536 IPv4
 * addresses (a /16), or more than a registry's usual IPv6 allocation to one network (a /32). The spoke's parameter
 * patterns reject what the library warns about, as nobody would see a warning there.
 */
export const BROAD_PREFIX = { ipv4: 16, ipv6: 32 } as const;

/** True for a CIDR that covers a whole address family (`0.0.0.0/0`, `::/0`): every address. */
export function isWholeInternetCidr(value: string): boolean {
  return cidrRange(value)?.prefix === 0;
}

/** True for a CIDR broader than {@link BROAD_PREFIX} (such as `10.0.0.0/1`, which covers 8.8.8.8). */
export function isBroadCidr(value: string): boolean {
  const range = cidrRange(value);
  return range !== undefined && range.prefix < BROAD_PREFIX[range.family];
}

/** Non-public ranges: this network, private, shared (CGNAT), loopback, link-local; IPv6 loopback, unique local, link-local. */
const NON_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16],
  ['::1', 128], ['fc00::', 7], ['fe80::', 10],
];

/**
 * True for a CIDR whose whole range lies in a private, loopback, link-local or shared (CGNAT)
 * range: `aws:SourceIp` never carries such an address, so the exemption never matches. A range
 * that reaches beyond (`10.0.0.0/1`) is judged by what it covers, not by its first address.
 */
export function isNonPublicCidr(cidr: string): boolean {
  const range = cidrRange(cidr);
  if (!range) return false;
  return NON_PUBLIC.some(([net, prefix]) => {
    const block = cidrRange(`${net}/${prefix}`)!;
    if (block.family !== range.family || range.prefix < block.prefix) return false;
    const hostBits = BigInt((range.family === 'ipv4' ? 32 : 128) - prefix);
    return (range.network >> hostBits) === (block.network >> hostBits);
  });
}
