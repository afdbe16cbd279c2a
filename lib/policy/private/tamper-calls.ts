/**
 * The calls GuardTamperAlerts watches, as CloudTrail names them, and how each kind of protected
 * resource is recognised in a call's request parameters.
 */

/** ECR calls that weaken the guard of a repository or of the whole registry, on any repository. */
export const ECR_CALLS = [
  'SetRepositoryPolicy',
  'DeleteRepositoryPolicy',
  'DeleteRepository',
  'PutImageTagMutability',
  'PutImageScanningConfiguration',
  'PutLifecyclePolicy',
  // Registry level: authorized on "*", so no repository policy can deny them.
  'PutRegistryScanningConfiguration',
  'PutReplicationConfiguration',
  'PutRegistryPolicy',
  'DeleteRegistryPolicy',
  'CreatePullThroughCacheRule',
  'UpdatePullThroughCacheRule',
  'DeletePullThroughCacheRule',
  'CreateRepositoryCreationTemplate',
  'UpdateRepositoryCreationTemplate',
  'PutAccountSetting',
];

/** ECR calls that delete images or their retention rules, on guarded repositories. */
export const ECR_IMAGE_CALLS = ['DeleteLifecyclePolicy', 'BatchDeleteImage'];

/** Amazon Inspector calls that stop or narrow the scanning of images, whatever their parameters. */
export const INSPECTOR_CALLS = [
  'Disable',
  'DisableDelegatedAdminAccount',
  'UpdateConfiguration',
  'UpdateOrganizationConfiguration',
  'DisassociateMember',
];

/**
 * Amazon Inspector filter calls, alerted when they may hide findings: a filter created or updated
 * with any action but `NONE` (that is `SUPPRESS`), and an update that leaves the action out (it
 * changes the criteria of a filter that may be a suppression rule).
 */
export const INSPECTOR_FILTER_CALLS = ['CreateFilter', 'UpdateFilter'];

/** CloudTrail calls that stop or narrow the trail the alerts depend on. */
export const CLOUDTRAIL_CALLS = ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'];

/** How calls on one kind of protected resource are matched. */
export interface ProtectedKind {
  /** Construct id of the rules (`Protect<Id>Rule`, then `Protect<Id>Rule2`, ...). */
  readonly id: string;
  /** What the rule watches, for its description. */
  readonly what: string;
  readonly source: string;
  readonly eventSource: string;
  /** Event names, or name prefixes where CloudTrail appends an API version (Lambda). */
  readonly eventName: Array<string | { prefix: string }>;
  /** The request parameter that names the resource. */
  readonly field: string;
  /** The matchers of the field for one resource, from its name or ARN. */
  readonly matchers: (ref: string) => unknown[];
  /** Longest value `ref` can resolve to, for the pattern size of unresolved tokens. */
  readonly maxRefChars: number;
}

const ARN_PREFIX_CHARS = 80;

/** Kinds of resources the library protects, by the name or ARN each call's request carries. */
export const PROTECTED_KINDS = {
  topic: {
    id: 'Topic', what: 'SNS topic attributes (policy, encryption, delivery) and deletion', source: 'aws.sns', eventSource: 'sns.amazonaws.com',
    eventName: ['SetTopicAttributes', 'DeleteTopic', 'AddPermission', 'RemovePermission'],
    field: 'topicArn', matchers: (arn: string) => [arn], maxRefChars: ARN_PREFIX_CHARS + 256,
  },
  subscription: {
    // A subscription ARN is the topic ARN, a colon and a UUID.
    id: 'Subscription', what: 'subscriptions of the SNS topics (removal, filter policy)', source: 'aws.sns', eventSource: 'sns.amazonaws.com',
    eventName: ['Unsubscribe', 'SetSubscriptionAttributes'],
    field: 'subscriptionArn', matchers: (arn: string) => [{ prefix: `${arn}:` }], maxRefChars: ARN_PREFIX_CHARS + 256,
  },
  function: {
    // FunctionName may be the name, the ARN or a partial ARN ("111111111111:function:name"), qualified or not.
    id: 'Function', what: 'Lambda function code, configuration, concurrency and deletion', source: 'aws.lambda', eventSource: 'lambda.amazonaws.com',
    eventName: [{ prefix: 'UpdateFunctionCode' }, { prefix: 'UpdateFunctionConfiguration' }, { prefix: 'PutFunctionConcurrency' },
      { prefix: 'DeleteFunction' }],
    field: 'functionName', matchers: (name: string) => [name, { suffix: `:function:${name}` }, { wildcard: `*:function:${name}:*` }], maxRefChars: 64,
  },
  rule: {
    id: 'Rule', what: 'EventBridge rules (disabling, deletion, pattern)', source: 'aws.events', eventSource: 'events.amazonaws.com',
    eventName: ['DisableRule', 'DeleteRule', 'PutRule'],
    field: 'name', matchers: (name: string) => [name], maxRefChars: 64,
  },
  ruleTargets: {
    id: 'RuleTargets', what: 'targets of the EventBridge rules', source: 'aws.events', eventSource: 'events.amazonaws.com',
    eventName: ['RemoveTargets', 'PutTargets'],
    field: 'rule', matchers: (name: string) => [name], maxRefChars: 64,
  },
  table: {
    // TableName may be the name or the ARN.
    id: 'Table', what: 'DynamoDB table deletion', source: 'aws.dynamodb', eventSource: 'dynamodb.amazonaws.com',
    eventName: ['DeleteTable'],
    field: 'tableName', matchers: (name: string) => [name, { suffix: `:table/${name}` }], maxRefChars: 255,
  },
  parameter: {
    id: 'Parameter', what: 'SSM parameter values and deletion', source: 'aws.ssm', eventSource: 'ssm.amazonaws.com',
    eventName: ['PutParameter', 'DeleteParameter', 'LabelParameterVersion'],
    field: 'name', matchers: (name: string) => [name], maxRefChars: 1011,
  },
  parameters: {
    id: 'Parameters', what: 'SSM parameters deleted in batches', source: 'aws.ssm', eventSource: 'ssm.amazonaws.com',
    eventName: ['DeleteParameters'],
    field: 'names', matchers: (name: string) => [name], maxRefChars: 1011,
  },
  repository: {
    id: 'Repository', what: 'images and lifecycle policies of guarded ECR repositories', source: 'aws.ecr', eventSource: 'ecr.amazonaws.com',
    eventName: ECR_IMAGE_CALLS,
    field: 'repositoryName', matchers: (name: string) => [name], maxRefChars: 256,
  },
} satisfies Record<string, ProtectedKind>;

/** The event pattern of calls of one kind, on the given resources (every resource when `refs` is empty). */
export function protectedKindPattern(kind: ProtectedKind, refs: readonly string[]): Record<string, unknown> {
  const detail: Record<string, unknown> = { eventSource: [kind.eventSource], eventName: kind.eventName };
  if (refs.length) detail.requestParameters = { [kind.field]: refs.flatMap(kind.matchers) };
  return { 'source': [kind.source], 'detail-type': ['AWS API Call via CloudTrail'], detail };
}
