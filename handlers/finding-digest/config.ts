import { AccountTopics, readAccountTopics } from '../shared/account-topics';
import { Env } from '../shared/env';
import type { MailLocale } from '../shared/finding-templates';
import { FindingTrackerConfig, loadTrackerConfig } from '../finding-tracker/config';

/** Configuration of the finding digest: the tracker's, plus where and how to mail. */
export interface FindingDigestConfig extends FindingTrackerConfig {
  /** TOPIC_ARN: the topic to publish to. */
  readonly topicArn: string;
  /** LOCALE: `en` (default) or `ja`. */
  readonly locale: MailLocale;
  /** ACCOUNT_TOPIC_ARN_PREFIX and ACCOUNT_TOPIC_ACCOUNTS: member accounts whose mails go to their own topic. */
  readonly accountTopics?: AccountTopics;
}

/** Reads the configuration; throws a ConfigurationError naming the first bad variable. */
export function loadDigestConfig(env: NodeJS.ProcessEnv = process.env): FindingDigestConfig {
  const e = new Env(env, 'ScanNotifier');
  return {
    ...loadTrackerConfig(env),
    topicArn: e.topicArn(),
    locale: e.oneOf('LOCALE', ['en', 'ja'], 'en') as MailLocale,
    accountTopics: readAccountTopics(env, 'ScanNotifier'),
  };
}
