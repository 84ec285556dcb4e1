/**
 * The LookupEvents benchmark's data set: N realistic CloudTrail records (~1.4 KB each) of one
 * account over 90 days, written straight into an embedded data directory by DuckDB — ingesting
 * ten million events through the API would take longer than the benchmark itself. The rows are
 * exactly what the log writes (same columns, same record JSON shape), in arrival order as ingest
 * writes them (seq follows eventTime, with up to a minute of jitter), and a marker file makes
 * later runs reuse the directory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyStore } from '../src/auth/key-store.js';
import { EmbeddedDatabase } from '../src/store/duckdb/database.js';

export const BENCH_ACCOUNT = '123456789012';
/** The data set's first event; events are spread over the 90 days after it. */
export const DATASET_START_MS = Date.UTC(2026, 5, 1);
export const DATASET_SPAN_MS = 90 * 86_400_000;

export interface LookupDataset {
  dir: string;
  events: number;
  accessKeyId: string;
  secretAccessKey: string;
}

const ROWS_PER_INSERT = 1_000_000;

/** The SQL that writes events [from, to) — deterministic in the row number. */
function insertSql(from: number, to: number, events: number): string {
  return `
  INSERT INTO events
  SELECT seq, '${BENCH_ACCOUNT}', event_id, event_time, event_time, name, src, 'us-east-1', 'Management', ro, usr, akid,
    chr(10) || '"' || rtype || '"' || chr(10), chr(10) || '"' || arn || '"' || chr(10),
    '{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:' || usr ||
    '","arn":"arn:aws:sts::${BENCH_ACCOUNT}:assumed-role/role-' || (seq % 40) || '/' || usr ||
    '","accountId":"${BENCH_ACCOUNT}","accessKeyId":"' || akid ||
    '","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::${BENCH_ACCOUNT}:role/role-' ||
    (seq % 40) || '","accountId":"${BENCH_ACCOUNT}","userName":"role-' || (seq % 40) ||
    '"},"webIdFederationData":{},"attributes":{"creationDate":"2026-06-01T00:00:00Z","mfaAuthenticated":"false"}}},"eventTime":"' ||
    strftime(event_time, '%Y-%m-%dT%H:%M:%SZ') || '","eventSource":"' || src || '","eventName":"' || name ||
    '","awsRegion":"us-east-1","sourceIPAddress":"203.0.' || (seq % 251) || '.' || (seq % 253) ||
    '","userAgent":"aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe","requestParameters":{"resourceId":"r-' ||
    seq || '","tags":[{"key":"team","value":"payments"}],"dryRun":false},"responseElements":{"requestId":"' || event_id ||
    '","status":"ok"},"requestID":"' || event_id || '","eventID":"' || event_id || '","readOnly":' || ro ||
    ',"resources":[{"accountId":"${BENCH_ACCOUNT}","type":"' || rtype || '","ARN":"' || arn ||
    '"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"${BENCH_ACCOUNT}","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"' ||
    split_part(src, '.', 1) || '.us-east-1.amazonaws.com"}}'
  FROM (
    SELECT i + 1 AS seq,
      md5(i::VARCHAR)[1:8] || '-' || md5(i::VARCHAR)[9:12] || '-4' || md5(i::VARCHAR)[14:16] || '-a' ||
        md5(i::VARCHAR)[18:20] || '-' || md5(i::VARCHAR)[21:32] AS event_id,
      make_timestamp(((${DATASET_START_MS}::BIGINT + i * ${DATASET_SPAN_MS} // ${events} + hash(i) % 60000) // 1000 * 1000000)::BIGINT) AS event_time,
      ['PutObject','DescribeInstances','CreateAccessKey','Decrypt','AssumeRole','Invoke'][(hash(i) % 6)::INT + 1] AS name,
      ['s3.amazonaws.com','ec2.amazonaws.com','iam.amazonaws.com','kms.amazonaws.com','sts.amazonaws.com','lambda.amazonaws.com'][(hash(i) % 6)::INT + 1] AS src,
      ['AWS::S3::Object','AWS::EC2::Instance','AWS::IAM::AccessKey','AWS::KMS::Key','AWS::IAM::Role','AWS::Lambda::Function'][(hash(i) % 6)::INT + 1] AS rtype,
      (hash(i) % 6) = 1 AS ro,
      'user-' || (hash(i + 17) % 500) AS usr,
      'ASIA' || upper(md5((hash(i + 17) % 500)::VARCHAR)[1:16]) AS akid,
      'arn:aws:s3:::bucket-' || (hash(i + 3) % 100) || '/key-' || (hash(i + 5) % 100000) AS arn
    FROM range(${from}, ${to}) t(i)
  )`;
}

/** Creates the data set in `dir` unless a complete one is there already. */
export async function lookupDataset(
  dir: string,
  events: number,
  progress: (msg: string) => void,
): Promise<LookupDataset> {
  const marker = join(dir, 'bench-dataset.json');
  if (existsSync(marker)) {
    const d = JSON.parse(readFileSync(marker, 'utf8')) as LookupDataset;
    if (d.events === events) return d;
    throw new Error(`${dir} holds a ${d.events}-event data set; remove it to build one of ${events}`);
  }
  const db = await EmbeddedDatabase.open(dir);
  try {
    for (let from = 0; from < events; from += ROWS_PER_INSERT) {
      const to = Math.min(events, from + ROWS_PER_INSERT);
      await db.write((w) => w.run(insertSql(from, to, events)));
      progress(`  ${to.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events written`);
    }
    await db.write((w) => w.run(`INSERT OR REPLACE INTO log_state VALUES ('head', ${events})`));
    const keys = await KeyStore.open(db);
    const key = await keys.create(BENCH_ACCOUNT, { policy: 'administrator', userName: 'bench' });
    const d: LookupDataset = { dir, events, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    await db.close();
    writeFileSync(marker, JSON.stringify(d), { mode: 0o600 });
    return d;
  } catch (err) {
    await db.close();
    throw err;
  }
}
