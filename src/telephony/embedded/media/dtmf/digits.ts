/**
 * The 16 DTMF keys as RFC 4733 event codes and as ITU-T Q.23 frequency pairs. One table so the
 * sender, receiver, generator and detector cannot disagree about which key is which.
 */
import { DTMF_DIGITS, type DtmfDigit } from '../../../port';

/** Q.23 low (row) group, Hz. */
export const ROW_FREQS = [697, 770, 852, 941] as const;
/** Q.23 high (column) group, Hz. */
export const COL_FREQS = [1209, 1336, 1477, 1633] as const;

/** Keypad layout: KEYPAD[row][col]. */
const KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** RFC 4733 §3.2: events 0-9 are the digits, 10 = *, 11 = #, 12-15 = A-D. Same order as DTMF_DIGITS. */
export function eventCodeToDigit(code: number): DtmfDigit | undefined {
  return DTMF_DIGITS[code];
}

export function digitToEventCode(digit: DtmfDigit): number {
  return DTMF_DIGITS.indexOf(digit);
}

/** Digit for a (row, col) index pair, both 0..3. */
export function digitAt(row: number, col: number): DtmfDigit {
  return KEYPAD[row]![col]!;
}

/** The Q.23 frequency pair of a digit. */
export function digitFrequencies(digit: DtmfDigit): { readonly low: number; readonly high: number } {
  for (let r = 0; r < 4; r++) {
    const c = KEYPAD[r]!.indexOf(digit);
    if (c >= 0) return { low: ROW_FREQS[r]!, high: COL_FREQS[c]! };
  }
  throw new RangeError(`not a DTMF digit: ${digit}`);
}

/**
 * Peak amplitude (16-bit linear) of a 0 dBm0 sine. G.711's largest sine is +3.17 dBm0 (µ-law peak
 * 32124 after decoding), so 0 dBm0 sits 3.17 dB below it.
 */
export const ZERO_DBM0_PEAK = 32124 / 10 ** (3.17 / 20);

export function dbm0ToPeak(dbm0: number): number {
  return ZERO_DBM0_PEAK * 10 ** (dbm0 / 20);
}
