import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbedded, removeDir, type Embedded } from '../../test/helpers/embedded.js';
import {
  InvalidKeyRequestError,
  KeyStore,
  LastAdminKeyError,
  NoSuchKeyError,
  UnknownPolicyError,
} from './key-store.js';
import { MalformedPolicyDocumentError } from './policies.js';

const FIRST = '111111111111';
const SECOND = '222222222222';

const READ_TRAILS_ONLY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' },
    { Effect: 'Deny', Action: 'cloudtrail:Delete*', Resource: '*' },
  ],
};

let db: Embedded;
let keys: KeyStore;

beforeEach(async () => {
  db = await openEmbedded();
  keys = await KeyStore.open(db.db);
});

afterEach(async () => {
  await db.close();
  removeDir(db.dir);
});

/** The same database opened again, as after a restart. */
async function reopened(): Promise<KeyStore> {
  return KeyStore.open(db.db);
}

describe('create and list', () => {
  it('creates keys of principals within accounts, and lists them without secrets', async () => {
    const admin = await keys.create(FIRST);
    const alice = await keys.create(FIRST, { policy: 'read-only', userName: 'alice' });
    const writer = await keys.create(SECOND, { policy: 'event-writer' });
    expect(admin).toMatchObject({ accountId: FIRST, userName: 'admin', policy: 'administrator', status: 'Active' });
    expect(writer.userName).toBe('event-writer');
    expect(await keys.listAccounts()).toEqual([FIRST, SECOND]);
    const all = keys.list();
    // Oldest first; keys made within the same millisecond may come in either order.
    expect(all.map((k) => k.accessKeyId).sort()).toEqual([admin, alice, writer].map((k) => k.accessKeyId).sort());
    expect(JSON.stringify(all)).not.toContain(admin.secretAccessKey);
    expect(
      keys
        .list({ accountId: FIRST })
        .map((k) => k.userName)
        .sort(),
    ).toEqual(['admin', 'alice']);
    expect(keys.list({ accountId: FIRST, userName: 'alice' })).toHaveLength(1);
    // Persisted: a restart sees the same keys.
    expect((await reopened()).list()).toEqual(all);
  });

  it('attaches a custom policy document, kept and compiled across a restart', async () => {
    const k = await keys.create(FIRST, { policyDocument: JSON.stringify(READ_TRAILS_ONLY), policyName: 'trails' });
    expect(k.policy).toBe('custom:trails');
    expect(k.userName).toBe('trails');
    for (const store of [keys, await reopened()]) {
      const p = store.permissions(k.accessKeyId)!;
      expect(p.evaluate('cloudtrail:LookupEvents')).toBe('Allow');
      expect(p.evaluate('cloudtrail:DeleteTrail')).toBe('ExplicitDeny');
      expect(p.evaluate('opentrail:PutEvents')).toBe('ImplicitDeny');
      expect(store.get(k.accessKeyId)!.policyDocument).toEqual(READ_TRAILS_ONLY);
    }
  });

  it('compiles built-in policies for their keys', async () => {
    const k = await keys.create(FIRST, { policy: 'event-writer' });
    expect(keys.permissions(k.accessKeyId)!.isAllowed('opentrail:PutEvents')).toBe(true);
    expect(keys.permissions(k.accessKeyId)!.isAllowed('cloudtrail:LookupEvents')).toBe(false);
  });

  it('refuses bad requests before storing anything', async () => {
    await expect(keys.create(FIRST, { policy: 'root' })).rejects.toThrow(UnknownPolicyError);
    await expect(keys.create(FIRST, { policy: 'root' })).rejects.toThrow(
      'unknown policy "root": use administrator, read-only, event-writer',
    );
    await expect(keys.create(FIRST, { userName: 'has space' })).rejects.toThrow(InvalidKeyRequestError);
    await expect(keys.create(FIRST, { userName: 'x'.repeat(65) })).rejects.toThrow('1–64 characters');
    await expect(keys.create(FIRST, { policy: 'read-only', policyDocument: READ_TRAILS_ONLY })).rejects.toThrow(
      'not both',
    );
    await expect(
      keys.create(FIRST, { policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*' }] } }),
    ).rejects.toThrow(MalformedPolicyDocumentError);
    await expect(keys.create(FIRST, { policyDocument: READ_TRAILS_ONLY, policyName: 'a/b' })).rejects.toThrow(
      'policy name "a/b"',
    );
    expect(keys.list()).toEqual([]);
    expect(await keys.listAccounts()).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('deactivates and activates a key, persistently', async () => {
    await keys.create(FIRST); // keeps the guard out of the way
    const k = await keys.create(FIRST, { policy: 'read-only' });
    expect((await keys.setStatus(k.accessKeyId, 'Inactive')).status).toBe('Inactive');
    expect(keys.get(k.accessKeyId)!.status).toBe('Inactive');
    expect((await reopened()).get(k.accessKeyId)!.status).toBe('Inactive');
    expect((await keys.setStatus(k.accessKeyId, 'Active')).status).toBe('Active');
    expect((await reopened()).get(k.accessKeyId)!.status).toBe('Active');
    await expect(keys.setStatus(k.accessKeyId, 'Paused' as never)).rejects.toThrow('Active or Inactive');
  });

  it('deletes a key and its custom policy', async () => {
    await keys.create(FIRST);
    const k = await keys.create(FIRST, { policyDocument: READ_TRAILS_ONLY });
    const gone = await keys.delete(k.accessKeyId);
    expect(gone.accessKeyId).toBe(k.accessKeyId);
    expect(keys.get(k.accessKeyId)).toBeUndefined();
    expect(keys.permissions(k.accessKeyId)).toBeUndefined();
    const after = await reopened();
    expect(after.get(k.accessKeyId)).toBeUndefined();
    const left = await db.db.read((c) => c.runAndReadAll('SELECT count(*) FROM access_key_policies'));
    expect(Number(left.getRows()[0]![0])).toBe(0);
  });

  it('answers an unknown key with NoSuchKeyError', async () => {
    for (const op of [
      () => keys.delete('AKIANOSUCHKEY0000000'),
      () => keys.setStatus('AKIANOSUCHKEY0000000', 'Inactive'),
      () => keys.rotate('AKIANOSUCHKEY0000000'),
    ]) {
      await expect(op()).rejects.toThrow(NoSuchKeyError);
    }
    expect(() => keys.describe('AKIANOSUCHKEY0000000')).toThrow('no access key AKIANOSUCHKEY0000000');
  });

  it('rotates: a new key for the same principal and policy, the old one active unless asked', async () => {
    const old = await keys.create(FIRST, { policyDocument: READ_TRAILS_ONLY, policyName: 'trails', userName: 'bob' });
    const r1 = await keys.rotate(old.accessKeyId);
    expect(r1.key.accessKeyId).not.toBe(old.accessKeyId);
    expect(r1.key.secretAccessKey).not.toBe(old.secretAccessKey);
    expect(r1.key).toMatchObject({ accountId: FIRST, userName: 'bob', policy: 'custom:trails', status: 'Active' });
    expect(r1.previous.status).toBe('Active');
    expect(keys.permissions(r1.key.accessKeyId)!.evaluate('cloudtrail:DeleteTrail')).toBe('ExplicitDeny');
    const r2 = await keys.rotate(r1.key.accessKeyId, { deactivateOld: true });
    expect(r2.previous).toMatchObject({ accessKeyId: r1.key.accessKeyId, status: 'Inactive' });
    const after = await reopened();
    expect(new Map(after.list({ userName: 'bob' }).map((k) => [k.accessKeyId, k.status]))).toEqual(
      new Map([
        [old.accessKeyId, 'Active'],
        [r1.key.accessKeyId, 'Inactive'],
        [r2.key.accessKeyId, 'Active'],
      ]),
    );
    expect(after.get(r2.key.accessKeyId)!.policyDocument).toEqual(READ_TRAILS_ONLY);
  });
});

describe('the last administrator key of the first account', () => {
  it('needs force to be deleted or deactivated', async () => {
    const admin = await keys.create(FIRST);
    await keys.create(FIRST, { policy: 'read-only' });
    await expect(keys.delete(admin.accessKeyId)).rejects.toThrow(LastAdminKeyError);
    await expect(keys.setStatus(admin.accessKeyId, 'Inactive')).rejects.toThrow(
      `${admin.accessKeyId} is the last active administrator key of account ${FIRST}, the first account; deactivating it`,
    );
    expect(keys.get(admin.accessKeyId)!.status).toBe('Active');
    await keys.setStatus(admin.accessKeyId, 'Inactive', { force: true });
    // Inactive already: no longer guarded.
    await keys.delete(admin.accessKeyId);
    expect(keys.list({ accountId: FIRST }).map((k) => k.policy)).toEqual(['read-only']);
  });

  it('is not guarded when another active administrator key exists, or in other accounts', async () => {
    const a = await keys.create(FIRST);
    const b = await keys.create(FIRST);
    await keys.delete(a.accessKeyId);
    await expect(keys.delete(b.accessKeyId)).rejects.toThrow(LastAdminKeyError);
    await keys.delete(b.accessKeyId, { force: true });
    const other = await keys.create(SECOND);
    await keys.delete(other.accessKeyId);
    expect(keys.list()).toEqual([]);
  });

  it('rotating with --deactivate-old is fine: the new key is an administrator key', async () => {
    const admin = await keys.create(FIRST);
    const r = await keys.rotate(admin.accessKeyId, { deactivateOld: true });
    expect(r.previous.status).toBe('Inactive');
    await expect(keys.delete(r.key.accessKeyId)).rejects.toThrow(LastAdminKeyError);
  });
});
