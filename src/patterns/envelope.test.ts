/** The EventBridge envelope built from real CloudTrail records (Stratus and AWS doc fixtures). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../event/types.js';
import { cloudTrailEnvelope, DETAIL_TYPE } from './envelope.js';
import { compileEventPattern } from './event-pattern.js';

const stratus = (f: string) =>
  JSON.parse(readFileSync(`/work/shared/fixtures/stratus-red-team-detonation-logs/${f}`, 'utf8')) as CloudTrailRecord[];
const docs = (
  JSON.parse(readFileSync('/work/shared/fixtures/aws-docs-cloudtrail-examples/records.json', 'utf8')) as Array<{
    record: CloudTrailRecord;
  }>
).map((x) => x.record);

describe('cloudTrailEnvelope', () => {
  it('wraps an API call', () => {
    const rec = stratus('aws.defense-evasion.cloudtrail-stop.json')[0]!;
    const env = cloudTrailEnvelope(rec);
    expect(env).toMatchObject({
      version: '0',
      'detail-type': DETAIL_TYPE.apiCall,
      source: 'aws.cloudtrail',
      account: rec.recipientAccountId,
      region: rec.awsRegion,
      resources: [],
      detail: rec,
    });
    expect(env.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(env.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cloudTrailEnvelope(rec).id).toBe(env.id);
    expect(cloudTrailEnvelope(rec, { id: 'fixed' }).id).toBe('fixed');
  });
  it('names sign-in, service and Insights events as EventBridge does', () => {
    const byType = (t: string) => docs.find((r) => r.eventType === t)!;
    expect(cloudTrailEnvelope(byType('AwsConsoleSignIn'))).toMatchObject({
      'detail-type': DETAIL_TYPE.consoleSignIn,
      source: 'aws.signin',
    });
    expect(cloudTrailEnvelope(byType('AwsServiceEvent'))['detail-type']).toBe(DETAIL_TYPE.serviceEvent);
    expect(cloudTrailEnvelope(byType('AwsCloudTrailInsight'))).toMatchObject({
      'detail-type': DETAIL_TYPE.insight,
      source: 'aws.cloudtrail',
    });
  });
  it('takes source from the first label of eventSource', () => {
    const rec = stratus('aws.exfiltration.ec2-security-group-open-port-22-ingress.json').find(
      (r) => r.eventName === 'AuthorizeSecurityGroupIngress',
    )!;
    expect(cloudTrailEnvelope(rec).source).toBe('aws.ec2');
  });
  it('is what CloudTrail rules match against', () => {
    const rule = compileEventPattern({
      source: ['aws.cloudtrail'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging', 'DeleteTrail'] },
    });
    const hits = [
      ...stratus('aws.defense-evasion.cloudtrail-stop.json'),
      ...stratus('aws.defense-evasion.cloudtrail-delete.json'),
      ...stratus('aws.defense-evasion.cloudtrail-event-selectors.json'),
    ].filter((r) => rule.matches(cloudTrailEnvelope(r)));
    expect(hits.map((r) => r.eventName).sort()).toEqual(['DeleteTrail', 'StopLogging']);
  });
});
