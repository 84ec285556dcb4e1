import { hash } from 'node:crypto';

/**
 * The idempotency index of the embedded log: the 128-bit MD5 of (recipientAccountId, eventID)
 * of every stored event, in an open-addressing hash table of 32-bit words, with the event's
 * seq beside each key (so LookupEvents by EventId is one probe, not a scan).
 *
 * Why not DuckDB's PRIMARY KEY: its ART index made an 800-row insert cost 85 µs a row against
 * 22 µs without it (measured, see docs/benchmarks.md), and small group commits are exactly
 * what concurrent ingest produces. 20 bytes a key and seq at ≤ 70 % load is ~29 bytes of memory
 * per stored event (10 M events ≈ 290 MB). A collision of two different events needs ~2^64 events.
 */
export class EventKeySet {
  private words: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap < initialCapacity) cap <<= 1;
    this.words = new Uint32Array(cap * SLOT);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The key of one event. */
  static keyOf(accountId: string, eventId: string): Buffer {
    // Length-prefixed, so no (account, id) pair can be spelled as another ("1\n2"+"x" vs "1"+"2\nx").
    return hash('md5', `${Buffer.byteLength(accountId)}:${accountId}\n${eventId}`, 'buffer');
  }

  has(key: Uint8Array): boolean {
    return this.find(key) >= 0;
  }

  /** Adds the key (with the seq of its event); false when it was already there. */
  add(key: Uint8Array, seq = 0): boolean {
    return this.addWords(readWord(key, 0), readWord(key, 4), readWord(key, 8), readWord(key, 12), seq);
  }

  /** The seq stored with a key, if the key is present. */
  seqOf(key: Uint8Array): number | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : this.words[slot * SLOT + 4];
  }

  /**
   * Adds keys given as concatenated hex MD5 digests with their seqs comma-separated, in the same
   * order (how the database hands them over).
   */
  addHex(hex: string, seqs: string): void {
    const buf = Buffer.from(hex, 'hex');
    const seqList = seqs.split(',');
    for (let o = 0, i = 0; o + 16 <= buf.length; o += 16, i++) {
      this.add(buf.subarray(o, o + 16), Number(seqList[i]));
    }
  }

  private find(key: Uint8Array): number {
    const a = readWord(key, 0);
    const b = readWord(key, 4);
    const c = readWord(key, 8);
    const d = readWord(key, 12);
    let slot = a & this.mask;
    const w = this.words;
    for (;;) {
      const i = slot * SLOT;
      if (w[i] === 0 && w[i + 1] === 0 && w[i + 2] === 0 && w[i + 3] === 0) return -1;
      if (w[i] === a && w[i + 1] === b && w[i + 2] === c && w[i + 3] === d) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private addWords(a: number, b: number, c: number, d: number, seq: number): boolean {
    if ((this.count + 1) * 10 > (this.mask + 1) * 7) this.grow();
    const w = this.words;
    let slot = a & this.mask;
    for (;;) {
      const i = slot * SLOT;
      if (w[i] === 0 && w[i + 1] === 0 && w[i + 2] === 0 && w[i + 3] === 0) {
        w[i] = a;
        w[i + 1] = b;
        w[i + 2] = c;
        w[i + 3] = d;
        w[i + 4] = seq;
        this.count++;
        return true;
      }
      if (w[i] === a && w[i + 1] === b && w[i + 2] === c && w[i + 3] === d) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.words;
    this.words = new Uint32Array(old.length * 2);
    this.mask = (this.mask << 1) | 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += SLOT) {
      if (old[i] !== 0 || old[i + 1] !== 0 || old[i + 2] !== 0 || old[i + 3] !== 0) {
        this.addWords(old[i]!, old[i + 1]!, old[i + 2]!, old[i + 3]!, old[i + 4]!);
      }
    }
  }
}

/** Words a slot: the 128-bit key, then the event's seq. */
const SLOT = 5;

function readWord(b: Uint8Array, o: number): number {
  // Unsigned, so it compares equal to what Uint32Array hands back.
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
