import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/helpers/embedded.js';
import { startControlServer } from '../api/control/control-server.js';
import { CONTROL_SOCKET } from '../config/defaults.js';
import {
  addOrganizationAccount,
  createOrganization,
  formatOrganizations,
  listOrganizations,
  removeOrganizationAccount,
} from './orgs.js';
import { openEmbedded } from './runtime.js';
import { UsageError } from './usage-error.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';

let dir: string;

beforeEach(() => {
  dir = tempDir();
});

afterEach(() => {
  removeDir(dir);
});

describe('opentrail orgs against the database (no server running)', () => {
  it('creates, adds, lists and removes, and the data outlives the command', async () => {
    const target = { dataDir: dir, region: 'us-east-1' };
    const org = await createOrganization({ ...target, managementAccount: MANAGEMENT });
    expect(org.id).toMatch(/^o-[a-z0-9]{10}$/);
    await addOrganizationAccount({ ...target, orgId: org.id, accountId: MEMBER });
    const listed = await listOrganizations(target);
    expect(listed).toEqual([{ ...org, accountIds: [MANAGEMENT, MEMBER] }]);
    expect(formatOrganizations(listed)).toMatch(
      new RegExp(`${org.id}\\s+${MANAGEMENT}\\s+management\\n${org.id}\\s+${MEMBER}\\s+member\\n$`),
    );
    await removeOrganizationAccount({ ...target, orgId: org.id, accountId: MEMBER });
    expect((await listOrganizations(target))[0]?.accountIds).toEqual([MANAGEMENT]);
  });

  it('reports refusals as usage errors that say what was expected', async () => {
    const target = { dataDir: dir, region: 'us-east-1' };
    await expect(createOrganization({ ...target, managementAccount: '42' })).rejects.toThrow(UsageError);
    await expect(createOrganization({ ...target, managementAccount: '42' })).rejects.toThrow(
      /must be a 12-digit account ID, got "42"/,
    );
    await expect(addOrganizationAccount({ ...target, orgId: 'o-nosuchorgxx', accountId: MEMBER })).rejects.toThrow(
      /no organisation o-nosuchorgxx/,
    );
  });
});

describe('opentrail orgs through a running server’s control socket', () => {
  it('changes the server’s own store, so its memberships change at once', async () => {
    const rt = await openEmbedded(dir, { region: 'us-east-1' });
    const control = await startControlServer(rt, join(dir, CONTROL_SOCKET));
    try {
      const target = { dataDir: dir, region: 'us-east-1' };
      const org = await createOrganization({ ...target, managementAccount: MANAGEMENT });
      await addOrganizationAccount({ ...target, orgId: org.id, accountId: MEMBER });
      expect(rt.organizations.organizationOf(MEMBER)?.id).toBe(org.id);
      expect((await listOrganizations(target)).map((o) => o.id)).toEqual([org.id]);
      await expect(removeOrganizationAccount({ ...target, orgId: org.id, accountId: MANAGEMENT })).rejects.toThrow(
        /management account of .* cannot be removed/,
      );
      await removeOrganizationAccount({ ...target, orgId: org.id, accountId: MEMBER });
      expect(rt.organizations.organizationOf(MEMBER)).toBeUndefined();
    } finally {
      await control.close();
      await rt.close();
    }
  });
});
