/**
 * Applies the config file's declarations to the embedded runtime, before `serve` listens.
 * First every declaration of every account is checked with the APIs' validators (references
 * standing for ARNs of the right form), and all problems are reported together, so a bad file
 * writes nothing. Then each account is created if new and its declarations applied in the
 * order of DECLARATION_KINDS; what is already stored as declared is not touched, and resources
 * the file does not name are left alone. A problem only the stored state reveals (a missing log
 * group, a reference to a channel that does not exist) stops applying there: what was applied
 * before it stays, and a restart with the file fixed carries on.
 */
import { ConfigFileError, type ConfigFile } from '../../config/config-file.js';
import { DECLARATION_KINDS, type DeclarationKind } from '../../config/declaration-shapes.js';
import type { KeyProblem } from '../../config/json-keys.js';
import type { EmbeddedRuntime } from '../runtime.js';
import { declarationErrorFrom } from './declaration-error.js';
import { alarmDeclarations, metricFilterDeclarations } from './monitor-declarations.js';
import { apiDestinationDeclarations, channelDeclarations, connectionDeclarations } from './notify-declarations.js';
import { placeholderRefs, storedRefs } from './refs.js';
import { ruleDeclarations } from './rule-declarations.js';
import { configCaller, type AccountScope, type DeclarationHandler, type Outcome } from './scope.js';
import { trailDeclarations } from './trail-declarations.js';

const HANDLERS: Record<DeclarationKind, DeclarationHandler> = {
  connections: connectionDeclarations,
  apiDestinations: apiDestinationDeclarations,
  channels: channelDeclarations,
  trails: trailDeclarations,
  metricFilters: metricFilterDeclarations,
  alarms: alarmDeclarations,
  rules: ruleDeclarations,
};

const KINDS = Object.keys(DECLARATION_KINDS) as DeclarationKind[];

export interface AppliedDeclaration {
  accountId: string;
  kind: DeclarationKind;
  /** The declaration's JSON path in the file. */
  path: string;
  /** What identifies it (its name; a metric filter's `<logGroupName>/<filterName>`). */
  name: string;
  outcome: Outcome;
}

function nameOf(kind: DeclarationKind, value: Record<string, unknown>): string {
  return DECLARATION_KINDS[kind].identity.map((m) => String(value[m])).join('/');
}

/** Checks every declaration; throws one ConfigFileError listing every problem. */
export async function checkDeclarations(rt: EmbeddedRuntime, config: ConfigFile): Promise<void> {
  const problems: KeyProblem[] = [];
  for (const account of config.accounts) {
    const scope: AccountScope = {
      rt,
      accountId: account.accountId,
      caller: configCaller(account.accountId),
      refs: placeholderRefs(rt.region, account.accountId),
    };
    for (const kind of KINDS) {
      for (const d of account[kind]) {
        try {
          await HANDLERS[kind].check(d, scope);
        } catch (err) {
          const e = declarationErrorFrom(err, d.path, d.value);
          problems.push({ path: e.path, message: e.message });
        }
      }
    }
  }
  if (problems.length > 0) throw new ConfigFileError(config.file, problems);
}

/** Checks, then applies; returns what happened to each declaration, in the order applied. */
export async function applyDeclarations(rt: EmbeddedRuntime, config: ConfigFile): Promise<AppliedDeclaration[]> {
  await checkDeclarations(rt, config);
  const applied: AppliedDeclaration[] = [];
  for (const account of config.accounts) {
    await rt.keys.ensureAccount(account.accountId);
    const scope: AccountScope = {
      rt,
      accountId: account.accountId,
      caller: configCaller(account.accountId),
      refs: storedRefs(rt.detect.notify, account.accountId),
    };
    for (const kind of KINDS) {
      for (const d of account[kind]) {
        let outcome: Outcome;
        try {
          outcome = await HANDLERS[kind].apply(d, scope);
        } catch (err) {
          const e = declarationErrorFrom(err, d.path, d.value);
          throw new ConfigFileError(config.file, [{ path: e.path, message: e.message }]);
        }
        applied.push({ accountId: account.accountId, kind, path: d.path, name: nameOf(kind, d.value), outcome });
      }
    }
  }
  return applied;
}
