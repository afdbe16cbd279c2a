/**
 * `npm run preview -- --new-findings [finding-event.json ...] [--locale en|ja] [--json]`: prints the
 * new-findings mail the finding digest would send for one image, without any AWS call. The events
 * are taken as findings new to the image (the first event's image); with no file, the AWS
 * documentation's sample Finding event plus a CRITICAL variation with an exploit and a fix. Both
 * languages are printed unless --locale is given.
 */
import * as fs from 'fs';
import * as path from 'path';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

/** The sample Finding event and a worse variation of it, as a day of continuous scanning may bring. */
export function sampleFindingEvents(): unknown[] {
  const sample = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'inspector2-finding.json'), 'utf8'));
  const worse = JSON.parse(JSON.stringify(sample));
  worse.detail.findingArn = sample.detail.findingArn.replace(/[^/]+$/, 'a1b2c3d4e5f60718293a4b5cEXAMPLE');
  worse.detail.severity = 'CRITICAL';
  worse.detail.title = 'CVE-2023-38545 - curl, libcurl';
  worse.detail.inspectorScore = 9.8;
  worse.detail.epss = { score: 0.2741 };
  worse.detail.exploitAvailable = 'YES';
  worse.detail.fixAvailable = 'YES';
  worse.detail.packageVulnerabilityDetails.vulnerabilityId = 'CVE-2023-38545';
  worse.detail.packageVulnerabilityDetails.vulnerablePackages = [
    { name: 'curl', version: '7.79.1', release: '1.amzn2.0.1', epoch: 0, fixedInVersion: '0:8.3.0-1.amzn2.0.4', packageManager: 'OS' },
    { name: 'libcurl', version: '7.79.1', release: '1.amzn2.0.1', epoch: 0, fixedInVersion: '0:8.3.0-1.amzn2.0.4', packageManager: 'OS' },
  ];
  worse.detail.firstObservedAt = 'Dec 20, 2021, 9:00:00 AM';
  return [sample, worse];
}

/** Prints the mail(s). */
export function previewNewFindings(files: string[], locale: string | undefined, json: boolean, write: (text: string) => void): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parseFindingEvent } = require('../handlers/finding-tracker/event') as typeof import('../handlers/finding-tracker/event');
  const { planDigest } = require('../handlers/finding-digest/decide') as typeof import('../handlers/finding-digest/decide');
  const { formatDigest } = require('../handlers/finding-digest/render') as typeof import('../handlers/finding-digest/render');
  const { buildPublishInput } = require('../handlers/shared/notification') as typeof import('../handlers/shared/notification');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const events = files.length ? files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8'))) : sampleFindingEvents();
  const parsed = events.map((e) => parseFindingEvent(e));
  const image = parsed[0].image;
  const findings = parsed.filter((f) => f.image.digest === image.digest).map((f) => ({
    sk: `f#${f.findingArn}`, findingArn: f.findingArn, status: f.status, severity: f.severity, fp: '', pending: 'new' as const,
    notified: false, initial: false, eventTimeMs: f.eventTimeMs, firstObservedAtMs: f.firstObservedAtMs, imageActivityMs: f.imageActivityMs,
    pushedAtMs: f.pushedAtMs, finding: f.finding, tags: f.image.tags, region: f.region,
  }));
  // The preview has no scan-mail record and waits for nothing: as a digest after its one deferral.
  const plan = planDigest({ scanCompletedAtMs: 0 }, findings, 1);
  if (plan.action !== 'mail') {
    write(`No mail would be sent: ${plan.reason}.\n`);
    return;
  }
  for (const lang of locale ? [locale] : ['en', 'ja']) {
    if (lang !== 'en' && lang !== 'ja') throw new Error(`--locale is "${lang}": expected en or ja`);
    const notification = formatDigest(image, plan, { locale: lang, windowSeconds: 300 });
    const input = buildPublishInput(`arn:aws:sns:${parsed[0].region}:${image.account}:preview`, notification);
    if (json) {
      write(JSON.stringify(input, null, 2) + '\n');
      continue;
    }
    const attrs = Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => `${k}=${v.StringValue}`).join(' ');
    write(`=== new-findings mail (${lang}) ===\nSubject: ${input.Subject}\nAttributes: ${attrs}\n\n${notification.text}\n`);
  }
}
