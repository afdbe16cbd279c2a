import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { describeEcrImage, formatBytes } from '../../../handlers/shared/ecr-image';
import { createLogger } from '../../../handlers/shared/logger';

const ecr = mockClient(ECRClient);
const lines: string[] = [];
const log = createLogger({ write: (line) => lines.push(line) });
const DIGEST = `sha256:${'c'.repeat(64)}`;
const ref = { repositoryName: 'team/app', imageDigest: DIGEST };

beforeEach(() => {
  ecr.reset();
  lines.length = 0;
});
afterAll(() => ecr.restore());

describe('describeEcrImage', () => {
  test('push time, size, last pull and tags of the digest asked for', async () => {
    ecr.on(DescribeImagesCommand, { repositoryName: 'team/app', imageIds: [{ imageDigest: DIGEST }] }).resolves({
      imageDetails: [{
        imageDigest: DIGEST, imageTags: ['v1'], imageSizeInBytes: 1234,
        imagePushedAt: new Date('2026-11-30T10:00:00Z'), lastRecordedPullTime: new Date('2026-12-01T00:00:00Z'),
      }],
    });
    await expect(describeEcrImage(new ECRClient({}), ref, log)).resolves.toEqual({
      pushedAt: new Date('2026-11-30T10:00:00Z'), sizeBytes: 1234, lastPulledAt: new Date('2026-12-01T00:00:00Z'), tags: ['v1'],
    });
    expect(lines).toEqual([]);
  });

  test('an image never pulled and untagged', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST, imagePushedAt: new Date(0) }] });
    await expect(describeEcrImage(new ECRClient({}), ref, log)).resolves.toEqual({ pushedAt: new Date(0), sizeBytes: undefined, lastPulledAt: undefined, tags: [] });
  });

  test('no such image: undefined, with a log line', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    await expect(describeEcrImage(new ECRClient({}), ref, log)).resolves.toBeUndefined();
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'INFO', imageDigest: DIGEST });
  });

  test('a failed call degrades quietly: undefined, with a warning naming the error', async () => {
    ecr.on(DescribeImagesCommand).rejects(Object.assign(new Error('User is not authorized to perform: ecr:DescribeImages'), { name: 'AccessDeniedException' }));
    await expect(describeEcrImage(new ECRClient({}), ref, log)).resolves.toBeUndefined();
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'WARN', errorName: 'AccessDeniedException', repositoryName: 'team/app' });
  });

  test('a call slower than the timeout is abandoned', async () => {
    const started = Date.now();
    // A send that ends only when its abort signal fires, as a real client's request does.
    const send = jest.spyOn(ECRClient.prototype, 'send').mockImplementation((async (_cmd: unknown, options: { abortSignal: AbortSignal }) => {
      await new Promise((_, reject) => options.abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
    }) as any);
    await expect(describeEcrImage(new ECRClient({}), ref, log, 50)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'WARN', errorName: 'AbortError' });
    send.mockRestore();
  });
});

test('formatBytes', () => {
  expect(formatBytes(undefined)).toBeUndefined();
  expect(formatBytes(-1)).toBeUndefined();
  expect(formatBytes(999)).toBe('999 B');
  expect(formatBytes(45_600_000)).toBe('45.6 MB');
  expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
});
