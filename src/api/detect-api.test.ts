/**
 * The EventBridge, CloudWatch Logs and CloudWatch APIs on a real server (in process, real
 * embedded database), spoken to by @aws-sdk/client-eventbridge, @aws-sdk/client-cloudwatch-logs
 * and the AWS CLI v1 (cloudwatch alarms), with CloudTrail still answering on the same POST /.
 */
import {
  CloudWatchLogsClient,
  DeleteMetricFilterCommand,
  DescribeMetricFiltersCommand,
  InvalidParameterException,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CloudTrailClient,
  CreateTrailCommand,
  ListTrailsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  DeleteApiDestinationCommand,
  DeleteConnectionCommand,
  DeleteRuleCommand,
  DescribeApiDestinationCommand,
  DescribeConnectionCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  InvalidEventPatternException,
  ListApiDestinationsCommand,
  ListConnectionsCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { awsEnv } from '../../test/helpers/aws-cli.js';
import { removeDir, tempDir } from '../../test/helpers/embedded.js';
import type { AccessKeyRecord } from '../auth/key-store.js';
import { bootstrapAdmin } from '../cli/bootstrap.js';
import { openEmbedded, type EmbeddedRuntime } from '../cli/runtime.js';
import { builtInLogGroupName } from '../monitor/log-groups.js';
import { buildApiServer } from './server.js';

let dir: string;
let rt: EmbeddedRuntime;
let app: FastifyInstance;
let url: string;
let key: AccessKeyRecord;

beforeAll(async () => {
  dir = tempDir();
  rt = await openEmbedded(dir, { region: 'us-east-1' });
  key = (await bootstrapAdmin(rt.keys, dir))!.key;
  app = await buildApiServer(rt);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  await rt.close();
  removeDir(dir);
});

/** The AWS CLI, asynchronously: the server runs in this process, so a blocking spawn would starve it. */
function aws(
  endpoint: string,
  creds: { accessKeyId: string; secretAccessKey: string },
  args: string[],
): Promise<{ status: number; stdout: string; stderr: string; json: () => unknown }> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      [...args, '--endpoint-url', endpoint, '--output', 'json'],
      { env: awsEnv(creds), encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ status, stdout, stderr, json: () => JSON.parse(stdout) as unknown });
      },
    );
  });
}

const credentials = () => ({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
const events = () =>
  new EventBridgeClient({ endpoint: url, region: 'us-east-1', credentials: credentials(), maxAttempts: 1 });
const logs = () =>
  new CloudWatchLogsClient({ endpoint: url, region: 'us-east-1', credentials: credentials(), maxAttempts: 1 });

describe('EventBridge API', () => {
  it('manages rules and targets, and tests patterns, as the SDK expects', async () => {
    const eb = events();
    const pattern = JSON.stringify({ source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging'] } });
    const put = await eb.send(new PutRuleCommand({ Name: 'trail-off', EventPattern: pattern, Description: 'CIS 3.5' }));
    expect(put.RuleArn).toBe(`arn:aws:events:us-east-1:${key.accountId}:rule/trail-off`);
    const d = await eb.send(new DescribeRuleCommand({ Name: 'trail-off' }));
    expect(d).toMatchObject({ Name: 'trail-off', EventPattern: pattern, State: 'ENABLED', EventBusName: 'default' });
    await eb.send(new DisableRuleCommand({ Name: 'trail-off' }));
    expect((await eb.send(new ListRulesCommand({ NamePrefix: 'trail' }))).Rules?.map((r) => r.State)).toEqual([
      'DISABLED',
    ]);
    await eb.send(new EnableRuleCommand({ Name: 'trail-off' }));

    const conn = await eb.send(
      new CreateConnectionCommand({
        Name: 'hooks',
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } },
      }),
    );
    expect(conn.ConnectionState).toBe('AUTHORIZED');
    expect(conn.CreationTime).toBeInstanceOf(Date);
    const dest = await eb.send(
      new CreateApiDestinationCommand({
        Name: 'pager',
        ConnectionArn: conn.ConnectionArn,
        InvocationEndpoint: 'http://127.0.0.1:9/hook',
        HttpMethod: 'POST',
      }),
    );
    expect(dest.ApiDestinationArn).toMatch(/^arn:aws:events:us-east-1:\d{12}:api-destination\/pager\//);
    // As on AWS, any rate from 1 up (300 is the default, not a ceiling).
    const fast = await eb.send(
      new CreateApiDestinationCommand({
        Name: 'fast',
        ConnectionArn: conn.ConnectionArn,
        InvocationEndpoint: 'http://127.0.0.1:9/fast',
        HttpMethod: 'POST',
        InvocationRateLimitPerSecond: 2000,
      }),
    );
    expect((await eb.send(new DescribeApiDestinationCommand({ Name: 'fast' }))).InvocationRateLimitPerSecond).toBe(
      2000,
    );
    expect(fast.ApiDestinationArn).toMatch(/api-destination\/fast\//);
    await eb.send(new DeleteApiDestinationCommand({ Name: 'fast' }));
    await expect(
      eb.send(
        new CreateApiDestinationCommand({
          Name: 'stopped',
          ConnectionArn: conn.ConnectionArn,
          InvocationEndpoint: 'http://127.0.0.1:9/x',
          HttpMethod: 'POST',
          InvocationRateLimitPerSecond: 0,
        }),
      ),
    ).rejects.toThrow(
      "1 validation error detected: Value '0' at 'invocationRateLimitPerSecond' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const targets = await eb.send(
      new PutTargetsCommand({
        Rule: 'trail-off',
        Targets: [
          { Id: 'pager', Arn: dest.ApiDestinationArn, InputPath: '$.detail' },
          { Id: 'lambda', Arn: `arn:aws:lambda:us-east-1:${key.accountId}:function:f` },
        ],
      }),
    );
    expect(targets.FailedEntryCount).toBe(1);
    expect(targets.FailedEntries?.[0]).toMatchObject({ TargetId: 'lambda', ErrorCode: 'ValidationException' });
    expect((await eb.send(new ListTargetsByRuleCommand({ Rule: 'trail-off' }))).Targets).toEqual([
      { Id: 'pager', Arn: dest.ApiDestinationArn, InputPath: '$.detail' },
    ]);
    await expect(eb.send(new DeleteRuleCommand({ Name: 'trail-off' }))).rejects.toThrow(
      "Rule can't be deleted since it has targets.",
    );
    const described = await eb.send(new DescribeConnectionCommand({ Name: 'hooks' }));
    expect(described.AuthParameters?.ApiKeyAuthParameters?.ApiKeyName).toBe('x-api-key');
    expect(JSON.stringify(described)).not.toContain('"k"');
    expect((await eb.send(new ListConnectionsCommand({}))).Connections?.map((c) => c.Name)).toEqual(['hooks']);
    expect(await eb.send(new DescribeApiDestinationCommand({ Name: 'pager' }))).toMatchObject({
      InvocationEndpoint: 'http://127.0.0.1:9/hook',
      HttpMethod: 'POST',
      ConnectionArn: conn.ConnectionArn,
    });
    expect((await eb.send(new ListApiDestinationsCommand({}))).ApiDestinations?.map((d) => d.Name)).toEqual(['pager']);
    await expect(eb.send(new DeleteApiDestinationCommand({ Name: 'pager' }))).rejects.toThrow(
      /target of rule\(s\) trail-off/,
    );
    await eb.send(new RemoveTargetsCommand({ Rule: 'trail-off', Ids: ['pager'] }));
    await expect(eb.send(new DeleteConnectionCommand({ Name: 'hooks' }))).rejects.toThrow(/pager/);
    await eb.send(new DeleteApiDestinationCommand({ Name: 'pager' }));
    expect((await eb.send(new DeleteConnectionCommand({ Name: 'hooks' }))).ConnectionState).toBe('DELETING');
    await eb.send(new DeleteRuleCommand({ Name: 'trail-off' }));
    await expect(eb.send(new DescribeRuleCommand({ Name: 'trail-off' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('TestEventPattern answers Result, and invalid patterns with InvalidEventPatternException', async () => {
    const eb = events();
    const event = JSON.stringify({
      id: '1',
      account: '123456789012',
      source: 'aws.cloudtrail',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventName: 'StopLogging' },
    });
    const yes = await eb.send(
      new TestEventPatternCommand({ EventPattern: '{"detail":{"eventName":[{"prefix":"Stop"}]}}', Event: event }),
    );
    expect(yes.Result).toBe(true);
    const no = await eb.send(new TestEventPatternCommand({ EventPattern: '{"source":["aws.s3"]}', Event: event }));
    expect(no.Result).toBe(false);
    const err = await eb
      .send(new TestEventPatternCommand({ EventPattern: '{"source":"aws.s3"}', Event: event }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidEventPatternException);
    expect((err as Error).message).toMatch(/^Event pattern is not valid\. Reason: .* at \$\.source/);
  });
});

describe('CloudWatch Logs metric filters API', () => {
  it('puts, describes, tests and deletes metric filters', async () => {
    const cw = logs();
    const group = builtInLogGroupName(key.accountId);
    await cw.send(
      new PutMetricFilterCommand({
        logGroupName: group,
        filterName: 'CloudTrailChanges',
        filterPattern: '{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }',
        metricTransformations: [{ metricName: 'CloudTrailChanges', metricNamespace: 'CIS', metricValue: '1' }],
      }),
    );
    const d = await cw.send(new DescribeMetricFiltersCommand({ logGroupName: group }));
    expect(d.metricFilters?.map((f) => f.filterName)).toEqual(['CloudTrailChanges']);
    expect(d.metricFilters?.[0]?.creationTime).toBeGreaterThan(1.7e12);
    const t = await cw.send(
      new TestMetricFilterCommand({
        filterPattern: '{ $.eventName = StopLogging }',
        logEventMessages: ['{"eventName":"StopLogging"}', '{"eventName":"StartLogging"}'],
      }),
    );
    expect(t.matches?.map((m) => m.eventNumber)).toEqual([1]);
    await expect(
      cw.send(new TestMetricFilterCommand({ filterPattern: '{ $.x = ', logEventMessages: ['{}'] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await cw.send(new DeleteMetricFilterCommand({ logGroupName: group, filterName: 'CloudTrailChanges' }));
    expect((await cw.send(new DescribeMetricFiltersCommand({ logGroupName: group }))).metricFilters).toEqual([]);
  });
});

describe("a trail's CloudWatchLogsLogGroupArn", () => {
  it('is a log group metric filters can use, fed with what the trail selects while it logs', async () => {
    const ct = new CloudTrailClient({ endpoint: url, region: 'us-east-1', credentials: credentials(), maxAttempts: 1 });
    const group = `arn:aws:logs:us-east-1:${key.accountId}:log-group:org-trail:*`;
    await ct.send(
      new CreateTrailCommand({
        Name: 'to-logs',
        S3BucketName: 'audit-logs',
        CloudWatchLogsLogGroupArn: group,
        CloudWatchLogsRoleArn: `arn:aws:iam::${key.accountId}:role/CloudTrail_CloudWatchLogs_Role`,
      }),
    );
    const cw = logs();
    const filter = {
      filterName: 'f',
      filterPattern: '{ $.eventName = StopLogging }',
      metricTransformations: [{ metricName: 'm', metricNamespace: 'n', metricValue: '1' }],
    };
    await cw.send(new PutMetricFilterCommand({ logGroupName: 'org-trail', ...filter }));
    await expect(cw.send(new PutMetricFilterCommand({ logGroupName: 'no-such-group', ...filter }))).rejects.toThrow();
    const record = {
      eventName: 'StopLogging',
      awsRegion: 'us-east-1',
      eventCategory: 'Management',
      readOnly: false,
      managementEvent: true,
    } as never;
    const route = rt.detect.logGroupsOf!;
    // Not logging yet: only the built-in group.
    expect(route(key.accountId, record)).toEqual([builtInLogGroupName(key.accountId)]);
    await ct.send(new StartLoggingCommand({ Name: 'to-logs' }));
    for (let i = 0; i < 100 && route(key.accountId, record).length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(route(key.accountId, record)).toEqual([builtInLogGroupName(key.accountId), 'org-trail']);
    // Another region's events are not the single-region trail's.
    expect(route(key.accountId, { ...(record as object), awsRegion: 'eu-west-1' } as never)).toEqual([
      builtInLogGroupName(key.accountId),
    ]);
  });
});

describe('CloudWatch alarms through the AWS CLI v1', () => {
  it('put-metric-alarm, describe-alarms, set-alarm-state, describe-alarm-history, delete-alarms', async () => {
    const c = credentials();
    const cli = (...args: string[]) => aws(url, c, ['cloudwatch', ...args]);
    const put = await cli(
      'put-metric-alarm',
      ...['--alarm-name', 'trail-changes', '--metric-name', 'CloudTrailChanges', '--namespace', 'CIS'],
      ...['--statistic', 'Sum', '--period', '300', '--evaluation-periods', '1', '--threshold', '1'],
      ...['--comparison-operator', 'GreaterThanOrEqualToThreshold'],
    );
    expect(put.stderr).toBe('');
    expect(put.status).toBe(0);
    const described = (await cli('describe-alarms', '--alarm-names', 'trail-changes')).json() as {
      MetricAlarms: { AlarmName: string; StateValue: string; StateUpdatedTimestamp: number }[];
    };
    expect(described.MetricAlarms[0]).toMatchObject({ AlarmName: 'trail-changes', StateValue: 'INSUFFICIENT_DATA' });
    // The CLI v1 prints timestamps as received: JSON 1.0 epoch seconds.
    expect(described.MetricAlarms[0]!.StateUpdatedTimestamp).toBeGreaterThan(Date.parse('2026-01-01') / 1000);
    const set = await cli(
      'set-alarm-state',
      '--alarm-name',
      'trail-changes',
      '--state-value',
      'ALARM',
      '--state-reason',
      'testing',
    );
    expect(set.stderr).toBe('');
    const history = (await cli('describe-alarm-history', '--alarm-name', 'trail-changes')).json() as {
      AlarmHistoryItems: { HistoryItemType: string; HistorySummary: string }[];
    };
    expect(history.AlarmHistoryItems.map((h) => h.HistoryItemType)).toContain('StateUpdate');
    const missing = await cli('set-alarm-state', '--alarm-name', 'nope', '--state-value', 'OK', '--state-reason', 'x');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/ResourceNotFound/);
    expect((await cli('delete-alarms', '--alarm-names', 'trail-changes')).status).toBe(0);
    expect(((await cli('describe-alarms')).json() as { MetricAlarms: unknown[] }).MetricAlarms).toEqual([]);
  });

  it('aws events and aws logs (CLI v1) speak the same APIs', async () => {
    const c = credentials();
    const put = await aws(url, c, [
      'events',
      'put-rule',
      '--name',
      'cli-rule',
      '--event-pattern',
      '{"source":["aws.iam"]}',
    ]);
    expect(put.stderr).toBe('');
    expect((put.json() as { RuleArn: string }).RuleArn).toMatch(/:rule\/cli-rule$/);
    const tested = await aws(url, c, [
      'events',
      'test-event-pattern',
      '--event-pattern',
      '{"source":["aws.iam"]}',
      '--event',
      JSON.stringify({
        id: '1',
        account: '1',
        source: 'aws.iam',
        time: '2026-01-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        'detail-type': 'x',
      }),
    ]);
    expect(tested.json()).toEqual({ Result: true });
    const filter = await aws(url, c, [
      'logs',
      'put-metric-filter',
      '--log-group-name',
      builtInLogGroupName(key.accountId),
      '--filter-name',
      'RootUsage',
      '--filter-pattern',
      '{ $.userIdentity.type = "Root" }',
      '--metric-transformations',
      'metricName=RootUsage,metricNamespace=CIS,metricValue=1',
    ]);
    expect(filter.stderr).toBe('');
    const listed = (await aws(url, c, ['logs', 'describe-metric-filters'])).json() as {
      metricFilters: { filterName: string }[];
    };
    expect(listed.metricFilters.map((f) => f.filterName)).toContain('RootUsage');
  });

  it('leaves CloudTrail on the same POST / as it was', async () => {
    const ct = new CloudTrailClient({ endpoint: url, region: 'us-east-1', credentials: credentials(), maxAttempts: 1 });
    expect((await ct.send(new ListTrailsCommand({}))).Trails?.map((t) => t.Name)).toEqual(['to-logs']);
  });
});
