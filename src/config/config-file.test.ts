import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/helpers/embedded.js';
import { CONFIG_FILE_NAME, ConfigFileError, configFilePath, parseConfigFile, readConfigFile } from './config-file.js';

const FILE = '/etc/opentrail.json';

function problemsOf(doc: unknown): { path: string; message: string }[] {
  try {
    parseConfigFile(typeof doc === 'string' ? doc : JSON.stringify(doc), FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError);
    return [...(err as ConfigFileError).problems];
  }
  throw new Error('expected the file to be refused');
}

const ACCOUNT = '123456789012';

describe('config file: server settings', () => {
  it('reads every setting, durations in milliseconds', () => {
    const c = parseConfigFile(
      JSON.stringify({
        server: {
          host: '0.0.0.0',
          port: 8080,
          region: 'eu-west-1',
          retention: '90d',
          pruneInterval: '30m',
          logLevel: 'debug',
          flushInterval: '5s',
          digestInterval: '1h',
          s3Endpoint: 'http://127.0.0.1:9000',
          s3ForcePathStyle: true,
          keyRate: 50,
          keyBurst: 75,
        },
      }),
      FILE,
    );
    expect(c.server).toEqual({
      host: '0.0.0.0',
      port: 8080,
      region: 'eu-west-1',
      retentionMs: 90 * 86_400_000,
      pruneIntervalMs: 30 * 60_000,
      logLevel: 'debug',
      flushIntervalMs: 5000,
      digestIntervalMs: 3_600_000,
      s3Endpoint: 'http://127.0.0.1:9000',
      s3ForcePathStyle: true,
      keyRatePerSecond: 50,
      keyBurst: 75,
    });
    expect(c.accounts).toEqual([]);
  });

  it('names the path and what was expected for each bad value, all at once', () => {
    const problems = problemsOf({ server: { port: 70000, retention: '90 days', logLevel: 'loud', prot: 1 } });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'server.port' }),
        {
          path: 'server.retention',
          message: 'expected a duration such as "90d", "12h", "5s", got "90 days"',
        },
        expect.objectContaining({ path: 'server.logLevel', message: expect.stringContaining('info') }),
        expect.objectContaining({
          path: 'server.prot',
          message: expect.stringMatching(/^unknown key "prot"; expected one of host, port/),
        }),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('the error message names the file, the path and the problem', () => {
    expect(() => parseConfigFile('{"server":{"flushInterval":"soon"}}', FILE)).toThrow(
      '/etc/opentrail.json: server.flushInterval: expected a duration such as "90d", "12h", "5s", got "soon"',
    );
  });
});

describe('config file: structure', () => {
  it('refuses text that is not JSON, with the line and column', () => {
    const [p] = problemsOf('{\n  "server": {\n    "port": 1,\n  }\n}');
    expect(p!.path).toBe('');
    expect(p!.message).toMatch(/^expected JSON: .* \(line 4, column 3\)$/);
  });

  it('refuses unknown keys at every level, with their paths', () => {
    const problems = problemsOf({
      servr: {},
      accounts: [
        {
          accountId: ACCOUNT,
          rule: [],
          rules: [
            { Name: 'a', EventPattern: { source: ['aws.s3'] } },
            { Name: 'b', EventPattern: '{}' },
            {
              Name: 'c',
              EventPatern: '{}',
              Targets: [{ Id: 't', Arn: 'x', InputTransformer: { InputTemplte: '<a>' } }],
            },
          ],
          alarms: [{ AlarmName: 'x', Dimensions: [{ Name: 'a', Valu: 'b' }] }],
        },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      'servr',
      'accounts[0].rule',
      // Kinds in the order they are applied: alarms before rules.
      'accounts[0].alarms[0].Dimensions[0].Valu',
      'accounts[0].rules[2].EventPatern',
      'accounts[0].rules[2].Targets[0].InputTransformer.InputTemplte',
    ]);
    expect(problems[3]!.message).toBe(
      'unknown key "EventPatern"; expected one of Name, EventPattern, State, Description, EventBusName, ScheduleExpression, RoleArn, Targets',
    );
  });

  it('keeps each declaration with its path, values as written', () => {
    const c = parseConfigFile(
      JSON.stringify({
        accounts: [{ accountId: ACCOUNT, rules: [{ Name: 'r', EventPattern: { source: ['aws.cloudtrail'] } }] }],
      }),
      FILE,
    );
    expect(c.accounts[0]!.accountId).toBe(ACCOUNT);
    expect(c.accounts[0]!.rules).toEqual([
      { path: 'accounts[0].rules[0]', value: { Name: 'r', EventPattern: { source: ['aws.cloudtrail'] } } },
    ]);
    expect(c.accounts[0]!.alarms).toEqual([]);
  });

  it('refuses bad account IDs, lists that are not lists, and entries that are not objects', () => {
    const problems = problemsOf({
      accounts: [{ accountId: 123456789012 }, { accountId: '12345', rules: {} }, { accountId: ACCOUNT, alarms: ['x'] }],
    });
    expect(problems).toEqual([
      {
        path: 'accounts[0].accountId',
        message: 'expected a 12-digit account ID as a string, got 123456789012',
      },
      { path: 'accounts[1].accountId', message: 'expected a 12-digit account ID as a string, got "12345"' },
      { path: 'accounts[1].rules', message: 'expected a list of rules declarations' },
      { path: 'accounts[2].alarms[0]', message: 'expected an object' },
    ]);
  });

  it('refuses a resource declared twice, and an account declared twice', () => {
    const problems = problemsOf({
      accounts: [
        {
          accountId: ACCOUNT,
          rules: [{ Name: 'r' }, { Name: 'r' }],
          apiDestinations: [{ Name: 'hook' }],
          channels: [{ name: 'hook', config: { kind: 'chat', webhookUrl: 'https://chat.example.com/x' } }],
          metricFilters: [
            { logGroupName: 'g', filterName: 'f' },
            { logGroupName: 'h', filterName: 'f' },
          ],
        },
        { accountId: ACCOUNT },
      ],
    });
    expect(problems).toEqual([
      {
        path: 'accounts[0].rules[1]',
        message: 'declares the same Name as accounts[0].rules[0]; each resource is declared once',
      },
      {
        path: 'accounts[0].channels[0].name',
        message:
          '"hook" is already the name of the API destination at accounts[0].apiDestinations[0]; channels and API destinations share names',
      },
      {
        path: 'accounts[1].accountId',
        message: `account ${ACCOUNT} is already declared at accounts[0]; declare each account once`,
      },
    ]);
  });
});

describe('config file: where it is read from', () => {
  let dir: string | undefined;
  afterEach(() => removeDir(dir));

  it('--config wins; else <data-dir>/opentrail.json when it exists', () => {
    dir = tempDir();
    expect(configFilePath(dir, undefined)).toBeUndefined();
    writeFileSync(join(dir, CONFIG_FILE_NAME), '{}');
    expect(configFilePath(dir, undefined)).toBe(join(dir, CONFIG_FILE_NAME));
    expect(configFilePath(dir, '/somewhere/else.json')).toBe('/somewhere/else.json');
  });

  it('a file that cannot be read is refused with its name', () => {
    dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    expect(() => readConfigFile(join(dir!, 'missing.json'))).toThrow(
      new RegExp(`^${join(dir, 'missing.json')}: \\(top level\\): cannot be read: ENOENT`),
    );
  });
});
