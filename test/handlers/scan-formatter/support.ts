import * as fs from 'fs';
import * as path from 'path';

/** The AWS documentation's sample `Inspector2 Scan` event. */
export const SAMPLE_EVENT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'inspector2-scan.json'), 'utf8'));
/** An illustrative first ListFindings page for the sample image (5 of its findings, worst first, and a nextToken). */
export const SAMPLE_FINDINGS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'inspector2-list-findings.json'), 'utf8'));

export const TOPIC_ARN = 'arn:aws:sns:us-east-2:123456789012:scan-notifications';
export const DIGEST = 'sha256:36c7b282abd0186e01419f2e58743e1bf635808231049bbc9d77e5EXAMPLE';

/** The ListFindings input the handler sends for the sample event with the default TOP_FINDINGS. */
export const SAMPLE_LIST_FINDINGS_INPUT = {
  filterCriteria: {
    awsAccountId: [{ comparison: 'EQUALS', value: '123456789012' }],
    ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'amazon/amazon-ecs-sample' }],
    ecrImageHash: [{ comparison: 'EQUALS', value: DIGEST }],
    findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
  },
  sortCriteria: { field: 'INSPECTOR_SCORE', sortOrder: 'DESC' },
  maxResults: 5,
};

/** The sample event with `detail` fields replaced (undefined removes a field) and top-level fields replaced. */
export function scanEvent(detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}): any {
  const event = JSON.parse(JSON.stringify(SAMPLE_EVENT));
  for (const [k, v] of Object.entries(detail)) {
    if (v === undefined) delete event.detail[k];
    else event.detail[k] = v;
  }
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined) delete event[k];
    else event[k] = v;
  }
  return event;
}

/** An Inspector finding as the SDK returns it. */
export function finding(severity: string, id: string, extra: Record<string, unknown> = {}, pkg: Record<string, unknown> = {}): any {
  return {
    findingArn: `arn:aws:inspector2:us-east-2:123456789012:finding/${id}`,
    awsAccountId: '123456789012',
    type: 'PACKAGE_VULNERABILITY',
    severity,
    status: 'ACTIVE',
    title: `${id} - pkg`,
    packageVulnerabilityDetails: {
      vulnerabilityId: id,
      source: 'NVD',
      vulnerablePackages: [{ name: 'pkg', version: '1.0.0', fixedInVersion: '1.0.1', ...pkg }],
    },
    ...extra,
  };
}

/** The environment before any handler test changed it. */
const ORIGINAL_ENV = process.env;

/** A mocked SDK client (aws-sdk-client-mock). */
type ClientMock = { reset(): void; on(command: any): { resolves(output: any): unknown } };

/**
 * For a `beforeEach`: resets the mocked SNS and Inspector2 clients to the sample answers, sets the
 * handler's environment (TOPIC_ARN plus `env`) and captures the handler's JSON log lines, which it returns.
 */
export function prepareHandlerTest(clients: { sns: ClientMock; inspector: ClientMock }, env: Record<string, string> = {}): any[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PublishCommand } = require('@aws-sdk/client-sns');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ListFindingsCommand } = require('@aws-sdk/client-inspector2');
  clients.sns.reset();
  clients.inspector.reset();
  clients.sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  clients.inspector.on(ListFindingsCommand).resolves(SAMPLE_FINDINGS);
  process.env = { ...ORIGINAL_ENV, TOPIC_ARN, ...env };
  const logs: any[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((line: any) => {
    logs.push(JSON.parse(String(line)));
    return true;
  });
  return logs;
}

/** For an `afterEach`: undoes {@link prepareHandlerTest}. */
export function restoreHandlerTest(): void {
  jest.restoreAllMocks();
  process.env = ORIGINAL_ENV;
}
