import { Inspector2Client, ListFindingAggregationsCommand, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { ecrImageOf, EXPLOITABLE_LIMIT, linkImage, linkImages, MAX_LINKED_IMAGES } from '../../../handlers/runtime-threat/image-link';
import { finding } from '../scan-formatter/support';
import { aggregation, answerInspector, PAYMENTS_DIGEST } from './support';

const inspector = mockClient(Inspector2Client);
const client = new Inspector2Client({ region: 'us-west-2' });
const IMAGE = '111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api:v1.4.2';
const options = { region: 'us-west-2', topFindings: 3, budgetMs: 2000 };
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

beforeEach(() => answerInspector(inspector));

describe('ecrImageOf', () => {
  test.each([
    [IMAGE, { account: '111111111111', region: 'us-west-2', repositoryName: 'payments/api', tag: 'v1.4.2', digest: undefined }],
    [`111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn/app@${PAYMENTS_DIGEST}`, { account: '111111111111', region: 'cn-north-1', repositoryName: 'app', digest: PAYMENTS_DIGEST }],
    ['111111111111.dkr.ecr-fips.us-east-1.amazonaws.com/app', { account: '111111111111', region: 'us-east-1', repositoryName: 'app' }],
  ])('%s is an ECR image', (image, expected) => expect(ecrImageOf(image)).toMatchObject(expected));

  test.each([
    ['nginx:1.27', /not in a private ECR registry \(docker.io\)/],
    ['public.ecr.aws/appmesh/aws-appmesh-envoy:v1', /not in a private ECR registry \(public.ecr.aws\)/],
    ['111111111111.dkr.ecr.us-west-2.amazonaws.com.evil.example/app:1', /not in a private ECR registry/],
    ['Bad Image', /not a valid image reference/],
  ])('%s is not', (image, reason) => expect(ecrImageOf(image)).toMatch(reason));
});

describe('linkImage', () => {
  test('by tag: counts from the aggregation, then the worst and the exploitable findings of the digest it names', async () => {
    const link = await linkImage(client, IMAGE, options);
    expect(link).toMatchObject({
      status: 'linked',
      repository: 'payments/api',
      digest: PAYMENTS_DIGEST,
      counts: { total: 41, critical: 3, high: 9, medium: 17 },
      exploitable: { total: 3, more: false, bySeverity: [{ severity: 'CRITICAL', count: 2 }, { severity: 'HIGH', count: 1 }] },
    });
    expect(link.note).toMatch(/the tag v1.4.2 points to sha256:4f1c2a9e8b7d... now; the pod may have pulled an earlier image/);
    expect(link.worst.map((f) => f.id)).toEqual(['CVE-2024-3094', 'CVE-2023-44487', 'CVE-2024-6387']);
    expect(link.worstExploitable.map((f) => f.id)).toEqual(['CVE-2024-3094', 'CVE-2023-44487', 'CVE-2023-4911']);
    const aggregate = inspector.commandCalls(ListFindingAggregationsCommand)[0].args[0].input;
    expect(aggregate).toEqual({
      aggregationType: 'AWS_ECR_CONTAINER',
      accountIds: [{ comparison: 'EQUALS', value: '111111111111' }],
      aggregationRequest: { awsEcrContainerAggregation: { repositories: [{ comparison: 'EQUALS', value: 'payments/api' }], imageTags: [{ comparison: 'EQUALS', value: 'v1.4.2' }] } },
    });
    const lists = inspector.commandCalls(ListFindingsCommand).map((c) => c.args[0].input);
    expect(lists).toHaveLength(2);
    for (const input of lists) {
      expect(input.filterCriteria).toMatchObject({ ecrImageHash: [{ comparison: 'EQUALS', value: PAYMENTS_DIGEST }], findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }] });
    }
    expect(lists.map((i) => i.filterCriteria?.exploitAvailable)).toContainEqual([{ comparison: 'EQUALS', value: 'YES' }]);
    expect(lists.map((i) => i.maxResults).sort()).toEqual([3, EXPLOITABLE_LIMIT]);
  });

  test('by digest: the aggregation is filtered by the digest, and the note makes no tag caveat', async () => {
    const link = await linkImage(client, `111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api@${PAYMENTS_DIGEST}`, options);
    expect(link.status).toBe('linked');
    expect(link.note).toBe('Inspector findings of the image.');
    expect(inspector.commandCalls(ListFindingAggregationsCommand)[0].args[0].input.aggregationRequest?.awsEcrContainerAggregation)
      .toEqual({ repositories: [{ comparison: 'EQUALS', value: 'payments/api' }], imageShas: [{ comparison: 'EQUALS', value: PAYMENTS_DIGEST }] });
  });

  test('an untagged reference is looked up as latest', async () => {
    await linkImage(client, '111111111111.dkr.ecr.us-west-2.amazonaws.com/payments/api', options);
    expect(inspector.commandCalls(ListFindingAggregationsCommand)[0].args[0].input.aggregationRequest?.awsEcrContainerAggregation?.imageTags)
      .toEqual([{ comparison: 'EQUALS', value: 'latest' }]);
  });

  test('reads past an empty aggregation page that has a nextToken', async () => {
    inspector.on(ListFindingAggregationsCommand).resolvesOnce({ aggregationType: 'AWS_ECR_CONTAINER', responses: [], nextToken: 't1' }).resolves(aggregation());
    const link = await linkImage(client, IMAGE, options);
    expect(link.status).toBe('linked');
    const calls = inspector.commandCalls(ListFindingAggregationsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.nextToken).toBe('t1');
  });

  test('no row: Inspector knows no findings of the image, and nothing else is asked', async () => {
    inspector.on(ListFindingAggregationsCommand).resolves({ aggregationType: 'AWS_ECR_CONTAINER', responses: [] });
    const link = await linkImage(client, IMAGE, options);
    expect(link).toMatchObject({ status: 'no-findings', note: expect.stringMatching(/knows no active findings of the tag v1.4.2/) });
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
  });

  test('gives up after a few pages of nothing', async () => {
    inspector.on(ListFindingAggregationsCommand).resolves({ aggregationType: 'AWS_ECR_CONTAINER', responses: [], nextToken: 'more' });
    expect((await linkImage(client, IMAGE, options)).status).toBe('no-findings');
    expect(inspector.commandCalls(ListFindingAggregationsCommand)).toHaveLength(3);
  });

  test('the aggregation failing: the link says so, and never throws', async () => {
    inspector.on(ListFindingAggregationsCommand).rejects(throttled());
    expect(await linkImage(client, IMAGE, options)).toMatchObject({ status: 'failed', error: 'ThrottlingException', note: expect.stringMatching(/could not be asked \(ThrottlingException\)/) });
  });

  test('the aggregation hanging: cut at the budget', async () => {
    const started = Date.now();
    const link = await linkImage({ send: (_command: any, opts: any) => new Promise((_r, reject) => opts.abortSignal.addEventListener('abort', () => reject(new Error('aborted')))) } as any,
      IMAGE, { ...options, budgetMs: 50 });
    expect(link).toMatchObject({ status: 'failed', error: 'Timeout' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('ListFindings failing: counts stay, the lists may be short, status failed', async () => {
    inspector.on(ListFindingsCommand).rejects(throttled());
    const link = await linkImage(client, IMAGE, options);
    expect(link).toMatchObject({ status: 'failed', error: 'ThrottlingException', counts: { critical: 3 }, worst: [] });
    expect(link.note).toMatch(/failed part way \(ThrottlingException\): counts are complete/);
  });

  test('missing counts read as zero, and more exploitable findings than the limit are marked', async () => {
    inspector.on(ListFindingAggregationsCommand).resolves({ responses: [{ awsEcrContainerAggregation: { resourceId: 'r', imageSha: PAYMENTS_DIGEST } }] });
    inspector.on(ListFindingsCommand).callsFake((input: any) => ({
      findings: Array.from({ length: input.maxResults }, (_v, i) => finding('HIGH', `CVE-2024-${1000 + i}`, { exploitAvailable: 'YES' })),
      nextToken: 'more',
    }));
    const link = await linkImage(client, IMAGE, { ...options, topFindings: 0 });
    expect(link.counts).toEqual({ total: 0, critical: 0, high: 0, medium: 0 });
    expect(link.exploitable).toEqual({ total: EXPLOITABLE_LIMIT, more: true, bySeverity: [{ severity: 'HIGH', count: EXPLOITABLE_LIMIT }] });
    expect(link.worst).toEqual([]);
    expect(link.worstExploitable).toEqual([]);
    // Only the exploitable listing was asked, for the counts: no worst-findings listing with topFindings 0.
    expect(inspector.commandCalls(ListFindingsCommand).every((c) => c.args[0].input.filterCriteria?.exploitAvailable)).toBe(true);
  });

  test.each([
    ['nginx:1.27', 'not-ecr', /Not looked up in Inspector: not in a private ECR registry/],
    ['111111111111.dkr.ecr.eu-west-1.amazonaws.com/app:1', 'other-region', /in eu-west-1, and Inspector is asked in us-west-2 only/],
  ])('%s is not looked up (%s)', async (image, status, note) => {
    expect(await linkImage(client, image, options)).toMatchObject({ status, note: expect.stringMatching(note) });
    expect(inspector.calls()).toHaveLength(0);
  });

  test('the image policy verdict comes with every image', async () => {
    const policy = { allowedPrefixes: ['111111111111.dkr.ecr.us-west-2.amazonaws.com/'], requireDigest: true };
    expect((await linkImage(client, IMAGE, { ...options, policy })).policy).toMatchObject({ allowed: false, rule: 'DIGEST_PINNING' });
    expect((await linkImage(client, 'nginx:1.27', { ...options, policy })).policy).toMatchObject({ allowed: false, rule: 'ALLOWED_PREFIX' });
    expect((await linkImage(client, IMAGE, options)).policy).toBeUndefined();
  });
});

describe('linkImages', () => {
  test(`looks up at most ${MAX_LINKED_IMAGES} images and lists the rest`, async () => {
    const images = ['a', 'b', 'c', 'd'].map((r) => `111111111111.dkr.ecr.us-west-2.amazonaws.com/${r}:1`);
    const links = await linkImages(client, images, options);
    expect(links.map((l) => l.status)).toEqual(['linked', 'linked', 'linked', 'not-looked-up']);
    expect(inspector.commandCalls(ListFindingAggregationsCommand)).toHaveLength(MAX_LINKED_IMAGES);
  });
});
