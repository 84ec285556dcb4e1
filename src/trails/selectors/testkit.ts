import type { CloudTrailRecord } from '../../event/types.js';

/** Records for selector tests: a management write by default; `overrides` replace fields. */
export function record(overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.11',
    eventTime: '2024-05-01T12:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    awsRegion: 'us-east-1',
    eventID: '00000000-0000-4000-8000-000000000001',
    eventType: 'AwsApiCall',
    eventCategory: 'Management',
    managementEvent: true,
    readOnly: false,
    recipientAccountId: '111111111111',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/alice' },
    ...overrides,
  };
}

export const s3Object = (bucket: string, key: string, readOnly = true): CloudTrailRecord =>
  record({
    eventSource: 's3.amazonaws.com',
    eventName: readOnly ? 'GetObject' : 'PutObject',
    eventCategory: 'Data',
    managementEvent: false,
    readOnly,
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
  });

export const s3Bucket = (bucket: string): CloudTrailRecord =>
  record({
    eventSource: 's3.amazonaws.com',
    eventName: 'ListObjects',
    eventCategory: 'Data',
    managementEvent: false,
    readOnly: true,
    resources: [{ type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }],
  });

export const lambdaInvoke = (arn: string): CloudTrailRecord =>
  record({
    eventSource: 'lambda.amazonaws.com',
    eventName: 'Invoke',
    eventCategory: 'Data',
    managementEvent: false,
    readOnly: false,
    resources: [{ type: 'AWS::Lambda::Function', ARN: arn }],
  });

export const dynamodbGet = (arn: string): CloudTrailRecord =>
  record({
    eventSource: 'dynamodb.amazonaws.com',
    eventName: 'GetItem',
    eventCategory: 'Data',
    managementEvent: false,
    readOnly: true,
    resources: [{ type: 'AWS::DynamoDB::Table', ARN: arn }],
  });

export const custom = (overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord =>
  record({
    eventSource: 'orders.example.com',
    eventName: 'CreateOrder',
    eventType: 'ActivityLog',
    eventCategory: 'ActivityAuditLog',
    ...overrides,
  });

export const insight = (): CloudTrailRecord =>
  record({ eventType: 'AwsCloudTrailInsight', eventCategory: 'Insight', readOnly: undefined });

export const network = (overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord =>
  record({
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    eventType: 'AwsVpceEvent',
    eventCategory: 'NetworkActivity',
    errorCode: 'VpceAccessDenied',
    vpcEndpointId: 'vpce-0123456789abcdef0',
    ...overrides,
  });
