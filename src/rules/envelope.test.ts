import { describe, expect, it } from 'vitest';
import { allFixtureRecords } from '../../test/helpers/embedded.js';
import type { CloudTrailRecord } from '../event/types.js';
import { cloudTrailEnvelope } from '../patterns/index.js';
import { lazyEnvelope, materialize } from './envelope.js';

describe('lazyEnvelope', () => {
  it('equals cloudTrailEnvelope for every fixture record, id included', () => {
    const records = allFixtureRecords() as unknown as CloudTrailRecord[];
    expect(records.length).toBeGreaterThan(300);
    for (const r of records) {
      expect(materialize(lazyEnvelope(r, '999999999999'))).toEqual(cloudTrailEnvelope(r, { account: '999999999999' }));
    }
    const odd = { ...records[0]!, eventTime: '2024-05-01T12:00:00.123Z' };
    expect(lazyEnvelope(odd, '1').time).toBe('2024-05-01T12:00:00Z');
  });
});
