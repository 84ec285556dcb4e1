import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiRecord, normalized, openEmbedded, removeDir, type Embedded } from '../../../test/helpers/embedded.js';
import { OrganizationStore, type Organization } from '../../auth/organizations.js';
import { DirectorySink } from '../../delivery/index.js';
import { directoryBuckets } from '../../integrity/directory-reader.js';
import { SigningKeyStore } from '../../integrity/key-store.js';
import { validateLogs } from '../../integrity/validate.js';
import type { NewTrail } from '../repository.js';
import { TrailRepository } from '../repository.js';
import { DeliveryScheduler } from './scheduler.js';
import { DeliveryStateStore } from './state.js';

/**
 * Organisation trails delivered: the management account's trail covers its members' events
 * (also of members that join later), writes them under `AWSLogs/o-…/ACCOUNT/`, and digests per
 * member account there; an account outside the organisation is not covered.
 */
const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const LATE_MEMBER = '444444444444';
const OUTSIDER = '333333333333';
const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

let emb: Embedded;
let trails: TrailRepository;
let orgs: OrganizationStore;
let org: Organization;
let keys: SigningKeyStore;
let root: string;
let clock: number;

beforeEach(async () => {
  emb = await openEmbedded();
  trails = await TrailRepository.open(emb.db);
  orgs = await OrganizationStore.open(emb.db);
  org = await orgs.create(MANAGEMENT, { id: 'o-exampleorg1' });
  await orgs.addAccount(org.id, MEMBER);
  clock = START;
  keys = new SigningKeyStore(emb.dir, { now: () => clock });
  root = join(emb.dir, 'buckets');
});

afterEach(async () => {
  await emb.close();
  removeDir(emb.dir);
});

async function scheduler(): Promise<DeliveryScheduler> {
  return DeliveryScheduler.open({
    log: emb.log,
    trails,
    organizations: orgs,
    state: await DeliveryStateStore.open(emb.db),
    signingKeys: keys,
    sinks: { type: 'directory', root, durable: false },
    now: () => clock,
    digestIntervalMs: HOUR,
    retryBaseMs: 1,
  });
}

async function loggingTrail(overrides: Partial<NewTrail>) {
  const trail = await trails.create(
    {
      accountId: MANAGEMENT,
      homeRegion: 'us-east-1',
      name: 'org-trail',
      s3BucketName: 'org-bucket',
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      isOrganizationTrail: true,
      organizationId: org.id,
      logFileValidationEnabled: true,
      ...overrides,
    },
    clock,
  );
  await trails.setLogging(trail.trailArn, true, clock);
  return trail;
}

/** Appends one event per account; returns account → eventID. */
async function appendFor(accounts: string[]): Promise<Map<string, string>> {
  const events = accounts.map((accountId) => normalized(apiRecord({ awsRegion: 'us-east-1' }), { accountId }));
  await emb.log.append(events, clock);
  return new Map(events.map((e, i) => [accounts[i]!, (JSON.parse(e.json) as { eventID: string }).eventID]));
}

/** Every object of the bucket: key → parsed body. */
async function objects(): Promise<Map<string, Record<string, unknown>>> {
  const sink = new DirectorySink({ root, bucket: 'org-bucket', durable: false });
  const out = new Map<string, Record<string, unknown>>();
  for await (const key of sink.list('')) {
    const obj = (await sink.get(key))!;
    out.set(key, JSON.parse(gunzipSync(obj.body).toString('utf8')) as Record<string, unknown>);
  }
  return out;
}

describe('organisation trail delivery', () => {
  it('writes members’ events under AWSLogs/o-…/ACCOUNT/, members that join later too, never outsiders’', async () => {
    await loggingTrail({});
    const s = await scheduler();
    await s.runOnce();
    const first = await appendFor([MANAGEMENT, MEMBER, OUTSIDER]);
    clock += MINUTE;
    await s.runOnce();

    await orgs.addAccount(org.id, LATE_MEMBER);
    const second = await appendFor([LATE_MEMBER, OUTSIDER]);
    clock += MINUTE;
    await s.runOnce();

    const logs = [...(await objects()).entries()].filter(([k]) => k.includes('/CloudTrail/'));
    const byAccount = new Map(
      logs.map(([key, doc]) => [
        key.split('/')[2]!,
        { key, ids: (doc.Records as { eventID: string }[]).map((r) => r.eventID) },
      ]),
    );
    expect([...byAccount.keys()].sort()).toEqual([MANAGEMENT, MEMBER, LATE_MEMBER].sort());
    for (const [account, { key }] of byAccount) {
      expect(key).toMatch(
        new RegExp(
          `^AWSLogs/o-exampleorg1/${account}/CloudTrail/us-east-1/2026/01/01/${account}_CloudTrail_us-east-1_20260101T10\\d\\dZ_[A-Za-z0-9]{16}\\.json\\.gz$`,
        ),
      );
    }
    expect(byAccount.get(MEMBER)!.ids).toEqual([first.get(MEMBER)]);
    expect(byAccount.get(LATE_MEMBER)!.ids).toEqual([second.get(LATE_MEMBER)]);
    const delivered = logs.flatMap(([, doc]) => (doc.Records as { eventID: string }[]).map((r) => r.eventID));
    expect(delivered).not.toContain(first.get(OUTSIDER));
    expect(delivered).not.toContain(second.get(OUTSIDER));
  });

  it('digests per member account in the organisation folder, each valid for validate-logs', async () => {
    const trail = await loggingTrail({});
    const s = await scheduler();
    await s.runOnce();
    await appendFor([MEMBER]);
    clock += MINUTE;
    await s.runOnce();
    clock = START + HOUR;
    await s.runOnce(); // the digests of 10:00–11:00

    const digestKeys = [...(await objects()).keys()].filter((k) => k.includes('CloudTrail-Digest'));
    expect(digestKeys.sort()).toEqual(
      [MANAGEMENT, MEMBER]
        .map(
          (a) =>
            `AWSLogs/o-exampleorg1/${a}/CloudTrail-Digest/us-east-1/2026/01/01/${a}_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20260101T110000Z.json.gz`,
        )
        .sort(),
    );

    for (const [account, logFiles] of [
      [MEMBER, 1],
      [MANAGEMENT, 0],
    ] as const) {
      const out: string[] = [];
      const summary = await validateLogs({
        trailArn: trail.trailArn,
        startMs: START - HOUR,
        endMs: clock + HOUR,
        bucket: 'org-bucket',
        accountId: account,
        organizationId: org.id,
        buckets: directoryBuckets(root),
        publicKeys: (from, to) => keys.listPublicKeys('us-east-1', from, to),
        write: (_stream, text) => out.push(text),
        now: () => clock,
      });
      expect(out.join('')).not.toContain('INVALID');
      expect(summary).toMatchObject({ exitCode: 0, validDigests: 1, invalidDigests: 0, validLogs: logFiles });
    }
  });

  it('a trail that is no organisation trail keeps to its own account and the plain layout', async () => {
    await loggingTrail({ name: 'own', isOrganizationTrail: false });
    const s = await scheduler();
    await s.runOnce();
    await appendFor([MANAGEMENT, MEMBER]);
    clock += MINUTE;
    await s.runOnce();
    const logKeys = [...(await objects()).keys()].filter((k) => k.includes('/CloudTrail/'));
    expect(logKeys).toHaveLength(1);
    expect(logKeys[0]).toMatch(new RegExp(`^AWSLogs/${MANAGEMENT}/CloudTrail/us-east-1/`));
  });
});
