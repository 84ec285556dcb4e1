/** Bodies rules and alarms send, shaped as AWS shapes them, for the formatting and channel tests. */

export const stopLoggingRecord = {
  eventVersion: '1.09',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLE',
    arn: 'arn:aws:iam::123456789012:user/alice',
    accountId: '123456789012',
    accessKeyId: 'AKIAEXAMPLE',
    userName: 'alice',
  },
  eventTime: '2026-11-30T09:15:02Z',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { name: 'management-events' },
  responseElements: null,
  eventID: '3f1e0c3a-7d2b-4f5e-9a61-1b2c3d4e5f60',
  readOnly: false,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '123456789012',
};

export const stopLoggingEnvelope = {
  version: '0',
  id: '8a6b2c1d-0000-4000-8000-000000000001',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.cloudtrail',
  account: '123456789012',
  time: '2026-11-30T09:15:02Z',
  region: 'eu-west-1',
  resources: [],
  detail: stopLoggingRecord,
};

/** The JSON CloudWatch publishes to an alarm's SNS topic. */
export const alarmSnsMessage = {
  AlarmName: 'CloudTrailChanges',
  AlarmDescription: 'CIS 3.5 <CloudTrail configuration changes>',
  AWSAccountId: '123456789012',
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: 1 datapoint [1.0 (30/11/26 09:15:00)] was greater than or equal to the threshold (1.0).',
  StateChangeTime: '2026-11-30T09:16:00.000+0000',
  Region: 'EU (Ireland)',
  AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:CloudTrailChanges',
  OldStateValue: 'OK',
  Trigger: {
    MetricName: 'CloudTrailEventCount',
    Namespace: 'CISBenchmark',
    Statistic: 'SUM',
    Period: 300,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
  },
};

export const alarmStateChangeEvent = {
  version: '0',
  id: 'c4c1c1c1-0000-4000-8000-000000000002',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-11-30T09:30:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:RootUsage'],
  detail: {
    alarmName: 'RootUsage',
    state: {
      value: 'OK',
      reason: 'Threshold Crossed: no datapoints were breaching',
      timestamp: '2026-11-30T09:30:00.000+0000',
    },
    previousState: { value: 'ALARM', reason: 'x', timestamp: '2026-11-30T09:20:00.000+0000' },
  },
};
