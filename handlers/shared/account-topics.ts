import { ConfigurationError } from './env';

/**
 * The member accounts that have a topic of their own on the hub (`ACCOUNT_TOPIC_ARN_PREFIX` +
 * account id), as `ScanGuardHubStack` sets them with `memberAccountIds`.
 */
export interface AccountTopics {
  readonly arnPrefix: string;
  readonly accounts: ReadonlySet<string>;
}

/** A topic ARN without its name: `arn:<partition>:sns:<region>:<account>:` and the start of a name. */
const TOPIC_ARN_PREFIX = /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,243}$/;

/**
 * Reads ACCOUNT_TOPIC_ARN_PREFIX and ACCOUNT_TOPIC_ACCOUNTS; undefined when neither is set.
 * Throws a ConfigurationError naming the bad variable and `construct`, the one that sets them.
 */
export function readAccountTopics(env: NodeJS.ProcessEnv, construct: string): AccountTopics | undefined {
  const prefix = env.ACCOUNT_TOPIC_ARN_PREFIX;
  const list = env.ACCOUNT_TOPIC_ACCOUNTS;
  if (!prefix && !list) return undefined;
  if (!prefix || !TOPIC_ARN_PREFIX.test(prefix)) {
    throw new ConfigurationError('ACCOUNT_TOPIC_ARN_PREFIX', prefix,
      'expected a topic ARN without the account at its end, such as "arn:aws:sns:us-east-1:111111111111:cdk-ecr-scan-guard-default-", with ACCOUNT_TOPIC_ACCOUNTS',
      construct);
  }
  const accounts = (list ?? '').split(',');
  if (!accounts.every((a) => /^\d{12}$/.test(a))) {
    throw new ConfigurationError('ACCOUNT_TOPIC_ACCOUNTS', list, 'expected comma-separated 12-digit account ids, such as "222222222222,333333333333"', construct);
  }
  return { arnPrefix: prefix, accounts: new Set(accounts) };
}

/**
 * The topic a notification about `account` is published to: the account's own topic when it has
 * one, else the main topic. So a member account only ever receives its own account's mails.
 */
export function topicFor(config: { readonly topicArn: string; readonly accountTopics?: AccountTopics }, account: string): string {
  const own = config.accountTopics;
  return own && own.accounts.has(account) ? `${own.arnPrefix}${account}` : config.topicArn;
}
