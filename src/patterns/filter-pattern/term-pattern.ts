/**
 * Term patterns for unstructured messages (spec §7.2): `ERROR` (substring, case-sensitive),
 * `ERROR ARGUMENTS` (all), `?ERROR ?WARN` (any), `ERROR -Exiting` (exclude), `"exact phrase"`.
 * Unquoted terms may hold only alphanumerics and `_`, as CloudWatch requires.
 */
import { FilterPatternError } from '../errors.js';

export interface TermPattern {
  required: string[];
  anyOf: string[];
  excluded: string[];
}

const WORD = /^[A-Za-z0-9_]+$/;

export function parseTermPattern(text: string): TermPattern {
  const out: TermPattern = { required: [], anyOf: [], excluded: [] };
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    let kind: 'required' | 'anyOf' | 'excluded' = 'required';
    if (text[i] === '?' || text[i] === '-') {
      kind = text[i] === '?' ? 'anyOf' : 'excluded';
      i++;
    }
    let term: string;
    if (text[i] === '"') {
      const open = i;
      term = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
        term += text[i];
        i++;
      }
      if (i >= text.length) throw new FilterPatternError('expected the closing quote of the phrase', open + 1);
      i++;
      // A phrase of only spaces is no constraint: `""` and `" "` match every message.
      if (term.trim() === '') continue;
    } else {
      const wordStart = i;
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      term = text.slice(wordStart, i);
      if (term === '') throw new FilterPatternError(`expected a term after "${text[start]}"`, start + 1);
      if (!WORD.test(term)) {
        const bad = [...term].findIndex((ch) => !/[A-Za-z0-9_]/.test(ch));
        throw new FilterPatternError(
          `Invalid character(s) in term '${term}': terms with characters other than letters, digits and _ must be in double quotes`,
          wordStart + bad + 1,
        );
      }
    }
    out[kind].push(term);
  }
  return out;
}

export function matchTerms(p: TermPattern, message: string): boolean {
  for (const t of p.required) if (!message.includes(t)) return false;
  for (const t of p.excluded) if (message.includes(t)) return false;
  if (p.anyOf.length === 0) return true;
  for (const t of p.anyOf) if (message.includes(t)) return true;
  return false;
}

export function explainTerms(p: TermPattern, message: string, out: string[]): boolean {
  for (const t of p.required) out.push(`term ${JSON.stringify(t)}: ${message.includes(t) ? 'present' : 'missing'}`);
  for (const t of p.excluded) {
    out.push(
      `excluded term ${JSON.stringify(t)}: ${message.includes(t) ? 'present (excludes the message)' : 'absent'}`,
    );
  }
  if (p.anyOf.length > 0) {
    const hit = p.anyOf.filter((t) => message.includes(t));
    out.push(`any of ${JSON.stringify(p.anyOf)}: ${hit.length > 0 ? `found ${JSON.stringify(hit)}` : 'none present'}`);
  }
  return matchTerms(p, message);
}
