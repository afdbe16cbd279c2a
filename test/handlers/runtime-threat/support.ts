import * as fs from 'fs';
import * as path from 'path';
import { ListFindingAggregationsCommand, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { finding } from '../scan-formatter/support';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');

/** A fixture, as a fresh copy that `mutate` may change. */
export function fixture(name: string, mutate: (e: any) => void = () => undefined): any {
  const copy = JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
  mutate(copy);
  return copy;
}

/** The Falcosidekick SNS delivery with its Falco payload changed by `mutate`. */
export function falcoEvent(mutate: (payload: any) => void = () => undefined): any {
  const event = fixture('falcosidekick-sns.json');
  const payload = JSON.parse(event.Records[0].Sns.Message);
  mutate(payload);
  event.Records[0].Sns.Message = JSON.stringify(payload);
  return event;
}

export const PAYMENTS_DIGEST = 'sha256:4f1c2a9e8b7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b';

/** An AWS_ECR_CONTAINER aggregation answer for one image. */
export function aggregation(imageSha = PAYMENTS_DIGEST, counts = { all: 41, critical: 3, high: 9, medium: 17 }, repository = 'payments/api'): any {
  return {
    aggregationType: 'AWS_ECR_CONTAINER',
    responses: [{ awsEcrContainerAggregation: { resourceId: `arn:aws:ecr:us-west-2:111111111111:repository/${repository}/${imageSha}`, imageSha, repository, imageTags: ['v1.4.2'], accountId: '111111111111', severityCounts: counts } }],
  };
}

/** Exploitable findings (exploitAvailable YES): 2 CRITICAL and 1 HIGH. */
export const EXPLOITABLE = [
  finding('CRITICAL', 'CVE-2024-3094', { exploitAvailable: 'YES', inspectorScore: 10 }, { name: 'xz-libs', version: '5.6.0', fixedInVersion: '5.6.1' }),
  finding('CRITICAL', 'CVE-2023-44487', { exploitAvailable: 'YES', inspectorScore: 9.8 }, { name: 'nghttp2', version: '1.51.0', fixedInVersion: '1.57.0' }),
  finding('HIGH', 'CVE-2023-4911', { exploitAvailable: 'YES', inspectorScore: 7.8 }, { name: 'glibc', version: '2.35' }),
];

/** The worst findings of the image (some not exploitable). */
export const WORST = [
  EXPLOITABLE[0],
  EXPLOITABLE[1],
  finding('CRITICAL', 'CVE-2024-6387', { exploitAvailable: 'NO', inspectorScore: 8.1 }, { name: 'openssh', version: '9.6p1', fixedInVersion: '9.8p1' }),
];

/** A mocked Inspector2 client (aws-sdk-client-mock) answering with the sample image. */
export function answerInspector(inspector: any): void {
  inspector.reset();
  inspector.on(ListFindingAggregationsCommand).resolves(aggregation());
  inspector.on(ListFindingsCommand).callsFake((input: any) => ({
    findings: input.filterCriteria.exploitAvailable ? EXPLOITABLE : WORST,
  }));
}
