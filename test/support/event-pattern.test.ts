import { matchesEventPattern } from './event-pattern';

describe('the test matcher of event patterns: $or and wildcard', () => {
  const event = { detail: { eventName: 'UpdateFilter', requestParameters: { filterArn: 'arn:aws:inspector2:us-east-1:1:owner/1/filter/a' } } };

  test('$or matches when any alternative does, at any level', () => {
    expect(matchesEventPattern({ detail: { $or: [{ eventName: ['Disable'] }, { requestParameters: { action: [{ exists: false }] } }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { $or: [{ eventName: ['Disable'] }, { requestParameters: { action: ['SUPPRESS'] } }] } }, event)).toBe(false);
    expect(() => matchesEventPattern({ $or: [{ detail: {} }] }, event)).toThrow(/\$or needs a list of at least 2 patterns/);
  });

  test('wildcard: * is any run of characters, other characters are literal', () => {
    const fn = (name: string) => ({ detail: { requestParameters: { functionName: name } } });
    const pattern = { detail: { requestParameters: { functionName: [{ wildcard: '*:function:f.n:*' }] } } };
    expect(matchesEventPattern(pattern, fn('arn:aws:lambda:us-east-1:1:function:f.n:$LATEST'))).toBe(true);
    expect(matchesEventPattern(pattern, fn('arn:aws:lambda:us-east-1:1:function:fxn:1'))).toBe(false);
    expect(matchesEventPattern(pattern, fn('arn:aws:lambda:us-east-1:1:function:f.n'))).toBe(false);
  });
});
