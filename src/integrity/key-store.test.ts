import { statSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SigningKeyStore } from './key-store.js';
import { loadPkcs1PublicKey, publicKeyFingerprint } from './public-key.js';
import { signStringHex, verifyString } from './signer.js';
import { DIGEST_BASICS } from './testdata/chain.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

function store(clock: { now: number }, validityMs = 30 * DAY) {
  const dir = mkdtempSync(join(tmpdir(), 'ot-keys-'));
  dirs.push(dir);
  return { dir, keys: new SigningKeyStore(dir, { now: () => clock.now, validityMs }) };
}

describe('SigningKeyStore', () => {
  it('creates one 2048-bit key per region on first use, in 0600 files, and keeps using it', async () => {
    const clock = { now: T0 };
    const { dir, keys } = store(clock);
    const a = await keys.current('us-east-1');
    expect(a.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect((await keys.current('us-east-1')).fingerprint).toBe(a.fingerprint);
    const b = await keys.current('eu-west-1');
    expect(b.fingerprint).not.toBe(a.fingerprint);
    const regionDir = join(dir, 'signing-keys', 'us-east-1');
    expect(readdirSync(regionDir).sort()).toEqual([`${a.fingerprint}.pem`, 'keys.json']);
    for (const f of readdirSync(regionDir)) expect(statSync(join(regionDir, f)).mode & 0o777).toBe(0o600);
    expect(statSync(regionDir).mode & 0o777).toBe(0o700);
    // The index holds no key material; inspecting a key shows none either.
    const index = readFileSync(join(regionDir, 'keys.json'), 'utf8');
    expect(index).not.toMatch(/PRIVATE|MII/);
    expect(inspect(a)).not.toMatch(/PRIVATE KEY|MII/);
  });

  it('serves ListPublicKeys as the AWS CLI loads it (PKCS#1 DER base64, MD5 fingerprint)', async () => {
    const clock = { now: T0 };
    const { keys } = store(clock);
    const k = await keys.current('us-east-1');
    const [entry, ...rest] = await keys.listPublicKeys('us-east-1');
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      Value: expect.stringMatching(/^MIIBCgKCAQEA/),
      ValidityStartTime: new Date(T0),
      ValidityEndTime: new Date(T0 + 30 * DAY),
      Fingerprint: k.fingerprint,
    });
    // Same members, in the same order, as the ListPublicKeys response in the shared fixtures.
    const fixture = JSON.parse(readFileSync(join(DIGEST_BASICS, 'list_public_keys_response.json'), 'utf8')) as {
      PublicKeyList: object[];
    };
    expect(Object.keys(entry!)).toEqual(Object.keys(fixture.PublicKeyList[0]!));
    const der = Buffer.from(entry!.Value, 'base64');
    expect(publicKeyFingerprint(der)).toBe(k.fingerprint);
    const sig = Buffer.from(signStringHex(k.privateKey, 'x'), 'hex');
    expect(verifyString(loadPkcs1PublicKey(der), 'x', sig)).toBe(true);
  });

  it('rotates: the old key ends now, stays listed for its period, and the new one signs', async () => {
    const clock = { now: T0 };
    const { dir, keys } = store(clock);
    const first = await keys.current('us-east-1');
    clock.now = T0 + 5 * DAY;
    const second = await keys.rotate('us-east-1');
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect((await keys.current('us-east-1')).fingerprint).toBe(second.fingerprint);
    const all = await keys.listPublicKeys('us-east-1', T0, T0 + 10 * DAY);
    expect(all.map((k) => [k.Fingerprint, k.ValidityStartTime.getTime(), k.ValidityEndTime.getTime()])).toEqual([
      [first.fingerprint, T0, T0 + 5 * DAY],
      [second.fingerprint, T0 + 5 * DAY, T0 + 35 * DAY],
    ]);
    // A window inside the first key's period gives only the first key; "now" only the current one.
    expect((await keys.listPublicKeys('us-east-1', T0 + DAY, T0 + 2 * DAY)).map((k) => k.Fingerprint)).toEqual([
      first.fingerprint,
    ]);
    // Validity bounds are inclusive: at the moment of rotation both keys are listed, later only the new one.
    expect((await keys.listPublicKeys('us-east-1')).map((k) => k.Fingerprint)).toEqual([
      first.fingerprint,
      second.fingerprint,
    ]);
    clock.now += 1000;
    expect((await keys.listPublicKeys('us-east-1')).map((k) => k.Fingerprint)).toEqual([second.fingerprint]);
    // A new process reads the same keys back from disk.
    const reopened = new SigningKeyStore(dir, { now: () => clock.now });
    expect((await reopened.current('us-east-1')).fingerprint).toBe(second.fingerprint);
    expect((await reopened.byFingerprint('us-east-1', first.fingerprint))?.validityEndMs).toBe(T0 + 5 * DAY);
    await expect(keys.listPublicKeys('us-east-1', T0 + DAY, T0)).rejects.toThrow(/is after end time/);
  });

  it('replaces a key whose validity has ended, and concurrent first uses make one key', async () => {
    const clock = { now: T0 };
    const { keys } = store(clock, DAY);
    const [a, b] = await Promise.all([keys.current('us-west-2'), keys.current('us-west-2')]);
    expect(a.fingerprint).toBe(b.fingerprint);
    clock.now = T0 + DAY;
    const c = await keys.current('us-west-2');
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(c.validityStartMs).toBe(T0 + DAY);
  });

  it('refuses region names that are not regions (no path tricks)', async () => {
    const { keys } = store({ now: T0 });
    await expect(keys.current('../x')).rejects.toThrow(/not a region name/);
  });
});
