import type { AppContext, Caller } from '../context.js';

/** One CloudTrail API operation; each lives in its own file under operations/. */
export interface Operation {
  name: string;
  /** Read-only operations are recorded with readOnly true by the self-audit. */
  readOnly: boolean;
  handle(input: Record<string, unknown>, call: { ctx: AppContext; caller: Caller }): Promise<Record<string, unknown>>;
}
