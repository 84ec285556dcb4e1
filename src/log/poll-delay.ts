/**
 * When a consumer of the log polls next. Idle: after `idleMs`. A full batch: at once, there is a
 * backlog. A partial batch: after a short window, so that the next batch gathers what arrived
 * meanwhile — each batch ends in a committed cursor (a synced write on the database's one
 * writer), and under ingest a consumer polling back to back commits one for every few events.
 */
export const BATCH_WINDOW_MS = 100;

export function nextPollDelay(consumed: number, batchSize: number, idleMs = 200): number {
  if (consumed === 0) return idleMs;
  return consumed >= batchSize ? 0 : Math.min(BATCH_WINDOW_MS, idleMs);
}
