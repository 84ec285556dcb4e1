/**
 * Deciding a trail's selectors on the lookup columns the log stores with each event
 * (`RawLoggedEvent`), without parsing the record: parsing cost ~12 µs an event, more than
 * everything else delivery does on the main thread (bench/trail-delivery.ts).
 *
 * The columns stand in for the record only where they mean the same thing to the matcher, so
 * the answer is always the one the full record gives:
 * - selectors must read no field beyond eventCategory, eventSource, eventName and readOnly
 *   (basic selectors read resources only for data events, and only with DataResources);
 * - the column must hold the record's own value: the log fills eventSource and eventName of an
 *   Insights record from its insightDetails, and eventKind looks at eventType for Insights, so a
 *   record that mentions "nsight" anywhere (insightDetails, AwsCloudTrailInsight) is parsed; a
 *   column with U+FFFD may stand for a lone surrogate, and a missing category means eventKind
 *   would look at managementEvent: those are parsed too.
 */
import type { CloudTrailRecord } from '../../event/types.js';
import type { RawLoggedEvent } from '../../log/event-log.js';
import type { TrailSelectors } from '../selectors/index.js';

/** The record fields the columns can stand in for. */
const COLUMN_FIELDS: ReadonlySet<string> = new Set(['eventCategory', 'eventSource', 'eventName', 'readOnly']);

/** Marks the records whose columns may differ from the record's own fields (see above). */
const INSIGHT_MARK = Buffer.from('nsight', 'latin1');
const REPLACEMENT = '\uFFFD';

/**
 * How a trail's selectors are decided for one event: on the columns, or only on the parsed
 * record (`undefined`: the caller parses).
 */
export type ColumnMatcher = (event: RawLoggedEvent) => CloudTrailRecord | undefined;

/** The fields a stand-in record has; the matcher reads no others (see COLUMN_FIELDS). */
type ColumnRecord = Pick<CloudTrailRecord, 'eventCategory' | 'awsRegion' | 'eventSource' | 'eventName' | 'readOnly'>;

/**
 * A function that gives the stand-in record of an event when the selectors can be decided on
 * its columns, or undefined when that event must be parsed; undefined altogether when the
 * selectors need more than the columns for every event.
 */
export function columnMatcher(selectors: TrailSelectors): ColumnMatcher | undefined {
  let dataNeedsRecord = false;
  let needsNames = false;
  if (selectors.kind === 'basic') {
    // Data events are matched on their resources (ARNs, types), which only the record has.
    dataNeedsRecord = selectors.eventSelectors.some((s) => s.DataResources.some((d) => d.Values.length > 0));
  } else {
    for (const s of selectors.advancedEventSelectors) {
      for (const f of s.FieldSelectors) {
        if (!COLUMN_FIELDS.has(f.Field)) return undefined;
        if (f.Field === 'eventSource' || f.Field === 'eventName') needsNames = true;
      }
    }
  }
  return (event) => {
    const category = event.eventCategory;
    if (category === null || category.includes(REPLACEMENT)) return undefined;
    // The region names the file the event goes into.
    const region = event.awsRegion;
    if (region === null || region.includes(REPLACEMENT)) return undefined;
    if (dataNeedsRecord && category === 'Data') return undefined;
    const source = event.eventSource;
    const name = event.eventName;
    // Advanced selectors read a missing field as no value, a non-string one as its text: only
    // the record tells those apart.
    if (needsNames && (source === null || name === null)) return undefined;
    if (source !== null && source.includes(REPLACEMENT)) return undefined;
    if (name !== null && name.includes(REPLACEMENT)) return undefined;
    if (event.record.indexOf(INSIGHT_MARK) !== -1) return undefined;
    const record: ColumnRecord = { eventCategory: category, awsRegion: region };
    if (source !== null) record.eventSource = source;
    if (name !== null) record.eventName = name;
    if (event.readOnly !== null) record.readOnly = event.readOnly;
    // Not a whole record (no eventTime, eventVersion …), but all the selectors read of one.
    return record as CloudTrailRecord;
  };
}
