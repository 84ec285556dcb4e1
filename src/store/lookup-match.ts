import { lookupAttributesOf } from '../event/attributes.js';
import type { CloudTrailRecord } from '../event/types.js';
import type { LookupQuery } from './event-store.js';

/** DuckDB stores text as UTF-8, where a lone surrogate becomes U+FFFD; comparisons here do alike. */
function text(v: string | null): string | null {
  return v === null || v.isWellFormed() ? v : v.toWellFormed();
}

/**
 * Whether a stored record answers a lookup: the same conditions, with the same meaning, as the
 * SQL filters of the DuckDB store (account, every attribute, the time range and the Insights
 * class), evaluated on the record itself. Stores that read records from elsewhere than SQL use
 * it to check the candidates an index proposes.
 */
export function matchesLookup(record: CloudTrailRecord, eventTimeMs: number, q: LookupQuery): boolean {
  if (record.recipientAccountId !== q.accountId) return false;
  if (q.startTimeMs !== undefined && eventTimeMs < q.startTimeMs) return false;
  if (q.endTimeMs !== undefined && eventTimeMs > q.endTimeMs) return false;
  const a = lookupAttributesOf(record);
  if ((q.eventCategory === 'insight') !== (a.eventCategory === 'Insight')) return false;
  for (const { key, value } of q.attributes) {
    const want = text(value);
    switch (key) {
      case 'EventId':
        if (text(record.eventID) !== want) return false;
        break;
      case 'EventName':
        if (text(a.eventName) !== want) return false;
        break;
      case 'EventSource':
        if (text(a.eventSource) !== want) return false;
        break;
      case 'Username':
        if (text(a.username) !== want) return false;
        break;
      case 'AccessKeyId':
        if (text(a.accessKeyId) !== want) return false;
        break;
      case 'ReadOnly':
        if (a.readOnly === null || a.readOnly !== (value.toLowerCase() === 'true')) return false;
        break;
      case 'ResourceType':
        if (!a.resourceTypes.some((t) => text(t) === want)) return false;
        break;
      case 'ResourceName':
        if (!a.resourceNames.some((n) => text(n) === want)) return false;
        break;
    }
  }
  return true;
}
