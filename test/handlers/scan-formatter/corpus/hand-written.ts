/**
 * Hand-written malformed and hostile events for the scan formatter. Each case says which field
 * the error must name, or that a safe mail must go out (and what it must contain).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SAMPLE_EVENT, scanEvent } from '../support';

/** One event of the corpus. */
export interface CorpusCase {
  readonly name: string;
  readonly event: unknown;
  /** The field the error must name; undefined when a mail must go out. */
  readonly field?: string;
  /** Text the plain-text mail must contain. */
  readonly mailIncludes?: readonly string[];
  /** The ListFindings answer (default: no findings), or 'fail' for an Inspector error. */
  readonly findings?: unknown;
}

export const SAMPLE: any = SAMPLE_EVENT;
const FINDING_SAMPLE: any = JSON.parse(fs.readFileSync(path.join(__dirname, 'inspector2-finding.json'), 'utf8'));
const ARN_PREFIX = 'arn:aws:ecr:us-east-2:123456789012:repository/';

/** The sample event with `detail` fields set (undefined deletes) and top-level fields set. */
export const withDetail = scanEvent;

function counts(c: Record<string, unknown>): any {
  return withDetail({ 'finding-severity-counts': c });
}

function repo(name: string): any {
  return withDetail({ 'repository-name': ARN_PREFIX + name });
}

/** A finding of hostile size and content. */
export function hostileFinding(i: number, textBytes: number): any {
  const junk = `\u0000\u0007\r\n<script>{{x}}</script> é 脆弱性 ${'A'.repeat(textBytes)}`;
  return {
    findingArn: `arn:aws:inspector2:us-east-2:123456789012:finding/${i}`,
    awsAccountId: '123456789012',
    severity: i % 2 ? 'CRITICAL' : 'BOGUS',
    status: 'ACTIVE',
    title: junk,
    inspectorScore: i % 3 ? 9.8 : 'NaN',
    packageVulnerabilityDetails: {
      vulnerabilityId: `CVE-2024-${i}${junk}`,
      vulnerablePackages: Array.from({ length: 20 }, (_, p) => ({ name: `pkg${p}${junk}`, version: junk, fixedInVersion: junk })),
    },
  };
}

const LONG_NAME = `team/${'a'.repeat(295)}`; // 300 characters: over ECR's 256
const MAX_NAME = `${'a'.repeat(60)}/${'b'.repeat(60)}/${'c'.repeat(60)}/${'d'.repeat(73)}`; // 256 characters
const THOUSAND_TAGS = Array.from({ length: 1000 }, (_, i) => `v1.${i}.0-build${i}`);

export const HAND_WRITTEN: readonly CorpusCase[] = [
  // Not an event object at all.
  { name: 'null', event: null, field: 'event' },
  { name: 'undefined', event: undefined, field: 'event' },
  { name: 'a JSON string of the event in place of the object', event: JSON.stringify(SAMPLE), field: 'event' },
  { name: 'a number', event: 42, field: 'event' },
  { name: 'a boolean', event: true, field: 'event' },
  { name: 'an array holding the event', event: [SAMPLE], field: 'event' },
  { name: 'an empty object', event: {}, field: 'source' },
  // Events from other sources and of other types.
  { name: 'an ECR Image Scan event (basic scanning)', event: { ...SAMPLE, 'source': 'aws.ecr', 'detail-type': 'ECR Image Scan' }, field: 'source' },
  { name: 'an Inspector2 Finding event', event: FINDING_SAMPLE, field: 'detail-type' },
  { name: 'an Inspector2 Coverage event', event: { ...SAMPLE, 'detail-type': 'Inspector2 Coverage' }, field: 'detail-type' },
  { name: 'a custom event posing as Inspector', event: { ...SAMPLE, source: 'custom.aws.inspector2' }, field: 'source' },
  { name: 'source with a trailing space', event: { ...SAMPLE, source: 'aws.inspector2 ' }, field: 'source' },
  { name: 'source as an array', event: { ...SAMPLE, source: ['aws.inspector2'] }, field: 'source' },
  // Envelope fields.
  { name: 'account missing', event: withDetail({}, { account: undefined }), field: 'account' },
  { name: 'account as a number', event: withDetail({}, { account: 123456789012 }), field: 'account' },
  { name: 'account with letters', event: withDetail({}, { account: '12345678901a' }), field: 'account' },
  { name: 'region missing', event: withDetail({}, { region: undefined }), field: 'region' },
  { name: 'region in capitals', event: withDetail({}, { region: 'US-EAST-2' }), field: 'region' },
  { name: 'time as a number', event: withDetail({}, { time: 1638554596 }), field: 'time' },
  // detail itself.
  { name: 'detail missing', event: withDetail({}, { detail: undefined }), field: 'detail' },
  { name: 'detail null', event: withDetail({}, { detail: null }), field: 'detail' },
  { name: 'detail as a JSON string', event: withDetail({}, { detail: JSON.stringify(SAMPLE.detail) }), field: 'detail' },
  { name: 'detail as an array', event: withDetail({}, { detail: [SAMPLE.detail] }), field: 'detail' },
  // repository-name.
  { name: 'repository-name missing', event: withDetail({ 'repository-name': undefined }), field: 'detail.repository-name' },
  { name: 'repository-name as a bare name, not an ARN', event: withDetail({ 'repository-name': 'amazon/amazon-ecs-sample' }), field: 'detail.repository-name' },
  { name: 'repository name of 300 characters', event: repo(LONG_NAME), field: 'detail.repository-name' },
  { name: 'repository name in capitals', event: repo('Team/App'), field: 'detail.repository-name' },
  { name: 'repository name with non-ASCII', event: repo('équipe/app'), field: 'detail.repository-name' },
  { name: 'repository name with a line break and a Bcc header', event: repo('team/app\nBcc: attacker@example.com'), field: 'detail.repository-name' },
  { name: 'repository name with control characters', event: repo('team/\u0000app\u001b[31m'), field: 'detail.repository-name' },
  { name: 'repository name with a path traversal', event: repo('team/../../etc/passwd'), field: 'detail.repository-name' },
  { name: 'repository name of one character', event: repo('a'), field: 'detail.repository-name' },
  { name: 'repository-name as a number', event: withDetail({ 'repository-name': 42 }), field: 'detail.repository-name' },
  { name: 'repository ARN of another service', event: withDetail({ 'repository-name': 'arn:aws:s3:::bucket/team/app' }), field: 'detail.repository-name' },
  // image-digest.
  { name: 'image-digest missing', event: withDetail({ 'image-digest': undefined }), field: 'detail.image-digest' },
  { name: 'image-digest as a tag', event: withDetail({ 'image-digest': 'latest' }), field: 'detail.image-digest' },
  { name: 'image-digest with a line break', event: withDetail({ 'image-digest': `${SAMPLE.detail['image-digest']}\nSubject: hi` }), field: 'detail.image-digest' },
  { name: 'image-digest as an object', event: withDetail({ 'image-digest': { sha256: 'x' } }), field: 'detail.image-digest' },
  // image-tags.
  { name: 'image-tags as a string', event: withDetail({ 'image-tags': 'latest' }), field: 'detail.image-tags' },
  { name: 'image-tags of numbers', event: withDetail({ 'image-tags': [1, 2] }), field: 'detail.image-tags' },
  { name: 'image-tags with an empty tag', event: withDetail({ 'image-tags': [''] }), field: 'detail.image-tags' },
  { name: 'image-tags with null', event: withDetail({ 'image-tags': [null] }), field: 'detail.image-tags' },
  { name: 'image-tags as an object', event: withDetail({ 'image-tags': { 0: 'latest' } }), field: 'detail.image-tags' },
  // scan-status.
  { name: 'scan-status missing', event: withDetail({ 'scan-status': undefined }), field: 'detail.scan-status' },
  { name: 'scan-status empty', event: withDetail({ 'scan-status': '' }), field: 'detail.scan-status' },
  { name: 'scan-status as a number', event: withDetail({ 'scan-status': 42 }), field: 'detail.scan-status' },
  // finding-severity-counts.
  { name: 'counts missing', event: withDetail({ 'finding-severity-counts': undefined }), field: 'detail.finding-severity-counts' },
  { name: 'counts as an array', event: counts([7, 61] as any), field: 'detail.finding-severity-counts' },
  { name: 'counts as a JSON string', event: withDetail({ 'finding-severity-counts': '{"CRITICAL":1}' }), field: 'detail.finding-severity-counts' },
  { name: 'negative CRITICAL', event: counts({ CRITICAL: -1, TOTAL: 3 }), field: 'detail.finding-severity-counts.CRITICAL' },
  { name: 'fractional HIGH', event: counts({ HIGH: 1.5 }), field: 'detail.finding-severity-counts.HIGH' },
  { name: 'MEDIUM as a string', event: counts({ MEDIUM: '3' }), field: 'detail.finding-severity-counts.MEDIUM' },
  { name: 'huge TOTAL (1e300)', event: counts({ TOTAL: 1e300 }), field: 'detail.finding-severity-counts.TOTAL' },
  { name: 'TOTAL above the largest safe integer', event: counts({ TOTAL: 2 ** 53 }), field: 'detail.finding-severity-counts.TOTAL' },
  { name: 'CRITICAL NaN', event: counts({ CRITICAL: NaN }), field: 'detail.finding-severity-counts.CRITICAL' },
  { name: 'HIGH Infinity', event: counts({ HIGH: Infinity }), field: 'detail.finding-severity-counts.HIGH' },
  { name: 'a count of null', event: counts({ CRITICAL: null }), field: 'detail.finding-severity-counts.CRITICAL' },
  { name: 'a "__proto__" key from JSON.parse', event: withDetail({ 'finding-severity-counts': JSON.parse('{"__proto__":{"CRITICAL":5}}') }), field: 'detail.finding-severity-counts.__proto__' },
  { name: 'negative zero count with a bad key', event: counts({ 'CRITICAL\n': -0.5 }), field: 'detail.finding-severity-counts.CRITICAL\n' },

  // Legal but hostile: a correct, safe mail.
  { name: '1,000 tags', event: withDetail({ 'image-tags': THOUSAND_TAGS }), mailIncludes: ['v1.0.0-build0', 'and 990 more'] },
  { name: '1,000 tags of 300 characters', event: withDetail({ 'image-tags': THOUSAND_TAGS.map((t) => t.padEnd(300, 'x')) }), mailIncludes: ['and 990 more'] },
  { name: 'a tag of 10,000 characters', event: withDetail({ 'image-tags': ['t'.repeat(10_000)] }), mailIncludes: ['amazon/amazon-ecs-sample'] },
  { name: 'non-ASCII tags (Japanese, emoji, accents)', event: withDetail({ 'image-tags': ['リリース', '🚀', 'café'] }), mailIncludes: ['リリース', '🚀', 'café'] },
  { name: 'tags with control characters and a header injection', event: withDetail({ 'image-tags': ['v1\u0007\r\nBcc: x@example.com', '\u001b[2J'] }), mailIncludes: ['amazon/amazon-ecs-sample'] },
  { name: 'untagged image (empty list)', event: withDetail({ 'image-tags': [] }), mailIncludes: ['untagged'] },
  { name: 'untagged image (no list)', event: withDetail({ 'image-tags': undefined }), mailIncludes: ['untagged'] },
  { name: 'repository name of 256 characters', event: repo(MAX_NAME), mailIncludes: [MAX_NAME] },
  { name: 'deeply namespaced repository name', event: repo(Array.from({ length: 60 }, (_, i) => `n${i}`).join('/')), mailIncludes: ['n59'] },
  { name: 'counts at the largest safe integer', event: counts({ CRITICAL: Number.MAX_SAFE_INTEGER, TOTAL: Number.MAX_SAFE_INTEGER }), mailIncludes: [String(Number.MAX_SAFE_INTEGER)] },
  { name: 'empty counts (no findings)', event: counts({}), mailIncludes: ['no vulnerabilities'] },
  { name: 'all counts zero', event: counts({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, TOTAL: 0 }), mailIncludes: ['no vulnerabilities'] },
  { name: 'TOTAL below CRITICAL + HIGH + MEDIUM', event: counts({ CRITICAL: 5, HIGH: 5, TOTAL: 1 }), mailIncludes: ['CRITICAL:        5', 'TOTAL:           10'] },
  { name: 'unknown and lower severity keys', event: counts({ LOW: 4, INFORMATIONAL: 2, FOO: 9 }), mailIncludes: ['TOTAL:           6'] },
  { name: 'negative zero count', event: counts({ CRITICAL: -0 }), mailIncludes: ['no vulnerabilities'] },
  { name: 'unknown scan-status', event: withDetail({ 'scan-status': 'SCAN_ELIGIBILITY_EXPIRED' }), mailIncludes: ['SCAN_ELIGIBILITY_EXPIRED'] },
  { name: 'scan-status of 10,000 characters with control characters', event: withDetail({ 'scan-status': `\u0000\u001b${'S'.repeat(10_000)}\r\n` }), mailIncludes: ['SSSS'] },
  { name: 'event id missing', event: withDetail({}, { id: undefined }), mailIncludes: ['event unknown'] },
  { name: 'event id of 5,000 characters with control characters', event: withDetail({}, { id: `\u0007${'i'.repeat(5_000)}` }), mailIncludes: ['iiii'] },
  { name: 'time not in ISO 8601', event: withDetail({}, { time: 'Dec 3, 2021, 6:02:30 PM' }), mailIncludes: ['Dec 3, 2021, 6:02:30 PM'] },
  { name: 'repository in another account (delegated administrator)', event: withDetail({ 'repository-name': 'arn:aws:ecr:eu-west-1:210987654321:repository/team/app' }), mailIncludes: ['210987654321', 'eu-west-1'] },
  { name: 'repository in the China partition', event: withDetail({ 'repository-name': 'arn:aws-cn:ecr:cn-north-1:123456789012:repository/team/app' }), mailIncludes: ['console.amazonaws.cn'] },
  { name: 'unknown extra fields everywhere', event: withDetail({ 'extra': { deep: [1, 2, 3] }, 'scan-type': 'X' }, { extra: '\u0000', resources: 'not-a-list' }), mailIncludes: ['amazon/amazon-ecs-sample'] },
  { name: 'template syntax in a tag', event: withDetail({ 'image-tags': ['{{#counts}}{{/counts}}{{{eventId}}}'] }), mailIncludes: ['{{#counts}}{{/counts}}{{{eventId}}}'] },
  // Hostile Inspector answers: the mail still goes out, within the limits.
  { name: '5 findings of 50 KB with control characters', event: SAMPLE, findings: { findings: Array.from({ length: 5 }, (_, i) => hostileFinding(i, 50_000)) }, mailIncludes: ['amazon/amazon-ecs-sample'] },
  { name: 'findings as a string', event: SAMPLE, findings: { findings: 'none' }, mailIncludes: ['could not be fetched'] },
  { name: 'findings with nulls', event: SAMPLE, findings: { findings: [null, { severity: null }] }, mailIncludes: ['amazon/amazon-ecs-sample'] },
  { name: 'Inspector fails', event: SAMPLE, findings: 'fail', mailIncludes: ['could not be fetched'] },
];
