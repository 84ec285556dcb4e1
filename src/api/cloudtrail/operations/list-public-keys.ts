import { ApiError } from '../../errors.js';
import { optionalString } from '../../params.js';
import { requestRegion } from '../../context.js';
import type { Operation } from '../operation.js';

/** Latest time a request may name (year 9999, as LookupEvents accepts). */
const MAX_TIME_MS = 253_402_300_799_000;

/** A timestamp member: epoch seconds as a JSON number (spec §4.1). */
function timestamp(input: Record<string, unknown>, field: string): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ApiError('SerializationException', `${field} must be a timestamp in epoch seconds.`);
  }
  const ms = Math.round(v * 1000);
  if (ms < 0 || ms > MAX_TIME_MS) {
    throw new ApiError('InvalidTimeRangeException', `${field} is outside the range of possible values.`);
  }
  return ms;
}

/**
 * ListPublicKeys (spec §3.4): the region's digest signing keys whose validity overlaps
 * [StartTime, EndTime] (both default to now: the current key). `Value` is the PKCS#1 DER,
 * which the JSON protocol carries as base64 (a blob); times are epoch seconds. Every key fits
 * one page, so no NextToken is ever issued and none is accepted.
 */
export const listPublicKeys: Operation = {
  name: 'ListPublicKeys',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    // The keys of the region the request is signed for: digests are signed with their trail's home region's key.
    const region = requestRegion(ctx, caller);
    const token = optionalString(input, 'NextToken');
    if (token !== undefined) throw new ApiError('InvalidTokenException', 'The NextToken is not valid.');
    // The current key is created on first use, so a fresh server lists one (as AWS always does).
    await ctx.signingKeys.current(region);
    const now = Date.now();
    const start = timestamp(input, 'StartTime');
    const end = timestamp(input, 'EndTime');
    const startMs = start ?? (end !== undefined ? Math.min(now, end) : now);
    const endMs = end ?? Math.max(now, startMs);
    if (startMs > endMs) {
      throw new ApiError('InvalidTimeRangeException', 'The start time of the time range is after its end time.');
    }
    const keys = await ctx.signingKeys.listPublicKeys(region, startMs, endMs);
    return {
      PublicKeyList: keys.map((k) => ({
        Value: k.Value,
        ValidityStartTime: k.ValidityStartTime.getTime() / 1000,
        ValidityEndTime: k.ValidityEndTime.getTime() / 1000,
        Fingerprint: k.Fingerprint,
      })),
    };
  },
};
