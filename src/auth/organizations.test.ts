import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbedded, removeDir, type Embedded } from '../../test/helpers/embedded.js';
import {
  NoSuchOrganizationError,
  ORGANIZATION_ID,
  OrganizationError,
  OrganizationStore,
  generateOrganizationId,
} from './organizations.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OUTSIDER = '333333333333';

let env: Embedded;
let orgs: OrganizationStore;

beforeEach(async () => {
  env = await openEmbedded();
  orgs = await OrganizationStore.open(env.db);
});

afterEach(async () => {
  await env.close();
  removeDir(env.dir);
});

describe('organisation ids', () => {
  it('are o- and 10 lowercase letters or digits', () => {
    for (let i = 0; i < 50; i++) expect(generateOrganizationId()).toMatch(/^o-[a-z0-9]{10}$/);
    expect(ORGANIZATION_ID.test('o-' + 'a'.repeat(32))).toBe(true);
    expect(ORGANIZATION_ID.test('o-' + 'a'.repeat(33))).toBe(false);
    expect(ORGANIZATION_ID.test('o-ABCDEFGHIJ')).toBe(false);
  });
});

describe('OrganizationStore', () => {
  it('creates an organisation with its management account as first account, and finds it by account', async () => {
    const org = await orgs.create(MANAGEMENT, { nowMs: 1000 });
    expect(org).toMatchObject({ managementAccountId: MANAGEMENT, accountIds: [MANAGEMENT], featureSet: 'ALL' });
    await orgs.addAccount(org.id, MEMBER);
    expect(orgs.organizationOf(MEMBER)?.id).toBe(org.id);
    expect(orgs.organizationOf(MANAGEMENT)?.accountIds).toEqual([MANAGEMENT, MEMBER]);
    expect(orgs.organizationOf(OUTSIDER)).toBeUndefined();
  });

  it('keeps organisations and memberships across a reopen', async () => {
    const org = await orgs.create(MANAGEMENT, { id: 'o-abcdefghij' });
    await orgs.addAccount(org.id, MEMBER);
    const again = await OrganizationStore.open(env.db);
    expect(again.list()).toEqual([{ ...org, accountIds: [MANAGEMENT, MEMBER] }]);
    expect(again.organizationOf(MEMBER)?.id).toBe('o-abcdefghij');
  });

  it('removes a member, which then belongs to no organisation and may join another', async () => {
    const first = await orgs.create(MANAGEMENT);
    await orgs.addAccount(first.id, MEMBER);
    await orgs.removeAccount(first.id, MEMBER);
    expect(orgs.organizationOf(MEMBER)).toBeUndefined();
    const second = await orgs.create(OUTSIDER);
    await orgs.addAccount(second.id, MEMBER);
    expect((await OrganizationStore.open(env.db)).organizationOf(MEMBER)?.id).toBe(second.id);
  });

  it('tells listeners after each change', async () => {
    let changes = 0;
    orgs.onChange(() => changes++);
    const org = await orgs.create(MANAGEMENT);
    await orgs.addAccount(org.id, MEMBER);
    await orgs.removeAccount(org.id, MEMBER);
    expect(changes).toBe(3);
  });

  it('hands out copies: changing a returned organisation changes nothing stored', async () => {
    const org = await orgs.create(MANAGEMENT);
    org.accountIds.push(OUTSIDER);
    expect(orgs.get(org.id)?.accountIds).toEqual([MANAGEMENT]);
  });

  const refusals: [string, (s: OrganizationStore, orgId: string) => Promise<unknown>, RegExp][] = [
    ['a management account that is not 12 digits', (s) => s.create('12345'), /must be a 12-digit account ID/],
    ['a member that is not 12 digits', (s, id) => s.addAccount(id, 'abc'), /must be a 12-digit account ID/],
    ['an account already in an organisation', (s, id) => s.addAccount(id, MANAGEMENT), /already belongs to/],
    ['a second organisation for a member', (s) => s.create(MANAGEMENT), /already belongs to/],
    ['removing the management account', (s, id) => s.removeAccount(id, MANAGEMENT), /management account/],
    ['removing an account that is not a member', (s, id) => s.removeAccount(id, OUTSIDER), /is not a member/],
    ['an id that breaks the pattern', (s) => s.create(OUTSIDER, { id: 'o-short' }), /10 to 32 lowercase/],
  ];
  it.each(refusals)('refuses %s', async (_what, change, message) => {
    const org = await orgs.create(MANAGEMENT);
    await expect(change(orgs, org.id)).rejects.toThrow(OrganizationError);
    await expect(change(orgs, org.id)).rejects.toThrow(message);
  });

  it('names an unknown organisation', async () => {
    await expect(orgs.addAccount('o-nosuchorgxx', MEMBER)).rejects.toThrow(NoSuchOrganizationError);
    await expect(orgs.addAccount('o-nosuchorgxx', MEMBER)).rejects.toThrow(/no organisation o-nosuchorgxx/);
  });
});
