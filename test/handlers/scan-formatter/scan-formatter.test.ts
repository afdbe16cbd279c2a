import { AccessDeniedException, Inspector2Client, ListFindingsCommand, ThrottlingException } from '@aws-sdk/client-inspector2';
import { PublishCommand, PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../handlers/scan-formatter';
import { MAX_PAGES } from '../../../handlers/scan-formatter/findings';
import { listFindingsPage, sdkFindings } from '../../support/inspector-findings';
import { DIGEST, finding, prepareHandlerTest, restoreHandlerTest, SAMPLE_EVENT, SAMPLE_LIST_FINDINGS_INPUT, scanEvent, TOPIC_ARN } from './support';

const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
let logs: any[] = [];

beforeEach(() => {
  logs = prepareHandlerTest({ sns, inspector });
});

afterEach(restoreHandlerTest);

/** The one Publish input of the invocation. */
function published(): PublishCommandInput {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
}

function mail(): { subject: string; body: string; message: any; attributes: Record<string, string> } {
  const input = published();
  const message = JSON.parse(input.Message!);
  const attributes = Object.fromEntries(Object.entries(input.MessageAttributes!).map(([k, v]) => [k, v.StringValue!]));
  return { subject: input.Subject!, body: message.email, message, attributes };
}

function line(body: string, label: string): string | undefined {
  return body.split('\n').find((l) => l.trimStart().startsWith(label));
}

describe('the sample event', () => {
  test('publishes one message with subject, attributes and per-protocol messages', async () => {
    const result = await handler(SAMPLE_EVENT);
    expect(result).toEqual({ published: true, messageId: 'm-1', subject: '[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample:latest', severity: 'CRITICAL', findingsStatus: 'ok' });
    const { subject, message, attributes } = mail();
    expect(published()).toMatchObject({ TopicArn: TOPIC_ARN, MessageStructure: 'json' });
    expect(subject).toBe('[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample:latest');
    expect(attributes).toEqual({ kind: 'scan', severity: 'CRITICAL', repository: 'amazon/amazon-ecs-sample', account: '123456789012', exploitable: 'YES', fixable: 'YES', epss: '0.94418' });
    expect(published().MessageAttributes!.epss.DataType).toBe('Number');
    expect(message.default).toBe(message.email);
    expect(JSON.parse(message.sqs)).toMatchObject({
      kind: 'scan',
      repositoryName: 'amazon/amazon-ecs-sample',
      imageDigest: DIGEST,
      imageTags: ['latest'],
      severity: 'CRITICAL',
      counts: { CRITICAL: 7, HIGH: 61, MEDIUM: 62, LOW_INFORMATIONAL_UNTRIAGED: 28, TOTAL: 158 },
      findingsStatus: 'ok',
    });
    const chat = JSON.parse(message.https);
    expect(chat).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: subject } });
    expect(chat.content.description).toContain('CRITICAL 7, HIGH 61, MEDIUM 62, LOW or below 28 (total 158)');
    expect(chat.content.description.match(/^• /gm)).toHaveLength(3);
    expect(chat.content.description).toContain('• CRITICAL CVE-2023-45853 (score 9.8): zlib1g 1.2.13.dfsg-1, no fix yet; EPSS 1.2%\n');
    expect(chat.content.description).toContain('• CRITICAL CVE-2023-38545 (score 9.8): curl 7.88.1-10+deb12u1, fixed in 7.88.1-10+deb12u4; EPSS 23.6%\n');
  });

  test('the body shows every fact of the image and every count', async () => {
    await handler(SAMPLE_EVENT);
    const { body } = mail();
    expect(line(body, 'Repository:')).toBe('  Repository:      amazon/amazon-ecs-sample');
    expect(line(body, 'Repository ARN:')).toBe('  Repository ARN:  arn:aws:ecr:us-east-2:123456789012:repository/amazon/amazon-ecs-sample');
    expect(line(body, 'Tags:')).toBe('  Tags:            latest');
    expect(line(body, 'Digest:')).toBe(`  Digest:          ${DIGEST}`);
    expect(line(body, 'Account:')).toBe('  Account:         123456789012');
    expect(line(body, 'Region:')).toBe('  Region:          us-east-2');
    expect(line(body, 'Status:')).toBe('  Status:          INITIAL_SCAN_COMPLETE');
    expect(line(body, 'Time:')).toBe('  Time:            2021-12-03T18:03:16Z');
    expect(line(body, 'CRITICAL:')).toBe('  CRITICAL:        7');
    expect(line(body, 'HIGH:')).toBe('  HIGH:            61');
    expect(line(body, 'MEDIUM:')).toBe('  MEDIUM:          62');
    expect(line(body, 'LOW, INFORMATIONAL and UNTRIAGED together:')).toBe('  LOW, INFORMATIONAL and UNTRIAGED together: 28');
    expect(line(body, 'TOTAL:')).toBe('  TOTAL:           158');
    expect(body).not.toMatch(/^\s*(LOW|INFORMATIONAL|UNTRIAGED):/m);
  });

  test('the body links to the image findings in Inspector and to the image in ECR', async () => {
    await handler(SAMPLE_EVENT);
    const { body } = mail();
    const arnAndDigest = encodeURIComponent(`arn:aws:ecr:us-east-2:123456789012:repository/amazon/amazon-ecs-sample/${DIGEST}`);
    expect(body).toContain(`  https://us-east-2.console.aws.amazon.com/inspector/v2/home?region=us-east-2#/findings/container-image/${arnAndDigest}\n`);
    expect(body).toContain(`  https://us-east-2.console.aws.amazon.com/ecr/repositories/private/123456789012/amazon/amazon-ecs-sample/_/image/${DIGEST}/details?region=us-east-2\n`);
  });

  test('lists the worst findings with id, package, versions and score, and counts the rest', async () => {
    await handler(SAMPLE_EVENT);
    const { body } = mail();
    expect(body).toContain([
      'Worst 5 findings',
      '  - CRITICAL CVE-2023-38545',
      '    Inspector score 9.8, EPSS 23.6%, exploit available: NO, fix available: YES',
      '    curl 7.88.1-10+deb12u1, fixed in: 7.88.1-10+deb12u4',
      '    https://us-east-2.console.aws.amazon.com/inspector/v2/home?region=us-east-2#/findings/details/arn%3Aaws%3Ainspector2%3Aus-east-2%3A123456789012%3Afinding%2F0a1b2c3d4e5f60718293a4b5c6d7e8f0',
      '  - CRITICAL CVE-2023-45853',
      '    Inspector score 9.8, EPSS 1.2%, exploit available: NO, fix available: NO',
      '    zlib1g 1.2.13.dfsg-1, fixed in: no fix yet',
    ].join('\n'));
    expect(body).toContain('  ... and 153 more in the Inspector console.');
  });

  test('asks Inspector for the active findings of this image in its account, highest score first', async () => {
    await handler(SAMPLE_EVENT);
    const calls = inspector.commandCalls(ListFindingsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual(SAMPLE_LIST_FINDINGS_INPUT);
  });

  test('the body is plain text: no HTML escaping, no quoted lines, no leftover tags', async () => {
    inspector.on(ListFindingsCommand).resolves({
      findings: [finding('HIGH', 'GHSA-x&y/z', {}, { name: '@scope/pkg<"a">', version: "1.0'&/", fixedInVersion: '2.0&/' })],
    });
    await handler(scanEvent({ 'image-tags': ['v1&2/x'] }));
    const { body, subject } = mail();
    expect(body).toContain('GHSA-x&y/z');
    expect(body).toContain('@scope/pkg<"a"> 1.0\'&/, fixed in: 2.0&/');
    expect(body).toContain('Tags:            v1&2/x');
    expect(body).not.toMatch(/&amp;|&#x2F;|&lt;|&quot;|&#39;|\{\{|\}\}/);
    for (const l of body.split('\n')) expect(l).not.toMatch(/^\s*".*"\s*$/);
    expect(subject).toContain('v1&2/x');
  });
});

describe('severity counts', () => {
  test.each([
    ['CRITICAL', 35, 'HIGH 61 MEDIUM 62'],
    ['HIGH', 89, 'CRITICAL 7 MEDIUM 62'],
    ['MEDIUM', 90, 'CRITICAL 7 HIGH 61'],
  ])('a missing %s count shows 0 and TOTAL keeps the rest below MEDIUM', async (missing, below, subjectCounts) => {
    const counts: Record<string, number> = { CRITICAL: 7, HIGH: 61, MEDIUM: 62, TOTAL: 158 };
    delete counts[missing];
    await handler(scanEvent({ 'finding-severity-counts': counts }));
    const { body, subject, message } = mail();
    expect(line(body, `${missing}:`)).toMatch(new RegExp(`^  ${missing}: +0$`));
    expect(line(body, 'LOW, INFORMATIONAL and UNTRIAGED together:')).toBe(`  LOW, INFORMATIONAL and UNTRIAGED together: ${below}`);
    expect(line(body, 'TOTAL:')).toBe('  TOTAL:           158');
    expect(subject).toBe(`[Inspector] ${subjectCounts} - amazon/amazon-ecs-sample:latest`);
    expect(JSON.parse(message.sqs).counts[missing]).toBe(0);
  });

  test('TOTAL above the listed counts: the difference is one figure for LOW, INFORMATIONAL and UNTRIAGED', async () => {
    await handler(scanEvent({ 'finding-severity-counts': { HIGH: 2, TOTAL: 40 } }));
    const { body, attributes } = mail();
    expect(line(body, 'LOW, INFORMATIONAL and UNTRIAGED together:')).toBe('  LOW, INFORMATIONAL and UNTRIAGED together: 38');
    expect(line(body, 'TOTAL:')).toBe('  TOTAL:           40');
    expect(attributes.severity).toBe('HIGH');
  });

  test('TOTAL absent: TOTAL is the sum, and the figure below MEDIUM says it is not reported instead of a made-up 0', async () => {
    await handler(scanEvent({ 'finding-severity-counts': { CRITICAL: 1, MEDIUM: 3 } }));
    const { body, message } = mail();
    expect(line(body, 'TOTAL:')).toBe('  TOTAL:           4 (the sum of the counts above: the event has no TOTAL)');
    expect(line(body, 'LOW, INFORMATIONAL and UNTRIAGED together:')).toBe('  LOW, INFORMATIONAL and UNTRIAGED together: not reported (the event has no TOTAL)');
    expect(JSON.parse(message.sqs).counts).toEqual({ CRITICAL: 1, HIGH: 0, MEDIUM: 3, LOW_INFORMATIONAL_UNTRIAGED: null, TOTAL: 4 });
  });

  test('only findings below MEDIUM: severity LOW (LOW or below), said so in subject and body', async () => {
    await handler(scanEvent({ 'finding-severity-counts': { TOTAL: 4 } }));
    const { body, subject, attributes } = mail();
    expect(attributes.severity).toBe('LOW');
    expect(subject).toBe('[Inspector] LOW or below 4 - amazon/amazon-ecs-sample:latest');
    expect(body).toContain('It found 4 vulnerabilities, none of them CRITICAL, HIGH or MEDIUM.');
  });

  test('no findings at all: severity NONE, no Inspector call', async () => {
    await handler(scanEvent({ 'finding-severity-counts': { TOTAL: 0 } }));
    const { body, subject, attributes } = mail();
    expect(attributes.severity).toBe('NONE');
    expect(subject).toBe('[Inspector] no findings - amazon/amazon-ecs-sample:latest');
    expect(body).toContain('It found no vulnerabilities.');
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
  });

  test('a TOTAL below CRITICAL + HIGH + MEDIUM is replaced by their sum, with a warning in the log', async () => {
    await handler(scanEvent({ 'finding-severity-counts': { CRITICAL: 2, HIGH: 3, TOTAL: 1 } }));
    expect(line(mail().body, 'TOTAL:')).toBe('  TOTAL:           5');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'WARN', reportedTotal: 1, sum: 5 }));
  });
});

describe('tags', () => {
  test('an untagged image says "untagged" and the subject names the short digest', async () => {
    await handler(scanEvent({ 'image-tags': [] }));
    const { body, subject } = mail();
    expect(line(body, 'Tags:')).toBe('  Tags:            untagged');
    expect(subject).toBe('[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample@sha256:36c7b282abd0');
  });

  test('a missing tag list is an untagged image', async () => {
    await handler(scanEvent({ 'image-tags': undefined }));
    expect(line(mail().body, 'Tags:')).toBe('  Tags:            untagged');
  });

  test('many tags: the first 10, then how many more', async () => {
    const tags = Array.from({ length: 25 }, (_, i) => `t${i}`);
    await handler(scanEvent({ 'image-tags': tags }));
    const { body, subject, message } = mail();
    expect(line(body, 'Tags:')).toBe(`  Tags:            ${tags.slice(0, 10).join(', ')} and 15 more`);
    expect(subject).toBe('[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample:t0');
    expect(JSON.parse(message.sqs).imageTags).toEqual(tags);
  });
});

describe('the findings lookup', () => {
  test.each([
    ['ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } })],
    ['AccessDeniedException', new AccessDeniedException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } })],
    ['Error', new Error('socket hang up')],
  ])('a failed ListFindings (%s) still publishes, with a line saying the details could not be fetched', async (name, error) => {
    inspector.on(ListFindingsCommand).rejects(error);
    const result = await handler(SAMPLE_EVENT);
    expect(result).toMatchObject({ published: true, findingsStatus: 'failed' });
    const { body, message } = mail();
    expect(body).toContain(`The details of the findings could not be fetched from Amazon Inspector (${name}). The link below shows them.`);
    expect(body).not.toContain('Worst ');
    expect(JSON.parse(message.sqs)).toMatchObject({ findingsStatus: 'failed', findingsError: name });
    expect(JSON.parse(message.https).content.description).toContain(`Finding details could not be fetched (${name}).`);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'WARN', errorName: name, errorMessage: error.message }));
  });

  test('pages on while ListFindings answers with a nextToken, up to MAX_PAGES, and then says the list is incomplete', async () => {
    inspector.on(ListFindingsCommand).callsFake((input) => ({ findings: [finding('HIGH', `CVE-${input.nextToken ?? 'first'}`)], nextToken: `${input.nextToken ?? ''}n` }));
    process.env.TOP_FINDINGS = '20';
    const result = await handler(SAMPLE_EVENT);
    const inputs = inspector.commandCalls(ListFindingsCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(MAX_PAGES);
    expect(inputs.slice(0, 3).map((i) => [i.nextToken, i.maxResults])).toEqual([[undefined, 20], ['n', 19], ['nn', 18]]);
    expect(result.findingsStatus).toBe('incomplete');
    const { body, attributes, message } = mail();
    expect(body).toContain(`Worst ${MAX_PAGES} findings`);
    expect(body).toContain('The list of findings is incomplete: Amazon Inspector had not finished listing them when the lookup had to stop, so worse findings may be missing above.');
    expect(body).not.toContain('no active finding');
    expect(JSON.parse(message.sqs)).toMatchObject({ findingsStatus: 'incomplete', findingsComplete: false, findingsError: 'PageLimit' });
    expect(attributes).toMatchObject({ exploitable: 'UNKNOWN', fixable: 'UNKNOWN' });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/did not end in time/), pages: MAX_PAGES }));
  });

  test('empty pages with a nextToken are not the end: it reads on and lists what comes after them', async () => {
    const [go, curl] = sdkFindings('inspector2-list-findings-packages.json');
    inspector.on(ListFindingsCommand)
      .resolvesOnce(listFindingsPage([], 't1'))
      .resolvesOnce(listFindingsPage([], 't2'))
      .resolvesOnce(listFindingsPage([], 't3'))
      .resolvesOnce(listFindingsPage([curl, go]));
    const result = await handler(SAMPLE_EVENT);
    expect(inspector.commandCalls(ListFindingsCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 't1', 't2', 't3']);
    expect(result.findingsStatus).toBe('ok');
    const { body } = mail();
    expect(body).toMatch(/Worst 2 findings\n {2}- HIGH CVE-2023-44487\n[^]*\n {2}- MEDIUM CVE-2021-22923\n/);
    expect(body).not.toMatch(/no active finding|incomplete/);
  });

  test('three empty pages with a nextToken, then no answer within the budget: incomplete, not "closed"', async () => {
    let calls = 0;
    inspector.on(ListFindingsCommand).callsFake(() => (++calls <= 3 ? listFindingsPage([], `t${calls}`) : new Promise(() => undefined)));
    const result = await handler(SAMPLE_EVENT, { getRemainingTimeInMillis: () => 24_000 }); // 1 s for the lookup
    expect(calls).toBe(4);
    expect(result.findingsStatus).toBe('incomplete');
    const { body, message } = mail();
    expect(body).toContain('The list of findings is incomplete: Amazon Inspector had not finished listing them when the lookup had to stop. The link below shows them all.');
    expect(body).not.toMatch(/no active finding|Worst/);
    expect(JSON.parse(message.https).content.description).toContain('The list of findings is incomplete');
    expect(JSON.parse(message.sqs)).toMatchObject({ findingsStatus: 'incomplete', findingsError: 'Timeout', findings: [] });
  });

  test('sorts by Inspector score, then severity, whatever order Inspector answers in; a finding without a score ranks at the bottom of its severity band', async () => {
    inspector.on(ListFindingsCommand).resolves({
      findings: [
        finding('LOW', 'CVE-LOW', { inspectorScore: 3.1 }),
        finding('HIGH', 'CVE-HIGH-NOSCORE', {}, { fixedInVersion: 'NotAvailable' }),
        finding('MEDIUM', 'CVE-MEDIUM-HIGHER-SCORE', { inspectorScore: 9.3 }),
        finding('CRITICAL', 'CVE-CRIT', { inspectorScore: 9.1 }),
        finding('HIGH', 'CVE-HIGH-TIE', { inspectorScore: 9.1 }),
        finding('HIGH', 'CVE-HIGH', { inspectorScore: 8.8, fixAvailable: 'NO', packageVulnerabilityDetails: {
          vulnerabilityId: 'CVE-HIGH', source: 'NVD',
          vulnerablePackages: [{ name: 'a', version: '1', epoch: 2, release: 'r1' }, { name: 'b', version: '2' }, { name: 'c', version: '3' }],
        } }),
      ],
    });
    process.env.TOP_FINDINGS = '10';
    await handler(SAMPLE_EVENT);
    const { body } = mail();
    const ids = [...body.matchAll(/^ {2}- (\S+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(ids).toEqual(['MEDIUM CVE-MEDIUM-HIGHER-SCORE', 'CRITICAL CVE-CRIT', 'HIGH CVE-HIGH-TIE', 'HIGH CVE-HIGH', 'HIGH CVE-HIGH-NOSCORE', 'LOW CVE-LOW']);
    expect(body).toContain('  - HIGH CVE-HIGH\n    Inspector score 8.8, EPSS not given, exploit available: not given, fix available: NO\n    a 2:1-r1, fixed in: no fix yet\n    b 2, fixed in: no fix yet\n    c 3, fixed in: no fix yet\n');
    expect(body).toContain('  - HIGH CVE-HIGH-NOSCORE\n    Inspector score not given, EPSS not given, exploit available: not given, fix available: not given\n    pkg 1.0.0, fixed in: unknown\n');
  });

  test('stops paging once it has TOP_FINDINGS findings', async () => {
    inspector.on(ListFindingsCommand).resolves({ findings: [finding('HIGH', 'CVE-1'), finding('HIGH', 'CVE-2')], nextToken: 'more' });
    process.env.TOP_FINDINGS = '2';
    await handler(SAMPLE_EVENT);
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(1);
  });

  test('a later page failing keeps the findings already read and says the rest could not be fetched', async () => {
    inspector.on(ListFindingsCommand)
      .resolvesOnce({ findings: [finding('CRITICAL', 'CVE-KEPT')], nextToken: 'p2' })
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await handler(SAMPLE_EVENT);
    const { body } = mail();
    expect(body).toContain('  - CRITICAL CVE-KEPT');
    expect(body).toContain('could not be fetched from Amazon Inspector (ThrottlingException)');
  });

  test('an empty answer while the counts say there are findings says they were closed since', async () => {
    inspector.on(ListFindingsCommand).resolves({ findings: [] });
    await handler(SAMPLE_EVENT);
    expect(mail().body).toContain('Amazon Inspector lists no active finding for this image any more');
  });

  test('TOP_FINDINGS=0 makes no Inspector call and lists nothing', async () => {
    process.env.TOP_FINDINGS = '0';
    const result = await handler(SAMPLE_EVENT);
    expect(result.findingsStatus).toBe('off');
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
    const { body } = mail();
    expect(body).not.toMatch(/Worst|could not be fetched|no active finding/);
  });

  test('gives up within the time left before the function times out', async () => {
    inspector.on(ListFindingsCommand).callsFake(() => new Promise(() => undefined)); // never answers
    const started = Date.now();
    await handler(SAMPLE_EVENT, { getRemainingTimeInMillis: () => 24_000 }); // 1 s left beyond the publish reserve
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(mail().body).toContain('could not be fetched from Amazon Inspector (Timeout)');
  });
});

describe('publishing', () => {
  test('a failed publish throws, so Lambda retries and the dead-letter queue keeps the event', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } }));
    await expect(handler(SAMPLE_EVENT)).rejects.toThrow('Topic does not exist');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', errorName: 'NotFoundException', httpStatusCode: 404, topicArn: TOPIC_ARN }));
  });
});

describe('event validation', () => {
  const bad: Array<[string, any]> = [
    ['event', 'not an event'],
    ['source', scanEvent({}, { source: 'aws.ecr' })],
    ['detail-type', scanEvent({}, { 'detail-type': 'Inspector2 Finding' })],
    ['account', scanEvent({}, { account: '12345' })],
    ['region', scanEvent({}, { region: undefined })],
    ['time', scanEvent({}, { time: 1638554596 })],
    ['detail', scanEvent({}, { detail: [] })],
    ['detail.repository-name', scanEvent({ 'repository-name': 'amazon/amazon-ecs-sample' })],
    ['detail.repository-name', scanEvent({ 'repository-name': undefined })],
    ['detail.repository-name', scanEvent({ 'repository-name': 'arn:aws:ecr:us-east-2:123456789012:repository/Upper/Case' })],
    ['detail.image-digest', scanEvent({ 'image-digest': undefined })],
    ['detail.image-digest', scanEvent({ 'image-digest': 'latest' })],
    ['detail.image-tags', scanEvent({ 'image-tags': 'latest' })],
    ['detail.image-tags', scanEvent({ 'image-tags': ['ok', 7] })],
    ['detail.scan-status', scanEvent({ 'scan-status': undefined })],
    ['detail.finding-severity-counts', scanEvent({ 'finding-severity-counts': undefined })],
    ['detail.finding-severity-counts', scanEvent({ 'finding-severity-counts': [7] })],
    ['detail.finding-severity-counts.CRITICAL', scanEvent({ 'finding-severity-counts': { CRITICAL: -1, TOTAL: 3 } })],
    ['detail.finding-severity-counts.HIGH', scanEvent({ 'finding-severity-counts': { HIGH: 1.5 } })],
    ['detail.finding-severity-counts.TOTAL', scanEvent({ 'finding-severity-counts': { TOTAL: '158' } })],
  ];
  test.each(bad)('a bad %s throws an error naming it and publishes nothing', async (field, event) => {
    const escaped = field.replace(/[.-]/g, (c) => `\\${c}`);
    await expect(handler(event)).rejects.toThrow(new RegExp(`^Invalid Inspector2 Scan event: ${escaped} is`));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', errorName: 'InvalidScanEventError' }));
  });

  test('the error shows the value received', async () => {
    await expect(handler(scanEvent({ 'image-digest': 'latest' }))).rejects.toThrow('detail.image-digest is "latest"; expected an image digest');
  });
});

describe('configuration', () => {
  const bad: Array<[string, string | undefined, RegExp]> = [
    ['TOPIC_ARN', undefined, /TOPIC_ARN is not set; expected the ARN of a standard SNS topic/],
    ['TOPIC_ARN', 'scan-notifications', /TOPIC_ARN is "scan-notifications"; expected the ARN/],
    ['TOPIC_ARN', 'arn:aws:sns:us-east-1:111111111111:t.fifo', /TOPIC_ARN is "arn:aws:sns:us-east-1:111111111111:t.fifo".*FIFO/],
    ['LOCALE', 'fr', /LOCALE is "fr"; expected "en" or "ja"/],
    ['TOP_FINDINGS', '-1', /TOP_FINDINGS is "-1"; expected a whole number from 0 to 100/],
    ['TOP_FINDINGS', 'abc', /TOP_FINDINGS is "abc"; expected a whole number/],
    ['TOP_FINDINGS', '1.5', /TOP_FINDINGS is "1.5"; expected a whole number/],
    ['TOP_FINDINGS', '101', /TOP_FINDINGS is "101"; expected a whole number from 0 to 100/],
    ['MIN_SEVERITY', 'SEVERE', /MIN_SEVERITY is "SEVERE"; expected one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED/],
    ['REPOSITORY_NAMES', 'team/app', /REPOSITORY_NAMES is "team\/app"; expected a JSON array of repository names/],
    ['REPOSITORY_NAMES', '{"team/app":true}', /REPOSITORY_NAMES is .*; expected a JSON array/],
    ['REPOSITORY_NAMES', '[1,2]', /REPOSITORY_NAMES is "\[1,2\]"; expected a JSON array/],
    ['TEMPLATE_SUBJECT', '{{#open}} never closed', /TEMPLATE_SUBJECT is .*; expected a valid mustache template \(Unclosed section "open"/],
    ['TEMPLATE_BODY', '{{/close}}', /TEMPLATE_BODY is .*; expected a valid mustache template/],
  ];
  test.each(bad)('%s=%s throws an error naming the variable, the value and the fix', async (name, value, message) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    const error = await handler(SAMPLE_EVENT).catch((e) => e);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/fix the construct's props/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('empty optional variables mean their defaults', async () => {
    Object.assign(process.env, { LOCALE: '', MIN_SEVERITY: '', TOP_FINDINGS: '', REPOSITORY_NAMES: '', TEMPLATE_BODY: '' });
    await handler(SAMPLE_EVENT);
    expect(inspector.commandCalls(ListFindingsCommand)[0].args[0].input.maxResults).toBe(5);
    expect(mail().body).toContain('Amazon Inspector finished scanning');
  });
});

describe('filters', () => {
  test('REPOSITORY_NAMES without the repository: nothing is published, no AWS call, and the log says why', async () => {
    process.env.REPOSITORY_NAMES = JSON.stringify(['team/app', 'team/api']);
    const result = await handler(SAMPLE_EVENT);
    expect(result).toEqual({ published: false, skipped: 'repository amazon/amazon-ecs-sample is not one of the 2 repositories in REPOSITORY_NAMES' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'Not notifying', reason: result.skipped }));
  });

  test('REPOSITORY_NAMES with the repository: published', async () => {
    process.env.REPOSITORY_NAMES = JSON.stringify(['amazon/amazon-ecs-sample']);
    expect((await handler(SAMPLE_EVENT)).published).toBe(true);
  });

  test.each([
    ['CRITICAL', { HIGH: 5, TOTAL: 9 }, false],
    ['CRITICAL', { CRITICAL: 1, TOTAL: 1 }, true],
    ['HIGH', { HIGH: 5, TOTAL: 9 }, true],
    ['HIGH', { MEDIUM: 5, TOTAL: 9 }, false],
    ['MEDIUM', { MEDIUM: 1 }, true],
    ['MEDIUM', { TOTAL: 4 }, false],
    ['LOW', { TOTAL: 4 }, true],
    ['LOW', { TOTAL: 0 }, false],
    ['UNTRIAGED', {}, false],
  ])('MIN_SEVERITY=%s with counts %j: published %s', async (min, counts, expected) => {
    process.env.MIN_SEVERITY = min;
    const result = await handler(scanEvent({ 'finding-severity-counts': counts }));
    expect(result.published).toBe(expected);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(expected ? 1 : 0);
    if (!expected) {
      expect(result.skipped).toMatch(new RegExp(`^no finding at or above MIN_SEVERITY ${min}`));
      expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
    }
  });

  test('without MIN_SEVERITY, a scan without findings is still notified', async () => {
    expect((await handler(scanEvent({ 'finding-severity-counts': {} }))).published).toBe(true);
  });
});

describe('locales and templates', () => {
  test('Japanese: the body is Japanese with the same facts; the subject stays printable ASCII', async () => {
    process.env.LOCALE = 'ja';
    inspector.on(ListFindingsCommand).resolves({ findings: [finding('HIGH', 'CVE-JA', { inspectorScore: 7.5 }, { fixedInVersion: undefined })] });
    await handler(scanEvent({ 'image-tags': [] }));
    const { body, subject, message } = mail();
    expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    expect(subject).toBe('[Inspector] CRITICAL 7 HIGH 61 MEDIUM 62 - amazon/amazon-ecs-sample@sha256:36c7b282abd0');
    expect(body).toContain('Amazon Inspector が amazon/amazon-ecs-sample@sha256:36c7b282abd0 のスキャンを完了しました。');
    expect(body).toContain('タグ:            タグなし');
    expect(body).toContain('LOW、INFORMATIONAL、UNTRIAGED の合計: 28 件');
    expect(body).toContain('  - HIGH CVE-JA\n    Inspector スコア 7.5、EPSS なし、エクスプロイト: 不明、修正: 不明\n    pkg 1.0.0、修正バージョン: 不明\n');
    expect(body).toContain('スキャンでは CRITICAL が 7 件ありましたが、Amazon Inspector にはもうありません');
    expect(body).toContain(DIGEST);
    expect(body).toContain('https://us-east-2.console.aws.amazon.com/ecr/repositories/private/123456789012/amazon/amazon-ecs-sample/_/image/');
    expect(JSON.parse(message.https).content.description).toContain('CRITICAL 7 件');
  });

  test('a 256-character repository name: the subject stays under 100 characters and keeps the counts and the tag', async () => {
    const name = `${'a'.repeat(120)}/${'b'.repeat(135)}`;
    expect(name).toHaveLength(256);
    await handler(scanEvent({ 'repository-name': `arn:aws:ecr:us-east-2:123456789012:repository/${name}` }));
    const { subject, attributes, body } = mail();
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^\[Inspector\] CRITICAL 7 HIGH 61 MEDIUM 62 - \.\.\.b+:latest$/);
    expect(attributes.repository).toBe(name); // kept whole up to 256 characters, so filter policies on the full name match
    expect(body).toContain(`  Repository:      ${name}\n`);
  });

  test('a 256-character repository name and a 128-character tag still fit', async () => {
    const name = 'c'.repeat(256);
    const tag = 'T'.repeat(128);
    await handler(scanEvent({ 'repository-name': `arn:aws:ecr:us-east-2:123456789012:repository/${name}`, 'image-tags': [tag] }));
    const { subject } = mail();
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^\[Inspector\] CRITICAL 7 HIGH 61 MEDIUM 62 - \.\.\.c+:T+\.\.\.$/);
  });

  test('custom templates from TEMPLATE_SUBJECT and TEMPLATE_BODY replace the built-in ones', async () => {
    process.env.TEMPLATE_SUBJECT = 'Scan of {{repositoryName}}: {{severity}} & more';
    process.env.TEMPLATE_BODY = '{{#findings}}{{id}} {{firstPackage.name}} {{epssPercent}}\n{{/findings}}Total {{counts.total}} <{{links.ecr}}>\n{{#findings}}{{> finding}}{{/findings}}';
    await handler(SAMPLE_EVENT);
    const { subject, body } = mail();
    expect(subject).toBe('Scan of amazon/amazon-ecs-sample: CRITICAL & more');
    expect(body).toMatch(/^CVE-2023-38545 curl 23.6%\nCVE-2023-45853 zlib1g 1.2%\n/);
    expect(body).toContain('- CRITICAL CVE-2023-38545\n  Inspector score 9.8, EPSS 23.6%, exploit available: NO, fix available: YES\n'); // the partial works in custom templates
    expect(body).toContain('Total 158 <https://us-east-2.console.aws.amazon.com/ecr/repositories/private/');
  });
});
