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
