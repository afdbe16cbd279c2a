import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DedupStore } from './dedup';
import { errorFields, Logger } from './logger';
import { buildPublishInput, Notification } from './notification';

/** What an alert handler needs from the outside world. */
export interface AlertDeps {
  readonly sns: SNSClient;
  readonly dedup: DedupStore;
  readonly log: Logger;
}

/** What became of one alert. */
export type AlertOutcome = 'published' | 'duplicate';

/**
 * Publishes a notification once per `key`, however often the event is delivered: claims the
 * key in the dedup store, publishes, and releases the key again when publishing fails, so the
 * retry (Lambda retries a failed asynchronous invocation) can publish it. Throws when
 * publishing fails.
 */
export async function publishOnce(deps: AlertDeps, topicArn: string, key: string, notification: Notification): Promise<AlertOutcome> {
  if (!(await deps.dedup.claim(key))) {
    deps.log.info('duplicate delivery: already alerted', { key });
    return 'duplicate';
  }
  try {
    const result = await deps.sns.send(new PublishCommand(buildPublishInput(topicArn, notification)));
    deps.log.info('alert published', { key, messageId: result.MessageId, kind: notification.attributes.kind });
    return 'published';
  } catch (err) {
    deps.log.error('publishing the alert failed', { key, ...errorFields(err) });
    try {
      await deps.dedup.release(key);
    } catch (releaseErr) {
      // The retry will then see the key and skip: say so, since that alert is lost.
      deps.log.error('releasing the dedup key failed: a retry will not publish this alert', { key, ...errorFields(releaseErr) });
    }
    throw err;
  }
}
