/** Collecting one try's worth of digits for `gather`: terminators, max digits, overall and inter-digit timeouts. */
import type { DtmfSource } from '../../telephony/port';
import type { GatherArgs } from '../schema';
import type { VerbContext } from './base';

export const GATHER_DEFAULTS = {
  terminators: '#',
  minDigits: 0,
  maxDigits: 16,
  timeoutMs: 6000,
  interDigitTimeoutMs: 3000,
  tries: 3,
  bargeIn: true,
  /** Keys pressed before the step count (false) or are discarded when it starts (true). */
  flush: false,
} as const;

export type Input =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'digits';
      /** Without the terminator. */
      readonly digits: string;
      readonly terminator?: string;
      /** Every key as pressed, terminator included. */
      readonly keys: string;
      readonly source: DtmfSource;
    }
  | { readonly kind: 'stopped' };

export async function collectInput(ctx: VerbContext, a: GatherArgs): Promise<Input> {
  const terminators = a.terminators ?? GATHER_DEFAULTS.terminators;
  const maxDigits = a.maxDigits ?? GATHER_DEFAULTS.maxDigits;
  const overall = a.timeoutMs ?? GATHER_DEFAULTS.timeoutMs;
  const interDigit = a.interDigitTimeoutMs ?? GATHER_DEFAULTS.interDigitTimeoutMs;
  const deadline = Date.now() + overall;
  let digits = '';
  let source: DtmfSource | undefined;
  for (;;) {
    const left = deadline - Date.now();
    const wait = digits === '' ? left : Math.min(left, interDigit);
    const ev = await ctx.dtmf.next(wait, ctx.signal);
    if (ctx.signal.aborted) return { kind: 'stopped' };
    if (!ev) break;
    source = ev.source;
    if (terminators.includes(ev.digit)) {
      return { kind: 'digits', digits, terminator: ev.digit, keys: digits + ev.digit, source };
    }
    digits += ev.digit;
    if (digits.length >= maxDigits) return { kind: 'digits', digits, keys: digits, source };
  }
  return digits && source ? { kind: 'digits', digits, keys: digits, source } : { kind: 'none' };
}
