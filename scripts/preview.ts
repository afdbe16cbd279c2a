/**
 * Prints the mail the scan formatter would send for an Inspector2 Scan event, without any AWS call.
 *
 *   npm run preview -- [event.json] [--findings list-findings.json] [--locale ja] [--json]
 *   npm run preview -- --runtime [guardduty|falco|event.json] [--json]
 *
 * With no event file it uses the AWS documentation's sample event and a real-shaped ListFindings
 * response (test/fixtures/inspector2-list-findings-packages.json: several packages per finding,
 * EPSS, exploit and fix availability). LOCALE, MIN_SEVERITY, TOP_FINDINGS, REPOSITORY_NAMES, TEMPLATE_SUBJECT
 * and TEMPLATE_BODY are read from the environment as the handler reads them; TOPIC_ARN is not needed.
 */
import * as fs from 'fs';
import * as path from 'path';

// Templates are imported as text, as esbuild's text loader does in the bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require.extensions['.mustache'] = (module, filename) => {
  (module as NodeJS.Module).exports = fs.readFileSync(filename, 'utf8');
};

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

interface Args {
  event?: string;
  findings?: string;
  locale?: string;
  json: boolean;
  /** Preview a runtime threat alert instead of a scan mail. */
  runtime: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, runtime: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--findings') args.findings = argv[++i];
    else if (a === '--locale') args.locale = argv[++i];
    else if (a === '--json') args.json = true;
    else if (a === '--runtime') args.runtime = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run preview -- [event.json] [--findings list-findings.json] [--locale en|ja] [--json]\n'
        + '       npm run preview -- --runtime [guardduty|falco|event.json] [--json]\n');
      process.exit(0);
    } else if (a.startsWith('--')) throw new Error(`Unknown option ${a}: see --help`);
    else args.event = a;
  }
  return args;
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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
  const scan = parseScanEvent(readJson(eventFile));
  const config = loadConfig({
    ...process.env,
    TOPIC_ARN: process.env.TOPIC_ARN || `arn:aws:sns:${scan.region}:${scan.account}:preview`,
    ...(args.locale ? { LOCALE: args.locale } : {}),
  });
  const counts = fillCounts(scan.rawCounts);
  const skipped = skipReason(scan, counts, config);
  if (skipped) {
    process.stdout.write(`No mail would be sent: ${skipped}.\n`);
    return;
  }
  let lookup: import('../handlers/scan-formatter/findings').FindingsLookup = NO_LOOKUP;
  if (findingsFile && config.topFindings > 0) {
    // A saved answer without a nextToken is the whole listing: sorted and cut as the handler does.
    const raw = readJson(findingsFile) as { findings?: import('@aws-sdk/client-inspector2').Finding[]; nextToken?: string };
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
  process.stderr.write(`preview: ${(err as Error).message}\n`);
  process.exit(1);
});
