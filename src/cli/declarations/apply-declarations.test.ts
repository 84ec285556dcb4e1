/* eslint-disable @typescript-eslint/no-explicit-any -- audit records are read as loose JSON */
/**
 * Applying config-file declarations to a real embedded runtime (DuckDB in a temporary data
 * directory): everything is created through the API operations, a second apply with the same
 * file changes nothing, a changed declaration updates its resource in place, resources the file
 * does not name stay, and bad declarations are refused with their JSON paths before anything
 * is written.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test/helpers/embedded.js';
import { ConfigFileError, parseConfigFile, readConfigFile, type ConfigFile } from '../../config/config-file.js';
import { builtInLogGroupName } from '../../monitor/log-groups.js';
import { openEmbedded, type EmbeddedRuntime } from '../runtime.js';
import { applyDeclarations } from './apply-declarations.js';

const ACCOUNT = '123456789012';
const FILE = 'test-opentrail.json';

let dir: string;
let rt: EmbeddedRuntime;

beforeEach(async () => {
  dir = tempDir();
  rt = await openEmbedded(dir, { region: 'us-east-1' });
});
afterEach(async () => {
  await rt.close();
  removeDir(dir);
});

type Doc = { accounts: Record<string, unknown>[] };

/** A file declaring one of each kind in ACCOUNT. */
function fullDoc(): Doc {
  return {
    accounts: [
      {
        accountId: ACCOUNT,
        connections: [
          { Name: 'hook-connection', AuthorizationType: 'NONE', SigningSecret: 'a-signing-secret-of-some-length' },
        ],
        apiDestinations: [
          {
            Name: 'hook',
            ConnectionArn: 'ref:connection/hook-connection',
            InvocationEndpoint: 'http://127.0.0.1:9/alerts',
            HttpMethod: 'POST',
          },
        ],
        channels: [
          {
            name: 'security-mail',
            config: { kind: 'email', from: 'ot@example.com', to: ['sec@example.com'], smtp: { host: 'localhost' } },
          },
          { name: 'chat', config: { kind: 'chat', webhookUrl: 'http://127.0.0.1:9/chat/T000/B000/secret' } },
        ],
        trails: [
          {
            Name: 'main',
            S3BucketName: 'audit-logs',
            EnableLogFileValidation: true,
            EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }],
            StartLogging: true,
          },
        ],
        metricFilters: [
          {
            logGroupName: builtInLogGroupName(ACCOUNT),
            filterName: 'CloudTrailChanges',
            filterPattern: '{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }',
            metricTransformations: [
              { metricName: 'CloudTrailEventCount', metricNamespace: 'CISBenchmark', metricValue: '1' },
            ],
          },
        ],
        alarms: [
          {
            AlarmName: 'CloudTrailChanges',
            MetricName: 'CloudTrailEventCount',
            Namespace: 'CISBenchmark',
            Statistic: 'Sum',
            Period: 300,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            AlarmActions: ['ref:api-destination/hook', 'ref:channel/security-mail'],
          },
        ],
        rules: [
          {
            Name: 'trail-stopped',
            EventPattern: { source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging'] } },
            Targets: [
              {
                Id: 'hook',
                Arn: 'ref:api-destination/hook',
                InputTransformer: {
                  InputPathsMap: { name: '$.detail.eventName' },
                  InputTemplate: '{"what": <name>}',
                },
                RetryPolicy: { MaximumRetryAttempts: 3 },
              },
            ],
          },
        ],
      },
    ],
  };
}

function config(doc: unknown): ConfigFile {
  return parseConfigFile(JSON.stringify(doc), FILE);
}

async function refusal(doc: unknown): Promise<ConfigFileError> {
  const err = await applyDeclarations(rt, config(doc)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigFileError);
  return err as ConfigFileError;
}

describe('applying declarations', () => {
  it('creates every declared resource through the APIs, with references resolved', async () => {
    const applied = await applyDeclarations(rt, config(fullDoc()));
    expect(applied.map((a) => `${a.kind} ${a.name} ${a.outcome}`)).toEqual([
      'connections hook-connection created',
      'apiDestinations hook created',
      'channels security-mail created',
      'channels chat created',
      'trails main created',
      `metricFilters ${builtInLogGroupName(ACCOUNT)}/CloudTrailChanges created`,
      'alarms CloudTrailChanges created',
      'rules trail-stopped created',
    ]);
    const d = rt.detect;
    expect(await rt.keys.listAccounts()).toContain(ACCOUNT);
    const hook = (await d.notify.getChannel(ACCOUNT, 'hook'))!;
    const connection = (await d.notify.getConnection(ACCOUNT, 'hook-connection'))!;
    expect(hook.arn).toMatch(/^arn:aws:events:us-east-1:123456789012:api-destination\/hook\/[0-9a-f-]{36}$/);
    expect(hook.config).toMatchObject({ kind: 'webhook', connectionArn: connection.connectionArn });
    expect(connection.signingSecret).toBe('a-signing-secret-of-some-length');
    const mail = (await d.notify.getChannel(ACCOUNT, 'security-mail'))!;
    expect(mail.config).toMatchObject({ kind: 'email', smtp: { host: 'localhost', port: 587 } });

    const trail = (await rt.trails.listAccount(ACCOUNT)).find((t) => t.name === 'main')!;
    expect(trail).toMatchObject({ s3BucketName: 'audit-logs', logFileValidationEnabled: true });
    expect(trail.selectors).toMatchObject({ kind: 'basic', eventSelectors: [{ ReadWriteType: 'WriteOnly' }] });
    expect((await rt.trails.status(trail.trailArn)).isLogging).toBe(true);

    expect((await d.alarms.get(ACCOUNT, 'CloudTrailChanges'))!.AlarmActions).toEqual([hook.arn, mail.arn]);
    expect(d.rules.describeRule(ACCOUNT, 'trail-stopped')).toMatchObject({
      eventPattern: '{"source":["aws.cloudtrail"],"detail":{"eventName":["StopLogging"]}}',
      state: 'ENABLED',
    });
    expect(d.rules.listTargets(ACCOUNT, 'trail-stopped')).toEqual([
      {
        Id: 'hook',
        Arn: hook.arn,
        InputTransformer: { InputPathsMap: { name: '$.detail.eventName' }, InputTemplate: '{"what": <name>}' },
        RetryPolicy: { MaximumRetryAttempts: 3 },
      },
    ]);
  });

  it('records each change as the API call it stands for, by the opentrail-config principal; secrets hidden', async () => {
    await applyDeclarations(rt, config(fullDoc()));
    const records = (await rt.log.read(0, 100)).map((e) => JSON.parse(e.json) as Record<string, any>);
    expect(records.map((r) => `${r.eventSource} ${r.eventName}`)).toEqual([
      'events.amazonaws.com CreateConnection',
      'events.amazonaws.com CreateApiDestination',
      'cloudtrail.amazonaws.com CreateTrail',
      'cloudtrail.amazonaws.com PutEventSelectors',
      'cloudtrail.amazonaws.com StartLogging',
      'logs.amazonaws.com PutMetricFilter',
      'monitoring.amazonaws.com PutMetricAlarm',
      'events.amazonaws.com PutRule',
      'events.amazonaws.com PutTargets',
    ]);
    for (const r of records) {
      expect(r.recipientAccountId).toBe(ACCOUNT);
      expect(r.userIdentity).toMatchObject({ userName: 'opentrail-config', accessKeyId: 'opentrail-config-file' });
    }
    expect(JSON.stringify(records)).not.toContain('a-signing-secret-of-some-length');
    // A second apply with the same file makes no calls, so records none.
    await applyDeclarations(rt, config(fullDoc()));
    expect(await rt.log.read(0, 100)).toHaveLength(records.length);
  });

  it('applying the same file again changes nothing', async () => {
    await applyDeclarations(rt, config(fullDoc()));
    const d = rt.detect;
    const before = {
      rule: d.rules.describeRule(ACCOUNT, 'trail-stopped'),
      hook: await d.notify.getChannel(ACCOUNT, 'hook'),
      connection: await d.notify.getConnection(ACCOUNT, 'hook-connection'),
      alarm: await d.alarms.get(ACCOUNT, 'CloudTrailChanges'),
      history: await d.alarms.history(ACCOUNT, { alarmName: 'CloudTrailChanges' }),
      trail: (await rt.trails.listAccount(ACCOUNT))[0],
      filters: await d.filters.listAll(ACCOUNT),
    };
    const again = await applyDeclarations(rt, config(fullDoc()));
    expect(again.every((a) => a.outcome === 'unchanged')).toBe(true);
    expect(again).toHaveLength(8);
    expect({
      rule: d.rules.describeRule(ACCOUNT, 'trail-stopped'),
      hook: await d.notify.getChannel(ACCOUNT, 'hook'),
      connection: await d.notify.getConnection(ACCOUNT, 'hook-connection'),
      alarm: await d.alarms.get(ACCOUNT, 'CloudTrailChanges'),
      history: await d.alarms.history(ACCOUNT, { alarmName: 'CloudTrailChanges' }),
      trail: (await rt.trails.listAccount(ACCOUNT))[0],
      filters: await d.filters.listAll(ACCOUNT),
    }).toEqual(before);
  });

  it('a changed declaration updates its resource in place; others stay unchanged', async () => {
    await applyDeclarations(rt, config(fullDoc()));
    const d = rt.detect;
    const hookArn = (await d.notify.getChannel(ACCOUNT, 'hook'))!.arn;
    const doc = fullDoc();
    const account = doc.accounts[0] as Record<string, Record<string, unknown>[]>;
    account.apiDestinations![0]!.InvocationEndpoint = 'http://127.0.0.1:9/moved';
    account.alarms![0]!.Threshold = 3;
    account.rules![0]!.EventPattern = { source: ['aws.cloudtrail'], detail: { eventName: ['DeleteTrail'] } };
    account.trails![0]!.StartLogging = false;
    delete account.trails![0]!.EnableLogFileValidation;

    const applied = await applyDeclarations(rt, config(doc));
    expect(Object.fromEntries(applied.map((a) => [a.name, a.outcome]))).toEqual({
      'hook-connection': 'unchanged',
      hook: 'updated',
      'security-mail': 'unchanged',
      chat: 'unchanged',
      main: 'updated',
      [`${builtInLogGroupName(ACCOUNT)}/CloudTrailChanges`]: 'unchanged',
      CloudTrailChanges: 'updated',
      'trail-stopped': 'updated',
    });
    const hook = (await d.notify.getChannel(ACCOUNT, 'hook'))!;
    // Updated in place: the ARN that rules and alarms name is the same.
    expect(hook.arn).toBe(hookArn);
    expect(hook.config).toMatchObject({ invocationEndpoint: 'http://127.0.0.1:9/moved' });
    expect(d.rules.listTargets(ACCOUNT, 'trail-stopped')[0]!.Arn).toBe(hookArn);
    expect((await d.alarms.get(ACCOUNT, 'CloudTrailChanges'))!.Threshold).toBe(3);
    expect(d.rules.describeRule(ACCOUNT, 'trail-stopped').eventPattern).toContain('DeleteTrail');
    const trail = (await rt.trails.listAccount(ACCOUNT))[0]!;
    // Left out of the file: CreateTrail's default.
    expect(trail.logFileValidationEnabled).toBe(false);
    expect((await rt.trails.status(trail.trailArn)).isLogging).toBe(false);
  });

  it('a changed connection keeps its ARN; a channel cannot change kind', async () => {
    await applyDeclarations(rt, config(fullDoc()));
    const d = rt.detect;
    const before = (await d.notify.getConnection(ACCOUNT, 'hook-connection'))!;
    const doc = fullDoc();
    const account = doc.accounts[0] as Record<string, Record<string, unknown>[]>;
    account.connections![0] = {
      Name: 'hook-connection',
      AuthorizationType: 'API_KEY',
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k-123' } },
      SigningSecret: 'another-signing-secret-0123',
    };
    const applied = await applyDeclarations(rt, config(doc));
    expect(applied[0]).toMatchObject({ kind: 'connections', outcome: 'updated' });
    const after = (await d.notify.getConnection(ACCOUNT, 'hook-connection'))!;
    expect(after).toMatchObject({
      connectionArn: before.connectionArn,
      createdAtMs: before.createdAtMs,
      authorizationType: 'API_KEY',
      signingSecret: 'another-signing-secret-0123',
    });

    account.channels![0]!.config = { kind: 'chat', webhookUrl: 'http://127.0.0.1:9/chat' };
    const err = await refusal(doc);
    expect(err.problems).toEqual([
      {
        path: 'accounts[0].channels[0].config.kind',
        message: expect.stringContaining('channel security-mail is of kind email and cannot become chat'),
      },
    ]);
  });

  it('leaves resources the file does not name alone, and targets of a declared rule it does not name', async () => {
    await applyDeclarations(rt, config(fullDoc()));
    const d = rt.detect;
    const hookArn = (await d.notify.getChannel(ACCOUNT, 'hook'))!.arn;
    await d.rules.putRule(ACCOUNT, { Name: 'by-hand', EventPattern: '{"source":["aws.s3"]}' });
    await d.rules.putTargets(ACCOUNT, 'trail-stopped', [{ Id: 'extra', Arn: hookArn }]);
    const applied = await applyDeclarations(rt, config(fullDoc()));
    expect(applied.every((a) => a.outcome === 'unchanged')).toBe(true);
    expect(d.rules.describeRule(ACCOUNT, 'by-hand').eventPattern).toBe('{"source":["aws.s3"]}');
    expect(d.rules.listTargets(ACCOUNT, 'trail-stopped').map((t) => t.Id)).toEqual(['hook', 'extra']);
  });

  it('refuses bad declarations with their JSON paths, all at once, before writing anything', async () => {
    const doc = fullDoc();
    const account = doc.accounts[0] as Record<string, Record<string, unknown>[]>;
    account.rules!.push({ Name: 'second', EventPattern: { source: [] } });
    account.rules!.push({ Name: 'third', EventPattern: '{"source":["x"]}', Targets: [{ Id: 'bad id', Arn: 'x' }] });
    account.alarms![0]!.ComparisonOperator = 'Bigger';
    account.channels![0]!.config = { kind: 'email', from: 'a@b.c', to: [], smtp: { host: 'h' } };
    const err = await refusal(doc);
    expect(err.problems.map((p) => p.path)).toEqual([
      'accounts[0].channels[0].config.to',
      'accounts[0].alarms[0].ComparisonOperator',
      'accounts[0].rules[1].EventPattern',
      'accounts[0].rules[2].Targets[0].Id',
    ]);
    expect(err.problems[0]!.message).toMatch(/config\.to: .*1/);
    expect(err.problems[1]!.message).toMatch(/comparisonOperator|ComparisonOperator/);
    expect(err.problems[2]!.message).toMatch(/^InvalidEventPatternException: /);
    expect(err.message).toMatch(/^test-opentrail\.json: 4 problems:\n {2}accounts\[0\]\.channels\[0\]\.config\.to: /);
    // Nothing was written: not even the account.
    expect(await rt.keys.listAccounts()).not.toContain(ACCOUNT);
    expect(rt.detect.rules.listRules(ACCOUNT)).toEqual([]);
    expect(await rt.detect.notify.listConnections(ACCOUNT)).toEqual([]);
  });

  it('a metric filter may read the log group of a trail declared in the same file', async () => {
    const group = 'CloudTrail/audit';
    const applied = await applyDeclarations(
      rt,
      config({
        accounts: [
          {
            accountId: ACCOUNT,
            trails: [
              {
                Name: 'to-logs',
                S3BucketName: 'audit-logs',
                CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${group}:*`,
                CloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/CloudTrail_CloudWatchLogs_Role`,
              },
            ],
            metricFilters: [
              {
                logGroupName: group,
                filterName: 'root-usage',
                filterPattern: '{ $.userIdentity.type = "Root" }',
                metricTransformations: [{ metricName: 'RootUsage', metricNamespace: 'CISBenchmark', metricValue: '1' }],
              },
            ],
          },
        ],
      }),
    );
    expect(applied.map((a) => a.outcome)).toEqual(['created', 'created']);
    expect((await rt.detect.filters.listAll(ACCOUNT)).map((f) => f.logGroupName)).toEqual([group]);
  });

  it('a problem only the stored state shows stops applying at its path', async () => {
    const missingGroup = await refusal({
      accounts: [
        {
          accountId: ACCOUNT,
          metricFilters: [
            {
              logGroupName: 'no-such-group',
              filterName: 'f',
              filterPattern: '{ $.eventName = StopLogging }',
              metricTransformations: [{ metricName: 'm', metricNamespace: 'n', metricValue: '1' }],
            },
          ],
        },
      ],
    });
    expect(missingGroup.message).toBe(
      `${FILE}: accounts[0].metricFilters[0]: ResourceNotFoundException: The specified log group does not exist.`,
    );
    const missingChannel = await refusal({
      accounts: [
        {
          accountId: ACCOUNT,
          rules: [
            {
              Name: 'r',
              EventPattern: '{"source":["aws.cloudtrail"]}',
              Targets: [{ Id: 't', Arn: 'ref:api-destination/nowhere' }],
            },
          ],
        },
      ],
    });
    expect(missingChannel.message).toBe(
      `${FILE}: accounts[0].rules[0].Targets[0].Arn: no API destination named "nowhere" in account ${ACCOUNT}`,
    );
  });
});

describe('examples/opentrail.json', () => {
  it('is a valid file whose declarations apply, and re-apply unchanged', async () => {
    const example = readConfigFile(join(import.meta.dirname, '../../../examples/opentrail.json'));
    const first = await applyDeclarations(rt, example);
    expect(first.map((a) => a.outcome)).toEqual(Array(7).fill('created'));
    expect(rt.detect.rules.describeRule(ACCOUNT, 'cloudtrail-stopped').state).toBe('ENABLED');
    const again = await applyDeclarations(rt, example);
    expect(again.map((a) => a.outcome)).toEqual(Array(7).fill('unchanged'));
  });
});
