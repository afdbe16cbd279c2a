/**
 * The runtime threat alert preview: `npm run preview -- --runtime [guardduty|falco|event.json] [--json]`.
 * Inspector is answered from test/fixtures/inspector2-runtime-image.json (an illustrative image with
 * exploitable findings); no AWS call is made.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ListFindingAggregationsCommand } from '@aws-sdk/client-inspector2';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');
const SAMPLES: Record<string, string> = { guardduty: 'guardduty-runtime-eks.json', falco: 'falcosidekick-sns.json' };

/** Prints the alert(s) the runtime threat handler would publish for `source` (a sample name or an event file). */
export async function previewRuntime(source: string | undefined, json: boolean, write: (text: string) => void): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parseAlerts } = require('../handlers/runtime-threat/index') as typeof import('../handlers/runtime-threat/index');
  const { loadConfig } = require('../handlers/runtime-threat/config') as typeof import('../handlers/runtime-threat/config');
  const { linkImages } = require('../handlers/runtime-threat/image-link') as typeof import('../handlers/runtime-threat/image-link');
  const { buildNotification } = require('../handlers/runtime-threat/render') as typeof import('../handlers/runtime-threat/render');
  const { buildPublishInput } = require('../handlers/shared/notification') as typeof import('../handlers/shared/notification');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = SAMPLES[source ?? 'guardduty'] ? path.join(FIXTURES, SAMPLES[source ?? 'guardduty']) : source!;
  const answers = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'inspector2-runtime-image.json'), 'utf8'));
  const inspector = {
    send: async (command: any) => (command instanceof ListFindingAggregationsCommand ? answers.aggregation : {
      findings: answers.findings.findings.filter((f: any) => !command.input.filterCriteria.exploitAvailable || f.exploitAvailable === 'YES'),
    }),
  };
  const alerts = parseAlerts(JSON.parse(fs.readFileSync(file, 'utf8')));
  for (const alert of alerts) {
    if (!alert) {
      write('No alert would be sent: not a GuardDuty Runtime Monitoring finding.\n');
      continue;
    }
    const config = loadConfig({
      ...process.env,
      TOPIC_ARN: process.env.TOPIC_ARN || `arn:aws:sns:${alert.region}:${alert.account}:preview`,
      DEDUP_TABLE: process.env.DEDUP_TABLE || 'preview',
      AWS_REGION: process.env.AWS_REGION || alert.region,
    });
    const links = await linkImages(inspector as any, alert.images, { region: config.region, topFindings: config.topFindings, budgetMs: 1000, policy: config.policy });
    const notification = buildNotification(alert, links);
    const input = buildPublishInput(config.topicArn, notification);
    if (json) {
      write(JSON.stringify(input, null, 2) + '\n');
      continue;
    }
    write(`Subject: ${input.Subject}\n`);
    write(`Attributes: ${Object.entries(notification.attributes).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    write(`Event: ${path.relative(process.cwd(), file)}, Inspector: illustrative (test/fixtures/inspector2-runtime-image.json)\n\n`);
    write(notification.text);
  }
}
