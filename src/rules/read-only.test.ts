import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../event/types.js';
import { isHiddenReadOnly, patternAsksForReadOnly } from './read-only.js';

const rec = (eventName: string, readOnly: boolean) =>
  ({ eventName, readOnly, managementEvent: true, eventCategory: 'Management' }) as unknown as CloudTrailRecord;

describe('read-only management events', () => {
  it('hides read-only Describe/Get/List management events, not others', () => {
    expect(isHiddenReadOnly(rec('DescribeTrails', true))).toBe(true);
    expect(isHiddenReadOnly(rec('GetTrailStatus', true))).toBe(true);
    expect(isHiddenReadOnly(rec('ListKeys', true))).toBe(true);
    expect(isHiddenReadOnly(rec('LookupEvents', true))).toBe(false);
    expect(isHiddenReadOnly(rec('StopLogging', false))).toBe(false);
    expect(isHiddenReadOnly(rec('Getaway', true))).toBe(false);
  });

  it('a pattern asks for them with detail.readOnly [true], also inside $or', () => {
    expect(patternAsksForReadOnly({ detail: { readOnly: [true] } })).toBe(true);
    expect(patternAsksForReadOnly({ $or: [{ detail: { readOnly: [true] } }, { source: ['aws.s3'] }] })).toBe(true);
    expect(patternAsksForReadOnly({ detail: { readOnly: [false] } })).toBe(false);
    expect(patternAsksForReadOnly({ detail: { eventName: ['GetObject'] } })).toBe(false);
    expect(patternAsksForReadOnly({ detail: { x: { readOnly: [true] } } })).toBe(false);
  });
});
