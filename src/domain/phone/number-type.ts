/** libphonenumber's number types, as fyrkant names them in config and the API (kebab-case). */
import type { NumberType as LibType } from 'libphonenumber-js/max';

/** Number types as the policy names them (libphonenumber's types, kebab-cased). */
export const NUMBER_TYPES = [
  'fixed-line',
  'mobile',
  'fixed-line-or-mobile',
  'toll-free',
  'premium-rate',
  'shared-cost',
  'voip',
  'personal',
  'pager',
  'uan',
  'voicemail',
  'unknown',
] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

const MAP: Record<NonNullable<LibType>, NumberType> = {
  FIXED_LINE: 'fixed-line',
  MOBILE: 'mobile',
  FIXED_LINE_OR_MOBILE: 'fixed-line-or-mobile',
  TOLL_FREE: 'toll-free',
  PREMIUM_RATE: 'premium-rate',
  SHARED_COST: 'shared-cost',
  VOIP: 'voip',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

export function numberType(t: LibType | undefined): NumberType {
  return t ? MAP[t] : 'unknown';
}

export const NUMBER_TYPE_NAMES: Readonly<Record<NumberType, { sv: string; en: string }>> = {
  'fixed-line': { sv: 'fast telefon', en: 'fixed line' },
  mobile: { sv: 'mobil', en: 'mobile' },
  'fixed-line-or-mobile': { sv: 'fast telefon eller mobil', en: 'fixed line or mobile' },
  'toll-free': { sv: 'gratisnummer', en: 'toll-free' },
  'premium-rate': { sv: 'betalnummer', en: 'premium rate' },
  'shared-cost': { sv: 'delad kostnad', en: 'shared cost' },
  voip: { sv: 'IP-telefoni', en: 'VoIP' },
  personal: { sv: 'personligt nummer', en: 'personal number' },
  pager: { sv: 'personsökare', en: 'pager' },
  uan: { sv: 'företagsnummer (UAN)', en: 'universal access number' },
  voicemail: { sv: 'röstbrevlåda', en: 'voicemail' },
  unknown: { sv: 'okänd typ', en: 'unknown type' },
};
