/**
 * The consumer's way to build `cloudTrailEnvelope(record)` (src/patterns/envelope.ts) for every
 * event: the same members, but `id` (a SHA-1 based UUID, a third of the cost) is a getter computed
 * only when read — by a pattern on `id`, or when a match is delivered — and an eventTime already in
 * second precision is used as it is instead of being parsed and formatted again.
 * `envelope.test.ts` checks it equals cloudTrailEnvelope over every fixture record.
 */
import type { CloudTrailRecord } from '../event/types.js';
import { cloudTrailEnvelope, detailTypeOf, sourceOf, type CloudTrailEnvelope } from '../patterns/index.js';

const SECOND_PRECISION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Own fields as cloudTrailEnvelope has them; `id` a getter on the prototype, computed once when read. */
class LazyEnvelope {
  readonly version = '0' as const;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[] = [];
  #id: string | undefined;
  readonly #fallbackAccount: string;

  constructor(
    readonly detail: CloudTrailRecord,
    fallbackAccount: string,
  ) {
    this.#fallbackAccount = fallbackAccount;
    this['detail-type'] = detailTypeOf(detail);
    this.source = sourceOf(detail);
    this.account = detail.recipientAccountId || detail.userIdentity?.accountId || fallbackAccount;
    this.time =
      typeof detail.eventTime === 'string' && SECOND_PRECISION.test(detail.eventTime)
        ? detail.eventTime
        : cloudTrailEnvelope(detail, { account: fallbackAccount, id: '' }).time;
    this.region = detail.awsRegion;
  }

  get id(): string {
    return (this.#id ??= cloudTrailEnvelope(this.detail, { account: this.#fallbackAccount }).id);
  }
}

export function lazyEnvelope(record: CloudTrailRecord, account: string): CloudTrailEnvelope {
  return new LazyEnvelope(record, account);
}

/** A plain object in cloudTrailEnvelope's member order (the id computed), for handing to a target. */
export function materialize(env: CloudTrailEnvelope): CloudTrailEnvelope {
  return {
    version: env.version,
    id: env.id,
    'detail-type': env['detail-type'],
    source: env.source,
    account: env.account,
    time: env.time,
    region: env.region,
    resources: env.resources,
    detail: env.detail,
  };
}
