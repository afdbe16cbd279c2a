import fc from 'fast-check';
import { buildPublishInput, escapedBytes, MAX_DATA_BYTES, MAX_MESSAGE_BYTES, Notification } from '../../../handlers/shared/notification';

const base: Notification = {
  subject: 'Alert',
  text: 'Line one\nLine two',
  chatTitle: 'Alert',
  chatDescription: '*Alert*',
  data: { repository: 'team/app' },
  attributes: { kind: 'tamper', severity: 'HIGH', repository: 'team/app', account: '111111111111' },
};

/** The bytes SNS counts: the message plus each attribute's name, type and value. */
function publishedBytes(input: ReturnType<typeof buildPublishInput>): number {
  const attributes = Object.entries(input.MessageAttributes ?? {})
    .reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + Buffer.byteLength(v.DataType!) + Buffer.byteLength(v.StringValue ?? ''), 0);
  return Buffer.byteLength(input.Message!) + attributes;
}

/** Characters JSON escapes (each grows to 2 or 6 bytes), and multi-byte ones. */
const ESCAPE_HEAVY = ['"', '\\', '\n', '\t', '\u0001', '\u2028', 'é', '日', '<', 'a'];

/** Text of `bytes` UTF-8 bytes (give or take a character) made of a repeated escape-heavy unit. */
function textOf(unit: string[], bytes: number): string {
  const chunk = unit.join('');
  const times = Math.max(1, Math.ceil(bytes / Buffer.byteLength(chunk)));
  return chunk.repeat(times).slice(0, Math.max(1, bytes));
}

describe('buildPublishInput always terminates under the SNS limit', () => {
  test('the payload that looped forever: 50 KB of quotes and backslashes', () => {
    const blob = '"\\'.repeat(25_000);
    const input = buildPublishInput('arn', { ...base, data: { blob } });
    expect(publishedBytes(input)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    // Escaped twice in the envelope it is too big for three protocols: summarised, text kept.
    expect(JSON.parse(JSON.parse(input.Message!).sqs)).toMatchObject({ truncated: true, kind: 'tamper' });
    expect(JSON.parse(input.Message!).email).toBe(base.text);
  });

  test('a payload just under the escaped bound is kept whole', () => {
    const blob = 'x'.repeat(MAX_DATA_BYTES - 100);
    expect(escapedBytes(JSON.stringify({ blob }))).toBeLessThanOrEqual(MAX_DATA_BYTES);
    const input = buildPublishInput('arn', { ...base, data: { blob } });
    expect(JSON.parse(JSON.parse(input.Message!).lambda)).toEqual({ blob });
  });

  test('huge attribute values do not blow up the summary', () => {
    const input = buildPublishInput('arn', { ...base, data: { blob: '"'.repeat(200_000) }, attributes: { ...base.attributes, repository: 'r'.repeat(300_000) } });
    expect(publishedBytes(input)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  test('property: any escape-heavy payload from 1 byte to 300 KB, in the data, the text or the chat', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom(...ESCAPE_HEAVY), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 300_000 }),
      fc.constantFrom('data', 'text', 'chat', 'all'),
      (unit, bytes, where) => {
        const blob = textOf(unit, bytes);
        const n: Notification = {
          ...base,
          data: where === 'data' || where === 'all' ? { blob } : base.data,
          text: where === 'text' || where === 'all' ? blob : base.text,
          chatDescription: where === 'chat' || where === 'all' ? blob : base.chatDescription,
          chatTitle: where === 'all' ? blob : base.chatTitle,
        };
        const input = buildPublishInput('arn:aws:sns:us-east-1:111111111111:t', n);
        expect(publishedBytes(input)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
        const message = JSON.parse(input.Message!);
        expect(typeof message.default).toBe('string');
        const data = JSON.parse(message.sqs);
        // The payload is kept whole exactly when it fits the escaped bound; else it is the summary.
        if (escapedBytes(JSON.stringify(n.data)) <= MAX_DATA_BYTES) expect(data).toEqual(n.data);
        else expect(data).toMatchObject({ truncated: true });
      },
    ), { numRuns: 60, seed: 14 });
  });
});
