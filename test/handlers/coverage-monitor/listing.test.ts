import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client, ListCoverageCommand } from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { listEcrCoverage, listImages, listRepositories } from '../../../handlers/coverage-monitor/listing';
import { createLogger } from '../../../handlers/shared/logger';

const ecr = mockClient(ECRClient);
const inspector = mockClient(Inspector2Client);
const lines: string[] = [];
const log = createLogger({ write: (line) => lines.push(line) });
const open = { exhausted: () => false };
const DIGEST = `sha256:${'d'.repeat(64)}`;
const named = (name: string) => Object.assign(new Error(name), { name });

beforeEach(() => {
  ecr.reset();
  inspector.reset();
  lines.length = 0;
});
afterAll(() => {
  ecr.restore();
  inspector.restore();
});

describe('listEcrCoverage', () => {
  const image = (name: string) => ({
    resourceType: 'AWS_ECR_CONTAINER_IMAGE' as const, resourceId: `arn:aws:ecr:us-east-1:111111111111:repository/${name}/${DIGEST}`,
    accountId: '111111111111', scanType: 'PACKAGE' as const, scanStatus: { statusCode: 'ACTIVE' as const, reason: 'SUCCESSFUL' as const },
  });

  test('skips resources that are not ECR, and names the repository from the metadata or the ARN', async () => {
    inspector.on(ListCoverageCommand).resolves({
      coveredResources: [
        { resourceType: 'AWS_EC2_INSTANCE', resourceId: 'i-0123', accountId: '111111111111', scanType: 'PACKAGE' },
        image('team/app'),
        { ...image('x'), resourceMetadata: { ecrRepository: { name: 'team/real' } } },
      ],
    });
    const { entries, complete } = await listEcrCoverage(new Inspector2Client({}), undefined, 100, open);
    expect(complete).toBe(true);
    expect(entries.map((e) => e.repositoryName)).toEqual(['team/app', 'team/real']);
    expect(inspector.commandCalls(ListCoverageCommand)[0].args[0].input.filterCriteria!.ecrRepositoryName).toBeUndefined();
  });

  test('more than 10 names: Inspector is not filtered by name (its filter takes 10 values)', async () => {
    inspector.on(ListCoverageCommand).resolves({ coveredResources: [] });
    await listEcrCoverage(new Inspector2Client({}), Array.from({ length: 11 }, (_, i) => `r${i}`), 100, open);
    expect(inspector.commandCalls(ListCoverageCommand)[0].args[0].input.filterCriteria!.ecrRepositoryName).toBeUndefined();
  });

  test('stops, incomplete, at maxEntries or when the budget is spent', async () => {
    inspector.on(ListCoverageCommand).resolves({ coveredResources: [image('a'), image('b')], nextToken: 'more' });
    await expect(listEcrCoverage(new Inspector2Client({}), undefined, 3, open)).resolves.toMatchObject({ complete: false, pages: 2 });
    await expect(listEcrCoverage(new Inspector2Client({}), undefined, 100, { exhausted: () => true })).resolves.toMatchObject({ complete: false, pages: 0 });
  });
});

describe('listRepositories', () => {
  test('every repository, paged', async () => {
    ecr.on(DescribeRepositoriesCommand).resolvesOnce({ repositories: [{ repositoryName: 'a' }], nextToken: 't' }).resolves({ repositories: [{ repositoryName: 'b' }] });
    await expect(listRepositories(new ECRClient({}), undefined, log)).resolves.toEqual([{ repositoryName: 'a' }, { repositoryName: 'b' }]);
  });

  test('named repositories 100 a call', async () => {
    ecr.on(DescribeRepositoriesCommand).callsFake((input) => ({ repositories: input.repositoryNames.map((repositoryName: string) => ({ repositoryName })) }));
    const names = Array.from({ length: 150 }, (_, i) => `r${i}`);
    await expect(listRepositories(new ECRClient({}), names, log)).resolves.toHaveLength(150);
    expect(ecr.commandCalls(DescribeRepositoriesCommand).map((c) => c.args[0].input.repositoryNames!.length)).toEqual([100, 50]);
  });

  test('other errors are thrown, in the batch and one by one', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(named('AccessDeniedException'));
    await expect(listRepositories(new ECRClient({}), ['a'], log)).rejects.toThrow('AccessDeniedException');
    ecr.reset();
    ecr.on(DescribeRepositoriesCommand).rejectsOnce(named('RepositoryNotFoundException')).rejects(named('ServerException'));
    await expect(listRepositories(new ECRClient({}), ['a', 'b'], log)).rejects.toThrow('ServerException');
  });
});

describe('listImages', () => {
  test('a page larger than the rest of the budget is cut, and the listing is incomplete', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: '1' }, { imageDigest: '2' }, { imageDigest: '3' }] });
    await expect(listImages(new ECRClient({}), { repositoryName: 'a' }, 2, open)).resolves.toEqual({
      images: [{ imageDigest: '1' }, { imageDigest: '2' }], complete: false,
    });
    await expect(listImages(new ECRClient({}), { repositoryName: 'a' }, 3, open)).resolves.toMatchObject({ complete: true });
  });
});
