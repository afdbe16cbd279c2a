/**
 * Prints the mail the scan formatter would send for an Inspector2 Scan event, without any AWS call.
 *
 *   npm run preview -- [event.json] [--findings list-findings.json] [--locale ja] [--min-severity HIGH]
 *     [--top-findings 5] [--repositories team/app,team/api] [--subject-template text] [--body-template file] [--json]
 *   npm run preview -- --runtime [guardduty|falco|event.json] [--json]
 *   npm run preview -- --new-findings [finding-event.json ...] [--locale ja] [--json]   (scripts/preview-new-findings.ts)
 *
 * With no event file it uses the AWS documentation's sample event and a real-shaped ListFindings
 * response (test/fixtures/inspector2-list-findings-packages.json: several packages per finding,
 * EPSS, exploit and fix availability). Each flag sets what the handler reads from one environment
 * variable (`--locale` is LOCALE ...); the environment itself is not read, and errors name the flags.
 */
import * as fs from 'fs';
import * as path from 'path';

// Templates are imported as text, as esbuild's text loader does in the bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require.extensions['.mustache'] = (module, filename) => {
  (module as NodeJS.Module).exports = fs.readFileSync(filename, 'utf8');
};

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

const USAGE = 'usage: npm run preview -- [event.json] [--findings list-findings.json] [--locale en|ja] [--min-severity CRITICAL|HIGH|MEDIUM|LOW|INFORMATIONAL]\n'
  + '  [--top-findings 0-100] [--repositories team/app,team/api] [--subject-template text] [--body-template file.mustache] [--json]\n'
  + '       npm run preview -- --runtime [guardduty|falco|event.json] [--json]\n';

/** The flags that stand for the handler's environment variables. */
const SETTINGS: Record<string, string> = {
  '--locale': 'LOCALE',
  '--min-severity': 'MIN_SEVERITY',
  '--top-findings': 'TOP_FINDINGS',
  '--repositories': 'REPOSITORY_NAMES',
  '--subject-template': 'TEMPLATE_SUBJECT',
  '--body-template': 'TEMPLATE_BODY',
};

interface Args {
  event?: string;
  findings?: string;
  /** The handler's environment, from the flags. */
  env: Record<string, string>;
  json: boolean;
  /** Preview a runtime threat alert instead of a scan mail. */
  runtime: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { env: {}, json: false, runtime: false };
  const value = (flag: string, i: number): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value: see --help`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--findings') args.findings = value(a, ++i);
    else if (a === '--json') args.json = true;
    else if (a === '--runtime') args.runtime = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (a === '--repositories') {
      args.env.REPOSITORY_NAMES = JSON.stringify(value(a, ++i).split(',').map((r) => r.trim()).filter((r) => r));
    } else if (a === '--body-template') {
      const file = value(a, ++i);
      args.env.TEMPLATE_BODY = readText(file, '--body-template');
    } else if (SETTINGS[a]) args.env[SETTINGS[a]] = value(a, ++i);
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}: see --help`);
    else if (args.event) throw new Error(`one event file at a time, not ${args.event} and ${a}`);
    else args.event = a;
  }
  return args;
}

/** A message of the handler's configuration, with each environment variable named by its flag. */
function inFlags(message: string): string {
  // The handler's ConfigurationError speaks to the construct's user; here the flags are the settings.
  let out = message.replace(/^Invalid configuration: environment variable /, '').replace(/\s*The \w+ construct sets it: .*$/s, '');
  for (const [flag, variable] of Object.entries(SETTINGS)) out = out.replace(new RegExp(`\\b${variable}\\b`, 'g'), flag);
  return out.replace(/\bno variable\b/g, 'no such flag').replace(/a JSON array of repository names, such as \["team\/app","team\/api"\]/, 'repository names such as team/app,team/api');
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? `${what} ${file} does not exist` : `${what} ${file} cannot be read: ${(err as Error).message}`);
  }
}

function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${file} is not JSON: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--new-findings')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { previewNewFindings } = require('./preview-new-findings') as typeof import('./preview-new-findings');
    const rest = argv.filter((a) => a !== '--new-findings');
    const localeAt = rest.indexOf('--locale');
    const locale = localeAt >= 0 ? rest[localeAt + 1] : undefined;
    const files = rest.filter((a, i) => !a.startsWith('--') && rest[i - 1] !== '--locale');
    previewNewFindings(files, locale, rest.includes('--json'), (text) => process.stdout.write(text));
    return;
  }
  const args = parseArgs(argv);
  if (args.runtime) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { previewRuntime } = require('./preview-runtime') as typeof import('./preview-runtime');
    return previewRuntime(args.event, args.json, (text) => process.stdout.write(text));
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { buildPublishInput } = require('../handlers/shared/notification') as typeof import('../handlers/shared/notification');
  const { loadConfig } = require('../handlers/scan-formatter/config') as typeof import('../handlers/scan-formatter/config');
  const { parseScanEvent } = require('../handlers/scan-formatter/event') as typeof import('../handlers/scan-formatter/event');
  const { fillCounts } = require('../handlers/scan-formatter/counts') as typeof import('../handlers/scan-formatter/counts');
  const { NO_LOOKUP, sortFindings } = require('../handlers/scan-formatter/findings') as typeof import('../handlers/scan-formatter/findings');
  const { formatScan } = require('../handlers/scan-formatter/render') as typeof import('../handlers/scan-formatter/render');
  const { skipReason } = require('../handlers/scan-formatter/decide') as typeof import('../handlers/scan-formatter/decide');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const eventFile = args.event ?? path.join(FIXTURES, 'inspector2-scan.json');
  const findingsFile = args.findings ?? (args.event ? undefined : path.join(FIXTURES, 'inspector2-list-findings-packages.json'));
  const scan = parseScanEvent(readJson(eventFile, 'the event file'));
  const config = loadConfig({ ...args.env, TOPIC_ARN: `arn:aws:sns:${scan.region}:${scan.account}:preview` });
  const counts = fillCounts(scan.rawCounts);
  const skipped = skipReason(scan, counts, config);
  if (skipped) {
    process.stdout.write(`No mail would be sent: ${inFlags(skipped)}.\n`);
    return;
  }
  let lookup: import('../handlers/scan-formatter/findings').FindingsLookup = NO_LOOKUP;
  if (findingsFile && config.topFindings > 0) {
    // A saved answer without a nextToken is the whole listing: sorted and cut as the handler does.
    const raw = readJson(findingsFile, 'the findings file') as { findings?: import('@aws-sdk/client-inspector2').Finding[]; nextToken?: string };
    lookup = { status: 'ok', findings: sortFindings(raw.findings ?? []).slice(0, config.topFindings), ended: !raw.nextToken, pages: 1 };
  }
  const notification = formatScan(scan, counts, lookup, config);
  if (args.json) {
    process.stdout.write(JSON.stringify(buildPublishInput(config.topicArn, notification), null, 2) + '\n');
    return;
  }
  const attrs = Object.entries(notification.attributes).map(([k, v]) => `${k}=${v}`).join(' ');
  process.stdout.write(`Subject: ${buildPublishInput(config.topicArn, notification).Subject}\n`);
  process.stdout.write(`Attributes: ${attrs}\n`);
  process.stdout.write(`Event: ${path.relative(process.cwd(), eventFile)}${findingsFile ? `, findings: ${path.relative(process.cwd(), findingsFile)}` : ', findings: none (pass --findings <ListFindings response.json>)'}\n\n`);
  process.stdout.write(notification.text);
}

main().catch((err) => {
  process.stderr.write(`preview: ${inFlags((err as Error).message)}\n`);
  process.exit(1);
});
