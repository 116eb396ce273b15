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

/**
 * Texts for our own format checks. A schema names its check by id (`z.string().regex(re, { message:
 * FORMAT.username })`) and the words live here, in both languages — the one place a validation
 * problem becomes something a person reads. Never "Invalid format (regex)".
 */
export const FORMAT_TEXTS = {
  'format:username': {
    sv: 'Användarnamnet får inte innehålla mellanslag eller styrtecken.',
    en: 'A username may not contain spaces or control characters.',
  },
  'format:language': {
    sv: 'Ange ett språk som sv-SE eller en-US.',
    en: 'Give a language such as sv-SE or en-US.',
  },
  'format:guid': {
    sv: 'Ange ett GUID, till exempel 3f2504e0-4f89-11d3-9a0c-0305e82c3301.',
    en: 'Give a GUID, for example 3f2504e0-4f89-11d3-9a0c-0305e82c3301.',
  },
  'format:upn': {
    sv: 'Ange ett användarnamn i formen namn@exempel.se.',
    en: 'Give a user principal name such as name@example.com.',
  },
  'format:country': {
    sv: 'Välj ett land eller en region (två bokstäver, till exempel SE).',
    en: 'Choose a country or region (two letters, for example SE).',
  },
  'format:extension': {
    sv: 'En anknytning får bara innehålla siffror, *, #, komma (1 s paus) och w (0,5 s paus).',
    en: 'An extension may only contain digits, *, #, commas (1 s pause) and w (0.5 s pause).',
  },
  'format:pin': { sv: 'En PIN-kod är 4 till 12 siffror.', en: 'A PIN is 4 to 12 digits.' },
} as const satisfies Readonly<Record<string, { readonly sv: string; readonly en: string }>>;

export type FormatId = keyof typeof FORMAT_TEXTS;

/** The id a schema passes as the zod message of a format check. */
export const FORMAT: { readonly [K in FormatId as K extends `format:${infer N}` ? N : never]: K } = {
  username: 'format:username',
  language: 'format:language',
  guid: 'format:guid',
  upn: 'format:upn',
  country: 'format:country',
  extension: 'format:extension',
  pin: 'format:pin',
};

const TYPE_WORDS: Readonly<Record<string, { sv: string; en: string }>> = {
  string: { sv: 'text', en: 'text' },
  number: { sv: 'ett tal', en: 'a number' },
  int: { sv: 'ett heltal', en: 'a whole number' },
  boolean: { sv: 'sant eller falskt (true/false)', en: 'true or false' },
  object: { sv: 'ett objekt', en: 'an object' },
  array: { sv: 'en lista', en: 'a list' },
};

function limitText(issue: { minimum?: unknown; maximum?: unknown; origin?: unknown }, lang: Lang): string {
  const n = String(issue.minimum ?? issue.maximum);
  if (issue.origin === 'string') return lang === 'sv' ? `${n} tecken` : `${n} characters`;
  if (issue.origin === 'array') return lang === 'sv' ? `${n} st.` : `${n} items`;
  return n;
}

function messagesFor(issue: z.core.$ZodIssue, input: unknown): { code: string; sv: string; en: string } {
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return { code: 'required', sv: 'Måste fyllas i.', en: 'This is required.' };
      const w = TYPE_WORDS[issue.expected] ?? { sv: String(issue.expected), en: String(issue.expected) };
      return { code: 'invalid_type', sv: `Ska vara ${w.sv}.`, en: `Must be ${w.en}.` };
    }
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1)
        return { code: 'required', sv: 'Får inte vara tomt.', en: 'Must not be empty.' };
      return {
        code: 'too_small',
        sv:
          issue.origin === 'string' ? `För kort: minst ${limitText(issue, 'sv')}.` : `Minst ${limitText(issue, 'sv')}.`,
        en:
          issue.origin === 'string'
            ? `Too short: at least ${limitText(issue, 'en')}.`
            : `At least ${limitText(issue, 'en')}.`,
      };
    case 'too_big':
      return {
        code: 'too_big',
        sv:
          issue.origin === 'string'
            ? `För långt: högst ${limitText(issue, 'sv')}.`
            : `Högst ${limitText(issue, 'sv')}.`,
        en:
          issue.origin === 'string'
            ? `Too long: at most ${limitText(issue, 'en')}.`
            : `At most ${limitText(issue, 'en')}.`,
      };
    case 'invalid_value': {
      const list = issue.values.map(String).join(', ');
      return { code: 'invalid_value', sv: `Välj ett av: ${list}.`, en: `Choose one of: ${list}.` };
    }
    case 'invalid_format': {
      const own = Object.hasOwn(FORMAT_TEXTS, issue.message) ? FORMAT_TEXTS[issue.message as FormatId] : undefined;
      if (own) return { code: 'invalid_format', sv: own.sv, en: own.en };
      return { code: 'invalid_format', sv: 'Värdet har fel form.', en: 'The value is not in the expected form.' };
    }
    case 'unrecognized_keys':
      return {
        code: 'unknown_field',
        sv: `Okänt fält: ${issue.keys.join(', ')}. Ta bort det.`,
        en: `Unknown field: ${issue.keys.join(', ')}. Leave it out.`,
      };
    case 'custom': {
      // Our own refinements carry both texts in params.
      const p = (issue.params ?? {}) as { code?: string; sv?: string; en?: string };
      return { code: p.code ?? 'invalid', sv: p.sv ?? 'Ogiltigt värde.', en: p.en ?? issue.message };
    }
    default:
      return { code: issue.code, sv: 'Ogiltigt värde.', en: 'Invalid value.' };
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
