/** What is wrong with a typed phone number, in words a user understands (sv, en). */
import type { Localized } from '../language';
import { countryName } from './countries';

export type PhoneErrorCode =
  | 'empty'
  | 'not-a-number'
  | 'invalid-country'
  | 'unknown-calling-code'
  | 'too-short'
  | 'too-long'
  | 'invalid-length'
  | 'invalid-number'
  | 'extension-conflict';

export function phoneErrorMessage(
  code: PhoneErrorCode,
  ctx: { country?: string | undefined; input?: string } = {},
): Localized {
  const c = ctx.country;
  const inSv = c ? ` i ${countryName(c, 'sv')}` : '';
  const inEn = c ? ` in ${countryName(c, 'en')}` : '';
  switch (code) {
    case 'empty':
      return { sv: 'Skriv ett telefonnummer.', en: 'Enter a phone number.' };
    case 'not-a-number':
      return {
        sv: 'Det här ser inte ut som ett telefonnummer: använd siffror, gärna med + och landsnummer.',
        en: 'This does not look like a phone number: use digits, preferably with + and the country code.',
      };
    case 'invalid-country':
      return {
        sv: 'Välj land eller skriv numret med + och landsnummer (t.ex. +46 8 123 456 78).',
        en: 'Choose a country or type the number with + and the country code (e.g. +46 8 123 456 78).',
      };
    case 'unknown-calling-code':
      return { sv: 'Landsnumret efter + finns inte.', en: 'The country code after + does not exist.' };
    case 'too-short':
      return {
        sv: `Numret är för kort för att vara ett telefonnummer${inSv}.`,
        en: `The number is too short for a phone number${inEn}.`,
      };
    case 'too-long':
      return {
        sv: `Numret är för långt för att vara ett telefonnummer${inSv}.`,
        en: `The number is too long for a phone number${inEn}.`,
      };
    case 'invalid-length':
      return { sv: `Numret har fel antal siffror${inSv}.`, en: `The number has the wrong number of digits${inEn}.` };
    case 'invalid-number':
      return {
        sv: `Numret finns inte i nummerplanen${inSv}; kontrollera riktnummer och siffror.`,
        en: `The number is not in the numbering plan${inEn}; check the area code and digits.`,
      };
    case 'extension-conflict':
      return {
        sv: 'Anknytningen står både i numret och i anknytningsfältet, med olika värden.',
        en: 'The extension is given both in the number and in the extension field, with different values.',
      };
  }
}
