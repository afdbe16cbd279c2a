import { buildPublishInput, MAX_MESSAGE_BYTES, Notification, safeSubject, stripControl, truncate } from '../../../handlers/shared/notification';

const base: Notification = {
  subject: 'Scan of team/app:v1',
  text: 'Line one\nLine two',
  chatTitle: 'Scan complete',
  chatDescription: '*CRITICAL* 1',
  data: { repository: 'team/app', counts: { CRITICAL: 1 } },
  attributes: { kind: 'scan', severity: 'CRITICAL', repository: 'team/app', account: '111111111111' },
};

describe('safeSubject', () => {
  test('keeps printable ASCII as it is', () => {
    expect(safeSubject('[Inspector] team/app:v1 CRITICAL 7')).toBe('[Inspector] team/app:v1 CRITICAL 7');
  });
  test('removes line breaks and control characters', () => {
    expect(safeSubject('a\r\nb\tc\u0007d')).toBe('a b c?d');
  });
  test('drops accents and replaces other non-ASCII characters', () => {
    expect(safeSubject('café スキャン')).toBe('cafe ????');
  });
  test('stays under 100 characters with an ellipsis', () => {
    const subject = safeSubject('x'.repeat(300));
    expect(subject).toHaveLength(99);
    expect(subject.endsWith('...')).toBe(true);
  });
  test('never returns an empty subject', () => {
    expect(safeSubject(' \n ')).toBe('Notification');
  });
});

describe('stripControl and truncate', () => {
  test('stripControl keeps tabs and newlines only', () => {
    expect(stripControl('a\u0000b\u001bc\td\ne\u009f')).toBe('abc\td\ne');
  });
  test('truncate says that it cut the text', () => {
    const cut = truncate('y'.repeat(1000), 200);
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut).toContain('truncated');
    expect(truncate('short', 200)).toBe('short');
  });
});

describe('buildPublishInput', () => {
  const input = buildPublishInput('arn:aws:sns:us-east-1:111111111111:t', base);
  const message = JSON.parse(input.Message!);

  test('sends one message per protocol', () => {
    expect(input.MessageStructure).toBe('json');
    expect(message.default).toBe(base.text);
    expect(message.email).toBe(base.text);
    expect(JSON.parse(message.sqs)).toEqual(base.data);
    expect(JSON.parse(message.lambda)).toEqual(base.data);
    expect(JSON.parse(message['email-json'])).toEqual(base.data);
  });

  test('AWS Chatbot gets a custom notification', () => {
    expect(JSON.parse(message.https)).toEqual({
      version: '1.0',
      source: 'custom',
      content: { textType: 'client-markdown', title: 'Scan complete', description: '*CRITICAL* 1' },
      metadata: { enableCustomActions: false },
    });
  });

  test('sets the filterable attributes on every protocol', () => {
    expect(input.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'scan' },
      severity: { DataType: 'String', StringValue: 'CRITICAL' },
      repository: { DataType: 'String', StringValue: 'team/app' },
      account: { DataType: 'String', StringValue: '111111111111' },
    });
  });

  test('an empty attribute becomes "unknown", since SNS rejects empty values', () => {
    const i = buildPublishInput('arn', { ...base, attributes: { ...base.attributes, repository: '' } });
    expect(i.MessageAttributes!.repository.StringValue).toBe('unknown');
  });

  test('a huge text is truncated under the SNS limit, with a note', () => {
    const i = buildPublishInput('arn', { ...base, text: 'z'.repeat(600_000), chatDescription: 'c'.repeat(300_000) });
    expect(Buffer.byteLength(i.Message!)).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(JSON.parse(i.Message!).email).toContain('truncated');
  });

  test('text made of control characters cannot blow the limit through JSON escaping', () => {
    const i = buildPublishInput('arn', { ...base, text: '\u0001'.repeat(300_000) + 'end' });
    expect(JSON.parse(i.Message!).email).toBe('end');
  });

  test('an oversized machine payload is summarised', () => {
    const i = buildPublishInput('arn', { ...base, data: { blob: 'q'.repeat(100_000) } });
    expect(JSON.parse(JSON.parse(i.Message!).sqs)).toMatchObject({ truncated: true, repository: 'team/app' });
  });
});

describe('message attributes', () => {
  test('a 256-character repository name is kept whole, so filter policies on it match', () => {
    const name = `team/${'r'.repeat(251)}`;
    const i = buildPublishInput('arn', { ...base, attributes: { ...base.attributes, repository: name } });
    expect(i.MessageAttributes!.repository.StringValue).toBe(name);
  });
  test('control characters and line breaks are removed from attribute values', () => {
    const i = buildPublishInput('arn', { ...base, attributes: { ...base.attributes, repository: 'team/\u0007app\n' } });
    expect(i.MessageAttributes!.repository.StringValue).toBe('team/app');
  });
  test('urgency attributes: exploitable and fixable as String, epss as Number, at most 10 in all (raw SQS delivery)', () => {
    const i = buildPublishInput('arn', { ...base, attributes: { ...base.attributes, exploitable: 'YES', fixable: 'PARTIAL', epss: 0.94418 } });
    expect(i.MessageAttributes).toMatchObject({
      exploitable: { DataType: 'String', StringValue: 'YES' },
      fixable: { DataType: 'String', StringValue: 'PARTIAL' },
      epss: { DataType: 'Number', StringValue: '0.94418' },
    });
    expect(Object.keys(i.MessageAttributes!).length).toBeLessThanOrEqual(10);
  });
  test('urgency attributes left out when not set, and a non-finite EPSS is left out', () => {
    expect(Object.keys(buildPublishInput('arn', base).MessageAttributes!)).toEqual(['kind', 'severity', 'repository', 'account']);
    const i = buildPublishInput('arn', { ...base, attributes: { ...base.attributes, epss: NaN } });
    expect(i.MessageAttributes!.epss).toBeUndefined();
  });
});
