/** The matching thread's message loop (see pool.ts). */
import { parentPort } from 'node:worker_threads';
import { CompiledRuleSet } from '../compiled-rules.js';
import { matchEvent } from './match-events.js';
import type { MatchReply, MatchRequest } from './protocol.js';

const sets = new Map<string, CompiledRuleSet>();

parentPort!.on('message', (m: MatchRequest) => {
  if (m.kind === 'rules') {
    sets.set(m.accountId, new CompiledRuleSet(m.entries));
    return;
  }
  const reply: MatchReply = {
    id: m.id,
    outcomes: m.events.map((e) => matchEvent(sets.get(e.accountId), e.accountId, e.json)),
  };
  parentPort!.postMessage(reply);
});
