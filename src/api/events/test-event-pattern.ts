/**
 * TestEventPattern: does a pattern match an event. The event must carry the envelope members
 * AWS requires (id, account, source, time, region, resources, detail-type), as AWS checks.
 */
import { RuleError } from '../../rules/index.js';
import { checkEventPattern } from '../../rules/model.js';
import { compileEventPattern } from '../../patterns/index.js';
import type { JsonOperation } from '../json-service.js';
import { str } from './members.js';

const REQUIRED = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'] as const;

export const testEventPattern: JsonOperation = {
  name: 'TestEventPattern',
  readOnly: true,
  async handle(input) {
    const pattern = checkEventPattern(str(input, 'EventPattern', true));
    const text = str(input, 'Event', true);
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (err) {
      throw new RuleError('ValidationException', `Parameter Event is not valid: ${(err as Error).message}.`);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new RuleError('ValidationException', 'Parameter Event is not valid: expected a JSON object.');
    }
    for (const m of REQUIRED) {
      if (!(m in event))
        throw new RuleError('ValidationException', `Parameter Event is not valid: the event has no ${m} member.`);
    }
    return { Result: compileEventPattern(pattern).matches(event) };
  },
};
