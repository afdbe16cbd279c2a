/** Shared pieces of the finding tracker and digest tests: real-shaped events, a captured logger, an SQS fake. */
import * as fs from 'fs';
import * as path from 'path';
import type { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createLogger, Logger } from '../../../handlers/shared/logger';
import { LocalDynamo, startDynalite } from '../../support/dynalite';

/** The AWS documentation sample of an `Inspector2 Finding` event. */
export const FINDING_SAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'inspector2-finding.json'), 'utf8'));

export const DIGEST = 'sha256:36c7b282abd0186e01419f2e58743e1bf635808231049bbc9d77e5a1b2c3d4e5';

/** Changes of a finding event, applied to a copy of the sample. */
export interface FindingChange {
  readonly id?: string;
  readonly time?: string;
  readonly findingId?: string;
  readonly status?: string;
  readonly severity?: string;
  readonly updatedAt?: string;
  readonly firstObservedAt?: string;
  readonly pushedAt?: string;
  readonly lastInUseAt?: string;
  readonly fixedInVersion?: string;
  readonly fixAvailable?: string;
  readonly exploitAvailable?: string;
  readonly epss?: number;
  readonly cve?: string;
  readonly repositoryName?: string;
  readonly digest?: string;
  readonly account?: string;
  readonly eventAccount?: string;
}

/** A real-shaped Finding event: the sample with `change` applied. */
export function findingEvent(change: FindingChange = {}): any {
  const e = JSON.parse(JSON.stringify(FINDING_SAMPLE));
  const d = e.detail;
  const image = d.resources[0].details.awsEcrContainerImage;
  if (change.id) e.id = change.id;
  if (change.time) e.time = change.time;
  if (change.eventAccount) e.account = change.eventAccount;
  if (change.findingId) d.findingArn = `arn:aws:inspector2:us-east-2:123456789012:finding/${change.findingId}`;
  if (change.status) d.status = change.status;
  if (change.severity) d.severity = change.severity;
  if (change.updatedAt) d.updatedAt = change.updatedAt;
  if (change.firstObservedAt) d.firstObservedAt = change.firstObservedAt;
  if (change.fixAvailable) d.fixAvailable = change.fixAvailable;
  if (change.exploitAvailable) d.exploitAvailable = change.exploitAvailable;
  if (change.epss !== undefined) d.epss = { score: change.epss };
  if (change.cve) {
    d.packageVulnerabilityDetails.vulnerabilityId = change.cve;
    d.title = `${change.cve} - libssh2`;
  }
  if (change.fixedInVersion) d.packageVulnerabilityDetails.vulnerablePackages[0].fixedInVersion = change.fixedInVersion;
  if (change.account) d.awsAccountId = change.account;
  image.imageHash = change.digest ?? DIGEST;
  if (change.repositoryName) image.repositoryName = change.repositoryName;
  if (change.pushedAt) image.pushedAt = change.pushedAt;
  if (change.lastInUseAt) image.lastInUseAt = change.lastInUseAt;
  return e;
}

/** A logger whose lines are kept, not printed. */
export function capturedLogger(): { logger: Logger; lines: any[] } {
  const lines: any[] = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
}

/** An SQS client that keeps what it was sent, and can be told to fail. */
export class FakeSqs {
  public readonly sent: { body: any; delaySeconds?: number; queueUrl?: string }[] = [];
  public failNext = 0;
  async send(command: SendMessageCommand): Promise<{ MessageId: string }> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('injected SQS failure'), { name: 'InternalError' });
    }
    this.sent.push({ body: JSON.parse(command.input.MessageBody!), delaySeconds: command.input.DelaySeconds, queueUrl: command.input.QueueUrl });
    return { MessageId: String(this.sent.length) };
  }
}

export const QUEUE_URL = 'https://sqs.us-east-2.amazonaws.com/123456789012/digests';
export const TOPIC_ARN = 'arn:aws:sns:us-east-2:123456789012:scan-notifications';

/** The test clock's start, and an ISO time `minutes` after it. */
export const T0 = Date.parse('2026-12-01T10:00:00Z');
export const iso = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();
/** The sample's image. */
export const IMAGE = { account: '123456789012', repositoryName: 'amazon/amazon-ecs-sample', digest: DIGEST };

/**
 * Starts dynalite for the test file (beforeAll / afterAll) and hands out a fresh state table per
 * test: `db()` is the running instance, `newTable()` creates and names a table.
 */
export function useDynalite(prefix: string): { db: () => LocalDynamo; newTable: () => Promise<string> } {
  let instance: LocalDynamo | undefined;
  let count = 0;
  beforeAll(async () => { instance = await startDynalite(); });
  afterAll(async () => { await instance?.close(); });
  return {
    db: () => instance!,
    newTable: async () => {
      const name = `${prefix}-${++count}`;
      await instance!.createStateTable(name);
      return name;
    },
  };
}
