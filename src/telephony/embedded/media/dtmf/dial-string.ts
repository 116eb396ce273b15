/**
 * Turns a digit string such as `1001` or `0,,123w#` into a timed plan that every send mode shares
 * (RFC 4733 packets, in-band tones, SIP INFO), so all three keep the same rhythm.
 */
import { type DtmfDigit, isDtmfDigit } from '../../../port';

/** `,` pauses 1 s and `w` 0.5 s (the usual dialler conventions). */
export const COMMA_PAUSE_MS = 1000;
export const W_PAUSE_MS = 500;

export interface DigitTiming {
  /** How long each tone lasts; default 100 ms. */
  readonly toneMs?: number;
  /** Silence after each tone; default 100 ms. */
  readonly gapMs?: number;
}

export const DEFAULT_TONE_MS = 100;
export const DEFAULT_GAP_MS = 100;
/** Below this a receiver following Q.24 may not recognise the tone or the pause (40 ms on / 40 ms off). */
export const MIN_TONE_MS = 40;
export const MIN_GAP_MS = 40;
/** Longer makes no sense for dialling and would overflow one RFC 4733 segment. */
export const MAX_TONE_MS = 5000;
/** A dial string longer than this is a configuration mistake, not an extension. */
export const MAX_DIAL_STRING = 64;

export type PlanStep =
  | { readonly kind: 'tone'; readonly digit: DtmfDigit; readonly startMs: number; readonly durationMs: number }
  | { readonly kind: 'silence'; readonly startMs: number; readonly durationMs: number };

export interface DigitPlan {
  readonly steps: readonly PlanStep[];
  /** Sum of all steps. */
  readonly totalMs: number;
  readonly toneMs: number;
  readonly gapMs: number;
}

export class DialStringError extends RangeError {
  override readonly name = 'DialStringError';
}

/**
 * Each digit becomes a tone followed by a gap (also after the last digit, so the far end sees the
 * tone end before anything else is sent); `,`/`w` add silence. Lower-case a-d are accepted as A-D.
 * Throws `DialStringError` on anything else.
 */
export function planDigits(digits: string, timing: DigitTiming = {}): DigitPlan {
  const toneMs = timing.toneMs ?? DEFAULT_TONE_MS;
  const gapMs = timing.gapMs ?? DEFAULT_GAP_MS;
  if (!Number.isFinite(toneMs) || toneMs < MIN_TONE_MS || toneMs > MAX_TONE_MS) {
    throw new DialStringError(`tone length must be ${MIN_TONE_MS}..${MAX_TONE_MS} ms, got ${toneMs}`);
  }
  if (!Number.isFinite(gapMs) || gapMs < MIN_GAP_MS || gapMs > 10_000) {
    throw new DialStringError(`gap must be ${MIN_GAP_MS}..10000 ms, got ${gapMs}`);
  }
  if (digits.length > MAX_DIAL_STRING) {
    throw new DialStringError(`dial string longer than ${MAX_DIAL_STRING} characters`);
  }
  const steps: PlanStep[] = [];
  let t = 0;
  for (let i = 0; i < digits.length; i++) {
    const ch = digits[i]!;
    if (ch === ',' || ch === 'w' || ch === 'W') {
      const ms = ch === ',' ? COMMA_PAUSE_MS : W_PAUSE_MS;
      steps.push({ kind: 'silence', startMs: t, durationMs: ms });
      t += ms;
      continue;
    }
    const digit = ch >= 'a' && ch <= 'd' ? ch.toUpperCase() : ch;
    if (!isDtmfDigit(digit)) {
      throw new DialStringError(
        `invalid character ${JSON.stringify(ch)} at position ${i + 1} of the dial string (allowed: 0-9 * # A-D , w)`,
      );
    }
    steps.push({ kind: 'tone', digit, startMs: t, durationMs: toneMs });
    t += toneMs;
    steps.push({ kind: 'silence', startMs: t, durationMs: gapMs });
    t += gapMs;
  }
  return { steps, totalMs: t, toneMs, gapMs };
}
