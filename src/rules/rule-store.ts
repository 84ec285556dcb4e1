/**
 * Rules and their targets, persisted in the embedded database (tables `rules` and
 * `rule_targets`) and mirrored in memory: rules are few and read on every event, so the
 * consumer reads them from memory; every change is written first, then applied to the mirror,
 * and bumps the account's version so compiled rule sets know when to rebuild.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { RuleError } from './errors.js';
import {
  checkEventBus,
  checkEventPattern,
  checkRuleName,
  checkState,
  MAX_TARGETS_PER_RULE,
  ruleArn,
  targetProblem,
  type Rule,
  type RulePause,
  type RuleState,
  type Target,
} from './model.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS rules (
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    arn VARCHAR NOT NULL,
    event_pattern VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    description VARCHAR,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    paused_at BIGINT,
    paused_reason VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS rule_targets (
    account_id VARCHAR NOT NULL,
    rule_name VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    position INTEGER NOT NULL
  )`,
];

export interface PutRuleInput {
  Name?: unknown;
  EventPattern?: unknown;
  State?: unknown;
  Description?: unknown;
  EventBusName?: unknown;
  ScheduleExpression?: unknown;
}

export interface FailedTargetEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

async function inTransaction(w: DuckDBConnection, fn: () => Promise<void>): Promise<void> {
  await w.run('BEGIN TRANSACTION');
  try {
    await fn();
    await w.run('COMMIT');
  } catch (err) {
    await w.run('ROLLBACK');
    throw err;
  }
}

interface Held {
  rule: Rule;
  targets: Target[];
}

export class RuleStore {
  private readonly accounts = new Map<string, Map<string, Held>>();
  private readonly versions = new Map<string, number>();

  private constructor(
    private readonly db: EmbeddedDatabase,
    readonly region: string,
    private readonly now: () => number,
  ) {}

  static async open(db: EmbeddedDatabase, region: string, now: () => number = Date.now): Promise<RuleStore> {
    await db.write(async (w) => {
      for (const s of SCHEMA) await w.run(s);
    });
    const store = new RuleStore(db, region, now);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    const rules = await this.db.read((c) =>
      c.runAndReadAll(
        'SELECT account_id, name, arn, event_pattern, state, description, created_at, updated_at, paused_at, paused_reason FROM rules',
      ),
    );
    for (const r of rules.getRows()) {
      const rule: Rule = {
        accountId: String(r[0]),
        name: String(r[1]),
        arn: String(r[2]),
        eventPattern: String(r[3]),
        state: String(r[4]) as RuleState,
        ...(r[5] !== null ? { description: String(r[5]) } : {}),
        createdAtMs: Number(r[6]),
        updatedAtMs: Number(r[7]),
        ...(r[8] !== null ? { paused: { atMs: Number(r[8]), reason: String(r[9]) } } : {}),
      };
      this.account(rule.accountId).set(rule.name, { rule, targets: [] });
    }
    const targets = await this.db.read((c) =>
      c.runAndReadAll('SELECT account_id, rule_name, target FROM rule_targets ORDER BY position'),
    );
    for (const t of targets.getRows()) {
      this.accounts
        .get(String(t[0]))
        ?.get(String(t[1]))
        ?.targets.push(JSON.parse(String(t[2])) as Target);
    }
  }

  private account(accountId: string): Map<string, Held> {
    let m = this.accounts.get(accountId);
    if (!m) this.accounts.set(accountId, (m = new Map()));
    return m;
  }

  private bump(accountId: string): void {
    this.versions.set(accountId, (this.versions.get(accountId) ?? 0) + 1);
  }

  /** Changes whenever a rule or target of the account changes. */
  version(accountId: string): number {
    return this.versions.get(accountId) ?? 0;
  }

  private held(accountId: string, name: unknown): Held {
    const n = checkRuleName(name);
    const h = this.accounts.get(accountId)?.get(n);
    if (!h) throw new RuleError('ResourceNotFoundException', `Rule ${n} does not exist on EventBus default.`);
    return h;
  }

  /** PutRule: creates the rule, or replaces pattern, state and description of an existing one. */
  async putRule(accountId: string, input: PutRuleInput): Promise<Rule> {
    const name = checkRuleName(input.Name);
    checkEventBus(input.EventBusName, this.region, accountId);
    if (input.ScheduleExpression !== undefined && input.ScheduleExpression !== null) {
      throw new RuleError(
        'ValidationException',
        'ScheduleExpression is not supported: OpenTrail rules match events only.',
      );
    }
    const state = checkState(input.State);
    const eventPattern = checkEventPattern(input.EventPattern);
    if (input.Description !== undefined && (typeof input.Description !== 'string' || input.Description.length > 512)) {
      throw new RuleError('ValidationException', 'Description must be a string of at most 512 characters.');
    }
    const at = this.now();
    const existing = this.accounts.get(accountId)?.get(name);
    const rule: Rule = {
      accountId,
      name,
      arn: ruleArn(this.region, accountId, name),
      eventPattern,
      state,
      ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
      createdAtMs: existing?.rule.createdAtMs ?? at,
      updatedAtMs: at,
    };
    await this.db.write((w) =>
      inTransaction(w, async () => {
        await w.run('DELETE FROM rules WHERE account_id = $a AND name = $n', { a: accountId, n: name });
        await w.run('INSERT INTO rules VALUES ($a, $n, $arn, $p, $s, $d, $c, $u, NULL, NULL)', {
          a: accountId,
          n: name,
          arn: rule.arn,
          p: eventPattern,
          s: state,
          d: rule.description ?? null,
          c: rule.createdAtMs,
          u: at,
        });
      }),
    );
    this.account(accountId).set(name, { rule, targets: existing?.targets ?? [] });
    this.bump(accountId);
    return rule;
  }

  describeRule(accountId: string, name: unknown): Rule {
    return this.held(accountId, name).rule;
  }

  listRules(accountId: string, namePrefix?: string): Rule[] {
    const all = [...(this.accounts.get(accountId)?.values() ?? [])].map((h) => h.rule);
    return all.filter((r) => !namePrefix || r.name.startsWith(namePrefix)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** AWS refuses to delete a rule with targets unless forced. */
  async deleteRule(accountId: string, name: unknown, force = false): Promise<void> {
    const n = checkRuleName(name);
    const h = this.accounts.get(accountId)?.get(n);
    if (!h) return; // DeleteRule of a missing rule succeeds on AWS
    if (h.targets.length > 0 && !force) {
      throw new RuleError('ValidationException', "Rule can't be deleted since it has targets.");
    }
    await this.db.write((w) =>
      inTransaction(w, async () => {
        await w.run('DELETE FROM rule_targets WHERE account_id = $a AND rule_name = $n', { a: accountId, n });
        await w.run('DELETE FROM rules WHERE account_id = $a AND name = $n', { a: accountId, n });
      }),
    );
    this.accounts.get(accountId)?.delete(n);
    this.bump(accountId);
  }

  /** EnableRule / DisableRule; enabling also lifts a loop-protection pause. */
  async setState(accountId: string, name: unknown, state: RuleState): Promise<Rule> {
    const h = this.held(accountId, name);
    const at = this.now();
    await this.db.write((w) =>
      w.run(
        'UPDATE rules SET state = $s, updated_at = $u, paused_at = NULL, paused_reason = NULL WHERE account_id = $a AND name = $n',
        { s: state, u: at, a: accountId, n: h.rule.name },
      ),
    );
    const { paused: _paused, ...rest } = h.rule;
    h.rule = { ...rest, state, updatedAtMs: at };
    this.bump(accountId);
    return h.rule;
  }

  /** Loop protection: the rule stops matching until EnableRule (or PutRule) is called. */
  async pause(accountId: string, name: string, pause: RulePause): Promise<Rule> {
    const h = this.held(accountId, name);
    await this.db.write((w) =>
      w.run('UPDATE rules SET paused_at = $t, paused_reason = $r WHERE account_id = $a AND name = $n', {
        t: pause.atMs,
        r: pause.reason,
        a: accountId,
        n: h.rule.name,
      }),
    );
    h.rule = { ...h.rule, paused: pause };
    this.bump(accountId);
    return h.rule;
  }

  /** PutTargets: adds or replaces targets by Id; per-entry problems come back as FailedEntries, as on AWS. */
  async putTargets(accountId: string, ruleName: unknown, targets: readonly Target[]): Promise<FailedTargetEntry[]> {
    const h = this.held(accountId, ruleName);
    const failed: FailedTargetEntry[] = [];
    const next = [...h.targets];
    for (const t of targets) {
      const problem = targetProblem(t, accountId);
      if (problem) {
        failed.push({ TargetId: t.Id, ...problem });
        continue;
      }
      const i = next.findIndex((x) => x.Id === t.Id);
      if (i >= 0) next[i] = t;
      else next.push(t);
    }
    if (next.length > MAX_TARGETS_PER_RULE) {
      throw new RuleError(
        'LimitExceededException',
        `The requested resource exceeds the maximum number allowed: rule ${h.rule.name} would have ${next.length} targets (at most ${MAX_TARGETS_PER_RULE}).`,
      );
    }
    await this.writeTargets(accountId, h.rule.name, next);
    h.targets = next;
    this.bump(accountId);
    return failed;
  }

  async removeTargets(accountId: string, ruleName: unknown, ids: readonly string[]): Promise<FailedTargetEntry[]> {
    const h = this.held(accountId, ruleName);
    const next = h.targets.filter((t) => !ids.includes(t.Id));
    await this.writeTargets(accountId, h.rule.name, next);
    h.targets = next;
    this.bump(accountId);
    return [];
  }

  private async writeTargets(accountId: string, ruleName: string, targets: readonly Target[]): Promise<void> {
    await this.db.write((w) =>
      inTransaction(w, async () => {
        await w.run('DELETE FROM rule_targets WHERE account_id = $a AND rule_name = $n', { a: accountId, n: ruleName });
        for (const [i, t] of targets.entries()) {
          await w.run('INSERT INTO rule_targets VALUES ($a, $n, $id, $t, $p)', {
            a: accountId,
            n: ruleName,
            id: t.Id,
            t: JSON.stringify(t),
            p: i,
          });
        }
      }),
    );
  }

  listTargets(accountId: string, ruleName: unknown): Target[] {
    return [...this.held(accountId, ruleName).targets];
  }

  /** Every rule of the account with its targets (what a CompiledRuleSet is built from). */
  entries(accountId: string): { rule: Rule; targets: Target[] }[] {
    return [...(this.accounts.get(accountId)?.values() ?? [])].map((h) => ({ rule: h.rule, targets: [...h.targets] }));
  }

  /** The rules naming `arn` as a target (a channel deleted while still in use, for example). */
  rulesTargeting(accountId: string, arn: string): Rule[] {
    return [...(this.accounts.get(accountId)?.values() ?? [])]
      .filter((h) => h.targets.some((t) => t.Arn === arn))
      .map((h) => h.rule);
  }
}
