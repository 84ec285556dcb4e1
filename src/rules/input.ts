/**
 * What a target receives (PutTargets' Input / InputPath / InputTransformer, AWS semantics):
 * - nothing set: the whole event;
 * - `Input`: that JSON, as given;
 * - `InputPath`: the part of the event the path selects;
 * - `InputTransformer`: `InputPathsMap` names values of the event, `InputTemplate` places them
 *   as `<name>`. In a JSON template a placeholder inside quotes takes the value's text (JSON-escaped),
 *   outside quotes the value as JSON (`"RUNNING"` with its quotes, objects as objects); in a text
 *   template values go in as text. Predefined: `<aws.events.rule-arn>`, `<aws.events.rule-name>`,
 *   `<aws.events.event.ingestion-time>`, `<aws.events.event>` (the event without `detail`) and
 *   `<aws.events.event.json>` (the whole event). A path absent from the event gives `null` outside
 *   quotes and an empty string inside them.
 */
import { RuleError, validationError } from './errors.js';
import { compileJsonPath, evaluateJsonPath, type PathStep } from './json-path.js';
import type { InputTransformer, Target } from './model.js';

const VARIABLE_NAME = /^[A-Za-z0-9_-]+$/;
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;
const PREDEFINED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);
export const MAX_INPUT_PATHS = 100;
export const MAX_INPUT_TEMPLATE_LENGTH = 8192;

/** One piece of a template: literal text, or a placeholder and whether it sits inside a JSON string. */
type Piece = { text: string } | { name: string; quoted: boolean };

export interface CompiledTransformer {
  paths: Map<string, PathStep[]>;
  pieces: Piece[];
  json: boolean;
}

export interface InputContext {
  ruleArn: string;
  ruleName: string;
  ingestionTimeMs: number;
}

export function compileInputTransformer(it: InputTransformer, where: string): CompiledTransformer {
  if (typeof it !== 'object' || it === null || typeof it.InputTemplate !== 'string') {
    throw new RuleError('ValidationException', `${where}: InputTransformer needs an InputTemplate string.`);
  }
  if (it.InputTemplate.length > MAX_INPUT_TEMPLATE_LENGTH) {
    throw validationError(
      'inputTransformer.inputTemplate',
      `${it.InputTemplate.slice(0, 40)}…`,
      `Member must have length less than or equal to ${MAX_INPUT_TEMPLATE_LENGTH}`,
    );
  }
  const entries = Object.entries(it.InputPathsMap ?? {});
  if (entries.length > MAX_INPUT_PATHS) {
    throw new RuleError(
      'ValidationException',
      `${where}: InputPathsMap has ${entries.length} entries; at most ${MAX_INPUT_PATHS} are allowed.`,
    );
  }
  const paths = new Map<string, PathStep[]>();
  for (const [name, path] of entries) {
    if (!VARIABLE_NAME.test(name)) {
      throw new RuleError(
        'ValidationException',
        `${where}: InputPathsMap key ${JSON.stringify(name)} must consist of letters, digits, '_' and '-'.`,
      );
    }
    if (name.toLowerCase().startsWith('aws')) {
      throw new RuleError(
        'ValidationException',
        `${where}: InputPathsMap key ${name} is reserved: keys cannot start with "aws".`,
      );
    }
    if (typeof path !== 'string')
      throw new RuleError('ValidationException', `${where}: InputPathsMap.${name} must be a JSON path string.`);
    paths.set(name, compileJsonPath(path, `${where} InputPathsMap.${name}`));
  }
  const pieces = splitTemplate(it.InputTemplate);
  for (const p of pieces) {
    if ('name' in p && !paths.has(p.name) && !PREDEFINED.has(p.name)) {
      // AWS leaves an unknown placeholder as literal text; so do we (it is often HTML or XML).
      const i = pieces.indexOf(p);
      pieces[i] = { text: `<${p.name}>` };
    }
  }
  return { paths, pieces, json: it.InputTemplate.trimStart().startsWith('{') };
}

/** Splits a template into text and placeholders, noting which placeholders are inside a JSON string. */
function splitTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) pieces.push({ text: template.slice(last, m.index) });
    pieces.push({ name: m[1]!, quoted: insideString(template, m.index) });
    last = m.index + m[0].length;
  }
  if (last < template.length) pieces.push({ text: template.slice(last) });
  return pieces;
}

function insideString(text: string, end: number): boolean {
  let inside = false;
  for (let i = 0; i < end; i++) {
    const c = text[i];
    if (c === '\\' && inside) i++;
    else if (c === '"') inside = !inside;
  }
  return inside;
}

function withoutDetail(event: object): object {
  const { detail: _detail, ...rest } = event as Record<string, unknown>;
  return rest;
}

function placeholderValue(name: string, event: object, t: CompiledTransformer, ctx: InputContext): unknown {
  switch (name) {
    case 'aws.events.rule-arn':
      return ctx.ruleArn;
    case 'aws.events.rule-name':
      return ctx.ruleName;
    case 'aws.events.event.ingestion-time':
      return new Date(ctx.ingestionTimeMs).toISOString();
    case 'aws.events.event':
      return withoutDetail(event);
    case 'aws.events.event.json':
      return event;
    default:
      return evaluateJsonPath(event, t.paths.get(name)!);
  }
}

/** The template filled in for one event: a parsed JSON value when the result is JSON, else the text. */
export function applyTransformer(t: CompiledTransformer, event: object, ctx: InputContext): object | string {
  let out = '';
  for (const p of t.pieces) {
    if ('text' in p) {
      out += p.text;
      continue;
    }
    const v = placeholderValue(p.name, event, t, ctx);
    if (p.quoted) {
      const text = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
      out += JSON.stringify(text).slice(1, -1);
    } else if (t.json) {
      out += v === undefined ? 'null' : JSON.stringify(v);
    } else {
      out += v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  try {
    const parsed: unknown = JSON.parse(out);
    return typeof parsed === 'object' && parsed !== null ? parsed : typeof parsed === 'string' ? parsed : out;
  } catch {
    return out;
  }
}

/** A target with its paths and template compiled once, ready for the hot path. */
export interface CompiledTarget {
  target: Target;
  body(event: object, ctx: InputContext): object | string;
}

export function compileTarget(target: Target): CompiledTarget {
  if (target.Input !== undefined) {
    const fixed = JSON.parse(target.Input) as unknown;
    const body = typeof fixed === 'object' && fixed !== null ? fixed : String(fixed);
    return { target, body: () => body };
  }
  if (target.InputPath !== undefined) {
    const steps = compileJsonPath(target.InputPath, `Target ${target.Id} InputPath`);
    return {
      target,
      body: (event) => {
        const v = evaluateJsonPath(event, steps);
        if (v === undefined || v === null) return 'null';
        return typeof v === 'object' ? v : typeof v === 'string' ? v : JSON.stringify(v);
      },
    };
  }
  if (target.InputTransformer !== undefined) {
    const t = compileInputTransformer(target.InputTransformer, `Target ${target.Id}`);
    return { target, body: (event, ctx) => applyTransformer(t, event, ctx) };
  }
  return { target, body: (event) => event };
}
