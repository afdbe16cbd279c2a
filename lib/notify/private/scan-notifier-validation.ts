import { Duration, Token } from 'aws-cdk-lib';
import { isEmailAddress } from './email';
import { MAX_REPOSITORY_NAME_LENGTH, MIN_REPOSITORY_NAME_LENGTH } from './environment-size';
import { validateEach } from '../../private/validation';

import { ScanNotifierProps } from '../scan-notifier-props';

/** Largest `topFindings`: a mail listing more is no longer read. */
/** The handler's computed worst case is 29 s (handlers/scan-formatter/timeouts.ts): the timeout may not be shorter than this. */
export const MIN_TIMEOUT = Duration.seconds(30);
export const MAX_TOP_FINDINGS = 50;
export const DEFAULT_TOP_FINDINGS = 5;
export const DEFAULT_RESERVED_CONCURRENCY = 10;
/** EventBridge redelivers within minutes; a day covers those and Lambda's retries with room to spare. */
export const DEFAULT_DEDUP_TTL = Duration.days(1);
/** An unresolved token is counted with these lengths: the least it can be, and the most. */
export const TOKEN_LENGTH_LEAST = { repositoryName: MIN_REPOSITORY_NAME_LENGTH, other: 1 };
export const TOKEN_LENGTH_MOST = { repositoryName: MAX_REPOSITORY_NAME_LENGTH, other: 320 };


export function validateProps(props: ScanNotifierProps): void {
  if (props.topic && props.topicEncryptionKey) {
    throw new Error('topicEncryptionKey is set together with topic: the key applies only to the topic ScanNotifier creates. '
      + 'Encrypt your own topic with its masterKey instead (the function is granted the use of topic.masterKey), or drop topic.');
  }
  if (props.topic?.fifo) {
    throw new Error(`topic is a FIFO topic (${props.topic.node.path}): expected a standard topic. FIFO topics cannot deliver e-mail, `
      + 'and the function publishes to standard topics only.');
  }
  validateEach('emailAddresses', props.emailAddresses, isEmailAddress, 'an e-mail address such as "ops@example.com"');
  (props.emailAddresses ?? []).forEach((address, index, all) => {
    if (!Token.isUnresolved(address) && all.indexOf(address) !== index) {
      throw new Error(`emailAddresses[${index}] is ${JSON.stringify(address)}, which is listed twice: list each address once.`);
    }
  });
  if (props.repositories && props.repositories.length === 0) {
    throw new Error('repositories is []: expected at least one repository. Omit repositories to notify the scans of every repository in the account and region.');
  }
  const top = props.topFindings;
  if (top !== undefined && !Token.isUnresolved(top) && (!Number.isInteger(top) || top < 0 || top > MAX_TOP_FINDINGS)) {
    throw new Error(`topFindings is ${top}: expected an integer from 0 to ${MAX_TOP_FINDINGS} (0 lists no finding and makes no Inspector call).`);
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && !Token.isUnresolved(reserved) && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new Error(`reservedConcurrentExecutions is ${reserved}: expected an integer of at least 1 (0 would throttle every invocation, and every event would go to the dead-letter queue).`);
  }
  const timeout = props.timeout;
  if (timeout && !timeout.isUnresolved() && (timeout.toMilliseconds() < MIN_TIMEOUT.toMilliseconds() || timeout.toMilliseconds() > Duration.minutes(15).toMilliseconds())) {
    throw new Error(`timeout is ${timeout.toHumanString()}: expected 30 seconds to 15 minutes. The handler bounds every AWS call `
      + 'so that an invocation ends within 29 seconds in the worst case; a shorter timeout could cut a publish short.');
  }
  for (const key of ['subject', 'body'] as const) {
    const template = props.templates?.[key];
    if (template !== undefined && !Token.isUnresolved(template) && template.trim() === '') {
      throw new Error(`templates.${key} is ${JSON.stringify(template)}: expected mustache text; omit it to use the built-in template.`);
    }
  }
}
