import type { EventError, NormalizedEvent } from '../event/types.js';
import { normalizeRecord, type NormalizeContext } from '../event/normalize.js';
import type { EventLog } from '../log/event-log.js';

export type IngestResult =
  | { ok: true; eventId: string; accountId: string; status: 'stored' | 'duplicate'; seq: number }
  | ({ ok: false } & EventError);

export interface IngestCounters {
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

/**
 * The one path every receiver uses: normalise each record, append the valid ones as one batch,
 * and answer per event in the caller's order. Invalid events never block valid ones, and a
 * result says `stored` only after the log has made the event durable.
 */
export class Ingestor {
  private readonly stats: IngestCounters = { received: 0, stored: 0, duplicates: 0, rejected: 0 };

  constructor(private readonly log: EventLog) {}

  async ingest(records: readonly unknown[], ctx: Omit<NormalizeContext, 'receivedAtMs'>): Promise<IngestResult[]> {
    const receivedAtMs = Date.now();
    const results: (IngestResult | undefined)[] = new Array(records.length);
    const valid: NormalizedEvent[] = [];
    const positions: number[] = [];
    const full = { ...ctx, receivedAtMs };
    for (let i = 0; i < records.length; i++) {
      const r = normalizeRecord(records[i], full);
      if (r.ok) {
        valid.push(r.event);
        positions.push(i);
      } else {
        results[i] = { ok: false, ...r.error };
      }
    }
    return this.finish(valid, positions, results, receivedAtMs);
  }

  /**
   * Appends events that were normalised elsewhere (a PutAuditEvents mapping, the import's worker
   * threads); `rejected` counts the records of the same call that normalisation refused there.
   */
  async appendNormalized(events: NormalizedEvent[], receivedAtMs: number, rejected = 0): Promise<IngestResult[]> {
    this.stats.received += rejected;
    this.stats.rejected += rejected;
    return this.finish(events, undefined, new Array(events.length), receivedAtMs);
  }

  /** `positions[j]`: where valid[j] answers in `results` (undefined: at j). */
  private async finish(
    valid: NormalizedEvent[],
    positions: number[] | undefined,
    results: (IngestResult | undefined)[],
    receivedAtMs: number,
  ): Promise<IngestResult[]> {
    const outcomes = await this.log.append(valid, receivedAtMs);
    for (let j = 0; j < outcomes.length; j++) {
      const e = valid[j]!;
      const o = outcomes[j]!;
      results[positions ? positions[j]! : j] = {
        ok: true,
        eventId: e.eventId,
        accountId: e.accountId,
        status: o.status,
        seq: o.seq,
      };
    }
    const done = results as IngestResult[];
    this.stats.received += done.length;
    for (const r of done) {
      if (!r.ok) this.stats.rejected++;
      else if (r.status === 'stored') this.stats.stored++;
      else this.stats.duplicates++;
    }
    return done;
  }

  counters(): IngestCounters {
    return { ...this.stats };
  }
}
