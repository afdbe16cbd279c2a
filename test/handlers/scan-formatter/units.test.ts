import { ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { createLogger, errorFields } from '../../../handlers/shared/logger';
import { fillCounts, mayHaveFindingAtOrAbove, worstSeverity } from '../../../handlers/scan-formatter/counts';
import { parseScanEvent } from '../../../handlers/scan-formatter/event';
import { lookUpFindings } from '../../../handlers/scan-formatter/findings';
import { shortenImage } from '../../../handlers/scan-formatter/render';
import { consoleLinks, shortDigest } from '../../../handlers/scan-formatter/view';
import { scanEvent } from './support';

describe('counts', () => {
  test('LOW, INFORMATIONAL or UNTRIAGED keys, should an event carry them, count below MEDIUM', () => {
    expect(fillCounts({ HIGH: 1, LOW: 2, UNTRIAGED: 1 })).toMatchObject({ total: 4, belowMedium: 3, totalReported: false });
  });

  test('worst severity', () => {
    expect(worstSeverity(fillCounts({ MEDIUM: 1, TOTAL: 5 }))).toBe('MEDIUM');
    expect(worstSeverity(fillCounts({ TOTAL: 5 }))).toBe('LOW');
    expect(worstSeverity(fillCounts({}))).toBe('NONE');
  });

  test.each([
    ['INFORMATIONAL', { TOTAL: 1 }, true],
    ['INFORMATIONAL', { TOTAL: 0 }, false],
    ['MEDIUM', { CRITICAL: 1 }, true],
    ['HIGH', { CRITICAL: 1 }, true],
  ] as const)('may have a finding at or above %s with %j: %s', (min, raw, expected) => {
    expect(mayHaveFindingAtOrAbove(fillCounts(raw), min)).toBe(expected);
  });
});

describe('findings', () => {
  const query = { account: '123456789012', repositoryName: 'team/app', digest: 'sha256:' + 'a'.repeat(64) };

  test('a lookup that outlasts its budget fails with Timeout, even when the request ignores the abort signal', async () => {
    const client = { send: jest.fn(() => new Promise<never>(() => undefined)) };
    const started = Date.now();
    const result = await lookUpFindings(client, query, { limit: 5, budgetMs: 50 });
    expect(result).toEqual({ status: 'failed', findings: [], ended: false, pages: 0, error: 'Timeout', errorMessage: 'no answer within 50 ms' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('passes an abort signal to the SDK', async () => {
    const client = { send: jest.fn(async (_c: ListFindingsCommand, _o?: { abortSignal?: AbortSignal }) => ({ findings: [], $metadata: {} })) };
    await lookUpFindings(client, query, { limit: 5, budgetMs: 1_000 });
    expect(client.send.mock.calls[0][1]?.abortSignal).toBeInstanceOf(AbortSignal);
  });
});

describe('subject and links', () => {
  test('shortenImage keeps the end of the repository and the tag', () => {
    expect(shortenImage('team/app', ':v1', 50)).toBe('team/app:v1');
    expect(shortenImage('x'.repeat(40) + '/service', ':v1', 20)).toBe('...xxxxxx/service:v1');
    expect(shortenImage('r'.repeat(200), ':' + 't'.repeat(100), 60)).toBe('...' + 'r'.repeat(27) + ':' + 't'.repeat(26) + '...');
    expect(shortDigest('sha256:' + 'f'.repeat(64))).toBe('sha256:ffffffffffff');
  });

  test.each([
    ['aws-cn', 'cn-north-1', 'https://cn-north-1.console.amazonaws.cn/ecr/repositories/private/123456789012/team/app/_/image/'],
    ['aws-us-gov', 'us-gov-west-1', 'https://console.amazonaws-us-gov.com/ecr/repositories/private/123456789012/team/app/_/image/'],
  ])('console links in the %s partition', (partition, region, ecr) => {
    const scan = parseScanEvent(scanEvent({ 'repository-name': `arn:${partition}:ecr:${region}:123456789012:repository/team/app` }));
    const links = consoleLinks(scan);
    expect(links.ecr.startsWith(ecr)).toBe(true);
    expect(links.ecr.endsWith(`/details?region=${region}`)).toBe(true);
    expect(links.inspector).toContain(`/inspector/v2/home?region=${region}#/findings/container-image/arn%3A${partition}%3Aecr`);
  });
});

describe('logger', () => {
  test('writes one JSON object per line, with child fields, above the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', fields: { handler: 'h' }, write: (l) => lines.push(l) }).child({ eventId: 'e' });
    log.debug('hidden');
    log.warn('careful', { n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({ time: expect.any(String), level: 'WARN', message: 'careful', handler: 'h', eventId: 'e', n: 1 });
  });

  test('errorFields takes the name, message, HTTP status and request id of SDK errors', () => {
    const err = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429, requestId: 'r-1' } });
    expect(errorFields(err)).toEqual({ errorName: 'ThrottlingException', errorMessage: 'Rate exceeded', httpStatusCode: 429, requestId: 'r-1' });
    expect(errorFields('boom')).toEqual({ errorName: 'NonError', errorMessage: 'boom' });
  });
});
