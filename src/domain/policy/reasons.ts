/** Why the destination policy allowed or refused a call: stable codes for the API, words for people. */
import type { Localized } from '../language';
import { countryName } from '../phone/countries';
import { NUMBER_TYPE_NAMES, type NumberType } from '../phone/number-type';

/** Facts behind a decision; the texts name them in each language. */
export interface PolicyDetail {
  /** ISO code of the number's country; absent for non-geographic numbers. */
  readonly country?: string;
  readonly type?: NumberType;
  readonly prefix?: string;
  /** For `country-not-allowed`: the countries that may be called, so the text can say what is. */
  readonly allowedCountries?: readonly string[];
}

export const POLICY_REASONS = [
  'allowed',
  'allowed-prefix',
  'internal-range',
  'sip-uri-allowed',
  'sip-uri-not-allowed',
  'denied-prefix',
  'country-not-allowed',
  'blocked-number-type',
  'rate-limit-user',
  'rate-limit-number',
  'rate-limit-concurrent',
  'rate-limit-node-concurrent',
  'rate-limit-global',
] as const;
export type PolicyReason = (typeof POLICY_REASONS)[number];

export type AllowReason = Extract<PolicyReason, 'allowed' | 'allowed-prefix' | 'internal-range' | 'sip-uri-allowed'>;
export type DenyReason = Exclude<PolicyReason, AllowReason>;
export type RateLimitReason = Extract<PolicyReason, `rate-limit-${string}`>;

export function isRateLimit(reason: PolicyReason): reason is RateLimitReason {
  return reason.startsWith('rate-limit-');
}

export function policyMessage(reason: PolicyReason, detail: PolicyDetail = {}): Localized {
  switch (reason) {
    case 'allowed':
      return { sv: 'Numret får ringas.', en: 'The number may be called.' };
    case 'allowed-prefix':
      return {
        sv: `Numret får ringas (tillåtet prefix ${detail.prefix}).`,
        en: `The number may be called (allowed prefix ${detail.prefix}).`,
      };
    case 'internal-range':
      return {
        sv: 'Numret är ett av företagets egna och rings direkt.',
        en: "The number is one of the company's own and is called directly.",
      };
    case 'sip-uri-allowed':
      return { sv: 'SIP-adressen får ringas (testläge).', en: 'The SIP address may be called (test mode).' };
    case 'sip-uri-not-allowed':
      return {
        sv: 'Att ringa SIP-adresser direkt är avstängt. För tester: sätt telephony.allowSipUriDial: true (FYRKANT_TELEPHONY__ALLOW_SIP_URI_DIAL=true) och starta om.',
        en: 'Calling SIP addresses directly is turned off. For tests: set telephony.allowSipUriDial: true (FYRKANT_TELEPHONY__ALLOW_SIP_URI_DIAL=true) and restart.',
      };
    case 'denied-prefix':
      return {
        sv: `Nummer som börjar på ${detail.prefix} får inte ringas. Ange ett annat nummer eller fråga IT-avdelningen.`,
        en: `Numbers starting with ${detail.prefix} may not be called. Give another number or ask your IT department.`,
      };
    case 'country-not-allowed':
      return {
        sv: `Samtal till ${detail.country ? `${countryName(detail.country, 'sv')} (${detail.country})` : 'nummer utan land'} är inte tillåtna.${allowedHint(detail, 'sv')}`,
        en: `Calls to ${detail.country ? `${countryName(detail.country, 'en')} (${detail.country})` : 'non-geographic numbers'} are not allowed.${allowedHint(detail, 'en')}`,
      };
    case 'blocked-number-type':
      return {
        sv: `Nummer av typen ${detail.type ? NUMBER_TYPE_NAMES[detail.type].sv : 'okänd'} får inte ringas. Ange ditt kontors- eller mobilnummer.`,
        en: `Numbers of type ${detail.type ? NUMBER_TYPE_NAMES[detail.type].en : 'unknown'} may not be called. Give your office or mobile number.`,
      };
    case 'rate-limit-user':
      return {
        sv: 'Du har fått för många samtal på kort tid. Vänta en stund.',
        en: 'You have had too many calls in a short time. Please wait.',
      };
    case 'rate-limit-number':
      return {
        sv: 'Numret har ringts för många gånger på kort tid. Vänta en stund.',
        en: 'This number has been called too often recently. Please wait.',
      };
    case 'rate-limit-concurrent':
      return {
        sv: 'Alla linjer är upptagna just nu. Försök igen strax.',
        en: 'All lines are busy right now. Try again shortly.',
      };
    case 'rate-limit-node-concurrent':
      return {
        sv: 'Den här servern har så många samtal den får ha just nu. Försök igen strax.',
        en: 'This server is placing as many calls as it may right now. Try again shortly.',
      };
    case 'rate-limit-global':
      return {
        sv: 'Tjänsten ringer för många samtal just nu. Försök igen strax.',
        en: 'The service is placing too many calls right now. Try again shortly.',
      };
  }
}

/** " Only calls to Sweden are allowed — ask your IT department." (empty when the list is unknown). */
function allowedHint(detail: PolicyDetail, lang: 'sv' | 'en'): string {
  const list = detail.allowedCountries ?? [];
  if (list.length === 0) return '';
  const names = new Intl.ListFormat(lang === 'sv' ? 'sv-SE' : 'en-GB', { type: 'disjunction' }).format(
    list.map((c) => countryName(c, lang)),
  );
  return lang === 'sv'
    ? ` Bara samtal till ${names} är tillåtna — fråga IT-avdelningen om du behöver ett annat land.`
    : ` Only calls to ${names} are allowed — ask your IT department if you need another country.`;
}
