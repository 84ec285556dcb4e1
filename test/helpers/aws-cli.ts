import { spawnSync } from 'node:child_process';
import type { Credentials } from './server.js';

/** Environment for the real AWS clients: our key, no user config files. */
export function awsEnv(creds: Pick<Credentials, 'accessKeyId' | 'secretAccessKey'>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

/** Runs the AWS CLI v1 on PATH (`aws`) against our endpoint. */
export function aws(
  url: string,
  creds: Pick<Credentials, 'accessKeyId' | 'secretAccessKey'>,
  args: string[],
): CliResult {
  const r = spawnSync('aws', [...args, '--endpoint-url', url, '--output', 'json'], {
    env: awsEnv(creds),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Runs a Python snippet (boto3 is in the machine's Python); ENDPOINT is set in its globals. */
export function python(
  url: string,
  creds: Pick<Credentials, 'accessKeyId' | 'secretAccessKey'>,
  code: string,
): CliResult {
  const r = spawnSync('python3', ['-c', `ENDPOINT = ${JSON.stringify(url)}\n${code}`], {
    env: awsEnv(creds),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}
