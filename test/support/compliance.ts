import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { testApp } from './app';

/** One unacknowledged finding of cdk-nag or cfn-guard. */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly path: string;
}

/**
 * Rules this project does not follow by default, each with the reason. The README's
 * "Compliance" section lists the same exceptions; users who need them set the props named.
 */
export const DOCUMENTED_EXCEPTIONS: Record<string, string> = {
  'cdk-validator-cfnguard::lambda_inside_vpc_check':
    'The functions call only AWS APIs and need no VPC; a VPC without NAT or endpoints would break them.',
  'cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check':
    'CloudWatch Logs encrypts log groups by default; the logs hold event metadata, not secrets.',
};

/**
 * Builds an app with cdk-nag's AwsSolutions pack and the cfn-guard Control Tower rules,
 * synthesizes it, and returns every unacknowledged finding.
 */
export function complianceFindings(build: (app: App) => void, exceptions: Record<string, string> = DOCUMENTED_EXCEPTIONS): Finding[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-guard-compliance-'));
  const app = testApp({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
  for (const [id, reason] of Object.entries(exceptions)) {
    Validations.of(app).acknowledge({ id, reason });
  }
  build(app);
  // The CDK prints the validation report to stderr when a rule fails; the findings are read from
  // validation-report.json below, so the printed copy is kept out of the test output.
  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  // cdk-nag's rules read deprecated L1 properties (CfnEventBusPolicy#principal) of every resource,
  // which prints a deprecation warning that is not about our code: quiet while the plugins run only
  // (the constructs were built above, with deprecation warnings on).
  const deprecated = process.env.JSII_DEPRECATED;
  process.env.JSII_DEPRECATED = 'quiet';
  try {
    app.synth();
  } catch (e) {
    if (!/Validation ?[fF]ailed/.test(String(e))) throw e;
  } finally {
    printed.mockRestore();
    if (deprecated === undefined) delete process.env.JSII_DEPRECATED;
    else process.env.JSII_DEPRECATED = deprecated;
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  const findings: Finding[] = [];
  for (const plugin of report.pluginReports) {
    for (const violation of plugin.violations ?? []) {
      for (const construct of violation.violatingConstructs ?? []) {
        findings.push({ plugin: plugin.pluginName, rule: violation.ruleName, path: construct.constructPath });
      }
    }
  }
  return findings;
}
