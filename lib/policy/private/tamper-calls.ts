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

/** The resource named as it is: the request carries exactly this name or ARN. */
const exactly = (ref: string): unknown[] => [ref];

/** A kind of resource of one service (`source` `aws.<service>`, `eventSource` `<service>.amazonaws.com`). */
function kind(id: string, what: string, service: string, eventName: ProtectedKind['eventName'], field: string, maxRefChars: number,
  matchers: (ref: string) => unknown[] = exactly): ProtectedKind {
  return { id, what, source: `aws.${service}`, eventSource: `${service}.amazonaws.com`, eventName, field, matchers, maxRefChars };
}

/** Kinds of resources the library protects, by the name or ARN each call's request carries. */
export const PROTECTED_KINDS = {
  topic: kind('Topic', 'SNS topic attributes (policy, encryption, delivery) and deletion', 'sns',
    ['SetTopicAttributes', 'DeleteTopic', 'AddPermission', 'RemovePermission'], 'topicArn', ARN_PREFIX_CHARS + 256),
  // A subscription ARN is the topic ARN, a colon and a UUID.
  subscription: kind('Subscription', 'subscriptions of the SNS topics (removal, filter policy)', 'sns',
    ['Unsubscribe', 'SetSubscriptionAttributes'], 'subscriptionArn', ARN_PREFIX_CHARS + 256, (arn) => [{ prefix: `${arn}:` }]),
  // FunctionName may be the name, the ARN or a partial ARN ("111111111111:function:name"), qualified or not;
  // CloudTrail appends the API version to Lambda's event names (UpdateFunctionCode20150331v2).
  function: kind('Function', 'Lambda function code, configuration, concurrency and deletion', 'lambda',
    [{ prefix: 'UpdateFunctionCode' }, { prefix: 'UpdateFunctionConfiguration' }, { prefix: 'PutFunctionConcurrency' }, { prefix: 'DeleteFunction' }],
    'functionName', 64, (name) => [name, { suffix: `:function:${name}` }, { wildcard: `*:function:${name}:*` }]),
  rule: kind('Rule', 'EventBridge rules (disabling, deletion, pattern)', 'events', ['DisableRule', 'DeleteRule', 'PutRule'], 'name', 64),
  ruleTargets: kind('RuleTargets', 'targets of the EventBridge rules', 'events', ['RemoveTargets', 'PutTargets'], 'rule', 64),
  // TableName may be the name or the ARN.
  table: kind('Table', 'DynamoDB table deletion', 'dynamodb', ['DeleteTable'], 'tableName', 255, (name) => [name, { suffix: `:table/${name}` }]),
  parameter: kind('Parameter', 'SSM parameter values and deletion', 'ssm', ['PutParameter', 'DeleteParameter', 'LabelParameterVersion'], 'name', 1011),
  parameters: kind('Parameters', 'SSM parameters deleted in batches', 'ssm', ['DeleteParameters'], 'names', 1011),
  repository: kind('Repository', 'images and lifecycle policies of guarded ECR repositories', 'ecr', ECR_IMAGE_CALLS, 'repositoryName', 256),
};

/** The event pattern of calls of one kind, on the given resources (every resource when `refs` is empty). */
export function protectedKindPattern(kind: ProtectedKind, refs: readonly string[]): Record<string, unknown> {
  const detail: Record<string, unknown> = { eventSource: [kind.eventSource], eventName: kind.eventName };
  if (refs.length) detail.requestParameters = { [kind.field]: refs.flatMap(kind.matchers) };
  return { 'source': [kind.source], 'detail-type': ['AWS API Call via CloudTrail'], detail };
}
