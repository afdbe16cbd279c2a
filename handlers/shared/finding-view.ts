/**
 * One Amazon Inspector finding as every mail shows it (the scan mail's "worst findings" and the
 * new-findings mail). Takes a finding in either form it reaches us: a ListFindings `Finding` of
 * `@aws-sdk/client-inspector2` (timestamps as `Date`) or the `detail` of an `Inspector2 Finding`
 * event (same field names, timestamps as strings such as "Dec 3, 2021, 6:02:30 PM"). Fields are
 * read defensively: real findings lack documented fields and carry zero-valued ones.
 */
import { findingConsoleLink } from './console';
import type { FindingPackageSource, FindingSource } from './finding-source';
import { displayFindingTime } from './timestamp';

export type { FindingPackageSource, FindingSource, FindingTime } from './finding-source';

/** A vulnerable package as the templates show it. */
export interface PackageView {
  readonly name: string;
  /** Installed version (`version-release`, with a non-zero epoch unless the fixed version is given without one); '' when unknown. */
  readonly installed: string;
  /** Fixed version, in the same epoch form as `installed`; '' when there is none or it is unknown. */
  readonly fixed: string;
  /** No fixed version: Inspector says the finding has no fix (`fixAvailable: NO`). */
  readonly noFix: boolean;
  /** No fixed version, and Inspector does not say there is none. */
  readonly fixUnknown: boolean;
  /** Path of the file that holds the package (language packages, binaries); '' when not given. */
  readonly filePath: string;
}

/** Options of `toFindingView`. */
export interface FindingViewOptions {
  /** Packages listed by name; the rest are counted. @default DEFAULT_MAX_PACKAGES */
  readonly maxPackages?: number;
  /** Partition and region for the console link when the finding ARN lacks them. @default from the finding ARN */
  readonly partition?: string;
  readonly region?: string;
}

/** One finding as the templates (`templates/finding.*.mustache`) see it. */
export interface FindingView {
  readonly arn: string;
  /** Finding type as Inspector gives it; '' when absent. */
  readonly type: string;
  /** A package vulnerability with packages listed. */
  readonly isPackage: boolean;
  /** Neither a code nor a network finding: score, EPSS, exploit and fix availability apply. */
  readonly isVulnerability: boolean;
  readonly isCode: boolean;
  readonly isNetwork: boolean;
  /** Severity; `UNTRIAGED` when absent. */
  readonly severity: string;
  /** CVE or other vulnerability id; for other types the title (or the ARN's last part). */
  readonly id: string;
  /** The title when it does not start with `id` (package findings repeat the id and packages in it); else ''. */
  readonly title: string;
  readonly status: string;
  /** Inspector score as text; '' when absent. */
  readonly score: string;
  /** EPSS score (0 to 1) as text, up to 5 decimals; '' when absent. */
  readonly epss: string;
  /** EPSS as a percentage, such as `0.044%`; '' when absent. */
  readonly epssPercent: string;
  /** EPSS score as a number, for payloads and attributes; undefined when absent. */
  readonly epssScore?: number;
  /** `YES`, `NO`, or '' when Inspector does not say. */
  readonly exploitAvailable: string;
  readonly exploitYes: boolean;
  readonly exploitNo: boolean;
  /** `YES`, `NO`, `PARTIAL`, or '' when Inspector does not say. */
  readonly fixAvailable: string;
  readonly fixYes: boolean;
  readonly fixNo: boolean;
  readonly fixPartial: boolean;
  /** The packages listed, at most `maxPackages`. */
  readonly packages: readonly PackageView[];
  /** All packages of the finding. */
  readonly packageCount: number;
  /** Packages not listed; 0 when none. */
  readonly morePackages: number;
  readonly morePackagesPlural: boolean;
  /** The first package, for one-line forms (chat); undefined when the finding has none. */
  readonly firstPackage?: PackageView;
  /** Packages besides the first; 0 when none. */
  readonly otherPackages: number;
  readonly otherPackagesPlural: boolean;
  /** Code findings: detector, file and lines, CWEs. */
  readonly code?: { readonly detector: string; readonly file: string; readonly lines: string; readonly cwes: string };
  /** Network reachability findings: port range and protocol, such as `22` / `TCP`. */
  readonly network?: { readonly ports: string; readonly protocol: string };
  readonly firstObserved: string;
  readonly lastObserved: string;
  readonly updated: string;
  /** The finding in the Inspector console; '' without an ARN. */
  readonly link: string;
}

/** Packages listed by default; the rest are counted ("and 2 more packages"). */
export const DEFAULT_MAX_PACKAGES = 5;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function oneOf(value: unknown, allowed: readonly string[]): string {
  const v = text(value).toUpperCase();
  return allowed.includes(v) ? v : '';
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An EPSS score (a probability) with up to 5 decimals: `0.00044`, `0.9731`. */
export function formatEpss(score: number): string {
  return String(Number(score.toFixed(5)));
}

/** An EPSS score as a percentage with two significant digits, at most two decimals: `0.044%`, `97%`. */
export function formatEpssPercent(score: number): string {
  const percent = score * 100;
  if (percent === 0) return '0%';
  if (percent < 0.001) return '<0.001%';
  return `${Number(percent >= 10 ? percent.toFixed(1) : percent.toPrecision(2))}%`;
}

const EPOCH = /^(\d+):(.+)$/;

/**
 * Installed and fixed versions in the same epoch form. Inspector gives the installed version in
 * parts (`epoch` 0, `version` 7.61.1, `release` 18.el8) and the fixed one whole, sometimes with the
 * epoch (`0:7.61.1-18.el8_4.1`), sometimes without (`3.16.3`). The default epoch 0 is left out of
 * both; another epoch is shown on the installed version unless the fixed version is given without
 * one, so that the two always read in the same form.
 */
export function packageVersions(p: FindingPackageSource): { installed: string; fixed: string } {
  const version = text(p.version);
  const release = text(p.release);
  const base = version ? (release ? `${version}-${release}` : version) : '';
  let fixed = text(p.fixedInVersion);
  if (fixed.toLowerCase() === 'notavailable') fixed = '';
  const fixedEpoch = EPOCH.exec(fixed);
  if (fixedEpoch && Number(fixedEpoch[1]) === 0) fixed = fixedEpoch[2];
  const rawEpoch: unknown = p.epoch;
  const epoch = typeof rawEpoch === 'string' && /^\d+$/.test(rawEpoch) ? Number(rawEpoch) : num(rawEpoch) ?? 0;
  // A fixed version without an epoch: the installed one is shown without it too, so both read alike.
  const showEpoch = epoch > 0 && (!fixed || fixedEpoch !== null);
  const installed = base && showEpoch ? `${epoch}:${base}` : base;
  return { installed, fixed };
}

function packageView(p: FindingPackageSource, fixAvailable: string): PackageView {
  const { installed, fixed } = packageVersions(p);
  return {
    name: text(p.name) || 'unknown package',
    installed,
    fixed,
    noFix: !fixed && fixAvailable === 'NO',
    fixUnknown: !fixed && fixAvailable !== 'NO',
    filePath: text(p.filePath),
  };
}

function codeView(details: Record<string, unknown>): FindingView['code'] {
  const file = record(details.filePath);
  const start = num(file.startLine);
  const end = num(file.endLine);
  const cwes = Array.isArray(details.cwes) ? details.cwes.filter((c) => typeof c === 'string') : [];
  return {
    detector: text(details.detectorName) || text(details.detectorId),
    file: text(file.filePath) || text(file.fileName),
    lines: start === undefined ? '' : end === undefined || end === start ? String(start) : `${start}-${end}`,
    cwes: cwes.join(', '),
  };
}

function networkView(details: Record<string, unknown>): FindingView['network'] {
  const range = record(details.openPortRange);
  const begin = num(range.begin);
  const end = num(range.end);
  return {
    ports: begin === undefined ? '' : end === undefined || end === begin ? String(begin) : `${begin}-${end}`,
    protocol: text(details.protocol),
  };
}

/** Turns one Inspector finding (SDK `Finding` or event `detail`) into what the templates show. Pure. */
export function toFindingView(finding: FindingSource, options: FindingViewOptions = {}): FindingView {
  const f = finding as unknown as Record<string, unknown>;
  const type = text(f.type);
  const vuln = record(f.packageVulnerabilityDetails);
  const fixAvailable = oneOf(f.fixAvailable, ['YES', 'NO', 'PARTIAL']);
  const exploitAvailable = oneOf(f.exploitAvailable, ['YES', 'NO']);
  const rawPackages = Array.isArray(vuln.vulnerablePackages) ? vuln.vulnerablePackages.map(record) : [];
  const all = rawPackages.map((p) => packageView(p as FindingPackageSource, fixAvailable));
  const max = Math.max(options.maxPackages ?? DEFAULT_MAX_PACKAGES, 1);
  const packages = all.slice(0, max);
  const arn = text(f.findingArn);
  const title = text(f.title);
  const id = text(vuln.vulnerabilityId) || title || arn.split('/').pop() || 'unknown finding';
  const score = num(f.inspectorScore);
  const epssScore = num(record(f.epss).score);
  const isCode = type === 'CODE_VULNERABILITY';
  const isNetwork = type === 'NETWORK_REACHABILITY';
  return {
    arn,
    type,
    isPackage: !isCode && !isNetwork && all.length > 0,
    isVulnerability: !isCode && !isNetwork,
    isCode,
    isNetwork,
    severity: text(f.severity) || 'UNTRIAGED',
    id,
    // Package findings are titled "CVE-2021-22923 - curl, libcurl-minimal": the id and the packages again.
    title: title && !title.startsWith(id) ? title : '',
    status: text(f.status),
    score: score === undefined ? '' : String(score),
    epss: epssScore === undefined ? '' : formatEpss(epssScore),
    epssPercent: epssScore === undefined ? '' : formatEpssPercent(epssScore),
    epssScore,
    exploitAvailable,
    exploitYes: exploitAvailable === 'YES',
    exploitNo: exploitAvailable === 'NO',
    fixAvailable,
    fixYes: fixAvailable === 'YES',
    fixNo: fixAvailable === 'NO',
    fixPartial: fixAvailable === 'PARTIAL',
    packages,
    packageCount: all.length,
    morePackages: all.length - packages.length,
    morePackagesPlural: all.length - packages.length !== 1,
    firstPackage: all[0],
    otherPackages: Math.max(all.length - 1, 0),
    otherPackagesPlural: all.length - 1 !== 1,
    code: isCode ? codeView(record(f.codeVulnerabilityDetails)) : undefined,
    network: isNetwork ? networkView(record(f.networkReachabilityDetails)) : undefined,
    firstObserved: displayFindingTime(f.firstObservedAt),
    lastObserved: displayFindingTime(f.lastObservedAt),
    updated: displayFindingTime(f.updatedAt),
    link: arn ? findingConsoleLink(arn, options) : '',
  };
}

/** One finding in the structured payload (SQS, Lambda, e-mail-json): the facts, without template flags. */
export function findingPayload(view: FindingView): Record<string, unknown> {
  return {
    findingArn: view.arn || null,
    type: view.type || null,
    severity: view.severity,
    id: view.id,
    title: view.title || null,
    inspectorScore: view.score === '' ? null : Number(view.score),
    epssScore: view.epssScore ?? null,
    exploitAvailable: view.exploitAvailable || null,
    fixAvailable: view.fixAvailable || null,
    packageCount: view.packageCount,
    packages: view.packages.map((p) => ({
      name: p.name,
      installed: p.installed || null,
      fixed: p.fixed || null,
      ...(p.filePath ? { filePath: p.filePath } : {}),
    })),
    ...(view.code ? { code: view.code } : {}),
    ...(view.network ? { network: view.network } : {}),
    link: view.link || null,
  };
}
