/**
 * Trails end to end: a real `opentrail serve`, the AWS SDK for JavaScript v3 through a trail's
 * whole life (create, read, selectors, logging, tags, update, delete) and AWS's errors, then the
 * AWS CLI v1 to prove it parses our answers.
 */
import { spawnSync } from 'node:child_process';
import {
  AddTagsCommand,
  CloudTrailARNInvalidException,
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  InvalidEventSelectorsException,
  InvalidParameterCombinationException,
  InvalidS3BucketNameException,
  InvalidTagParameterException,
  InvalidTrailNameException,
  ListTagsCommand,
  ListTrailsCommand,
  MaximumNumberOfTrailsExceededException,
  PutEventSelectorsCommand,
  RemoveTagsCommand,
  ResourceNotFoundException,
  StartLoggingCommand,
  StopLoggingCommand,
  TagsLimitExceededException,
  TrailAlreadyExistsException,
  TrailNotFoundException,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws } from './helpers/aws-cli.js';
import { BIN, removeDir, startServer, type Credentials, type RunningServer } from './helpers/server.js';

const ACCOUNT_B = '222233334444';
let server: RunningServer;
let keyB: Credentials;
let a: CloudTrailClient;
let b: CloudTrailClient;
let account: string;
const arnOf = (name: string) => `arn:aws:cloudtrail:us-east-1:${account}:trail/${name}`;

function client(creds: Credentials): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    maxAttempts: 1,
  });
}

/** The error a call is rejected with. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  server = await startServer();
  const r = spawnSync(
    process.execPath,
    [BIN, 'keys', 'create', '--data-dir', server.dataDir, '--account', ACCOUNT_B, '--json'],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  keyB = JSON.parse(r.stdout) as Credentials;
  a = client(server.admin);
  b = client(keyB);
  account = server.admin.accountId;
});

afterAll(async () => {
  a?.destroy();
  b?.destroy();
  await server?.stop();
  if (server) removeDir(server.dataDir);
});

describe('a trail through its life with @aws-sdk/client-cloudtrail', () => {
  it('creates a trail, answering the CreateTrail members and defaults', async () => {
    const out = await a.send(
      new CreateTrailCommand({
        Name: 'main',
        S3BucketName: 'audit-logs',
        S3KeyPrefix: 'org',
        EnableLogFileValidation: true,
        TagsList: [{ Key: 'team', Value: 'security' }],
      }),
    );
    const { $metadata, ...members } = out;
    expect($metadata.httpStatusCode).toBe(200);
    expect(members).toEqual({
      Name: 'main',
      S3BucketName: 'audit-logs',
      S3KeyPrefix: 'org',
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: false,
      TrailARN: arnOf('main'),
      LogFileValidationEnabled: true,
      IsOrganizationTrail: false,
    });
  });

  it('reads it back with GetTrail, DescribeTrails and ListTrails', async () => {
    const expected = {
      Name: 'main',
      S3BucketName: 'audit-logs',
      S3KeyPrefix: 'org',
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: false,
      HomeRegion: 'us-east-1',
      TrailARN: arnOf('main'),
      LogFileValidationEnabled: true,
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
    };
    expect((await a.send(new GetTrailCommand({ Name: 'main' }))).Trail).toEqual(expected);
    expect((await a.send(new GetTrailCommand({ Name: arnOf('main') }))).Trail).toEqual(expected);
    expect((await a.send(new DescribeTrailsCommand({}))).trailList).toEqual([expected]);
    expect((await a.send(new DescribeTrailsCommand({ trailNameList: ['main', 'absent'] }))).trailList).toEqual([
      expected,
    ]);
    const list = await a.send(new ListTrailsCommand({}));
    expect(list.Trails).toEqual([{ TrailARN: arnOf('main'), Name: 'main', HomeRegion: 'us-east-1' }]);
    expect(list.NextToken).toBeUndefined();
  });

  it('does not log until StartLogging, and reports the times of the switches', async () => {
    const before = await a.send(new GetTrailStatusCommand({ Name: 'main' }));
    expect(before.IsLogging).toBe(false);
    expect(before.StartLoggingTime).toBeUndefined();
    await a.send(new StartLoggingCommand({ Name: 'main' }));
    const on = await a.send(new GetTrailStatusCommand({ Name: arnOf('main') }));
    expect(on.IsLogging).toBe(true);
    expect(on.StartLoggingTime).toBeInstanceOf(Date);
    expect(on.TimeLoggingStarted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await a.send(new StopLoggingCommand({ Name: 'main' }));
    const off = await a.send(new GetTrailStatusCommand({ Name: 'main' }));
    expect(off.IsLogging).toBe(false);
    expect(off.StopLoggingTime!.getTime()).toBeGreaterThanOrEqual(on.StartLoggingTime!.getTime());
  });

  it('has the default selector, then takes basic and advanced selectors in turn', async () => {
    expect(await a.send(new GetEventSelectorsCommand({ TrailName: 'main' }))).toMatchObject({
      TrailARN: arnOf('main'),
      EventSelectors: [
        { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
      ],
    });
    const put = await a.send(
      new PutEventSelectorsCommand({
        TrailName: 'main',
        EventSelectors: [
          {
            ReadWriteType: 'WriteOnly',
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::reports/'] }],
          },
        ],
      }),
    );
    expect(put.EventSelectors).toEqual([
      {
        ReadWriteType: 'WriteOnly',
        IncludeManagementEvents: true,
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::reports/'] }],
        ExcludeManagementEventSources: [],
      },
    ]);
    expect(put.AdvancedEventSelectors).toBeUndefined();
    expect((await a.send(new GetTrailCommand({ Name: 'main' }))).Trail?.HasCustomEventSelectors).toBe(true);

    const advanced = [
      { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
      {
        Name: 'Writes to reports',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'readOnly', Equals: ['false'] },
          {
            Field: 'resources.ARN',
            StartsWith: ['arn:aws:s3:::reports/'],
            NotStartsWith: ['arn:aws:s3:::reports/tmp/'],
          },
        ],
      },
    ];
    await a.send(new PutEventSelectorsCommand({ TrailName: arnOf('main'), AdvancedEventSelectors: advanced }));
    const got = await a.send(new GetEventSelectorsCommand({ TrailName: 'main' }));
    expect(got.AdvancedEventSelectors).toEqual(advanced);
    expect(got.EventSelectors).toBeUndefined();
  });

  it('answers InvalidEventSelectorsException and InvalidParameterCombinationException', async () => {
    const wildcard = await rejection(
      a.send(
        new PutEventSelectorsCommand({
          TrailName: 'main',
          EventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::*'] }] }],
        }),
      ),
    );
    expect(wildcard).toBeInstanceOf(InvalidEventSelectorsException);
    expect(wildcard.message).toBe('Value arn:aws:s3:::* for DataResources.Values is invalid.');
    const six = await rejection(
      a.send(new PutEventSelectorsCommand({ TrailName: 'main', EventSelectors: [{}, {}, {}, {}, {}, {}] })),
    );
    expect(six).toBeInstanceOf(InvalidEventSelectorsException);
    const noCategory = await rejection(
      a.send(
        new PutEventSelectorsCommand({
          TrailName: 'main',
          AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'readOnly', Equals: ['true'] }] }],
        }),
      ),
    );
    expect(noCategory).toBeInstanceOf(InvalidEventSelectorsException);
    expect(noCategory.message).toMatch(/must have an eventCategory field selector/);
    const both = await rejection(
      a.send(
        new PutEventSelectorsCommand({
          TrailName: 'main',
          EventSelectors: [{}],
          AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
        }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterCombinationException);
    expect(await rejection(a.send(new PutEventSelectorsCommand({ TrailName: 'main' })))).toBeInstanceOf(
      InvalidParameterCombinationException,
    );
    // The refused calls changed nothing.
    expect((await a.send(new GetEventSelectorsCommand({ TrailName: 'main' }))).AdvancedEventSelectors).toHaveLength(2);
  });

  it('adds, overwrites, lists and removes tags', async () => {
    await a.send(
      new AddTagsCommand({
        ResourceId: arnOf('main'),
        TagsList: [{ Key: 'team', Value: 'platform' }, { Key: 'cost-centre', Value: '42' }, { Key: 'flag' }],
      }),
    );
    const listed = await a.send(new ListTagsCommand({ ResourceIdList: [arnOf('main')] }));
    expect(listed.ResourceTagList).toEqual([
      {
        ResourceId: arnOf('main'),
        TagsList: [{ Key: 'cost-centre', Value: '42' }, { Key: 'flag' }, { Key: 'team', Value: 'platform' }],
      },
    ]);
    await a.send(new RemoveTagsCommand({ ResourceId: arnOf('main'), TagsList: [{ Key: 'flag' }, { Key: 'team' }] }));
    expect(
      (await a.send(new ListTagsCommand({ ResourceIdList: [arnOf('main')] }))).ResourceTagList![0]!.TagsList,
    ).toEqual([{ Key: 'cost-centre', Value: '42' }]);
    const tooMany = await rejection(
      a.send(
        new AddTagsCommand({
          ResourceId: arnOf('main'),
          TagsList: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
        }),
      ),
    );
    expect(tooMany).toBeInstanceOf(TagsLimitExceededException);
    const reserved = await rejection(
      a.send(new AddTagsCommand({ ResourceId: arnOf('main'), TagsList: [{ Key: 'aws:owner', Value: 'x' }] })),
    );
    expect(reserved).toBeInstanceOf(InvalidTagParameterException);
    const missing = await rejection(a.send(new ListTagsCommand({ ResourceIdList: [arnOf('nothing-here')] })));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const notArn = await rejection(a.send(new AddTagsCommand({ ResourceId: 'main', TagsList: [{ Key: 'a' }] })));
    expect(notArn).toBeInstanceOf(CloudTrailARNInvalidException);
  });

  it('updates members, leaving the others as they were', async () => {
    const out = await a.send(
      new UpdateTrailCommand({ Name: 'main', S3KeyPrefix: '', IsMultiRegionTrail: true, SnsTopicName: 'trail-news' }),
    );
    expect(out).toMatchObject({
      Name: 'main',
      S3BucketName: 'audit-logs',
      SnsTopicName: 'trail-news',
      SnsTopicARN: `arn:aws:sns:us-east-1:${account}:trail-news`,
      IsMultiRegionTrail: true,
      LogFileValidationEnabled: true,
    });
    expect(out.S3KeyPrefix).toBeUndefined();
    const combo = await rejection(a.send(new UpdateTrailCommand({ Name: 'main', IncludeGlobalServiceEvents: false })));
    expect(combo).toBeInstanceOf(InvalidParameterCombinationException);
    expect(combo.message).toMatch(/Multi-Region trail must include global service events/);
  });

  it('keeps accounts apart', async () => {
    expect((await b.send(new DescribeTrailsCommand({}))).trailList).toEqual([]);
    expect((await b.send(new ListTrailsCommand({}))).Trails).toEqual([]);
    const theirs = await rejection(b.send(new GetTrailCommand({ Name: arnOf('main') })));
    expect(theirs).toBeInstanceOf(TrailNotFoundException);
    expect(await rejection(b.send(new StartLoggingCommand({ Name: 'main' })))).toBeInstanceOf(TrailNotFoundException);
    // The same name is free in another account.
    await b.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'b-logs' }));
    expect((await b.send(new ListTrailsCommand({}))).Trails).toEqual([
      { TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT_B}:trail/main`, Name: 'main', HomeRegion: 'us-east-1' },
    ]);
  });

  it("answers AWS's errors for names, buckets, duplicates and the per-region quota", async () => {
    const short = await rejection(a.send(new CreateTrailCommand({ Name: 'ab', S3BucketName: 'audit-logs' })));
    expect(short).toBeInstanceOf(InvalidTrailNameException);
    expect(short.message).toBe(
      'Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.',
    );
    const ip = await rejection(a.send(new CreateTrailCommand({ Name: '10.0.0.1', S3BucketName: 'audit-logs' })));
    expect(ip).toBeInstanceOf(InvalidTrailNameException);
    const bucket = await rejection(a.send(new CreateTrailCommand({ Name: 'other', S3BucketName: 'Bad_Bucket' })));
    expect(bucket).toBeInstanceOf(InvalidS3BucketNameException);
    const dup = await rejection(a.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'audit-logs' })));
    expect(dup).toBeInstanceOf(TrailAlreadyExistsException);
    const unknown = await rejection(a.send(new GetTrailCommand({ Name: 'nothing-here' })));
    expect(unknown).toBeInstanceOf(TrailNotFoundException);
    expect(unknown.message).toBe(`Unknown trail: nothing-here for the user: ${account}`);
    const badArn = await rejection(a.send(new GetTrailCommand({ Name: 'arn:aws:cloudtrail:us-east-1:1:trail/x' })));
    expect(badArn).toBeInstanceOf(CloudTrailARNInvalidException);
    const cwl = await rejection(
      a.send(
        new CreateTrailCommand({
          Name: 'cwl',
          S3BucketName: 'audit-logs',
          CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${account}:log-group:trail:*`,
        }),
      ),
    );
    expect(cwl).toBeInstanceOf(InvalidParameterCombinationException);

    for (let i = 2; i <= 5; i++)
      await a.send(new CreateTrailCommand({ Name: `trail-${i}`, S3BucketName: 'audit-logs' }));
    const sixth = await rejection(a.send(new CreateTrailCommand({ Name: 'trail-6', S3BucketName: 'audit-logs' })));
    expect(sixth).toBeInstanceOf(MaximumNumberOfTrailsExceededException);
    expect((await a.send(new ListTrailsCommand({}))).Trails).toHaveLength(5);
  });

  it('deletes trails; a deleted trail is gone everywhere', async () => {
    for (let i = 2; i <= 5; i++) await a.send(new DeleteTrailCommand({ Name: `trail-${i}` }));
    await a.send(new DeleteTrailCommand({ Name: arnOf('main') }));
    expect(await rejection(a.send(new GetTrailCommand({ Name: 'main' })))).toBeInstanceOf(TrailNotFoundException);
    expect(await rejection(a.send(new DeleteTrailCommand({ Name: 'main' })))).toBeInstanceOf(TrailNotFoundException);
    expect(await rejection(a.send(new ListTagsCommand({ ResourceIdList: [arnOf('main')] })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect((await a.send(new DescribeTrailsCommand({}))).trailList).toEqual([]);
  });
});

describe('trails with the AWS CLI v1', () => {
  it('creates a trail, describes it and reads its selectors', () => {
    const cli = (args: string[]) => aws(server.url, server.admin, args);
    const created = cli([
      'cloudtrail',
      'create-trail',
      '--name',
      'cli-trail',
      '--s3-bucket-name',
      'cli-logs',
      '--is-multi-region-trail',
      '--enable-log-file-validation',
    ]);
    expect(created.status, created.stderr).toBe(0);
    expect(created.json()).toEqual({
      Name: 'cli-trail',
      S3BucketName: 'cli-logs',
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: true,
      TrailARN: arnOf('cli-trail'),
      LogFileValidationEnabled: true,
      IsOrganizationTrail: false,
    });
    const described = cli(['cloudtrail', 'describe-trails', '--trail-name-list', 'cli-trail']);
    expect(described.status, described.stderr).toBe(0);
    expect(described.json()).toEqual({
      trailList: [
        {
          Name: 'cli-trail',
          S3BucketName: 'cli-logs',
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: true,
          HomeRegion: 'us-east-1',
          TrailARN: arnOf('cli-trail'),
          LogFileValidationEnabled: true,
          HasCustomEventSelectors: false,
          HasInsightSelectors: false,
          IsOrganizationTrail: false,
        },
      ],
    });
    const put = cli([
      'cloudtrail',
      'put-event-selectors',
      '--trail-name',
      'cli-trail',
      '--event-selectors',
      '[{"ReadWriteType":"ReadOnly","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}]',
    ]);
    expect(put.status, put.stderr).toBe(0);
    const selectors = cli(['cloudtrail', 'get-event-selectors', '--trail-name', 'cli-trail']);
    expect(selectors.status, selectors.stderr).toBe(0);
    expect(selectors.json()).toEqual({
      TrailARN: arnOf('cli-trail'),
      EventSelectors: [
        {
          ReadWriteType: 'ReadOnly',
          IncludeManagementEvents: true,
          DataResources: [{ Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }],
          ExcludeManagementEventSources: [],
        },
      ],
    });
    const status = cli(['cloudtrail', 'get-trail-status', '--name', 'cli-trail']);
    expect(status.status, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({ IsLogging: false });
    const missing = cli(['cloudtrail', 'get-trail', '--name', 'nothing-here']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('TrailNotFoundException');
    expect(missing.stderr).toContain('Unknown trail: nothing-here');
  });
});
