import { readAccountTopics, topicFor } from '../../../handlers/shared/account-topics';

const PREFIX = 'arn:aws:sns:us-east-1:111111111111:cdk-ecr-scan-guard-default-';
const MAIN = 'arn:aws:sns:us-east-1:111111111111:hub';

describe('account topics', () => {
  test('a listed member account gets its own topic; every other account the main topic', () => {
    const accountTopics = readAccountTopics({ ACCOUNT_TOPIC_ARN_PREFIX: PREFIX, ACCOUNT_TOPIC_ACCOUNTS: '222222222222,333333333333' }, 'ScanNotifier');
    expect(topicFor({ topicArn: MAIN, accountTopics }, '333333333333')).toBe(`${PREFIX}333333333333`);
    expect(topicFor({ topicArn: MAIN, accountTopics }, '444444444444')).toBe(MAIN);
    expect(topicFor({ topicArn: MAIN }, '222222222222')).toBe(MAIN);
  });

  test('neither variable set means no account topics', () => {
    expect(readAccountTopics({}, 'ScanNotifier')).toBeUndefined();
  });

  test.each([
    [{ ACCOUNT_TOPIC_ACCOUNTS: '222222222222' }, /ACCOUNT_TOPIC_ARN_PREFIX is not set; expected a topic ARN without the account/],
    [{ ACCOUNT_TOPIC_ARN_PREFIX: 'not-an-arn', ACCOUNT_TOPIC_ACCOUNTS: '222222222222' }, /ACCOUNT_TOPIC_ARN_PREFIX is "not-an-arn"/],
    [{ ACCOUNT_TOPIC_ARN_PREFIX: PREFIX, ACCOUNT_TOPIC_ACCOUNTS: '2222,x' }, /ACCOUNT_TOPIC_ACCOUNTS is "2222,x"; expected comma-separated 12-digit account ids.*ScanNotifier construct sets it/],
  ])('%j is a configuration error naming the variable', (env, message) => {
    expect(() => readAccountTopics(env, 'ScanNotifier')).toThrow(message);
  });
});
