/**
 * The country/region drop-down of the phone form: the countries the destination policy allows come
 * first (or alone, `countryList: allowed-only`), each with an example number for the hint.
 */
import type { CountryOption } from '../domain/phone/countries';
import { exampleNumber } from '../domain/phone/examples';

export type CountryListMode = 'allowed-first' | 'allowed-only' | 'all';

export interface CountryChoice {
  /** ISO codes the policy allows (`policy.allowedCountries`, or the home country when that is empty). */
  readonly allowed: readonly string[];
  readonly mode: CountryListMode;
}

/** `all` (sorted by name) keeps the input order; the others put the allowed countries first, in `allowed` order. */
export function countryOptions(sorted: readonly CountryOption[], choice: CountryChoice): CountryOption[] {
  const allowed = new Set(choice.allowed);
  const withInfo = sorted.map((c) => ({ ...c, allowed: allowed.has(c.code), example: exampleNumber(c.code) }));
  if (choice.mode === 'all') return withInfo;
  const first = choice.allowed
    .map((code) => withInfo.find((c) => c.code === code))
    .filter((c): c is (typeof withInfo)[number] => c !== undefined);
  if (choice.mode === 'allowed-only') return first;
  return [...first, ...withInfo.filter((c) => !c.allowed)];
}
