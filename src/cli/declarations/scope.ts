/** What applying one account's declarations works with. */
import type { Caller } from '../../api/context.js';
import type { EmbeddedRuntime } from '../runtime.js';
import type { Declared } from '../../config/config-file.js';
import type { RefResolver } from './refs.js';

export interface AccountScope {
  rt: EmbeddedRuntime;
  accountId: string;
  /** The principal the API operations run as: the account itself, from the config file. */
  caller: Caller;
  refs: RefResolver;
}

export type Outcome = 'created' | 'updated' | 'unchanged';

/** One kind of declaration: checked before anything is written, then applied idempotently. */
export interface DeclarationHandler {
  check(d: Declared, scope: AccountScope): Promise<void>;
  apply(d: Declared, scope: AccountScope): Promise<Outcome>;
}

export function configCaller(accountId: string): Caller {
  return {
    accountId,
    accessKeyId: 'opentrail-config-file',
    userName: 'opentrail-config',
    policy: 'administrator',
    sourceIp: '127.0.0.1',
    userAgent: 'opentrail-config-file',
  };
}

export function member(path: string, name: string): string {
  return `${path}.${name}`;
}
