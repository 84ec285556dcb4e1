/**
 * `opentrail validate-logs`: `aws cloudtrail validate-logs` over a bucket folder, with the same
 * options, report and exit status (0 valid, 1 something invalid, 255 could not run).
 */
import { Command, Option } from 'commander';
import { bucketFolder } from '../integrity/directory-reader.js';
import { PublicKeysFileError, publicKeysFromFile } from '../integrity/public-keys-file.js';
import { parseValidationTime, validateLogs, ValidationAbortedError, type OutputStream } from '../integrity/validate.js';
import { UsageError } from './usage-error.js';

export interface ValidateLogsCommandOptions {
  trailArn: string;
  startTime: string;
  endTime?: string;
  s3Bucket?: string;
  s3Prefix?: string;
  accountId?: string;
  organizationId?: string;
  region?: string;
  verbose?: boolean;
  dir?: string;
  publicKeys?: string;
  endpointUrl?: string;
  s3Endpoint?: string;
}

export interface CommandOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Runs the validation and returns the exit status; mistakes in the call throw UsageError. */
export async function runValidateLogs(
  o: ValidateLogsCommandOptions,
  io: CommandOutput = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  if (o.endpointUrl !== undefined)
    throw new UsageError(
      '--endpoint-url (reading the trail and ListPublicKeys from a server) is not implemented yet; ' +
        'give --s3-bucket/--s3-prefix and --public-keys FILE instead',
    );
  if (o.s3Endpoint !== undefined)
    throw new UsageError('--s3-endpoint is not implemented yet; give --dir DIR, the bucket’s folder');
  if (o.dir === undefined) throw new UsageError('give --dir DIR, the folder of the bucket that holds the digests');
  if (o.publicKeys === undefined)
    throw new UsageError('give --public-keys FILE, a ListPublicKeys response (JSON) with the signing keys');
  const { bucket, resolver } = bucketFolder(o.dir, o.s3Bucket);
  const write = (stream: OutputStream, text: string) => (stream === 'stdout' ? io.stdout : io.stderr).write(text);
  try {
    const summary = await validateLogs({
      trailArn: o.trailArn,
      startMs: parseValidationTime(o.startTime),
      ...(o.endTime ? { endMs: parseValidationTime(o.endTime) } : {}),
      bucket,
      prefix: o.s3Prefix,
      accountId: o.accountId,
      organizationId: o.organizationId,
      sourceRegion: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      verbose: o.verbose ?? false,
      buckets: resolver,
      publicKeys: publicKeysFromFile(o.publicKeys),
      write,
    });
    return summary.exitCode;
  } catch (err) {
    // The AWS CLI prints any error that stops the command as "\n<message>\n" and exits 255.
    if (err instanceof ValidationAbortedError || err instanceof PublicKeysFileError) {
      io.stderr.write(`\n${err.message}\n`);
      return 255;
    }
    throw err;
  }
}

export function registerValidateLogsCommand(program: Command, io?: CommandOutput): Command {
  return program
    .command('validate-logs')
    .description('validate CloudTrail log files and digests in a bucket folder, as `aws cloudtrail validate-logs`')
    .requiredOption('--trail-arn <arn>', 'ARN of the trail, e.g. arn:aws:cloudtrail:us-east-1:111122223333:trail/t')
    .requiredOption(
      '--start-time <time>',
      'validate files delivered at or after this UTC time, e.g. 2015-01-08T05:21:42Z',
    )
    .option('--end-time <time>', 'validate files delivered at or before this UTC time (default: now)')
    .option('--s3-bucket <bucket>', 'the bucket’s name (default: the --dir folder’s name)')
    .option('--s3-prefix <prefix>', 'the trail’s S3 key prefix')
    .option('--account-id <id>', 'account to validate (default: the trail ARN’s; a member account for org trails)')
    .option('--organization-id <id>', 'o-… for organisation trails (the AWS CLI asks Organizations)')
    .option('--region <region>', 'region whose logs to validate (default: AWS_REGION, else the trail’s home region)')
    .option('--verbose', 'also print each valid digest and log file', false)
    .option('--dir <dir>', 'the bucket’s folder (e.g. <data-dir>/buckets/<bucket>); other buckets are its siblings')
    .option('--public-keys <file>', 'a ListPublicKeys response (JSON) instead of asking the API')
    .addOption(
      new Option('--endpoint-url <url>', 'OpenTrail API for the trail and its public keys (not implemented yet)'),
    )
    .addOption(new Option('--s3-endpoint <url>', 'S3-compatible endpoint holding the bucket (not implemented yet)'))
    .addHelpText(
      'after',
      '\nExit status: 0 all valid, 1 something INVALID, 255 could not validate. Object metadata (signature)\n' +
        'is read from <key>.metadata.json beside each object.',
    )
    .action(async (o: ValidateLogsCommandOptions) => {
      process.exitCode = await runValidateLogs(o, io);
    });
}
