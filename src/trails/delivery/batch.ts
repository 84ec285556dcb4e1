/**
 * One delivery batch of a trail: the events of a seq range that the trail covers, grouped per
 * account and region into gzipped CloudTrail log files (spec §2). Everything here follows from
 * the range, the trail's recorded configuration and the recorded delivery time, so writing a
 * batch again (after a crash or a failed put) writes the same keys with the same bytes.
 */
import type { CloudTrailRecord } from '../../event/types.js';
import {
  buildLogFiles,
  deliveryUnique,
  LOG_FILE_PUT_OPTIONS,
  logFileKey,
  normalizeKeyPrefix,
  type PutOptions,
  type Sink,
} from '../../delivery/index.js';
import type { RawLoggedEvent } from '../../log/event-log.js';
import type { Trail } from '../model.js';
import { coversAccount, coversRegion, deliveryOrganizationId, type OrganizationMembership } from '../event-scope.js';
import { compileTrailSelectors } from '../selectors/index.js';
import { columnMatcher } from './column-match.js';
import type { DeliveredFileRow } from './state.js';

/** An event a trail covers, with what the file it goes into needs. */
export interface CoveredEvent {
  seq: number;
  accountId: string;
  region: string;
  /** The record as stored (its UTF-8 bytes, or the string), copied into the file unchanged. */
  json: string | Uint8Array;
  /** The record's eventTime: epoch ms, or the string. */
  eventTime: string | number;
}

/**
 * Which events a trail delivers: those of the accounts and regions it covers (event-scope.ts:
 * its own account, or every account of its organisation; its home region or every region; global
 * service events only when it includes them) that its selectors keep.
 */
export function trailCoverage(
  trail: Trail,
  organizations?: OrganizationMembership,
): (event: RawLoggedEvent) => CoveredEvent | undefined {
  const matcher = compileTrailSelectors(trail.selectors);
  // Decided on the log's columns where they suffice (column-match.ts), else on the parsed record.
  const onColumns = columnMatcher(trail.selectors);
  return (event) => {
    if (!coversAccount(trail, event.accountId, organizations)) return undefined;
    const record = onColumns?.(event) ?? (JSON.parse(event.record.toString('utf8')) as CloudTrailRecord);
    const region = record.awsRegion;
    if (typeof region !== 'string' || region === '') return undefined;
    if (!coversRegion(trail, record)) return undefined;
    if (!matcher.matches(record)) return undefined;
    // The stored bytes go into the file as they are.
    return { seq: event.seq, accountId: event.accountId, region, json: event.record, eventTime: event.eventTimeMs };
  };
}

export interface BatchFileOptions {
  /** Uncompressed bytes per log file (the size cap). */
  maxFileBytes?: number;
  gzipLevel?: number;
}

/** The put options of a trail's objects: CloudTrail's headers and its encryption setting. */
export function trailPutOptions(trail: Trail): PutOptions {
  return trail.kmsKeyId !== undefined
    ? { ...LOG_FILE_PUT_OPTIONS, serverSideEncryption: 'aws:kms', sseKmsKeyId: trail.kmsKeyId }
    : { ...LOG_FILE_PUT_OPTIONS };
}

/**
 * Builds and puts the batch's files; resolves once every file is stored. `events` are the
 * covered events of the range in seq order. A file's unique name part is derived from the seq
 * range of its own records, so files of one batch never collide and a rewrite hits the same key.
 */
export async function writeBatch(
  sink: Sink,
  trail: Trail,
  deliveryMs: number,
  events: readonly CoveredEvent[],
  options: BatchFileOptions = {},
): Promise<DeliveredFileRow[]> {
  const groups = new Map<string, CoveredEvent[]>();
  for (const e of events) {
    const id = `${e.accountId}\u0000${e.region}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(e);
  }
  const prefix = normalizeKeyPrefix(trail.s3KeyPrefix);
  const orgId = deliveryOrganizationId(trail);
  const putOptions = trailPutOptions(trail);
  // Groups build side by side: gzip and SHA-256 run on libuv's thread pool, so this uses every core.
  const perGroup = await Promise.all(
    [...groups.values()].map(async (group) => {
      const { accountId, region } = group[0]!;
      const files = await buildLogFiles(group, {
        ...(options.maxFileBytes !== undefined ? { maxBytes: options.maxFileBytes } : {}),
        ...(options.gzipLevel !== undefined ? { level: options.gzipLevel } : {}),
      });
      return Promise.all(
        files.map(async (file): Promise<DeliveredFileRow> => {
          const unique = deliveryUnique({
            trail: trail.trailArn,
            accountId,
            region,
            firstSeq: group[file.start]!.seq,
            lastSeq: group[file.end - 1]!.seq,
          });
          const key = logFileKey({
            prefix,
            ...(orgId !== undefined ? { orgId } : {}),
            accountId,
            region,
            deliveryTime: deliveryMs,
            unique,
          });
          await sink.put(key, file.body, putOptions);
          return {
            accountId,
            region,
            bucket: sink.bucket,
            key,
            sha256: file.sha256,
            oldestMs: Date.parse(file.oldestEventTime),
            newestMs: Date.parse(file.newestEventTime),
          };
        }),
      );
    }),
  );
  const written = perGroup.flat();
  return written;
}
