import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_A, openEmbedded, removeDir, type Embedded } from '../../test/helpers/embedded.js';
import type { CloudTrailRecord } from '../event/types.js';
import { builtInLogGroupName } from '../monitor/log-groups.js';
import { TrailRepository } from '../trails/repository.js';
import { TrailLogGroups } from './trail-log-groups.js';

/** Which log groups an event lands in, by the feeding trails' region and global-service settings. */
let env: Embedded;
let groups: TrailLogGroups;

beforeAll(async () => {
  env = await openEmbedded();
  const trails = await TrailRepository.open(env.db);
  const feed = async (name: string, overrides: { homeRegion: string; includeGlobalServiceEvents: boolean }) => {
    const t = await trails.create({
      accountId: ACCOUNT_A,
      name,
      s3BucketName: 'bucket',
      isMultiRegionTrail: false,
      isOrganizationTrail: false,
      logFileValidationEnabled: false,
      cloudWatchLogsLogGroupArn: `arn:aws:logs:${overrides.homeRegion}:${ACCOUNT_A}:log-group:${name}:*`,
      cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT_A}:role/cwl`,
      ...overrides,
    });
    await trails.setLogging(t.trailArn, true);
  };
  await feed('east-all', { homeRegion: 'us-east-1', includeGlobalServiceEvents: true });
  await feed('east-regional', { homeRegion: 'us-east-1', includeGlobalServiceEvents: false });
  await feed('west', { homeRegion: 'eu-west-1', includeGlobalServiceEvents: true });
  groups = await TrailLogGroups.open(trails);
});

afterAll(async () => {
  await env?.close();
  removeDir(env?.dir);
});

describe('TrailLogGroups.route', () => {
  const cases: [string, string, string[]][] = [
    ['iam.amazonaws.com', 'us-east-1', ['east-all']],
    ['ec2.amazonaws.com', 'us-east-1', ['east-all', 'east-regional']],
    ['ec2.amazonaws.com', 'eu-west-1', ['west']],
    ['sts.amazonaws.com', 'eu-west-1', ['west']],
  ];
  it.each(cases)('%s in %s lands in the built-in group and %j', (eventSource, awsRegion, fed) => {
    const record = {
      eventSource,
      awsRegion,
      eventName: 'CreateThing',
      eventCategory: 'Management',
      readOnly: false,
    } as unknown as CloudTrailRecord;
    expect(groups.route(ACCOUNT_A, record)).toEqual([builtInLogGroupName(ACCOUNT_A), ...fed]);
  });
});
