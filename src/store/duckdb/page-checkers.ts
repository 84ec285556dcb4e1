import { Worker } from 'node:worker_threads';
import type { CheckReply, CheckRequest, CheckedPageRecord, ReleaseRequest } from './page-check-protocol.js';

/** Threads started at most: pages whose records are not in the page cache wait side by side. */
export const PAGE_CHECKERS = 4;

const WORKER_URL = new URL(`./page-check-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * How a thread is started. Run from TypeScript sources (tsx, vitest), a worker needs the
 * TypeScript loader registered in its own thread before it imports its program; compiled, it
 * imports it directly.
 */
const BOOT = WORKER_URL.pathname.endsWith('.ts')
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); });`
  : `import(${JSON.stringify(WORKER_URL.href)});`;

interface Checker {
  worker: Worker;
  pending: number;
}

interface Waiting {
  checker: Checker;
  resolve: (hits: CheckedPageRecord[]) => void;
  reject: (err: Error) => void;
}

/**
 * The threads that read, parse and check a lookup page's candidate records (page-check-worker.ts),
 * shared by every store of the process. At 200+ lookups a second, parsing 50 records of ~1.5 KB
 * per page and checking them was the largest part of the event loop's work; here it runs beside
 * it, and the main thread receives only the records that answer, as text and summary. Idle
 * threads never keep the process alive; each is started on first need (it loads in ~0.5 s).
 */
export class PageCheckers {
  private readonly checkers: Checker[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;

  constructor(private readonly size = PAGE_CHECKERS) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`PageCheckers needs at least 1 thread; got ${size}`);
  }

  /** Starts every thread now (e.g. when the index becomes ready), so no lookup waits for one. */
  warm(): void {
    while (this.checkers.length < this.size) this.start();
  }

  check(request: Omit<CheckRequest, 'id'>): Promise<CheckedPageRecord[]> {
    if (request.specs.length === 0) return Promise.resolve([]);
    const checker = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { checker, resolve, reject });
      if (checker.pending++ === 0) checker.worker.ref();
      checker.worker.postMessage({ ...request, id } satisfies CheckRequest);
    });
  }

  /** A store is closed: every thread closes the files it opened for it. */
  release(owner: number): void {
    for (const c of this.checkers) c.worker.postMessage({ release: owner } satisfies ReleaseRequest);
  }

  private leastBusy(): Checker {
    let best: Checker | undefined;
    for (const c of this.checkers) if (!best || c.pending < best.pending) best = c;
    if (best && (best.pending === 0 || this.checkers.length >= this.size)) return best;
    return this.start();
  }

  private start(): Checker {
    const worker = new Worker(BOOT, { eval: true });
    worker.unref();
    const checker: Checker = { worker, pending: 0 };
    worker.on('message', (m: CheckReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      // An idle thread must not keep the process alive.
      if (--checker.pending === 0) worker.unref();
      if ('error' in m) w.reject(new Error(`checking a lookup page's records failed: ${m.error}`));
      else {
        const quoted = Buffer.from(m.quoted);
        w.resolve(
          m.hits.map((h) => ({
            index: h.index,
            timeMs: h.timeMs,
            json: h.json,
            summary: h.summary,
            quoted: quoted.subarray(h.quotedStart, h.quotedEnd),
          })),
        );
      }
    });
    // A thread that fails fails what it was asked; the next page starts a new one.
    worker.on('error', (err) => this.lost(checker, err));
    worker.on('exit', (code) => this.lost(checker, new Error(`a page-check thread exited with code ${code}`)));
    this.checkers.push(checker);
    return checker;
  }

  private lost(checker: Checker, err: Error): void {
    const i = this.checkers.indexOf(checker);
    if (i < 0) return;
    this.checkers.splice(i, 1);
    for (const [id, w] of [...this.waiting]) {
      if (w.checker === checker) {
        this.waiting.delete(id);
        w.reject(new Error(`a page-check thread stopped: ${err.message}`));
      }
    }
  }
}

/** The process's page checkers. */
export const pageCheckers = new PageCheckers();
