import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { inspectorRoleArn } from '../private/guard-statements';

/** How often enhanced scanning rescans the images a rule matches. */
export enum ScanFrequency {
  /** Scan each image once, when it is pushed. */
  SCAN_ON_PUSH = 'SCAN_ON_PUSH',
  /** Scan on push, and rescan whenever Amazon Inspector learns of a new vulnerability. */
  CONTINUOUS_SCAN = 'CONTINUOUS_SCAN',
}

/** One rule of the registry scanning configuration. */
export interface ScanningRule {
  /** How often images matched by this rule are scanned. */
  readonly frequency: ScanFrequency;

  /**
   * Repository name filters with `*` wildcards (for example `prod-*`), at most 100.
   *
   * @default ['*'] - every repository
   */
  readonly repositoryFilters?: string[];
}

/** Properties of `EnhancedScanning`. */
export interface EnhancedScanningProps {
  /**
   * The scanning rules: at most two, one per frequency. A repository matched by both
   * rules is scanned continuously.
   *
   * @default - one rule: continuous scanning of every repository
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html
   */
  readonly rules?: ScanningRule[];

  /**
   * Enable Amazon Inspector scanning of ECR in this account with a custom resource calling
   * the Inspector2 `Enable` API. Enabling is idempotent: it does nothing when Inspector
   * already scans ECR.
   *
   * @default true
   */
  readonly enableInspector?: boolean;

  /**
   * Disable Amazon Inspector scanning of ECR when this construct is deleted. Other teams or
   * a delegated administrator may rely on Inspector, so this is off by default.
   *
   * @default false
   */
  readonly disableInspectorOnDelete?: boolean;

  /**
   * The log group of the custom resource that enables Inspector.
   *
   * @default - a new log group that keeps logs for one year
   */
  readonly logGroup?: logs.ILogGroup;
}

const ENHANCED_SCANNING_SYMBOL = Symbol.for('cdk-ecr-scan-guard.EnhancedScanning');
const REPOSITORY_FILTER = /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/;
const MAX_FILTERS_PER_RULE = 100;

/**
 * Turns on ECR enhanced scanning with Amazon Inspector for the account and region:
 * an `AWS::ECR::RegistryScanningConfiguration` with scan type `ENHANCED`, and a custom
 * resource that enables Inspector for ECR (there is no CloudFormation resource for it).
 *
 * There is one registry scanning configuration per account and region, so define one
 * `EnhancedScanning` per account and region; a second one in the same stack is an error.
 */
export class EnhancedScanning extends Construct {
  /**
   * Whether `x` is an `EnhancedScanning`, even from another copy of this library.
   *
   * @param x any object
   */
  public static isEnhancedScanning(x: unknown): x is EnhancedScanning {
    return typeof x === 'object' && x !== null && ENHANCED_SCANNING_SYMBOL in x;
  }

  /** The registry scanning configuration. */
  public readonly registryScanningConfiguration: ecr.CfnRegistryScanningConfiguration;

  /** The custom resource that enables Inspector for ECR, when `enableInspector` is on. */
  public readonly inspectorEnabler?: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: EnhancedScanningProps = {}) {
    super(scope, id);
    Object.defineProperty(this, ENHANCED_SCANNING_SYMBOL, { value: true });
    const stack = Stack.of(this);
    const other = stack.node.findAll().find((c: IConstruct) => c !== this && EnhancedScanning.isEnhancedScanning(c));
    if (other) {
      throw new Error(`Stack ${stack.stackName} already has an EnhancedScanning (${other.node.path}). `
        + 'An account and region has one registry scanning configuration: define EnhancedScanning once and give it every rule.');
    }
    const rules = props.rules ?? [{ frequency: ScanFrequency.CONTINUOUS_SCAN }];
    validateRules(rules);

    this.registryScanningConfiguration = new ecr.CfnRegistryScanningConfiguration(this, 'Resource', {
      scanType: 'ENHANCED',
      rules: rules.map((rule) => ({
        scanFrequency: rule.frequency,
        repositoryFilters: (rule.repositoryFilters ?? ['*']).map((filter) => ({ filter, filterType: 'WILDCARD' })),
      })),
    });

    if (props.enableInspector ?? true) {
      this.inspectorEnabler = this.createInspectorEnabler(props);
      this.registryScanningConfiguration.node.addDependency(this.inspectorEnabler);
    }
  }

  private createInspectorEnabler(props: EnhancedScanningProps): cr.AwsCustomResource {
    const stack = Stack.of(this);
    const call = (action: string): cr.AwsSdkCall => ({
      service: 'Inspector2',
      action,
      parameters: { resourceTypes: ['ECR'] },
      physicalResourceId: cr.PhysicalResourceId.of(`inspector2-ecr-${stack.account}-${stack.region}`),
    });
    const logGroup = props.logGroup ?? new logs.LogGroup(this, 'EnableInspectorLogs', { retention: logs.RetentionDays.ONE_YEAR });
    // An own role, so the custom resource's function gets only its log group and no managed policy.
    const role = new iam.Role(this, 'EnableInspectorRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const enabler = new cr.AwsCustomResource(this, 'EnableInspector', {
      resourceType: 'Custom::Inspector2Enable',
      onCreate: call('Enable'),
      onUpdate: call('Enable'),
      onDelete: props.disableInspectorOnDelete ? call('Disable') : undefined,
      installLatestAwsSdk: false,
      logGroup,
      role,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: props.disableInspectorOnDelete ? ['inspector2:Enable', 'inspector2:Disable'] : ['inspector2:Enable'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['iam:CreateServiceLinkedRole'],
          resources: [inspectorRoleArn(stack)],
          conditions: { StringEquals: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' } },
        }),
      ]),
    });
    Validations.of(enabler).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'inspector2:Enable and inspector2:Disable act on the whole account and support no resource-level permissions.',
    });
    return enabler;
  }
}

function validateRules(rules: ScanningRule[]): void {
  if (rules.length === 0 || rules.length > 2) {
    throw new Error(`rules has ${rules.length} entries: expected one or two rules (at most one per frequency).`);
  }
  const frequencies = new Set(rules.map((r) => r.frequency));
  if (frequencies.size !== rules.length) {
    throw new Error(`rules has two ${rules[0].frequency} rules: expected at most one rule per frequency; merge their repositoryFilters.`);
  }
  rules.forEach((rule, i) => {
    const filters = rule.repositoryFilters ?? ['*'];
    if (filters.length === 0 || filters.length > MAX_FILTERS_PER_RULE) {
      throw new Error(`rules[${i}].repositoryFilters has ${filters.length} filters: expected 1 to ${MAX_FILTERS_PER_RULE}.`);
    }
    filters.forEach((filter, j) => {
      if (Token.isUnresolved(filter)) return;
      if (filter.length > 256 || !REPOSITORY_FILTER.test(filter)) {
        throw new Error(`rules[${i}].repositoryFilters[${j}] is ${JSON.stringify(filter)}: expected a repository name pattern `
          + 'of lowercase letters, digits, ".", "_", "-", "/" and "*" wildcards, such as "prod-*".');
      }
    });
  });
}
