/**
 * The digests of one trail period (spec §3): one per account and region the trail delivers for
 * (its home region for each of its accounts always — an organisation trail's member accounts too,
 * in the organisation's folder — so an hour without activity still gets its empty digest),
 * each listing the period's log files of that account and region, signed with the home region's
 * current key and linked to the previous digest of the same account and region.
 */
import type { Sink } from '../../delivery/index.js';
import { normalizeKeyPrefix } from '../../delivery/index.js';
import { buildDigest } from '../../integrity/digest.js';
import type { SigningKeyStore } from '../../integrity/key-store.js';
import { signDigest } from '../../integrity/signer.js';
import { deliveryOrganizationId, digestAccounts, type OrganizationMembership } from '../event-scope.js';
import type { Trail } from '../model.js';
import { trailPutOptions } from './batch.js';
import type { ChainLink, DeliveredFileRow } from './state.js';

export interface DigestPeriod {
  startMs: number;
  endMs: number;
  files: readonly DeliveredFileRow[];
  chain: readonly ChainLink[];
}

/** Builds, signs and puts the period's digests; returns the new chain links. */
export async function writeDigests(
  sink: Sink,
  trail: Trail,
  period: DigestPeriod,
  keys: SigningKeyStore,
  organizations?: OrganizationMembership,
): Promise<ChainLink[]> {
  const groups = new Map<string, { accountId: string; region: string; files: DeliveredFileRow[] }>();
  const group = (accountId: string, region: string) => {
    const id = `${accountId}\u0000${region}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { accountId, region, files: [] }));
    return g;
  };
  // Every account the trail delivers for gets its home-region digest (an organisation trail's members too).
  for (const accountId of digestAccounts(trail, organizations)) group(accountId, trail.homeRegion);
  for (const link of period.chain) group(link.accountId, link.region);
  for (const f of period.files) group(f.accountId, f.region).files.push(f);

  const key = await keys.current(trail.homeRegion);
  const prefix = normalizeKeyPrefix(trail.s3KeyPrefix);
  const organizationId = deliveryOrganizationId(trail);
  const putOptions = trailPutOptions(trail);
  // Each account and region has its own chain: the digests are independent and stored side by
  // side, so the durable puts (a sync each) overlap instead of queueing one after another.
  return Promise.all(
    [...groups.values()].map(async (g): Promise<ChainLink> => {
      const previous = period.chain.find((l) => l.accountId === g.accountId && l.region === g.region);
      const digest = buildDigest({
        ...(prefix !== '' ? { prefix } : {}),
        ...(organizationId !== undefined ? { organizationId } : {}),
        accountId: g.accountId,
        sourceRegion: g.region,
        trailName: trail.name,
        homeRegion: trail.homeRegion,
        bucket: sink.bucket,
        startMs: period.startMs,
        endMs: period.endMs,
        publicKeyFingerprint: key.fingerprint,
        logFiles: g.files.map((f) => ({
          bucket: f.bucket,
          key: f.key,
          sha256Hex: f.sha256,
          oldestEventTimeMs: f.oldestMs,
          newestEventTimeMs: f.newestMs,
        })),
        previous: previous
          ? { bucket: previous.bucket, key: previous.key, sha256Hex: previous.sha256, signature: previous.signature }
          : null,
      });
      const metadata = signDigest(key.privateKey, digest);
      await sink.put(digest.key, digest.gzipped, { ...putOptions, metadata });
      return {
        accountId: g.accountId,
        region: g.region,
        bucket: digest.bucket,
        key: digest.key,
        sha256: digest.sha256Hex,
        signature: metadata.signature,
      };
    }),
  );
}
