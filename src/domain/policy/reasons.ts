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
      return { sv: 'Att ringa SIP-adresser direkt är avstängt.', en: 'Calling SIP addresses directly is turned off.' };
    case 'denied-prefix':
      return {
        sv: `Nummer som börjar på ${detail.prefix} får inte ringas.`,
        en: `Numbers starting with ${detail.prefix} may not be called.`,
      };
    case 'country-not-allowed':
      return {
        sv: `Samtal till ${detail.country ? `${countryName(detail.country, 'sv')} (${detail.country})` : 'nummer utan land'} är inte tillåtna.`,
        en: `Calls to ${detail.country ? `${countryName(detail.country, 'en')} (${detail.country})` : 'non-geographic numbers'} are not allowed.`,
      };
    case 'blocked-number-type':
      return {
        sv: `Nummer av typen ${detail.type ? NUMBER_TYPE_NAMES[detail.type].sv : 'okänd'} får inte ringas.`,
        en: `Numbers of type ${detail.type ? NUMBER_TYPE_NAMES[detail.type].en : 'unknown'} may not be called.`,
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
    case 'rate-limit-global':
      return {
        sv: 'Tjänsten ringer för många samtal just nu. Försök igen strax.',
        en: 'The service is placing too many calls right now. Try again shortly.',
      };
  }
}
