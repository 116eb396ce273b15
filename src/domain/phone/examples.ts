/**
 * An example number per country, as people there write it (national format), for the hint under
 * the number field: it follows the chosen country. libphonenumber-js ships example numbers for
 * mobiles only; they show the shape of a national number well enough for a hint.
 */

import examples from 'libphonenumber-js/examples.mobile.json';
import { type CountryCode, getExampleNumber } from 'libphonenumber-js/max';
import { isCountryCode } from './countries';

const cache = new Map<string, string | undefined>();

export function exampleNumber(country: string): string | undefined {
  if (cache.has(country)) return cache.get(country);
  const n = isCountryCode(country) ? getExampleNumber(country as CountryCode, examples) : undefined;
  const text = n?.formatNational();
  cache.set(country, text);
  return text;
}
