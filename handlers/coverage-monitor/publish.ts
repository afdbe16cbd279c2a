import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { errorFields, Logger } from '../shared/logger';
import { buildPublishInput } from '../shared/notification';
import { buildProblemAlert, buildRecoveryAlert, CoverageGroup, ImageLine } from './alert';
import { CoverageConfig } from './config';
import { SCANNING } from './reasons';
import { CoverageState, imageKey, repositoryKey, StateItem, Transition } from './state';

/** What publishing needs. */
export interface PublishDeps {
  readonly sns: SNSClient;
  readonly state: CoverageState;
  readonly log: Logger;
}

/** State writes in flight at once. */
const STATE_CONCURRENCY = 8;

/** Runs `fn` on every item, at most `limit` at a time, in order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Records the change of every image of `group` (or of its repository) and publishes one message
 * for those that did change: the problem alert, or the "scanning again" message when
 * `group.reason` is undefined. Images whose state did not change (alerted before, or alerted just
 * now by a concurrent delivery) are left out; when none changed nothing is published. When
 * publishing fails, the changes are reverted, so the next event or sweep alerts again, and the
 * error is thrown. Returns the number of images (1 for a repository) alerted.
 */
export async function publishChanges(deps: PublishDeps, config: CoverageConfig, group: CoverageGroup): Promise<number> {
  const status = group.reason ?? SCANNING;
  const itemOf = (image?: ImageLine): StateItem => (image
    ? { key: imageKey(group.repositoryName, image.imageDigest), status, repositoryName: group.repositoryName, imageDigest: image.imageDigest }
    : { key: repositoryKey(group.repositoryName), status, repositoryName: group.repositoryName });
  const targets: Array<ImageLine | undefined> = group.scope === 'repository' ? [undefined] : [...group.images];
  const transitions = await mapLimit(targets, STATE_CONCURRENCY, async (image) => ({ image, item: itemOf(image), t: await deps.state.transition(itemOf(image)) }));
  const changed = transitions.filter((x): x is { image: ImageLine | undefined; item: StateItem; t: Transition } => x.t !== undefined);
  if (changed.length === 0) {
    deps.log.info('already alerted: nothing changed', { repositoryName: group.repositoryName, status, images: targets.length });
    return 0;
  }
  const images = changed.flatMap((c) => (c.image ? [{ ...c.image, previousReason: c.image.previousReason ?? c.t.previous?.status }] : []));
  const previousReason = group.previousReason ?? changed[0].t.previous?.status;
  const alerted: CoverageGroup = { ...group, images, previousReason };
  const notification = group.reason ? buildProblemAlert(config, alerted) : buildRecoveryAlert(alerted);
  try {
    const result = await deps.sns.send(new PublishCommand(buildPublishInput(config.topicArn, notification)));
    deps.log.info('coverage alert published', { repositoryName: group.repositoryName, status, images: images.length, messageId: result.MessageId });
    return changed.length;
  } catch (err) {
    deps.log.error('publishing the coverage alert failed: reverting its state, so it is alerted again', { repositoryName: group.repositoryName, status, ...errorFields(err) });
    await mapLimit(changed, STATE_CONCURRENCY, async (c) => {
      try {
        await deps.state.revert(c.item.key, c.t.previous);
      } catch (revertErr) {
        deps.log.error('reverting the state failed: this change will not be alerted again', { key: c.item.key, ...errorFields(revertErr) });
      }
    });
    throw err;
  }
}
