/**
 * Bad-input corpus for the scan formatter: hand-written and generated (fast-check) malformed or
 * hostile events. Each one ends in a clear error naming the field, or in a correct, safe mail:
 * never a crash without a message, never a subject SNS rejects, never a message over 256 KB.
 */
import { Inspector2Client, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { loadConfig, processScanEvent } from '../../../../handlers/scan-formatter/index';
import { createLogger } from '../../../../handlers/shared/logger';
import { CorpusCase, HAND_WRITTEN, hostileFinding, SAMPLE, withDetail } from './hand-written';
import { assertClearError, assertSafePublish, SNS_MAX_BYTES, snsBytes } from './safety';

const TOPIC_ARN = 'arn:aws:sns:us-east-2:123456789012:scan-notifications';
const snsMock = mockClient(SNSClient);
const inspectorMock = mockClient(Inspector2Client);
const deps = { sns: new SNSClient({ region: 'us-east-2' }), inspector: new Inspector2Client({ region: 'us-east-2' }), logger: createLogger({ write: () => undefined }) };
const CONFIGS = {
  en: loadConfig({ TOPIC_ARN }),
  ja: loadConfig({ TOPIC_ARN, LOCALE: 'ja' }),
  top100: loadConfig({ TOPIC_ARN, TOP_FINDINGS: '100' }),
};

type Outcome = { published: PublishCommandInput } | { error: unknown } | { skipped: string };

/** Runs one event through the handler's pure function with mocked clients. */
async function run(event: unknown, config = CONFIGS.en, findings: unknown = { findings: [] }): Promise<Outcome> {
  snsMock.reset();
  inspectorMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  if (findings === 'fail') inspectorMock.on(ListFindingsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  else inspectorMock.on(ListFindingsCommand).resolves(findings as any);
  try {
    const result = await processScanEvent(event, config, deps);
    const calls = snsMock.commandCalls(PublishCommand);
    if (!result.published) {
      expect(calls).toHaveLength(0);
      return { skipped: result.skipped ?? '' };
    }
    expect(calls).toHaveLength(1);
    return { published: calls[0].args[0].input };
  } catch (error) {
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    return { error };
  }
}

function emailText(input: PublishCommandInput): string {
  return JSON.parse(input.Message!).email;
}

describe('hand-written corpus', () => {
  test('has at least 60 cases with unique names', () => {
    expect(HAND_WRITTEN.length).toBeGreaterThanOrEqual(60);
    expect(new Set(HAND_WRITTEN.map((c) => c.name)).size).toBe(HAND_WRITTEN.length);
  });

  const errors = HAND_WRITTEN.filter((c) => c.field !== undefined);
  const mails = HAND_WRITTEN.filter((c) => c.field === undefined);

  test.each(errors.map((c) => [c.name, c] as [string, CorpusCase]))('%s: a clear error naming the field', async (_, c) => {
    const outcome = await run(c.event, CONFIGS.en, c.findings);
    expect(outcome).toHaveProperty('error');
    assertClearError((outcome as { error: unknown }).error, c.field);
  });

  test.each(mails.map((c) => [c.name, c] as [string, CorpusCase]))('%s: a correct, safe mail in English and Japanese', async (_, c) => {
    for (const config of [CONFIGS.en, CONFIGS.ja]) {
      const outcome = await run(c.event, config, c.findings);
      if ('error' in outcome) throw outcome.error;
      expect(outcome).toHaveProperty('published');
      const input = (outcome as { published: PublishCommandInput }).published;
      assertSafePublish(input);
      if (config === CONFIGS.en) for (const text of c.mailIncludes ?? []) expect(emailText(input)).toContain(text);
    }
  });
});

describe('size limits', () => {
  test('100 findings of 50 KB each (TOP_FINDINGS 100) still make a message under 256 KB that says it was cut', async () => {
    const findings = { findings: Array.from({ length: 100 }, (_, i) => hostileFinding(i, 50_000)) };
    const outcome = await run(SAMPLE, CONFIGS.top100, findings);
    const input = (outcome as { published: PublishCommandInput }).published;
    assertSafePublish(input);
    expect(snsBytes(input)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    expect(emailText(input)).toMatch(/truncated/);
  });

  test('1,000 tags of 300 characters keep the payload for SQS bounded and the subject short', async () => {
    const tags = Array.from({ length: 1000 }, (_, i) => `t${i}`.padEnd(300, 'x'));
    const input = ((await run(withDetail({ 'image-tags': tags }))) as { published: PublishCommandInput }).published;
    assertSafePublish(input);
    expect(input.Subject!.length).toBeLessThan(100);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated corpus. Seeds are fixed so a failure reproduces; fast-check prints the shrunk event.

const FC = { seed: 20261123, numRuns: 150 };

/** Any string, including control characters, lone surrogates and non-ASCII. */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom('', ' ', '\n', '\u0000', 'é', '脆弱性', '🚀'));
/** Any JSON-ish value, including numbers JSON cannot carry. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  anyText,
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, undefined, true, false, NaN, Infinity, -Infinity, -0, 2 ** 53, 1e300, -1, 0.5),
  fc.array(anyText, { maxLength: 5 }),
  fc.dictionary(anyText, fc.oneof(anyText, fc.integer()), { maxKeys: 5 }),
);

const DETAIL_FIELDS = ['repository-name', 'image-digest', 'image-tags', 'scan-status', 'finding-severity-counts'];
const TOP_FIELDS = ['source', 'detail-type', 'account', 'region', 'time', 'id', 'detail'];

/** Checks the contract for any event: a clear error, a skip, or a safe mail. */
async function contract(event: unknown, config = CONFIGS.en): Promise<Outcome> {
  const outcome = await run(event, config);
  if ('error' in outcome) assertClearError(outcome.error);
  else if ('published' in outcome) assertSafePublish(outcome.published);
  return outcome;
}

describe('generated corpus', () => {
  test('any value in place of the event: a clear error naming "event" or "source"', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.anything(), anyValue, fc.json()), async (event) => {
      const outcome = await contract(event);
      expect(outcome).toHaveProperty('error');
    }), FC);
  });

  test('the sample event with one field replaced by any value: a clear error naming that field, or a safe mail', async () => {
    const mutation = fc.record({ top: fc.boolean(), field: fc.constantFrom(...DETAIL_FIELDS, ...TOP_FIELDS), value: anyValue });
    await fc.assert(fc.asyncProperty(mutation, async ({ top, field, value }) => {
      const isTop = top || !DETAIL_FIELDS.includes(field);
      const event = isTop ? withDetail({}, { [field]: value }) : withDetail({ [field]: value });
      const outcome = await contract(event);
      if ('error' in outcome) {
        const named = (outcome.error as { field: string }).field;
        const target = isTop ? field : `detail.${field}`;
        expect(named === target || named.startsWith(`${target}.`)).toBe(true);
      }
    }), FC);
  });

  test('several fields replaced at once: never a crash, never an unsafe mail', async () => {
    const mutations = fc.array(fc.tuple(fc.constantFrom(...DETAIL_FIELDS), anyValue), { minLength: 2, maxLength: 5 });
    await fc.assert(fc.asyncProperty(mutations, fc.constantFrom(CONFIGS.en, CONFIGS.ja), async (list, config) => {
      await contract(withDetail(Object.fromEntries(list)), config);
    }), FC);
  });

  test('any counts object: non-negative safe integers give a mail with those counts, anything else names the key', async () => {
    const value = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer({ min: -1000, max: -1 }), fc.double({ noInteger: true }), anyValue);
    const countsArb = fc.dictionary(fc.oneof(fc.constantFrom('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'TOTAL'), anyText), value, { maxKeys: 6 });
    await fc.assert(fc.asyncProperty(countsArb, async (counts) => {
      const outcome = await contract(withDetail({ 'finding-severity-counts': counts }));
      const bad = Object.entries(counts).find(([, v]) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0));
      if (bad) {
        expect((outcome as { error: { field: string } }).error.field).toBe(`detail.finding-severity-counts.${bad[0]}`);
      } else {
        const text = emailText((outcome as { published: PublishCommandInput }).published);
        expect(text).toContain(`CRITICAL:        ${(counts as Record<string, number>).CRITICAL ?? 0}`);
      }
    }), FC);
  });

  test('any valid repository name and any tags: a safe mail naming the repository', async () => {
    const segment = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { maxLength: 80 }).filter((s) => s.length > 0);
    const name = fc.array(segment, { minLength: 1, maxLength: 8 }).map((s) => s.join('/')).filter((n) => n.length >= 2 && n.length <= 256);
    const tags = fc.oneof(
      fc.array(anyText.filter((t) => t.length > 0), { maxLength: 20 }),
      fc.integer({ min: 0, max: 1000 }).map((n) => Array.from({ length: n }, (_, i) => `tag-${i}`)),
    );
    await fc.assert(fc.asyncProperty(name, tags, async (repositoryName, imageTags) => {
      const outcome = await contract(withDetail({ 'repository-name': `arn:aws:ecr:us-east-2:123456789012:repository/${repositoryName}`, 'image-tags': imageTags }));
      const input = (outcome as { published: PublishCommandInput }).published;
      expect(emailText(input)).toContain(repositoryName);
      expect(input.Subject!.length).toBeLessThan(100);
      expect(input.MessageAttributes!.repository.StringValue).toBe(repositoryName);
    }), { ...FC, numRuns: 100 });
  });

  // Attributes keep up to 256 characters, so a filter policy on a long repository name matches.
  test('a repository name of 100 to 256 characters is the full `repository` attribute', async () => {
    const name = `team/${'a'.repeat(150)}`;
    const outcome = await run(withDetail({ 'repository-name': `arn:aws:ecr:us-east-2:123456789012:repository/${name}` }));
    expect((outcome as { published: PublishCommandInput }).published.MessageAttributes!.repository.StringValue).toBe(name);
  });

  test('any event serialized to a JSON string: a clear error naming "event"', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.constant(SAMPLE), fc.json().map((j) => JSON.parse(j))), async (event) => {
      const outcome = await contract(JSON.stringify(event));
      expect((outcome as { error: { field: string } }).error.field).toBe('event');
    }), { ...FC, numRuns: 50 });
  });

  test('any Inspector answer: the mail still goes out, safe', async () => {
    const answer = fc.oneof(
      fc.record({ findings: fc.array(fc.oneof(anyValue, fc.integer({ min: 0, max: 20 }).map((i) => hostileFinding(i, i * 500))), { maxLength: 8 }) }),
      anyValue.map((findings) => ({ findings })),
      fc.constant('fail'),
    );
    await fc.assert(fc.asyncProperty(answer, async (findings) => {
      const outcome = await run(SAMPLE, CONFIGS.top100, findings);
      if ('error' in outcome) throw outcome.error;
      assertSafePublish((outcome as { published: PublishCommandInput }).published);
    }), { ...FC, numRuns: 100 });
  });
});

describe('the safety checks reject what SNS or a reader would not take', () => {
  let good: PublishCommandInput | undefined;
  beforeAll(async () => {
    good = ((await run(SAMPLE)) as { published: PublishCommandInput }).published;
    assertSafePublish(good);
  });

  test.each([
    ['a line break in the subject', { Subject: 'a\nb' }, /subject SNS would reject/],
    ['a subject of 100 characters', { Subject: 'x'.repeat(100) }, /subject SNS would reject/],
    ['a non-ASCII subject', { Subject: 'scan é' }, /subject SNS would reject/],
    ['a subject starting with a space', { Subject: ' scan' }, /subject SNS would reject/],
    ['a message over 256 KB', { Message: JSON.stringify({ default: 'x'.repeat(SNS_MAX_BYTES) }) }, /over the SNS limit/],
    ['a message without email text', { Message: JSON.stringify({ default: 'x' }) }, /no string "email"/],
  ])('%s', async (_, change, error) => {
    expect(() => assertSafePublish({ ...good!, ...change })).toThrow(error);
  });

  test('a control character in the e-mail text', () => {
    const message = JSON.parse(good!.Message!);
    message.email += '\u0007';
    expect(() => assertSafePublish({ ...good!, Message: JSON.stringify(message) })).toThrow(/email text has control character U\+0007/);
  });

  test('errors without a field, crashes and non-errors are not clear errors', () => {
    expect(() => assertClearError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toThrow(/crashed/);
    expect(() => assertClearError('boom')).toThrow(/non-Error/);
    expect(() => assertClearError(Object.assign(new Error('Invalid Inspector2 Scan event: something'), { name: 'InvalidScanEventError' }))).toThrow(/names no field/);
  });
});
