import { randomBytes, randomUUID } from 'node:crypto';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { apiDestinationArn, channelArn, connectionArn, parseNotifyArn } from './arns.js';
import type { ChannelDefinition, Connection, CreateChannelInput, CreateConnectionInput } from './config.js';
import { createChannelSchema, createConnectionSchema, InvalidChannelConfigError, parseOrThrow } from './config.js';
import { ensureNotifySchema } from './schema.js';

export class NotifyResourceExistsError extends Error {
  override name = 'ResourceAlreadyExistsException';
}
export class NotifyResourceNotFoundError extends Error {
  override name = 'ResourceNotFoundException';
}
export class ConnectionInUseError extends Error {
  override name = 'ConnectionInUseException';
}

/**
 * Connections and channels per account. Webhook channels are API destinations and get
 * `api-destination` ARNs; email and chat channels get `arn:opentrail:notify:…:channel/<name>`.
 * Names are unique per account among connections, and among channels of every kind.
 * Lookups take a name or an ARN; an ARN of another account finds nothing.
 */
export class ChannelRepository {
  private constructor(
    private readonly db: EmbeddedDatabase,
    readonly region: string,
    private readonly now: () => number,
  ) {}

  static async open(db: EmbeddedDatabase, region: string, now: () => number = Date.now): Promise<ChannelRepository> {
    await ensureNotifySchema(db);
    return new ChannelRepository(db, region, now);
  }

  async createConnection(accountId: string, input: CreateConnectionInput): Promise<Connection> {
    const c = parseOrThrow(createConnectionSchema, input, `connection for account ${accountId}`);
    const at = this.now();
    const connection: Connection = {
      connectionArn: connectionArn(this.region, accountId, c.name, randomUUID()),
      accountId,
      name: c.name,
      ...(c.description === undefined ? {} : { description: c.description }),
      authorizationType: c.authorizationType as Connection['authorizationType'],
      authParameters: c.authParameters,
      signingSecret: c.signingSecret ?? randomBytes(32).toString('base64url'),
      connectionState: 'AUTHORIZED',
      createdAtMs: at,
      lastModifiedAtMs: at,
    };
    await this.db.write(async (w) => {
      const dup = await w.runAndReadAll('SELECT 1 FROM notify_connections WHERE account_id = $a AND name = $n', {
        a: accountId,
        n: c.name,
      });
      if (dup.getRows().length)
        throw new NotifyResourceExistsError(`Connection ${c.name} already exists in account ${accountId}.`);
      await w.run('INSERT INTO notify_connections VALUES ($arn, $a, $n, $config, $at, $at)', {
        arn: connection.connectionArn,
        a: accountId,
        n: c.name,
        config: JSON.stringify(connection),
        at,
      });
    });
    return connection;
  }

  /**
   * Replaces a connection's description, authorization and (when given) signing secret, keeping
   * its ARN and creation time, so API destinations and rule targets naming it stay valid
   * (what EventBridge's UpdateConnection does; declarations in the config file use it).
   */
  async updateConnection(accountId: string, input: CreateConnectionInput): Promise<Connection> {
    const c = parseOrThrow(createConnectionSchema, input, `connection for account ${accountId}`);
    const current = await this.getConnection(accountId, c.name);
    if (!current) throw new NotifyResourceNotFoundError(`Connection ${c.name} does not exist in account ${accountId}.`);
    const at = this.now();
    const { description: _old, ...rest } = current;
    const connection: Connection = {
      ...rest,
      ...(c.description === undefined ? {} : { description: c.description }),
      authorizationType: c.authorizationType as Connection['authorizationType'],
      authParameters: c.authParameters,
      signingSecret: c.signingSecret ?? current.signingSecret,
      lastModifiedAtMs: at,
    };
    await this.db.write((w) =>
      w.run('UPDATE notify_connections SET config = $config, updated_at = $at WHERE connection_arn = $arn', {
        config: JSON.stringify(connection),
        at,
        arn: current.connectionArn,
      }),
    );
    return connection;
  }

  async getConnection(accountId: string, nameOrArn: string): Promise<Connection | undefined> {
    const rows = await this.select(
      'SELECT config FROM notify_connections WHERE account_id = $a AND (connection_arn = $r OR name = $r)',
      accountId,
      nameOrArn,
    );
    return rows[0] ? (JSON.parse(rows[0][0] as string) as Connection) : undefined;
  }

  async listConnections(accountId: string): Promise<Connection[]> {
    const rows = await this.select(
      'SELECT config FROM notify_connections WHERE account_id = $a ORDER BY name',
      accountId,
    );
    return rows.map((r) => JSON.parse(r[0] as string) as Connection);
  }

  /** Refuses while an API destination uses the connection, so no webhook is left without credentials. */
  async deleteConnection(accountId: string, nameOrArn: string): Promise<Connection> {
    const connection = await this.getConnection(accountId, nameOrArn);
    if (!connection)
      throw new NotifyResourceNotFoundError(`Connection ${nameOrArn} does not exist in account ${accountId}.`);
    await this.db.write(async (w) => {
      const users = await w.runAndReadAll(
        `SELECT name FROM notify_channels WHERE account_id = $a AND kind = 'webhook' AND json_extract_string(config, '$.connectionArn') = $arn ORDER BY name`,
        { a: accountId, arn: connection.connectionArn },
      );
      const names = users.getRows().map((r) => String(r[0]));
      if (names.length) {
        throw new ConnectionInUseError(
          `Connection ${connection.name} is used by API destination(s) ${names.join(', ')}; delete them first.`,
        );
      }
      await w.run('DELETE FROM notify_connections WHERE connection_arn = $arn', { arn: connection.connectionArn });
    });
    return connection;
  }

  async createChannel(accountId: string, input: CreateChannelInput): Promise<ChannelDefinition> {
    const c = parseOrThrow(createChannelSchema, input, `notification channel for account ${accountId}`);
    if (c.config.kind === 'webhook') {
      const conn = await this.getConnection(accountId, c.config.connectionArn);
      if (!conn || conn.connectionArn !== c.config.connectionArn) {
        throw new InvalidChannelConfigError(
          `Invalid notification channel for account ${accountId}: config.connectionArn: no connection ${c.config.connectionArn} in this account`,
        );
      }
    }
    const at = this.now();
    const arn =
      c.config.kind === 'webhook'
        ? apiDestinationArn(this.region, accountId, c.name, randomUUID())
        : channelArn(this.region, accountId, c.name);
    const def: ChannelDefinition = {
      arn,
      accountId,
      name: c.name,
      region: this.region,
      ...(c.description === undefined ? {} : { description: c.description }),
      config: c.config,
      createdAtMs: at,
      lastModifiedAtMs: at,
    };
    await this.db.write(async (w) => {
      const dup = await w.runAndReadAll('SELECT 1 FROM notify_channels WHERE account_id = $a AND name = $n', {
        a: accountId,
        n: c.name,
      });
      if (dup.getRows().length)
        throw new NotifyResourceExistsError(
          `A notification channel named ${c.name} already exists in account ${accountId}.`,
        );
      await w.run('INSERT INTO notify_channels VALUES ($arn, $a, $n, $kind, $region, $d, $config, $at, $at)', {
        arn,
        a: accountId,
        n: c.name,
        kind: c.config.kind,
        region: this.region,
        d: c.description ?? null,
        config: JSON.stringify(c.config),
        at,
      });
    });
    return def;
  }

  /**
   * Replaces a channel's description and configuration, keeping its ARN and creation time (what
   * EventBridge's UpdateApiDestination does for webhooks). The kind cannot change: an email or
   * chat channel's ARN has another form than an API destination's.
   */
  async updateChannel(accountId: string, input: CreateChannelInput): Promise<ChannelDefinition> {
    const c = parseOrThrow(createChannelSchema, input, `notification channel for account ${accountId}`);
    const current = await this.getChannel(accountId, c.name);
    if (!current)
      throw new NotifyResourceNotFoundError(`Notification channel ${c.name} does not exist in account ${accountId}.`);
    if (current.config.kind !== c.config.kind) {
      throw new InvalidChannelConfigError(
        `Invalid notification channel for account ${accountId}: config.kind: channel ${c.name} is of kind ${current.config.kind} and cannot become ${c.config.kind}; delete it first`,
      );
    }
    if (c.config.kind === 'webhook') {
      const conn = await this.getConnection(accountId, c.config.connectionArn);
      if (!conn || conn.connectionArn !== c.config.connectionArn) {
        throw new InvalidChannelConfigError(
          `Invalid notification channel for account ${accountId}: config.connectionArn: no connection ${c.config.connectionArn} in this account`,
        );
      }
    }
    const at = this.now();
    const { description: _old, ...rest } = current;
    const def: ChannelDefinition = {
      ...rest,
      ...(c.description === undefined ? {} : { description: c.description }),
      config: c.config,
      lastModifiedAtMs: at,
    };
    await this.db.write((w) =>
      w.run(
        'UPDATE notify_channels SET description = $d, config = $config, updated_at = $at WHERE channel_arn = $arn',
        {
          d: c.description ?? null,
          config: JSON.stringify(c.config),
          at,
          arn: current.arn,
        },
      ),
    );
    return def;
  }

  async getChannel(accountId: string, nameOrArn: string): Promise<ChannelDefinition | undefined> {
    const rows = await this.select(
      `${CHANNEL_COLUMNS} WHERE account_id = $a AND (channel_arn = $r OR name = $r)`,
      accountId,
      nameOrArn,
    );
    return rows[0] ? rowToChannel(rows[0]) : undefined;
  }

  /** The channel an ARN names, in the account the ARN carries (what the dispatcher resolves). */
  async findByArn(arn: string): Promise<ChannelDefinition | undefined> {
    const parsed = parseNotifyArn(arn);
    if (!parsed || parsed.type === 'connection') return undefined;
    const rows = await this.select(
      `${CHANNEL_COLUMNS} WHERE account_id = $a AND channel_arn = $r`,
      parsed.accountId,
      arn,
    );
    return rows[0] ? rowToChannel(rows[0]) : undefined;
  }

  async listChannels(accountId: string, kind?: ChannelDefinition['config']['kind']): Promise<ChannelDefinition[]> {
    const rows = await this.db.read((c) =>
      c.runAndReadAll(`${CHANNEL_COLUMNS} WHERE account_id = $a AND ($k IS NULL OR kind = $k) ORDER BY name`, {
        a: accountId,
        k: kind ?? null,
      }),
    );
    return rows.getRows().map(rowToChannel);
  }

  async deleteChannel(accountId: string, nameOrArn: string): Promise<ChannelDefinition> {
    const def = await this.getChannel(accountId, nameOrArn);
    if (!def)
      throw new NotifyResourceNotFoundError(
        `Notification channel ${nameOrArn} does not exist in account ${accountId}.`,
      );
    await this.db.write((w) => w.run('DELETE FROM notify_channels WHERE channel_arn = $arn', { arn: def.arn }));
    return def;
  }

  private async select(sql: string, accountId: string, ref?: string): Promise<unknown[][]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(sql, ref === undefined ? { a: accountId } : { a: accountId, r: ref }),
    );
    return r.getRows() as unknown[][];
  }
}

const CHANNEL_COLUMNS =
  'SELECT channel_arn, account_id, name, region, description, config, created_at, updated_at FROM notify_channels';

function rowToChannel(row: unknown[]): ChannelDefinition {
  return {
    arn: row[0] as string,
    accountId: row[1] as string,
    name: row[2] as string,
    region: row[3] as string,
    ...(row[4] === null ? {} : { description: row[4] as string }),
    config: JSON.parse(row[5] as string) as ChannelDefinition['config'],
    createdAtMs: Number(row[6]),
    lastModifiedAtMs: Number(row[7]),
  };
}

const HIDDEN = '********';

/** A connection as DescribeConnection shows it: key names and usernames, never key values, passwords or the signing secret. */
export function redactConnection(c: Connection): Omit<Connection, 'signingSecret'> {
  const { signingSecret: _secret, ...rest } = c;
  const p = c.authParameters;
  const hideSecret = (list?: { Key: string; Value: string; IsValueSecret?: boolean }[]) =>
    list?.map((x) => (x.IsValueSecret ? { ...x, Value: HIDDEN } : x));
  return {
    ...rest,
    authParameters: {
      ...(p.ApiKeyAuthParameters
        ? { ApiKeyAuthParameters: { ApiKeyName: p.ApiKeyAuthParameters.ApiKeyName, ApiKeyValue: HIDDEN } }
        : {}),
      ...(p.BasicAuthParameters
        ? { BasicAuthParameters: { Username: p.BasicAuthParameters.Username, Password: HIDDEN } }
        : {}),
      ...(p.InvocationHttpParameters
        ? {
            InvocationHttpParameters: {
              ...(p.InvocationHttpParameters.HeaderParameters
                ? { HeaderParameters: hideSecret(p.InvocationHttpParameters.HeaderParameters) }
                : {}),
              ...(p.InvocationHttpParameters.QueryStringParameters
                ? { QueryStringParameters: hideSecret(p.InvocationHttpParameters.QueryStringParameters) }
                : {}),
              ...(p.InvocationHttpParameters.BodyParameters
                ? { BodyParameters: hideSecret(p.InvocationHttpParameters.BodyParameters) }
                : {}),
            },
          }
        : {}),
    },
  };
}

/** A channel without its credentials: the SMTP password and the secret path of a chat webhook URL. */
export function redactChannel(def: ChannelDefinition): ChannelDefinition {
  const c = def.config;
  if (c.kind === 'email' && c.smtp.password) return { ...def, config: { ...c, smtp: { ...c.smtp, password: HIDDEN } } };
  if (c.kind === 'chat') {
    const u = new URL(c.webhookUrl);
    return { ...def, config: { ...c, webhookUrl: `${u.origin}/${HIDDEN}` } };
  }
  return def;
}
