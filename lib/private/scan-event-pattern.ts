import * as events from 'aws-cdk-lib/aws-events';

/**
 * The `Inspector2 Scan` events of ECR images, and no other. Inspector sends `Inspector2 Scan` for
 * EC2 instances (`detail.instance-id`), Lambda functions and machine images
 * (`detail.machine-image-id`) too; only ECR image scans carry `detail.repository-name` (the
 * repository ARN), so the pattern requires it. Shared by the notifier's rule and the forwarder's.
 *
 * @see https://docs.aws.amazon.com/inspector/latest/user/eventbridge-integration.html
 */
export const ECR_SCAN_EVENT_PATTERN: events.EventPattern = {
  source: ['aws.inspector2'],
  detailType: ['Inspector2 Scan'],
  detail: { 'repository-name': [{ prefix: 'arn:' }] },
};
