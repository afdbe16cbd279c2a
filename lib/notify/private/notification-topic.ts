import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * The notification topic a construct creates when none is given: TLS-only publishing, encrypted
 * with `key`, or with the AWS managed key `alias/aws/sns` when no key is given.
 */
export function createNotificationTopic(scope: Construct, key?: kms.IKey): sns.Topic {
  const topic = new sns.Topic(scope, 'Topic', { enforceSSL: true, masterKey: key });
  if (!key) {
    // The AWS managed key in the form the SNS documentation gives; a principal of this account
    // needs no key permission to publish with it.
    (topic.node.defaultChild as sns.CfnTopic).kmsMasterKeyId = 'alias/aws/sns';
  }
  return topic;
}
