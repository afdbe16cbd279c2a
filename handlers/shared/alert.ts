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

/** How {@link runOnce} treats a dedup store that fails. */
export interface RunOnceOptions {
  /**
   * When claiming the key fails (the store throttles or is down), log a warning and do the work
   * anyway, instead of throwing. Trades a possible duplicate for never losing the work to a
   * dedup outage. @default false: the error is thrown, and the caller's retries take over
   */
  readonly failOpen?: boolean;
  /** The log message of a duplicate delivery. @default 'duplicate delivery: already done' */
  readonly duplicateMessage?: string;
}

/** The result of {@link runOnce}: `duplicate` when the key was claimed before, else what the work returned. */
export type RunOnceResult<T> = { readonly duplicate: true } | { readonly duplicate: false; readonly value: T };

/**
 * Does `work` once per `key`, however often the event is delivered: claims the key in the dedup
 * store, does the work, and releases the key again when the work fails, so the retry (Lambda
 * retries a failed asynchronous invocation) can do it. Throws what the work throws.
 *
 * With `failOpen`, a claim that fails leaves it unknown whether the key was recorded (a timeout
 * may come after the write), so a failed work still releases the key: otherwise the retry could
 * find the key and skip, and the work would be lost.
 */
export async function runOnce<T>(deps: { readonly dedup: DedupStore; readonly log: Logger }, key: string, work: () => Promise<T>,
  options: RunOnceOptions = {}): Promise<RunOnceResult<T>> {
  let claimed: boolean | undefined;
  try {
    claimed = await deps.dedup.claim(key);
  } catch (err) {
    if (!options.failOpen) throw err;
    deps.log.warn('the dedup table failed: going on without deduplication, so this may be a duplicate', { key, ...errorFields(err) });
  }
  if (claimed === false) {
    deps.log.info(options.duplicateMessage ?? 'duplicate delivery: already done', { key });
    return { duplicate: true };
  }
  try {
    return { duplicate: false, value: await work() };
  } catch (err) {
    try {
      await deps.dedup.release(key);
    } catch (releaseErr) {
      // The retry will then see the key and skip: say so, since that work is lost.
      deps.log.error('releasing the dedup key failed: a retry will not publish this alert', { key, ...errorFields(releaseErr) });
    }
    throw err;
  }
}

/** Options of {@link publishOnce}. */
export interface PublishOnceOptions {
  /**
   * Publish even when the dedup table fails (throttled, unreachable, deleted), with a warning in
   * the log: a possible duplicate rather than an alert lost. @default false: the error is thrown
   */
  readonly failOpen?: boolean;
  /** The log message of a duplicate delivery. @default 'duplicate delivery: already alerted' */
  readonly duplicateMessage?: string;
}

/**
 * Publishes a notification (or the one a function builds, called only when the key is new)
 * once per `key`, however often the event is delivered (see `runOnce`). Throws when publishing
 * fails; when the dedup store fails, throws too unless `failOpen` (then Lambda retries, and the
 * dead-letter queue keeps the event).
 */
export async function publishOnce(deps: AlertDeps, topicArn: string, key: string,
  notification: Notification | (() => Promise<Notification>), options: PublishOnceOptions = {}): Promise<AlertOutcome> {
  const outcome = await runOnce(deps, key, async () => {
    // Built only once the key is claimed, so a duplicate costs no lookups.
    const n = typeof notification === 'function' ? await notification() : notification;
    try {
      const result = await deps.sns.send(new PublishCommand(buildPublishInput(topicArn, n)));
      deps.log.info('alert published', { key, messageId: result.MessageId, kind: n.attributes.kind });
    } catch (err) {
      deps.log.error('publishing the alert failed', { key, ...errorFields(err) });
      throw err;
    }
  }, { duplicateMessage: 'duplicate delivery: already alerted', ...options });
  return outcome.duplicate ? 'duplicate' : 'published';
}
