import { describe, expect, it } from 'vitest';
import { classifyPath, describeOtherReason, parseAwsLogsPath } from './layout.js';

const LOG =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz';
const ORG_LOG =
  'AWSLogs/o-aa111bb222/444455556666/CloudTrail/eu-west-1/2024/08/01/444455556666_CloudTrail_eu-west-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz';
const INSIGHT =
  'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/08/01/111122223333_CloudTrail-Insight_us-east-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz';
const NETWORK =
  'AWSLogs/111122223333/CloudTrail-NetworkActivity/us-east-1/2024/08/01/111122223333_CloudTrail-NetworkActivity_us-east-1_20240801T0005Z_Ab12.json.gz';
const DIGEST =
  'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/08/01/111122223333_CloudTrail-Digest_us-east-1_my-trail_us-east-1_20240801T010531Z.json.gz';

describe('parseAwsLogsPath', () => {
  it('parses the standard layout', () => {
    expect(parseAwsLogsPath(LOG)).toEqual({
      prefix: '',
      accountId: '111122223333',
      category: 'CloudTrail',
      region: 'us-east-1',
      date: '2024-08-01',
    });
  });

  it('parses the organisation layout', () => {
    expect(parseAwsLogsPath(ORG_LOG)).toEqual({
      prefix: '',
      orgId: 'o-aa111bb222',
      accountId: '444455556666',
      category: 'CloudTrail',
      region: 'eu-west-1',
      date: '2024-08-01',
    });
  });

  it('keeps a bucket prefix and works on absolute and Windows paths', () => {
    expect(parseAwsLogsPath(`my/prefix/${LOG}`)).toMatchObject({ prefix: 'my/prefix', accountId: '111122223333' });
    expect(parseAwsLogsPath(`/srv/archive/${ORG_LOG}`)).toMatchObject({
      prefix: '/srv/archive',
      orgId: 'o-aa111bb222',
      region: 'eu-west-1',
    });
    expect(parseAwsLogsPath(`C:\\logs\\${LOG.replaceAll('/', '\\')}`)).toMatchObject({
      prefix: 'C:/logs',
      accountId: '111122223333',
      region: 'us-east-1',
      date: '2024-08-01',
    });
  });

  it('uses the last AWSLogs segment that is followed by an account', () => {
    expect(parseAwsLogsPath(`AWSLogs/backup/${LOG}`)).toMatchObject({
      prefix: 'AWSLogs/backup',
      accountId: '111122223333',
    });
  });

  it('parses partial paths and other services under an account', () => {
    expect(parseAwsLogsPath('AWSLogs/111122223333/CloudTrail/us-east-1/README.json')).toEqual({
      prefix: '',
      accountId: '111122223333',
      category: 'CloudTrail',
      region: 'us-east-1',
    });
    expect(parseAwsLogsPath('AWSLogs/111122223333/Config/us-east-1/2024/8/1/ConfigHistory/x.json.gz')).toEqual({
      prefix: '',
      accountId: '111122223333',
      category: 'Config',
    });
    expect(parseAwsLogsPath('AWSLogs/README.md')).toEqual({ prefix: '' });
  });

  it('returns undefined without an AWSLogs tree', () => {
    expect(parseAwsLogsPath('exports/event-history.json')).toBeUndefined();
    expect(parseAwsLogsPath('AWSLogs/not-an-account/CloudTrail/x.json')).toBeUndefined();
    expect(parseAwsLogsPath('AWSLogs')).toBeUndefined();
  });
});

describe('classifyPath', () => {
  it('classifies the CloudTrail folders', () => {
    expect(classifyPath(LOG)).toEqual({
      kind: 'log',
      ndjson: false,
      layout: { accountId: '111122223333', region: 'us-east-1', date: '2024-08-01' },
    });
    expect(classifyPath(ORG_LOG)).toEqual({
      kind: 'log',
      ndjson: false,
      layout: { orgId: 'o-aa111bb222', accountId: '444455556666', region: 'eu-west-1', date: '2024-08-01' },
    });
    expect(classifyPath(`prefix/${INSIGHT}`)).toMatchObject({ kind: 'insight', layout: { accountId: '111122223333' } });
    expect(classifyPath(NETWORK)).toMatchObject({ kind: 'network-activity', layout: { region: 'us-east-1' } });
    expect(classifyPath(DIGEST)).toMatchObject({ kind: 'digest', layout: { region: 'us-east-1' } });
  });

  it('recognises CloudTrail file names outside their folders', () => {
    const digestName = DIGEST.split('/').pop() as string;
    expect(classifyPath(`/tmp/downloads/${digestName}`)).toEqual({
      kind: 'digest',
      ndjson: false,
      layout: { accountId: '111122223333', region: 'us-east-1', date: '2024-08-01' },
    });
    const insightName = INSIGHT.split('/').pop() as string;
    expect(classifyPath(insightName)).toMatchObject({ kind: 'insight' });
    const logName = LOG.split('/').pop() as string;
    expect(classifyPath(`flat/${logName}`)).toEqual({
      kind: 'log',
      ndjson: false,
      layout: { accountId: '111122223333', region: 'us-east-1', date: '2024-08-01' },
    });
  });

  it('treats other JSON files as log candidates, NDJSON by extension', () => {
    expect(classifyPath('exports/event-history.json')).toEqual({ kind: 'log', ndjson: false });
    expect(classifyPath('exports/lookup.JSON')).toEqual({ kind: 'log', ndjson: false });
    expect(classifyPath('exports/records.jsonl')).toEqual({ kind: 'log', ndjson: true });
    expect(classifyPath('exports/records.ndjson.gz')).toEqual({ kind: 'log', ndjson: true });
    expect(classifyPath('exports/archive.gz')).toEqual({ kind: 'log', ndjson: false });
  });

  it('skips files that are not logs, with a reason', () => {
    for (const path of [
      'README',
      'README.md',
      'LICENSE',
      'AWSLogs/LICENSE.txt',
      'photo.png',
      'x.csv',
      '.DS_Store',
      'json',
    ]) {
      expect(classifyPath(path), path).toEqual({ kind: 'other', otherReason: 'unsupported-extension', ndjson: false });
    }
    expect(classifyPath('AWSLogs/111122223333/CloudTrail_$folder$')).toMatchObject({
      kind: 'other',
      otherReason: 'folder-marker',
    });
    expect(classifyPath('AWSLogs/111122223333/CloudTrail/')).toMatchObject({
      kind: 'other',
      otherReason: 'folder-marker',
    });
    expect(classifyPath('AWSLogs/111122223333/Config/us-east-1/2024/8/1/ConfigHistory/x.json.gz')).toEqual({
      kind: 'other',
      otherReason: 'not-cloudtrail-folder',
      ndjson: false,
      layout: { accountId: '111122223333' },
    });
    expect(classifyPath('AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/08/01/x.log.gz')).toMatchObject({
      kind: 'other',
    });
    expect(describeOtherReason('folder-marker')).toBe('S3 folder marker');
  });
});
