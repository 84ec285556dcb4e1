/**
 * Test helpers for the embedded (DuckDB) log and store: a real database file in a temporary
 * directory, the shared fixtures, a seeded PRNG and small record builders. No mocks.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import { normalizeRecord, type NormalizeContext } from '../../src/event/normalize.js';
import type { NormalizedEvent } from '../../src/event/types.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { DuckDBEventLog } from '../../src/log/duckdb/duckdb-event-log.js';
import { EmbeddedDatabase } from '../../src/store/duckdb/database.js';
import { DuckDBEventStore } from '../../src/store/duckdb/duckdb-event-store.js';

// The team's shared fixtures live beside the repository, on every machine and in CI.
export const FIXTURES_DIR = resolve(import.meta.dirname, '../../../shared/fixtures');
export const STRATUS_DIR = join(FIXTURES_DIR, 'stratus-red-team-detonation-logs');
export const DOCS_RECORDS = join(FIXTURES_DIR, 'aws-docs-cloudtrail-examples', 'records.json');

/** A fresh temporary directory (`$TMPDIR/ot-XXXXXX`). */
export function tempDir(): string {
  return mkdtempSync(os.tmpdir() + '/ot-');
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** One embedded database with its log, store and ingestor, all on the same file. */
export interface Embedded {
  dir: string;
  db: EmbeddedDatabase;
  log: DuckDBEventLog;
  store: DuckDBEventStore;
  ingestor: Ingestor;
  /** Closes the log, then the database (the directory stays). */
  close(): Promise<void>;
}

export async function openEmbedded(dir?: string): Promise<Embedded> {
  const ownDir = dir === undefined;
  const where = dir ?? tempDir();
  const db = await EmbeddedDatabase.open(where).catch((err: unknown) => {
    if (ownDir) removeDir(where);
    throw err;
  });
  let log: DuckDBEventLog;
  try {
    log = await DuckDBEventLog.open(db);
  } catch (err) {
    // Leave nothing behind when the log cannot open.
    await db.close();
    if (ownDir) removeDir(where);
    throw err;
  }
  const store = new DuckDBEventStore(db, log);
  const ingestor = new Ingestor(log);
  let closed = false;
  return {
    dir: where,
    db,
    log,
    store,
    ingestor,
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
      await log.close();
      await db.close();
    },
  };
}

/**
 * Embedded databases for the tests of one file: `open` them in a test, and after each test they
 * are closed and their directories removed. `keep` adds a directory made some other way (a child
 * process's). Call once, at the top level of the test file.
 */
export function embeddedPerTest(): { open(dir?: string): Promise<Embedded>; keep(dir: string): void } {
  const opened: Embedded[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const e of opened.splice(0)) await e.close();
    for (const d of dirs.splice(0)) removeDir(d);
  });
  return {
    async open(dir) {
      const e = await openEmbedded(dir);
      opened.push(e);
      if (!dirs.includes(e.dir)) dirs.push(e.dir);
      return e;
    },
    keep(dir) {
      if (!dirs.includes(dir)) dirs.push(dir);
    },
  };
}

export interface StratusFile {
  name: string;
  records: Record<string, unknown>[];
}

/** The 35 Stratus Red Team files (JSON arrays, 310 records), sorted by name. */
export function stratusFiles(): StratusFile[] {
  return readdirSync(STRATUS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({
      name,
      records: JSON.parse(readFileSync(join(STRATUS_DIR, name), 'utf8')) as Record<string, unknown>[],
    }));
}

export interface DocsEntry {
  source_doc: string;
  code_block: number;
  record_index: number | null;
  record: Record<string, unknown>;
}

/** The 23 records quoted in the CloudTrail User Guide. */
export function docsEntries(): DocsEntry[] {
  return JSON.parse(readFileSync(DOCS_RECORDS, 'utf8')) as DocsEntry[];
}

/** Every fixture record (Stratus first, then the docs), freshly parsed. */
export function allFixtureRecords(): Record<string, unknown>[] {
  return [...stratusFiles().flatMap((f) => f.records), ...docsEntries().map((e) => e.record)];
}

/** mulberry32: a small, fast, seeded PRNG (deterministic tests). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ACCOUNT_A = '111111111111';
export const ACCOUNT_B = '222222222222';

export const API_CTX: Omit<NormalizeContext, 'receivedAtMs'> = {
  accountId: ACCOUNT_A,
  region: 'us-east-1',
  profile: 'api',
  enforceRecipient: false,
};

/** A valid API-profile record; `overrides` replace or add fields. */
export function apiRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventSource: 'orders.example.com',
    eventName: 'CreateOrder',
    eventTime: '2024-05-01T12:00:00Z',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111111111111:user/alice',
      accountId: ACCOUNT_A,
      accessKeyId: 'AKIAEXAMPLE',
      userName: 'alice',
    },
    ...overrides,
  };
}

/** Normalises a record that must be valid (throws with the error otherwise). */
export function normalized(record: Record<string, unknown>, ctx: Partial<NormalizeContext> = {}): NormalizedEvent {
  const r = normalizeRecord(record, { ...API_CTX, receivedAtMs: Date.UTC(2024, 4, 1, 12), ...ctx });
  if (!r.ok) throw new Error(`fixture record is invalid: ${r.error.errorCode} ${r.error.errorMessage}`);
  return r.event;
}

/** Deep copy through JSON, the way records arrive (normaliseRecord mutates its input). */
export function jsonClone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
