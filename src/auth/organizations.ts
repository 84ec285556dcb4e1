/**
 * Organisations (DESIGN §5): an organisation `o-…` has one management account and any number of
 * member accounts; an account belongs to at most one organisation. Kept in the embedded database
 * and cached in memory, because trail delivery asks "which organisation is this account in?" for
 * every event it reads, and that must touch neither the disk nor a promise.
 *
 * Only what AWS Organizations' "all features" mode offers that CloudTrail needs is modelled: the
 * organisation, its management account and its accounts. There are no OUs, policies or invitations:
 * an account added here is a member at once.
 */
import { randomInt } from 'node:crypto';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { isAccountId } from './access-keys.js';

export interface Organization {
  /** `o-` and 10 to 32 lowercase letters or digits. */
  id: string;
  /** The account that created the organisation; it alone may create organisation trails. */
  managementAccountId: string;
  /** Every account of the organisation, the management account included, in the order they joined. */
  accountIds: string[];
  /** AWS Organizations' feature set; organisation trails need `ALL`, the only one modelled. */
  featureSet: 'ALL';
  createdAtMs: number;
}

/** What trail delivery and the trail API need to know about an account's organisation. */
export interface OrganizationLookup {
  /** The organisation the account belongs to (as management account or member), if any. */
  organizationOf(accountId: string): Organization | undefined;
}

/** A refused organisation change; the message says what was expected. */
export class OrganizationError extends Error {}
export class NoSuchOrganizationError extends OrganizationError {}

export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new organisation id: `o-` and 10 random lowercase letters or digits, as AWS draws them. */
export function generateOrganizationId(): string {
  let id = 'o-';
  for (let i = 0; i < 10; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)]!;
  return id;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS organizations (
    org_id VARCHAR PRIMARY KEY,
    management_account_id VARCHAR NOT NULL UNIQUE,
    feature_set VARCHAR NOT NULL,
    created_at_ms BIGINT NOT NULL
  )`,
  // account_id is the key: an account is in at most one organisation.
  `CREATE TABLE IF NOT EXISTS organization_accounts (
    account_id VARCHAR PRIMARY KEY,
    org_id VARCHAR NOT NULL,
    joined_at_ms BIGINT NOT NULL
  )`,
];

function checkAccountId(accountId: string, what: string): void {
  if (!isAccountId(accountId)) {
    throw new OrganizationError(`${what} must be a 12-digit account ID, got ${JSON.stringify(accountId)}`);
  }
}

export class OrganizationStore implements OrganizationLookup {
  private readonly byId = new Map<string, Organization>();
  private readonly byAccount = new Map<string, Organization>();
  private readonly listeners = new Set<() => void>();

  private constructor(private readonly db: EmbeddedDatabase) {}

  static async open(db: EmbeddedDatabase): Promise<OrganizationStore> {
    const store = new OrganizationStore(db);
    await db.write(async (w) => {
      for (const stmt of SCHEMA) await w.run(stmt);
    });
    await store.reload();
    return store;
  }

  private async reload(): Promise<void> {
    const [orgs, members] = await this.db.read(async (c) => [
      (
        await c.runAndReadAll(
          'SELECT org_id, management_account_id, created_at_ms FROM organizations ORDER BY created_at_ms, org_id',
        )
      ).getRows(),
      (
        await c.runAndReadAll('SELECT account_id, org_id FROM organization_accounts ORDER BY joined_at_ms, account_id')
      ).getRows(),
    ]);
    this.byId.clear();
    this.byAccount.clear();
    for (const [id, management, created] of orgs) {
      this.byId.set(String(id), {
        id: String(id),
        managementAccountId: String(management),
        accountIds: [],
        featureSet: 'ALL',
        createdAtMs: Number(created),
      });
    }
    for (const [account, orgId] of members) {
      const org = this.byId.get(String(orgId));
      if (!org) continue; // a member row of a deleted organisation (never written by this code)
      org.accountIds.push(String(account));
      this.byAccount.set(String(account), org);
    }
  }

  /** Called after every committed change (delivery re-reads memberships then). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Synchronous: trail delivery calls it for every event. */
  organizationOf(accountId: string): Organization | undefined {
    const org = this.byAccount.get(accountId);
    return org && copy(org);
  }

  get(orgId: string): Organization | undefined {
    const org = this.byId.get(orgId);
    return org && copy(org);
  }

  /** Every organisation, oldest first. */
  list(): Organization[] {
    return [...this.byId.values()].map(copy);
  }

  private require(orgId: string): Organization {
    const org = this.byId.get(orgId);
    if (!org) {
      throw new NoSuchOrganizationError(
        `no organisation ${orgId}${ORGANIZATION_ID.test(orgId) ? '' : ' (an id is o- and 10 to 32 lowercase letters or digits)'}; opentrail orgs list shows them`,
      );
    }
    return org;
  }

  private refuseMember(accountId: string): void {
    const current = this.byAccount.get(accountId);
    if (current) {
      throw new OrganizationError(
        `account ${accountId} already belongs to organisation ${current.id}; remove it there first`,
      );
    }
  }

  /** Creates an organisation whose management account is `managementAccountId`. */
  async create(managementAccountId: string, options: { id?: string; nowMs?: number } = {}): Promise<Organization> {
    checkAccountId(managementAccountId, 'the management account');
    this.refuseMember(managementAccountId);
    const id = options.id ?? generateOrganizationId();
    if (!ORGANIZATION_ID.test(id)) {
      throw new OrganizationError(`organisation id must be o- and 10 to 32 lowercase letters or digits, got ${id}`);
    }
    if (this.byId.has(id)) throw new OrganizationError(`organisation ${id} exists already`);
    const nowMs = options.nowMs ?? Date.now();
    await this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        await w.run('INSERT INTO organizations VALUES ($id, $management, $features, $at)', {
          id,
          management: managementAccountId,
          features: 'ALL',
          at: nowMs,
        });
        await w.run('INSERT INTO organization_accounts VALUES ($account, $id, $at)', {
          account: managementAccountId,
          id,
          at: nowMs,
        });
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
    const org: Organization = {
      id,
      managementAccountId,
      accountIds: [managementAccountId],
      featureSet: 'ALL',
      createdAtMs: nowMs,
    };
    this.byId.set(id, org);
    this.byAccount.set(managementAccountId, org);
    this.changed();
    return copy(org);
  }

  /** Adds a member account; from then on the organisation's trails cover its events. */
  async addAccount(orgId: string, accountId: string, nowMs = Date.now()): Promise<Organization> {
    const org = this.require(orgId);
    checkAccountId(accountId, 'the member account');
    this.refuseMember(accountId);
    await this.db.write((w) =>
      w.run('INSERT INTO organization_accounts VALUES ($account, $id, $at)', {
        account: accountId,
        id: orgId,
        at: nowMs,
      }),
    );
    org.accountIds.push(accountId);
    this.byAccount.set(accountId, org);
    this.changed();
    return copy(org);
  }

  /** Removes a member account; the management account cannot leave its own organisation. */
  async removeAccount(orgId: string, accountId: string): Promise<Organization> {
    const org = this.require(orgId);
    if (accountId === org.managementAccountId) {
      throw new OrganizationError(
        `account ${accountId} is the management account of ${orgId} and cannot be removed from it`,
      );
    }
    if (!org.accountIds.includes(accountId)) {
      throw new OrganizationError(`account ${accountId} is not a member of organisation ${orgId}`);
    }
    await this.db.write((w) =>
      w.run('DELETE FROM organization_accounts WHERE account_id = $account AND org_id = $id', {
        account: accountId,
        id: orgId,
      }),
    );
    org.accountIds = org.accountIds.filter((a) => a !== accountId);
    this.byAccount.delete(accountId);
    this.changed();
    return copy(org);
  }
}

function copy(org: Organization): Organization {
  return { ...org, accountIds: [...org.accountIds] };
}
