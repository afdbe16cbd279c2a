import { Arn, ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ScanNotifier } from '../../notify/scan-notifier';

/**
 * Most member accounts one hub gives a topic of their own. Each takes two resources (the topic
 * and its policy), so 150 accounts take 300 of the stack's 500, leaving room for the hub's own
 * resources; the list also rides in the notifier's environment (4 KB, 13 bytes an account).
 */
export const MAX_ACCOUNT_TOPICS = 150;

/** The name of a member account's topic: `cdk-ecr-scan-guard-<hubName>-<account>` (`.` in a hub name becomes `-`). */
export function accountTopicName(hubName: string, accountId: string): string {
  return `${accountTopicNamePrefix(hubName)}${accountId}`;
}

function accountTopicNamePrefix(hubName: string): string {
  return `cdk-ecr-scan-guard-${hubName.replace(/\./g, '-')}-`;
}

/**
 * One topic per member account, which only that account may subscribe to, and the notifier set
 * to publish each member account's scans to its topic alone (`ACCOUNT_TOPIC_ARN_PREFIX`,
 * `ACCOUNT_TOPIC_ACCOUNTS`). The topics are encrypted like the hub topic and TLS-only.
 * Returns the topics by account id.
 */
export function createAccountTopics(scope: Construct, notifier: ScanNotifier, hubName: string, accountIds: string[]): Record<string, sns.ITopic> {
  const stack = Stack.of(scope);
  if (accountIds.length > MAX_ACCOUNT_TOPICS) {
    throw new Error(`memberAccountIds has ${accountIds.length} accounts: one hub gives at most ${MAX_ACCOUNT_TOPICS} accounts a topic of their own `
      + '(two resources each, under the 500-resource stack limit). Split the accounts over several hubs (hubName), one per group of accounts.');
  }
  const unresolved = accountIds.find((a) => Token.isUnresolved(a));
  if (unresolved !== undefined) {
    throw new Error(`memberAccountIds holds a deploy-time value (${unresolved}): each member account gets a topic named for it, so list literal account ids.`);
  }
  const fn = notifier.handler;
  if (!(fn instanceof lambda.Function)) {
    throw new Error('The notifier\'s function is not a lambda.Function, so the hub cannot route member accounts\' scans to their topics.');
  }

  const prefix = accountTopicNamePrefix(hubName);
  const topics: Record<string, sns.ITopic> = {};
  for (const account of accountIds) {
    const topic = new sns.Topic(scope, `AccountTopic${account}`, {
      topicName: accountTopicName(hubName, account),
      displayName: `Scan notifications of account ${account}`,
      enforceSSL: true,
      masterKey: notifier.topic.masterKey,
    });
    if (!notifier.topic.masterKey) {
      // The AWS managed key, as the hub topic has by default.
      (topic.node.defaultChild as sns.CfnTopic).kmsMasterKeyId = 'alias/aws/sns';
    }
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'OwnAccountSubscribes',
      principals: [new iam.AccountPrincipal(account)],
      actions: ['sns:Subscribe'],
      resources: [topic.topicArn],
    }));
    topics[account] = topic;
  }

  const arnPrefix = stack.formatArn({ service: 'sns', resource: prefix, arnFormat: ArnFormat.NO_RESOURCE_NAME });
  // The scan mails and the new-findings mails of a member account both go to its topic alone.
  const publishers = [fn, notifier.newFindings?.digestHandler].filter((f): f is lambda.Function => f instanceof lambda.Function);
  for (const publisher of publishers) {
    publisher.addEnvironment('ACCOUNT_TOPIC_ARN_PREFIX', arnPrefix);
    publisher.addEnvironment('ACCOUNT_TOPIC_ACCOUNTS', accountIds.join(','));
    publisher.addToRolePolicy(new iam.PolicyStatement({
      sid: 'PublishToAccountTopics',
      actions: ['sns:Publish'],
      resources: [`${arnPrefix}*`],
    }));
    Validations.of(publisher.role ?? publisher).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'Partition')}:sns:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:${prefix}*]`,
      reason: 'The member account topics all start with this prefix; up to 150 ARNs listed one by one would exceed the 10 KB limit of the role\'s policy.',
    });
  }
  return topics;
}

/** A value as cdk-nag shows it in a finding: literal, or `<AWS::Name>` for a pseudo parameter. */
function shown(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
}

/** The ARN of a member account's topic on a hub, for the spoke's `HubTopicArn` in that account. */
export function accountTopicArn(partition: string, region: string, hubAccountId: string, hubName: string, accountId: string): string {
  return Arn.format({ partition, service: 'sns', region, account: hubAccountId, resource: accountTopicName(hubName, accountId), arnFormat: ArnFormat.NO_RESOURCE_NAME });
}
