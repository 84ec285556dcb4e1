import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { generateAccessKey } from './access-keys.js';
import {
  BUILT_IN_POLICY_NAMES,
  CompiledPolicy,
  builtInPolicy,
  isBuiltInPolicy,
  parsePolicyDocument,
  type PolicyDocument,
} from './policies.js';

export type KeyStatus = 'Active' | 'Inactive';

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** The principal: an IAM-style user name within the account. */
  userName: string;
  /** A built-in policy's name, or `custom:<name>` for a document attached to this key. */
  policy: string;
  /** The attached document, for custom policies only. */
  policyDocument?: PolicyDocument;
  status: KeyStatus;
  createdAtMs: number;
}

/** A key as it is shown: never its secret. */
export type AccessKeyInfo = Omit<AccessKeyRecord, 'secretAccessKey' | 'policyDocument'>;

export interface CreateKeyOptions {
  /** A built-in policy (default administrator); not together with policyDocument. */
  policy?: string;
  /** A custom identity policy, as JSON text or parsed; validated before anything is stored. */
  policyDocument?: string | unknown;
  /** Shown as `custom:<policyName>` (default `inline`). */
  policyName?: string;
  userName?: string;
}

/** Errors a key operation reports to the user; the message says what to do. */
export class KeyStoreError extends Error {}
export class UnknownPolicyError extends KeyStoreError {}
export class InvalidKeyRequestError extends KeyStoreError {}
export class NoSuchKeyError extends KeyStoreError {}
export class LastAdminKeyError extends KeyStoreError {}

/** IAM's user-name rule. */
const USER_NAME_RE = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME_RE = /^[\w+=,.@-]{1,128}$/;

const ADMIN_POLICY = 'administrator';

/** The table of custom policy documents; the key table itself is part of the database schema. */
const POLICY_TABLE = `CREATE TABLE IF NOT EXISTS access_key_policies (
  access_key_id VARCHAR PRIMARY KEY,
  document VARCHAR NOT NULL
)`;

const info = ({ secretAccessKey: _s, policyDocument: _d, ...rest }: AccessKeyRecord): AccessKeyInfo => rest;

/**
 * Accounts, principals and their access keys, kept in the embedded database (a 0600 file in the
 * data directory) and cached in memory with their compiled policies: every request looks its key
 * up, so that must touch neither the disk nor the JSON of a policy.
 */
export class KeyStore {
  private readonly cache = new Map<string, AccessKeyRecord>();
  private readonly compiled = new Map<string, CompiledPolicy>();

  private constructor(private readonly db: EmbeddedDatabase) {}

  static async open(db: EmbeddedDatabase): Promise<KeyStore> {
    const store = new KeyStore(db);
    await db.write((w) => w.run(POLICY_TABLE));
    const r = await db.read((c) =>
      c.runAndReadAll(
        `SELECT k.access_key_id, k.secret_access_key, k.account_id, k.user_name, k.policy, k.status,
                epoch_ms(k.created_at), p.document
         FROM access_keys k LEFT JOIN access_key_policies p USING (access_key_id)`,
      ),
    );
    for (const row of r.getRows()) {
      const document = row[7] as string | null;
      const k: AccessKeyRecord = {
        accessKeyId: row[0] as string,
        secretAccessKey: row[1] as string,
        accountId: row[2] as string,
        userName: row[3] as string,
        policy: row[4] as string,
        ...(document !== null ? { policyDocument: JSON.parse(document) as PolicyDocument } : {}),
        status: row[5] as KeyStatus,
        createdAtMs: Number(row[6]),
      };
      store.remember(k);
    }
    return store;
  }

  private remember(k: AccessKeyRecord): void {
    this.cache.set(k.accessKeyId, k);
    // A stored document was validated when attached; a key whose policy is unknown (a database
    // edited by hand) gets no compiled policy and is denied everything.
    const policy = k.policyDocument ? new CompiledPolicy(k.policyDocument) : builtInPolicy(k.policy);
    if (policy) this.compiled.set(k.accessKeyId, policy);
    else this.compiled.delete(k.accessKeyId);
  }

  private forget(accessKeyId: string): void {
    this.cache.delete(accessKeyId);
    this.compiled.delete(accessKeyId);
  }

  /** The key, when it exists (active or not). Synchronous: used on every request. */
  get(accessKeyId: string): AccessKeyRecord | undefined {
    return this.cache.get(accessKeyId);
  }

  /** The key's compiled policy (undefined for an unknown key). Synchronous: used on every request. */
  permissions(accessKeyId: string): CompiledPolicy | undefined {
    return this.compiled.get(accessKeyId);
  }

  /** A key without its secret; throws NoSuchKeyError. */
  describe(accessKeyId: string): AccessKeyInfo {
    return info(this.require(accessKeyId));
  }

  private require(accessKeyId: string): AccessKeyRecord {
    const k = this.cache.get(accessKeyId);
    if (!k) throw new NoSuchKeyError(`no access key ${accessKeyId} (opentrail keys list shows the keys)`);
    return k;
  }

  /** Accounts, oldest first: the first is the bootstrap account. */
  async listAccounts(): Promise<string[]> {
    const r = await this.db.read((c) => c.runAndReadAll('SELECT account_id FROM accounts ORDER BY created_at'));
    return r.getRows().map((row) => row[0] as string);
  }

  async ensureAccount(accountId: string): Promise<void> {
    await this.db.write((w) => w.run('INSERT OR IGNORE INTO accounts VALUES ($a, now()::TIMESTAMP)', { a: accountId }));
  }

  /** Runs statements on the writer as one transaction. */
  private transaction(
    fn: (run: (sql: string, params?: Record<string, string | number>) => Promise<unknown>) => Promise<void>,
  ) {
    return this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        await fn((sql, params) => w.run(sql, params));
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
  }

  /** Checks options and builds the record of a new key (nothing stored yet). */
  private newRecord(accountId: string, options: CreateKeyOptions): AccessKeyRecord {
    let policy: string;
    let policyDocument: PolicyDocument | undefined;
    if (options.policyDocument !== undefined) {
      if (options.policy !== undefined) {
        throw new InvalidKeyRequestError('give either a built-in policy or a policy document, not both');
      }
      const name = options.policyName ?? 'inline';
      if (!POLICY_NAME_RE.test(name)) {
        throw new InvalidKeyRequestError(
          `policy name "${name}" must be 1–128 characters of letters, digits and _+=,.@-`,
        );
      }
      policyDocument = parsePolicyDocument(options.policyDocument);
      policy = `custom:${name}`;
    } else {
      policy = options.policy ?? ADMIN_POLICY;
      if (!isBuiltInPolicy(policy)) {
        throw new UnknownPolicyError(
          `unknown policy "${policy}": use ${BUILT_IN_POLICY_NAMES.join(', ')}, or a policy document`,
        );
      }
    }
    const userName = options.userName ?? (policy === ADMIN_POLICY ? 'admin' : policy.replace(/^custom:/, ''));
    if (!USER_NAME_RE.test(userName)) {
      throw new InvalidKeyRequestError(
        `user name "${userName}" must be 1–64 characters of letters, digits and _+=,.@- (as in IAM)`,
      );
    }
    const { accessKeyId, secretAccessKey } = generateAccessKey();
    return {
      accessKeyId,
      secretAccessKey,
      accountId,
      userName,
      policy,
      ...(policyDocument ? { policyDocument } : {}),
      status: 'Active',
      createdAtMs: Date.now(),
    };
  }

  private insertStatements(rec: AccessKeyRecord): [string, Record<string, string | number>][] {
    const stmts: [string, Record<string, string | number>][] = [
      ['INSERT OR IGNORE INTO accounts VALUES ($a, now()::TIMESTAMP)', { a: rec.accountId }],
      [
        `INSERT INTO access_keys VALUES ($id, $secret, $account, $user, $policy, 'Active', make_timestamp($created * 1000))`,
        {
          id: rec.accessKeyId,
          secret: rec.secretAccessKey,
          account: rec.accountId,
          user: rec.userName,
          policy: rec.policy,
          created: rec.createdAtMs,
        },
      ],
    ];
    if (rec.policyDocument) {
      stmts.push([
        'INSERT INTO access_key_policies VALUES ($id, $doc)',
        { id: rec.accessKeyId, doc: JSON.stringify(rec.policyDocument) },
      ]);
    }
    return stmts;
  }

  /** Creates a key (and its account when new). Administrator unless a policy or document is given. */
  async create(accountId: string, options: CreateKeyOptions = {}): Promise<AccessKeyRecord> {
    const rec = this.newRecord(accountId, options);
    await this.transaction(async (run) => {
      for (const [sql, params] of this.insertStatements(rec)) await run(sql, params);
    });
    this.remember(rec);
    return rec;
  }

  /** Keys of an account (and user), or of all accounts; never with their secrets. Oldest first. */
  list(filter: { accountId?: string; userName?: string } = {}): AccessKeyInfo[] {
    return [...this.cache.values()]
      .filter((k) => filter.accountId === undefined || k.accountId === filter.accountId)
      .filter((k) => filter.userName === undefined || k.userName === filter.userName)
      .sort((a, b) => a.createdAtMs - b.createdAtMs || a.accessKeyId.localeCompare(b.accessKeyId))
      .map(info);
  }

  /**
   * Refuses to remove the last active administrator key of the bootstrap account (the first one),
   * which would leave the deployment with no key that can manage it, unless forced.
   */
  private async guardLastAdmin(k: AccessKeyRecord, what: string, force: boolean): Promise<void> {
    if (force || k.policy !== ADMIN_POLICY || k.status !== 'Active') return;
    const [bootstrap] = await this.listAccounts();
    if (k.accountId !== bootstrap) return;
    const others = [...this.cache.values()].filter(
      (o) =>
        o.accountId === k.accountId &&
        o.accessKeyId !== k.accessKeyId &&
        o.policy === ADMIN_POLICY &&
        o.status === 'Active',
    );
    if (others.length === 0) {
      throw new LastAdminKeyError(
        `${k.accessKeyId} is the last active administrator key of account ${k.accountId}, the first account; ` +
          `${what} it leaves no key that can administer it. Create another administrator key first, or use --force.`,
      );
    }
  }

  /** Makes a key active or inactive; an inactive key is refused by signature verification. */
  async setStatus(accessKeyId: string, status: KeyStatus, options: { force?: boolean } = {}): Promise<AccessKeyInfo> {
    if (status !== 'Active' && status !== 'Inactive') {
      throw new InvalidKeyRequestError(`status must be Active or Inactive, got ${JSON.stringify(status)}`);
    }
    const k = this.require(accessKeyId);
    if (status === 'Inactive') await this.guardLastAdmin(k, 'deactivating', options.force ?? false);
    if (k.status !== status) {
      await this.db.write((w) =>
        w.run('UPDATE access_keys SET status = $s WHERE access_key_id = $id', { s: status, id: accessKeyId }),
      );
      this.remember({ ...k, status });
    }
    return this.describe(accessKeyId);
  }

  /** Deletes a key for good (its custom policy with it). */
  async delete(accessKeyId: string, options: { force?: boolean } = {}): Promise<AccessKeyInfo> {
    const k = this.require(accessKeyId);
    await this.guardLastAdmin(k, 'deleting', options.force ?? false);
    await this.transaction(async (run) => {
      await run('DELETE FROM access_key_policies WHERE access_key_id = $id', { id: accessKeyId });
      await run('DELETE FROM access_keys WHERE access_key_id = $id', { id: accessKeyId });
    });
    this.forget(accessKeyId);
    return info(k);
  }

  /**
   * A new key for the same principal with the same policy; the old one stays active unless
   * `deactivateOld`, in which case both changes commit together.
   */
  async rotate(
    accessKeyId: string,
    options: { deactivateOld?: boolean } = {},
  ): Promise<{ key: AccessKeyRecord; previous: AccessKeyInfo }> {
    const old = this.require(accessKeyId);
    const { secretAccessKey, accessKeyId: newId } = generateAccessKey();
    const rec: AccessKeyRecord = {
      ...old,
      accessKeyId: newId,
      secretAccessKey,
      status: 'Active',
      createdAtMs: Date.now(),
    };
    const deactivate = (options.deactivateOld ?? false) && old.status === 'Active';
    await this.transaction(async (run) => {
      for (const [sql, params] of this.insertStatements(rec)) await run(sql, params);
      if (deactivate) {
        await run(`UPDATE access_keys SET status = 'Inactive' WHERE access_key_id = $id`, { id: accessKeyId });
      }
    });
    this.remember(rec);
    if (deactivate) this.remember({ ...old, status: 'Inactive' });
    return { key: rec, previous: this.describe(accessKeyId) };
  }
}
