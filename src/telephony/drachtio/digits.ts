/**
 * Turns an extension string into timed steps for FreeSWITCH's `send_dtmf`: digits are sent one at a
 * time (so the gap between them is ours to control and an abort stops between digits); `,` pauses
 * 1 s and `w` 0.5 s, as the port defines.
 */
import { type DtmfDigit, isDtmfDigit } from '../port';

export type DigitStep =
  | { readonly kind: 'digit'; readonly digit: DtmfDigit }
  | { readonly kind: 'pause'; readonly ms: number };

export function digitSteps(digits: string): DigitStep[] {
  const steps: DigitStep[] = [];
  for (const ch of digits) {
    if (ch === ',') steps.push({ kind: 'pause', ms: 1000 });
    else if (ch === 'w') steps.push({ kind: 'pause', ms: 500 });
    else if (isDtmfDigit(ch)) steps.push({ kind: 'digit', digit: ch });
    else throw new Error(`cannot send '${ch}' as DTMF (allowed: 0-9 * # A-D , w)`);
  }
  return steps;
}

/** `send_dtmf` argument for one digit: FreeSWITCH's `<digits>@<duration ms>`. */
export function sendDtmfArg(digit: DtmfDigit, toneMs: number): string {
  return `${digit}@${Math.round(toneMs)}`;
}

/** DTMF frequency pairs (ITU-T Q.23): row (low) and column (high) tone in Hz. */
const ROWS = [697, 770, 852, 941] as const;
const COLS = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

/**
 * A FreeSWITCH `tone_stream://` that plays one DTMF digit in-band: the tone for `toneMs`, then
 * `gapMs` of silence, at FreeSWITCH's default level (-7 dBm0 per tone, libteletone).
 */
export function dtmfToneStream(digit: DtmfDigit, toneMs: number, gapMs: number): string {
  const row = KEYPAD.findIndex((r) => r.includes(digit));
  const col = KEYPAD[row]?.indexOf(digit) ?? -1;
  if (row < 0 || col < 0) throw new Error(`no DTMF tone for '${digit}'`);
  return `tone_stream://%(${Math.round(toneMs)},${Math.round(gapMs)},${ROWS[row]},${COLS[col]})`;
}
