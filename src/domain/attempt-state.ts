/**
 * The life of a verification attempt, as stored. One attempt = one call (or one policy denial).
 *
 * queued → dialling → ringing → answered → in-script → ended
 * Any non-ended state may jump to `ended` (busy, no answer, crash recovery, cancel…). `ended` is final.
 */
import type { CallOutcome } from './call-outcomes';

export const ATTEMPT_STATES = ['queued', 'dialling', 'ringing', 'answered', 'in-script', 'ended'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const ATTEMPT_PURPOSES = ['enrollment', 'sign-in', 'test'] as const;
export type AttemptPurpose = (typeof ATTEMPT_PURPOSES)[number];

/** Which way a state may move. Skipping forward is allowed (a call can be answered without a 180). */
const ORDER: Record<AttemptState, number> = {
  queued: 0,
  dialling: 1,
  ringing: 2,
  answered: 3,
  'in-script': 4,
  ended: 5,
};

export function canTransition(from: AttemptState, to: AttemptState): boolean {
  if (from === 'ended') return false;
  // Ringing may repeat (180 then 183), everything else only moves forward.
  if (from === to) return from === 'ringing';
  return ORDER[to] > ORDER[from];
}

export function isTerminal(state: AttemptState): state is 'ended' {
  return state === 'ended';
}

/** A transition as the service asks for it. `ended` needs an outcome; others may carry call details. */
export type AttemptTransition =
  | { readonly to: 'dialling'; readonly at?: number; readonly dialledTarget: string; readonly backend: string }
  | { readonly to: 'ringing'; readonly at?: number; readonly sipStatus?: number; readonly callId?: string }
  | {
      readonly to: 'answered';
      readonly at?: number;
      readonly callId?: string;
      /** The INVITE's final status (200); replaces the 180 stored while ringing. */
      readonly sipStatus?: number;
    }
  | { readonly to: 'in-script'; readonly at?: number; readonly scriptId: string; readonly scriptHash: string }
  | {
      readonly to: 'ended';
      readonly at?: number;
      readonly outcome: CallOutcome;
      readonly sipStatus?: number;
      readonly sipReason?: string;
      readonly reasonCode?: string;
      readonly digitsSent?: string;
      readonly digitsReceived?: string;
      readonly dtmfSource?: string;
      readonly callId?: string;
    };
