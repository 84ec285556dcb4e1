/**
 * `opentrail orgs create|add-account|remove-account|list`: organisations, whose management
 * account may create organisation trails that cover every member account. Against a running
 * server's control socket when one holds the database, else against the database directly; both
 * paths run the same OrganizationStore code.
 */
import { Option, type Command } from 'commander';
import { OrganizationError, type Organization } from '../auth/organizations.js';
import { DEFAULT_DATA_DIR, DEFAULT_REGION } from '../config/defaults.js';
import { ControlClient, ControlError } from './control-client.js';
import { openEmbedded, type EmbeddedRuntime } from './runtime.js';
import { renderTable } from './table.js';
import { UsageError } from './usage-error.js';

export interface OrgsTarget {
  dataDir: string;
  region: string;
}

async function withOrganizations<T>(
  target: OrgsTarget,
  remote: (c: ControlClient) => Promise<T>,
  local: (rt: EmbeddedRuntime) => Promise<T>,
): Promise<T> {
  try {
    const client = await ControlClient.connect(target.dataDir);
    if (client) return await remote(client);
    const rt = await openEmbedded(target.dataDir, { region: target.region });
    try {
      return await local(rt);
    } finally {
      await rt.close();
    }
  } catch (err) {
    // The same refusals read the same with and without a server.
    if (err instanceof OrganizationError || err instanceof ControlError) throw new UsageError(err.message);
    throw err;
  }
}

export function createOrganization(opts: OrgsTarget & { managementAccount: string }): Promise<Organization> {
  return withOrganizations(
    opts,
    (c) => c.call<Organization>('POST', '/internal/organizations', { managementAccountId: opts.managementAccount }),
    (rt) => rt.organizations.create(opts.managementAccount),
  );
}

export function addOrganizationAccount(opts: OrgsTarget & { orgId: string; accountId: string }): Promise<Organization> {
  return withOrganizations(
    opts,
    (c) =>
      c.call<Organization>('POST', `/internal/organizations/${encodeURIComponent(opts.orgId)}/accounts`, {
        accountId: opts.accountId,
      }),
    (rt) => rt.organizations.addAccount(opts.orgId, opts.accountId),
  );
}

export function removeOrganizationAccount(
  opts: OrgsTarget & { orgId: string; accountId: string },
): Promise<Organization> {
  return withOrganizations(
    opts,
    (c) =>
      c.call<Organization>(
        'DELETE',
        `/internal/organizations/${encodeURIComponent(opts.orgId)}/accounts/${encodeURIComponent(opts.accountId)}`,
      ),
    (rt) => rt.organizations.removeAccount(opts.orgId, opts.accountId),
  );
}

export function listOrganizations(opts: OrgsTarget): Promise<Organization[]> {
  return withOrganizations(
    opts,
    async (c) => (await c.call<{ organizations: Organization[] }>('GET', '/internal/organizations')).organizations,
    async (rt) => rt.organizations.list(),
  );
}

/** One row per account: organisation, account, role. */
export function formatOrganizations(orgs: Organization[]): string {
  if (orgs.length === 0) return 'No organisations.\n';
  const rows = orgs.flatMap((o) =>
    o.accountIds.map((a) => [o.id, a, a === o.managementAccountId ? 'management' : 'member']),
  );
  return renderTable(['ORGANIZATION', 'ACCOUNT', 'ROLE'], rows) + '\n';
}

const common = (cmd: Command) =>
  cmd
    .addOption(new Option('--data-dir <dir>', 'data directory').default(DEFAULT_DATA_DIR))
    .addOption(new Option('--region <region>', 'region').default(process.env.AWS_REGION ?? DEFAULT_REGION))
    .option('--json', 'print JSON', false);

const print = (json: boolean, org: Organization, text: string) =>
  process.stdout.write(json ? JSON.stringify(org, null, 2) + '\n' : text);

export function registerOrgsCommand(program: Command): void {
  const orgs = program
    .command('orgs')
    .description('organisations: a management account and members, for organisation trails');
  common(
    orgs
      .command('create')
      .description('create an organisation; prints its id (o-…)')
      .requiredOption('--management-account <id>', '12-digit account ID of the management account'),
  ).action(async (o) => {
    const org = await createOrganization({
      dataDir: o.dataDir,
      region: o.region,
      managementAccount: o.managementAccount,
    });
    print(o.json, org, `${org.id}\n`);
  });
  common(
    orgs
      .command('add-account')
      .description('add a member account (the organisation’s trails cover it from now on)')
      .argument('<org>', 'organisation id (o-…)')
      .argument('<account>', '12-digit account ID'),
  ).action(async (orgId: string, accountId: string, o) => {
    const org = await addOrganizationAccount({ dataDir: o.dataDir, region: o.region, orgId, accountId });
    print(o.json, org, `added ${accountId} to ${org.id}\n`);
  });
  common(
    orgs
      .command('remove-account')
      .description('remove a member account (not the management account)')
      .argument('<org>', 'organisation id (o-…)')
      .argument('<account>', '12-digit account ID'),
  ).action(async (orgId: string, accountId: string, o) => {
    const org = await removeOrganizationAccount({ dataDir: o.dataDir, region: o.region, orgId, accountId });
    print(o.json, org, `removed ${accountId} from ${org.id}\n`);
  });
  common(orgs.command('list').description('list organisations and their accounts')).action(async (o) => {
    const list = await listOrganizations({ dataDir: o.dataDir, region: o.region });
    process.stdout.write(o.json ? JSON.stringify(list, null, 2) + '\n' : formatOrganizations(list));
  });
}
