import { Token } from 'aws-cdk-lib';
import { BROAD_PREFIX, isCidr } from '../../private/validation';

/** Prefix of every SSM parameter this library writes. */
export const PARAMETER_PREFIX = '/cdk-ecr-scan-guard';

/** The hub name used when none is given. */
export const DEFAULT_HUB_NAME = 'default';

/** The documented SSM parameter that holds a hub's topic ARN: `/cdk-ecr-scan-guard/<hub-name>/topic-arn`. */
export function topicArnParameterName(hubName: string = DEFAULT_HUB_NAME): string {
  return `${PARAMETER_PREFIX}/${hubName}/topic-arn`;
}

/** A hub name: it becomes one level of an SSM parameter path. */
export const HUB_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** An SSM parameter name (a path of letters, digits, `_`, `.`, `-`), as in `/cdk-ecr-scan-guard/default/topic-arn`. */
export const SSM_PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,2047}$/;

/** An SNS topic ARN (standard topics only: e-mail cannot subscribe to FIFO topics). */
export const TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/**
 * An ECR repository name, as CloudFormation's `AllowedPattern` (Java) and JavaScript both read it.
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
 */
export const REPOSITORY_NAME_PATTERN = '^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$';

/** An e-mail address SNS can subscribe (same rule as `isEmailAddress`): one `@`, no spaces, a dot in the domain. */
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@.]+(?:\\.[^\\s@.]+)+$';

/** An optional VPC endpoint id: empty, or `vpce-` and 8 or 17 hex digits. */
export const OPTIONAL_VPC_ENDPOINT_PATTERN = '^(?:|vpce-[0-9a-f]{8}(?:[0-9a-f]{9})?)$';

/** An alternation of the prefix lengths from `min` to `max`, such as `(?:16|17|...|32)`. */
function prefixLengths(min: number, max: number): string {
  return `(?:${Array.from({ length: max - min + 1 }, (_, i) => max - i).join('|')})`;
}

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/**
 * An optional IPv4 or IPv6 address or CIDR block no broader than `BROAD_PREFIX` (a /16 for
 * IPv4, a /32 for IPv6); empty is allowed. So `0.0.0.0/0`, `::/0` and `10.0.0.0/1` are rejected:
 * whoever deploys the template (a Service Catalog end user) sees no synth-time warning.
 */
export const OPTIONAL_IP_PATTERN = `^(?:|(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}(?:/${prefixLengths(BROAD_PREFIX.ipv4, 32)})?`
  + `|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/${prefixLengths(BROAD_PREFIX.ipv6, 128)})?)$`;

/** An optional VPC id: empty, or `vpc-` and 8 or 17 hex digits. */
export const OPTIONAL_VPC_ID_PATTERN = '^(?:|vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?)$';

/** A principal ARN whose name holds at least one literal character, not only wildcards. */
const PRINCIPAL_ARN_SOURCE = 'arn:aws(?:-[a-z]+)*:iam::\\d{12}:(?:root|(?:role|user)/(?=[\\w+=,.@/*?-]*[\\w+=,.@-])[\\w+=,.@/*?-]+)';

/** An optional principal ARN (`aws:PrincipalArn`, wildcards allowed in the name, never a whole account). */
export const OPTIONAL_PRINCIPAL_ARN_PATTERN = `^(?:|${PRINCIPAL_ARN_SOURCE})$`;

/** An optional principal ARN, or `*` for any principal. */
export const OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN = `^(?:|\\*|${PRINCIPAL_ARN_SOURCE})$`;

/** An SNS topic ARN, as CloudFormation's `AllowedPattern`. */
export const TOPIC_ARN_PATTERN = TOPIC_ARN.source;

/** An AWS Organizations id such as `o-a1b2c3d4e5`. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** An AWS Organizations organizational unit id such as `ou-ab12-cd34ef56`. */
export const ORGANIZATIONAL_UNIT_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

/** A 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** Whether `value` matches a regular expression given as a string (an `AllowedPattern`). */
export function matchesPattern(pattern: string, value: string): boolean {
  return new RegExp(pattern).test(value);
}

/**
 * Throws an error naming `prop` and showing its value when a known value fails `isValid`.
 * Unresolved tokens are skipped: CloudFormation checks them at deploy time.
 */
export function validateValue(prop: string, value: string | undefined, isValid: (v: string) => boolean, expected: string): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!isValid(value)) {
    throw new Error(`${prop} is ${JSON.stringify(value)}: expected ${expected}.`);
  }
}

/** An IPv4 or IPv6 address or CIDR block: IAM reads a bare address as /32 (or /128). */
export function isIpOrCidr(value: string): boolean {
  return isCidr(value.includes('/') ? value : `${value}/${value.includes(':') ? 128 : 32}`);
}
