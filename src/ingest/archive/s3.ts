/**
 * S3 access for `s3://bucket/prefix` archive sources.
 *
 * Client settings, each explicit option first, then the environment:
 *
 * - credentials: the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 *   AWS_SESSION_TOKEN, AWS_PROFILE and the shared config/credentials files, SSO, web identity,
 *   container and instance roles). There is no option for keys on purpose.
 * - endpoint: `endpoint` option, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL` (both ignored
 *   when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, as the SDK does). An `endpoint_url` in the
 *   shared config file is still honoured by the SDK itself, but does not switch on path style.
 * - path-style addressing (`http://host/bucket/key` instead of `http://bucket.host/key`):
 *   `forcePathStyle` option, else `AWS_S3_FORCE_PATH_STYLE` (`true`/`1`/`yes` or
 *   `false`/`0`/`no`), else ON whenever an endpoint was set by option or environment (MinIO,
 *   Ceph, LocalStack, moto and s3rver all want it), else off (AWS's default virtual-hosted style).
 * - region: `region` option, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's
 *   region, else `us-east-1`. Requests to a bucket in another region are redirected
 *   (`followRegionRedirects`), so the region only needs to be right for custom endpoints.
 *
 * A prefix is a raw key prefix, as S3 ListObjectsV2 takes it: `s3://b/AWSLogs` also matches
 * `AWSLogsOld/...`; add the trailing slash to mean a folder.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';

export interface S3SourceOptions {
  endpoint?: string;
  forcePathStyle?: boolean;
  region?: string;
  /** A ready client (tests, or a CLI that builds its own); the other options are then ignored. */
  client?: S3Client;
}

export interface ResolvedS3Settings {
  endpoint?: string;
  forcePathStyle: boolean;
  region?: string;
  /** Where each setting came from, for `--verbose` style messages. */
  sources: { endpoint: 'option' | 'AWS_ENDPOINT_URL_S3' | 'AWS_ENDPOINT_URL' | 'sdk-default'; forcePathStyle: string };
}

export interface S3Location {
  bucket: string;
  prefix: string;
}

export interface S3ObjectSummary {
  key: string;
  size?: number;
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** Resolve endpoint, path style and region from options and the environment (see the module comment). */
export function resolveS3Settings(
  options: S3SourceOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedS3Settings {
  let endpoint: string | undefined;
  let endpointSource: ResolvedS3Settings['sources']['endpoint'] = 'sdk-default';
  if (nonEmpty(options.endpoint) !== undefined) {
    endpoint = nonEmpty(options.endpoint);
    endpointSource = 'option';
  } else if (parseBoolean(env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']) !== true) {
    const s3Endpoint = nonEmpty(env['AWS_ENDPOINT_URL_S3']);
    const anyEndpoint = nonEmpty(env['AWS_ENDPOINT_URL']);
    if (s3Endpoint !== undefined) {
      endpoint = s3Endpoint;
      endpointSource = 'AWS_ENDPOINT_URL_S3';
    } else if (anyEndpoint !== undefined) {
      endpoint = anyEndpoint;
      endpointSource = 'AWS_ENDPOINT_URL';
    }
  }
  let forcePathStyle: boolean;
  let pathStyleSource: string;
  const fromEnv = parseBoolean(env['AWS_S3_FORCE_PATH_STYLE']);
  if (options.forcePathStyle !== undefined) {
    forcePathStyle = options.forcePathStyle;
    pathStyleSource = 'option';
  } else if (fromEnv !== undefined) {
    forcePathStyle = fromEnv;
    pathStyleSource = 'AWS_S3_FORCE_PATH_STYLE';
  } else {
    forcePathStyle = endpoint !== undefined;
    pathStyleSource = endpoint !== undefined ? 'custom endpoint' : 'default';
  }
  const region = nonEmpty(options.region) ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']);
  const resolved: ResolvedS3Settings = {
    forcePathStyle,
    sources: { endpoint: endpointSource, forcePathStyle: pathStyleSource },
  };
  if (endpoint !== undefined) resolved.endpoint = endpoint;
  if (region !== undefined) resolved.region = region;
  return resolved;
}

/** The profile's region as the SDK finds it, else us-east-1 (looked up once). */
let fallbackRegion: Promise<string> | undefined;
function defaultRegion(): Promise<string> {
  fallbackRegion ??= (async () => {
    const probe = new S3Client({});
    try {
      return await probe.config.region();
    } catch {
      return 'us-east-1';
    } finally {
      probe.destroy();
    }
  })();
  return fallbackRegion;
}

export function createS3Client(options: S3SourceOptions = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  if (options.client !== undefined) return options.client;
  const settings = resolveS3Settings(options, env);
  return new S3Client({
    region: settings.region ?? defaultRegion,
    forcePathStyle: settings.forcePathStyle,
    followRegionRedirects: true,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
  });
}

/** `s3://bucket[/prefix]` → bucket and raw key prefix; undefined for anything else. */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url);
  if (match === null) return undefined;
  const [, bucket, prefix] = match;
  if (bucket === undefined || bucket === '') return undefined;
  return { bucket, prefix: prefix ?? '' };
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A one-line message for an S3 or SDK failure, naming the bucket and the S3 error code. */
export function describeS3Error(error: unknown, bucket: string, action: string): string {
  if (error instanceof S3ServiceException) {
    const code = error.name;
    const status = error.$metadata.httpStatusCode;
    if (code === 'NoSuchBucket') return `S3 bucket "${bucket}" does not exist (NoSuchBucket)`;
    if (code === 'NoSuchKey') return `${action}: the object no longer exists (NoSuchKey)`;
    if (code === 'AccessDenied' || status === 403) {
      return `${action}: access denied to bucket "${bucket}" (${code}${status !== undefined ? `, HTTP ${status}` : ''})`;
    }
    const text = error.message && error.message !== code ? `: ${error.message}` : '';
    return `${action}: ${code}${status !== undefined ? ` (HTTP ${status})` : ''}${text}`;
  }
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    const codeText = typeof code === 'string' ? ` (${code})` : '';
    return `${action}: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message}${codeText}`;
  }
  return `${action}: ${String(error)}`;
}

/** All objects under the prefix, in S3's key order, page by page (ListObjectsV2). */
export async function* listS3Objects(client: S3Client, location: S3Location): AsyncGenerator<S3ObjectSummary> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        ...(location.prefix !== '' ? { Prefix: location.prefix } : {}),
        ...(token !== undefined ? { ContinuationToken: token } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined) continue;
      yield object.Size !== undefined ? { key: object.Key, size: object.Size } : { key: object.Key };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** The whole object as one Buffer (no copy of the SDK's byte array). */
export async function getS3Object(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (response.Body === undefined) return Buffer.alloc(0);
  const bytes = await response.Body.transformToByteArray();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
