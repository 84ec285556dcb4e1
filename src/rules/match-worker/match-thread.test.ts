import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEventPatterns } from '../../../bench/patterns.js';
import type { CloudTrailRecord } from '../../event/types.js';
import { CompiledRuleSet } from '../compiled-rules.js';
import type { Rule } from '../model.js';
import { matchEvent } from './match-events.js';
import { MatchThread } from './match-thread.js';

const STRATUS = join(import.meta.dirname, '../../../../shared/fixtures/stratus-red-team-detonation-logs');
const ACCOUNT = '123456789012';

function records(): CloudTrailRecord[] {
  return readdirSync(STRATUS)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(join(STRATUS, f), 'utf8')) as CloudTrailRecord[]);
}

function rules(patterns: object[]): { rule: Rule; targets: [] }[] {
  return patterns.map((p, i) => ({
    rule: {
      accountId: ACCOUNT,
      name: `r${i}`,
      arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/r${i}`,
      eventPattern: JSON.stringify(p),
      state: i % 7 === 3 ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
      createdAtMs: 0,
      updatedAtMs: 0,
    },
    targets: [],
  }));
}

const threads: MatchThread[] = [];
afterEach(async () => {
  while (threads.length) await threads.pop()!.close();
});

describe('MatchThread', () => {
  it('finds the same rules for every fixture record as matching on this thread does', async () => {
    const recs = records();
    const entries = rules([
      ...generateEventPatterns(recs, 60),
      { source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging', 'DeleteTrail'] } },
      { detail: { errorCode: [{ exists: true }] } },
    ]);
    const here = new CompiledRuleSet(entries);
    const thread = new MatchThread();
    threads.push(thread);
    thread.syncRules(ACCOUNT, 1, () => entries);
    const events = recs.map((r) => ({ accountId: ACCOUNT, json: JSON.stringify(r) }));
    const got = await thread.match(events);
    const want = events.map((e) => matchEvent(here, e.accountId, e.json));
    expect(got).toEqual(want);
    // The comparison means something: many records match some rule, and some match none.
    expect(want.filter((o) => Array.isArray(o)).length).toBeGreaterThan(recs.length / 4);
    expect(want.filter((o) => o === null).length).toBeGreaterThan(0);
  });

  it('answers per account, with the rules last synced; an unreadable record is an error, not a throw', async () => {
    const thread = new MatchThread();
    threads.push(thread);
    const stop = rules([{ detail: { eventName: ['StopLogging'] } }]);
    thread.syncRules(ACCOUNT, 1, () => stop);
    const event = JSON.stringify({ eventName: 'StopLogging', eventSource: 'cloudtrail.amazonaws.com' });
    expect(await thread.match([{ accountId: ACCOUNT, json: event }])).toEqual([[stop[0]!.rule.arn]]);
    // Same version: not sent again (the thread keeps the set it has).
    thread.syncRules(ACCOUNT, 1, () => {
      throw new Error('rules read although the thread has this version');
    });
    thread.syncRules(ACCOUNT, 2, () => []);
    const [noRules, otherAccount, broken] = await thread.match([
      { accountId: ACCOUNT, json: event },
      { accountId: '999999999999', json: event },
      { accountId: ACCOUNT, json: '{"eventName": ' },
    ]);
    expect(noRules).toBeNull();
    expect(otherAccount).toBeNull();
    expect(broken).toBeNull(); // no rules any more: not even parsed
    thread.syncRules(ACCOUNT, 3, () => stop);
    const [unreadable] = await thread.match([{ accountId: ACCOUNT, json: '{"eventName": ' }]);
    expect(unreadable).toEqual({ error: expect.stringMatching(/JSON/) });
  });

  it('a thread that dies fails the calls in flight and the ones after, with the reason', async () => {
    const thread = new MatchThread();
    threads.push(thread);
    thread.syncRules(ACCOUNT, 1, () => rules([{ source: ['aws.s3'] }]));
    expect(await thread.match([{ accountId: ACCOUNT, json: '{"eventSource":"s3.amazonaws.com"}' }])).toHaveLength(1);
    // What a crash looks like from outside: the thread exits on its own.
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(thread.match([{ accountId: ACCOUNT, json: '{}' }])).rejects.toThrow(
      /rules matching thread stopped \(exit code 1\)/,
    );
    expect(thread.failure?.message).toMatch(/exit code 1/);
  });
});
