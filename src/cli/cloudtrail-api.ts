/**
 * The two CloudTrail calls `validate-logs --endpoint-url` makes, as the AWS CLI makes them:
 * GetTrail (the trail's bucket and prefix) and ListPublicKeys (the signing keys of a time range),
 * AWS JSON 1.1 over HTTP, signed with SigV4 for service `cloudtrail` in the trail's region.
 */
import type { PublicKeyProvider, ValidationPublicKey } from '../integrity/validate.js';
import type { SigningCredentials } from './sigv4-sign.js';
import { signRequest } from './sigv4-sign.js';
import { cliRequest } from './http-request.js';

const TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';

/** A call that could not be made or that the server refused; the message says which and why. */
export class CloudTrailApiError extends Error {}

export interface CloudTrailApi {
  endpoint: URL;
  region: string;
  credentials: SigningCredentials;
}

/** `--endpoint-url` as given: http(s) only. */
export function apiEndpoint(url: string): URL {
  let endpoint: URL;
  try {
    endpoint = new URL(url);
  } catch {
    throw new CloudTrailApiError(`--endpoint-url ${url} is not a URL`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new CloudTrailApiError(`--endpoint-url must be http:// or https://, got ${url}`);
  }
  return endpoint;
}

export async function callCloudTrail(api: CloudTrailApi, operation: string, input: object): Promise<unknown> {
  const body = JSON.stringify(input);
  const signed = signRequest(
    {
      method: 'POST',
      endpoint: api.endpoint,
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET_PREFIX + operation },
      body,
    },
    api.credentials,
    { region: api.region, service: 'cloudtrail' },
  );
  let response: { status: number; text: string };
  try {
    response = await cliRequest(api.endpoint, {
      method: 'POST',
      pathAndQuery: signed.pathAndQuery,
      headers: signed.headers,
      body,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CloudTrailApiError(`cannot reach ${api.endpoint.origin} for ${operation} (${e.code ?? e.message})`);
  }
  const text = response.text;
  let parsed: { __type?: string; message?: string; Message?: string } & Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new CloudTrailApiError(
      `${operation} at ${api.endpoint.origin} answered HTTP ${response.status} with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
  if (response.status >= 300) {
    const code = (parsed.__type ?? `HTTP ${response.status}`).replace(/^.*#/, '');
    throw new CloudTrailApiError(
      `An error occurred (${code}) when calling the ${operation} operation: ${parsed.message ?? parsed.Message ?? text}`,
    );
  }
  return parsed;
}

/** GetTrail's S3BucketName and S3KeyPrefix. */
export async function trailBucket(api: CloudTrailApi, trailArn: string): Promise<{ bucket: string; prefix?: string }> {
  const r = (await callCloudTrail(api, 'GetTrail', { Name: trailArn })) as {
    Trail?: { S3BucketName?: unknown; S3KeyPrefix?: unknown };
  };
  const bucket = r.Trail?.S3BucketName;
  if (typeof bucket !== 'string') throw new CloudTrailApiError(`GetTrail ${trailArn}: the answer has no S3BucketName`);
  const prefix = r.Trail?.S3KeyPrefix;
  return typeof prefix === 'string' && prefix !== '' ? { bucket, prefix } : { bucket };
}

/** ListPublicKeys over a range, following NextToken. */
export function apiPublicKeys(api: CloudTrailApi): PublicKeyProvider {
  return async (startMs, endMs) => {
    const out: ValidationPublicKey[] = [];
    let token: string | undefined;
    do {
      const r = (await callCloudTrail(api, 'ListPublicKeys', {
        StartTime: Math.floor(startMs / 1000),
        EndTime: Math.floor(endMs / 1000),
        ...(token !== undefined ? { NextToken: token } : {}),
      })) as { PublicKeyList?: { Fingerprint?: unknown; Value?: unknown }[]; NextToken?: unknown };
      for (const [i, k] of (r.PublicKeyList ?? []).entries()) {
        if (typeof k.Fingerprint !== 'string' || typeof k.Value !== 'string') {
          throw new CloudTrailApiError(`ListPublicKeys: PublicKeyList[${i}] has no string Fingerprint and Value`);
        }
        out.push({ Fingerprint: k.Fingerprint, Value: k.Value });
      }
      token = typeof r.NextToken === 'string' && r.NextToken !== '' ? r.NextToken : undefined;
    } while (token !== undefined);
    return out;
  };
}
