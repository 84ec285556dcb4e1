/**
 * Loop protection. A rule loops when its target's own actions produce events the rule matches
 * again: a webhook that calls our API back creates self-audit events, which match, which call the
 * webhook… A match is attributed to the rule's target when the event's source IP is an address
 * of one of the rule's target endpoints (the receiver calling back from its own host); such
 * matches are counted per actor (identity + user agent) over a sliding window, and a rule whose
 * count reaches the threshold is paused. Matches from anyone else never count, so a busy rule
 * is not mistaken for a loop.
 */
export interface LoopGuardOptions {
  /** Sliding window, ms (default 60 s). */
  windowMs?: number;
  /** Target-caused matches from one actor within the window that pause the rule (default 20). */
  threshold?: number;
}

export interface LoopTrip {
  ruleArn: string;
  actor: string;
  userAgent: string;
  matches: number;
  windowMs: number;
}

export class LoopGuard {
  readonly windowMs: number;
  readonly threshold: number;
  /** rule ARN → actor key → match times (oldest first). */
  private readonly seen = new Map<string, Map<string, number[]>>();

  constructor(options: LoopGuardOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.threshold = options.threshold ?? 20;
    if (!(this.threshold >= 1)) throw new RangeError(`loop threshold must be at least 1, got ${this.threshold}`);
    if (!(this.windowMs >= 1)) throw new RangeError(`loop window must be at least 1 ms, got ${this.windowMs}`);
  }

  /** Counts one target-caused match; returns the trip when the rule has now reached the threshold. */
  record(ruleArn: string, actor: string, userAgent: string, atMs: number): LoopTrip | undefined {
    let byActor = this.seen.get(ruleArn);
    if (!byActor) this.seen.set(ruleArn, (byActor = new Map()));
    const key = `${actor}\n${userAgent}`;
    let times = byActor.get(key);
    if (!times) byActor.set(key, (times = []));
    times.push(atMs);
    const from = atMs - this.windowMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= from) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length < this.threshold) return undefined;
    this.seen.delete(ruleArn);
    return { ruleArn, actor, userAgent, matches: times.length, windowMs: this.windowMs };
  }

  /** Forgets a rule's counts (it was re-enabled or deleted). */
  forget(ruleArn: string): void {
    this.seen.delete(ruleArn);
  }
}

/** Who caused an event, as loop protection counts it. */
export function actorOf(record: {
  userIdentity?: { arn?: string; accessKeyId?: string; principalId?: string; type?: string };
}): string {
  const u = record.userIdentity;
  return u?.arn ?? u?.accessKeyId ?? u?.principalId ?? u?.type ?? 'unknown';
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one address. */
export function normalizeAddress(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
