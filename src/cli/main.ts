import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_REGION } from '../config/defaults.js';
import { parseDuration } from '../config/duration.js';
import { UnknownPolicyError } from '../auth/key-store.js';
import { ControlError } from './control-client.js';
import { DataDirBusyError } from './runtime.js';
import { UsageError } from './usage-error.js';
import { ConfigFileError } from '../config/config-file.js';
import { registerValidateLogsCommand } from './validate-logs.js';
import { registerCisCommand } from './cis.js';
import { registerChannelsCommand } from './channels.js';
import { registerOrgsCommand } from './orgs.js';

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('use a number and a unit, e.g. 90d, 12h, 30m');
  return ms;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0–65535');
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const dataDirOption = () => new Option('--data-dir <dir>', 'data directory').default(DEFAULT_DATA_DIR);
const regionOption = () =>
  new Option('--region <region>', 'region this server answers as').default(process.env.AWS_REGION ?? DEFAULT_REGION);

export function buildCli(): Command {
  const program = new Command('opentrail')
    .description('Self-hosted, AWS CloudTrail-compatible audit trail')
    .showHelpAfterError()
    .version('0.1.0');

  program
    .command('serve')
    .description('run every API (CloudTrail, cloudtrail-data, the JSON API) on one port')
    .addOption(dataDirOption())
    .addOption(
      new Option(
        '--config <file>',
        'config file (JSON; docs/configuration.md); default <data-dir>/opentrail.json when it exists. Flags given here win over its server settings',
      ),
    )
    .addOption(new Option('--port <port>', 'TCP port').argParser(port).default(DEFAULT_PORT))
    .addOption(new Option('--host <addr>', 'address to listen on (loopback by default)').default(DEFAULT_HOST))
    .addOption(regionOption())
    .addOption(
      new Option(
        '--retention <duration>',
        'prune events whose eventTime is older (e.g. 90d); default keeps all',
      ).argParser(duration),
    )
    .addOption(
      new Option('--prune-interval <duration>', 'how often retention pruning runs')
        .argParser(duration)
        .default(3_600_000, '1h'),
    )
    .addOption(new Option('--log-level <level>', 'pino log level').default('info'))
    .addOption(
      new Option('--flush-interval <duration>', 'how long events wait for their trail log file (e.g. 5s)')
        .argParser(duration)
        .default(60_000, '60s'),
    )
    .addOption(
      new Option('--digest-interval <duration>', 'length of a trail digest period (at least 1s)')
        .argParser(duration)
        .default(3_600_000, '1h'),
    )
    .addOption(
      new Option(
        '--s3-endpoint <url>',
        'trail buckets on this S3 service (credentials from the AWS variables); default <data-dir>/buckets/',
      ),
    )
    .addOption(new Option('--s3-force-path-style', 'address S3 buckets as http://host/bucket (self-hosted servers)'))
    .addOption(
      new Option('--key-rate <n>', 'requests a second each access key may make before ThrottlingException')
        .argParser(positiveInt)
        .default(100),
    )
    .addOption(
      new Option('--key-burst <n>', 'requests an access key may make at once').argParser(positiveInt).default(200),
    )
    .action(async (o, cmd: Command) => {
      const { serve } = await import('./serve.js');
      const { serveOptionsFrom } = await import('./serve-config.js');
      await serve(serveOptionsFrom(o, (flag) => cmd.getOptionValueSource(flag) === 'cli'));
    });

  program
    .command('import')
    .description('import CloudTrail archives: files, AWSLogs/ folders or s3://bucket/prefix')
    .argument('<paths...>', '.json / .json.gz files, folders, or s3:// URLs')
    .addOption(dataDirOption())
    .option('--account <id>', 'account for records that name none (default: the path’s, else the first account)')
    .addOption(regionOption())
    .option(
      '--s3-endpoint <url>',
      'S3-compatible endpoint for s3:// sources (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)',
    )
    .option('--s3-force-path-style', 'path-style S3 addressing')
    .addOption(new Option('--batch-size <n>', 'events per append').argParser(positiveInt))
    .addOption(
      new Option(
        '--workers <n>',
        'threads that decode and validate files (default: one per core but the first)',
      ).argParser(positiveInt),
    )
    .option('--json', 'print the summary as JSON', false)
    .option('--no-progress', 'no progress bar')
    .action(async (paths: string[], o) => {
      const { runImport } = await import('./import.js');
      process.exitCode = await runImport(paths, {
        dataDir: o.dataDir,
        account: o.account,
        region: o.region,
        s3Endpoint: o.s3Endpoint,
        s3ForcePathStyle: o.s3ForcePathStyle,
        batchSize: o.batchSize,
        workers: o.workers,
        json: o.json,
        progress: o.progress,
      });
    });

  const keys = program
    .command('keys')
    .description('accounts, principals and their access keys (through a running server when one holds the data)');
  keys
    .command('create')
    .description('create an access key for a user (and the account, when new)')
    .addOption(dataDirOption())
    .requiredOption('--account <id>', '12-digit account ID')
    .addOption(
      new Option('--policy <name>', 'built-in policy')
        .choices(['administrator', 'read-only', 'event-writer'])
        .default('administrator'),
    )
    .addOption(
      new Option('--policy-file <file>', 'an IAM-style JSON policy document to attach instead').conflicts('policy'),
    )
    .option('--user-name <name>', 'the principal’s user name (default: admin, or the policy’s name)')
    .addOption(regionOption())
    .option('--json', 'print {"accountId","accessKeyId","secretAccessKey"}', false)
    .action(async (o) => {
      const { createKey, formatNewKey, newKeyJson } = await import('./keys.js');
      const key = await createKey({
        dataDir: o.dataDir,
        region: o.region,
        account: o.account,
        ...(o.policyFile !== undefined ? { policyFile: o.policyFile } : { policy: o.policy }),
        userName: o.userName,
      });
      process.stdout.write(o.json ? newKeyJson(key) : formatNewKey(key));
    });
  keys
    .command('list')
    .description('list access keys (never their secrets)')
    .addOption(dataDirOption())
    .option('--account <id>', 'only this account')
    .option('--user-name <name>', 'only this user')
    .addOption(regionOption())
    .option('--json', 'print JSON', false)
    .action(async (o) => {
      const { formatKeyTable, listKeys } = await import('./keys.js');
      const list = await listKeys({ dataDir: o.dataDir, region: o.region, account: o.account, userName: o.userName });
      process.stdout.write(o.json ? JSON.stringify(list, null, 2) + '\n' : formatKeyTable(list));
    });
  const keyStatusCommand = (name: 'activate' | 'deactivate', status: 'Active' | 'Inactive', description: string) => {
    const cmd = keys
      .command(name)
      .description(description)
      .argument('<access-key-id>', 'the key')
      .addOption(dataDirOption())
      .addOption(regionOption())
      .option('--json', 'print the key as JSON', false);
    if (status === 'Inactive') cmd.option('--force', 'even the last administrator key of the first account', false);
    cmd.action(async (accessKeyId: string, o) => {
      const { setKeyStatus } = await import('./keys.js');
      const key = await setKeyStatus({
        dataDir: o.dataDir,
        region: o.region,
        accessKeyId,
        status,
        force: o.force === true,
      });
      process.stdout.write(o.json ? JSON.stringify(key) + '\n' : `${key.accessKeyId} is now ${key.status}.\n`);
    });
  };
  keyStatusCommand('deactivate', 'Inactive', 'deactivate a key: requests signed with it are refused');
  keyStatusCommand('activate', 'Active', 'activate a deactivated key again');
  keys
    .command('delete')
    .description('delete a key for good')
    .argument('<access-key-id>', 'the key')
    .addOption(dataDirOption())
    .addOption(regionOption())
    .option('--force', 'even the last administrator key of the first account', false)
    .option('--json', 'print the deleted key as JSON', false)
    .action(async (accessKeyId: string, o) => {
      const { deleteKey } = await import('./keys.js');
      const key = await deleteKey({ dataDir: o.dataDir, region: o.region, accessKeyId, force: o.force });
      process.stdout.write(
        o.json
          ? JSON.stringify(key) + '\n'
          : `Deleted ${key.accessKeyId} (user ${key.userName}, account ${key.accountId}).\n`,
      );
    });
  keys
    .command('rotate')
    .description('create a new key for the same user and policy; print it')
    .argument('<access-key-id>', 'the key to replace')
    .addOption(dataDirOption())
    .addOption(regionOption())
    .option('--deactivate-old', 'deactivate the old key at once (default: leave it active until clients switch)', false)
    .option('--json', 'print the new key and the old one’s id and status as JSON', false)
    .action(async (accessKeyId: string, o) => {
      const { formatRotation, rotateKey, rotationJson } = await import('./keys.js');
      const r = await rotateKey({ dataDir: o.dataDir, region: o.region, accessKeyId, deactivateOld: o.deactivateOld });
      process.stdout.write(o.json ? rotationJson(r) : formatRotation(r));
    });

  program
    .command('lookup')
    .description('event history from a running server (several filters at once are ANDed)')
    .option('--endpoint-url <url>', 'the server', 'http://127.0.0.1:4566')
    .addOption(
      dataDirOption().default(DEFAULT_DATA_DIR, `${DEFAULT_DATA_DIR} (its credentials file, profile opentrail)`),
    )
    .addOption(
      new Option('--region <region>', 'region to sign the requests for').default(
        process.env.AWS_REGION ?? DEFAULT_REGION,
      ),
    )
    .option('--user <name>', 'user name (IAM user, role session, …)')
    .option('--event-name <name>', 'event name, e.g. ConsoleLogin')
    .option('--event-source <source>', 'event source, e.g. iam.amazonaws.com')
    .option('--resource <name>', 'resource name or ARN')
    .option('--resource-type <type>', 'resource type, e.g. AWS::S3::Bucket')
    .option('--access-key-id <id>', 'access key the calls were signed with')
    .option('--event-id <id>', 'one event by its ID')
    .addOption(new Option('--read-only <bool>', 'read-only or write events').choices(['true', 'false']))
    .addOption(new Option('--since <duration>', 'only events this recent, e.g. 2h, 7d').argParser(duration))
    .option('--start-time <time>', 'only events at or after this time (ISO-8601)')
    .option('--end-time <time>', 'only events at or before this time (ISO-8601)')
    .addOption(new Option('--max <n>', 'events to show in total').argParser(positiveInt).default(50))
    .option('--json', 'one JSON record per line (NDJSON)', false)
    .addHelpText(
      'after',
      '\nCredentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else <data-dir>/credentials [opentrail],\n' +
        'else ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), profile $AWS_PROFILE or default.',
    )
    .action(async (o) => {
      const { runLookup } = await import('./lookup.js');
      process.exitCode = await runLookup({
        endpointUrl: o.endpointUrl,
        dataDir: o.dataDir,
        region: o.region,
        user: o.user,
        eventName: o.eventName,
        eventSource: o.eventSource,
        resource: o.resource,
        resourceType: o.resourceType,
        accessKeyId: o.accessKeyId,
        eventId: o.eventId,
        readOnly: o.readOnly,
        sinceMs: o.since,
        startTime: o.startTime,
        endTime: o.endTime,
        max: o.max,
        json: o.json,
      });
    });
  registerValidateLogsCommand(program);
  registerCisCommand(program);
  registerChannelsCommand(program);
  registerOrgsCommand(program);
  return program;
}

/** Entry point: errors a user can act on are printed plainly, without a stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof DataDirBusyError ||
      err instanceof UnknownPolicyError ||
      err instanceof ControlError ||
      err instanceof ConfigFileError
    ) {
      process.stderr.write(`opentrail: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
