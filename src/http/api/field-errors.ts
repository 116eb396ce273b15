/**
 * Request validation errors as the API returns them (422): one entry per field, with the message in
 * Swedish and English, so a portal can show it next to the input without its own translations.
 */
import type { z } from 'zod';

export type Lang = 'sv' | 'en';

export interface FieldError {
  /** Dotted path inside the body/query/params, e.g. `number` or `users.3.extension`. */
  readonly field: string;
  /** Machine-readable: `required`, `too_short`, `invalid_value`, a policy reason code … */
  readonly code: string;
  /** In the request's language (Accept-Language). */
  readonly message: string;
  readonly messages: { readonly sv: string; readonly en: string };
}

export function fieldError(field: string, code: string, messages: { sv: string; en: string }, lang: Lang): FieldError {
  return { field, code, message: messages[lang], messages };
}

/** Accept-Language → the language our texts exist in (Swedish if preferred, else English). */
export function requestLanguage(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('sv')) return 'sv';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function describeLimit(issue: { minimum?: unknown; maximum?: unknown; origin?: unknown }, lang: Lang): string {
  const n = String(issue.minimum ?? issue.maximum);
  if (issue.origin === 'string') return lang === 'sv' ? `${n} tecken` : `${n} characters`;
  if (issue.origin === 'array') return lang === 'sv' ? `${n} element` : `${n} items`;
  return n;
}

function messagesFor(issue: z.core.$ZodIssue, input: unknown): { code: string; sv: string; en: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return { code: 'required', sv: 'Måste anges.', en: 'Is required.' };
      return {
        code: 'invalid_type',
        sv: `Fel typ: ska vara ${issue.expected}.`,
        en: `Wrong type: expected ${issue.expected}.`,
      };
    case 'too_small':
      return {
        code: 'too_small',
        sv: `För kort eller för litet: minst ${describeLimit(issue, 'sv')}.`,
        en: `Too short or too small: at least ${describeLimit(issue, 'en')}.`,
      };
    case 'too_big':
      return {
        code: 'too_big',
        sv: `För långt eller för stort: högst ${describeLimit(issue, 'sv')}.`,
        en: `Too long or too large: at most ${describeLimit(issue, 'en')}.`,
      };
    case 'invalid_value': {
      const list = issue.values.map(String).join(', ');
      return {
        code: 'invalid_value',
        sv: `Ogiltigt värde: välj en av ${list}.`,
        en: `Invalid value: use one of ${list}.`,
      };
    }
    case 'invalid_format':
      return {
        code: 'invalid_format',
        sv: `Ogiltigt format (${issue.format}).`,
        en: `Invalid format (${issue.format}).`,
      };
    case 'unrecognized_keys':
      return {
        code: 'unknown_field',
        sv: `Okänt fält: ${issue.keys.join(', ')}.`,
        en: `Unknown field: ${issue.keys.join(', ')}.`,
      };
    case 'custom': {
      // Our own refinements carry both texts in params.
      const p = (issue.params ?? {}) as { code?: string; sv?: string; en?: string };
      return { code: p.code ?? 'invalid', sv: p.sv ?? issue.message, en: p.en ?? issue.message };
    }
    default:
      return { code: issue.code, sv: 'Ogiltigt värde.', en: issue.message };
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

export function zodFieldErrors(error: z.ZodError, input: unknown, lang: Lang, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const { code, sv, en } = messagesFor(issue, valueAt(input, issue.path));
    const path = issue.path.map(String).join('.');
    const field = issue.code === 'unrecognized_keys' ? [path, issue.keys[0]].filter(Boolean).join('.') : path;
    return fieldError(prefix && field ? `${prefix}.${field}` : prefix || field, code, { sv, en }, lang);
  });
}
