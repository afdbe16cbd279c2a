import { Inspector2Client, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, otherResourceScan } from '../../../handlers/scan-formatter';
import { fixture, listFindingsPage, sdkFindings } from '../../support/inspector-findings';
import { finding, prepareHandlerTest, restoreHandlerTest, SAMPLE_EVENT, scanEvent } from './support';

/**
 * The scan notifier against the shapes AWS really sends: scan events of every resource type
 * (the Inspector user guide's samples) and ListFindings answers with several packages per
 * finding, EPSS, exploit and fix availability (test/fixtures/inspector2-list-findings-packages.json).
 */

const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
let logs: any[] = [];
const SCANS = fixture('inspector2-scan-other-resources.json');
const [GO, CURL, SYSTEMD, ZLIB] = sdkFindings('inspector2-list-findings-packages.json');

beforeEach(() => {
  logs = prepareHandlerTest({ sns, inspector });
});
afterEach(restoreHandlerTest);

function mail(): { body: string; chat: string; data: any; attributes: Record<string, string> } {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  const message = JSON.parse(input.Message!);
  return {
    body: message.email,
    chat: JSON.parse(message.https).content.description,
    data: JSON.parse(message.sqs),
    attributes: Object.fromEntries(Object.entries(input.MessageAttributes!).map(([k, v]) => [k, v.StringValue!])),
  };
}

describe('scan events of other resources than ECR images', () => {
  test.each([
    ['ec2', 'EC2 instance i-087d63509b8c97098'],
    ['lambda', 'Lambda function arn:aws:lambda:us-west-2:111122223333:function:lambda-example:$LATEST'],
    ['machineImage', 'machine image ami-0abcdef1234567890'],
  ])('%s: skipped quietly, with a log line, no Inspector call, no mail, no error', async (kind, resource) => {
    const result = await handler(SCANS[kind]);
    expect(result).toEqual({ published: false, skipped: `not an ECR image scan: ${resource}` });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
    expect(logs).toEqual([expect.objectContaining({ level: 'INFO', message: 'Not notifying: not an ECR image scan', resource, eventId: SCANS[kind].id })]);
  });

  test('an unnamed resource is skipped too; an ECR event that lost its repository-name still fails loudly', async () => {
    const bare = { ...SCANS.lambda, resources: undefined };
    expect(otherResourceScan(bare)).toBe('resource not named');
    expect(otherResourceScan(SCANS.ecr)).toBeUndefined();
    expect(otherResourceScan({ ...SCANS.ec2, 'detail-type': 'Inspector2 Finding' })).toBeUndefined();
    expect(otherResourceScan({ ...SCANS.ec2, detail: 'x' })).toBeUndefined();
    await expect(handler(scanEvent({ 'repository-name': undefined }))).rejects.toThrow(/detail\.repository-name is missing/);
  });

  test('the ECR form with zero-valued counts and a version field: a "no findings" mail, nothing to exploit or fix', async () => {
    const result = await handler(SCANS.ecr);
    expect(result).toMatchObject({ published: true, severity: 'NONE', findingsStatus: 'off' });
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
    const { body, attributes } = mail();
    expect(body).toContain('It found no vulnerabilities.');
    expect(attributes).toMatchObject({ severity: 'NONE', exploitable: 'NO', fixable: 'NO' });
    expect(attributes.epss).toBeUndefined();
  });
});

describe('every package, every fix, and what decides the urgency', () => {
  beforeEach(() => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([CURL, SYSTEMD, GO, ZLIB]));
  });

  test('the mail lists each package of a finding with its own installed and fixed version and file path', async () => {
    await handler(SAMPLE_EVENT);
    const { body } = mail();
    expect(body).toContain([
      '  - HIGH CVE-2023-44487',
      '    Inspector score 7.5, EPSS 94.4%, exploit available: YES, fix available: YES',
      '    golang.org/x/net v0.15.0, fixed in: 0.17.0 (usr/local/bin/server)',
      '    google.golang.org/grpc v1.57.0, fixed in: 1.58.3 (usr/local/bin/server)',
      '',
    ].join('\n'));
    expect(body).toContain('    curl 7.61.1-18.el8, fixed in: 7.61.1-18.el8_4.1\n    libcurl-minimal 7.61.1-18.el8, fixed in: 7.61.1-18.el8_4.1\n');
    expect(body).toContain('    zlib1g 1:1.2.13.dfsg-1, fixed in: no fix yet\n');
    expect(body).toContain('    systemd-udev 239-45.el8, fixed in: unknown\n');
    expect(body).not.toMatch(/\? ,|0:7\.61/);
  });

  test('the chat message keeps one line per finding with the "more packages" note', async () => {
    await handler(SAMPLE_EVENT);
    const { chat } = mail();
    expect(chat).toContain('• CRITICAL CVE-2023-45853 (score 9.8): zlib1g 1:1.2.13.dfsg-1, no fix yet; EPSS 0%\n');
    expect(chat).toContain('• HIGH CVE-2023-44487 (score 7.5): golang.org/x/net v0.15.0, fixed in 0.17.0 (and 1 more package); EPSS 94.4%; exploit available\n');
    expect(chat).toContain('• MEDIUM CVE-2021-33910 (score 5.5): systemd-pam 239-45.el8, fix unknown (and 3 more packages)\n');
  });

  test('the JSON payload carries every package, EPSS, exploit and fix availability', async () => {
    await handler(SAMPLE_EVENT);
    const { data } = mail();
    expect(data.findingsComplete).toBe(true);
    expect(data.findings.map((f: any) => f.id)).toEqual(['CVE-2023-45853', 'CVE-2023-44487', 'CVE-2021-33910', 'CVE-2021-22923']);
    expect(data.findings[1]).toMatchObject({
      epssScore: 0.94418, exploitAvailable: 'YES', fixAvailable: 'YES', packageCount: 2,
      packages: [
        { name: 'golang.org/x/net', installed: 'v0.15.0', fixed: '0.17.0', filePath: 'usr/local/bin/server' },
        { name: 'google.golang.org/grpc', installed: 'v1.57.0', fixed: '1.58.3', filePath: 'usr/local/bin/server' },
      ],
    });
    expect(data.findings[2]).toMatchObject({ epssScore: null, exploitAvailable: null, fixAvailable: null, packageCount: 4 });
  });

  test('message attributes for filter policies: exploitable, fixable, highest EPSS', async () => {
    await handler(SAMPLE_EVENT);
    expect(mail().attributes).toMatchObject({ exploitable: 'YES', fixable: 'YES', epss: '0.94418' });
  });

  test('only findings without exploit or fix: NO, when the listing ended', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([ZLIB]));
    await handler(scanEvent({ 'finding-severity-counts': { CRITICAL: 1, TOTAL: 1 } }));
    expect(mail().attributes).toMatchObject({ exploitable: 'NO', fixable: 'NO', epss: '0' });
  });

  test('... and UNKNOWN when more findings exist than were listed', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([ZLIB], 'more'));
    process.env.TOP_FINDINGS = '1';
    await handler(SAMPLE_EVENT);
    expect(mail().attributes).toMatchObject({ exploitable: 'UNKNOWN', fixable: 'UNKNOWN' });
  });

  test('TOP_FINDINGS=0: urgency unknown, no epss attribute', async () => {
    process.env.TOP_FINDINGS = '0';
    await handler(SAMPLE_EVENT);
    const { attributes } = mail();
    expect(attributes).toMatchObject({ exploitable: 'UNKNOWN', fixable: 'UNKNOWN' });
    expect(attributes.epss).toBeUndefined();
  });
});

describe('worst means worst, and plurals', () => {
  test('CRITICAL counted but none listed while the listing goes on: says none is among those listed', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([GO, CURL], 'more'));
    process.env.TOP_FINDINGS = '2';
    await handler(SAMPLE_EVENT);
    const { body, chat } = mail();
    expect(body).toContain('The scan counted 7 CRITICAL findings, but none is among those listed above; the link below shows every finding.');
    expect(body).toContain('  ... and 156 more in the Inspector console.');
    expect(chat).toContain('None of the 7 CRITICAL counted is listed.');
  });

  test('CRITICAL counted, the listing ended without one: closed or suppressed since; the rest are counted as closed', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([GO]));
    await handler(scanEvent({ 'finding-severity-counts': { CRITICAL: 1, HIGH: 1, TOTAL: 3 } }));
    const { body, chat } = mail();
    expect(body).toContain('Worst finding\n  - HIGH CVE-2023-44487\n');
    expect(body).toContain('The scan counted 1 CRITICAL finding, but Amazon Inspector lists none any more (closed or suppressed since the scan).');
    expect(body).toContain('  Amazon Inspector lists no other active finding: the other 2 findings the scan counted were closed or suppressed since.');
    expect(body).not.toContain('more in the Inspector console');
    expect(chat).toContain('None of the 1 CRITICAL counted is listed: closed or suppressed since the scan.');
  });

  test('a CRITICAL among those listed: nothing said', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([ZLIB, GO], 'more'));
    await handler(SAMPLE_EVENT);
    expect(mail().body).not.toContain('The scan counted');
  });

  test('one vulnerability, one finding, one closed since: singular everywhere', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([GO]));
    await handler(scanEvent({ 'finding-severity-counts': { HIGH: 1, TOTAL: 2 } }));
    const { body } = mail();
    expect(body).toContain('It found 2 vulnerabilities; the worst are HIGH.');
    expect(body).toContain('Worst finding\n');
    expect(body).toContain('the other 1 finding the scan counted was closed or suppressed since.');
  });

  test('a single vulnerability', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([GO]));
    await handler(scanEvent({ 'finding-severity-counts': { HIGH: 1, TOTAL: 1 } }));
    expect(mail().body).toContain('It found 1 vulnerability; it is HIGH.');
  });

  test('a single vulnerability below MEDIUM', async () => {
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([finding('LOW', 'CVE-LOW', { inspectorScore: 2 })]));
    await handler(scanEvent({ 'finding-severity-counts': { TOTAL: 1 } }));
    expect(mail().body).toContain('It found 1 vulnerability, not CRITICAL, HIGH or MEDIUM.');
  });

  test('Japanese: the same facts', async () => {
    process.env.LOCALE = 'ja';
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([GO]));
    await handler(scanEvent({ 'finding-severity-counts': { CRITICAL: 1, HIGH: 1, TOTAL: 3 } }));
    const { body, chat } = mail();
    expect(body).toContain('    Inspector スコア 7.5、EPSS 94.4%、エクスプロイト: あり、修正: あり\n    golang.org/x/net v0.15.0、修正バージョン: 0.17.0 (usr/local/bin/server)\n');
    expect(body).toContain('スキャンでは CRITICAL が 1 件ありましたが、Amazon Inspector にはもうありません');
    expect(body).toContain('スキャン時に数えられた残り 2 件はその後クローズまたは抑制されました。');
    expect(chat).toContain('• HIGH CVE-2023-44487 (スコア 7.5): golang.org/x/net v0.15.0、修正バージョン 0.17.0 (ほか 1 パッケージ)、EPSS 94.4%、エクスプロイトあり\n');
    expect(chat).toContain('スキャン時の CRITICAL 1 件は一覧にありません (スキャン後にクローズまたは抑制)。');
  });

  test('Japanese: an incomplete list', async () => {
    process.env.LOCALE = 'ja';
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([], 'more'));
    await handler(SAMPLE_EVENT, { getRemainingTimeInMillis: () => 24_000 });
    const { body, chat } = mail();
    expect(body).toContain('検出結果の一覧は不完全です: Amazon Inspector が一覧を返し終える前に取得を打ち切りました。');
    expect(chat).toContain('検出結果の一覧は不完全です');
  });
});

describe('values from the image stay on their line', () => {
  test('a file path or package name with line breaks cannot forge a line of the mail or the chat message', async () => {
    const forged = { ...GO, packageVulnerabilityDetails: { ...GO.packageVulnerabilityDetails!, vulnerablePackages: [
      { name: 'evil\nLinks\n  https://attacker.example/', version: '1.0', filePath: 'app\r\n\nThe image in Amazon ECR:\n  https://attacker.example/', fixedInVersion: '1.1' },
    ] } };
    inspector.on(ListFindingsCommand).resolves(listFindingsPage([forged]));
    await handler(SAMPLE_EVENT);
    const { body, chat } = mail();
    expect(body).toContain('    evil / Links / https://attacker.example/ 1.0, fixed in: 1.1 (app / The image in Amazon ECR: / https://attacker.example/)\n');
    expect(body).not.toMatch(/^\s*https:\/\/attacker/m);
    expect(body.match(/^Links$/gm)).toHaveLength(1);
    expect(chat).not.toMatch(/^\s*(Links|https:\/\/attacker)/m);
  });
});
