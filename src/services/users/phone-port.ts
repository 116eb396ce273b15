/**
 * Number parsing and the destination policy as the user/phone-method service needs them. The
 * composition root adapts the foundation's `domain/phone` and `domain/policy` to this.
 */
import type { NumberType } from '../../domain/phone/number-type';
import type { Texts } from '../verification/ports';

export interface PhoneInput {
  readonly number: string;
  /** ISO 3166-1 alpha-2, the default region for national formats. */
  readonly country: string;
  readonly extension?: string | null;
}

export type ParsedPhone =
  | {
      readonly ok: true;
      readonly e164: string;
      readonly country: string;
      readonly extension: string | null;
      readonly type: NumberType;
      readonly national: string;
    }
  | {
      readonly ok: false;
      readonly field: 'number' | 'extension' | 'country';
      readonly code: string;
      readonly message: Texts;
    };

export type DestinationDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reasonCode: string; readonly message: Texts };

export interface PhonePort {
  parse(input: PhoneInput): ParsedPhone;
  /** Destination rules only (country, number type, prefixes) — not rate limits. */
  destination(parsed: Extract<ParsedPhone, { ok: true }>): DestinationDecision;
}
