import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from './types.js';
import { summaryOf } from './summary.js';

describe('summaryOf', () => {
  it('takes what event history shows: an assumed role by its session name, Insights by their API', () => {
    const r = {
      eventVersion: '1.11',
      eventTime: '2024-05-01T10:00:00Z',
      eventID: 'e1',
      eventCategory: 'Insight',
      insightDetails: { eventName: 'PutObject', eventSource: 's3.amazonaws.com' },
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/bob', accessKeyId: '' },
      resources: [{ type: 'AWS::S3::Bucket' }, { ARN: 'arn:aws:s3:::b', type: '' }],
    } as unknown as CloudTrailRecord;
    expect(summaryOf(r)).toEqual({
      eventId: 'e1',
      eventName: 'PutObject',
      eventTimeMs: Date.UTC(2024, 4, 1, 10),
      eventSource: 's3.amazonaws.com',
      username: 'bob',
      resources: [{ type: 'AWS::S3::Bucket' }, { arn: 'arn:aws:s3:::b' }],
    });
  });

  it('keeps a string readOnly as given and leaves out an unreadable eventTime', () => {
    const r = { eventTime: 'yesterday', readOnly: 'False', eventName: 'X' } as unknown as CloudTrailRecord;
    expect(summaryOf(r)).toEqual({ eventName: 'X', readOnly: 'False', resources: [] });
  });
});
