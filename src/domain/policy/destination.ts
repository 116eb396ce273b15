/**
 * The static part of the destination policy: may this number or URI be called at all?
 * Order matters: deny prefixes win over everything (an admin's explicit "never"), then allow
 * prefixes and the company's own ranges, then country and number type.
 */
import type { NumberType } from '../phone/number-type';
import type { ParsedPhone } from '../phone/parse';
import type { PolicyDetail, PolicyReason } from './reasons';

export interface DestinationRules {
  readonly homeCountry: string;
  /** Empty = the home country only. */
  readonly allowedCountries: readonly string[];
  readonly blockedTypes: readonly NumberType[];
  readonly allowPrefixes: readonly string[];
  readonly denyPrefixes: readonly string[];
  readonly allowSipUriDial: boolean;
  /** The company's own DID ranges (from the dial plan): always callable unless a deny prefix matches. */
  readonly internalRanges: readonly { readonly from: string; readonly to: string }[];
}

export type Destination =
  | { readonly kind: 'phone'; readonly phone: Pick<ParsedPhone, 'e164' | 'country' | 'type'> }
  | { readonly kind: 'sip-uri'; readonly uri: string };

export interface DestinationCheck {
  readonly allow: boolean;
  readonly reason: PolicyReason;
  readonly detail: PolicyDetail;
}

export function destinationKey(d: Destination): string {
  return d.kind === 'phone' ? d.phone.e164 : d.uri.toLowerCase();
}

export function checkDestination(d: Destination, rules: DestinationRules): DestinationCheck {
  if (d.kind === 'sip-uri')
    return rules.allowSipUriDial
      ? { allow: true, reason: 'sip-uri-allowed', detail: {} }
      : { allow: false, reason: 'sip-uri-not-allowed', detail: {} };
  const { e164, country, type } = d.phone;
  const deny = longestPrefix(e164, rules.denyPrefixes);
  if (deny) return { allow: false, reason: 'denied-prefix', detail: { prefix: deny } };
  const allow = longestPrefix(e164, rules.allowPrefixes);
  if (allow) return { allow: true, reason: 'allowed-prefix', detail: { prefix: allow } };
  if (rules.internalRanges.some((r) => e164.length === r.from.length && e164 >= r.from && e164 <= r.to))
    return { allow: true, reason: 'internal-range', detail: {} };
  const countries = rules.allowedCountries.length ? rules.allowedCountries : [rules.homeCountry];
  if (!country || !countries.includes(country))
    return {
      allow: false,
      reason: 'country-not-allowed',
      detail: country ? { country, allowedCountries: countries } : { allowedCountries: countries },
    };
  if (rules.blockedTypes.includes(type)) return { allow: false, reason: 'blocked-number-type', detail: { type } };
  return { allow: true, reason: 'allowed', detail: {} };
}

function longestPrefix(e164: string, prefixes: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const p of prefixes) if (e164.startsWith(p) && (!best || p.length > best.length)) best = p;
  return best;
}
