/**
 * The one rule for usernames and display names, used by the API, the web UI and the CSV import (CLI).
 *
 * Usernames are what a person or an IdP types to find a user, so two usernames must never LOOK the
 * same: they are NFKC-normalised (full-width letters, ligatures and compatibility forms fold to their
 * plain form) and refused when they hold anything invisible or deceptive — control and format
 * characters (bidi overrides and isolates, zero-width space/joiners, BOM), other blank-looking
 * characters (Hangul fillers, variation selectors…), whitespace, letters from more than one script
 * (the Unicode TS #39 "highly restrictive" level: Latin may mix with Han+Kana or Han+Hangul only, so
 * "pаypal" with a Cyrillic "а" is refused), and names written wholly in Cyrillic or Greek letters
 * that all look like Latin ones ("асе"). Display names only need to be safe to show: no control
 * characters and no bidi controls that would reorder the text around them.
 */
import type { Localized } from './language';

export const USERNAME_MAX_LENGTH = 200;
export const DISPLAY_NAME_MAX_LENGTH = 200;

export type IdentityTextCode =
  | 'required'
  | 'too-long'
  | 'control-character'
  | 'invisible-character'
  | 'bidi-control'
  | 'whitespace'
  | 'mixed-script'
  | 'confusable';

export interface IdentityTextProblem {
  readonly code: IdentityTextCode;
  readonly message: Localized;
}

export type Checked = { readonly ok: true; readonly value: string } | ({ readonly ok: false } & IdentityTextProblem);

const CONTROL = /\p{Cc}/u;
/** Bidi embeddings/overrides/isolates and marks (all are also format characters). */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Format characters (zero-width space/joiners, BOM, soft hyphen, tags…) and line/paragraph separators. */
const FORMAT = /[\p{Cf}\p{Zl}\p{Zp}]/u;
/** Characters that render blank but are letters or marks: Hangul fillers, braille blank, CGJ, Khmer inherent vowels, variation selectors. */
const BLANK_LOOKING_POINTS: readonly (readonly [number, number])[] = [
  [0x115f, 0x1160],
  [0x3164, 0x3164],
  [0xffa0, 0xffa0],
  [0x2800, 0x2800],
  [0x034f, 0x034f],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0xfe00, 0xfe0f],
  [0xe0100, 0xe01ef],
];
const BLANK_LOOKING = {
  test: (ch: string) => {
    const cp = ch.codePointAt(0) ?? 0;
    return BLANK_LOOKING_POINTS.some(([lo, hi]) => cp >= lo && cp <= hi);
  },
};
const WHITESPACE = /[\s\p{Z}]/u;

const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Georgian',
  'Hangul',
  'Ethiopic',
  'Cherokee',
  'Khmer',
  'Mongolian',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
] as const;
const SCRIPT_RES = SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script=${s}}$`, 'u')] as const);
const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
/** Script combinations UTS #39 "highly restrictive" allows besides single scripts. */
const ALLOWED_MIXES: readonly (readonly string[])[] = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];
/** Cyrillic and Greek letters that look like Latin ones (from Unicode's confusables.txt). */
const LATIN_LOOKALIKES = new Set('аАвВеЕһНіІјЈкКмМнНоОрРсСтТуУхХѕЅԁԛԝүҮӏӀѵ' + 'ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοιυνκρτχ');

function scriptOf(ch: string): string | undefined {
  if (COMMON_OR_INHERITED.test(ch)) return undefined;
  for (const [name, re] of SCRIPT_RES) if (re.test(ch)) return name;
  return 'other';
}

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

function problem(code: IdentityTextCode, message: Localized): Checked {
  return { ok: false, code, message };
}

function firstMatch(value: string, re: { test(ch: string): boolean }): string | undefined {
  for (const ch of value) if (re.test(ch)) return ch;
  return undefined;
}

/** The scripts of a string's letters, in order of first use (Common and Inherited not counted). */
export function scriptsOf(value: string): string[] {
  const out: string[] = [];
  for (const ch of value) {
    const s = scriptOf(ch);
    if (s && !out.includes(s)) out.push(s);
  }
  return out;
}

function hiddenCharacter(value: string, field: Localized): Checked | undefined {
  const ctrl = firstMatch(value, CONTROL);
  if (ctrl)
    return problem('control-character', {
      sv: `${field.sv} innehåller ett styrtecken (${codePoint(ctrl)}). Skriv in det igen utan att klistra in.`,
      en: `The ${field.en} contains a control character (${codePoint(ctrl)}). Type it again instead of pasting it.`,
    });
  const bidi = firstMatch(value, BIDI);
  if (bidi)
    return problem('bidi-control', {
      sv: `${field.sv} innehåller ett osynligt tecken som vänder textens riktning (${codePoint(bidi)}). Ta bort det.`,
      en: `The ${field.en} contains an invisible character that reverses the text direction (${codePoint(bidi)}). Remove it.`,
    });
  return undefined;
}

/**
 * A username as typed → the normalised username, or why it is refused. Lookups use
 * `normaliseUsername` so a username typed in full-width or with ligatures still finds its user.
 */
export function checkUsername(raw: string): Checked {
  const value = normaliseUsername(raw);
  const field = { sv: 'Användarnamnet', en: 'username' };
  if (value.length === 0) return problem('required', { sv: 'Ange ett användarnamn.', en: 'Enter a username.' });
  if ([...value].length > USERNAME_MAX_LENGTH)
    return problem('too-long', {
      sv: `Användarnamnet får vara högst ${USERNAME_MAX_LENGTH} tecken.`,
      en: `The username may be at most ${USERNAME_MAX_LENGTH} characters.`,
    });
  const hidden = hiddenCharacter(value, field);
  if (hidden) return hidden;
  const invisible = firstMatch(value, FORMAT) ?? firstMatch(value, BLANK_LOOKING);
  if (invisible)
    return problem('invisible-character', {
      sv: `Användarnamnet innehåller ett osynligt tecken (${codePoint(invisible)}). Skriv in det igen utan att klistra in.`,
      en: `The username contains an invisible character (${codePoint(invisible)}). Type it again instead of pasting it.`,
    });
  const space = firstMatch(value, WHITESPACE);
  if (space)
    return problem('whitespace', {
      sv: `Användarnamnet får inte innehålla mellanslag (${codePoint(space)}).`,
      en: `The username must not contain spaces (${codePoint(space)}).`,
    });
  const scripts = scriptsOf(value);
  if (scripts.length > 1 && !ALLOWED_MIXES.some((mix) => scripts.every((s) => mix.includes(s))))
    return problem('mixed-script', {
      sv: `Användarnamnet blandar skriftsystem (${scripts.join(', ')}), så det kan förväxlas med ett annat. Använd ett skriftsystem.`,
      en: `The username mixes scripts (${scripts.join(', ')}), so it could be mistaken for another one. Use one script.`,
    });
  const letters = [...value].filter((ch) => /\p{L}/u.test(ch));
  if (
    (scripts[0] === 'Cyrillic' || scripts[0] === 'Greek') &&
    letters.length > 0 &&
    letters.every((ch) => LATIN_LOOKALIKES.has(ch))
  )
    return problem('confusable', {
      sv: `Användarnamnet består av ${scripts[0] === 'Greek' ? 'grekiska' : 'kyrilliska'} bokstäver som ser ut som latinska, så det kan förväxlas med ett annat. Skriv det med latinska bokstäver.`,
      en: `The username is written in ${scripts[0]} letters that look like Latin ones, so it could be mistaken for another one. Write it in Latin letters.`,
    });
  return { ok: true, value };
}

/** NFKC, the form usernames are stored and looked up in. */
export function normaliseUsername(raw: string): string {
  return raw.normalize('NFKC');
}

/** A display name as typed → trimmed, or why it is refused (control characters, bidi controls, length). */
export function checkDisplayName(raw: string): Checked {
  const value = raw.trim();
  if ([...value].length > DISPLAY_NAME_MAX_LENGTH)
    return problem('too-long', {
      sv: `Namnet får vara högst ${DISPLAY_NAME_MAX_LENGTH} tecken.`,
      en: `The display name may be at most ${DISPLAY_NAME_MAX_LENGTH} characters.`,
    });
  return hiddenCharacter(value, { sv: 'Namnet', en: 'display name' }) ?? { ok: true, value };
}
