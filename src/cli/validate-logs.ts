/**
 * `opentrail validate-logs`: `aws cloudtrail validate-logs` over a bucket folder (`--dir`) or a
 * bucket on an S3 service (`--s3-endpoint`), with the same options, report and exit status (0
 * valid, 1 something invalid, 255 could not run). The trail's bucket and prefix and the public
 * keys come from the API (`--endpoint-url`, as the AWS CLI reads them), or from the flags and a
 * saved ListPublicKeys answer (`--public-keys`).
 */
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../config/defaults.js';
import { openSink } from '../delivery/index.js';
import { bucketFolder } from '../integrity/directory-reader.js';
import type { BucketReader, BucketResolver } from '../integrity/object-reader.js';
import { PublicKeysFileError, publicKeysFromFile } from '../integrity/public-keys-file.js';
import { parseValidationTime, validateLogs, ValidationAbortedError, type OutputStream } from '../integrity/validate.js';
import { apiEndpoint, apiPublicKeys, CloudTrailApiError, trailBucket, type CloudTrailApi } from './cloudtrail-api.js';
import { LookupError, resolveCredentials } from './lookup.js';
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
  s3ForcePathStyle?: boolean;
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
  if (o.dir !== undefined && o.s3Endpoint !== undefined)
    throw new UsageError('give either --dir DIR (a bucket folder) or --s3-endpoint URL (an S3 service), not both');
  if (o.dir === undefined && o.s3Endpoint === undefined)
    throw new UsageError(
      'give --dir DIR (the folder of the bucket that holds the digests) or --s3-endpoint URL (the S3 service holding it)',
    );
  if (o.publicKeys === undefined && o.endpointUrl === undefined)
    throw new UsageError(
      'give --endpoint-url URL (the OpenTrail API, which serves ListPublicKeys) or --public-keys FILE (a saved ListPublicKeys response)',
    );
  if (o.s3Endpoint !== undefined && o.s3Bucket === undefined && o.endpointUrl === undefined)
    throw new UsageError('with --s3-endpoint, give --s3-bucket or --endpoint-url (to read the trail’s bucket)');
  const write = (stream: OutputStream, text: string) => (stream === 'stdout' ? io.stdout : io.stderr).write(text);
  try {
    // The API, when given: the trail's bucket and prefix (unless the flags say) and the keys.
    const api = o.endpointUrl !== undefined ? apiFor(o.endpointUrl, o.trailArn) : undefined;
    const fromTrail =
      api && (o.s3Bucket === undefined || o.s3Prefix === undefined) ? await trailBucket(api, o.trailArn) : undefined;
    let bucket: string;
    let resolver: BucketResolver;
    if (o.dir !== undefined) {
      ({ bucket, resolver } = bucketFolder(o.dir, o.s3Bucket ?? fromTrail?.bucket));
    } else {
      bucket = (o.s3Bucket ?? fromTrail?.bucket)!;
      resolver = s3Buckets(o.s3Endpoint!, o.s3ForcePathStyle ?? false);
    }
    const summary = await validateLogs({
      trailArn: o.trailArn,
      startMs: parseValidationTime(o.startTime),
      ...(o.endTime ? { endMs: parseValidationTime(o.endTime) } : {}),
      bucket,
      prefix: o.s3Prefix ?? fromTrail?.prefix,
      accountId: o.accountId,
      organizationId: o.organizationId,
      sourceRegion: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      verbose: o.verbose ?? false,
      buckets: resolver,
      // A file, when given, stands in for the API (as its help says).
      publicKeys: o.publicKeys !== undefined ? publicKeysFromFile(o.publicKeys) : apiPublicKeys(api!),
      write,
    });
    return summary.exitCode;
  } catch (err) {
    // The AWS CLI prints any error that stops the command as "\n<message>\n" and exits 255.
    if (
      err instanceof ValidationAbortedError ||
      err instanceof PublicKeysFileError ||
      err instanceof CloudTrailApiError ||
      err instanceof LookupError
    ) {
      io.stderr.write(`\n${err.message}\n`);
      return 255;
    }
    throw err;
  }
}

/** The API client for the trail's region, credentials from the AWS variables (as `lookup`). */
function apiFor(endpointUrl: string, trailArn: string): CloudTrailApi {
  const region = /^arn:[^:]+:cloudtrail:([^:]+):/.exec(trailArn)?.[1];
  if (region === undefined) throw new CloudTrailApiError(`--trail-arn ${trailArn} is not a trail ARN`);
  return { endpoint: apiEndpoint(endpointUrl), region, credentials: resolveCredentials(DEFAULT_DATA_DIR) };
}

/** Buckets on an S3 service: one read-only S3 sink per bucket name, credentials from the AWS chain. */
function s3Buckets(endpoint: string, forcePathStyle: boolean): BucketResolver {
  const sinks = new Map<string, BucketReader>();
  return (bucket) => {
    let sink = sinks.get(bucket);
    if (!sink) {
      sink = openSink({ type: 's3', endpoint, ...(forcePathStyle ? { forcePathStyle: true } : {}) }, bucket);
      sinks.set(bucket, sink);
    }
    return sink;
  };
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
    .option('--endpoint-url <url>', 'OpenTrail (or CloudTrail) API: reads the trail’s bucket and ListPublicKeys')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint holding the bucket (credentials from the AWS variables)')
    .option('--s3-force-path-style', 'address the S3 service as http://host/bucket/key (most self-hosted servers)')
    .addHelpText(
      'after',
      '\nExit status: 0 all valid, 1 something INVALID, 255 could not validate. Object metadata (signature)\n' +
        'is read from <key>.metadata.json beside each object with --dir, from the object with --s3-endpoint.\n' +
        'Credentials for --endpoint-url: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else ./opentrail-data/credentials,\n' +
        'else the shared credentials file.',
    )
    .action(async (o: ValidateLogsCommandOptions) => {
      process.exitCode = await runValidateLogs(o, io);
    });
}
