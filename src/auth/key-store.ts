import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { generateAccessKey } from './access-keys.js';
import { isBuiltInPolicy } from './policies.js';

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  userName: string;
  policy: string;
  status: 'Active' | 'Inactive';
  createdAtMs: number;
}

export class UnknownPolicyError extends Error {}

/**
 * Accounts and access keys, kept in the embedded database (a 0600 file in the data directory)
 * and cached in memory: every request looks its key up, so the lookup must not touch the disk.
 */
export class KeyStore {
  private readonly cache = new Map<string, AccessKeyRecord>();

  private constructor(private readonly db: EmbeddedDatabase) {}

  static async open(db: EmbeddedDatabase): Promise<KeyStore> {
    const store = new KeyStore(db);
    const r = await db.read((c) =>
      c.runAndReadAll(
        `SELECT access_key_id, secret_access_key, account_id, user_name, policy, status, epoch_ms(created_at)
         FROM access_keys`,
      ),
    );
    for (const row of r.getRows()) {
      const k: AccessKeyRecord = {
        accessKeyId: row[0] as string,
        secretAccessKey: row[1] as string,
        accountId: row[2] as string,
        userName: row[3] as string,
        policy: row[4] as string,
        status: row[5] as 'Active' | 'Inactive',
        createdAtMs: Number(row[6]),
      };
      store.cache.set(k.accessKeyId, k);
    }
    return store;
  }

  /** The key, when it exists (active or not). Synchronous: used on every request. */
  get(accessKeyId: string): AccessKeyRecord | undefined {
    return this.cache.get(accessKeyId);
  }

  async listAccounts(): Promise<string[]> {
    const r = await this.db.read((c) => c.runAndReadAll('SELECT account_id FROM accounts ORDER BY created_at'));
    return r.getRows().map((row) => row[0] as string);
  }

  async ensureAccount(accountId: string): Promise<void> {
    await this.db.write((w) => w.run('INSERT OR IGNORE INTO accounts VALUES ($a, now()::TIMESTAMP)', { a: accountId }));
  }

  /** Creates a key (and its account when new). Administrator unless a policy is named. */
  async create(accountId: string, options: { policy?: string; userName?: string } = {}): Promise<AccessKeyRecord> {
    const policy = options.policy ?? 'administrator';
    if (!isBuiltInPolicy(policy)) {
      throw new UnknownPolicyError(`unknown policy "${policy}": use administrator, read-only or event-writer`);
    }
    const { accessKeyId, secretAccessKey } = generateAccessKey();
    const rec: AccessKeyRecord = {
      accessKeyId,
      secretAccessKey,
      accountId,
      userName: options.userName ?? (policy === 'administrator' ? 'admin' : policy),
      policy,
      status: 'Active',
      createdAtMs: Date.now(),
    };
    await this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        await w.run('INSERT OR IGNORE INTO accounts VALUES ($a, now()::TIMESTAMP)', { a: accountId });
        await w.run(
          `INSERT INTO access_keys VALUES ($id, $secret, $account, $user, $policy, 'Active', make_timestamp($created * 1000))`,
          {
            id: rec.accessKeyId,
            secret: rec.secretAccessKey,
            account: rec.accountId,
            user: rec.userName,
            policy: rec.policy,
            created: rec.createdAtMs,
          },
        );
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
    this.cache.set(rec.accessKeyId, rec);
    return rec;
  }

  /** Keys of an account, or of all accounts; never with their secrets. */
  list(accountId?: string): Omit<AccessKeyRecord, 'secretAccessKey'>[] {
    return [...this.cache.values()]
      .filter((k) => accountId === undefined || k.accountId === accountId)
      .map(({ secretAccessKey: _secret, ...rest }) => rest);
  }
}
