/**
 * Parsing what people type as a phone number, with the user's country as the default region:
 * `08-123 456 78`, `+46 8 123 456 78 ext. 123`, `+46812345678 x123`, `tel:+46-8-12345678;ext=123`,
 * or an extension given in its own field. Uses libphonenumber-js with full metadata (`/max`) so the
 * number type (premium rate, shared cost, …) is known — the destination policy depends on it.
 */
import {
  type CountryCode,
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import type { Localized } from '../language';
import { isCountryCode } from './countries';
import { type ExtensionErrorCode, type ExtensionStep, parseExtension } from './extension';
import { type PhoneErrorCode, phoneErrorMessage } from './messages';
import { type NumberType, numberType } from './number-type';

export interface ParsedPhone {
  /** `+46812345678` */
  readonly e164: string;
  /** `08-123 456 78` */
  readonly national: string;
  /** `+46 8 123 456 78` */
  readonly international: string;
  /** Region of the number (`SE`); undefined for non-geographic numbers (e.g. +882). */
  readonly country: string | undefined;
  /** `46` */
  readonly callingCode: string;
  readonly type: NumberType;
  /** Normalised extension (digits, `*`, `#`, `,`, `w`) or null. */
  readonly extension: string | null;
  readonly extensionSteps: readonly ExtensionStep[];
}

export type PhoneParseResult =
  | ({ readonly ok: true } & ParsedPhone)
  | {
      readonly ok: false;
      readonly code: PhoneErrorCode | ExtensionErrorCode;
      readonly message: Localized;
      /** Which input was wrong, for per-field form errors. */
      readonly field: 'number' | 'extension' | 'country';
    };

export interface ParseOptions {
  /** Default region for numbers without `+` (the user's country). */
  readonly country?: string | undefined;
  /** Extension from its own input field. */
  readonly extension?: string | undefined | null;
}

// "ext 12", "ext. 12", "extension 12", "anknytning 12", "ankn. 12", "x12", ";ext=12" at the end.
const INLINE_EXTENSION =
  /^(.*?\d.*?)(?:\s*;\s*ext\s*=\s*|\s*,?\s*(?:extension|ext\.?|anknytning|ankn\.?|ank\.?|x)\s*[:.]?\s*)([0-9*#][0-9*#,w\s-]*)$/i;

export function parsePhone(input: string, options: ParseOptions = {}): PhoneParseResult {
  const text = input.trim();
  if (!text) return fail('empty', 'number');
  const country = options.country?.toUpperCase();
  if (country !== undefined && !isCountryCode(country)) return fail('invalid-country', 'country');

  let numberPart = text;
  let inlineExt: string | undefined;
  const m = INLINE_EXTENSION.exec(text);
  if (m?.[1] && m[2]) {
    numberPart = m[1];
    inlineExt = m[2];
  }
  const bare = numberPart.replace(/^tel:/i, '');
  // Letters left in the number are not vanity-number support: they are mistakes (a name in the field).
  if (/[a-z]/i.test(bare)) return fail('not-a-number', 'number');

  let extension: string | null = null;
  let steps: readonly ExtensionStep[] = [];
  const separate = options.extension?.trim() || undefined;
  for (const [raw, field] of [
    [inlineExt, 'number'],
    [separate, 'extension'],
  ] as const) {
    if (raw === undefined) continue;
    const ext = parseExtension(raw);
    if (!ext.ok) return { ok: false, code: ext.code, message: ext.message, field };
    if (extension !== null && extension !== ext.extension) return fail('extension-conflict', 'extension');
    extension = ext.extension;
    steps = ext.steps;
  }

  const defaultCountry = country as CountryCode | undefined;
  let phone: ReturnType<typeof parsePhoneNumberWithError>;
  try {
    phone = parsePhoneNumberWithError(numberPart, defaultCountry ? { defaultCountry } : {});
  } catch (err) {
    if (err instanceof ParseError) {
      switch (err.message) {
        case 'INVALID_COUNTRY':
          return fail(bare.trim().startsWith('+') ? 'unknown-calling-code' : 'invalid-country', 'number');
        case 'TOO_SHORT':
          return fail('too-short', 'number', country);
        case 'TOO_LONG':
          return fail('too-long', 'number', country);
        default:
          return fail('not-a-number', 'number');
      }
    }
    throw err;
  }
  // libphonenumber's own extension parsing (e.g. "#" forms we do not match) as a last resort.
  if (phone.ext && extension === null) {
    const ext = parseExtension(phone.ext);
    if (ext.ok) {
      extension = ext.extension;
      steps = ext.steps;
    }
  }
  const region = phone.country ?? undefined;
  if (!phone.isValid()) {
    const len = validatePhoneNumberLength(phone.number, defaultCountry ? { defaultCountry } : {});
    const code: PhoneErrorCode =
      len === 'TOO_SHORT'
        ? 'too-short'
        : len === 'TOO_LONG'
          ? 'too-long'
          : len === 'INVALID_LENGTH'
            ? 'invalid-length'
            : 'invalid-number';
    return fail(code, 'number', region ?? country);
  }
  // Formats without the extension: fyrkant shows and stores it separately.
  const plain = phone.ext ? parsePhoneNumberWithError(phone.number) : phone;
  return {
    ok: true,
    e164: phone.number,
    national: plain.formatNational(),
    international: plain.formatInternational(),
    country: region,
    callingCode: phone.countryCallingCode,
    type: numberType(phone.getType()),
    extension,
    extensionSteps: steps,
  };
}

function fail(code: PhoneErrorCode, field: 'number' | 'extension' | 'country', country?: string): PhoneParseResult {
  return { ok: false, code, message: phoneErrorMessage(code, { country }), field };
}
