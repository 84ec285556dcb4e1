import { randomUUID } from 'node:crypto';

/** A deterministic pseudo-random generator, so every run benchmarks the same data. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  ['s3.amazonaws.com', 'PutObject', 'AWS::S3::Object'],
  ['ec2.amazonaws.com', 'DescribeInstances', 'AWS::EC2::Instance'],
  ['iam.amazonaws.com', 'CreateAccessKey', 'AWS::IAM::AccessKey'],
  ['kms.amazonaws.com', 'Decrypt', 'AWS::KMS::Key'],
  ['sts.amazonaws.com', 'AssumeRole', 'AWS::IAM::Role'],
  ['lambda.amazonaws.com', 'Invoke', 'AWS::Lambda::Function'],
] as const;

/** A realistic 1–2 KB CloudTrail record (an assumed-role API call with resources and TLS details). */
export function realisticRecord(rand: () => number, account: string, timeMs: number): Record<string, unknown> {
  const [source, name, type] = ACTIONS[Math.floor(rand() * ACTIONS.length)]!;
  const user = `user-${Math.floor(rand() * 500)}`;
  const role = `role-${Math.floor(rand() * 40)}`;
  const id = Math.floor(rand() * 1e9).toString(36);
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${id.toUpperCase().padEnd(17, 'X')}:${user}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${user}`,
      accountId: account,
      accessKeyId: `ASIA${id.toUpperCase().padEnd(16, 'Q')}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${id.toUpperCase()}`,
          arn: `arn:aws:iam::${account}:role/${role}`,
          accountId: account,
          userName: role,
        },
        webIdFederationData: {},
        attributes: {
          creationDate: new Date(timeMs - 3_600_000).toISOString().slice(0, 19) + 'Z',
          mfaAuthenticated: 'false',
        },
      },
    },
    eventTime: new Date(timeMs).toISOString().slice(0, 19) + 'Z',
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: `203.0.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
    userAgent:
      'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe',
    requestParameters: {
      resourceId: `${type.split('::')[2]!.toLowerCase()}-${id}`,
      tags: [{ key: 'team', value: 'payments' }],
      dryRun: false,
    },
    responseElements: name.startsWith('Describe') ? null : { requestId: randomUUID(), status: 'ok' },
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: name.startsWith('Describe'),
    resources: [{ accountId: account, type, ARN: `arn:aws:${source.split('.')[0]}:us-east-1:${account}:${id}` }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${source.split('.')[0]}.us-east-1.amazonaws.com`,
    },
  };
}
