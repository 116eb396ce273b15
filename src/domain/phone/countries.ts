/** Countries/regions with calling codes and names in sv and en, for the UI's drop-down. */
import { type CountryCode, getCountries, getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max';
import type { Language } from '../language';

export interface CountryOption {
  /** ISO 3166-1 alpha-2, e.g. `SE`. */
  readonly code: string;
  readonly name: string;
  /** Without `+`, e.g. `46`. */
  readonly callingCode: string;
  /** May the destination policy call numbers here? (Set when the list is made for a form.) */
  readonly allowed?: boolean;
  /** An example number in national format, e.g. `070-123 45 67`. (Set when made for a form.) */
  readonly example?: string;
}

const LOCALE: Record<Language, string> = { sv: 'sv-SE', en: 'en-GB' };
const displayNames = new Map<Language, Intl.DisplayNames>();

export function countryName(code: string, lang: Language): string {
  let dn = displayNames.get(lang);
  if (!dn) {
    dn = new Intl.DisplayNames([LOCALE[lang]], { type: 'region', fallback: 'code' });
    displayNames.set(lang, dn);
  }
  try {
    return dn.of(code) ?? code;
  } catch {
    return code;
  }
}

const cache = new Map<Language, readonly CountryOption[]>();

/** Every region libphonenumber knows, sorted by name in the given language. */
export function listCountries(lang: Language): readonly CountryOption[] {
  const hit = cache.get(lang);
  if (hit) return hit;
  const collator = new Intl.Collator(LOCALE[lang]);
  const list = getCountries()
    .map((code) => ({ code, name: countryName(code, lang), callingCode: getCountryCallingCode(code) }))
    .sort((a, b) => collator.compare(a.name, b.name));
  cache.set(lang, list);
  return list;
}

export function isCountryCode(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}
