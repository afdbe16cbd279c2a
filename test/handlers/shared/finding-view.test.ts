import { findingConsoleLink } from '../../../handlers/shared/console';
import { findingPartials } from '../../../handlers/shared/finding-templates';
import {
  findingPayload, formatEpss, formatEpssPercent, packageVersions, toFindingView,
} from '../../../handlers/shared/finding-view';
import { renderText } from '../../../handlers/shared/render';
import { displayFindingTime, parseFindingTime } from '../../../handlers/shared/timestamp';
import { fixture, sdkFindings } from '../../support/inspector-findings';

const [GO, CURL, SYSTEMD, ZLIB] = sdkFindings('inspector2-list-findings-packages.json');
const [CODE, NETWORK] = sdkFindings('inspector2-findings-other-types.json');
/** The AWS documentation's sample `Inspector2 Finding` event: `detail` has string timestamps. */
const EVENT_DETAIL = fixture('inspector2-finding.json').detail;

function render(view: object, locale: 'en' | 'ja' = 'en', partial = 'finding'): string {
  return renderText(`{{> ${partial}}}`, view, findingPartials(locale));
}

describe('toFindingView on a ListFindings finding (SDK form, Date timestamps)', () => {
  test('lists every package with its own installed and fixed version and file path', () => {
    const view = toFindingView(GO);
    expect(view.id).toBe('CVE-2023-44487');
    expect(view.title).toBe('');
    expect(view.packages).toEqual([
      { name: 'golang.org/x/net', installed: 'v0.15.0', fixed: '0.17.0', noFix: false, fixUnknown: false, filePath: 'usr/local/bin/server' },
      { name: 'google.golang.org/grpc', installed: 'v1.57.0', fixed: '1.58.3', noFix: false, fixUnknown: false, filePath: 'usr/local/bin/server' },
    ]);
    expect(view.morePackages).toBe(0);
    expect(view.otherPackages).toBe(1);
    expect(view.otherPackagesPlural).toBe(false);
  });

  test('shows score, EPSS, exploit and fix availability', () => {
    const view = toFindingView(GO);
    expect(view).toMatchObject({
      severity: 'HIGH', score: '7.5', epss: '0.94418', epssPercent: '94.4%', epssScore: 0.94418,
      exploitAvailable: 'YES', exploitYes: true, fixAvailable: 'YES', fixYes: true, isPackage: true,
    });
    expect(render(view)).toBe([
      '- HIGH CVE-2023-44487',
      '  Inspector score 7.5, EPSS 94.4%, exploit available: YES, fix available: YES',
      '  golang.org/x/net v0.15.0, fixed in: 0.17.0 (usr/local/bin/server)',
      '  google.golang.org/grpc v1.57.0, fixed in: 1.58.3 (usr/local/bin/server)',
      '  https://us-east-2.console.aws.amazon.com/inspector/v2/home?region=us-east-2#/findings/details/arn%3Aaws%3Ainspector2%3Aus-east-2%3A123456789012%3Afinding%2F8d6e2ca5b2a147a3c2b9a1f0e1d2c3b4',
      '',
    ].join('\n'));
  });

  test('drops the default epoch from both versions when the fixed one carries "0:"', () => {
    const view = toFindingView(CURL);
    expect(view.packages.map((p) => [p.installed, p.fixed])).toEqual([['7.61.1-18.el8', '7.61.1-18.el8_4.1'], ['7.61.1-18.el8', '7.61.1-18.el8_4.1']]);
  });

  test('a package without a fixed version and no fixAvailable is "unknown", not "no fix yet"', () => {
    const view = toFindingView(SYSTEMD);
    expect(view.fixAvailable).toBe('');
    expect(view.packages.every((p) => p.fixUnknown && !p.noFix && p.fixed === '')).toBe(true);
    const text = render(view);
    expect(text).toContain('  systemd-pam 239-45.el8, fixed in: unknown\n');
    expect(text).not.toContain('no fix yet');
    expect(text).toContain('exploit available: not given, fix available: not given');
  });

  test('"no fix yet" only with fixAvailable NO; NotAvailable is no version; a zero EPSS is shown', () => {
    const view = toFindingView(ZLIB);
    expect(view.packages[0]).toMatchObject({ installed: '1:1.2.13.dfsg-1', fixed: '', noFix: true, fixUnknown: false });
    expect(view.epss).toBe('0');
    expect(view.epssPercent).toBe('0%');
    expect(render(view)).toContain('  zlib1g 1:1.2.13.dfsg-1, fixed in: no fix yet\n');
    expect(render(view, 'ja')).toContain('  zlib1g 1:1.2.13.dfsg-1、修正バージョン: 修正版なし\n');
  });

  test('bounds the package list and counts the rest with the right plural', () => {
    const four = toFindingView(SYSTEMD, { maxPackages: 2 });
    expect(four.packages.map((p) => p.name)).toEqual(['systemd-pam', 'systemd']);
    expect(four.morePackages).toBe(2);
    expect(render(four)).toContain('  ... and 2 more packages\n');
    const three = toFindingView(SYSTEMD, { maxPackages: 3 });
    expect(render(three)).toContain('  ... and 1 more package\n');
    expect(render(three, 'ja')).toContain('  ... ほか 1 パッケージ\n');
    expect(toFindingView(SYSTEMD, { maxPackages: 0 }).packages).toHaveLength(1);
  });

  test('the chat line keeps the first package and the "more packages" note', () => {
    expect(render(toFindingView(SYSTEMD), 'en', 'findingChat')).toBe('• MEDIUM CVE-2021-33910 (score 5.5): systemd-pam 239-45.el8, fix unknown (and 3 more packages)\n');
    expect(render(toFindingView(GO), 'en', 'findingChat')).toBe('• HIGH CVE-2023-44487 (score 7.5): golang.org/x/net v0.15.0, fixed in 0.17.0 (and 1 more package); EPSS 94.4%; exploit available\n');
    expect(render(toFindingView(ZLIB), 'ja', 'findingChat')).toBe('• CRITICAL CVE-2023-45853 (スコア 9.8): zlib1g 1:1.2.13.dfsg-1、修正版なし、EPSS 0%\n');
  });

  test('Japanese mail form', () => {
    expect(render(toFindingView(GO), 'ja')).toContain('  Inspector スコア 7.5、EPSS 94.4%、エクスプロイト: あり、修正: あり\n  golang.org/x/net v0.15.0、修正バージョン: 0.17.0 (usr/local/bin/server)\n');
    expect(render(toFindingView(SYSTEMD), 'ja')).toContain('エクスプロイト: 不明、修正: 不明');
  });

  test('timestamps from Date', () => {
    expect(toFindingView(CURL).firstObserved).toBe('2023-04-15 02:03:02 UTC');
  });

  test('payload: facts without template flags', () => {
    expect(findingPayload(toFindingView(GO))).toEqual({
      findingArn: GO.findingArn,
      type: 'PACKAGE_VULNERABILITY',
      severity: 'HIGH',
      id: 'CVE-2023-44487',
      title: null,
      inspectorScore: 7.5,
      epssScore: 0.94418,
      exploitAvailable: 'YES',
      fixAvailable: 'YES',
      packageCount: 2,
      packages: [
        { name: 'golang.org/x/net', installed: 'v0.15.0', fixed: '0.17.0', filePath: 'usr/local/bin/server' },
        { name: 'google.golang.org/grpc', installed: 'v1.57.0', fixed: '1.58.3', filePath: 'usr/local/bin/server' },
      ],
      link: expect.stringContaining('#/findings/details/'),
    });
    expect(findingPayload(toFindingView(SYSTEMD))).toMatchObject({ epssScore: null, exploitAvailable: null, fixAvailable: null });
  });
});

describe('toFindingView on an Inspector2 Finding event detail (string timestamps)', () => {
  test('reads the documented sample the same way', () => {
    const view = toFindingView(EVENT_DETAIL);
    expect(view).toMatchObject({ id: 'CVE-2019-17498', severity: 'MEDIUM', score: '6.5', status: 'ACTIVE', epss: '', exploitAvailable: '', fixAvailable: '' });
    expect(view.packages).toEqual([{ name: 'libssh2', installed: '1.4.3-12.amzn2.2', fixed: '', noFix: false, fixUnknown: true, filePath: '' }]);
    expect(view.firstObserved).toBe('2021-12-03 18:02:30 UTC');
    expect(view.updated).toBe('2021-12-03 18:02:30 UTC');
    expect(render(view)).toContain('  libssh2 1.4.3-12.amzn2.2, fixed in: unknown\n');
  });

  test('the same finding as event detail and as SDK finding gives the same view', () => {
    const detail = JSON.parse(JSON.stringify(GO));
    detail.firstObservedAt = 'Oct 12, 2023, 2:14:02 PM';
    detail.lastObservedAt = 'Oct 12, 2023, 2:14:02 PM';
    detail.updatedAt = 'Oct 12, 2023, 2:14:02 PM';
    expect(toFindingView(detail)).toEqual(toFindingView({ ...GO, firstObservedAt: new Date('2023-10-12T14:14:02Z'), lastObservedAt: new Date('2023-10-12T14:14:02Z'), updatedAt: new Date('2023-10-12T14:14:02Z') }));
  });

  test('tolerates wrong types and missing fields', () => {
    const view = toFindingView({ severity: 42, packageVulnerabilityDetails: { vulnerablePackages: [null, { epoch: '2', version: '1.0', fixedInVersion: '2:1.1' }] }, epss: { score: 'high' } } as any);
    expect(view.severity).toBe('UNTRIAGED');
    expect(view.id).toBe('unknown finding');
    expect(view.link).toBe('');
    expect(view.epss).toBe('');
    expect(view.packages).toEqual([
      { name: 'unknown package', installed: '', fixed: '', noFix: false, fixUnknown: true, filePath: '' },
      { name: 'unknown package', installed: '2:1.0', fixed: '2:1.1', noFix: false, fixUnknown: false, filePath: '' },
    ]);
    expect(render(view)).toContain('  unknown package, fixed in: unknown\n');
  });
});

describe('non-vulnerability finding types', () => {
  test('code vulnerability: file, lines, detector and CWEs, never "? , fixed in"', () => {
    const view = toFindingView(CODE);
    expect(view).toMatchObject({ isCode: true, isPackage: false, id: 'CWE-117,93 - Log injection', title: '' });
    expect(view.code).toEqual({ detector: 'Log injection', file: 'src/app.py', lines: '12-14', cwes: 'CWE-117, CWE-93' });
    const text = render(view);
    expect(text).toBe([
      '- HIGH CWE-117,93 - Log injection',
      '  Code in src/app.py, line 12-14, detector: Log injection, CWE-117, CWE-93',
      `  ${view.link}`,
      '',
    ].join('\n'));
    expect(text).not.toMatch(/fixed in|^\s*\?|EPSS|exploit/m);
    expect(render(view, 'en', 'findingChat')).toBe('• HIGH CWE-117,93 - Log injection: code in src/app.py:12-14\n');
    expect(render(view, 'ja')).toContain('  コード: src/app.py 12-14 行目、検出ルール: Log injection、CWE-117, CWE-93\n');
  });

  test('network reachability: port and protocol', () => {
    const view = toFindingView(NETWORK);
    expect(view).toMatchObject({ isNetwork: true, isPackage: false, network: { ports: '22', protocol: 'TCP' } });
    const text = render(view);
    expect(text).toContain('  Reachable on port 22 (TCP)\n');
    expect(render({ ...view, score: '5.3' })).toContain('\n  Inspector score 5.3\n');
    expect(text).not.toMatch(/fixed in|^\s*\?|EPSS|exploit/m);
    expect(render(view, 'en', 'findingChat')).toBe('• MEDIUM Port 22 is reachable from an Internet Gateway - TCP: reachable on port 22/TCP\n');
    expect(toFindingView({ ...NETWORK, networkReachabilityDetails: { openPortRange: { begin: 1024, end: 65535 }, protocol: 'UDP' } }).network)
      .toEqual({ ports: '1024-65535', protocol: 'UDP' });
  });

  test('a package finding without packages shows only its heading and urgency', () => {
    const view = toFindingView({ ...GO, packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2023-44487', vulnerablePackages: [] } });
    expect(view.isPackage).toBe(false);
    expect(render(view).split('\n')).toHaveLength(4);
    expect(render(view, 'en', 'findingChat')).toBe('• HIGH CVE-2023-44487 (score 7.5); EPSS 94.4%; exploit available\n');
  });
});

describe('helpers', () => {
  test('packageVersions keeps the epoch form of both sides alike', () => {
    expect(packageVersions({ version: '7.61.1', release: '18.el8', epoch: 0, fixedInVersion: '0:7.61.1-18.el8_4.1' })).toEqual({ installed: '7.61.1-18.el8', fixed: '7.61.1-18.el8_4.1' });
    expect(packageVersions({ version: '2.5.0', epoch: 0, fixedInVersion: '3.16.3' })).toEqual({ installed: '2.5.0', fixed: '3.16.3' });
    expect(packageVersions({ version: '1.2.13.dfsg', release: '1', epoch: 1, fixedInVersion: '1:1.3.dfsg-1' })).toEqual({ installed: '1:1.2.13.dfsg-1', fixed: '1:1.3.dfsg-1' });
    expect(packageVersions({ version: '1.2.13.dfsg', release: '1', epoch: 1, fixedInVersion: '1.3.dfsg-1' })).toEqual({ installed: '1.2.13.dfsg-1', fixed: '1.3.dfsg-1' });
    expect(packageVersions({ version: '1.0', epoch: 1 })).toEqual({ installed: '1:1.0', fixed: '' });
    expect(packageVersions({ version: '1.0', fixedInVersion: 'NotAvailable' })).toEqual({ installed: '1.0', fixed: '' });
  });

  test('EPSS formats', () => {
    expect(formatEpss(0.000441234)).toBe('0.00044');
    expect(formatEpssPercent(0.00044)).toBe('0.044%');
    expect(formatEpssPercent(0.0000001)).toBe('<0.001%');
    expect(formatEpssPercent(0.05321)).toBe('5.3%');
    expect(formatEpssPercent(1)).toBe('100%');
  });

  test('finding timestamps in every form', () => {
    expect(parseFindingTime('Dec 3, 2021, 12:02:30 AM')?.toISOString()).toBe('2021-12-03T00:02:30.000Z');
    expect(parseFindingTime('Dec 3, 2021, 12:02:30 PM')?.toISOString()).toBe('2021-12-03T12:02:30.000Z');
    expect(parseFindingTime('Jan 31, 2024 9:05:00 PM')?.toISOString()).toBe('2024-01-31T21:05:00.000Z');
    expect(parseFindingTime(1638554596)?.toISOString()).toBe('2021-12-03T18:03:16.000Z');
    expect(parseFindingTime('2023-04-17T13:34:41.687000-05:00')?.toISOString()).toBe('2023-04-17T18:34:41.687Z');
    expect(parseFindingTime('Foo 3, 2021, 6:02:30 PM')).toBeUndefined();
    expect(parseFindingTime('Dec 3, 2021, 13:02:30 PM')).toBeUndefined();
    expect(parseFindingTime('2023-99-99T00:00')).toBeUndefined();
    expect(parseFindingTime(new Date(NaN))).toBeUndefined();
    expect(displayFindingTime('yesterday')).toBe('yesterday');
    expect(displayFindingTime(undefined)).toBe('');
  });
});

describe('console links', () => {
  test('a finding in each partition, and the fallback for an ARN without a region', () => {
    expect(findingConsoleLink('arn:aws-cn:inspector2:cn-north-1:123456789012:finding/abc')).toBe(
      'https://cn-north-1.console.amazonaws.cn/inspector/v2/home?region=cn-north-1#/findings/details/arn%3Aaws-cn%3Ainspector2%3Acn-north-1%3A123456789012%3Afinding%2Fabc');
    expect(findingConsoleLink('arn:aws-us-gov:inspector2:us-gov-west-1:123456789012:finding/abc')).toMatch(/^https:\/\/console\.amazonaws-us-gov\.com\/inspector\/v2\/home\?region=us-gov-west-1#/);
    expect(findingConsoleLink('finding/abc', { partition: 'aws', region: 'eu-west-1' })).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/inspector\/v2\/home\?region=eu-west-1#\/findings\/details\/finding%2Fabc$/);
    expect(findingConsoleLink('finding/abc')).toMatch(/^https:\/\/us-east-1\.console\.aws\.amazon\.com\//);
    expect(toFindingView({ findingArn: 'arn:aws:inspector2::123456789012:finding/x' }, { region: 'ap-northeast-1' }).link).toMatch(/^https:\/\/ap-northeast-1\./);
  });
});
