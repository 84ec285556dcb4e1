/**
 * The keys each declaration in the config file may hold: the request members of the AWS
 * operation it stands for (CreateConnection, CreateApiDestination, CreateTrail plus
 * PutEventSelectors, PutMetricFilter, PutMetricAlarm, PutRule plus PutTargets), so examples
 * from AWS's documentation paste in unchanged. Members marked "ours" are OpenTrail extensions
 * (docs/configuration.md). Values are checked by the operations' own validators, not here.
 */
import { ANY, type ObjectShape } from './json-keys.js';

const KEY_VALUE = { Key: ANY, Value: ANY, IsValueSecret: ANY } as const;

export const CONNECTION_SHAPE: ObjectShape = {
  Name: ANY,
  Description: ANY,
  AuthorizationType: ANY,
  AuthParameters: {
    ApiKeyAuthParameters: { ApiKeyName: ANY, ApiKeyValue: ANY },
    BasicAuthParameters: { Username: ANY, Password: ANY },
    // Refused by the validator with its reason (OAuth is not supported), not as a typo.
    OAuthParameters: ANY,
    InvocationHttpParameters: {
      HeaderParameters: [KEY_VALUE],
      QueryStringParameters: [KEY_VALUE],
      BodyParameters: [KEY_VALUE],
    },
  },
  /** Ours: the HMAC key of X-OpenTrail-Signature, so receivers can be configured in advance. */
  SigningSecret: ANY,
};

export const API_DESTINATION_SHAPE: ObjectShape = {
  Name: ANY,
  Description: ANY,
  ConnectionArn: ANY,
  InvocationEndpoint: ANY,
  HttpMethod: ANY,
  InvocationRateLimitPerSecond: ANY,
};

/** Ours (no AWS counterpart): the notify module's channel definition; `config` is checked strictly by its schema. */
export const CHANNEL_SHAPE: ObjectShape = { name: ANY, description: ANY, config: ANY };

export const TRAIL_SHAPE: ObjectShape = {
  Name: ANY,
  S3BucketName: ANY,
  S3KeyPrefix: ANY,
  SnsTopicName: ANY,
  IncludeGlobalServiceEvents: ANY,
  IsMultiRegionTrail: ANY,
  EnableLogFileValidation: ANY,
  CloudWatchLogsLogGroupArn: ANY,
  CloudWatchLogsRoleArn: ANY,
  KmsKeyId: ANY,
  IsOrganizationTrail: ANY,
  TagsList: [{ Key: ANY, Value: ANY }],
  // PutEventSelectors' members.
  EventSelectors: [
    {
      ReadWriteType: ANY,
      IncludeManagementEvents: ANY,
      DataResources: [{ Type: ANY, Values: ANY }],
      ExcludeManagementEventSources: ANY,
    },
  ],
  AdvancedEventSelectors: [
    {
      Name: ANY,
      FieldSelectors: [
        {
          Field: ANY,
          Equals: ANY,
          StartsWith: ANY,
          EndsWith: ANY,
          NotEquals: ANY,
          NotStartsWith: ANY,
          NotEndsWith: ANY,
        },
      ],
    },
  ],
  /** Ours: true runs StartLogging, false StopLogging; absent leaves the logging state as it is. */
  StartLogging: ANY,
};

export const METRIC_FILTER_SHAPE: ObjectShape = {
  logGroupName: ANY,
  filterName: ANY,
  filterPattern: ANY,
  metricTransformations: [
    { metricName: ANY, metricNamespace: ANY, metricValue: ANY, defaultValue: ANY, dimensions: ANY, unit: ANY },
  ],
};

export const ALARM_SHAPE: ObjectShape = {
  AlarmName: ANY,
  AlarmDescription: ANY,
  ActionsEnabled: ANY,
  OKActions: ANY,
  AlarmActions: ANY,
  InsufficientDataActions: ANY,
  MetricName: ANY,
  Namespace: ANY,
  Statistic: ANY,
  ExtendedStatistic: ANY,
  Dimensions: [{ Name: ANY, Value: ANY }],
  Period: ANY,
  Unit: ANY,
  EvaluationPeriods: ANY,
  DatapointsToAlarm: ANY,
  Threshold: ANY,
  ComparisonOperator: ANY,
  TreatMissingData: ANY,
  EvaluateLowSampleCountPercentile: ANY,
  Metrics: ANY,
  ThresholdMetricId: ANY,
  Tags: [{ Key: ANY, Value: ANY }],
};

export const TARGET_SHAPE: ObjectShape = {
  Id: ANY,
  Arn: ANY,
  // Accepted as AWS examples carry it; OpenTrail targets need no IAM role.
  RoleArn: ANY,
  Input: ANY,
  InputPath: ANY,
  InputTransformer: { InputPathsMap: ANY, InputTemplate: ANY },
  RetryPolicy: { MaximumRetryAttempts: ANY, MaximumEventAgeInSeconds: ANY },
};

export const RULE_SHAPE: ObjectShape = {
  Name: ANY,
  /** A JSON string as PutRule takes it, or the pattern object itself. */
  EventPattern: ANY,
  State: ANY,
  Description: ANY,
  EventBusName: ANY,
  // Refused by PutRule's validator with its reason (no scheduled rules), not as a typo.
  ScheduleExpression: ANY,
  RoleArn: ANY,
  /** PutTargets' Targets for this rule. */
  Targets: [TARGET_SHAPE],
};

/**
 * The declaration lists of one account, in the order they are applied (what a later kind names
 * exists by then), with the members that identify an entry: two entries with the same identity
 * would overwrite each other, so the loader refuses them.
 */
export const DECLARATION_KINDS = {
  connections: { shape: CONNECTION_SHAPE, identity: ['Name'] },
  // API destinations and channels share one namespace (both are notification channels).
  apiDestinations: { shape: API_DESTINATION_SHAPE, identity: ['Name'] },
  channels: { shape: CHANNEL_SHAPE, identity: ['name'] },
  trails: { shape: TRAIL_SHAPE, identity: ['Name'] },
  metricFilters: { shape: METRIC_FILTER_SHAPE, identity: ['logGroupName', 'filterName'] },
  alarms: { shape: ALARM_SHAPE, identity: ['AlarmName'] },
  rules: { shape: RULE_SHAPE, identity: ['Name'] },
} as const satisfies Record<string, { shape: ObjectShape; identity: readonly string[] }>;

export type DeclarationKind = keyof typeof DECLARATION_KINDS;
